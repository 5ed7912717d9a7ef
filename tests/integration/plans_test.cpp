// Several plans in one daemon (issue 11): a city's 2023 and 2024 plans and a county's 2024 plan
// side by side, units shared through `include:`, a previous-year baseline across plans, a
// relation to another plan's indicator, values routed by plan id or by their period's year.
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <csignal>
#include <fstream>

#include "harness.hpp"
#include "receivers.hpp"

namespace {

const std::string kPlans = it::kData + "/plans";

std::string write_config(const std::filesystem::path& dir, const std::string& rules) {
    const auto config = dir / "c.yaml";
    std::ofstream(config) << "rules: " << rules << "\ncalendars: " << it::kData
                          << "/../../config/calendars\nlog_level: info\n";
    return config.string();
}

std::string three_plans(const std::filesystem::path& dir) {
    return write_config(
        dir, "[" + kPlans + "/city-2023, " + kPlans + "/city-2024, " + kPlans + "/county-2024]");
}

std::string status_of(const it::Daemon& d, const std::string& key) {
    const auto r = it::http("GET", d.url("/api/v1/indicators/" + key));
    REQUIRE(r.status == 200);
    const auto at = r.body.find("\"status\":\"");
    REQUIRE(at != std::string::npos);
    return r.body.substr(at + 10, r.body.find('"', at + 10) - at - 10);
}

}  // namespace

TEST_CASE("indicatorctl check names every plan of a config with several", "[plans]") {
    it::TempDir dir;
    auto [code, out] = it::run(it::kCtl + " check " + three_plans(dir.path()));
    INFO(out);
    CHECK(code == 0);
    CHECK_THAT(out, Catch::Contains("3 plans: city-2023 (2023), city-2024 (2024), county-2024 "
                                    "(2024): 6 tasks, 6 indicators"));
    CHECK_THAT(out, Catch::Contains("3 units"));  // shared by id, not three times over
}

TEST_CASE("two years of a city's plans and a county's run side by side in one daemon", "[plans]") {
    it::TempDir dir;
    const auto config = three_plans(dir.path());
    {
        it::Daemon d(dir.path(), config);
        // a plan-qualified key
        auto r = it::http("POST", d.url("/api/v1/values"),
                          it::one_value("city-2023:tertiary_share", "2023", 52));
        INFO(r.body);
        REQUIRE(r.status == 200);
        // a bare key two plans have: the period's year picks the one plan of 2024 with it
        r = it::http("POST", d.url("/api/v1/values"),
                     it::one_value("tertiary_share", "2024", 53.5));
        INFO(r.body);
        REQUIRE(r.status == 200);
        CHECK_THAT(r.body, Catch::Contains("\"indicator\":\"city-2024:tertiary_share\""));
        // previous_year across plans: 2023's 52 from city-2023, + 1 point = 53; 53.5 achieved
        CHECK(status_of(d, "city-2024:tertiary_share") == "achieved");
        const auto ind = it::http("GET", d.url("/api/v1/indicators/city-2024:tertiary_share"));
        CHECK_THAT(ind.body,
                   Catch::Contains("\"target\":53") && Catch::Contains("\"plan\":\"city-2024\""));

        // gdp_growth is in all three plans and two of them are for 2024: refused, nothing stored
        r = it::http("POST", d.url("/api/v1/values"), it::one_value("gdp_growth", "2024-Q1", 5.8));
        CHECK(r.status == 400);
        CHECK_THAT(r.body, Catch::Contains("'city-2024:gdp_growth'") &&
                               Catch::Contains("'county-2024:gdp_growth'"));
        CHECK(it::history(d, "city-2024:gdp_growth").empty());
        CHECK(it::history(d, "county-2024:gdp_growth").empty());
        // ...and for 2023 only the city's 2023 plan has it
        r = it::http("POST", d.url("/api/v1/values"), it::one_value("gdp_growth", "2023-Q4", 6.1));
        CHECK(r.status == 200);
        CHECK(it::history(d, "city-2023:gdp_growth").size() == 1);
        // a bare key in a path is ambiguous too, and says how to name it
        const auto amb = it::http("GET", d.url("/api/v1/indicators/gdp_growth"));
        CHECK(amb.status == 404);
        CHECK_THAT(amb.body, Catch::Contains("is in 3 plans"));

        // the county's growth against the city's, same period (a relation across plans)
        REQUIRE(it::http("POST", d.url("/api/v1/values"),
                         it::one_value("city-2024:gdp_growth", "2024-Q1", 5.8))
                    .status == 200);
        CHECK(status_of(d, "county-2024:gdp_faster_than_city") == "no_data");
        REQUIRE(it::http("POST", d.url("/api/v1/values"),
                         it::one_value("county-2024:gdp_growth", "2024-Q1", 6.2))
                    .status == 200);
        CHECK(status_of(d, "county-2024:gdp_faster_than_city") == "on_track");

        // metrics carry each plan's id, the indicator's key within its plan
        const auto metrics = it::http("GET", d.url("/metrics")).body;
        CHECK_THAT(metrics, Catch::Contains("indicator_value{plan=\"city-2024\",task=\"2\","
                                            "indicator=\"tertiary_share\",unit=\"tjj\"} 53.5"));
        CHECK_THAT(metrics, Catch::Contains("indicator_value{plan=\"city-2023\",task=\"2\","
                                            "indicator=\"tertiary_share\",unit=\"tjj\"} 52"));
        CHECK_THAT(metrics, Catch::Contains("indicator_unit_indicators{plan=\"county-2024\","
                                            "unit=\"liandu\""));
        // the list filters by plan
        const auto list = it::http("GET", d.url("/api/v1/indicators?plan=county-2024")).body;
        CHECK_THAT(list, Catch::Contains("\"key\":\"county-2024:gdp_growth\"") &&
                             !Catch::Contains("\"key\":\"city-2024:gdp_growth\""));

        d.process().signal(SIGKILL);
    }
    // every acknowledged value is back after kill -9, in its own plan
    it::Daemon d(dir.path(), config);
    CHECK(status_of(d, "city-2024:tertiary_share") == "achieved");
    CHECK(it::history(d, "city-2023:tertiary_share").size() == 1);
    CHECK(it::history(d, "county-2024:gdp_growth").size() == 1);
}

TEST_CASE("plans that disagree about a unit, share an id or name an unknown previous plan fail",
          "[plans]") {
    it::TempDir dir;
    const auto write = [&](const std::string& name, const std::string& text) {
        std::filesystem::create_directories(dir.path() / name);
        std::ofstream(dir.path() / name / "plan.yaml") << text;
        return (dir.path() / name).string();
    };
    const std::string task = R"(
tasks:
  - number: 1
    section: 一
    text: 生产总值增长。
    lead: fgw
    indicators:
      - {key: gdp_growth, name: 生产总值增长, kind: threshold, op: ">=", target: 6, cadence: year}
)";
    const auto a = write("a",
                         "plan: {id: p-2023, name: A, year: 2023}\nunits:\n  - {id: fgw, "
                         "name: 市发改委}" +
                             task);
    const auto b = write("b",
                         "plan: {id: p-2024, name: B, year: 2024, previous: p-2022}\nunits:\n"
                         "  - {id: fgw, name: 市发展和改革委员会}" +
                             task);
    const auto c = write("c",
                         "plan: {id: p-2023, name: C, year: 2023}\nunits:\n  - {id: fgw, "
                         "name: 市发改委}" +
                             task);
    auto [code, out] = it::run(it::kCtl + " check " +
                               write_config(dir.path(), "[" + a + ", " + b + ", " + c + "]"));
    INFO(out);
    CHECK(code != 0);
    CHECK_THAT(out, Catch::Contains("unit 'fgw' is defined differently in plan p-2024"));
    CHECK_THAT(out, Catch::Contains("plan id 'p-2023' is used by another plan too"));
    CHECK_THAT(out, Catch::Contains("previous names plan 'p-2022', which is not one of the plans"));
    // a plan's include naming another plan's file
    auto [code2, out2] =
        it::run(it::kCtl + " check " + write_config(dir.path(), "[" + a + ", " + write("d", R"(
plan: {id: p-2024, name: D, year: 2024, previous: p-2022, include: [../a/plan.yaml]}
)") + "]"));
    INFO(out2);
    CHECK(code2 != 0);
    CHECK_THAT(out2, Catch::Contains("second 'plan' section"));
}

TEST_CASE("adding plans moves a one-plan database's values to their plan's keys", "[plans]") {
    it::TempDir dir;
    {
        it::Daemon d(dir.path(), write_config(dir.path(), kPlans + "/city-2023"));
        REQUIRE(
            it::http("POST", d.url("/api/v1/values"), it::one_value("tertiary_share", "2023", 52))
                .status == 200);
        REQUIRE(
            it::http("POST", d.url("/api/v1/values"), it::one_value("gdp_growth", "2023-Q4", 6.1))
                .status == 200);
        CHECK(it::history(d, "tertiary_share").size() == 1);
    }
    it::Daemon d(dir.path(), three_plans(dir.path()));
    CHECK_THAT(d.process().out() + d.process().err(),
               Catch::Contains("moved 2 stored values of bare keys to their plans' keys"));
    const auto share = it::history(d, "city-2023:tertiary_share");
    REQUIRE(share.size() == 1);
    CHECK(share[0].value == 52);
    CHECK(it::history(d, "city-2023:gdp_growth").size() == 1);
    // the 2024 baseline finds it, and a re-report is the next revision of the same series
    REQUIRE(it::http("POST", d.url("/api/v1/values"),
                     it::one_value("city-2024:tertiary_share", "2024", 53.5))
                .status == 200);
    CHECK(status_of(d, "city-2024:tertiary_share") == "achieved");
    const auto again = it::http("POST", d.url("/api/v1/values"),
                                it::one_value("city-2023:tertiary_share", "2023", 52.4));
    CHECK_THAT(again.body, Catch::Contains("\"revision\":2"));
}

TEST_CASE("each plan has its board in the console, the one of today's year first", "[plans][web]") {
    it::TempDir dir;
    it::Daemon d(dir.path(), three_plans(dir.path()), {"--now", "2023-06-01T09:00:00+08:00"});
    // 2023: the city's 2023 plan is the board at /, with the switcher naming every plan
    auto r = it::http("GET", d.url("/"));
    REQUIRE(r.status == 200);
    CHECK_THAT(r.body, Catch::Contains("id=\"plans\"") &&
                           Catch::Contains("href=\"/?plan=county-2024\"") &&
                           Catch::Contains("href=\"/?plan=all\""));
    CHECK_THAT(r.body, Catch::Contains("city-2023%3Agdp_growth") &&
                           !Catch::Contains("county-2024%3Agdp_growth") &&
                           !Catch::Contains("生产总值增速快于全市"));
    // the county's board: only its tasks, and the filters keep the plan
    r = it::http("GET", d.url("/?plan=county-2024"));
    REQUIRE(r.status == 200);
    CHECK_THAT(r.body, Catch::Contains("生产总值增速快于全市") &&
                           !Catch::Contains("city-2023%3Agdp_growth") &&
                           Catch::Contains("name=\"plan\" value=\"county-2024\"") &&
                           Catch::Contains("href=\"/?plan=county-2024&amp;light=red\""));
    // all plans together
    r = it::http("GET", d.url("/?plan=all"));
    CHECK_THAT(r.body, Catch::Contains("city-2023%3Agdp_growth") &&
                           Catch::Contains("county-2024%3Agdp_growth"));
    // an unknown plan is named, with the ones there are
    r = it::http("GET", d.url("/?plan=county-2025"));
    CHECK(r.status == 400);
    CHECK_THAT(r.body, Catch::Contains("unknown plan &#39;county-2025&#39; (plans: city-2023, "
                                       "city-2024, county-2024, all)"));
}

TEST_CASE("one message about alerts of two plans names both plans", "[plans][alerts]") {
    it::TempDir dir;
    it::HttpSink hook(dir, "hook");
    const auto root = dir.path();
    std::filesystem::create_directories(root / "a");
    std::filesystem::create_directories(root / "b");
    std::ofstream(root / "units.yaml")
        << "units:\n  - {id: fgw, name: 市发改委, receivers: [{webhook: '" << hook.url("/fgw")
        << "'}]}\n";
    for (const auto& [id, name] : {std::pair{"a", "甲计划"}, std::pair{"b", "乙计划"}})
        std::ofstream(root / id / "plan.yaml")
            << "plan: {id: " << id << "-2023, name: " << name
            << ", year: 2023, include: [../units.yaml], defaults: {cadence: quarter, due: 20d, "
               "grace: 5d}}\ntasks:\n  - text: 生产总值增长6%以上。\n    lead: 市发改委\n"
               "    indicators:\n      - {key: gdp_growth, name: 生产总值增长, kind: threshold, "
               "measure: '%', op: '>=', target: 6}\n";
    std::ofstream(root / "c.yaml") << "rules: [a, b]\ncalendars: " << it::kData
                                   << "/../../config/calendars\nevaluation_interval: 1h\n"
                                      "alerting:\n  group_interval: 1m\n";
    // 2023-Q1 is overdue in both plans on 2023-05-10: one digest to 市发改委 about both
    it::Daemon d(root, (root / "c.yaml").string(),
                 {"--test-clock", "--now", "2023-05-10T09:00:00+08:00"});
    REQUIRE(it::eventually([&] { return !hook.requests().empty(); }));
    const auto body = std::string(hook.requests().front().at("body").as_string());
    INFO(body);
    const auto doc = boost::json::parse(body);
    // the group names both plans (an email's heading names both plans' names the same way)
    // (groupLabels hold only labels every alert carries: the plans differ, so not `plan`)
    CHECK(doc.at("groupKey").as_string().find("plan=\"a-2023,b-2023\"") != std::string::npos);
    CHECK(!doc.at("groupLabels").as_object().contains("plan"));
    CHECK(doc.at("alerts").as_array().size() == 2);
}
