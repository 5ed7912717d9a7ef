// Deadlines inside the year and combined months (issue 11): an achievement owed by 6月底前 is
// overdue in July without a report; a month published with the next (1-2月) is never owed alone
// and is refused at ingest with the period to use instead.
#include <catch2/catch.hpp>
#include <fstream>

#include "eval/evaluate.hpp"
#include "eval/ingest.hpp"
#include "test_util.hpp"

using namespace indicatord;

namespace {

const Plan& forms_plan() {
    static const Plan plan = load_plan({test::kData + "/rule-tests/forms/plan"});
    return plan;
}

Evaluation eval(const char* key, const Series& s, const char* now) {
    static const DueDates dues(date::locate_zone("Asia/Shanghai"), nullptr);
    EvalContext ctx;
    ctx.now = *parse_instant(now);
    ctx.plan_year = 2023;
    ctx.dues = &dues;
    return evaluate(*forms_plan().find_indicator(key), s, ctx);
}

}  // namespace

TEST_CASE("an achievement due 6月底前 is overdue once its deadline plus grace passes",
          "[kinds][achievement]") {
    const auto* ind = forms_plan().find_indicator("industry_policy_issued");
    auto e = eval("industry_policy_issued", {}, "2023-07-05T23:59:00+08:00");
    CHECK(to_string(e.status) == "pending");
    REQUIRE(e.next_due);
    CHECK(*e.next_due == *parse_instant("2023-07-01T00:00:00+08:00"));
    e = eval("industry_policy_issued", {}, "2023-07-06T00:00:00+08:00");
    CHECK(to_string(e.status) == "overdue");
    CHECK(describe(*ind, e) == "no report by the deadline 2023-06-30 plus grace 5d");

    Series zero;
    zero.put(Observation{*parse_period("2023"), 0, 1, TimePoint{}});
    e = eval("industry_policy_issued", zero, "2023-05-01T00:00:00+08:00");
    CHECK(to_string(e.status) == "pending");
    CHECK(describe(*ind, e) == "not yet achieved (deadline 2023-06-30)");
    e = eval("industry_policy_issued", zero, "2023-07-01T00:00:00+08:00");
    CHECK(to_string(e.status) == "missed");
}

TEST_CASE("a skipped month (1-2月) is never overdue and cannot be reported alone",
          "[kinds][skip]") {
    auto e = eval("monthly_industry_growth", {}, "2023-02-22T09:00:00+08:00");
    CHECK(to_string(e.status) == "pending");
    e = eval("monthly_retail_growth", {}, "2023-02-22T09:00:00+08:00");
    CHECK(to_string(e.status) == "overdue");
    CHECK(e.overdue_period == parse_period("2023-01"));

    IngestItem item;
    CHECK(check_value(forms_plan(), "monthly_industry_growth", "2023-01", 6.1, item) ==
          "period '2023-01' has no separate report for indicator 'monthly_industry_growth' "
          "(skip: it is published with the next month): report the combined figure for 2023-02");
    CHECK(check_value(forms_plan(), "monthly_industry_growth", "2023-02", 6.1, item).empty());
    CHECK(check_value(forms_plan(), "monthly_retail_growth", "2023-01", 6.1, item).empty());
}

TEST_CASE("skip in plan.defaults applies to every monthly indicator, not to quarterly ones",
          "[kinds][skip]") {
    const test::TempDir dir;
    const auto file = dir.path() / "plan.yaml";
    std::ofstream(file) << "plan:\n"
                           "  id: k-2023\n"
                           "  name: k\n"
                           "  year: 2023\n"
                           "  defaults: {skip: [\"01\"]}\n"
                           "units: [{id: fgw, name: 市发改委}]\n"
                           "tasks:\n"
                           "  - number: 1\n"
                           "    text: t\n"
                           "    lead: 市发改委\n"
                           "    indicators:\n"
                           "      - {key: monthly, kind: value, cadence: month, due: 15d}\n"
                           "      - {key: quarterly, kind: value}\n";
    const auto plan = load_plan({file});
    CHECK(plan.find_indicator("monthly")->schedule.skips(1));
    IngestItem item;
    CHECK_FALSE(check_value(plan, "monthly", "2023-01", 1, item).empty());
    CHECK(check_value(plan, "quarterly", "2023-Q1", 1, item).empty());
    const DueDates dues(date::locate_zone("Asia/Shanghai"), nullptr);
    EvalContext ctx;
    ctx.now = *parse_instant("2023-02-22T09:00:00+08:00");
    ctx.plan_year = 2023;
    ctx.dues = &dues;
    CHECK(to_string(evaluate(*plan.find_indicator("monthly"), {}, ctx).status) == "pending");
}
