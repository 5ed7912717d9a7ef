// threshold's target forms (issue 11): about (左右) in each direction, floor and stretch
// (确保X、力争Y) and firm: false (力争 alone), read from the forms plan.
#include <catch2/catch.hpp>

#include "eval/evaluate.hpp"
#include "test_util.hpp"

using namespace indicatord;

namespace {

struct Case {
    const char* key;
    const char* period;
    double value;
    const char* status;
    const char* reason;
};

void check(const Case& c) {
    static const Plan plan = load_plan({test::kData + "/rule-tests/forms/plan"});
    const auto* ind = plan.find_indicator(c.key);
    REQUIRE(ind);
    Series s;
    s.put(Observation{*parse_period(c.period), c.value, 1, TimePoint{}});
    const DueDates dues(date::locate_zone("Asia/Shanghai"), nullptr);
    EvalContext ctx;
    ctx.now = *parse_instant(std::string(c.period).size() == 4 ? "2024-01-11T00:00:00+08:00"
                                                               : "2023-04-16T00:00:00+08:00");
    ctx.plan_year = 2023;
    ctx.dues = &dues;
    INFO(c.key << " " << c.period << " " << c.value);
    const auto e = evaluate(*ind, s, ctx);
    CHECK(to_string(e.status) == c.status);
    CHECK(describe(*ind, e) == c.reason);
}

}  // namespace

TEST_CASE("about (左右): at least, at most and both ways, with the plan's tolerance",
          "[kinds][threshold]") {
    const Case cases[] = {
        {"gdp_growth", "2023-Q1", 6.3, "on_track",
         "6.3 meets about 5.5 (at_least, tolerance 0.5) for 2023-Q1"},
        {"gdp_growth", "2023-Q1", 5.2, "on_track",
         "5.2 is within the tolerance of about 5.5 (at_least, tolerance 0.5) for 2023-Q1"},
        {"gdp_growth", "2023-Q1", 4.9, "at_risk",
         "4.9 does not meet about 5.5 (at_least, tolerance 0.5) for 2023-Q1"},
        {"gdp_growth_wide", "2023-Q1", 4.6, "on_track",
         "4.6 is within the tolerance of about 5.5 (at_least, tolerance 1) for 2023-Q1"},
        {"cpi_increase", "2023-Q1", 1.2, "on_track",
         "1.2 meets about 2 (at_most, tolerance 0.5) for 2023-Q1"},
        {"cpi_increase", "2023-Q1", 2.8, "at_risk",
         "2.8 does not meet about 2 (at_most, tolerance 0.5) for 2023-Q1"},
        {"unemployment_rate", "2023-Q1", 4.6, "on_track",
         "4.6 meets about 5 (both, tolerance 0.5) for 2023-Q1"},
        {"unemployment_rate", "2023-Q1", 4.4, "at_risk",
         "4.4 does not meet about 5 (both, tolerance 0.5) for 2023-Q1"},
    };
    for (const auto& c : cases) check(c);
}

TEST_CASE("floor and stretch (确保X、力争Y) say which was met, and firm: false is at risk",
          "[kinds][threshold]") {
    const Case cases[] = {
        {"industry_growth", "2023", 6.5, "achieved", "6.5 meets the stretch >= 6.5 for 2023"},
        {"industry_growth", "2023", 6.2, "achieved",
         "6.2 meets the floor >= 6, not the stretch >= 6.5 for 2023"},
        {"industry_growth", "2023", 5.9, "missed", "5.9 does not meet the floor >= 6 for 2023"},
        {"export_growth", "2023", 7, "at_risk",
         "7 does not meet >= 8 for 2023 (firm: false: at risk, not missed)"},
        {"export_growth", "2023", 8, "achieved", "8 meets >= 8 for 2023"},
    };
    for (const auto& c : cases) check(c);
}
