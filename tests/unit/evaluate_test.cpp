#include <catch2/catch.hpp>

#include "clock.hpp"
#include "engine.hpp"
#include "evaluate.hpp"
#include "test_util.hpp"

using namespace indicatord;

namespace {

TimePoint at(const char* rfc3339) {
    auto t = parse_instant(rfc3339);
    REQUIRE(t);
    return *t;
}

struct Fixture {
    Plan plan = load_plan({test::kData + "/minimal"});
    const date::time_zone* zone = date::locate_zone("Asia/Shanghai");

    Evaluation eval(const std::string& key, const Series& s, const char* now) {
        EvalContext ctx;
        ctx.now = at(now);
        ctx.zone = zone;
        ctx.plan_year = plan.year;
        return evaluate(*plan.find_indicator(key), s, ctx);
    }
    static Observation obs(const char* period, double v) {
        return Observation{*parse_period(period), v, 1, TimePoint{}};
    }
};

}  // namespace

TEST_CASE_METHOD(Fixture, "threshold: nothing due yet is pending", "[evaluate]") {
    auto e = eval("gdp_growth", {}, "2023-02-01T00:00:00+08:00");
    CHECK(e.status == Status::pending);
    REQUIRE(e.next_due);
    // Q1 ends 03-31; due 20 days later (04-20), i.e. from 04-21 00:00 Shanghai
    CHECK(*e.next_due == at("2023-04-21T00:00:00+08:00"));
}

TEST_CASE_METHOD(Fixture, "threshold: a missing report becomes overdue after due plus grace", "[evaluate]") {
    // due 04-20, grace 5 days: overdue from 04-26 00:00 Shanghai (04-25 16:00 UTC)
    CHECK(eval("gdp_growth", {}, "2023-04-25T23:59:59+08:00").status == Status::pending);
    CHECK(eval("gdp_growth", {}, "2023-04-26T00:00:00+08:00").status == Status::overdue);
}

TEST_CASE_METHOD(Fixture, "threshold >= : met is on track, unmet at risk, final decides", "[evaluate]") {
    Series s;
    s.put(obs("2023-Q1", 6.2));
    auto e = eval("gdp_growth", s, "2023-05-01T00:00:00+08:00");
    CHECK(e.status == Status::on_track);
    CHECK(e.value == 6.2);
    CHECK(e.target == 6);

    s.put(obs("2023-Q2", 5.5));
    CHECK(eval("gdp_growth", s, "2023-07-21T00:00:00+08:00").status == Status::at_risk);

    s.put(obs("2023-Q3", 6.0));
    s.put(obs("2023-Q4", 6.1));
    CHECK(eval("gdp_growth", s, "2024-01-25T00:00:00+08:00").status == Status::achieved);
    s.put(obs("2023-Q4", 5.9));  // a revision of the final period
    CHECK(eval("gdp_growth", s, "2024-01-25T00:00:00+08:00").status == Status::missed);
}

TEST_CASE_METHOD(Fixture, "threshold <= (CPI within 3%)", "[evaluate]") {
    Series s;
    s.put(obs("2023-01", 2.9));
    CHECK(eval("cpi_growth", s, "2023-02-10T00:00:00+08:00").status == Status::on_track);
    s.put(obs("2023-02", 3.1));
    CHECK(eval("cpi_growth", s, "2023-03-10T00:00:00+08:00").status == Status::at_risk);
}

TEST_CASE_METHOD(Fixture, "a later period's report missing turns a met value overdue", "[evaluate]") {
    Series s;
    s.put(obs("2023-Q1", 6.5));
    CHECK(eval("gdp_growth", s, "2023-07-26T00:00:00+08:00").status == Status::overdue);
}

TEST_CASE_METHOD(Fixture, "cumulative against a linear trajectory", "[evaluate]") {
    Series s;
    s.put(obs("2023-Q1", 24));  // expected 25, 10% tolerance
    auto e = eval("manufacturing_projects", s, "2023-04-10T00:00:00+08:00");
    CHECK(e.status == Status::on_track);
    CHECK(e.expected == 25);
    s.put(obs("2023-Q2", 40));  // expected 50: 40 < 45
    CHECK(eval("manufacturing_projects", s, "2023-07-10T00:00:00+08:00").status == Status::at_risk);
    s.put(obs("2023-Q3", 101));
    CHECK(eval("manufacturing_projects", s, "2023-10-10T00:00:00+08:00").status == Status::achieved);
}

TEST_CASE("series keep one value per period, in order", "[evaluate]") {
    Series s;
    s.put(Observation{*parse_period("2023-Q3"), 3, 1, {}});
    s.put(Observation{*parse_period("2023-Q1"), 1, 1, {}});
    s.put(Observation{*parse_period("2023-Q1"), 1.5, 2, {}});
    REQUIRE(s.periods.size() == 2);
    CHECK(s.periods[0].value == 1.5);
    CHECK(s.latest()->period.label() == "2023-Q3");
}

TEST_CASE("the engine ignores an older revision arriving late", "[evaluate][engine]") {
    Engine engine(std::make_shared<const Plan>(load_plan({test::kData + "/minimal"})));
    const auto i = static_cast<std::size_t>(engine.plan().index_of("gdp_growth"));
    engine.record(i, Observation{*parse_period("2023-Q1"), 7, 2, {}});
    engine.record(i, Observation{*parse_period("2023-Q1"), 5, 1, {}});
    CHECK(engine.series(i).latest()->value == 7);
}

TEST_CASE("instants parse with offsets", "[clock]") {
    CHECK(at("2023-07-15T09:00:00+08:00") == at("2023-07-15T01:00:00Z"));
    CHECK_FALSE(parse_instant("2023-07-15 09:00"));
    CHECK(format_instant(at("2023-07-15T09:00:00+08:00")) == "2023-07-15T01:00:00.000Z");
    ManualClock clock(at("2023-01-01T00:00:00Z"));
    clock.advance(std::chrono::hours(24));
    CHECK(clock.now() == at("2023-01-02T00:00:00Z"));
}
