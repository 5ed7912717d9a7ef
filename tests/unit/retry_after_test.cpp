// A webhook receiver's Retry-After (issue 10): delay-seconds or an HTTP-date (curl_getdate), and
// the Deliverer holds the next attempt until its injected Clock reaches it, not the system clock.
#include <catch2/catch.hpp>
#include <mutex>
#include <thread>

#include "alerts/alert_store.hpp"
#include "notify/channels.hpp"
#include "notify/deliverer.hpp"
#include "store/store.hpp"
#include "test_util.hpp"

using namespace indicatord;
using namespace std::chrono_literals;

using test::eventually;

namespace {}  // namespace

TEST_CASE("Retry-After as delay-seconds and as an HTTP-date", "[deliverer][retry-after]") {
    const auto seconds = classify_http_response(429, "Too Many Requests", "", "120");
    CHECK(seconds.outcome == DeliveryOutcome::retry);
    REQUIRE(seconds.retry_after);
    CHECK(*seconds.retry_after == 120s);
    CHECK_FALSE(seconds.retry_at);

    // A date years before the system clock: the instant as the receiver wrote it, not "0 s from
    // now".
    const auto date =
        classify_http_response(503, "Service Unavailable", "", "Wed, 26 Apr 2023 01:10:00 GMT");
    CHECK(date.outcome == DeliveryOutcome::retry);
    REQUIRE(date.retry_at);
    CHECK(*date.retry_at == *parse_instant("2023-04-26T01:10:00Z"));
    CHECK_FALSE(date.retry_after);

    CHECK_FALSE(classify_http_response(503, "", "", "soon").retry_at);
    CHECK_FALSE(classify_http_response(503, "", "", "soon").retry_after);
    CHECK_FALSE(classify_http_response(200, "OK", "", "120").retry_after);
}

TEST_CASE("a receiver's Retry-After date holds the retry until the injected clock reaches it",
          "[deliverer][retry-after]") {
    test::TempDir dir;
    const auto file = dir.path() / "a.db";
    Store store(file);
    AlertStore alerts(store.writer());
    const auto start = *parse_instant("2023-04-26T09:00:00+08:00");
    ManualClock clock(start);
    DeliverySettings settings;
    settings.backoff_initial = 1s;
    settings.backoff_max = 1h;
    std::mutex mutex;
    int attempts = 0;
    int delivered = 0;
    // The receiver's answer to the first attempt: 503, retry at 09:10 (+08:00) as an HTTP-date.
    Sender sender = [&](const OutgoingNotification&) {
        std::lock_guard lock(mutex);
        if (++attempts == 1) {
            return classify_http_response(503, "Service Unavailable", "",
                                          "Wed, 26 Apr 2023 01:10:00 GMT");
        }
        ++delivered;
        return DeliveryResult{DeliveryOutcome::delivered, "HTTP 200 OK"};
    };
    Deliverer deliverer(file, settings, clock, {}, {}, sender);
    const auto tried = [&] {
        std::lock_guard lock(mutex);
        return attempts;
    };
    alerts.save({}, {OutboxEntry{"fgw", "generic", "http://127.0.0.1:9/hook", "", "k1", "{}"}},
                clock.now());
    deliverer.wake();
    REQUIRE(eventually([&] { return tried() == 1; }));

    // Past the longest backoff (2 s with jitter), before the receiver's time: no attempt.
    clock.set(start + 5min);
    const auto passes = deliverer.stats().passes;
    deliverer.wake();
    REQUIRE(eventually([&] { return deliverer.stats().passes > passes; }));
    CHECK(tried() == 1);

    clock.set(start + 10min);
    deliverer.wake();
    REQUIRE(eventually([&] { return tried() == 2; }));
    std::lock_guard lock(mutex);
    CHECK(delivered == 1);
}

TEST_CASE("a Retry-After further than backoff_max is cut to backoff_max",
          "[deliverer][retry-after]") {
    test::TempDir dir;
    const auto file = dir.path() / "a.db";
    Store store(file);
    AlertStore alerts(store.writer());
    const auto start = *parse_instant("2023-04-26T09:00:00+08:00");
    ManualClock clock(start);
    DeliverySettings settings;
    settings.backoff_initial = 1s;
    settings.backoff_max = 1min;
    std::mutex mutex;
    int attempts = 0;
    Sender sender = [&](const OutgoingNotification&) {
        std::lock_guard lock(mutex);
        if (++attempts == 1) return classify_http_response(429, "Too Many Requests", "", "86400");
        return DeliveryResult{DeliveryOutcome::delivered, "HTTP 200 OK"};
    };
    Deliverer deliverer(file, settings, clock, {}, {}, sender);
    const auto tried = [&] {
        std::lock_guard lock(mutex);
        return attempts;
    };
    alerts.save({}, {OutboxEntry{"fgw", "generic", "http://127.0.0.1:9/hook", "", "k2", "{}"}},
                clock.now());
    deliverer.wake();
    REQUIRE(eventually([&] { return tried() == 1; }));
    clock.set(start + 30s);
    const auto passes = deliverer.stats().passes;
    deliverer.wake();
    REQUIRE(eventually([&] { return deliverer.stats().passes > passes; }));
    CHECK(tried() == 1);
    clock.set(start + 1min);
    deliverer.wake();
    REQUIRE(eventually([&] { return tried() == 2; }));
}
