// The shipped Grafana dashboard and Prometheus rules against a real Prometheus: it scrapes the
// real daemon running the bundled Lishui plan with its test values (and loads the rule files);
// every PromQL expression of the dashboard and of the rules (tests/integration/promql_exprs.py
// lists them, the dashboard's variables set to the plan's values) must parse and return data.
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "harness.hpp"
#include "lishui_daemon.hpp"
#include "util/percent_encoding.hpp"

namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

// When the plan has overdue, missed and at-risk indicators at once
// (rules/tests/lishui-2023.test.yaml): new_project_start_rate missed its Q1 milestone,
// gdp_growth is at risk, the Q1 reports of most others are past due and grace.
const std::string kAsOf = "2023-05-15T12:00:00+08:00";
// A cumulative indicator with a reported value: value, target and expected-to-date all exist.
const std::string kIndicator = "manufacturing_projects_100m";

struct Answer {
    bool ok = false;  ///< HTTP 200 and "status": "success"
    std::size_t series = 0;
    std::string body;
};

Answer query(std::uint16_t port, const std::string& expr) {
    const auto r = it::http("GET", "http://127.0.0.1:" + std::to_string(port) +
                                       "/api/v1/query?query=" + indicatord::percent_encode(expr));
    Answer a;
    a.body = r.body;
    if (r.status != 200) return a;
    const auto doc = json::parse(r.body);
    a.ok = doc.at("status") == "success";
    const auto& data = doc.at("data");
    if (data.at("resultType") == "vector" || data.at("resultType") == "matrix")
        a.series = data.at("result").as_array().size();
    else
        a.series = 1;  // a scalar
    return a;
}

}  // namespace

TEST_CASE(
    "every PromQL expression of the shipped dashboard and rules returns data from a real "
    "Prometheus scraping the bundled plan",
    "[prometheus][dashboard]") {
    if (it::run("command -v prometheus").first != 0)
        FAIL("prometheus is not installed (apt-get install prometheus)");
    it::TempDir dir;
    it::LishuiDaemon lishui(dir, kAsOf);
    auto& d = lishui.daemon();
    // a delivered notification, so that the delivery families have series
    REQUIRE(it::eventually([&] { return lishui.smtp().messages() > 0; }, 30s));

    const std::string rules_dir = it::kRoot + "/config/prometheus";
    const auto config = dir.path() / "prometheus.yml";
    std::ofstream(config) << "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
                             "rule_files:\n  - "
                          << rules_dir << "/indicatord.rules.yml\n  - " << rules_dir
                          << "/indicatord-indicators.rules.yml\n"
                             "scrape_configs:\n  - job_name: indicatord\n    static_configs:\n"
                             "      - targets: ['127.0.0.1:"
                          << d.port() << "']\n";
    const auto port = it::free_port();
    it::Process prom({"prometheus", "--config.file=" + config.string(),
                      "--storage.tsdb.path=" + (dir.path() / "tsdb").string(),
                      "--web.listen-address=127.0.0.1:" + std::to_string(port)},
                     dir.path());
    // enough scrapes for the rates' one-minute windows to hold two samples
    const bool scraped = it::eventually(
        [&] {
            const auto a = query(port, "count_over_time(indicatord_build_info[1m]) >= 3");
            return a.ok && a.series == 1;
        },
        60s);
    INFO(prom.err());
    REQUIRE(scraped);

    // the dashboard's unit: the one with the most overdue reports (its overdue list is not empty)
    const auto top = query(port, "topk(1, indicator_unit_overdue_reports)");
    REQUIRE(top.series == 1);
    const std::string unit(json::parse(top.body)
                               .at("data")
                               .at("result")
                               .as_array()[0]
                               .at("metric")
                               .at("unit")
                               .as_string());

    auto [code, lines] = it::run(
        "/usr/bin/python3 " + it::kRoot + "/tests/integration/promql_exprs.py --dashboard " +
        it::kRoot + "/config/grafana/indicatord.json --rules " + rules_dir +
        "/indicatord.rules.yml --rules " + rules_dir +
        "/indicatord-indicators.rules.yml --set job=indicatord --set plan=lishui-2023 "
        "--set unit=" +
        unit + " --set indicator=" + kIndicator);
    INFO(lines);
    REQUIRE(code == 0);
    std::istringstream in(lines);
    std::size_t exprs = 0, with_data = 0;
    for (std::string line; std::getline(in, line);) {
        const auto e = json::parse(line).as_object();
        const std::string expr(e.at("expr").as_string());
        const bool want_data = e.at("want") == "data";
        INFO(e.at("source").as_string() << ": " << expr);
        Answer a;
        // a freshly loaded rule's first evaluation, a rate's window: give them a few seconds
        it::eventually(
            [&] {
                a = query(port, expr);
                return a.ok && (!want_data || a.series > 0);
            },
            15s);
        INFO(a.body);
        CHECK(a.ok);
        if (want_data) CHECK(a.series > 0);
        if (e.contains("label")) {
            const auto label = "\"" + std::string(e.at("label").as_string()) + "\":";
            CHECK_THAT(a.body, Catch::Contains(label));
        }
        ++exprs;
        if (want_data) ++with_data;
    }
    CHECK(exprs >= 40);
    CHECK(with_data >= 30);

    // Prometheus loaded both rule files and evaluates every rule without error
    const auto rules =
        it::http("GET", "http://127.0.0.1:" + std::to_string(port) + "/api/v1/rules");
    REQUIRE(rules.status == 200);
    std::size_t loaded = 0;
    const auto rules_doc = json::parse(rules.body);
    for (const auto& g : rules_doc.at("data").at("groups").as_array())
        for (const auto& r : g.at("rules").as_array()) {
            INFO(json::serialize(r));
            CHECK(r.at("health") == "ok");
            ++loaded;
        }
    CHECK(loaded == 11);
}

TEST_CASE(
    "cmake --install puts the Prometheus rules and the Grafana dashboard under "
    "share/indicatord",
    "[prometheus][dashboard]") {
    it::TempDir dir;
    const auto prefix = dir.path() / "prefix";
    const std::string cmake = INDICATORD_CMAKE, build = INDICATORD_BUILD_DIR;
    auto [code, out] =
        it::run("'" + cmake + "' --install '" + build + "' --prefix '" + prefix.string() + "'");
    INFO(out);
    REQUIRE(code == 0);
    const auto share = prefix / "share" / "indicatord";
    for (const char* f :
         {"prometheus/indicatord.rules.yml", "prometheus/indicatord-indicators.rules.yml",
          "prometheus/indicatord.rules.test.yml", "grafana/indicatord.json"}) {
        INFO(f);
        CHECK(it::slurp(share / f) == it::slurp(it::kRoot + "/config/" + f));
    }
    // the installed test runs where it is installed
    auto [test_code, test_out] = it::run("cd '" + (share / "prometheus").string() +
                                         "' && promtool test rules indicatord.rules.test.yml 2>&1");
    INFO(test_out);
    CHECK(test_code == 0);
}
