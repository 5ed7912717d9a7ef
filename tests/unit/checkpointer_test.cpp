#include "store/checkpointer.hpp"

#include <atomic>
#include <catch2/catch.hpp>
#include <string>

#include "test_util.hpp"

using namespace indicatord;

namespace {

sqlite::Database open_wal(const std::filesystem::path& file) {
    sqlite::Database db(file, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX);
    db.exec(
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
        "CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, b BLOB);");
    return db;
}

// A transaction of about `pages` new pages (a 4 KB page each row).
void write_pages(sqlite::Database& db, int pages) {
    db.exec("BEGIN IMMEDIATE");
    sqlite::Statement insert(db, "INSERT INTO t (b) VALUES (zeroblob(3900))");
    for (int i = 0; i < pages; ++i) {
        insert.step();
        insert.reset();
    }
    db.exec("COMMIT");
}

long long scalar(sqlite::Database& db, const char* sql) {
    sqlite::Statement s(db, sql);
    REQUIRE(s.step());
    return s.int64(0);
}

}  // namespace

TEST_CASE(
    "commits past the wake bound are checkpointed on the checkpointer's thread, not by the "
    "writer",
    "[store][checkpointer]") {
    test::TempDir dir;
    const auto file = dir.path() / "a.db";
    auto writer = open_wal(file);
    CHECK(scalar(writer, "PRAGMA wal_autocheckpoint") == 1000);  // SQLite's own, before
    std::atomic<int> counted_thread = 0;
    std::atomic<int> counted_writer = 0;
    {
        Checkpointer checkpointer(
            writer, file, [&](bool on_writer) { ++(on_writer ? counted_writer : counted_thread); },
            8, 100000);
        CHECK(scalar(writer, "PRAGMA wal_autocheckpoint") == 0);  // replaced by the hook
        // 2 pages per commit: the fifth commit takes the WAL past 8 pages and wakes the thread.
        bool checkpointed = false;
        for (int i = 0; i < 200 && !checkpointed; ++i) {
            write_pages(writer, 2);
            checkpointed = checkpointer.background() > 0;
        }
        if (!checkpointed) CHECK(test::eventually([&] { return checkpointer.background() > 0; }));
        CHECK(checkpointer.on_writer() == 0);
    }
    CHECK(scalar(writer, "PRAGMA wal_autocheckpoint") == 1000);  // given back
    CHECK(counted_thread > 0);  // the metric's callback, once the thread is joined
    CHECK(counted_writer == 0);
    // The checkpoints copied frames into the database file: a reader that ignores the WAL
    // (immutable; nothing writes now that the thread is joined) sees committed rows.
    auto uri = "file:" + file.string() + "?immutable=1";
    sqlite::Database file_only(uri, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI);
    CHECK(scalar(file_only, "SELECT count(*) FROM t") > 0);
}

TEST_CASE("past the inline bound the writer checkpoints itself, so the WAL stays bounded",
          "[store][checkpointer]") {
    test::TempDir dir;
    const auto file = dir.path() / "a.db";
    auto writer = open_wal(file);
    write_pages(writer, 1);
    // A reader whose snapshot predates the writes: no checkpoint can move a frame past it, so
    // the WAL keeps growing and the background checkpoints achieve nothing.
    sqlite::Database reader(file, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX);
    reader.exec("BEGIN");
    CHECK(scalar(reader, "SELECT count(*) FROM t") == 1);
    Checkpointer checkpointer(writer, file, {}, 4, 40);
    for (int i = 0; i < 30; ++i) write_pages(writer, 2);
    CHECK(checkpointer.on_writer() > 0);  // commits at 40 pages and more checkpointed inline
    reader.exec("COMMIT");
    CHECK(scalar(writer, "SELECT count(*) FROM t") == 61);
}
