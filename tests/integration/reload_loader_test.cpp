// Reload parses the rules off the event loop (issue 10): requests are answered while it runs.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>

#include "harness.hpp"

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

std::string read_all(const fs::path& p) {
    std::ifstream in(p);
    return std::string((std::istreambuf_iterator<char>(in)), {});
}

std::string post_value(const std::string& period, double value) {
    const auto body = R"({"values":[{"indicator":"gdp_growth","period":")" + period +
                      R"(","value":)" + std::to_string(value) + "}]}";
    return "POST /api/v1/values HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
           "Content-Length: " +
           std::to_string(body.size()) + "\r\n\r\n" + body;
}

struct Fd {
    int fd = -1;
    ~Fd() {
        if (fd >= 0) ::close(fd);
    }
};

}  // namespace

TEST_CASE("requests are answered while a reload is still reading the rules", "[reload][loader]") {
    it::TempDir dir;
    const auto plan = dir.path() / "plan.yaml";
    const auto config = dir.path() / "indicatord.yaml";
    const auto text = read_all(it::kData + "/minimal/plan.yaml");
    std::ofstream(plan) << text;
    std::ofstream(config) << "rules: plan.yaml\ncalendars: " << it::kData
                          << "/../../config/calendars\n";
    it::Daemon d(dir.path(), config.string());

    // The rules file becomes a FIFO: the reload's read of it blocks until the test writes the
    // rules into it, which makes "a reload in progress" last exactly as long as the test wants.
    fs::remove(plan);
    REQUIRE(::mkfifo(plan.c_str(), 0600) == 0);
    d.process().signal(SIGHUP);
    // The reload has opened the FIFO for reading once a non-blocking open for writing succeeds.
    Fd fifo;
    REQUIRE(it::eventually([&] {
        fifo.fd = ::open(plan.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
        return fifo.fd >= 0;
    }));

    // Meanwhile the daemon answers: health, a read and a write (with a deadline: a loop busy with
    // the reload would not answer at all until the rules arrive).
    it::RawClient client(d.port());
    REQUIRE(client.send("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n"));
    auto health = client.response(5s);
    REQUIRE(health);
    CHECK(it::status_of(*health) == 200);
    REQUIRE(client.send(post_value("2023-Q1", 5.5)));
    auto stored = client.response(5s);
    REQUIRE(stored);
    CHECK(it::status_of(*stored) == 200);
    REQUIRE(client.send("GET /api/v1/indicators/gdp_growth/values HTTP/1.1\r\nHost: t\r\n\r\n"));
    auto history = client.response(5s);
    REQUIRE(history);
    CHECK(it::status_of(*history) == 200);
    CHECK_THAT(it::body_of(*history), Catch::Contains("5.5"));
    CHECK(d.process().err().find("reloaded plan") == std::string::npos);

    // Now the rules: the reload completes and keeps the value stored meanwhile.
    REQUIRE(::fcntl(fifo.fd, F_SETFL, 0) == 0);  // blocking writes from here
    std::size_t written = 0;
    while (written < text.size()) {
        const auto n = ::write(fifo.fd, text.data() + written, text.size() - written);
        REQUIRE(n > 0);
        written += static_cast<std::size_t>(n);
    }
    ::close(fifo.fd);
    fifo.fd = -1;
    REQUIRE(it::eventually(
        [&] { return d.process().err().find("reloaded plan") != std::string::npos; }));
    CHECK_THAT(it::http("GET", d.url("/metrics")).body,
               Catch::Contains("indicatord_config_last_reload_successful 1"));
    CHECK_THAT(it::http("GET", d.url("/api/v1/indicators/gdp_growth/values")).body,
               Catch::Contains("5.5"));
}
