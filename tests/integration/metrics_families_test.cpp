// /metrics against docs/metrics.md: the families the real daemon serves (the bundled Lishui plan
// with its test values, a delivered email, a page of the console) are the families the document
// lists; indicator_info, the one `unit` label, timestamps instead of ages; and the
// Prometheus-style /-/healthy and /-/ready.
#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "harness.hpp"
#include "lishui_daemon.hpp"

using namespace std::chrono_literals;

namespace {

// The names of the families in a text exposition (its # TYPE lines).
std::set<std::string> served_families(const std::string& text) {
    std::set<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        if (line.starts_with("# TYPE ")) out.insert(line.substr(7, line.find(' ', 7) - 7));
    return out;
}

// The families docs/metrics.md lists: the first cell of each table row, "| `name{...}` |".
std::set<std::string> documented_families() {
    std::set<std::string> out;
    std::istringstream in(it::slurp(it::kRoot + "/docs/metrics.md"));
    const std::regex row(R"(^\| `([a-zA-Z_:][a-zA-Z0-9_:]*)[{`])");
    std::smatch m;
    for (std::string line; std::getline(in, line);)
        if (std::regex_search(line, m, row)) out.insert(m[1]);
    return out;
}

// The sample lines of one family.
std::vector<std::string> samples(const std::string& text, const std::string& family) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        if (line.starts_with(family + "{") || line.starts_with(family + " ")) out.push_back(line);
    return out;
}

// Families that have series only in conditions the Lishui plan does not have: a per-member
// indicator (members_test checks it), a weekends_only calendar (calendar_years_test).
const std::set<std::string> kConditional = {"indicator_members",
                                            "indicatord_calendar_weekends_only"};

}  // namespace

TEST_CASE(
    "every family /metrics serves is documented in docs/metrics.md, and every documented "
    "one is served",
    "[prometheus][metrics]") {
    it::TempDir dir;
    it::LishuiDaemon lishui(dir, "2023-05-15T12:00:00+08:00");
    auto& d = lishui.daemon();
    // a console page and a delivered email, so that their families have series
    CHECK(it::http("GET", d.url("/")).status > 0);
    REQUIRE(it::eventually([&] { return lishui.smtp().messages() > 0; }, 30s));
    std::string text;
    REQUIRE(it::eventually(
        [&] {
            text = it::http("GET", d.url("/metrics")).body;
            return text.find("indicatord_notifications_total{") != std::string::npos;
        },
        30s));

    const auto served = served_families(text);
    const auto documented = documented_families();
    REQUIRE(documented.size() > 20);
    for (const auto& f : served) {
        INFO("served but not in docs/metrics.md: " << f);
        CHECK(documented.count(f) == 1);
    }
    for (const auto& f : documented) {
        if (kConditional.count(f)) continue;
        INFO("in docs/metrics.md but not served: " << f);
        CHECK(served.count(f) == 1);
    }
    for (const auto& f : kConditional) CHECK(documented.count(f) == 1);
}

TEST_CASE("indicator_info names each indicator, and `unit` is the one label for the unit",
          "[prometheus][metrics]") {
    it::TempDir dir;
    it::LishuiDaemon lishui(dir, "2023-05-15T12:00:00+08:00");
    const auto text = it::http("GET", lishui.daemon().url("/metrics")).body;

    CHECK_THAT(text, Catch::Contains(
                         R"(indicator_info{plan="lishui-2023",task="1",indicator="gdp_growth",)"
                         R"(unit="fgw",name="生产总值增长",measure="%",cadence="quarter",)"
                         R"(kind="threshold"} 1)"
                         "\n"));
    const auto info = samples(text, "indicator_info");
    const auto count = samples(text, "indicatord_indicators");
    REQUIRE(count.size() == 1);
    CHECK(std::to_string(info.size()) == count[0].substr(count[0].rfind(' ') + 1));

    // no family calls the unit anything else; every per-indicator and per-unit series names it
    CHECK(text.find("lead_unit") == std::string::npos);
    for (const auto& line : samples(text, "indicator_status"))
        CHECK_THAT(line, Catch::Contains(",unit=\""));
    for (const auto& line : samples(text, "indicator_unit_overdue_reports"))
        CHECK_THAT(line, Catch::Contains(",unit=\""));

    // timestamps, not ages: one overdue-since per overdue indicator, none for the others
    std::set<std::string> overdue, since;
    for (const auto& line : samples(text, "indicator_overdue"))
        if (line.ends_with("} 1")) overdue.insert(line.substr(line.find('{')));
    for (const auto& line : samples(text, "indicator_overdue_since_timestamp_seconds")) {
        since.insert(line.substr(line.find('{'), line.rfind(' ') - line.find('{')) + " 1");
        // due within the plan year, before the clock's 2023-05-15
        const double t = std::stod(line.substr(line.rfind(' ') + 1));
        CHECK(t >= 1672502400);  // 2023-01-01T00:00:00+08:00
        CHECK(t <= 1684123200);  // 2023-05-15T12:00:00+08:00
    }
    CHECK(!overdue.empty());
    std::set<std::string> overdue_keys;
    for (const auto& s : overdue) overdue_keys.insert(s.substr(0, s.size() - 2) + " 1");
    CHECK(since == overdue_keys);
    CHECK(text.find("indicator_overdue_seconds") == std::string::npos);
    CHECK(text.find("indicatord_outbox_oldest_pending_age_seconds") == std::string::npos);
    CHECK(samples(text, "indicatord_outbox_oldest_pending_timestamp_seconds").size() == 1);
}

TEST_CASE("/-/healthy and /-/ready answer as /healthz and /readyz", "[prometheus][health]") {
    it::TempDir dir;
    it::Daemon d(dir.path());
    const std::vector<std::pair<std::string, std::string>> aliases = {{"/-/healthy", "/healthz"},
                                                                      {"/-/ready", "/readyz"}};
    for (const auto& [alias, path] : aliases) {
        INFO(alias);
        const auto a = it::http("GET", d.url(alias));
        const auto b = it::http("GET", d.url(path));
        CHECK(a.status == 200);
        CHECK(a.status == b.status);
        CHECK(a.body == b.body);
        CHECK(a.content_type == b.content_type);
        CHECK(it::http("HEAD", d.url(alias)).status == 200);
        CHECK(it::http("POST", d.url(alias), "{}").status == 405);
    }
    CHECK(it::http("GET", d.url("/-/ready")).body == "{\"status\":\"ready\"}\n");
}
