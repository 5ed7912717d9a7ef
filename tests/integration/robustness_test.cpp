// Robustness of the real daemon: HTTP limits against misbehaving clients (raw sockets),
// acknowledged values across repeated kill -9, and a database on a full file system.
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

// ---------------------------------------------------------------------------------------------
// A raw TCP client on 127.0.0.1: sends exactly the bytes it is given and tells when the server
// closes the connection. Every wait has a deadline.

class Socket {
  public:
    /// `receive_buffer` > 0 sets SO_RCVBUF before connecting (a small window).
    explicit Socket(std::uint16_t port, int receive_buffer = 0) {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd_ < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
        if (receive_buffer > 0)
            ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        a.sin_port = htons(port);
        if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
            const int e = errno;
            ::close(fd_);
            throw std::runtime_error(std::string("connect: ") + std::strerror(e));
        }
    }
    ~Socket() { ::close(fd_); }
    Socket(const Socket&) = delete;
    Socket& operator=(const Socket&) = delete;

    /// false when the peer has closed or reset the connection.
    bool send(std::string_view data) {
        while (!data.empty()) {
            const auto n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
            if (n < 0) {
                if (errno == EINTR) continue;
                closed_ = true;
                return false;
            }
            data.remove_prefix(static_cast<std::size_t>(n));
        }
        return true;
    }

    /// Reads until the peer closes (FIN or RST) or `timeout` passes. Returns whether it closed.
    bool wait_closed(std::chrono::milliseconds timeout) {
        const auto deadline = Clock::now() + timeout;
        while (!closed_ && receive(deadline)) {
        }
        return closed_;
    }

    /// One HTTP response (head and Content-Length body), or nullopt if the connection closed
    /// or `timeout` passed first.
    std::optional<std::string> response(std::chrono::milliseconds timeout) {
        const auto deadline = Clock::now() + timeout;
        for (;;) {
            if (auto end = buffer_.find("\r\n\r\n"); end != std::string::npos) {
                const auto length = content_length(std::string_view(buffer_).substr(0, end));
                const auto total = end + 4 + length;
                if (buffer_.size() >= total) {
                    auto r = buffer_.substr(0, total);
                    buffer_.erase(0, total);
                    return r;
                }
            }
            if (!receive(deadline)) return std::nullopt;
        }
    }

    std::uint16_t local_port() const {
        sockaddr_in a{};
        socklen_t len = sizeof a;
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
        return ntohs(a.sin_port);
    }

    /// Everything received and not yet taken by response().
    const std::string& received() const { return buffer_; }
    bool closed() const { return closed_; }

  private:
    static std::size_t content_length(std::string_view head) {
        std::string lower(head);
        for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        const auto at = lower.find("\r\ncontent-length:");
        return at == std::string::npos ? 0 : std::stoul(lower.substr(at + 17));
    }

    // One poll+recv: true if bytes arrived; false on close, reset or deadline.
    bool receive(Clock::time_point deadline) {
        for (;;) {
            const auto left =
                std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
            if (left.count() <= 0) return false;
            pollfd p{fd_, POLLIN, 0};
            const int ready = ::poll(&p, 1, static_cast<int>(left.count()));
            if (ready < 0 && errno == EINTR) continue;
            if (ready <= 0) return false;
            char buf[16384];
            const auto n = ::recv(fd_, buf, sizeof buf, 0);
            if (n > 0) {
                buffer_.append(buf, static_cast<std::size_t>(n));
                return true;
            }
            if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
            closed_ = true;  // 0: orderly close; ECONNRESET: reset
            return false;
        }
    }

    int fd_ = -1;
    bool closed_ = false;
    std::string buffer_;
};

int status_of(const std::string& response) {
    // "HTTP/1.1 200 OK"
    return response.size() > 12 && response.starts_with("HTTP/1.")
               ? std::stoi(response.substr(9, 3))
               : 0;
}

std::string body_of(const std::string& response) {
    const auto at = response.find("\r\n\r\n");
    return at == std::string::npos ? std::string() : response.substr(at + 4);
}

const std::string kHealth = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

bool healthy(const it::Daemon& d) {
    return it::http("GET", d.url("/healthz")).status == 200;
}

std::string one_value(const std::string& key, const std::string& period, double value) {
    return R"({"values":[{"indicator":")" + key + R"(","period":")" + period + R"(","value":)" +
           std::to_string(value) + "}]}";
}

/// (period, value) of every stored revision of `key`, from the API (page by page).
std::multiset<std::pair<std::string, long long>> stored_values(const it::Daemon& d,
                                                               const std::string& key) {
    std::multiset<std::pair<std::string, long long>> out;
    std::string cursor;
    do {
        auto r = it::http("GET", d.url("/api/v1/indicators/" + key + "/values?limit=1000" +
                                       (cursor.empty() ? "" : "&cursor=" + cursor)));
        REQUIRE(r.status == 200);
        const auto doc = json::parse(r.body).as_object();
        for (const auto& v : doc.at("values").as_array())
            out.emplace(std::string(v.at("period").as_string()),
                        std::llround(v.at("value").to_number<double>()));
        const auto* next = doc.if_contains("next_cursor");
        cursor = next ? std::string(next->as_string()) : std::string();
    } while (!cursor.empty());
    return out;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// 1. HTTP limits

TEST_CASE("a slow client is cut off after the read timeout while others are served",
          "[robustness][limits]") {
    it::TempDir dir;
    it::Daemon d(dir.path(), small_limits_config(dir.path()).string());

    // Half a request line, then nothing.
    Socket slow(d.port());
    REQUIRE(slow.send("GET /heal"));
    const auto start = Clock::now();
    // Others are served meanwhile, on fresh and on kept-alive connections.
    for (int i = 0; i < 5; ++i) CHECK(healthy(d));
    Socket other(d.port());
    REQUIRE(other.send(kHealth));
    auto r = other.response(3s);
    REQUIRE(r);
    CHECK(status_of(*r) == 200);

    CHECK(slow.wait_closed(5s));
    const auto cut = since(start);
    INFO("the half request line was cut off after " << cut.count() << " ms");
    CHECK(cut >= 800ms);   // not at once: it had its second
    CHECK(cut <= 3500ms);  // but not much more
    CHECK(slow.received().empty());

    // A client that trickles a byte every 150 ms does not keep its connection by trickling:
    // the timeout counts from the request's first byte, not from the last one.
    Socket trickle(d.port());
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
    CHECK(trickle.received().empty());

    // A complete header and a body that never arrives: cut off after read_timeout, nothing stored.
    Socket no_body(d.port());
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

    Socket s(d.port());
    // Two requests on one connection: keep-alive really works.
    for (int i = 0; i < 2; ++i) {
        REQUIRE(s.send(kHealth));
        auto r = s.response(3s);
        REQUIRE(r);
        CHECK(status_of(*r) == 200);
        CHECK_THAT(*r, !Catch::Contains("Connection: close"));
    }
    const auto idle_since = Clock::now();
    CHECK(s.wait_closed(5s));
    const auto idle = since(idle_since);
    INFO("closed after " << idle.count() << " ms idle");
    CHECK(idle >= 800ms);
    CHECK(idle <= 3500ms);
    CHECK(s.received().empty());  // closed without a word, not with an error response
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
    Socket quiet(d.port());

    // A started request line is under read_timeout (1 s), not idle_timeout (4 s).
    Socket partial(d.port());
    REQUIRE(partial.send("GET /heal"));
    auto start = Clock::now();
    CHECK(partial.wait_closed(8s));
    const auto cut = since(start);
    INFO("a started request was cut off after " << cut.count() << " ms");
    CHECK(cut >= 800ms);
    CHECK(cut < 2500ms);

    // The same after an answered request on a kept-alive connection.
    Socket second(d.port());
    REQUIRE(second.send(kHealth));
    auto r = second.response(3s);
    REQUIRE(r);
    CHECK(status_of(*r) == 200);
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
    CHECK(status_of(*r) == 200);
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
    Socket greedy(d.port(), 4096);
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

    auto ask = [](Socket& s) {
        if (!s.send(kHealth)) return 0;
        auto r = s.response(3s);
        return r ? status_of(*r) : 0;
    };
    // Eight connections, each with an answered request: all eight are registered sessions.
    std::vector<std::unique_ptr<Socket>> first;
    for (int i = 0; i < 8; ++i) {
        first.push_back(std::make_unique<Socket>(d.port()));
        REQUIRE(ask(*first.back()) == 200);
    }
    // The ninth and tenth are accepted by the kernel, then closed by the daemon without an answer,
    // well before the idle timeout could explain it.
    for (int i = 0; i < 2; ++i) {
        Socket extra(d.port());
        extra.send(kHealth);
        const auto start = Clock::now();
        CHECK(extra.wait_closed(3s));
        CHECK(since(start) < 900ms);
        CHECK(extra.received().empty());
    }
    // The first eight still get answers (this also resets their idle timers).
    for (auto& s : first) CHECK(ask(*s) == 200);
    CHECK_THAT(d.process().err(),
               Catch::Contains("connection refused: 8 connections open (http.max_connections)"));

    // Once they are closed, new connections are served again: eight at once, as before.
    first.clear();
    CHECK(it::eventually([&] { return healthy(d); }, 5s));
    std::vector<std::unique_ptr<Socket>> again;
    for (int i = 0; i < 8; ++i) {
        again.push_back(std::make_unique<Socket>(d.port()));
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
    const auto value = one_value("gdp_growth", "2023-Q1", 7);
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
    Socket chunked(d.port());
    const std::string chunk(5000, ' ');
    char size_line[32];
    std::snprintf(size_line, sizeof size_line, "%zx\r\n", chunk.size());
    chunked.send(
        "POST /api/v1/values HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\n\r\n" +
        std::string(size_line) + chunk + "\r\n");
    auto r = chunked.response(3s);
    REQUIRE(r);
    CHECK(status_of(*r) == 413);
    CHECK(json::parse(body_of(*r)).at("error").as_string() ==
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
        Socket s(d.port());
        s.send(bytes);
        CHECK(s.wait_closed(4s));
        if (!s.received().empty()) {
            INFO("received " << s.received().substr(0, 200));
            CHECK(status_of(s.received()) == 400);
            CHECK_THAT(json::parse(body_of(s.received())).at("error").as_string().c_str(),
                       Catch::StartsWith("malformed HTTP request"));
        }
        CHECK(healthy(d));
    }
    CHECK(it::http("POST", d.url("/api/v1/values"), one_value("gdp_growth", "2023-Q1", 1)).status ==
          200);
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
        Socket idle(d.port()), half(d.port()), kept(d.port());
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
        Socket stuck(d.port());
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

// ---------------------------------------------------------------------------------------------
// 2. kill -9 under load, again and again: every 200 is on disk.
//
// The short form runs in CI. bench/crash_loop.sh runs the long form through the same test with
// these environment variables:
//   INDICATORD_CRASH_CYCLES   kill/restart cycles                  (20)
//   INDICATORD_CRASH_THREADS  writer threads, each on one keep-alive connection  (4)
//   INDICATORD_CRASH_MIN_MS / INDICATORD_CRASH_MAX_MS  load before each kill, ms  (50 / 300)
//   INDICATORD_CRASH_SEED     random seed, to repeat a run         (random; printed)

namespace {

long env_or(const char* name, long fallback) {
    const char* v = std::getenv(name);
    return v && *v ? std::strtol(v, nullptr, 10) : fallback;
}

/// libcurl on one kept-alive connection, for one thread.
class KeepAlive {
  public:
    KeepAlive() : curl_(curl_easy_init()) {
        headers_ = curl_slist_append(headers_, "Content-Type: application/json");
        headers_ = curl_slist_append(headers_, "Expect:");
        curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, headers_);
        curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(curl_, CURLOPT_TIMEOUT, 10L);
        curl_easy_setopt(
            curl_, CURLOPT_WRITEFUNCTION,
            +[](char*, size_t size, size_t n, void*) { return size * n; });
    }
    ~KeepAlive() {
        curl_slist_free_all(headers_);
        curl_easy_cleanup(curl_);
    }
    KeepAlive(const KeepAlive&) = delete;
    KeepAlive& operator=(const KeepAlive&) = delete;

    /// The status, or 0 when the connection failed.
    long post(const std::string& url, const std::string& body) {
        curl_easy_setopt(curl_, CURLOPT_URL, url.c_str());
        curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, body.data());
        curl_easy_setopt(curl_, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
        long status = 0;
        if (curl_easy_perform(curl_) == CURLE_OK)
            curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &status);
        return status;
    }

  private:
    CURL* curl_;
    curl_slist* headers_ = nullptr;
};

struct Item {
    std::string indicator, period;
    long long value;
};

/// What the load generator sent: every batch, and whether it got its 200.
struct Ledger {
    struct Post {
        std::vector<Item> items;
        bool acknowledged = false;
    };
    std::mutex mutex;
    std::vector<Post> posts;
};

/// Writer `t` posts until the daemon stops answering 200. Thread 0 sends batches of three (one
/// per indicator) to check that a batch is stored whole or not at all; the others single values.
void writer(int t, const std::string& url, std::atomic<long long>& next_value, Ledger& ledger,
            std::atomic<int>& acknowledged) {
    KeepAlive client;
    for (int i = 0;; ++i) {
        std::vector<Item> items;
        auto v = [&] { return next_value.fetch_add(1); };
        const int q = 1 + (i + t) % 4, m = 1 + (i + t) % 12;
        const std::string quarter = "2023-Q" + std::to_string(q);
        const std::string month = (m < 10 ? "2023-0" : "2023-") + std::to_string(m);
        if (t == 0) {
            items = {{"gdp_growth", quarter, v()},
                     {"cpi_growth", month, v()},
                     {"manufacturing_projects", quarter, v()}};
        } else if (t % 3 == 1) {
            items = {{"gdp_growth", quarter, v()}};
        } else if (t % 3 == 2) {
            items = {{"cpi_growth", month, v()}};
        } else {
            items = {{"manufacturing_projects", quarter, v()}};
        }
        std::string body = R"({"values":[)";
        for (std::size_t k = 0; k < items.size(); ++k)
            body += std::string(k ? "," : "") + R"({"indicator":")" + items[k].indicator +
                    R"(","period":")" + items[k].period + R"(","value":)" +
                    std::to_string(items[k].value) + "}";
        body += "]}";
        std::size_t index;
        {
            std::lock_guard lock(ledger.mutex);
            index = ledger.posts.size();
            ledger.posts.push_back({items, false});
        }
        const long status = client.post(url, body);
        if (status != 200) return;  // killed under us (0), or a 503 after the kill began
        {
            std::lock_guard lock(ledger.mutex);
            ledger.posts[index].acknowledged = true;
        }
        ++acknowledged;
    }
}

const std::vector<std::string> kCrashIndicators{"gdp_growth", "cpi_growth",
                                                "manufacturing_projects"};

/// Checks the stored values against the ledger: every acknowledged item is there exactly once,
/// nothing is there that was never sent, and each batch is there whole or not at all.
/// `stored` maps value -> (indicator, period) occurrences.
void check_against(const Ledger& ledger,
                   const std::multimap<long long, std::pair<std::string, std::string>>& stored,
                   int cycle, std::size_t* in_flight_stored) {
    std::map<long long, const Item*> sent;
    for (const auto& p : ledger.posts)
        for (const auto& i : p.items) sent[i.value] = &i;
    std::size_t missing = 0, unknown = 0, duplicated = 0, misplaced = 0, torn = 0;
    std::string first_missing;
    for (auto it = stored.begin(); it != stored.end(); it = stored.upper_bound(it->first)) {
        if (stored.count(it->first) > 1) ++duplicated;
        auto s = sent.find(it->first);
        if (s == sent.end()) {
            ++unknown;
        } else if (s->second->indicator != it->second.first ||
                   s->second->period != it->second.second) {
            ++misplaced;
        }
    }
    *in_flight_stored = 0;
    for (const auto& p : ledger.posts) {
        std::size_t present = 0;
        for (const auto& i : p.items) present += stored.count(i.value) ? 1 : 0;
        if (p.acknowledged && present != p.items.size()) {
            ++missing;
            if (first_missing.empty())
                first_missing = p.items[0].indicator + " " + p.items[0].period + " " +
                                std::to_string(p.items[0].value);
        }
        if (present != 0 && present != p.items.size()) ++torn;
        if (!p.acknowledged && present == p.items.size()) ++*in_flight_stored;
    }
    INFO("after cycle " << cycle << ": " << stored.size() << " values stored, "
                        << ledger.posts.size() << " posts sent");
    INFO("first acknowledged value missing: " << first_missing);
    CHECK(missing == 0);
    CHECK(unknown == 0);
    CHECK(duplicated == 0);
    CHECK(misplaced == 0);
    CHECK(torn == 0);
}

}  // namespace

TEST_CASE("every acknowledged value survives kill -9 at random moments under load, 20 times",
          "[robustness][crash]") {
    const int cycles = static_cast<int>(env_or("INDICATORD_CRASH_CYCLES", 20));
    const int threads = static_cast<int>(env_or("INDICATORD_CRASH_THREADS", 4));
    const long min_ms = env_or("INDICATORD_CRASH_MIN_MS", 50),
               max_ms = env_or("INDICATORD_CRASH_MAX_MS", 300);
    const auto seed =
        static_cast<std::uint32_t>(env_or("INDICATORD_CRASH_SEED", std::random_device{}()));
    INFO("INDICATORD_CRASH_SEED=" << seed);
    REQUIRE((cycles > 0 && threads > 0 && 0 <= min_ms && min_ms <= max_ms));
    static const bool curl_ready = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
    REQUIRE(curl_ready);

    std::mt19937 rng(seed);
    std::uniform_int_distribution<long> delay(min_ms, max_ms);
    it::TempDir dir;
    Ledger ledger;
    std::atomic<long long> next_value{1};
    std::size_t in_flight_stored = 0, acknowledged_total = 0;
    const auto start = Clock::now();

    auto read_back = [](const it::Daemon& d) {
        std::multimap<long long, std::pair<std::string, std::string>> stored;
        for (const auto& key : kCrashIndicators)
            for (const auto& [period, value] : stored_values(d, key))
                stored.emplace(value, std::pair{key, period});
        return stored;
    };

    for (int cycle = 1; cycle <= cycles; ++cycle) {
        it::Daemon d(dir.path());
        if (cycle > 1) check_against(ledger, read_back(d), cycle - 1, &in_flight_stored);
        std::atomic<int> acknowledged{0};
        std::vector<std::thread> writers;
        const auto url = d.url("/api/v1/values");
        for (int t = 0; t < threads; ++t)
            writers.emplace_back(writer, t, url, std::ref(next_value), std::ref(ledger),
                                 std::ref(acknowledged));
        // The load is running once values are acknowledged; then kill at a random moment.
        const bool loaded = it::eventually([&] { return acknowledged > 0; }, 10s);
        std::this_thread::sleep_for(
            std::chrono::milliseconds(delay(rng)));  // the experiment, not a wait
        d.process().signal(SIGKILL);
        const auto code = d.process().wait(10s);
        for (auto& w : writers) w.join();
        acknowledged_total += static_cast<std::size_t>(acknowledged.load());
        REQUIRE(loaded);
        REQUIRE(code == 128 + SIGKILL);
    }

    // The last restart: read back once more, then stop cleanly and read the file itself.
    std::size_t stored_count = 0;
    {
        it::Daemon d(dir.path());
        const auto stored = read_back(d);
        check_against(ledger, stored, cycles, &in_flight_stored);
        stored_count = stored.size();
        d.process().signal(SIGTERM);
        REQUIRE(d.process().wait(10s) == 0);
        indicatord::sqlite::Database db(d.database(), SQLITE_OPEN_READWRITE);
        indicatord::sqlite::Statement check(db, "PRAGMA integrity_check");
        REQUIRE(check.step());
        CHECK(check.text(0) == "ok");
        indicatord::sqlite::Statement count(db, "SELECT count(*) FROM observation");
        REQUIRE(count.step());
        CHECK(static_cast<std::size_t>(count.int64(0)) == stored_count);
    }
    std::printf(
        "crash loop: %d kill -9 cycles in %.1f s, %d writer threads, %zu posts sent, %zu "
        "acknowledged, "
        "%zu stored values, %zu posts stored without their 200 (in flight at the kill); seed %u\n",
        cycles, std::chrono::duration<double>(Clock::now() - start).count(), threads,
        ledger.posts.size(), acknowledged_total, stored_count, in_flight_stored, seed);
}

// ---------------------------------------------------------------------------------------------
// 3. The database's file system fills up.

namespace {

/// A small file system of its own mounted at `dir`: a 2 MiB tmpfs, else an 8 MiB ext4 image on a
/// loop device. Root is needed, and a sandbox may forbid both; `error()` then says what failed.
class SmallFilesystem {
  public:
    explicit SmallFilesystem(const fs::path& dir) : dir_(dir) {
        fs::create_directories(dir);
        auto tmpfs = it::run("mount -t tmpfs -o size=2m,mode=0700 tmpfs '" + dir.string() + "'");
        if (tmpfs.first == 0) {
            mounted_ = true;
            return;
        }
        const auto image = dir.parent_path() / "small.img";
        auto loop = it::run("truncate -s 8M '" + image.string() + "' && mkfs.ext4 -q -F -m 0 '" +
                            image.string() + "' && mount -o loop '" + image.string() + "' '" +
                            dir.string() + "'");
        if (loop.first == 0) {
            mounted_ = true;
            return;
        }
        auto one_line = [](std::string s) {
            std::replace(s.begin(), s.end(), '\n', ' ');
            return s;
        };
        error_ = "mount -t tmpfs: " + one_line(tmpfs.second) +
                 "; mount -o loop of an ext4 image: " + one_line(loop.second);
    }
    ~SmallFilesystem() {
        if (mounted_ && it::run("umount '" + dir_.string() + "'").first != 0)
            it::run("umount -l '" + dir_.string() + "'");
    }
    SmallFilesystem(const SmallFilesystem&) = delete;
    SmallFilesystem& operator=(const SmallFilesystem&) = delete;

    bool mounted() const { return mounted_; }
    const std::string& error() const { return error_; }

  private:
    fs::path dir_;
    bool mounted_ = false;
    std::string error_;
};

/// Writes `file` until the file system is full (ENOSPC), down to the last byte; returns its size.
std::size_t fill(const fs::path& file) {
    const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    REQUIRE(fd >= 0);
    std::size_t total = 0;
    const std::string block(64 << 10, 'j');
    for (std::size_t chunk : {std::size_t(64) << 10, std::size_t(4096), std::size_t(1)}) {
        for (;;) {
            const auto n = ::write(fd, block.data(), chunk);
            if (n <= 0) break;
            total += static_cast<std::size_t>(n);
        }
    }
    const int err = errno;
    ::fsync(fd);
    ::close(fd);
    CHECK(err == ENOSPC);
    return total;
}

}  // namespace

TEST_CASE(
    "a full disk: 503 with the cause, nothing partial, still healthy, writes resume when space is "
    "back",
    "[robustness][storage]") {
    it::TempDir dir;
    const auto small = dir.path() / "small";
    SmallFilesystem mount(small);
    if (!mount.mounted()) {
        WARN(
            "SKIPPED: cannot mount a small file system for the database (needs root and mount "
            "permission): "
            << mount.error());
        return;
    }
    const auto db = small / "indicatord.db";
    std::optional<it::Daemon> d;
    d.emplace(dir.path(), it::kData + "/minimal.yaml",
              std::vector<std::string>{"--database", db.string()});
    auto post = [&](const std::string& body) {
        return it::http("POST", d->url("/api/v1/values"), body);
    };
    REQUIRE(post(one_value("gdp_growth", "2023-Q1", 1)).status == 200);

    // Fill the file system. Writes that still fit in space SQLite already holds may succeed; one
    // that needs more must fail with 503, whole, and say why.
    const auto junk = small / "junk";
    fill(junk);
    std::set<long long> acknowledged{1};
    it::Response refusal;
    for (long long v = 100; v < 400 && refusal.status == 0; ++v) {
        auto r = post(one_value("gdp_growth", "2023-Q2", static_cast<double>(v)));
        if (r.status == 200)
            acknowledged.insert(v);
        else if (r.status == 503)
            refusal = r;
        else
            FAIL("unexpected " << r.status << " " << r.body);
    }
    REQUIRE(refusal.status == 503);
    INFO("the refusal: " << refusal.body);
    CHECK(refusal.content_type == "application/json");
    const std::string error(json::parse(refusal.body).at("error").as_string());
    CHECK_THAT(error, Catch::StartsWith("values not stored: "));
    CHECK_THAT(error, Catch::Contains("disk is full"));

    // A batch of three while full: refused whole.
    auto batch = post(R"({"values":[{"indicator":"gdp_growth","period":"2023-Q3","value":500},
                                    {"indicator":"cpi_growth","period":"2023-07","value":501},
                                    {"indicator":"manufacturing_projects","period":"2023-Q3","value":502}]})");
    CHECK(batch.status == 503);
    // Health, readiness and reads go on.
    CHECK(healthy(*d));
    CHECK(it::http("GET", d->url("/readyz")).status == 200);
    CHECK(it::http("GET", d->url("/metrics")).status == 200);
    auto seen = [&](const std::string& key) {
        std::set<long long> values;
        for (const auto& [period, value] : stored_values(*d, key)) values.insert(value);
        return values;
    };
    CHECK(seen("gdp_growth") == acknowledged);
    CHECK(seen("cpi_growth").empty());
    CHECK(seen("manufacturing_projects").empty());

    // Space is back: the next write succeeds, without a restart.
    fs::remove(junk);
    auto resumed = post(R"({"values":[{"indicator":"gdp_growth","period":"2023-Q4","value":600},
                                      {"indicator":"cpi_growth","period":"2023-10","value":601}]})");
    CHECK(resumed.status == 200);
    acknowledged.insert(600);
    CHECK(seen("gdp_growth") == acknowledged);
    CHECK(seen("cpi_growth") == std::set<long long>{601});
    CHECK(seen("manufacturing_projects").empty());

    // And it all holds across a clean restart: nothing refused shows up, the file is sound.
    d->process().signal(SIGTERM);
    CHECK(d->process().wait(10s) == 0);
    d.reset();
    d.emplace(dir.path(), it::kData + "/minimal.yaml",
              std::vector<std::string>{"--database", db.string()});
    CHECK(seen("gdp_growth") == acknowledged);
    CHECK(seen("cpi_growth") == std::set<long long>{601});
    d->process().signal(SIGTERM);
    CHECK(d->process().wait(10s) == 0);
    indicatord::sqlite::Database file(db, SQLITE_OPEN_READWRITE);
    indicatord::sqlite::Statement check(file, "PRAGMA integrity_check");
    REQUIRE(check.step());
    CHECK(check.text(0) == "ok");
}
