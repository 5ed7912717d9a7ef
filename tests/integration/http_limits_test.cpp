// The daemon's HTTP limits against misbehaving clients on raw sockets: slow, idle, greedy and
// garbage-sending clients, too many connections, and SIGTERM with stalled clients.
#include <arpa/inet.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "harness.hpp"
#include "store/sqlite.hpp"

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

// ---------------------------------------------------------------------------------------------
// A config with small HTTP limits so that every limit is reached in well under a second.

fs::path small_limits_config(const fs::path& dir) {
    const auto path = dir / "indicatord.yaml";
    std::ofstream(path) << "rules: " << it::kData << "/minimal\n"
                        << "calendars: " << it::kData << "/../../config/calendars\n"
                        << "http: {idle_timeout: 1s, read_timeout: 1s, max_connections: 8, "
                           "header_limit_bytes: 2048, body_limit_bytes: 4096}\n";
    return path;
}

std::chrono::milliseconds since(Clock::time_point start) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
}

const std::string kHealth = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

bool healthy(const it::Daemon& d) {
    return it::http("GET", d.url("/healthz")).status == 200;
}

/// (period, value) of every stored revision of `key`, from the API (page by page).
std::multiset<std::pair<std::string, long long>> stored_values(const it::Daemon& d,
                                                               const std::string& key) {
    std::multiset<std::pair<std::string, long long>> out;
    for (const auto& v : it::history(d, key)) out.emplace(v.period, std::llround(v.value));
    return out;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// HTTP limits

TEST_CASE("a slow client is cut off after the read timeout while others are served",
          "[robustness][limits]") {
    it::TempDir dir;
    it::Daemon d(dir.path(), small_limits_config(dir.path()).string());

    // Half a request line, then nothing.
    it::RawClient slow(d.port());
    REQUIRE(slow.send("GET /heal"));
    const auto start = Clock::now();
    // Others are served meanwhile, on fresh and on kept-alive connections.
    for (int i = 0; i < 5; ++i) CHECK(healthy(d));
    it::RawClient other(d.port());
    REQUIRE(other.send(kHealth));
    auto r = other.response(3s);
    REQUIRE(r);
    CHECK(it::status_of(*r) == 200);

    CHECK(slow.wait_closed(5s));
    const auto cut = since(start);
    INFO("the half request line was cut off after " << cut.count() << " ms");
    CHECK(cut >= 800ms);   // not at once: it had its second
    CHECK(cut <= 3500ms);  // but not much more
    CHECK(slow.pending().empty());

    // A client that trickles a byte every 150 ms does not keep its connection by trickling:
    // the timeout counts from the request's first byte, not from the last one.
    it::RawClient trickle(d.port());
    const std::string request = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: 1\r\n\r\n";
    const auto trickle_start = Clock::now();
    bool closed = false;
    for (std::size_t i = 0; i < request.size() && !closed && since(trickle_start) < 6s; ++i) {
        if (!trickle.send(request.substr(i, 1))) break;
        closed = trickle.wait_closed(150ms);
    }
    closed = closed || trickle.wait_closed(5s);
    const auto trickled = since(trickle_start);
    INFO("the trickling client was cut off after " << trickled.count() << " ms");
    CHECK(closed);
    CHECK(trickled <= 3500ms);  // the whole request would have taken ~7.5 s
    CHECK(trickle.pending().empty());

    // A complete header and a body that never arrives: cut off after read_timeout, nothing stored.
    it::RawClient no_body(d.port());
    REQUIRE(no_body.send(
        "POST /api/v1/values HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        "Content-Length: 200\r\n\r\n{\"values\":[{\"indicator\":\"gdp_growth\","));
    const auto body_start = Clock::now();
    CHECK(no_body.wait_closed(5s));
    CHECK(since(body_start) >= 800ms);
    CHECK(since(body_start) <= 3500ms);
    CHECK(stored_values(d, "gdp_growth").empty());
    CHECK(healthy(d));
}

TEST_CASE("an idle keep-alive connection is closed after idle_timeout", "[robustness][limits]") {
    it::TempDir dir;
    it::Daemon d(dir.path(), small_limits_config(dir.path()).string());

    it::RawClient s(d.port());
    // Two requests on one connection: keep-alive really works.
    for (int i = 0; i < 2; ++i) {
        REQUIRE(s.send(kHealth));
        auto r = s.response(3s);
        REQUIRE(r);
        CHECK(it::status_of(*r) == 200);
        CHECK_THAT(*r, !Catch::Contains("Connection: close"));
    }
    const auto idle_since = Clock::now();
    CHECK(s.wait_closed(5s));
    const auto idle = since(idle_since);
    INFO("closed after " << idle.count() << " ms idle");
    CHECK(idle >= 800ms);
    CHECK(idle <= 3500ms);
    CHECK(s.pending().empty());  // closed without a word, not with an error response
    CHECK(healthy(d));
}

TEST_CASE("read_timeout runs from a request's first byte, idle_timeout only between requests",
          "[robustness][limits]") {
    // Apart here, so that which clock closed a connection shows in when it closed.
    it::TempDir dir;
    const auto config = dir.path() / "indicatord.yaml";
    std::ofstream(config) << "rules: " << it::kData << "/minimal\n"
                          << "calendars: " << it::kData << "/../../config/calendars\n"
                          << "http: {idle_timeout: 4s, read_timeout: 1s}\n";
    it::Daemon d(dir.path(), config.string());

    // A connection without a byte of a request is idle: it outlives read_timeout.
    it::RawClient quiet(d.port());

    // A started request line is under read_timeout (1 s), not idle_timeout (4 s).
    it::RawClient partial(d.port());
    REQUIRE(partial.send("GET /heal"));
    auto start = Clock::now();
    CHECK(partial.wait_closed(8s));
    const auto cut = since(start);
    INFO("a started request was cut off after " << cut.count() << " ms");
    CHECK(cut >= 800ms);
    CHECK(cut < 2500ms);

    // The same after an answered request on a kept-alive connection.
    it::RawClient second(d.port());
    REQUIRE(second.send(kHealth));
    auto r = second.response(3s);
    REQUIRE(r);
    CHECK(it::status_of(*r) == 200);
    REQUIRE(second.send("GET /he"));
    start = Clock::now();
    CHECK(second.wait_closed(8s));
    CHECK(since(start) >= 800ms);
    CHECK(since(start) < 2500ms);

    // The quiet one, silent for twice read_timeout by now, is still open and is served; then
    // it is closed once idle_timeout has passed after its answer.
    CHECK_FALSE(quiet.wait_closed(0ms));
    REQUIRE(quiet.send(kHealth));
    r = quiet.response(3s);
    REQUIRE(r);
    CHECK(it::status_of(*r) == 200);
    start = Clock::now();
    CHECK(quiet.wait_closed(8s));
    const auto idle = since(start);
    INFO("idle for " << idle.count() << " ms");
    CHECK(idle >= 3500ms);
    CHECK(idle < 6000ms);
}

namespace {

/// The state of the daemon's end of a connection from /proc/net/tcp ("01" ESTABLISHED, "04"
/// FIN_WAIT1, ...), or "" once the kernel has dropped it.
std::string server_side_state(std::uint16_t server_port, std::uint16_t client_port) {
    char local[32], remote[32];
    std::snprintf(local, sizeof local, "0100007F:%04X", server_port);
    std::snprintf(remote, sizeof remote, "0100007F:%04X", client_port);
    std::ifstream in("/proc/net/tcp");
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream fields(line);
        std::string sl, l, r, st;
        fields >> sl >> l >> r >> st;
        if (l == local && r == remote) return st;
    }
    return "";
}

}  // namespace

TEST_CASE("a client that does not read its answers is dropped after read_timeout",
          "[robustness][limits]") {
    it::TempDir dir;
    const auto config = dir.path() / "indicatord.yaml";
    std::ofstream(config) << "rules: " << it::kData << "/minimal\n"
                          << "calendars: " << it::kData << "/../../config/calendars\n"
                          << "http: {idle_timeout: 30s, read_timeout: 1s}\n";
    it::Daemon d(dir.path(), config.string());

    // A small receive window and a thousand pipelined scrapes that are never read: the daemon's
    // writes stall once the buffers are full.
    it::RawClient greedy(d.port(), 4096);
    const int pipelined = 1000;
    std::string requests;
    for (int i = 0; i < pipelined; ++i)
        requests += "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    REQUIRE(greedy.send(requests));
    REQUIRE(server_side_state(d.port(), greedy.local_port()) == "01");

    // Others are served while it stalls; within read_timeout of the stall the daemon lets go of
    // it (its end leaves ESTABLISHED), long before idle_timeout.
    const auto start = Clock::now();
    CHECK(healthy(d));
    CHECK(it::eventually([&] { return server_side_state(d.port(), greedy.local_port()) != "01"; },
                         10s));
    const auto dropped = since(start);
    INFO("dropped after " << dropped.count() << " ms");
    CHECK(dropped >= 800ms);  // it had its read_timeout to take the answers
    CHECK(dropped < 5s);
    CHECK(healthy(d));

    // Reading now: part of the answers, then the end of the connection.
    int answers = 0;
    while (greedy.response(3s)) ++answers;
    INFO(answers << " of " << pipelined << " answers arrived");
    CHECK(greedy.closed());
    CHECK(answers < pipelined);
}

TEST_CASE("connections past max_connections are closed at once, the first ones keep being served",
          "[robustness][limits]") {
    it::TempDir dir;
    it::Daemon d(dir.path(), small_limits_config(dir.path()).string());

    auto ask = [](it::RawClient& s) {
        if (!s.send(kHealth)) return 0;
        auto r = s.response(3s);
        return r ? it::status_of(*r) : 0;
    };
    // Eight connections, each with an answered request: all eight are registered sessions.
    std::vector<std::unique_ptr<it::RawClient>> first;
    for (int i = 0; i < 8; ++i) {
        first.push_back(std::make_unique<it::RawClient>(d.port()));
        REQUIRE(ask(*first.back()) == 200);
    }
    // The ninth and tenth are accepted by the kernel, then closed by the daemon without an answer,
    // well before the idle timeout could explain it.
    for (int i = 0; i < 2; ++i) {
        it::RawClient extra(d.port());
        extra.send(kHealth);
        const auto start = Clock::now();
        CHECK(extra.wait_closed(3s));
        CHECK(since(start) < 900ms);
        CHECK(extra.pending().empty());
    }
    // The first eight still get answers (this also resets their idle timers).
    for (auto& s : first) CHECK(ask(*s) == 200);
    CHECK_THAT(d.process().err(),
               Catch::Contains("connection refused: 8 connections open (http.max_connections)"));

    // Once they are closed, new connections are served again: eight at once, as before.
    first.clear();
    CHECK(it::eventually([&] { return healthy(d); }, 5s));
    std::vector<std::unique_ptr<it::RawClient>> again;
    for (int i = 0; i < 8; ++i) {
        again.push_back(std::make_unique<it::RawClient>(d.port()));
        CHECK(ask(*again.back()) == 200);
    }
}

TEST_CASE(
    "oversized headers get 431 and oversized bodies 413, as JSON, and the daemon stays healthy",
    "[robustness][limits]") {
    it::TempDir dir;
    it::Daemon d(dir.path(), small_limits_config(dir.path()).string());

    auto big_header =
        it::http("GET", d.url("/healthz"), {}, {}, {"X-Filler: " + std::string(3000, 'x')});
    CHECK(big_header.status == 431);
    CHECK(big_header.content_type == "application/json");
    CHECK(json::parse(big_header.body).at("error").as_string() ==
          "request headers exceed 2048 bytes");

    // Many small headers adding up past the limit are the same thing.
    std::vector<std::string> many;
    for (int i = 0; i < 100; ++i)
        many.push_back("X-H" + std::to_string(i) + ": " + std::string(30, 'y'));
    CHECK(it::http("GET", d.url("/healthz"), {}, {}, many).status == 431);

    // A valid batch padded past the limit: refused by its Content-Length before it is read.
    const auto value = it::one_value("gdp_growth", "2023-Q1", 7);
    const auto padded = std::string(5000, ' ') + value;
    auto big_body = it::http("POST", d.url("/api/v1/values"), padded);
    CHECK(big_body.status == 413);
    CHECK(big_body.content_type == "application/json");
    const std::string refusal(json::parse(big_body.body).at("error").as_string());
    CHECK_THAT(refusal, Catch::StartsWith("request body") &&
                            Catch::EndsWith("exceeds the limit of 4096 bytes"));

    // Much larger: the client is still sending when the answer comes; it must still get it.
    for (std::size_t size : {std::size_t(256) << 10, std::size_t(4) << 20}) {
        auto huge = it::http("POST", d.url("/api/v1/values"), std::string(size, ' ') + value);
        INFO("body of " << size << " bytes");
        CHECK(huge.status == 413);
        CHECK_THAT(huge.body, Catch::Contains("exceeds the limit of 4096 bytes"));
    }

    // Chunked, so no Content-Length: refused while reading, by the parser's body limit.
    it::RawClient chunked(d.port());
    const std::string chunk(5000, ' ');
    char size_line[32];
    std::snprintf(size_line, sizeof size_line, "%zx\r\n", chunk.size());
    chunked.send(
        "POST /api/v1/values HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\n\r\n" +
        std::string(size_line) + chunk + "\r\n");
    auto r = chunked.response(3s);
    REQUIRE(r);
    CHECK(it::status_of(*r) == 413);
    CHECK(json::parse(it::body_of(*r)).at("error").as_string() ==
          "request body exceeds the limit of 4096 bytes");
    CHECK(chunked.wait_closed(3s));

    // Nothing of it was stored, and the daemon takes a normal request.
    CHECK(stored_values(d, "gdp_growth").empty());
    CHECK(healthy(d));
    CHECK(it::http("POST", d.url("/api/v1/values"), value).status == 200);
    CHECK(stored_values(d, "gdp_growth").size() == 1);
}

TEST_CASE("garbage instead of HTTP gets 400 or a closed connection, and the daemon stays healthy",
          "[robustness][limits]") {
    it::TempDir dir;
    it::Daemon d(dir.path(), small_limits_config(dir.path()).string());

    std::mt19937 rng(20230715);
    std::string random_bytes(3000, '\0');
    for (auto& c : random_bytes) c = static_cast<char>(rng() & 0xff);
    const std::vector<std::pair<std::string, std::string>> garbage{
        {"a TLS ClientHello",
         std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11) + std::string(64, '\x42')},
        {"random bytes", random_bytes},
        {"NUL bytes", std::string(512, '\0')},
        {"a line without a method", "HELLO\r\n\r\n"},
        {"a bad Content-Length",
         "POST /api/v1/values HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n"},
        {"a bad chunk size",
         "POST /api/v1/values HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"},
        {"an SMTP greeting", "EHLO example.org\r\nMAIL FROM:<a@b>\r\n"},
        {"a header without a colon", "GET /healthz HTTP/1.1\r\nHost 127.0.0.1\r\n\r\n"},
    };
    for (const auto& [what, bytes] : garbage) {
        INFO("sent " << what);
        it::RawClient s(d.port());
        s.send(bytes);
        CHECK(s.wait_closed(4s));
        if (!s.pending().empty()) {
            INFO("received " << s.pending().substr(0, 200));
            CHECK(it::status_of(s.pending()) == 400);
            CHECK_THAT(json::parse(it::body_of(s.pending())).at("error").as_string().c_str(),
                       Catch::StartsWith("malformed HTTP request"));
        }
        CHECK(healthy(d));
    }
    CHECK(it::http("POST", d.url("/api/v1/values"), it::one_value("gdp_growth", "2023-Q1", 1))
              .status == 200);
}

TEST_CASE("SIGTERM with stalled clients: idle ones are closed, a stuck request gets drain_timeout",
          "[robustness][limits][signals]") {
    it::TempDir dir;
    const auto config = dir.path() / "indicatord.yaml";
    std::ofstream(config) << "rules: " << it::kData << "/minimal\n"
                          << "calendars: " << it::kData << "/../../config/calendars\n"
                          << "http: {idle_timeout: 30s, read_timeout: 30s, drain_timeout: 1s}\n";
    {
        // Only idle and half-sent connections: nothing is in flight, so the exit is immediate.
        it::Daemon d(dir.path(), config.string());
        it::RawClient idle(d.port()), half(d.port()), kept(d.port());
        REQUIRE(half.send("GET /heal"));
        REQUIRE(kept.send(kHealth));
        REQUIRE(kept.response(3s));
        CHECK(healthy(d));  // all three are accepted by now
        const auto start = Clock::now();
        d.process().signal(SIGTERM);
        CHECK(d.process().wait(5s) == 0);
        CHECK(since(start) < 800ms);
        CHECK(idle.wait_closed(1s));
        CHECK(half.wait_closed(1s));
        CHECK(kept.wait_closed(1s));
    }
    {
        // A request whose body never comes is in flight: it gets drain_timeout (1 s), then the
        // daemon exits anyway, cleanly.
        it::Daemon d(dir.path(), config.string());
        it::RawClient stuck(d.port());
        REQUIRE(stuck.send(
            "POST /api/v1/values HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            "Content-Length: 100\r\n\r\n{"));
        CHECK(healthy(d));
        const auto start = Clock::now();
        d.process().signal(SIGTERM);
        CHECK(d.process().wait(5s) == 0);
        const auto took = since(start);
        INFO("exited after " << took.count() << " ms");
        CHECK(took >= 800ms);
        CHECK(took < 3s);
        CHECK_THAT(d.process().err(),
                   Catch::Contains("drain deadline passed with 1 connection(s) open"));
        CHECK(stuck.wait_closed(1s));
    }
}
