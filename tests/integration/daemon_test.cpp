// The real indicatord binary over real HTTP on 127.0.0.1, with a real SQLite file and signals.
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <cstring>
#include <fstream>
#include <thread>

#include "harness.hpp"

namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

it::Response post(const it::Daemon& d, const std::string& body) {
    return it::http("POST", d.url("/api/v1/values"), body);
}

std::string one(const std::string& key, const std::string& period, double value) {
    return it::one_value(key, period, value);
}

std::size_t history_size(const it::Daemon& d, const std::string& key) {
    return it::history(d, key).size();
}

}  // namespace

TEST_CASE("ingest over HTTP and read it back", "[daemon]") {
    it::TempDir dir;
    it::Daemon d(dir.path());
    CHECK(it::http("GET", d.url("/healthz")).status == 200);
    CHECK(it::http("GET", d.url("/readyz")).status == 200);

    auto r = post(
        d,
        R"({"values":[{"indicator":"gdp_growth","period":"2023-Q1","value":4.9,"note":"初步核算"},
                                    {"indicator":"cpi_growth","period":"2023-03","value":2.1}]})");
    REQUIRE(r.status == 200);
    auto ack = json::parse(r.body).as_object();
    CHECK(ack.at("accepted").to_number<int>() == 2);
    CHECK(ack.at("values").as_array()[0].at("revision").to_number<int>() == 1);

    // a revision of the same period
    REQUIRE(post(d, one("gdp_growth", "2023-Q1", 5.2)).status == 200);

    auto ind =
        json::parse(it::http("GET", d.url("/api/v1/indicators/gdp_growth")).body).as_object();
    CHECK(ind.at("value").to_number<double>() == 5.2);
    CHECK(ind.at("period").as_string() == "2023-Q1");
    CHECK(ind.at("latest").as_array()[0].at("revision").to_number<int>() == 2);

    auto hist = json::parse(it::http("GET", d.url("/api/v1/indicators/gdp_growth/values")).body);
    auto& values = hist.at("values").as_array();
    REQUIRE(values.size() == 2);
    CHECK(values[0].at("value").to_number<double>() == 4.9);
    CHECK(values[0].at("note").as_string() == "初步核算");
    CHECK(values[1].at("revision").to_number<int>() == 2);

    auto list = json::parse(it::http("GET", d.url("/api/v1/indicators?task=1")).body);
    REQUIRE(list.at("indicators").as_array().size() == 1);
    CHECK(list.at("indicators").as_array()[0].at("key").as_string() == "gdp_growth");
}

TEST_CASE("a batch with one bad item stores nothing and names every bad item", "[daemon]") {
    it::TempDir dir;
    it::Daemon d(dir.path());
    auto r = post(d, R"({"values":[{"indicator":"gdp_growth","period":"2023-Q1","value":4.9},
                                    {"indicator":"unknown_thing","period":"2023-Q1","value":1},
                                    {"indicator":"cpi_growth","period":"2023-Q1","value":1}]})");
    CHECK(r.status == 400);
    auto err = json::parse(r.body).as_object();
    CHECK(err.at("error").as_string() == "2 invalid value(s); nothing was stored");
    auto& items = err.at("items").as_array();
    REQUIRE(items.size() == 2);
    CHECK(items[0].at("index").to_number<int>() == 1);
    CHECK(items[0].at("reason").as_string() == "unknown indicator 'unknown_thing'");
    CHECK(items[1].at("reason").as_string() ==
          "period '2023-Q1' does not match indicator 'cpi_growth' reported by month");
    CHECK(history_size(d, "gdp_growth") == 0);
}

TEST_CASE("bad requests get precise JSON errors", "[daemon]") {
    it::TempDir dir;
    it::Daemon d(dir.path(), it::kData + "/small_limits.yaml");

    auto bad_json = post(d, R"({"values":[)");
    CHECK(bad_json.status == 400);
    CHECK_THAT(bad_json.body, Catch::Contains("body is not valid JSON"));

    auto wrong_type =
        it::http("POST", d.url("/api/v1/values"), one("gdp_growth", "2023-Q1", 1), "text/plain");
    CHECK(wrong_type.status == 415);
    CHECK_THAT(wrong_type.body,
               Catch::Contains("Content-Type must be application/json, text/csv, "
                               "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet "
                               "(.xlsx) or multipart/form-data (a value with evidence files), got "
                               "'text/plain'"));

    auto huge = post(d, std::string(70000, ' ') + one("gdp_growth", "2023-Q1", 1));
    CHECK(huge.status == 413);
    CHECK_THAT(huge.body, Catch::Contains("exceeds the limit of 65536 bytes"));

    auto wrong_method = it::http("DELETE", d.url("/api/v1/values"));
    CHECK(wrong_method.status == 405);
    CHECK(wrong_method.headers["allow"] == "POST");
    CHECK(json::parse(wrong_method.body).at("error").as_string() ==
          "DELETE is not allowed on /api/v1/values (allowed: POST)");

    auto missing = it::http("GET", d.url("/nope"));
    CHECK(missing.status == 404);
    CHECK(json::parse(missing.body).at("error").as_string() == "no such resource: GET /nope");
    CHECK(it::http("GET", d.url("/api/v1/indicators/nope")).status == 404);
    CHECK(missing.content_type == "application/json");

    CHECK(history_size(d, "gdp_growth") == 0);
    // the daemon is still healthy after all that
    CHECK(post(d, one("gdp_growth", "2023-Q1", 1)).status == 200);
}

TEST_CASE("every acknowledged value survives kill -9 and a restart", "[daemon][durability]") {
    it::TempDir dir;
    std::atomic<int> acked{0};
    {
        it::Daemon d(dir.path());
        std::vector<std::thread> writers;
        std::atomic<bool> stop{false};
        for (int t = 0; t < 4; ++t)
            writers.emplace_back([&, t] {
                for (int i = 0; !stop && i < 200; ++i) {
                    auto r = post(d, one("gdp_growth", "2023-Q" + std::to_string(t + 1), i));
                    if (r.status == 200)
                        ++acked;
                    else
                        break;  // the daemon was killed under us
                }
            });
        REQUIRE(it::eventually([&] { return acked > 100; }));
        d.process().signal(SIGKILL);
        stop = true;
        for (auto& w : writers) w.join();
        CHECK(d.process().wait(5s) == 128 + SIGKILL);
    }
    it::Daemon again(dir.path());
    std::size_t stored = history_size(again, "gdp_growth");
    INFO("acknowledged " << acked << ", stored " << stored);
    // every 200 is on disk; a value whose 200 was lost in the kill may be there too
    CHECK(stored >= static_cast<std::size_t>(acked.load()));
    CHECK(stored <= static_cast<std::size_t>(acked.load()) + 4);
}

TEST_CASE("SIGTERM stops the daemon promptly with exit code 0", "[daemon][signals]") {
    it::TempDir dir;
    it::Daemon d(dir.path());
    REQUIRE(post(d, one("gdp_growth", "2023-Q1", 6)).status == 200);
    const auto start = std::chrono::steady_clock::now();
    d.process().signal(SIGTERM);
    CHECK(d.process().wait(5s) == 0);
    CHECK(std::chrono::steady_clock::now() - start < 3s);
    CHECK_THAT(d.process().err(), Catch::Contains("received SIGTERM, stopping"));
    // and the value is there on the next start
    it::Daemon again(dir.path());
    CHECK(history_size(again, "gdp_growth") == 1);
}

TEST_CASE("SIGINT stops it too, and SIGHUP reloads without stopping", "[daemon][signals]") {
    it::TempDir dir;
    it::Daemon d(dir.path());
    d.process().signal(SIGHUP);
    REQUIRE(it::eventually(
        [&] { return d.process().err().find("reloaded plan test-2023") != std::string::npos; }));
    CHECK(it::http("GET", d.url("/healthz")).status == 200);
    d.process().signal(SIGINT);
    CHECK(d.process().wait(5s) == 0);
}

TEST_CASE("sd_notify: READY=1 once serving, STOPPING=1 on the way out", "[daemon][systemd]") {
    it::TempDir dir;
    const auto sock_path = dir.path() / "notify.sock";
    const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, sock_path.c_str(), sizeof addr.sun_path - 1);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    auto receive = [&](std::chrono::milliseconds timeout) -> std::string {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(timeout.count())) != 1) return {};
        char buf[512];
        const auto n = ::recv(fd, buf, sizeof buf, 0);
        return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
    };

    std::vector<std::string> argv{
        it::kDaemon,   "--config",   it::kData + "/minimal.yaml", "--listen",
        "127.0.0.1:0", "--database", (dir.path() / "db").string()};
    it::Process p(argv, dir.path(), {{"NOTIFY_SOCKET", sock_path.string()}});
    const auto ready = receive(10s);
    CHECK_THAT(ready, Catch::Contains("READY=1"));
    CHECK_THAT(p.out(), Catch::Contains("listening on"));  // READY only after binding
    p.signal(SIGTERM);
    CHECK_THAT(receive(10s), Catch::Contains("STOPPING=1"));
    CHECK(p.wait(5s) == 0);
    ::close(fd);
}

TEST_CASE("a bad config exits 1, a bad flag 2, with one line naming the problem, before binding",
          "[daemon][config]") {
    it::TempDir dir;
    {
        const auto bad = it::kData + "/config/unknown_key.yaml";
        it::Process p({it::kDaemon, "--config", bad}, dir.path());
        CHECK(p.wait(10s) == 1);
        CHECK(p.err() ==
              "indicatord: " + bad +
                  ":3:1: unknown key 'listn' in config (allowed: listen, database, rules, "
                  "calendars, evaluation_interval, log_level, now, http, tls, auth, alerting, "
                  "web, bulletins, evidence)\n");
        CHECK(p.out().empty());
    }
    {
        it::Process p({it::kDaemon, "--config", it::kData + "/minimal.yaml", "--bogus"},
                      dir.path());
        CHECK(p.wait(10s) == 2);
        CHECK_THAT(p.err(), Catch::StartsWith("indicatord: unknown argument '--bogus'\n"));
    }
    {
        const auto bad = it::kData + "/rules/unknown_unit.yaml";
        const auto cfg = dir.path() / "c.yaml";
        std::ofstream(cfg) << "rules: " << bad << "\nlisten: 127.0.0.1:0\n";
        it::Process p({it::kDaemon, "--config", cfg.string()}, dir.path());
        CHECK(p.wait(10s) == 1);
        CHECK_THAT(p.err(), Catch::Contains("unknown unit '市财政局'"));
    }
}

TEST_CASE("indicatorctl check validates the same way", "[ctl]") {
    auto ok = it::run(it::kCtl + " check " + it::kData + "/minimal.yaml");
    CHECK(ok.first == 0);
    CHECK(ok.second ==
          "ok: plan test-2023: 4 tasks, 5 indicators (cumulative 1, report 2, threshold 2), 5 "
          "units; calendars 2023 2024 2025 2026\n");
    auto bad = it::run(it::kCtl + " check " + it::kData + "/config/unknown_key.yaml");
    CHECK(bad.first == 1);
    auto usage = it::run(it::kCtl + " frobnicate");
    CHECK(usage.first == 2);
}

TEST_CASE("optional TLS on the listener", "[daemon][tls]") {
    it::TempDir dir;
    const auto key = dir.path() / "key.pem";
    const auto cert = dir.path() / "cert.pem";
    auto [code, out] =
        it::run("openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 -keyout " +
                key.string() + " -out " + cert.string());
    INFO(out);
    REQUIRE(code == 0);
    const auto config = dir.path() / "tls.yaml";
    std::ofstream(config)
        << "rules: " << it::kData << "/minimal\ncalendars: " << it::kData
        << "/../../config/calendars\ntls:\n  cert_file: cert.pem\n  key_file: key.pem\n";
    it::Daemon d(dir.path(), config.string());
    CHECK(d.url("/").rfind("https://", 0) == 0);
    CHECK(it::http("GET", d.url("/healthz")).status == 200);
    CHECK(post(d, one("gdp_growth", "2023-Q1", 5)).status == 200);
    // plain HTTP to the TLS port gets no HTTP answer
    CHECK(it::http("GET", "http://127.0.0.1:" + std::to_string(d.port()) + "/healthz").status == 0);
    CHECK(it::http("GET", d.url("/healthz")).status == 200);

    // an unreadable key is a config error naming the files, exit 1
    const auto bad = dir.path() / "bad.yaml";
    std::ofstream(bad)
        << "rules: " << it::kData << "/minimal\ncalendars: " << it::kData
        << "/../../config/calendars\ntls: {cert_file: cert.pem, key_file: missing.pem}\n";
    it::Process p({it::kDaemon, "--config", bad.string(), "--listen", "127.0.0.1:0", "--database",
                   (dir.path() / "b.db").string()},
                  dir.path());
    CHECK(p.wait(10s) == 1);
    CHECK_THAT(p.err(), Catch::Contains("tls: cannot load"));
}
