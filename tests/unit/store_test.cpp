#include "store/store.hpp"

#include <catch2/catch.hpp>
#include <map>
#include <thread>

#include "store/committer.hpp"
#include "test_util.hpp"
#include "util/errors.hpp"

using namespace indicatord;

namespace {
NewObservation row(const char* key, const char* period, double v) {
    return NewObservation{key, period, v, "", TimePoint(std::chrono::milliseconds(1000)), "tester"};
}

std::size_t count(Store& s) {
    std::size_t n = 0;
    s.for_each_latest([&](auto, auto, auto, auto, auto) { ++n; });
    return n;
}
}  // namespace

TEST_CASE("an empty file is migrated to the current schema", "[store]") {
    test::TempDir dir;
    Store s(dir.path() / "a.db");
    CHECK(s.schema_version() == Store::kSchemaVersion);
}

TEST_CASE("re-reporting a period adds a revision, history keeps all, the newest counts",
          "[store]") {
    test::TempDir dir;
    Store s(dir.path() / "a.db");
    s.register_indicators({"gdp", "cpi"});
    s.begin();
    CHECK(s.append(row("gdp", "2023-Q1", 4.5)) == 1);
    CHECK(s.append(row("gdp", "2023-Q1", 4.9)) == 2);
    CHECK(s.append(row("gdp", "2023-Q2", 5.1)) == 1);
    s.commit();

    auto h = s.history("gdp");
    REQUIRE(h.size() == 3);
    CHECK(h[0].revision == 1);
    CHECK(h[0].value == 4.5);
    CHECK(h[1].revision == 2);
    CHECK(h[1].reporter == "tester");

    std::map<std::string, double> latest;
    s.for_each_latest([&](std::string_view k, std::string_view p, double v, int, TimePoint) {
        latest[std::string(k) + "/" + std::string(p)] = v;
    });
    CHECK(latest.size() == 2);
    CHECK(latest["gdp/2023-Q1"] == 4.9);
}

TEST_CASE("values survive closing and reopening the file", "[store]") {
    test::TempDir dir;
    {
        Store s(dir.path() / "a.db");
        s.register_indicators({"gdp"});
        s.begin();
        s.append(row("gdp", "2023-Q1", 4.5));
        s.commit();
    }
    Store s(dir.path() / "a.db");
    CHECK(count(s) == 1);
    CHECK(s.schema_version() == Store::kSchemaVersion);
}

TEST_CASE("a value for an unregistered indicator violates the foreign key", "[store]") {
    test::TempDir dir;
    Store s(dir.path() / "a.db");
    s.begin();
    CHECK_THROWS_AS(s.append(row("ghost", "2023-Q1", 1)), StorageError);
    s.rollback();
}

TEST_CASE("a database from a newer indicatord is refused", "[store]") {
    test::TempDir dir;
    {
        sqlite::Database db(dir.path() / "a.db", SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
        db.exec("PRAGMA user_version=99");
    }
    CHECK_THROWS_WITH(Store(dir.path() / "a.db"),
                      "database schema version 99 is newer than this indicatord understands (6)");
}

TEST_CASE("group commit: concurrent batches share transactions, a failing batch fails alone",
          "[store][committer]") {
    test::TempDir dir;
    Store s(dir.path() / "a.db");
    s.register_indicators({"gdp"});
    std::atomic<int> ok{0}, failed{0};
    {
        Committer c(s);
        std::vector<std::thread> threads;
        for (int t = 0; t < 4; ++t)
            threads.emplace_back([&, t] {
                for (int i = 0; i < 50; ++i) {
                    std::vector<NewObservation> batch{row("gdp", "2023-Q1", t * 100 + i)};
                    if (i == 7) batch.push_back(row("ghost", "2023-Q1", 0));  // FK violation
                    c.submit(std::move(batch), [&](CommitResult r) { (r.ok() ? ok : failed)++; });
                }
            });
        for (auto& th : threads) th.join();
        c.stop();
        CHECK(c.transactions() <= 200);
    }
    CHECK(ok == 196);
    CHECK(failed == 4);
    CHECK(s.history("gdp").size() == 196);  // the failed batches' good rows were rolled back too
    CHECK(s.history("gdp").back().revision == 196);
}
