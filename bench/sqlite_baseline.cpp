// Raw SQLite baseline for the ingest benchmark (bench/run.sh); not a test.
//
// One process, one connection, no HTTP, no JSON: inserts N rows into a fresh database with
// the daemon's schema (daemon/core/store.cpp, schema version 1), the daemon's pragmas
// (journal_mode=WAL, synchronous=FULL, foreign_keys=ON, temp_store=MEMORY) and the daemon's
// statements (Store::append: the next revision of the indicator's period, then a plain INSERT
// of the row), B rows per transaction
// (BEGIN IMMEDIATE ... COMMIT, so one WAL fsync per transaction). The rows are the ones
// bench/loadgen sends (indicator bench_NNNNN, quarter, value). Stops early, at a transaction
// boundary, after --max-seconds (1 row per transaction is fsync-bound). Prints KEY=VALUE lines.
//
// Diagnostics (not used by run.sh): --savepoint wraps the rows of each transaction in
// SAVEPOINT/RELEASE as the daemon's Committer does per request; --pragma SQL runs SQL after
// the daemon's pragmas (e.g. "PRAGMA temp_store=FILE"); --returning uses the daemon's statement
// until 2026-11-30 instead, one INSERT ... SELECT MAX(revision) + 1 ... RETURNING revision.
//
// Usage: sqlite_baseline --db PATH --rows N [--batch 1000] [--indicators 10000]
//                        [--max-seconds 20] [--savepoint] [--returning] [--pragma SQL]
//                        [--prefix X_]
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

[[noreturn]] void die(const std::string& msg) {
    std::fprintf(stderr, "sqlite_baseline: %s\n", msg.c_str());
    std::exit(2);
}

void exec(sqlite3* db, const char* sql) {
    char* err = nullptr;
    if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
        std::string m = err ? err : "?";
        sqlite3_free(err);
        die(std::string(sql).substr(0, 60) + ": " + m);
    }
}

sqlite3_stmt* prepare(sqlite3* db, const char* sql) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr) != SQLITE_OK)
        die(std::string("prepare: ") + sqlite3_errmsg(db));
    return s;
}

void step_done(sqlite3* db, sqlite3_stmt* s) {
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    }
    if (rc != SQLITE_DONE) die(std::string("step: ") + sqlite3_errmsg(db));
    sqlite3_reset(s);
}

// Same DDL as daemon/core/store.cpp kMigrations[0].
constexpr const char* kSchema = R"sql(
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
    reported_at INTEGER NOT NULL,  -- unix milliseconds
    reporter    TEXT NOT NULL DEFAULT '',
    UNIQUE (indicator, period, revision)
);
PRAGMA user_version=1;
)sql";

}  // namespace

int main(int argc, char** argv) {
    std::string path, prefix, pragma;
    bool savepoint = false, returning = false;
    long long rows = -1, batch = 1000, indicators = 10000;
    double max_seconds = 20;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto next = [&]() -> std::string {
            if (i + 1 >= argc) die("missing value after " + a);
            return argv[++i];
        };
        if (a == "--db")
            path = next();
        else if (a == "--rows")
            rows = std::stoll(next());
        else if (a == "--batch")
            batch = std::stoll(next());
        else if (a == "--indicators")
            indicators = std::stoll(next());
        else if (a == "--max-seconds")
            max_seconds = std::stod(next());
        else if (a == "--prefix")
            prefix = next();
        else if (a == "--savepoint")
            savepoint = true;
        else if (a == "--returning")
            returning = true;
        else if (a == "--pragma")
            pragma = next();
        else
            die("unknown argument " + a);
    }
    if (path.empty() || rows < 0 || batch < 1 || indicators < 1)
        die("need --db PATH --rows N (batch, indicators >= 1)");

    sqlite3* db = nullptr;
    if (sqlite3_open_v2(path.c_str(), &db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        nullptr) != SQLITE_OK)
        die("open " + path);
    exec(db,
         "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; "
         "PRAGMA temp_store=MEMORY;");
    if (!pragma.empty()) exec(db, pragma.c_str());
    exec(db, "BEGIN IMMEDIATE");
    exec(db, kSchema);
    {
        sqlite3_stmt* reg = prepare(db, "INSERT OR IGNORE INTO indicator (key) VALUES (?)");
        char key[32];
        for (long long i = 0; i < indicators; ++i) {
            std::snprintf(key, sizeof key, "bench_%05lld", i);
            sqlite3_bind_text(reg, 1, key, -1, SQLITE_TRANSIENT);
            step_done(db, reg);
        }
        sqlite3_finalize(reg);
    }
    exec(db, "COMMIT");

    // The daemon's statements (Store::append), or its old single statement (--returning).
    sqlite3_stmt* next_revision = prepare(db,
                                          "SELECT COALESCE(MAX(revision), 0) + 1 FROM observation "
                                          "WHERE indicator = ?1 AND period = ?2");
    sqlite3_stmt* insert = prepare(
        db, returning
                ? "INSERT INTO observation (indicator, period, revision, value, note, reported_at, "
                  "reporter) SELECT ?1, ?2, COALESCE(MAX(revision), 0) + 1, ?3, ?4, ?5, ?6 FROM "
                  "observation WHERE indicator = ?1 AND period = ?2 RETURNING revision"
                : "INSERT INTO observation (indicator, period, value, note, reported_at, reporter, "
                  "revision) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    sqlite3_stmt* begin = prepare(db, "BEGIN IMMEDIATE");
    sqlite3_stmt* commit = prepare(db, "COMMIT");
    sqlite3_stmt* sp = prepare(db, "SAVEPOINT batch");
    sqlite3_stmt* release = prepare(db, "RELEASE batch");

    using Clock = std::chrono::steady_clock;
    const auto t0 = Clock::now();
    const auto limit = t0 + std::chrono::duration_cast<Clock::duration>(
                                std::chrono::duration<double>(max_seconds));
    long long done = 0, txns = 0;
    bool capped = false;
    char key[32], period[16];
    while (done < rows) {
        if (Clock::now() >= limit) {
            capped = true;
            break;
        }
        step_done(db, begin);
        if (savepoint) step_done(db, sp);
        const long long n = std::min(batch, rows - done);
        const long long now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count();
        for (long long i = 0; i < n; ++i) {
            const long long seq = done + i;
            std::snprintf(key, sizeof key, "bench_%05lld", seq % indicators);
            std::snprintf(period, sizeof period, "2023-Q%d",
                          static_cast<int>((seq / indicators) % 4) + 1);
            if (!returning) {
                sqlite3_bind_text(next_revision, 1, key, -1, SQLITE_TRANSIENT);
                sqlite3_bind_text(next_revision, 2, period, -1, SQLITE_TRANSIENT);
                if (sqlite3_step(next_revision) != SQLITE_ROW)
                    die(std::string("next revision: ") + sqlite3_errmsg(db));
                sqlite3_bind_int64(insert, 7, sqlite3_column_int64(next_revision, 0));
                sqlite3_reset(next_revision);
            }
            sqlite3_bind_text(insert, 1, key, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(insert, 2, period, -1, SQLITE_TRANSIENT);
            sqlite3_bind_double(insert, 3, static_cast<double>(seq % 1000) / 10.0);
            sqlite3_bind_text(insert, 4, "", 0, SQLITE_STATIC);
            sqlite3_bind_int64(insert, 5, now_ms);
            sqlite3_bind_text(insert, 6, "anonymous", -1, SQLITE_STATIC);
            step_done(db, insert);
        }
        if (savepoint) step_done(db, release);
        step_done(db, commit);
        done += n;
        ++txns;
    }
    const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
    sqlite3_finalize(next_revision);
    sqlite3_finalize(insert);
    sqlite3_finalize(begin);
    sqlite3_finalize(commit);
    sqlite3_finalize(sp);
    sqlite3_finalize(release);
    sqlite3_stmt* count = prepare(db, "SELECT count(*) FROM observation");
    long long stored = -1;
    if (sqlite3_step(count) == SQLITE_ROW) stored = sqlite3_column_int64(count, 0);
    sqlite3_finalize(count);
    sqlite3_close(db);

    const char* P = prefix.c_str();
    std::printf("%sROWS=%lld\n%sROWS_ASKED=%lld\n%sSTORED=%lld\n%sTXNS=%lld\n%sBATCH=%lld\n", P,
                done, P, rows, P, stored, P, txns, P, batch);
    std::printf("%sCAPPED=%d\n%sSECONDS=%.3f\n%sROWS_PER_S=%.0f\n%sTXN_PER_S=%.0f\n", P,
                capped ? 1 : 0, P, secs, P, secs > 0 ? done / secs : 0.0, P,
                secs > 0 ? txns / secs : 0.0);
    return stored == done ? 0 : 1;
}
