// Real Prometheus peers: promtool lints /metrics, and a real Prometheus server scrapes it.
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <fstream>

#include "harness.hpp"

namespace json = boost::json;
using namespace std::chrono_literals;

namespace {
bool have(const std::string& tool) {
    return it::run("command -v " + tool).first == 0;
}
}  // namespace

TEST_CASE("promtool check metrics is clean on /metrics", "[prometheus]") {
    if (!have("promtool")) FAIL("promtool is not installed (apt-get install prometheus)");
    it::TempDir dir;
    it::Daemon d(dir.path());
    REQUIRE(it::http("POST", d.url("/api/v1/values"),
                     R"({"values":[{"indicator":"gdp_growth","period":"2023-Q1","value":4.9}]})")
                .status == 200);
    auto metrics = it::http("GET", d.url("/metrics"));
    REQUIRE(metrics.status == 200);
    CHECK(metrics.content_type == "text/plain; version=0.0.4; charset=utf-8");
    const auto file = dir.path() / "metrics.txt";
    std::ofstream(file) << metrics.body;
    auto [code, out] = it::run("promtool check metrics < " + file.string());
    INFO(out);
    CHECK(code == 0);
    CHECK(out.empty());
}

TEST_CASE("a real Prometheus scrapes the daemon and sees the ingested value", "[prometheus]") {
    if (!have("prometheus")) FAIL("prometheus is not installed (apt-get install prometheus)");
    it::TempDir dir;
    it::Daemon d(dir.path());
    REQUIRE(it::http("POST", d.url("/api/v1/values"),
                     R"({"values":[{"indicator":"gdp_growth","period":"2023-Q1","value":4.9}]})")
                .status == 200);

    const auto config = dir.path() / "prometheus.yml";
    std::ofstream(config) << "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
                             "scrape_configs:\n  - job_name: indicatord\n    static_configs:\n"
                             "      - targets: ['127.0.0.1:"
                          << d.port() << "']\n";
    const auto port = it::free_port();
    it::Process prom({"prometheus", "--config.file=" + config.string(),
                      "--storage.tsdb.path=" + (dir.path() / "tsdb").string(),
                      "--web.listen-address=127.0.0.1:" + std::to_string(port)},
                     dir.path());
    const std::string query =
        "http://127.0.0.1:" + std::to_string(port) +
        "/api/v1/query?query=indicator_value%7Bindicator%3D%22gdp_growth%22%7D";
    std::string found;
    const bool seen = it::eventually(
        [&] {
            auto r = it::http("GET", query);
            if (r.status != 200) return false;
            auto result = json::parse(r.body).at("data").at("result").as_array();
            if (result.empty()) return false;
            found = json::serialize(result[0]);
            return true;
        },
        60s);
    INFO(prom.err());
    REQUIRE(seen);
    auto v = json::parse(found);
    CHECK(v.at("metric").at("plan").as_string() == "test-2023");
    CHECK(v.at("metric").at("task").as_string() == "1");
    CHECK(v.at("metric").at("unit").as_string() == "fgw");
    CHECK(v.at("value").as_array()[1].as_string() == "4.9");

    // the scrape itself was healthy
    auto up = it::http("GET", "http://127.0.0.1:" + std::to_string(port) +
                                  "/api/v1/query?query=up%7Bjob%3D%22indicatord%22%7D");
    CHECK_THAT(up.body, Catch::Contains("\"1\""));
}
