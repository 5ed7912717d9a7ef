// Alerter::step sorts its changes by fingerprint through the fingerprints' first 8 bytes held
// beside each alert (issue 10, start-up): the order must stay std::string's, also for
// fingerprints that share those 8 bytes or are shorter than 8 (stored ones need not be 16 hex
// digits).
#include <algorithm>
#include <catch2/catch.hpp>
#include <string>
#include <unordered_map>
#include <vector>

#include "alerts/alerts.hpp"
#include "test_util.hpp"

using namespace indicatord;

TEST_CASE("a step's changes are in fingerprint order when fingerprints share 8 bytes",
          "[alerts][step]") {
    const auto plan = test::lifecycle_plan();
    Engine engine{plan, nullptr};
    Alerter alerter{AlertingConfig{}};
    const std::vector<std::string> fps = {"abcdefgh1", "abcdefgh",  "abcdefgh0", "abc",
                                          "abcdefg",   "abcdefgi",  "ab\xff",    "abcdefgh\x01",
                                          "abcdefgh",  "abcdefghz", "b",         ""};
    std::unordered_map<std::string, AlertState> stored;
    for (const auto& fp : fps) {
        AlertState a;
        a.fingerprint = fp;
        a.indicator = plan->indicators.front().key;
        a.phase = AlertState::Phase::firing;
        a.firing_at = test::at("2022-12-01T09:00:00+08:00");
        stored.emplace(fp, a);  // "abcdefgh" twice: one alert
    }
    alerter.load(std::move(stored), {});
    const auto now = test::at("2022-12-02T09:00:00+08:00");  // before the plan's year: all end
    engine.evaluate_all(now);
    const auto step = alerter.step(engine, now);

    std::vector<std::string> changed;
    for (const auto* a : step.changed) changed.push_back(a->fingerprint);
    CHECK(std::is_sorted(changed.begin(), changed.end()));
    CHECK(std::adjacent_find(changed.begin(), changed.end()) == changed.end());
    for (const auto& fp : fps)
        CHECK(std::find(changed.begin(), changed.end(), fp) != changed.end());
    for (const auto* a : step.changed) CHECK(&alerter.alerts().at(a->fingerprint) == a);
}
