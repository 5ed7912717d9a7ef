// A plan spanning several years (issue 11: `year: 2021-2025`): its periods, due dates and
// overdue reports run over every year, and only the last year's final period decides achieved
// or missed.
#include <catch2/catch.hpp>
#include <fstream>

#include "eval/engine.hpp"
#include "eval/ingest.hpp"
#include "test_util.hpp"

using namespace indicatord;

namespace {

std::shared_ptr<const Plan> five_year() {
    static const auto plan =
        std::make_shared<const Plan>(load_plan({test::kData + "/plans/five-year"}));
    return plan;
}

std::size_t index(const Engine& e, const char* key) {
    return static_cast<std::size_t>(e.plan().index_of(key));
}

void put(Engine& e, const char* key, const char* period, double value) {
    e.record(index(e, key), Observation{*parse_period(period), value, 1, TimePoint{}});
}

std::string status(Engine& e, const char* key, const char* now) {
    e.evaluate_all(*parse_instant(now));
    return std::string(to_string(e.evaluation(index(e, key)).status));
}

}  // namespace

TEST_CASE("a five-year plan loads with its years and takes values of each", "[plans][years]") {
    const auto plan = five_year();
    CHECK(plan->year == 2021);
    CHECK(plan->end_year() == 2025);
    CHECK(plans_text(*plan) == "plan city-2021-2025");
    IngestItem item;
    CHECK(check_value(*plan, "digital_share", "2023", 11.2, item).empty());
    CHECK(check_value(*plan, "digital_share", "2025", 15.1, item).empty());
    CHECK(check_value(*plan, "digital_share", "2026", 15.1, item) ==
          "period '2026' is outside plan city-2021-2025 (2021-2025)");
}

TEST_CASE("a yearly figure below the five-year target is at risk, missed only in the last year",
          "[plans][years]") {
    Engine e(five_year(), nullptr);
    put(e, "digital_share", "2021", 9);
    put(e, "digital_share", "2022", 10);
    put(e, "digital_share", "2023", 11);
    CHECK(status(e, "digital_share", "2024-01-10T00:00:00+08:00") == "at_risk");
    put(e, "digital_share", "2024", 13);
    put(e, "digital_share", "2025", 14.2);
    CHECK(status(e, "digital_share", "2026-03-10T00:00:00+08:00") == "missed");
    e.record(  // a re-report of 2025 that meets the target
        index(e, "digital_share"), Observation{*parse_period("2025"), 15.3, 2, TimePoint{}});
    CHECK(status(e, "digital_share", "2026-03-10T00:00:00+08:00") == "achieved");
}

TEST_CASE("a year of a several-year plan without its report is overdue the next year",
          "[plans][years]") {
    Engine e(five_year(), nullptr);
    put(e, "digital_share", "2021", 9);
    put(e, "digital_share", "2022", 10);
    // 2023 is due 60 days after 2023 ends (2024-02-29) plus 10 days' grace
    CHECK(status(e, "digital_share", "2024-03-05T00:00:00+08:00") == "at_risk");
    CHECK(status(e, "digital_share", "2024-03-12T00:00:00+08:00") == "overdue");
    CHECK(e.evaluation(index(e, "digital_share")).overdue_period == parse_period("2023"));
}

TEST_CASE("milestones across the years of one plan, and cumulative refused in such a plan",
          "[plans][years]") {
    Engine e(five_year(), nullptr);
    put(e, "new_hightech_firms", "2023", 230);
    CHECK(status(e, "new_hightech_firms", "2024-01-10T00:00:00+08:00") != "missed");

    test::TempDir dir;
    std::ifstream in(test::kData + "/plans/five-year/plan.yaml");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    text += R"(  - number: 3
    section: 一、经济发展
    text: 累计完成投资1000亿元。
    lead: fgw
    indicators:
      - {key: investment, name: 累计投资, kind: cumulative, target: 1000, ytd: true}
)";
    std::ofstream(dir.path() / "plan.yaml") << text;
    CHECK_THROWS_WITH(load_plan({dir.path()}),
                      Catch::Contains("cumulative counts within one year, but this plan spans "
                                      "2021-2025"));
}
