// The alert pass changes the alerts in place and undoes its changes when they cannot be stored
// (issue 10: no copy of the whole Alerter per pass): a failed save leaves the alerts as the
// database is, and the next pass stores them.
#include <sqlite3.h>

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "harness.hpp"
#include "store/sqlite.hpp"

namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

struct Setup {
    it::TempDir dir;
    fs::path config = dir.path() / "indicatord.yaml";

    Setup() {
        fs::create_directories(dir.path() / "rules");
        std::ofstream(dir.path() / "rules" / "plan.yaml")
            << "plan: {id: save-2023, name: 告警保存, year: 2023, timezone: Asia/Shanghai,\n"
               "       defaults: {cadence: quarter, due: 20d, grace: 5d}}\n"
               "units:\n"
               "  - {id: fgw, name: 市发改委}\n"
               "tasks:\n"
               "  - number: 1\n"
               "    text: 生产总值增长6%以上。\n"
               "    lead: 市发改委\n"
               "    indicators:\n"
               "      - {key: gdp_growth, name: 生产总值增长, kind: threshold, op: '>=', target: "
               "6}\n"
               "      - {key: cpi, name: 居民消费价格涨幅, kind: threshold, op: '<=', target: 3}\n";
        std::ofstream(config) << "rules: rules\n"
                                 "calendars: "
                              << it::kData << "/../../config/calendars\n"
                              << "evaluation_interval: 1h\n"
                                 "alerting:\n"
                                 "  group_interval: 1m\n";
    }
};

json::array alerts(it::Daemon& d) {
    auto r = it::http("GET", d.url("/api/v1/alerts"));
    REQUIRE(r.status == 200);
    return json::parse(r.body).at("alerts").as_array();
}

std::int64_t alert_rows(const fs::path& db) {
    indicatord::sqlite::Database c(db, SQLITE_OPEN_READONLY);
    indicatord::sqlite::Statement q(c, "SELECT count(*) FROM alert");
    q.step();
    return q.int64(0);
}

// Runs `sql` on the daemon's database beside the daemon (WAL: it waits for the writer, if busy).
void exec(const fs::path& db, const std::string& sql) {
    indicatord::sqlite::Database c(db, SQLITE_OPEN_READWRITE);
    sqlite3_busy_timeout(c.get(), 10000);
    c.exec(sql);
}

}  // namespace

TEST_CASE("an alert pass whose save fails leaves the alerts as stored, the next pass stores them",
          "[alerts][durability]") {
    Setup s;
    auto d = std::make_unique<it::Daemon>(
        s.dir.path(), s.config.string(),
        std::vector<std::string>{"--test-clock", "--now", "2023-04-01T09:00:00+08:00"});
    CHECK(alerts(*d).empty());
    // The alert table refuses rows: the pass that raises the two overdue alerts cannot save them.
    exec(d->database(),
         "CREATE TRIGGER refuse_alerts BEFORE INSERT ON alert "
         "BEGIN SELECT RAISE(ABORT, 'alert rows refused by the test'); END;");
    set_clock(*d, "2023-04-26T09:00:00+08:00");
    CHECK(it::eventually(
        [&] { return d->process().err().find("cannot save alert states") != std::string::npos; }));
    CHECK(d->process().err().find("alert rows refused by the test") != std::string::npos);
    // Not stored, so not there: the pass's changes were undone.
    CHECK(alerts(*d).empty());
    CHECK(alert_rows(d->database()) == 0);

    // Rows allowed again: the next pass raises both (started now, 10:00 in +08:00, not at the
    // failed pass).
    exec(d->database(), "DROP TRIGGER refuse_alerts");
    set_clock(*d, "2023-04-26T10:00:00+08:00");
    const auto raised = alerts(*d);
    REQUIRE(raised.size() == 2);
    for (const auto& a : raised) {
        CHECK(a.at("state").as_string() == "firing");
        CHECK(a.at("started_at").as_string() == "2023-04-26T02:00:00.000Z");
    }
    CHECK(alert_rows(d->database()) == 2);

    // and what is shown is what a restart finds
    d.reset();
    d = std::make_unique<it::Daemon>(
        s.dir.path(), s.config.string(),
        std::vector<std::string>{"--test-clock", "--now", "2023-04-26T10:30:00+08:00"});
    const auto after = alerts(*d);
    REQUIRE(after.size() == 2);
    for (const auto& a : after) CHECK(a.at("started_at").as_string() == "2023-04-26T02:00:00.000Z");
}
