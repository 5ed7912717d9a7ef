// The Deliverer on a real SQLite file: time from the injected Clock, and one connection with its
// statements prepared once for the delivery thread's life. No network: email rows without an
// SMTP server are given up at once.
#include "notify/deliverer.hpp"

#include <catch2/catch.hpp>
#include <mutex>
#include <thread>

#include "alerts/alert_store.hpp"
#include "store/store.hpp"
#include "test_util.hpp"

using namespace indicatord;
using namespace std::chrono_literals;

using test::eventually;

namespace {

OutboxEntry email(const std::string& key) {
    return OutboxEntry{"fgw", "email", "fgw@example.org", "", key, "Subject: test\r\n\r\nbody"};
}

}  // namespace

TEST_CASE("the delivery thread opens its connection and prepares its statements once",
          "[deliverer]") {
    test::TempDir dir;
    const auto file = dir.path() / "a.db";
    Store store(file);
    AlertStore alerts(store.writer());
    ManualClock clock(TimePoint(std::chrono::milliseconds(1'680'000'000'000)));
    std::mutex mutex;
    int attempts = 0;
    Deliverer deliverer(file, DeliverySettings{}, clock, [&](const std::string&, DeliveryOutcome) {
        std::lock_guard lock(mutex);
        ++attempts;
    });
    const auto sent = [&] {
        std::lock_guard lock(mutex);
        return attempts;
    };
    for (int i = 1; i <= 3; ++i) {
        alerts.save({}, {email("key-" + std::to_string(i))}, clock.now());
        deliverer.wake();
        REQUIRE(eventually([&] { return sent() == i; }));
    }
    REQUIRE(eventually([&] { return deliverer.stats().passes >= 3; }));
    const auto stats = deliverer.stats();
    CHECK(stats.connections_opened == 1);
    CHECK(stats.statements_prepared == 6);
}

TEST_CASE("a row is sent only once the injected clock reaches its due time", "[deliverer]") {
    test::TempDir dir;
    const auto file = dir.path() / "a.db";
    Store store(file);
    AlertStore alerts(store.writer());
    const TimePoint start(std::chrono::milliseconds(1'680'000'000'000));
    ManualClock clock(start);
    std::mutex mutex;
    int attempts = 0;
    Deliverer deliverer(file, DeliverySettings{}, clock, [&](const std::string&, DeliveryOutcome) {
        std::lock_guard lock(mutex);
        ++attempts;
    });
    const auto sent = [&] {
        std::lock_guard lock(mutex);
        return attempts;
    };
    REQUIRE(eventually([&] { return deliverer.stats().passes >= 1; }));  // idle now
    // queued for a minute later than the clock says: the thread looks, and leaves it
    alerts.save({}, {email("later")}, start + 1min);
    const auto passes = deliverer.stats().passes;
    deliverer.wake();
    REQUIRE(eventually([&] { return deliverer.stats().passes > passes; }));
    CHECK(sent() == 0);
    clock.set(start + 1min);
    deliverer.wake();
    REQUIRE(eventually([&] { return sent() == 1; }));
}
