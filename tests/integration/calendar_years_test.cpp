// A plan for a year whose holiday notice is not out: an error by default, a warning and a
// metric with an explicit weekends_only calendar file.
#include <catch2/catch.hpp>
#include <fstream>
#include <regex>

#include "harness.hpp"

using namespace std::chrono_literals;

namespace {

// The minimal plan moved to `year`, in its own rules folder under `dir`.
std::filesystem::path plan_for(const std::filesystem::path& dir, int year) {
    const auto rules = dir / "rules";
    std::filesystem::create_directories(rules);
    std::ifstream in(it::kData + "/minimal/plan.yaml");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    text = std::regex_replace(text, std::regex("2023"), std::to_string(year));
    std::ofstream(rules / "plan.yaml") << text;
    return rules;
}

}  // namespace

TEST_CASE("a 2027 plan without a 2027 calendar does not load and names the way out", "[calendar]") {
    it::TempDir dir;
    const auto config = dir.path() / "c.yaml";
    std::ofstream(config) << "rules: " << plan_for(dir.path(), 2027).string()
                          << "\ncalendars: " << it::kData << "/../../config/calendars\n";
    auto [code, out] = it::run(it::kCtl + " check " + config.string());
    INFO(out);
    CHECK(code != 0);
    CHECK_THAT(out, Catch::Contains("no working-day calendar covers 2027") &&
                        Catch::Contains("weekends_only: true"));
}

TEST_CASE("a weekends_only calendar loads with a warning in the log, check and /metrics",
          "[calendar]") {
    it::TempDir dir;
    const auto config = dir.path() / "c.yaml";
    std::ofstream(config) << "rules: " << plan_for(dir.path(), 2027).string() << "\ncalendars: ["
                          << it::kData << "/../../config/calendars, " << it::kData
                          << "/calendars-provisional]\n";
    auto [code, out] = it::run(it::kCtl + " check " + config.string());
    INFO(out);
    CHECK(code == 0);
    CHECK_THAT(out, Catch::Contains("calendars 2023 2024 2025 2026 2027") &&
                        Catch::Contains("warning: plan test-2027 is for 2027, whose working-day "
                                        "calendar is weekends_only"));

    it::Daemon d(dir.path(), config.string());
    CHECK_THAT(d.process().err(), Catch::Contains("calendar is weekends_only"));
    const auto metrics = it::http("GET", d.url("/metrics")).body;
    CHECK_THAT(metrics, Catch::Contains("indicatord_calendar_weekends_only{year=\"2027\"} 1"));

    // The 2023 plan with the same calendars: no warning, no series.
    const auto config2023 = dir.path() / "c2023.yaml";
    std::ofstream(config2023) << "rules: " << it::kData << "/minimal\ncalendars: [" << it::kData
                              << "/../../config/calendars, " << it::kData
                              << "/calendars-provisional]\n";
    auto [code2, out2] = it::run(it::kCtl + " check " + config2023.string());
    INFO(out2);
    CHECK(code2 == 0);
    CHECK_THAT(out2, !Catch::Contains("weekends_only"));
}
