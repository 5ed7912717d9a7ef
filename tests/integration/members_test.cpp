// Per-member targets on the real daemon (各县(市、区)分别): nine counties each owe a value; each
// missing county is alerted on its own webhook for its own value, one county's value never
// replaces another's, and the roll-up counts show in the API and in /metrics. The responsible
// leader and the task's ref travel with them.
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <fstream>
#include <set>

#include "harness.hpp"
#include "receivers.hpp"

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

const char* const kCounties[] = {"liandu",   "longquan", "qingtian", "jinyun",  "suichang",
                                 "songyang", "yunhe",    "qingyuan", "jingning"};
const char* const kNames[] = {"莲都区政府", "龙泉市政府", "青田县政府", "缙云县政府", "遂昌县政府",
                              "松阳县政府", "云和县政府", "庆元县政府", "景宁县政府"};

std::string token_for(const fs::path& config, const std::string& args) {
    auto [code, out] = it::run(it::kCtl + " token create " + config.string() + " " + args);
    REQUIRE(code == 0);
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
    return out;
}

it::Response post(const it::Daemon& d, const std::string& body, const std::string& token) {
    return it::http("POST", d.url("/api/v1/values"), body, "application/json",
                    {"Authorization: Bearer " + token});
}

/// Alerts the sink received per webhook path: path -> (indicator, kind) of each alert.
std::multimap<std::string, std::pair<std::string, std::string>> alerts_by_path(
    const it::HttpSink& sink) {
    std::multimap<std::string, std::pair<std::string, std::string>> out;
    for (const auto& r : sink.requests()) {
        const auto body = json::parse(r.at("body").as_string()).as_object();
        for (const auto& a : body.at("alerts").as_array()) {
            const auto& labels = a.at("labels").as_object();
            out.emplace(std::string(r.at("path").as_string()),
                        std::make_pair(std::string(labels.at("indicator").as_string()),
                                       std::string(labels.at("kind").as_string())));
        }
    }
    return out;
}

}  // namespace

TEST_CASE("nine counties each owe their own value: own series, own alerts, a roll-up",
          "[members][alerts]") {
    it::TempDir dir;
    it::HttpSink hook(dir, "hook");
    fs::create_directories(dir.path() / "rules");
    std::ofstream plan(dir.path() / "rules" / "plan.yaml");
    plan << "plan: {id: m-2023, name: 分别考核, year: 2023, timezone: Asia/Shanghai,\n"
            "       defaults: {cadence: quarter, due: 20d, grace: 5d}}\n"
            "units:\n"
            "  - {id: fgw, name: 市发改委}\n";
    for (std::size_t i = 0; i < std::size(kCounties); ++i)
        plan << "  - {id: " << kCounties[i] << ", name: " << kNames[i]
             << ", kind: county, receivers: [{webhook: '"
             << hook.url(std::string("/") + kCounties[i]) << "'}]}\n";
    plan << "  - id: counties\n"
            "    name: 各县(市、区)政府\n"
            "    kind: group\n"
            "    members: [liandu, longquan, qingtian, jinyun, suichang, songyang, yunhe, "
            "qingyuan, jingning]\n"
            "    receivers: [{webhook: '"
         << hook.url("/counties") << "'}]\n"
         << "tasks:\n"
            "  - ref: \"四-1\"\n"
            "    text: 各县(市、区)分别新增城镇就业100人以上。\n"
            "    lead: 各县(市、区)政府\n"
            "    per_member: true      # 各县(市、区)分别: each county owes its own figure\n"
            "    leader: 王副市长\n"
            "    indicators:\n"
            "      - {key: county_jobs, name: 新增城镇就业, kind: threshold, measure: 人, op: "
            "'>=', target: 100}\n";
    plan.close();
    const auto config = dir.path() / "indicatord.yaml";
    std::ofstream(config) << "rules: rules\ncalendars: " << it::kData << "/../../config/calendars\n"
                          << "evaluation_interval: 1h\n"
                             "alerting:\n  group_interval: 1m\n  repeat_interval: 30d\n"
                             "auth:\n  tokens_file: tokens.yaml\n";
    const auto liandu = token_for(config, "--unit liandu --id liandu-1");
    const auto longquan = token_for(config, "--unit longquan --id longquan-1");
    const auto counties = token_for(config, "--unit counties --id counties-1");
    const auto admin = token_for(config, "--admin --id ops");
    it::Daemon d(dir.path(), config.string(),
                 {"--test-clock", "--now", "2023-04-10T09:00:00+08:00"});

    // a county reports the indicator's own key: it lands in its own series
    auto r = post(d, it::one_value("county_jobs", "2023-Q1", 120), liandu);
    REQUIRE(r.status == 200);
    CHECK(json::parse(r.body).at("values").at(0).at("indicator") == "county_jobs@liandu");
    r = post(d, it::one_value("county_jobs", "2023-Q1", 80), longquan);
    REQUIRE(r.status == 200);
    CHECK(json::parse(r.body).at("values").at(0).at("indicator") == "county_jobs@longquan");
    // or its own key; another county's key is refused, like any wrong-unit write
    CHECK(post(d, it::one_value("county_jobs@liandu", "2023-Q1", 121), liandu).status == 200);
    r = post(d, it::one_value("county_jobs@longquan", "2023-Q1", 999), liandu);
    CHECK(r.status == 403);
    // the group's own token owns no series
    CHECK(post(d, it::one_value("county_jobs", "2023-Q1", 999), counties).status == 403);
    // an admin names the county
    r = post(d, it::one_value("county_jobs", "2023-Q1", 999), admin);
    CHECK(r.status == 400);
    CHECK(json::parse(r.body).at("items").at(0).at("reason") ==
          "indicator 'county_jobs' is reported per member: report 'county_jobs@<member unit "
          "id>' ('county_jobs@liandu', 'county_jobs@longquan', 'county_jobs@qingtian', ...), "
          "or 'county_jobs' with a member's token");
    CHECK(post(d, it::one_value("county_jobs@qingtian", "2023-Q1", 150), admin).status == 200);

    // one county's value never replaces another's
    auto h = it::history(d, "county_jobs@liandu");
    REQUIRE(h.size() == 2);
    CHECK(h[1].value == 121);
    h = it::history(d, "county_jobs@longquan");
    REQUIRE(h.size() == 1);
    CHECK(h[0].value == 80);
    CHECK(it::history(d, "county_jobs@qingtian").size() == 1);

    // past due (04-20) plus grace (5 days): the six silent counties are overdue
    REQUIRE(it::http("POST", d.url("/-/clock"), R"({"now":"2023-04-26T09:00:00+08:00"})",
                     "application/json", {"Authorization: Bearer " + admin})
                .status == 200);
    std::multimap<std::string, std::pair<std::string, std::string>> got;
    REQUIRE(it::eventually([&] {
        got = alerts_by_path(hook);
        return got.size() >= 7;
    }));
    for (std::size_t i = 3; i < std::size(kCounties); ++i) {
        const std::string path = std::string("/") + kCounties[i];
        REQUIRE(got.count(path) == 1);
        CHECK(got.find(path)->second ==
              std::make_pair("county_jobs@" + std::string(kCounties[i]), std::string("overdue")));
    }
    REQUIRE(got.count("/longquan") == 1);
    CHECK(got.find("/longquan")->second ==
          std::make_pair(std::string("county_jobs@longquan"), std::string("at_risk")));
    CHECK(got.count("/liandu") == 0);    // on track
    CHECK(got.count("/qingtian") == 0);  // on track
    CHECK(got.count("/counties") == 0);  // the roll-up alerts nobody
    // the leader and the county (not the whole group) in the alert
    for (const auto& req : hook.requests())
        if (req.at("path") == "/jinyun") {
            const auto a = json::parse(req.at("body").as_string()).at("alerts").at(0);
            CHECK(a.at("annotations").at("leader") == "王副市长");
            CHECK(a.at("annotations").at("units") == "缙云县政府;责任领导:王副市长");
        }

    // the roll-up in the API
    const auto ind = json::parse(it::http("GET", d.url("/api/v1/indicators/county_jobs")).body);
    CHECK(ind.at("status") == "overdue");  // the least favourable member's
    CHECK(ind.at("lead_unit") == "counties");
    CHECK(ind.at("task") == 1);
    CHECK(ind.at("task_ref") == "四-1");
    CHECK(ind.at("leader") == "王副市长");
    CHECK(ind.at("member_counts") == json::parse(R"({"pending":0,"on_track":2,"at_risk":1,
        "missed":0,"achieved":0,"overdue":6,"no_data":0,"total":9})"));
    CHECK(ind.at("reason") == "9 members: 2 on_track, 1 at_risk, 6 overdue");
    REQUIRE(ind.at("members").as_array().size() == 9);
    CHECK(ind.at("members").at(1) ==
          json::parse(R"({"unit":"longquan","key":"county_jobs@longquan","status":"at_risk"})"));
    const auto one =
        json::parse(it::http("GET", d.url("/api/v1/indicators/county_jobs@jinyun")).body);
    CHECK(one.at("status") == "overdue");
    CHECK(one.at("member_of") == "county_jobs");
    CHECK(one.at("lead_unit") == "jinyun");

    // and in /metrics
    const auto metrics = it::http("GET", d.url("/metrics")).body;
    const std::string labels =
        R"({plan="m-2023",task="1",indicator="county_jobs",unit="counties",status=")";
    CHECK_THAT(metrics, Catch::Contains("indicator_members" + labels + "overdue\"} 6\n"));
    CHECK_THAT(metrics, Catch::Contains("indicator_members" + labels + "on_track\"} 2\n"));
    CHECK_THAT(metrics, Catch::Contains("indicator_members" + labels + "at_risk\"} 1\n"));
    CHECK_THAT(metrics, Catch::Contains(R"(indicator_overdue{plan="m-2023",task="1",)"
                                        R"(indicator="county_jobs@yunhe",unit="yunhe"} 1)"));
    CHECK_THAT(metrics,
               Catch::Contains(R"(indicator_unit_overdue_reports{plan="m-2023",unit="yunhe"} 1)"));
    CHECK_THAT(metrics,
               !Catch::Contains(R"(indicator_unit_indicators{plan="m-2023",unit="counties")"));
    // still clean for Prometheus' own linter
    std::ofstream(dir.path() / "metrics.txt") << metrics;
    const auto [lint_code, lint_out] =
        it::run("promtool check metrics < " + (dir.path() / "metrics.txt").string());
    INFO(lint_out);
    CHECK(lint_code == 0);
    CHECK(lint_out.empty());

    // a late county reports: the roll-up moves at once
    CHECK(post(d, it::one_value("county_jobs@jinyun", "2023-Q1", 130), admin).status == 200);
    CHECK(json::parse(it::http("GET", d.url("/api/v1/indicators/county_jobs")).body)
              .at("member_counts")
              .at("overdue") == 5);
}

TEST_CASE("rule tests run per-member series and the roll-up, a bare key names no member",
          "[members][ctl][rules]") {
    const auto file = it::kData + "/rule-tests/members/members.test.yaml";
    auto [code, out] = it::run(it::kCtl + " test " + file);
    INFO(out);
    CHECK(code == 0);
    CHECK(out == "ok " + file + ": 8/8 expectations met\n");

    it::TempDir dir;
    const auto bad = dir.path() / "bad.test.yaml";
    std::ofstream(bad) << "config: " << it::kData << "/rule-tests/members/indicatord.yaml\n"
                       << "values:\n"
                          "  - {indicator: county_jobs, period: 2023-Q1, value: 1, at: "
                          "\"2023-04-15T10:00:00+08:00\"}\n"
                          "expect:\n"
                          "  - {at: \"2023-04-16T00:00:00+08:00\", status: {county_jobs: "
                          "pending}}\n";
    std::tie(code, out) = it::run(it::kCtl + " test " + bad.string());
    CHECK(code != 0);
    CHECK_THAT(out, Catch::Contains(bad.string() +
                                    ":3:5: indicator 'county_jobs' is reported per member: report "
                                    "'county_jobs@<member unit id>'"));
}
