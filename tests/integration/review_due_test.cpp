// A value awaiting review past its review_due reminds the reviewer (审核催办), through the
// durable outbox and the reviewer unit's receivers: once per repeat_interval while it stays
// late, never again once approved (docs/review.md). The real daemon on a driven clock, the real
// HTTP sink, the real SQLite file read back with the sqlite3 shell.
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <fstream>

#include "harness.hpp"
#include "receivers.hpp"

namespace json = boost::json;

namespace {

/// The descriptions of the alerts in the sink's posts to `path`.
std::vector<std::string> descriptions(const it::HttpSink& sink, const std::string& path) {
    std::vector<std::string> out;
    for (const auto& r : sink.requests()) {
        if (r.at("path").as_string() != path) continue;
        const auto body = json::parse(r.at("body").as_string());
        for (const auto& a : body.at("alerts").as_array())
            out.emplace_back(a.at("annotations").at("description").as_string());
    }
    return out;
}

/// Reminders of late reviews queued in the outbox (set_clock answers once they are committed).
int queued_reminders(const it::Daemon& d) {
    auto [code, out] = it::run("sqlite3 " + d.database().string() +
                               " \"SELECT count(*) FROM outbox WHERE payload LIKE '%请审核%'\"");
    REQUIRE(code == 0);
    return std::stoi(out);
}

}  // namespace

TEST_CASE("review: a value past review_due reminds its reviewer once per repeat_interval",
          "[review][alerts]") {
    it::TempDir dir;
    it::HttpSink hook(dir, "hook");
    std::filesystem::create_directories(dir.path() / "rules");
    std::ofstream(dir.path() / "rules" / "plan.yaml")
        << "plan: {id: due-2023, name: 审核期限测试, year: 2023, timezone: Asia/Shanghai,\n"
           "       defaults: {cadence: quarter, due: 20d, grace: 5d, review: 市统计局, "
           "review_due: 3wd}}\n"
           "units:\n"
           "  - {id: fgw, name: 市发改委, receivers: [{webhook: '"
        << hook.url("/fgw") << "'}]}\n"
        << "  - {id: tjj, name: 市统计局, receivers: [{webhook: '" << hook.url("/tjj")
        << "', format: generic}]}\n"
           "tasks:\n"
           "  - number: 1\n"
           "    text: 生产总值增长6%以上。\n"
           "    lead: 市发改委\n"
           "    indicators:\n"
           "      - {key: gdp_growth, name: 生产总值增长, kind: threshold, measure: '%', op: "
           "'>=', target: 6, ytd: true}\n";
    const auto config = dir.path() / "indicatord.yaml";
    std::ofstream(config) << "rules: rules\ncalendars: " << it::kData
                          << "/../../config/calendars\nevaluation_interval: 1h\n"
                             "alerting: {group_interval: 1m, repeat_interval: 1d}\n";
    // Monday 10 April 2023: 市发改委 reports Q1 on time; 市统计局 has three working days
    it::Daemon d(dir.path(), config.string(),
                 {"--test-clock", "--now", "2023-04-10T09:00:00+08:00"});
    auto r = it::http("POST", d.url("/api/v1/values"), it::one_value("gdp_growth", "2023-Q1", 6.5));
    INFO(r.body);
    REQUIRE(r.status == 200);
    const auto review = json::parse(r.body).at("values").at(0).at("review").as_int64();

    // within review_due: nothing for the reviewer
    set_clock(d, "2023-04-12T17:00:00+08:00");
    CHECK(queued_reminders(d) == 0);

    // Monday 17 April: late. The reviewer's receiver hears it, with the unit, value and lateness.
    set_clock(d, "2023-04-17T09:00:00+08:00");
    REQUIRE(it::eventually([&] { return descriptions(hook, "/tjj").size() == 1; }));
    const auto text = descriptions(hook, "/tjj")[0];
    INFO(text);
    CHECK_THAT(text, Catch::Contains("请审核市发改委报送的生产总值增长 2023-Q1 实绩(6.5%)"));
    CHECK_THAT(text, Catch::Contains("提交于2023-04-10"));
    CHECK_THAT(text, Catch::Contains("已超期"));
    CHECK(queued_reminders(d) == 1);

    // within the same repeat_interval: not again, also not after a restart-free hour of ticks
    set_clock(d, "2023-04-17T15:00:00+08:00");
    CHECK(queued_reminders(d) == 1);
    // a day on, still late: reminded again
    set_clock(d, "2023-04-18T10:00:00+08:00");
    CHECK(queued_reminders(d) == 2);
    REQUIRE(it::eventually([&] { return descriptions(hook, "/tjj").size() == 2; }));

    // approved: no more reminders
    REQUIRE(it::http("POST", d.url("/api/v1/reviews/" + std::to_string(review) + "/approve"),
                     R"({"comment":"核实无误"})")
                .status == 200);
    set_clock(d, "2023-04-20T10:00:00+08:00");
    CHECK(queued_reminders(d) == 2);
    // the unit that reported heard nothing of the reviewer's lateness
    for (const auto& t : descriptions(hook, "/fgw")) CHECK_THAT(t, !Catch::Contains("请审核"));
}

namespace {

std::string bulletin_json(const std::filesystem::path& config, const std::string& as_of) {
    // stderr apart: run() adds 2>&1 after the command, the subshell keeps it out
    auto [code, out] = it::run("(" + it::kCtl + " bulletin " + config.string() +
                               " --format json --as-of " + as_of + " 2>/dev/null)");
    INFO(out);
    REQUIRE(code == 0);
    return out;
}

json::object unit_line(const std::string& bulletin, const std::string& id) {
    const auto doc = json::parse(bulletin);
    for (const auto& u : doc.at("units").as_array())
        if (u.at("id") == id.c_str()) return u.as_object();
    FAIL("no unit " << id << " in the bulletin");
    return {};
}

}  // namespace

TEST_CASE("bulletin: values under review count as they stood at the instant",
          "[review][bulletin]") {
    it::TempDir dir;
    const auto config = dir.path() / "indicatord.yaml";
    std::ofstream(config) << "rules: " << it::kData << "/review\ncalendars: " << it::kData
                          << "/../../config/calendars\n";
    it::Daemon d(dir.path(), config.string(),
                 {"--test-clock", "--now", "2023-04-10T09:00:00+08:00"});
    const auto submit = [&](double v) {
        auto r =
            it::http("POST", d.url("/api/v1/values"), it::one_value("gdp_growth", "2023-Q1", v));
        INFO(r.body);
        REQUIRE(r.status == 200);
        return std::to_string(json::parse(r.body).at("values").at(0).at("review").as_int64());
    };
    // cpi_growth is not reviewed: it counts at once (and leaves fgw nothing else owed)
    REQUIRE(it::http("POST", d.url("/api/v1/values"), it::one_value("cpi_growth", "2023-Q1", 2.1))
                .status == 200);
    // 10 April submitted, 12 April returned (退回), 18 April submitted again (Q1 is due on the
    // 20th), 28 April approved
    const auto first = submit(5.2);
    set_clock(d, "2023-04-12T10:00:00+08:00");
    REQUIRE(it::http("POST", d.url("/api/v1/reviews/" + first + "/return"),
                     R"({"comment":"与统计快报不符"})")
                .status == 200);
    set_clock(d, "2023-04-18T10:00:00+08:00");
    const auto second = submit(6.5);
    set_clock(d, "2023-04-22T10:00:00+08:00");
    const auto before_approval = bulletin_json(config, "2023-04-22");
    set_clock(d, "2023-04-28T10:00:00+08:00");
    REQUIRE(it::http("POST", d.url("/api/v1/reviews/" + second + "/approve"), "{}").status == 200);

    // 15 April: returned once, nothing awaiting, nothing due yet
    auto u = unit_line(bulletin_json(config, "2023-04-15"), "fgw");
    CHECK(u.at("returned").as_int64() == 1);
    CHECK(u.at("awaiting_review").as_int64() == 0);
    CHECK(u.at("due").as_int64() == 0);
    // 22 April, regenerated after the approval: the same bytes as made on the day. The value
    // awaited review: a report that came on time (not missing, not overdue), not counted yet.
    const auto again = bulletin_json(config, "2023-04-22");
    CHECK(again == before_approval);
    u = unit_line(again, "fgw");
    CHECK(u.at("awaiting_review").as_int64() == 1);
    CHECK(u.at("returned").as_int64() == 1);
    CHECK(u.at("on_time").as_int64() >= 1);
    CHECK(u.at("missing").as_int64() == 0);
    CHECK(u.at("achieved").as_int64() + u.at("at_risk").as_int64() == 0);
    // 30 April: approved, counted, on time by its submission on the 18th
    const auto after = bulletin_json(config, "2023-04-30");
    u = unit_line(after, "fgw");
    CHECK(u.at("awaiting_review").as_int64() == 0);
    CHECK(u.at("returned").as_int64() == 1);
    CHECK(u.at("missing").as_int64() == 0);
    CHECK(json::parse(after).at("overdue").as_array().empty());
    // the live indicator agrees: counted now
    const auto live = it::http("GET", d.url("/api/v1/indicators/gdp_growth"));
    CHECK(json::parse(live.body).at("value").as_double() == 6.5);
}
