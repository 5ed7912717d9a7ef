#include "eval/evaluate.hpp"

#include <catch2/catch.hpp>

#include "eval/engine.hpp"
#include "model/clock.hpp"
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
    WorkCalendar calendar = WorkCalendar::load({test::kData + "/../../config/calendars"});
    DueDates dues{date::locate_zone("Asia/Shanghai"), &calendar};

    Evaluation eval(const std::string& key, const Series& s, const char* now) {
        EvalContext ctx;
        ctx.now = at(now);
        ctx.dues = &dues;
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

TEST_CASE_METHOD(Fixture, "threshold: a missing report becomes overdue after due plus grace",
                 "[evaluate]") {
    // due 04-20, grace 5 days: overdue from 04-26 00:00 Shanghai (04-25 16:00 UTC)
    CHECK(eval("gdp_growth", {}, "2023-04-25T23:59:59+08:00").status == Status::pending);
    CHECK(eval("gdp_growth", {}, "2023-04-26T00:00:00+08:00").status == Status::overdue);
}

TEST_CASE_METHOD(Fixture, "threshold >= : met is on track, unmet at risk, final decides",
                 "[evaluate]") {
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

TEST_CASE_METHOD(Fixture, "a later period's report missing turns a met value overdue",
                 "[evaluate]") {
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
    CHECK(eval("manufacturing_projects", s, "2023-10-10T00:00:00+08:00").status ==
          Status::achieved);
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
    Engine engine(std::make_shared<const Plan>(load_plan({test::kData + "/minimal"})), nullptr);
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

TEST_CASE_METHOD(Fixture, "due dates follow the working-day calendar", "[evaluate][calendar]") {
    using namespace date::literals;
    auto day = [&](const char* period, int n, bool wd) {
        ReportSchedule s;
        s.due = DayOffset{n, wd};
        return date::year_month_day{dues.due_day(*parse_period(period), s)};
    };
    // September 2023 ends on a holiday (中秋国庆); +15 days is Sunday 10-15: moves to Monday 10-16
    CHECK(day("2023-09", 15, false) == 2023_y / 10 / 16);
    // a period ending on New Year's Eve, due at once: Sunday 12-31, 元旦 01-01 -> 2024-01-02
    CHECK(day("2023-12", 0, false) == 2024_y / 1 / 2);
    // ten working days after Q1 skip 清明 (04-05): 04-17
    CHECK(day("2023-Q1", 10, true) == 2023_y / 4 / 17);
    // fifteen working days land on the make-up Sunday 04-23 (调休), which counts
    CHECK(day("2023-Q1", 15, true) == 2023_y / 4 / 23);
    // a due date inside 劳动节 (04-29..05-03) moves to 05-04
    CHECK(day("2023-04", 0, false) == 2023_y / 5 / 4);
    // the due instant is the end of the due day in Shanghai
    ReportSchedule s;
    s.due = DayOffset{15, false};
    CHECK(dues.due(*parse_period("2023-09"), s) == at("2023-10-17T00:00:00+08:00"));
}

TEST_CASE_METHOD(Fixture, "a report due over a holiday is not overdue before the moved due date",
                 "[evaluate][calendar]") {
    // cpi_growth: monthly, due 15 days, grace 5: September's report is due 10-16 (moved), overdue
    // from 10-22
    Series s;
    for (int m = 1; m <= 8; ++m) {
        char p[8];
        std::snprintf(p, sizeof p, "2023-%02d", m);
        s.put(obs(p, 2.0));
    }
    CHECK(eval("cpi_growth", s, "2023-10-21T23:00:00+08:00").status == Status::on_track);
    CHECK(eval("cpi_growth", s, "2023-10-22T00:00:00+08:00").status == Status::overdue);
    CHECK(describe(*plan.find_indicator("cpi_growth"),
                   eval("cpi_growth", s, "2023-10-22T00:00:00+08:00")) ==
          "the report for 2023-09 is past its due date plus grace");
}

TEST_CASE_METHOD(Fixture, "describe explains a status in one line", "[evaluate]") {
    Series s;
    s.put(obs("2023-Q1", 4.9));
    CHECK(describe(*plan.find_indicator("gdp_growth"),
                   eval("gdp_growth", s, "2023-04-10T00:00:00+08:00")) ==
          "4.9 does not meet >= 6 for 2023-Q1");
    Series c;
    c.put(obs("2023-Q2", 40));
    CHECK(describe(*plan.find_indicator("manufacturing_projects"),
                   eval("manufacturing_projects", c, "2023-07-10T00:00:00+08:00")) ==
          "40 against 50 expected by 2023-Q2 (behind)");
}

TEST_CASE("instants outside strict RFC 3339 are refused (date library UB, found by fuzzing)",
          "[clock]") {
    CHECK_FALSE(parse_instant("2023-04-05T10:00:00-Z"));
    CHECK_FALSE(parse_instant("2023-12-31T23[59:59Z"));
    CHECK(parse_instant("2023-12-31T23:59:59.999Z"));
}
