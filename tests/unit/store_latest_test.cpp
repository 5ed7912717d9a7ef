// The latest table (schema version 3, issue 10): the newest revision of every (indicator, period)
// kept apart by the writer, in the observation's transaction, and read in one scan at start-up.
#include <catch2/catch.hpp>
#include <map>
#include <string>
#include <vector>

#include "store/committer.hpp"
#include "store/store.hpp"
#include "test_util.hpp"
#include "writer_util.hpp"

using namespace indicatord;

namespace {

// The schema as indicatord wrote it at version 2 (before the latest table), as far as the
// observations need it.
constexpr const char* kVersion2 = R"sql(
CREATE TABLE indicator (
    key        TEXT PRIMARY KEY,
    created_at INTEGER NOT NULL DEFAULT (unixepoch())
) WITHOUT ROWID;
CREATE TABLE observation (
    id          INTEGER PRIMARY KEY,
    indicator   TEXT NOT NULL REFERENCES indicator(key),
    period      TEXT NOT NULL,
    revision    INTEGER NOT NULL,
    value       REAL NOT NULL,
    note        TEXT NOT NULL DEFAULT '',
    reported_at INTEGER NOT NULL,
    reporter    TEXT NOT NULL DEFAULT '',
    UNIQUE (indicator, period, revision)
);
CREATE TABLE alert (fingerprint TEXT PRIMARY KEY, indicator TEXT NOT NULL, kind TEXT NOT NULL,
    phase TEXT NOT NULL, period TEXT NOT NULL DEFAULT '', started_at INTEGER NOT NULL,
    firing_at INTEGER, resolved_at INTEGER, last_notified_at INTEGER,
    resolved_notified INTEGER NOT NULL DEFAULT 0, escalation_level INTEGER NOT NULL DEFAULT 0,
    acked_by TEXT NOT NULL DEFAULT '', ack_comment TEXT NOT NULL DEFAULT '', acked_at INTEGER)
    WITHOUT ROWID;
CREATE TABLE silence (id INTEGER PRIMARY KEY, matchers TEXT NOT NULL, starts_at INTEGER NOT NULL,
    ends_at INTEGER NOT NULL, author TEXT NOT NULL, comment TEXT NOT NULL,
    created_at INTEGER NOT NULL);
CREATE TABLE outbox (id INTEGER PRIMARY KEY, receiver TEXT NOT NULL, channel TEXT NOT NULL,
    target TEXT NOT NULL, secret_file TEXT NOT NULL DEFAULT '',
    idempotency_key TEXT NOT NULL UNIQUE, payload TEXT NOT NULL, created_at INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
    state TEXT NOT NULL DEFAULT 'pending', last_error TEXT NOT NULL DEFAULT '',
    delivered_at INTEGER);
CREATE INDEX outbox_pending ON outbox (state, next_attempt_at);
PRAGMA user_version=2;
)sql";

struct Latest {
    double value = 0;
    int revision = 0;
    std::int64_t reported_ms = 0;
    bool operator==(const Latest&) const = default;
};

std::map<std::string, Latest> latest_of(Store& s) {
    std::map<std::string, Latest> out;
    s.for_each_latest([&](std::string_view k, std::string_view p, double v, int rev, TimePoint t) {
        out[std::string(k) + "/" + std::string(p)] = {v, rev, t.time_since_epoch().count()};
    });
    return out;
}

// What the observations say is newest, read straight from the file (the latest table must agree).
std::map<std::string, Latest> newest_observations(const std::filesystem::path& file) {
    sqlite::Database db(file, SQLITE_OPEN_READONLY);
    sqlite::Statement q(db,
                        "SELECT o.indicator, o.period, o.value, o.revision, o.reported_at "
                        "FROM observation o WHERE o.revision = (SELECT MAX(revision) FROM "
                        "observation WHERE indicator = o.indicator AND period = o.period)");
    std::map<std::string, Latest> out;
    while (q.step())
        out[std::string(q.text(0)) + "/" + std::string(q.text(1))] = {
            q.real(2), static_cast<int>(q.int64(3)), q.int64(4)};
    return out;
}

}  // namespace

TEST_CASE("a database of schema version 2 is migrated and its newest values are found",
          "[store][latest]") {
    test::TempDir dir;
    const auto file = dir.path() / "old.db";
    {
        sqlite::Database db(file, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
        db.exec(kVersion2);
        db.exec(
            "INSERT INTO indicator (key) VALUES ('gdp'), ('cpi');"
            "INSERT INTO observation (indicator, period, revision, value, reported_at) VALUES "
            "('gdp', '2023-Q1', 1, 4.5, 1000), ('gdp', '2023-Q1', 2, 4.9, 2000),"
            "('gdp', '2023-Q2', 1, 5.1, 3000), ('cpi', '2023-Q1', 3, 1.3, 6000),"
            "('cpi', '2023-Q1', 1, 1.1, 4000), ('cpi', '2023-Q1', 2, 1.2, 5000);");
    }
    Store s(file);
    CHECK(s.schema_version() == Store::kSchemaVersion);
    const std::map<std::string, Latest> expected{{"gdp/2023-Q1", {4.9, 2, 2000}},
                                                 {"gdp/2023-Q2", {5.1, 1, 3000}},
                                                 {"cpi/2023-Q1", {1.3, 3, 6000}}};
    CHECK(latest_of(s) == expected);
    // and the writer goes on from the stored revisions
    s.begin();
    CHECK(s.append(test::row("cpi", "2023-Q1", 1.4)) == 4);
    CHECK(s.append(test::row("gdp", "2023-Q3", 5.5)) == 1);
    s.commit();
    CHECK(latest_of(s).at("cpi/2023-Q1") == Latest{1.4, 4, 1000});
    CHECK(latest_of(s).size() == 4);
    CHECK(latest_of(s) == newest_observations(file));
}

TEST_CASE("the latest table follows every append and reopens with the file", "[store][latest]") {
    test::TempDir dir;
    const auto file = dir.path() / "a.db";
    {
        Store s(file);
        s.register_indicators({"gdp", "cpi"});
        s.begin();
        s.append(test::row("gdp", "2023-Q1", 1));
        s.append(test::row("gdp", "2023-Q1", 2));
        s.append(test::row("cpi", "2023-Q4", 3));
        s.commit();
        s.begin();
        s.append(test::row("gdp", "2023-Q1", 4));
        s.commit();
    }
    Store s(file);
    CHECK(latest_of(s) == std::map<std::string, Latest>{{"gdp/2023-Q1", {4, 3, 1000}},
                                                        {"cpi/2023-Q4", {3, 1, 1000}}});
    CHECK(latest_of(s) == newest_observations(file));
}

TEST_CASE("a rejected batch leaves the latest table as it was, the batches beside it count",
          "[store][latest][committer]") {
    test::TempDir dir;
    const auto file = dir.path() / "a.db";
    Store s(file);
    s.register_indicators({"gdp", "cpi"});
    {
        Committer c(s);
        c.submit({test::row("gdp", "2023-Q1", 1)}, [](CommitResult r) { REQUIRE(r.ok()); });
        std::vector<CommitResult> results(3);
        {
            // all three in one group: the failing one makes the writer redo each alone
            test::HeldWriter hold(c);
            c.submit({test::row("cpi", "2023-Q1", 7)}, [&](CommitResult r) { results[0] = r; });
            c.submit({test::row("gdp", "2023-Q1", 99), test::row("ghost", "2023-Q1", 0)},
                     [&](CommitResult r) { results[1] = r; });
            c.submit({test::row("gdp", "2023-Q2", 8)}, [&](CommitResult r) { results[2] = r; });
            hold.release();
            c.stop();
        }
        CHECK(results[0].ok());
        CHECK_FALSE(results[1].ok());
        CHECK(results[2].ok());
    }
    // gdp/2023-Q1 keeps revision 1: the rejected request's good row is in neither table
    CHECK(latest_of(s) == std::map<std::string, Latest>{{"gdp/2023-Q1", {1, 1, 1000}},
                                                        {"gdp/2023-Q2", {8, 1, 1000}},
                                                        {"cpi/2023-Q1", {7, 1, 1000}}});
    CHECK(latest_of(s) == newest_observations(file));
    // and the next value of gdp/2023-Q1 is revision 2 (the revision cache dropped the rolled-back
    // one, the latest table never had it)
    s.begin();
    CHECK(s.append(test::row("gdp", "2023-Q1", 2)) == 2);
    s.commit();
    CHECK(latest_of(s) == newest_observations(file));
}
