// Delivery retries on the driven clock: the real daemon (--test-clock, POST /-/clock) and a real
// webhook receiver that fails the first attempt. The backoff is measured on the daemon's Clock,
// so no retry happens while the clock stands still, and moving it past the backoff retries.
#include <catch2/catch.hpp>
#include <fstream>

#include "harness.hpp"
#include "receivers.hpp"

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

std::size_t requests_to(const it::HttpSink& sink, const std::string& path) {
    std::size_t n = 0;
    for (const auto& r : sink.requests()) n += r.at("path").as_string() == path;
    return n;
}

bool metric(it::Daemon& d, const std::string& line) {
    return it::http("GET", d.url("/metrics")).body.find(line) != std::string::npos;
}

}  // namespace

TEST_CASE("a failed delivery is retried when the driven clock passes the backoff, not before",
          "[delivery][clock]") {
    it::TempDir dir;
    it::HttpSink hook(dir, "hook", {"--status", "503", "--first", "1"});
    fs::create_directories(dir.path() / "rules");
    std::ofstream(dir.path() / "rules" / "plan.yaml")
        << "plan: {id: retry-2023, name: 重试测试, year: 2023, timezone: Asia/Shanghai,\n"
           "       defaults: {cadence: quarter, due: 20d, grace: 5d}}\n"
           "units:\n"
           "  - {id: fgw, name: 市发改委, receivers: [{webhook: '"
        << hook.url("/fgw") << "', format: generic}]}\n"
        << "tasks:\n"
           "  - number: 1\n"
           "    text: 生产总值增长6%以上。\n"
           "    lead: 市发改委\n"
           "    indicators:\n"
           "      - {key: gdp_growth, name: 生产总值增长, kind: threshold, measure: '%', op: "
           "'>=', target: 6, ytd: true}\n";
    const auto config = dir.path() / "indicatord.yaml";
    // first retry due 0.5 s to 1.5 s after the failure (1 s with jitter), on the daemon's clock
    std::ofstream(config) << "rules: rules\n"
                             "calendars: "
                          << it::kData << "/../../config/calendars\n"
                          << "evaluation_interval: 1h\n"
                             "alerting:\n"
                             "  group_interval: 1m\n"
                             "  delivery: {backoff_initial: 1s, backoff_max: 1s}\n";
    it::Daemon d(dir.path(), config.string(),
                 {"--test-clock", "--now", "2023-04-01T09:00:00+08:00"});

    // overdue: the notification goes out at once and fails (503)
    set_clock(d, "2023-04-26T09:00:00+08:00");
    REQUIRE(it::eventually([&] {
        return metric(d, "indicatord_notifications_total{channel=\"generic\",result=\"retry\"} 1");
    }));
    CHECK(requests_to(hook, "/fgw") == 1);

    // the clock moves, but not past the shortest backoff: still no retry, whatever real time
    // passes (more than the longest backoff)
    set_clock(d, "2023-04-26T09:00:00.400+08:00");
    CHECK_FALSE(it::eventually([&] { return requests_to(hook, "/fgw") > 1; }, 3s));
    CHECK(metric(d, "indicatord_outbox_pending 1"));

    // past the longest backoff: retried and delivered
    set_clock(d, "2023-04-26T09:00:02+08:00");
    REQUIRE(it::eventually([&] {
        return metric(d,
                      "indicatord_notifications_total{channel=\"generic\",result=\"delivered\"} 1");
    }));
    CHECK(requests_to(hook, "/fgw") == 2);
    REQUIRE(it::eventually([&] { return metric(d, "indicatord_outbox_pending 0"); }));
}
