// Reload (SIGHUP and POST /-/reload) and the systemd notify protocol, against the real daemon.
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include "harness.hpp"

namespace json = boost::json;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

// A copy of the minimal plan in a temp dir, with a config pointing at it.
struct Rules {
    it::TempDir dir;
    fs::path rules = dir.path() / "rules";
    fs::path config = dir.path() / "indicatord.yaml";
    Rules() {
        fs::create_directories(rules);
        fs::copy_file(it::kData + "/minimal/plan.yaml", rules / "plan.yaml");
        std::ofstream(config) << "rules: rules\ncalendars: " << it::kData
                              << "/../../config/calendars\n";
    }
    std::string plan() const {
        std::ifstream in(rules / "plan.yaml");
        return std::string((std::istreambuf_iterator<char>(in)), {});
    }
    void write(const std::string& text) const { std::ofstream(rules / "plan.yaml") << text; }
};

bool exported(const it::Daemon& d, const std::string& key) {
    return it::http("GET", d.url("/metrics")).body.find("indicator=\"" + key + "\"") !=
           std::string::npos;
}

// A NOTIFY_SOCKET datagram socket, as systemd provides one.
class NotifySocket {
  public:
    explicit NotifySocket(const fs::path& path) : path_(path) {
        fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
        REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    }
    ~NotifySocket() { ::close(fd_); }
    /// The next datagram within `timeout`, or "".
    std::string next(std::chrono::milliseconds timeout = 10s) {
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(timeout.count())) != 1) return {};
        char buf[512];
        const auto n = ::recv(fd_, buf, sizeof buf, 0);
        return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
    }
    /// Datagrams until one contains `what` (within `timeout`); true if it came.
    bool until(const std::string& what, std::chrono::milliseconds timeout = 10s) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < deadline)
            if (next(std::chrono::duration_cast<std::chrono::milliseconds>(
                         deadline - std::chrono::steady_clock::now()))
                    .find(what) != std::string::npos)
                return true;
        return false;
    }
    std::string path() const { return path_.string(); }

  private:
    fs::path path_;
    int fd_ = -1;
};

}  // namespace

TEST_CASE("a bad reload keeps the old rules running, a good one swaps them, values untouched",
          "[reload]") {
    Rules r;
    it::Daemon d(r.dir.path(), r.config.string());
    REQUIRE(it::http("POST", d.url("/api/v1/values"),
                     R"({"values":[{"indicator":"gdp_growth","period":"2023-Q1","value":5}]})")
                .status == 200);
    const auto good = r.plan();

    // a syntax error: SIGHUP logs it with file:line:col and changes nothing
    r.write(good + "  - [broken\n");
    d.process().signal(SIGHUP);
    REQUIRE(it::eventually(
        [&] { return d.process().err().find("reload failed") != std::string::npos; }));
    CHECK_THAT(d.process().err(), Catch::Contains((r.rules / "plan.yaml").string() + ":"));
    CHECK_THAT(it::http("GET", d.url("/metrics")).body,
               Catch::Contains("indicatord_config_last_reload_successful 0"));
    CHECK(exported(d, "gdp_growth"));
    CHECK(it::http("POST", d.url("/api/v1/values"),
                   R"({"values":[{"indicator":"gdp_growth","period":"2023-Q2","value":6}]})")
              .status == 200);

    // the same through the API
    auto failed = it::http("POST", d.url("/-/reload"));
    CHECK(failed.status == 422);
    CHECK_THAT(failed.body, Catch::Contains("reload failed, the running configuration stays"));

    // a good change: cpi_growth removed, retail_growth added
    auto next = good;
    const auto cpi = next.find("  - number: 8");
    const auto after = next.find("  - number: 10");
    REQUIRE(cpi != std::string::npos);
    REQUIRE(after != std::string::npos);
    next.replace(
        cpi, after - cpi,
        "  - number: 5\n    section: 一、主要预期目标\n    text: 社会消费品零售总额增长5%。\n    "
        "lead: 市发改委\n"
        "    indicators:\n      - {key: retail_growth, kind: threshold, op: \">=\", target: 5}\n");
    r.write(next);
    auto ok = it::http("POST", d.url("/-/reload"));
    REQUIRE(ok.status == 200);
    CHECK(json::parse(ok.body).at("status").as_string() == "reloaded");
    CHECK(exported(d, "retail_growth"));
    CHECK_FALSE(exported(d, "cpi_growth"));
    CHECK_THAT(it::http("GET", d.url("/metrics")).body,
               Catch::Contains("indicatord_config_last_reload_successful 1"));
    // values survive the reload, and the new indicator takes values
    auto hist = json::parse(it::http("GET", d.url("/api/v1/indicators/gdp_growth/values")).body)
                    .at("values")
                    .as_array();
    CHECK(hist.size() == 2);
    CHECK(it::http("POST", d.url("/api/v1/values"),
                   R"({"values":[{"indicator":"retail_growth","period":"2023-Q1","value":5.5}]})")
              .status == 200);
    CHECK(it::http("GET", d.url("/api/v1/indicators/cpi_growth")).status == 404);
}

TEST_CASE("sd_notify: READY, WATCHDOG pings, RELOADING then READY around a reload, STOPPING",
          "[reload][systemd]") {
    Rules r;
    NotifySocket sock(r.dir.path() / "notify.sock");
    std::vector<std::string> argv{it::kDaemon,
                                  "--config",
                                  r.config.string(),
                                  "--listen",
                                  "127.0.0.1:0",
                                  "--database",
                                  (r.dir.path() / "db").string()};
    // systemd sets WATCHDOG_USEC (and WATCHDOG_PID) for Type=notify units with WatchdogSec=
    it::Process p(argv, r.dir.path(),
                  {{"NOTIFY_SOCKET", sock.path()}, {"WATCHDOG_USEC", "400000"}});
    CHECK(sock.until("READY=1"));
    // pings at half the interval: several within a second
    int pings = 0;
    const auto deadline = std::chrono::steady_clock::now() + 3s;
    while (pings < 3 && std::chrono::steady_clock::now() < deadline)
        if (sock.next(1s).find("WATCHDOG=1") != std::string::npos) ++pings;
    CHECK(pings == 3);
    p.signal(SIGHUP);
    CHECK(sock.until("RELOADING=1"));
    CHECK(sock.until("READY=1"));
    p.signal(SIGTERM);
    CHECK(sock.until("STOPPING=1"));
    CHECK(p.wait(5s) == 0);
}

TEST_CASE("SIGHUP sent the moment the listening line appears reloads the daemon and never ends it",
          "[reload][signals]") {
    // Whoever waits for "listening on" (a test, a script, an operator's unit) may send SIGHUP at
    // once; the daemon used to take its signals only after printing that line, and SIGHUP's
    // default action ended it about half the time. Its stdout is a pipe here, read line by line,
    // so the signal follows the line within microseconds (a file polled by the harness is slower
    // than the window was).
    Rules r;
    for (int i = 0; i < 20; ++i) {
        INFO("start " << i);
        const auto dir = r.dir.path() / ("run" + std::to_string(i));
        fs::create_directories(dir);
        const auto err = dir / "stderr";
        // The shell prints its pid, then becomes the daemon (exec): that pid is the daemon's.
        const std::string cmd = "echo $$; exec '" + it::kDaemon + "' --config '" +
                                r.config.string() + "' --listen 127.0.0.1:0 --database '" +
                                (dir / "indicatord.db").string() + "' 2>'" + err.string() + "'";
        FILE* out = ::popen(cmd.c_str(), "r");
        REQUIRE(out);
        char line[512];
        REQUIRE(std::fgets(line, sizeof line, out));
        const pid_t pid = static_cast<pid_t>(std::atol(line));
        REQUIRE(pid > 0);
        bool reaped = false;
        struct Cleanup {  // a failed REQUIRE leaves no daemon behind
            pid_t pid;
            bool& reaped;
            FILE* out;
            ~Cleanup() {
                if (!reaped) {
                    ::kill(pid, SIGKILL);
                    ::waitpid(pid, nullptr, 0);
                }
                ::pclose(out);  // the child is reaped already: this only closes the pipe
            }
        } cleanup{pid, reaped, out};
        bool listening = false;
        while (!listening && std::fgets(line, sizeof line, out))
            listening = std::strstr(line, "listening on") != nullptr;
        REQUIRE(listening);
        ::kill(pid, SIGHUP);
        const auto read_err = [&] {
            std::ifstream in(err);
            return std::string((std::istreambuf_iterator<char>(in)), {});
        };
        int status = 0;
        pid_t ended = 0;
        REQUIRE(it::eventually([&] {
            ended = ::waitpid(pid, &status, WNOHANG);
            return ended != 0 || read_err().find("received SIGHUP") != std::string::npos;
        }));
        reaped = ended == pid;
        INFO(read_err());
        REQUIRE(ended == 0);  // still running: the SIGHUP was a reload, not the end
        ::kill(pid, SIGTERM);
        REQUIRE(it::eventually([&] { return ::waitpid(pid, &status, WNOHANG) == pid; }));
        reaped = true;
        CHECK(WIFEXITED(status));
        CHECK(WEXITSTATUS(status) == 0);
    }
}
