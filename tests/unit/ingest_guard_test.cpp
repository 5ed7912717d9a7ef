// The guards of ingest (issue 9): duplicate JSON keys, values for periods that have not ended,
// reported_at only where it is honoured, and who may write an indicator (writers:).
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <sstream>

#include "app/rule_checks.hpp"
#include "config/auth.hpp"
#include "eval/csv_import.hpp"
#include "eval/ingest.hpp"
#include "test_util.hpp"
#include "util/errors.hpp"
#include "util/json_parse.hpp"

using namespace indicatord;
using namespace std::chrono;

namespace {

const Plan& minimal() {
    static const Plan p = load_plan({test::kData + "/minimal"});
    return p;
}

TimePoint at(const char* rfc3339) {
    auto t = parse_instant(rfc3339);
    REQUIRE(t);
    return *t;
}

// One indicator of each kind, quarterly, in an Asia/Shanghai plan for 2023.
Plan plan_of_every_kind() {
    Plan p;
    p.id = "kinds";
    p.year = 2023;
    p.timezone = "Asia/Shanghai";
    const std::vector<std::pair<std::string, Rule>> kinds = {
        {"threshold", rule::Threshold{}},
        {"cumulative", rule::Cumulative{}},
        {"milestones", rule::Milestones{}},
        {"expression", rule::Expression{}},
        {"achievement", rule::Achievement{}},
        {"baseline", rule::Baseline{Op::lt, 1.0}},
        {"rank", rule::Rank{}},
        {"report", rule::Report{}},
        {"value", rule::Value{}}};
    for (const auto& [key, r] : kinds) {
        Indicator ind;
        ind.key = key;
        ind.rule = r;
        ind.lead_unit = "fgw";
        p.indicator_index[key] = p.indicators.size();
        p.indicators.push_back(ind);
    }
    return p;
}

IngestItem item(const Plan& p, const std::string& key, const std::string& period,
                std::optional<TimePoint> reported_at = std::nullopt) {
    IngestItem i;
    i.indicator = static_cast<std::size_t>(p.index_of(key));
    i.period = *parse_period(period);
    i.reported_at = reported_at;
    return i;
}

}  // namespace

TEST_CASE("a repeated JSON key is refused, naming the key and where it stands", "[ingest][json]") {
    std::string error;
    CHECK_FALSE(parse_json(R"({"values":[{"indicator":"a","value":1}],"values":[]})", error));
    CHECK(error == "duplicate key 'values' in the body: each key may appear only once");
    CHECK_FALSE(parse_json(
        R"({"values":[{"indicator":"a"},{"indicator":"a","value":1,"value":2}]})", error));
    CHECK(error == "duplicate key 'value' in values[1]: each key may appear only once");
    // an escaped spelling of the same key is the same key
    CHECK_FALSE(parse_json(R"({"values":[{"indicator":"a","\u0069ndicator":"b"}]})", error));
    CHECK(error == "duplicate key 'indicator' in values[0]: each key may appear only once");
    CHECK_FALSE(parse_json(R"({"matchers":{"task":"1","task":"2"}})", error));
    CHECK(error == "duplicate key 'task' in matchers: each key may appear only once");
    CHECK_FALSE(parse_json(R"([[1],[2,{"a":1,"a":1}]])", error));
    CHECK(error == "duplicate key 'a' in [1][1]: each key may appear only once");

    // the same key in different objects is fine, and the value is what boost::json::parse gives
    auto v = parse_json(
        R"({"values":[{"indicator":"a","value":1},{"indicator":"b","value":2.5,"note":null}]})",
        error);
    REQUIRE(v);
    CHECK(
        *v ==
        boost::json::parse(
            R"({"values":[{"indicator":"a","value":1},{"indicator":"b","value":2.5,"note":null}]})"));
    // Boost's own errors and limits stay
    CHECK_FALSE(parse_json("{", error));
    CHECK_FALSE(parse_json("{} x", error));
    CHECK_FALSE(parse_json(std::string(100, '[') + std::string(100, ']'), error));
}

TEST_CASE("a values body naming a key twice gets one whole-body error with the item's index",
          "[ingest][json]") {
    const ReportTime later{date::sys_days{date::year{2024} / 6 / 1}, true};
    auto b = parse_values_json(
        R"({"values":[{"indicator":"gdp_growth","period":"2023-Q1","value":4.9},
                      {"indicator":"gdp_growth","indicator":"cpi_growth","period":"2023-03","value":2}]})",
        minimal(), later);
    CHECK(b.error ==
          "body is not valid JSON: duplicate key 'indicator' in values[1]: each key may appear "
          "only once");
    CHECK(b.items.empty());
    b = parse_values_json(
        R"({"values":[{"indicator":"gdp_growth","period":"2023-Q1","value":4.9,"value":9}]})",
        minimal(), later);
    CHECK(b.error ==
          "body is not valid JSON: duplicate key 'value' in values[0]: each key may appear only "
          "once");
}

TEST_CASE("which kinds may be reported before their period ends", "[ingest][period]") {
    const auto p = plan_of_every_kind();
    const auto* zone = plan_zone(p);
    REQUIRE(zone);
    const ReportTime april{at("2023-04-15T09:00:00+08:00"), false};
    const std::map<std::string, bool> early = {
        {"threshold", false},  {"cumulative", false}, {"milestones", true},
        {"expression", false}, {"achievement", true}, {"baseline", false},
        {"rank", false},       {"report", true},      {"value", false}};
    for (const auto& [key, allowed] : early) {
        INFO(key);
        CHECK(may_report_early(p.indicators[static_cast<std::size_t>(p.index_of(key))].rule) ==
              allowed);
        if (key == "expression") continue;  // never reported (check_value refuses it)
        const auto reason = check_report_time(p, item(p, key, "2023-Q4"), april, zone);
        if (allowed) {
            CHECK(reason.empty());
        } else {
            CHECK(reason == "period 2023-Q4 of " + key + " indicator '" + key +
                                "' has not ended yet: it ends with 2023-12-31 (Asia/Shanghai); "
                                "report it after that "
                                "(only report, achievement and milestones values may come early)");
        }
        // a period that has ended is fine for every kind
        CHECK(check_report_time(p, item(p, key, "2023-Q1"), april, zone).empty());
    }
}

TEST_CASE("a period ends at midnight after its last day in the plan's time zone",
          "[ingest][period]") {
    const auto p = plan_of_every_kind();
    const auto* zone = plan_zone(p);
    CHECK(period_end(*parse_period("2023-Q1"), zone) == at("2023-03-31T16:00:00Z"));
    CHECK(period_end(*parse_period("2023"), zone) == at("2024-01-01T00:00:00+08:00"));
    CHECK(period_end(*parse_period("2023-02"), nullptr) == at("2023-03-01T00:00:00Z"));
    const auto q1 = item(p, "threshold", "2023-Q1");
    CHECK_FALSE(check_report_time(p, q1, {at("2023-03-31T15:59:59.999Z"), false}, zone).empty());
    CHECK(check_report_time(p, q1, {at("2023-03-31T16:00:00Z"), false}, zone).empty());
}

TEST_CASE("reported_at: only where honoured, never in the future, and after a statistic's period",
          "[ingest][reported_at]") {
    const auto p = plan_of_every_kind();
    const auto* zone = plan_zone(p);
    const auto now = at("2024-02-01T00:00:00Z");
    CHECK(check_report_time(p, item(p, "threshold", "2023-Q1", at("2023-04-18T10:00:00+08:00")),
                            {now, false}, zone) ==
          "reported_at may only be given with an admin token (an import of history); a unit's "
          "values are dated when "
          "they arrive: leave it out");
    CHECK(check_report_time(p, item(p, "threshold", "2023-Q1", at("2023-04-18T10:00:00+08:00")),
                            {now, true}, zone)
              .empty());
    CHECK(
        check_report_time(p, item(p, "threshold", "2023-Q1", at("2024-03-01T00:00:00Z")),
                          {now, true}, zone) ==
        "reported_at 2024-03-01T00:00:00.000Z is in the future (now is 2024-02-01T00:00:00.000Z)");
    CHECK(check_report_time(p, item(p, "threshold", "2023-Q2", at("2023-06-20T10:00:00+08:00")),
                            {now, true}, zone) ==
          "period 2023-Q2 of threshold indicator 'threshold' has not ended at its reported_at: it "
          "ends with 2023-06-30 "
          "(Asia/Shanghai); report it after that (only report, achievement and milestones values "
          "may come early)");
    CHECK(check_report_time(p, item(p, "report", "2023-Q2", at("2023-06-20T10:00:00+08:00")),
                            {now, true}, zone)
              .empty());
}

TEST_CASE("JSON and CSV share the time checks, by index and by line", "[ingest][period][csv]") {
    const ReportTime april{at("2023-04-15T09:00:00+08:00"), false};
    auto j =
        parse_values_json(R"({"values":[{"indicator":"gdp_growth","period":"2023-Q1","value":4.9},
                                             {"indicator":"gdp_growth","period":"2023-Q4","value":6.1},
                                             {"indicator":"task068_report_liandu","period":"2023-Q4","value":80},
                                             {"indicator":"gdp_growth","period":"2023-Q1","value":4.9,
                                              "reported_at":"2023-04-14T09:00:00+08:00"}]})",
                          minimal(), april);
    REQUIRE(j.item_errors.size() == 2);
    CHECK(j.item_errors[0].index == 1);
    CHECK_THAT(
        j.item_errors[0].reason,
        Catch::StartsWith("period 2023-Q4 of threshold indicator 'gdp_growth' has not ended yet"));
    CHECK(j.item_errors[1].index == 3);
    CHECK_THAT(j.item_errors[1].reason,
               Catch::StartsWith("reported_at may only be given with an admin token"));

    auto c = parse_values_csv(
        "indicator,period,value,reported_at\n"
        "gdp_growth,2023-Q1,4.9,\n"
        "gdp_growth,2023-Q4,6.1,\n"
        "gdp_growth,2023-Q1,4.9,2023-04-14T09:00:00+08:00\n",
        minimal(), CsvEncoding::utf8, april);
    REQUIRE(c.row_errors.size() == 2);
    CHECK(c.row_errors[0].index == 3);
    CHECK_THAT(
        c.row_errors[0].reason,
        Catch::StartsWith("period 2023-Q4 of threshold indicator 'gdp_growth' has not ended yet"));
    CHECK(c.row_errors[1].index == 4);
    CHECK_THAT(c.row_errors[1].reason,
               Catch::StartsWith("reported_at may only be given with an admin token"));

    // as an admin, the reported_at is kept on the item
    auto admin = parse_values_csv(
        "indicator,period,value,reported_at\ngdp_growth,2023-Q1,4.9,2023-04-14T09:00:00+08:00\n",
        minimal(), CsvEncoding::utf8, ReportTime{april.now, true});
    REQUIRE(admin.ok());
    CHECK(admin.values[0].item.reported_at == at("2023-04-14T01:00:00Z"));
}

namespace {
// A plan with a joint-lead task (fgw and tjj lead their own indicators, liandu assists) and
// writers at the task and the indicator level.
void write_writers_plan(const std::filesystem::path& dir, const std::string& extra_task = "") {
    std::ofstream(dir / "plan.yaml") << R"(plan: {id: w-2023, name: 写入, year: 2023}
units:
  - {id: fgw, name: 市发改委}
  - {id: tjj, name: 市统计局}
  - {id: liandu, name: 莲都区政府}
  - {id: longquan, name: 龙泉市政府}
  - {id: counties, name: 各县(市、区)政府, kind: group, members: [liandu, longquan]}
tasks:
  - number: 1
    text: 分别牵头。
    joint_leads: [市发改委, 市统计局]
    co: [莲都区政府]
    indicators:
      - {key: a_fgw, kind: value, lead: 市发改委}
      - {key: a_tjj, kind: value, lead: 市统计局, writers: [莲都区政府]}
  - number: 2
    text: 区县报送。
    lead: 市发改委
    co: [各县(市、区)政府]
    writers: [各县(市、区)政府]
)" << extra_task;
}
}  // namespace

TEST_CASE("writers: from the task and the indicator, checked against the task's units",
          "[plan][auth]") {
    test::TempDir dir;
    write_writers_plan(dir.path());
    const auto p = load_plan({dir.path()});
    CHECK(p.find_indicator("a_fgw")->writers.empty());
    CHECK(p.find_indicator("a_tjj")->writers == std::vector<std::string>{"liandu"});
    CHECK(p.find_indicator("task002_report")->writers ==
          std::vector<std::string>{"liandu", "longquan"});

    const auto unit = [](const char* id) { return Principal{std::string(id) + "-1", id, false}; };
    const auto& a_fgw = *p.find_indicator("a_fgw");
    const auto& a_tjj = *p.find_indicator("a_tjj");
    CHECK(may_write(unit("fgw"), p, a_fgw));
    CHECK_FALSE(may_write(unit("fgw"), p, a_tjj));  // joint leads do not write each other's
    CHECK_FALSE(may_write(unit("tjj"), p, a_fgw));
    CHECK(may_write(unit("tjj"), p, a_tjj));
    CHECK_FALSE(may_write(unit("liandu"), p, a_fgw));  // a co-unit only where the plan says so
    CHECK(may_write(unit("liandu"), p, a_tjj));
    CHECK(may_write(Principal{"ops", "", true}, p, a_fgw));

    test::TempDir bad;
    write_writers_plan(bad.path(), R"(  - number: 3
    text: 外部。
    lead: 市发改委
    indicators:
      - {key: b, kind: value, writers: [市统计局]}
)");
    try {
        load_plan({bad.path()});
        FAIL("a writer outside the task was accepted");
    } catch (const ConfigError& e) {
        CHECK(std::string(e.what()) ==
              (bad.path() / "plan.yaml").string() +
                  ":25:41: writer '市统计局' is not a lead or co-unit of task 3");
    }
}

TEST_CASE(
    "a rule test may not feed a statistic before its period ends, as the daemon would refuse it",
    "[ingest][period][rule-test]") {
    test::TempDir dir;
    const auto file = dir.path() / "early.test.yaml";
    std::ofstream(file)
        << "config: " << test::kData << "/minimal.yaml\n"
        << "values:\n"
        << "  - {indicator: gdp_growth, period: 2023-Q2, value: 6.5, at: "
           "2023-06-20T09:00:00+08:00}\n"
        << "expect:\n  - {at: 2023-07-01T00:00:00+08:00, status: {gdp_growth: on_track}}\n";
    std::ostringstream out;
    try {
        run_rule_test(file, out);
        FAIL("an early value was fed");
    } catch (const ConfigError& e) {
        CHECK(std::string(e.what()) ==
              file.string() +
                  ":3:5: period 2023-Q2 of threshold indicator 'gdp_growth' has not ended yet: it "
                  "ends with 2023-06-30 (Asia/Shanghai); report it after that (only report, "
                  "achievement and milestones values may come early)");
    }
}
