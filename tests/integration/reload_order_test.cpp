// Overlapping reloads (SIGHUP and POST /-/reload at once) run one at a time (issue 10): systemd
// sees RELOADING=1 ... READY=1 in pairs and each reload logs its end before the next begins.
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "harness.hpp"

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

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
    NotifySocket(const NotifySocket&) = delete;
    NotifySocket& operator=(const NotifySocket&) = delete;
    /// The next datagram within `timeout`, or "".
    std::string next(std::chrono::milliseconds timeout) {
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(timeout.count())) != 1) return {};
        char buf[512];
        const auto n = ::recv(fd_, buf, sizeof buf, 0);
        return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
    }
    std::string path() const { return path_.string(); }

  private:
    fs::path path_;
    int fd_ = -1;
};

// A plan of `n` quarterly thresholds, large enough that parsing it takes a while (reloads that
// arrive together then overlap), in the shape bench/run.sh generates.
std::string generated_plan(int n) {
    std::ostringstream out;
    out << "plan:\n  id: order-2023\n  name: Reload order\n  year: 2023\n  timezone: "
           "Asia/Shanghai\n  defaults:\n    cadence: quarter\n    due: 20d\n    grace: 5d\n"
           "units:\n  - id: u\n    name: Unit\n    kind: department\ntasks:\n";
    for (int i = 0; i < n; ++i) {
        if (i % 100 == 0)
            out << "  - number: " << i / 100 + 1 << "\n    text: Task " << i / 100 + 1
                << ".\n    lead: u\n    indicators:\n";
        out << "      - {key: k_" << i << ", name: K " << i
            << ", kind: threshold, op: '>=', target: 50}\n";
    }
    return out.str();
}

}  // namespace

TEST_CASE("overlapping reloads run one at a time: RELOADING=1 and READY=1 in pairs, logs in order",
          "[reload][systemd]") {
    it::TempDir dir;
    fs::create_directories(dir.path() / "rules");
    std::ofstream(dir.path() / "rules" / "plan.yaml") << generated_plan(3000);
    const auto config = dir.path() / "indicatord.yaml";
    std::ofstream(config) << "rules: rules\ncalendars: " << it::kData
                          << "/../../config/calendars\n";
    NotifySocket sock(dir.path() / "notify.sock");
    it::Process p({it::kDaemon, "--config", config.string(), "--listen", "127.0.0.1:0",
                   "--database", (dir.path() / "db").string()},
                  dir.path(), {{"NOTIFY_SOCKET", sock.path()}});
    REQUIRE(sock.next(30s).find("READY=1") != std::string::npos);
    std::smatch m;
    const auto out = p.out();
    static const std::regex listening("listening on http://127\\.0\\.0\\.1:([0-9]+)");
    REQUIRE(std::regex_search(out, m, listening));
    const std::string url = "http://127.0.0.1:" + std::string(m[1]) + "/-/reload";

    // Four POST /-/reload and a SIGHUP at once.
    constexpr int kHttp = 4;
    std::vector<long> statuses(kHttp);
    std::vector<std::thread> clients;
    for (int i = 0; i < kHttp; ++i)
        clients.emplace_back([&, i] { statuses[i] = it::http("POST", url).status; });
    p.signal(SIGHUP);
    for (auto& t : clients) t.join();
    CHECK(statuses == std::vector<long>(kHttp, 200));

    // Every reload's pair, in order: RELOADING=1 READY=1 RELOADING=1 READY=1 ...
    std::vector<std::string> seen;
    int ready = 0;
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (ready < kHttp + 1 && std::chrono::steady_clock::now() < deadline) {
        auto d = sock.next(1s);
        if (d.empty()) continue;
        seen.push_back(d);
        ready += d == "READY=1";
    }
    REQUIRE(seen.size() == 2 * (kHttp + 1));
    for (std::size_t i = 0; i < seen.size(); ++i) {
        INFO("datagram " << i);
        CHECK(seen[i] == (i % 2 == 0 ? "RELOADING=1" : "READY=1"));
    }

    // The logs the same way: each "reloading rules" is followed by its "reloaded plan".
    std::vector<std::string> lines;
    std::istringstream err(p.err());
    for (std::string line; std::getline(err, line);) {
        if (line.find("reloading rules") != std::string::npos) lines.push_back("begin");
        if (line.find("reloaded plan") != std::string::npos) lines.push_back("end");
    }
    REQUIRE(lines.size() == 2 * (kHttp + 1));
    for (std::size_t i = 0; i < lines.size(); ++i) {
        INFO("log line " << i);
        CHECK(lines[i] == (i % 2 == 0 ? "begin" : "end"));
    }
    p.signal(SIGTERM);
    CHECK(p.wait(10s) == 0);
}
