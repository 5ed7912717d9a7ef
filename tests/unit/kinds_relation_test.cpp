// Derived kinds compare like-for-like (issue 11): a relation (同步, 快于, 不低于平均) and every
// expression judge their inputs for the same period only, never Q1 against H1 or Q2.
#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>
#include <map>

#include "eval/evaluate.hpp"
#include "eval/kinds/registry.hpp"
#include "test_util.hpp"

using namespace indicatord;

namespace {

const Plan& forms_plan() {
    static const Plan plan = load_plan({test::kData + "/rule-tests/forms/plan"});
    return plan;
}

TimePoint at(const char* rfc3339) {
    auto t = parse_instant(rfc3339);
    REQUIRE(t);
    return *t;
}

struct World {
    std::map<std::string, Series, std::less<>> series;
    DueDates dues{date::locate_zone("Asia/Shanghai"), nullptr};
    void put(const std::string& key, const char* period, double value) {
        series[key].put(Observation{*parse_period(period), value, 1, TimePoint{}});
    }
    Evaluation eval(const char* key, const char* now) {
        EvalContext ctx;
        ctx.now = at(now);
        ctx.plan_year = 2023;
        ctx.dues = &dues;
        ctx.series_of = [this](std::string_view k) -> const Series* {
            auto it = series.find(k);
            return it == series.end() ? nullptr : &it->second;
        };
        return evaluate(*forms_plan().find_indicator(key), {}, ctx);
    }
    std::string why(const char* key, const Evaluation& e) {
        return describe(*forms_plan().find_indicator(key), e);
    }
};

}  // namespace

TEST_CASE("an expression never takes one input's Q2 with another's Q1", "[kinds][expression]") {
    World w;
    w.put("growth", "2023-Q1", 5.0);
    w.put("income_growth", "2023-Q1", 7.0);
    w.put("income_growth", "2023-Q2", 6.0);  // 6.0 - 5.0 <= 2 would hold on mixed periods
    auto e = w.eval("income_gap", "2023-07-11T09:00:00+08:00");
    CHECK(to_string(e.status) == "pending");
    CHECK(w.why("income_gap", e) == "waiting for 'growth' for 2023-Q2 (not due yet)");
    e = w.eval("income_gap", "2023-07-21T09:00:00+08:00");  // due 07-20
    CHECK(to_string(e.status) == "no_data");
    CHECK(w.why("income_gap", e) ==
          "no value of 'growth' for 2023-Q2 to compare with (past its due date)");
    w.put("growth", "2023-Q2", 3.0);
    e = w.eval("income_gap", "2023-07-21T09:00:00+08:00");
    CHECK(to_string(e.status) == "at_risk");
    CHECK(w.why("income_gap", e) ==
          "income_growth - growth <= 2 does not hold for 2023-Q2 (every input for the same "
          "period)");
}

TEST_CASE("a relation compares a half year with the year-to-date quarter of the same span",
          "[kinds][relation]") {
    World w;
    w.put("growth", "2023-Q1", 5.0);
    w.put("budget_growth", "2023-H1", 4.8);
    // H1 (January-June) is never held against Q1: growth's Q2 is what it needs
    auto e = w.eval("budget_in_step", "2023-07-26T09:00:00+08:00");
    CHECK(to_string(e.status) == "no_data");
    CHECK(e.input_period == parse_period("2023-Q2"));
    w.put("growth", "2023-Q2", 5.5);
    e = w.eval("budget_in_step", "2023-07-29T09:00:00+08:00");
    CHECK(to_string(e.status) == "on_track");
    CHECK(w.why("budget_in_step", e) ==
          "budget_growth 4.8 for 2023-H1 is in step with growth 5.5 for 2023-Q2 (at most 1 "
          "below)");
    w.put("growth", "2023-Q3", 5.5);  // a newer quarter with no half year to match: H1 stands
    e = w.eval("budget_in_step", "2023-10-29T09:00:00+08:00");
    CHECK(e.period == parse_period("2023-H1"));
}

TEST_CASE("in step: faster is fine, more than the tolerance below is not", "[kinds][relation]") {
    World w;
    w.put("growth", "2023-Q4", 5.5);
    w.put("income_growth", "2023-Q4", 7.5);
    auto e = w.eval("income_in_step", "2024-01-19T09:00:00+08:00");
    CHECK(to_string(e.status) == "achieved");
    w.put("income_growth", "2023-Q4", 5.4);  // tolerance 0: 0.1 below
    e = w.eval("income_in_step", "2024-01-19T09:00:00+08:00");
    CHECK(to_string(e.status) == "missed");
    CHECK(w.why("income_in_step", e) ==
          "income_growth 5.4 for 2023-Q4 is not in step with growth 5.5 for 2023-Q4 (more than 0 "
          "below)");
}

TEST_CASE("not below an average waits for the reference's own due date", "[kinds][relation]") {
    World w;
    w.put("senior_teacher_ratio", "2023-Q1", 30);
    auto e = w.eval("senior_teacher_not_below_avg", "2023-04-16T09:00:00+08:00");
    CHECK(to_string(e.status) == "pending");  // no yearly figure to hold Q1 against
    w.put("senior_teacher_ratio", "2023-Q4", 30);
    e = w.eval("senior_teacher_not_below_avg", "2024-02-28T09:00:00+08:00");
    CHECK(to_string(e.status) == "pending");  // the average is due 60 days after the year
    CHECK(e.input_period == parse_period("2023"));
    e = w.eval("senior_teacher_not_below_avg", "2024-03-01T09:00:00+08:00");
    CHECK(to_string(e.status) == "no_data");
    w.put("province_avg_senior_teacher_ratio", "2023", 30.5);
    e = w.eval("senior_teacher_not_below_avg", "2024-03-06T09:00:00+08:00");
    CHECK(to_string(e.status) == "missed");
    CHECK(w.why("senior_teacher_not_below_avg", e) ==
          "senior_teacher_ratio 30 for 2023-Q4 is below province_avg_senior_teacher_ratio 30.5 "
          "for 2023");
}

TEST_CASE("a relation's JSON names its sides and its inputs", "[kinds][relation]") {
    const auto& ind = *forms_plan().find_indicator("budget_in_step");
    boost::json::object out;
    boost::json::array targets;
    kinds::of(ind.rule).to_json(ind.rule, out, targets);
    CHECK(targets.empty());
    CHECK(boost::json::serialize(out) ==
          R"({"relation":"in_step","subject":"budget_growth","of":"growth","tolerance":1E0,)"
          R"("inputs":["budget_growth","growth"]})");
    CHECK(ind.derived());
}
