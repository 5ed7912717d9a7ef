// The writer's cache of the newest revision per (indicator, period) (issue 10): the file is read
// once per period, and what a rolled-back transaction wrote never reaches a later revision, nor
// does a restart lose what was committed.
#include <catch2/catch.hpp>
#include <future>
#include <memory>

#include "store/committer.hpp"
#include "store/store.hpp"
#include "test_util.hpp"
#include "writer_util.hpp"

using namespace indicatord;
using test::HeldWriter;
using test::row;

namespace {

CommitResult commit(Committer& c, std::vector<NewObservation> batch) {
    auto done = std::make_shared<std::promise<CommitResult>>();
    auto result = done->get_future();
    c.submit(std::move(batch), [done](CommitResult r) { done->set_value(std::move(r)); });
    return result.get();
}

}  // namespace

TEST_CASE("the newest revision of a period is read from the file once, then counted in memory",
          "[writer][revisions]") {
    test::TempDir dir;
    Store s(dir.path() / "a.db");
    s.register_indicators({"gdp", "cpi"});
    s.begin();
    CHECK(s.append(row("gdp", "2023-Q1", 1)) == 1);
    CHECK(s.append(row("gdp", "2023-Q1", 2)) == 2);
    CHECK(s.append(row("cpi", "2023-Q1", 3)) == 1);
    CHECK(s.append(row("gdp", "2023-Q1", 4)) == 3);
    CHECK(s.append(row("gdp", "2023-Q2", 5)) == 1);
    s.commit();
    CHECK(s.revision_reads() == 3);  // gdp Q1, cpi Q1, gdp Q2
    s.begin();
    CHECK(s.append(row("gdp", "2023-Q1", 6)) == 4);
    s.commit();
    CHECK(s.revision_reads() == 3);
}

TEST_CASE("after a rolled-back transaction the revisions go on from what is stored",
          "[writer][revisions]") {
    test::TempDir dir;
    Store s(dir.path() / "a.db");
    s.register_indicators({"gdp"});
    s.begin();
    CHECK(s.append(row("gdp", "2023-Q1", 1)) == 1);
    s.commit();
    s.begin();
    CHECK(s.append(row("gdp", "2023-Q1", 2)) == 2);
    CHECK(s.append(row("gdp", "2023-Q1", 3)) == 3);
    CHECK(s.append(row("gdp", "2023-Q2", 4)) == 1);
    s.rollback();
    s.begin();
    CHECK(s.append(row("gdp", "2023-Q1", 5)) == 2);
    CHECK(s.append(row("gdp", "2023-Q2", 6)) == 1);
    s.commit();
    const auto h = s.history("gdp");
    REQUIRE(h.size() == 3);
    CHECK(h[0].revision == 1);
    CHECK(h[1].revision == 2);
    CHECK(h[1].value == 5);
    CHECK(h[2].period == "2023-Q2");
    CHECK(h[2].revision == 1);
}

TEST_CASE("a failed batch in a group leaves no revision behind, in the group nor alone",
          "[writer][revisions]") {
    test::TempDir dir;
    Store s(dir.path() / "a.db");
    s.register_indicators({"gdp", "cpi"});
    Committer c(s);
    REQUIRE(commit(c, {row("gdp", "2023-Q1", 1)}).revisions == std::vector<int>{1});
    {
        // In a group: the bad batch writes gdp Q1 revision 2 before its second value fails the
        // foreign key; the group is rolled back and each batch redone alone.
        HeldWriter held(c);
        auto bad = std::make_shared<std::promise<CommitResult>>();
        auto bad_result = bad->get_future();
        c.submit({row("gdp", "2023-Q1", 99), row("ghost", "2023-Q1", 0)},
                 [bad](CommitResult r) { bad->set_value(std::move(r)); });
        auto good = std::make_shared<std::promise<CommitResult>>();
        auto good_result = good->get_future();
        c.submit({row("gdp", "2023-Q1", 2), row("cpi", "2023-Q1", 3)},
                 [good](CommitResult r) { good->set_value(std::move(r)); });
        held.release();
        CHECK_FALSE(bad_result.get().ok());
        CHECK(good_result.get().revisions == std::vector<int>{2, 1});
    }
    // Alone: a batch that fails by itself (a group of one) rolls back too.
    const auto alone = commit(
        c, {row("gdp", "2023-Q1", 98), row("cpi", "2023-Q1", 97), row("ghost", "2023-Q1", 0)});
    CHECK_FALSE(alone.ok());
    CHECK(commit(c, {row("gdp", "2023-Q1", 4), row("cpi", "2023-Q1", 5)}).revisions ==
          std::vector<int>{3, 2});
    c.stop();
    const auto gdp = s.history("gdp");
    REQUIRE(gdp.size() == 3);
    CHECK(gdp[1].value == 2);
    CHECK(gdp[2].value == 4);
    CHECK(gdp[2].revision == 3);
}

TEST_CASE("a restarted writer goes on from the revisions in the file", "[writer][revisions]") {
    test::TempDir dir;
    const auto file = dir.path() / "a.db";
    {
        Store s(file);
        s.register_indicators({"gdp"});
        Committer c(s);
        CHECK(commit(c, {row("gdp", "2023-Q1", 1), row("gdp", "2023-Q1", 2)}).revisions ==
              std::vector<int>{1, 2});
    }
    Store again(file);
    Committer c(again);
    CHECK(commit(c, {row("gdp", "2023-Q1", 3), row("gdp", "2023-Q2", 4)}).revisions ==
          std::vector<int>{3, 1});
    c.stop();
    CHECK(again.revision_reads() == 2);
}
