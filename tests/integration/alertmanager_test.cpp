// Alertmanager as a receiver (alerting.alertmanager, docs/alertmanager.md), against Debian's real
// prometheus-alertmanager: the daemon posts its firing alerts to /api/v2/alerts with the labels
// Alertmanager routes on, keeps posting them every resend_interval, a silence set in Alertmanager
// holds, Alertmanager's own webhook receiver delivers them to the real HTTP sink, and a resolved
// alert leaves Alertmanager with its end time.
#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <regex>

#include "harness.hpp"
#include "receivers.hpp"

namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

std::string rfc3339(std::chrono::system_clock::time_point t) {
    const auto s = std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
    const std::time_t tt = static_cast<std::time_t>(s);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

/// Alertmanager's alerts by their indicator label.
std::map<std::string, json::object> am_alerts(const std::string& base) {
    std::map<std::string, json::object> out;
    const auto r = it::http("GET", base + "/api/v2/alerts");
    if (r.status != 200) return out;
    const auto doc = json::parse(r.body);
    for (const auto& a : doc.as_array()) {
        const auto& o = a.as_object();
        out[std::string(o.at("labels").at("indicator").as_string())] = o;
    }
    return out;
}

/// The indicator label -> status of every alert in the sink's notifications from Alertmanager.
std::vector<std::map<std::string, std::string>> notifications(const it::HttpSink& sink) {
    std::vector<std::map<std::string, std::string>> out;
    for (const auto& r : sink.requests()) {
        if (r.at("path").as_string() != "/am") continue;
        std::map<std::string, std::string> m;
        const auto body = json::parse(r.at("body").as_string());
        for (const auto& a : body.at("alerts").as_array())
            m[std::string(a.at("labels").at("indicator").as_string())] =
                std::string(a.at("status").as_string());
        out.push_back(std::move(m));
    }
    return out;
}

double delivered_posts(it::Daemon& d) {
    const auto body = it::http("GET", d.url("/metrics")).body;
    std::smatch m;
    static const std::regex re(
        R"re(indicatord_notifications_total\{channel="alertmanager",result="delivered"\} (\d+))re");
    return std::regex_search(body, m, re) ? std::stod(m[1]) : 0;
}

}  // namespace

TEST_CASE("alertmanager: alerts reach a real Alertmanager, its silences hold, it delivers them",
          "[alertmanager]") {
    const std::string binary = "/usr/bin/prometheus-alertmanager";
    if (!fs::exists(binary))
        FAIL("prometheus-alertmanager is not installed (apt-get install prometheus-alertmanager)");
    it::TempDir dir;
    it::HttpSink hook(dir, "hook");

    // Alertmanager: one route to the sink, grouped by plan, quick groups.
    std::ofstream(dir.path() / "alertmanager.yml")
        << "route:\n"
           "  receiver: sink\n"
           "  group_by: [plan]\n"
           "  group_wait: 1s\n"
           "  group_interval: 1s\n"
           "  repeat_interval: 1h\n"
           "receivers:\n"
           "  - name: sink\n"
           "    webhook_configs:\n"
           "      - url: '"
        << hook.url("/am") << "'\n        send_resolved: true\n";
    const auto am_port = it::free_port();
    const std::string am = "http://127.0.0.1:" + std::to_string(am_port);
    it::Process alertmanager(
        {binary, "--config.file=" + (dir.path() / "alertmanager.yml").string(),
         "--storage.path=" + (dir.path() / "am-data").string(),
         "--web.listen-address=127.0.0.1:" + std::to_string(am_port), "--cluster.listen-address="},
        dir.path());
    const bool ready = it::eventually(
        [&] { return it::http("GET", am + "/-/ready").status == 200 || !alertmanager.running(); },
        std::chrono::seconds(30));
    INFO("alertmanager stderr: " << alertmanager.err());
    REQUIRE(ready);
    REQUIRE(alertmanager.running());

    // A silence in Alertmanager (its own clock: real time) for one of the two indicators.
    const auto wall = std::chrono::system_clock::now();
    const auto silence = json::serialize(
        json::object{{"matchers", json::array{json::object{{"name", "indicator"},
                                                           {"value", "industry_growth"},
                                                           {"isRegex", false},
                                                           {"isEqual", true}}}},
                     {"startsAt", rfc3339(wall - std::chrono::minutes(1))},
                     {"endsAt", rfc3339(wall + std::chrono::hours(1))},
                     {"createdBy", "督查室"},
                     {"comment", "已知滞后, 暂不提醒"}});
    const auto silenced = it::http("POST", am + "/api/v2/silences", silence);
    INFO(silenced.body);
    REQUIRE(silenced.status == 200);

    fs::create_directories(dir.path() / "rules");
    std::ofstream(dir.path() / "rules" / "plan.yaml")
        << "plan: {id: am-2023, name: 告警测试, year: 2023, timezone: Asia/Shanghai,\n"
           "       defaults: {cadence: quarter, due: 20d, grace: 5d}}\n"
           "units:\n"
           "  - {id: fgw, name: 市发改委}\n"
           "  - {id: jxw, name: 市经信局}\n"
           "tasks:\n"
           "  - number: 1\n"
           "    text: 生产总值增长6%以上。\n"
           "    lead: 市发改委\n"
           "    indicators:\n"
           "      - {key: gdp_growth, name: 生产总值增长, kind: threshold, measure: '%', op: "
           "'>=', target: 6, ytd: true}\n"
           "  - number: 2\n"
           "    text: 规上工业增加值增长7%以上。\n"
           "    lead: 市经信局\n"
           "    indicators:\n"
           "      - {key: industry_growth, name: 规上工业增加值增长, kind: threshold, measure: "
           "'%', op: '>=', target: 7, ytd: true}\n";
    const auto config = dir.path() / "indicatord.yaml";
    std::ofstream(config) << "rules: rules\n"
                             "calendars: "
                          << it::kData << "/../../config/calendars\n"
                          << "evaluation_interval: 1h\n"
                             "alerting:\n"
                             "  external_url: http://indicatord.example.org:9464\n"
                             "  alertmanager: {url: '"
                          << am << "/', resend_interval: 1s, timeout: 5s}\n";
    it::Daemon d(dir.path(), config.string(),
                 {"--test-clock", "--now", "2023-04-01T09:00:00+08:00"});

    // Both reports overdue: both alerts reach Alertmanager with the labels it routes on.
    set_clock(d, "2023-04-26T09:00:00+08:00");
    REQUIRE(it::eventually([&] { return am_alerts(am).size() == 2; }));
    auto alerts = am_alerts(am);
    const auto& gdp = alerts.at("gdp_growth");
    INFO(json::serialize(gdp));
    CHECK(gdp.at("labels") == json::parse(R"({"alertname":"IndicatorOverdue","plan":"am-2023",)"
                                          R"("task":"1","indicator":"gdp_growth","unit":"fgw",)"
                                          R"("severity":"warning"})"));
    CHECK_THAT(std::string(gdp.at("annotations").at("summary").as_string()),
               Catch::Contains("生产总值增长(gdp_growth):2023-Q1 报告已逾期"));
    CHECK(gdp.at("annotations").at("reason") ==
          "the report for 2023-Q1 is past its due date plus grace");
    CHECK(gdp.at("annotations").at("link") ==
          "http://indicatord.example.org:9464/indicators/gdp_growth");
    CHECK(gdp.at("generatorURL") == "http://indicatord.example.org:9464/indicators/gdp_growth");
    CHECK(std::string(gdp.at("startsAt").as_string()).starts_with("2023-04-26T01:00:00"));
    CHECK(gdp.at("status").at("state") == "active");
    // the silence set in Alertmanager holds for the other
    const auto& industry = alerts.at("industry_growth");
    CHECK(industry.at("labels").at("unit") == "jxw");
    CHECK(industry.at("status").at("state") == "suppressed");
    CHECK(industry.at("status").at("silencedBy").as_array().size() == 1);

    // Alertmanager's webhook delivers the unsilenced one to the sink, never the silenced one
    REQUIRE(it::eventually([&] {
        for (const auto& n : notifications(hook))
            if (n.count("gdp_growth") && n.at("gdp_growth") == "firing") return true;
        return false;
    }));
    for (const auto& n : notifications(hook)) CHECK(n.count("industry_growth") == 0);

    // While they fire, the daemon posts them again every resend_interval (1s), the clock still
    const double before = delivered_posts(d);
    REQUIRE(it::eventually([&] { return delivered_posts(d) >= before + 2; }));

    // gdp_growth reported: resolved, posted with its end, gone from Alertmanager's active alerts,
    // and its webhook says resolved
    REQUIRE(it::http("POST", d.url("/api/v1/values"), it::one_value("gdp_growth", "2023-Q1", 7))
                .status == 200);
    set_clock(d, "2023-04-26T09:05:00+08:00");
    REQUIRE(it::eventually([&] {
        auto now = am_alerts(am);
        return now.size() == 1 && now.count("industry_growth");
    }));
    REQUIRE(it::eventually([&] {
        for (const auto& n : notifications(hook))
            if (n.count("gdp_growth") && n.at("gdp_growth") == "resolved") return true;
        return false;
    }));
    for (const auto& n : notifications(hook)) CHECK(n.count("industry_growth") == 0);
}
