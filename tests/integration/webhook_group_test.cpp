// The generic webhook groups like Alertmanager: each message carries the group's whole state
// (every alert of the receiver still firing, plus the newly resolved), `status` is `resolved`
// only when none fires, `groupLabels` are labels every alert carries, `truncatedAlerts` counts
// what max_alerts trimmed, and `endsAt` is never before `startsAt`. The real daemon on a driven
// clock, posting to the real HTTP sink.
#include <catch2/catch.hpp>
#include <fstream>

#include "harness.hpp"
#include "receivers.hpp"

namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

std::vector<json::object> posts_to(const it::HttpSink& sink, const std::string& path) {
    std::vector<json::object> out;
    for (const auto& r : sink.requests())
        if (r.at("path").as_string() == path)
            out.push_back(json::parse(r.at("body").as_string()).as_object());
    return out;
}

/// fingerprint's indicator label -> status, of one payload
std::map<std::string, std::string> states(const json::object& payload) {
    std::map<std::string, std::string> out;
    for (const auto& a : payload.at("alerts").as_array()) {
        const auto& o = a.as_object();
        out[std::string(o.at("labels").at("indicator").as_string())] =
            std::string(o.at("status").as_string());
    }
    return out;
}

void check_times(const json::object& payload) {
    for (const auto& a : payload.at("alerts").as_array()) {
        const auto& o = a.as_object();
        const std::string starts(o.at("startsAt").as_string()), ends(o.at("endsAt").as_string());
        INFO(json::serialize(o));
        if (o.at("status") == "resolved")
            CHECK(ends >= starts);  // RFC 3339 UTC with milliseconds: compares as text
        else
            CHECK(ends == "0001-01-01T00:00:00Z");
    }
}

}  // namespace

TEST_CASE("generic webhook: every message carries the group's whole state", "[webhook][group]") {
    it::TempDir dir;
    it::HttpSink hook(dir, "hook");
    fs::create_directories(dir.path() / "rules");
    std::ofstream(dir.path() / "rules" / "plan.yaml")
        << "plan: {id: group-2023, name: 分组测试, year: 2023, timezone: Asia/Shanghai,\n"
           "       defaults: {cadence: quarter, due: 20d, grace: 5d}}\n"
           "units:\n"
           "  - {id: fgw, name: 市发改委, receivers: [{webhook: '"
        << hook.url("/all") << "', format: generic}, {webhook: '" << hook.url("/trim")
        << "', format: generic, max_alerts: 1}]}\n"
           "  - {id: jxw, name: 市经信局, receivers: [{webhook: '"
        << hook.url("/jxw") << "'}]}\n"
        << "tasks:\n"
           "  - number: 1\n"
           "    text: 生产总值增长6%以上。\n"
           "    lead: 市发改委\n"
           "    indicators:\n"
           "      - {key: gdp_growth, name: 生产总值增长, kind: threshold, measure: '%', op: "
           "'>=', target: 6, ytd: true}\n"
           "  - number: 2\n"
           "    text: 规上工业增加值增长7%以上。\n"
           "    lead: 市发改委\n"
           "    co: [市经信局]\n"
           "    indicators:\n"
           "      - {key: industry_growth, name: 规上工业增加值增长, kind: threshold, measure: "
           "'%', op: '>=', target: 7, ytd: true, notify_co: true}\n";
    const auto config = dir.path() / "indicatord.yaml";
    std::ofstream(config) << "rules: rules\n"
                             "calendars: "
                          << it::kData << "/../../config/calendars\n"
                          << "evaluation_interval: 1h\n"
                             "alerting:\n"
                             "  group_interval: 1m\n";
    it::Daemon d(dir.path(), config.string(),
                 {"--test-clock", "--now", "2023-04-01T09:00:00+08:00"});

    // both overdue: one message each, both firing
    set_clock(d, "2023-04-26T09:00:00+08:00");
    REQUIRE(it::eventually([&] { return posts_to(hook, "/trim").size() == 1; }));
    REQUIRE(it::eventually([&] { return posts_to(hook, "/all").size() == 1; }));
    auto first = posts_to(hook, "/all")[0];
    CHECK(first.at("status") == "firing");
    CHECK(states(first) == std::map<std::string, std::string>{{"gdp_growth", "firing"},
                                                              {"industry_growth", "firing"}});
    CHECK(first.at("groupLabels") == json::parse(R"({"plan":"group-2023"})"));
    CHECK(first.at("truncatedAlerts").as_int64() == 0);
    // max_alerts: 1 keeps one and counts the other
    auto trimmed = posts_to(hook, "/trim")[0];
    CHECK(trimmed.at("alerts").as_array().size() == 1);
    CHECK(trimmed.at("truncatedAlerts").as_int64() == 1);
    CHECK(trimmed.at("status") == "firing");

    // gdp_growth reported: its resolution comes with industry_growth, which still fires
    REQUIRE(it::http("POST", d.url("/api/v1/values"), it::one_value("gdp_growth", "2023-Q1", 7))
                .status == 200);
    set_clock(d, "2023-04-26T09:05:00+08:00");
    REQUIRE(it::eventually([&] { return posts_to(hook, "/all").size() == 2; }));
    auto second = posts_to(hook, "/all")[1];
    INFO(json::serialize(second));
    CHECK(states(second) == std::map<std::string, std::string>{{"gdp_growth", "resolved"},
                                                               {"industry_growth", "firing"}});
    CHECK(second.at("status") == "firing");  // one still fires
    CHECK(second.at("groupLabels") == json::parse(R"({"plan":"group-2023"})"));
    check_times(second);
    // the co-unit's receiver hears only of its own alert: its group is industry_growth alone,
    // which did not change, so it got no second message
    CHECK(posts_to(hook, "/jxw").size() == 1);

    // industry_growth reported too: nothing fires any more
    REQUIRE(
        it::http("POST", d.url("/api/v1/values"), it::one_value("industry_growth", "2023-Q1", 8))
            .status == 200);
    set_clock(d, "2023-04-26T09:10:00+08:00");
    REQUIRE(it::eventually([&] { return posts_to(hook, "/all").size() == 3; }));
    auto third = posts_to(hook, "/all")[2];
    CHECK(states(third) == std::map<std::string, std::string>{{"industry_growth", "resolved"}});
    CHECK(third.at("status") == "resolved");
    check_times(third);
    REQUIRE(it::eventually([&] { return posts_to(hook, "/jxw").size() == 2; }));
    CHECK(posts_to(hook, "/jxw")[1].at("status") == "resolved");
}
