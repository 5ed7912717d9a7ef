#include "config/config.hpp"

#include <catch2/catch.hpp>
#include <fstream>

#include "app/cli.hpp"
#include "test_util.hpp"
#include "util/errors.hpp"

using namespace indicatord;

using test::expected_error;
using test::kData;

TEST_CASE("the bundled test config loads with defaults filled in", "[config]") {
    auto c = load_config(kData + "/minimal.yaml");
    CHECK(c.listen_host == "127.0.0.1");
    CHECK(c.listen_port == 0);
    CHECK(c.rules.size() == 1);
    CHECK(c.rules[0] == std::filesystem::path(kData) / "minimal");
    CHECK(c.evaluation_interval == std::chrono::seconds(60));
    CHECK(c.http.body_bytes == 8 * 1024 * 1024);
}

TEST_CASE("each bad config gives its exact file:line:col error", "[config]") {
    auto name =
        GENERATE(as<std::string>{}, "unknown_key.yaml", "duplicate_key.yaml", "bad_listen.yaml",
                 "bad_interval.yaml", "missing_rules.yaml", "bad_log_level.yaml", "syntax.yaml",
                 "bad_http.yaml", "bad_alertmanager.yaml");
    const auto path = kData + "/config/" + name;
    INFO(path);
    try {
        load_config(path);
        FAIL("no error for " << path);
    } catch (const ConfigError& e) {
        CHECK(std::string(e.what()) == expected_error(path));
    }
}

TEST_CASE("alerting.alertmanager: one URL or several, defaults filled in", "[config]") {
    test::TempDir dir;
    const auto file = dir.path() / "indicatord.yaml";
    std::ofstream(file) << "rules: " << kData << "/minimal\n"
                        << "alerting:\n  alertmanager: {url: 'http://am:9093/'}\n";
    auto c = load_config(file);
    CHECK(c.alerting.alertmanager.urls == std::vector<std::string>{"http://am:9093"});
    CHECK(c.alerting.alertmanager.resend_interval == std::chrono::seconds(60));
    CHECK(c.alerting.alertmanager.timeout == std::chrono::seconds(10));
    std::ofstream(file) << "rules: " << kData << "/minimal\n"
                        << "alerting:\n  alertmanager:\n    url: [http://a:9093, https://b]\n"
                        << "    resend_interval: 30s\n";
    c = load_config(file);
    CHECK(c.alerting.alertmanager.urls == std::vector<std::string>{"http://a:9093", "https://b"});
    CHECK(c.alerting.alertmanager.resend_interval == std::chrono::seconds(30));
    CHECK(load_config(kData + "/minimal.yaml").alerting.alertmanager.urls.empty());
}

TEST_CASE("a missing config file is an error naming it", "[config]") {
    CHECK_THROWS_WITH(load_config("/nonexistent/indicatord.yaml"),
                      "/nonexistent/indicatord.yaml: cannot read file: No such file or directory");
}

TEST_CASE("listen addresses and durations parse", "[config]") {
    CHECK(parse_listen("127.0.0.1:9464") ==
          std::make_pair(std::string("127.0.0.1"), std::uint16_t{9464}));
    CHECK(parse_listen("[::1]:80") == std::make_pair(std::string("::1"), std::uint16_t{80}));
    CHECK_FALSE(parse_listen("localhost"));
    CHECK_FALSE(parse_listen("host:99999"));
    CHECK_FALSE(parse_listen(":80"));
    CHECK(parse_duration("90s") == std::chrono::seconds(90));
    CHECK(parse_duration("5m") == std::chrono::seconds(300));
    CHECK(parse_duration("2h") == std::chrono::seconds(7200));
    CHECK_FALSE(parse_duration("5"));
    CHECK_FALSE(parse_duration("5x"));
    CHECK_FALSE(parse_duration("-5s"));
}

TEST_CASE("command-line flags override the config file", "[config][cli]") {
    auto args = parse_daemon_args({"--config", kData + "/minimal.yaml", "--listen", "127.0.0.2:81",
                                   "--database", "/tmp/x.db", "--log-level", "debug"});
    auto c = resolve_config(args);
    CHECK(c.listen_host == "127.0.0.2");
    CHECK(c.listen_port == 81);
    CHECK(c.database == "/tmp/x.db");
    CHECK(c.log_level == "debug");
}

TEST_CASE("bad command lines are usage errors", "[config][cli]") {
    CHECK_THROWS_WITH(parse_daemon_args({"--config"}), "--config needs a value");
    CHECK_THROWS_WITH(parse_daemon_args({"--frobnicate"}), "unknown argument '--frobnicate'");
    CHECK_THROWS_WITH(parse_daemon_args({}), "--config PATH is required");
    CHECK_THROWS_WITH(resolve_config(parse_daemon_args(
                          {"--config", kData + "/minimal.yaml", "--listen", "nope"})),
                      "--listen must be HOST:PORT, got 'nope'");
    CHECK_THROWS_WITH(
        resolve_config(
            parse_daemon_args({"--config", kData + "/minimal.yaml", "--now", "yesterday"})),
        "--now must be an RFC 3339 instant like 2023-07-15T09:00:00+08:00, got 'yesterday'");
}

TEST_CASE("values that would overflow are refused (found by fuzzing)", "[config]") {
    CHECK_FALSE(parse_duration("999999999999999999d"));
}
