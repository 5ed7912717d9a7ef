// Alerter::step changes the alerts in place and returns what it changed, once per alert and by
// fingerprint, with an undo log (issue 10: the first pass of a start raising 100,000 alerts no
// longer copies the Alerter, nor each alert twice); AlertStore::save stays all-or-nothing.
#include <catch2/catch.hpp>
#include <map>
#include <string>
#include <vector>

#include "alerts/alert_store.hpp"
#include "alerts/alerts.hpp"
#include "store/store.hpp"
#include "test_util.hpp"
#include "util/errors.hpp"

using namespace indicatord;
using namespace std::chrono_literals;

namespace {

AlertingConfig alerting() {
    AlertingConfig c;
    c.group_interval = 1min;
    c.repeat_interval = 24h;
    c.reminders = true;
    c.escalation_unit = "dcs";
    c.escalation_steps = {DayOffset{3, true}};
    return c;
}

struct World {
    std::shared_ptr<const Plan> plan = test::lifecycle_plan();
    Engine engine{plan, nullptr};
    Alerter alerter{alerting()};
    TimePoint now{};

    Alerter::Step step_at(const std::string& when) {
        now = test::at(when);
        engine.evaluate_all(now);
        return alerter.step(engine, now);
    }
    std::map<std::string, AlertState> snapshot() const {
        return {alerter.alerts().begin(), alerter.alerts().end()};
    }
};

std::vector<std::string> fingerprints(const std::vector<const AlertState*>& v) {
    std::vector<std::string> out;
    for (const auto* a : v) out.push_back(a->fingerprint);
    return out;
}

// The changed states as they are now (Step::changed points into the Alerter's table).
std::vector<AlertState> states(const Alerter::Step& s) {
    std::vector<AlertState> out;
    for (const auto* a : s.changed) out.push_back(*a);
    return out;
}

std::vector<std::string> receivers(const Alerter::Step& s) {
    std::vector<std::string> out;
    for (const auto& d : s.digests) out.push_back(d.receiver);
    return out;
}

}  // namespace

TEST_CASE("a step's changes are each alert's new state, once, by fingerprint", "[alerts][step]") {
    World w;
    // reminders, then overdue alerts raised and notified in the same step
    for (const char* when : {"2023-04-18T09:00:00+08:00", "2023-04-26T09:00:00+08:00",
                             "2023-05-02T09:00:00+08:00", "2023-07-26T09:00:00+08:00"}) {
        const auto s = w.step_at(when);
        INFO(when);
        REQUIRE_FALSE(s.changed.empty());
        auto fps = fingerprints(s.changed);
        CHECK(std::is_sorted(fps.begin(), fps.end()));
        CHECK(std::adjacent_find(fps.begin(), fps.end()) == fps.end());
        for (const auto* a : s.changed) {
            // a pointer into the table itself, not to a copy
            CHECK(&w.alerter.alerts().at(a->fingerprint) == a);
        }
    }
}

TEST_CASE("undo puts back every alert a step changed, and the step can be done again",
          "[alerts][step]") {
    // At each of these times the step raises, fires, notifies, escalates or resolves alerts;
    // undone, the Alerter is as before it, and the same step again gives the same changes and
    // digests.
    World w;
    for (const char* when :
         {"2023-04-18T09:00:00+08:00", "2023-04-26T09:00:00+08:00", "2023-04-26T09:00:30+08:00",
          "2023-05-02T09:00:00+08:00", "2023-05-20T09:00:00+08:00", "2023-07-26T09:00:00+08:00"}) {
        INFO(when);
        if (std::string(when) == "2023-05-20T09:00:00+08:00")  // a value: its alert resolves
            REQUIRE(w.engine.restore("gdp_growth", "2023-Q1", 7.0, 1, test::at(when)));
        const auto before = w.snapshot();
        auto first = w.step_at(when);
        const auto first_changed = states(first);
        const auto after = w.snapshot();
        w.alerter.undo(std::move(first.undo));
        CHECK(w.snapshot() == before);
        const auto again = w.step_at(when);
        CHECK(states(again) == first_changed);
        CHECK(receivers(again) == receivers(first));
        CHECK(w.snapshot() == after);
    }
}

TEST_CASE("a save that fails on one alert stores none of them", "[alerts][store]") {
    test::TempDir dir;
    Store store(dir.path() / "a.db");
    AlertStore alerts(store.writer());
    store.writer().exec(
        "CREATE TRIGGER refuse BEFORE INSERT ON alert WHEN NEW.indicator = 'boom' "
        "BEGIN SELECT RAISE(ABORT, 'refused'); END;");
    std::vector<AlertState> changed(3);
    const char* keys[] = {"a", "boom", "c"};
    for (int i = 0; i < 3; ++i) {
        changed[static_cast<std::size_t>(i)].fingerprint = std::string("fp-") + keys[i];
        changed[static_cast<std::size_t>(i)].indicator = keys[i];
    }
    OutboxEntry mail{"fgw/0", "email", "fgw@example.org", "", "key-1", "payload"};
    std::vector<const AlertState*> all{&changed[0], &changed[1], &changed[2]};
    CHECK_THROWS_AS(alerts.save(all, {mail}, test::at("2023-04-26T09:00:00+08:00")), StorageError);
    CHECK(alerts.load_alerts().empty());
    all.erase(all.begin() + 1);
    alerts.save(all, {mail}, test::at("2023-04-26T09:00:00+08:00"));
    CHECK(alerts.load_alerts().size() == 2);
}
