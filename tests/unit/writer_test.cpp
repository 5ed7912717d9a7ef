// The writer's paths: group commit without savepoints, the failure path that redoes each batch
// alone, and the newest values read back at start-up (issue 10).
#include <catch2/catch.hpp>
#include <future>
#include <map>

#include "store/committer.hpp"
#include "store/store.hpp"
#include "test_util.hpp"
#include "writer_util.hpp"

using namespace indicatord;
using test::HeldWriter;
using test::row;

namespace {

struct Outcome {
    std::promise<CommitResult> promise;
    std::future<CommitResult> future = promise.get_future();
    Committer::Done done() {
        return [this](CommitResult r) { promise.set_value(std::move(r)); };
    }
};

}  // namespace

TEST_CASE("a group of good batches is one transaction", "[writer]") {
    test::TempDir dir;
    Store s(dir.path() / "a.db");
    s.register_indicators({"gdp", "cpi"});
    Committer c(s);
    HeldWriter held(c);
    Outcome a, b;
    c.submit({row("gdp", "2023-Q1", 1), row("gdp", "2023-Q1", 2)}, a.done());
    c.submit({row("gdp", "2023-Q1", 3), row("cpi", "2023-Q2", 4)}, b.done());
    held.release();
    const auto ra = a.future.get();
    const auto rb = b.future.get();
    CHECK(ra.ok());
    CHECK(ra.revisions == std::vector<int>{1, 2});
    CHECK(rb.ok());
    CHECK(rb.revisions == std::vector<int>{3, 1});
    CHECK(c.transactions() == 1);
}

TEST_CASE(
    "a failing batch of a group changes nothing, the others are stored as if it were not sent",
    "[writer]") {
    test::TempDir dir;
    Store s(dir.path() / "a.db");
    s.register_indicators({"gdp", "cpi"});
    Committer c(s);
    HeldWriter held(c);
    Outcome a, bad, b;
    c.submit({row("gdp", "2023-Q1", 1), row("gdp", "2023-Q1", 2)}, a.done());
    // Its first value is good and written before the second fails the foreign key.
    c.submit({row("gdp", "2023-Q1", 99), row("ghost", "2023-Q1", 0)}, bad.done());
    c.submit({row("gdp", "2023-Q1", 3), row("cpi", "2023-Q2", 4)}, b.done());
    held.release();
    const auto ra = a.future.get();
    const auto rbad = bad.future.get();
    const auto rb = b.future.get();
    CHECK(ra.ok());
    CHECK(ra.revisions == std::vector<int>{1, 2});
    CHECK_FALSE(rbad.ok());
    CHECK_THAT(rbad.error, Catch::Contains("FOREIGN KEY"));
    CHECK(rbad.revisions.empty());
    CHECK(rb.ok());
    CHECK(rb.revisions == std::vector<int>{3, 1});
    // The group's transaction was rolled back; each good batch was committed alone.
    CHECK(c.transactions() == 2);
    c.stop();

    const auto gdp = s.history("gdp");
    REQUIRE(gdp.size() == 3);
    CHECK(gdp[0].value == 1);
    CHECK(gdp[1].value == 2);
    CHECK(gdp[2].value == 3);
    CHECK(gdp[2].revision == 3);
    CHECK(s.history("cpi").size() == 1);
    CHECK(s.history("ghost").empty());

    // The writer goes on as before: the next group is one transaction again.
    Committer again(s);
    auto next = std::make_shared<Outcome>();
    again.submit({row("gdp", "2023-Q1", 5)}, next->done());
    CHECK(next->future.get().revisions == std::vector<int>{4});
    CHECK(again.transactions() == 1);
}

TEST_CASE("for_each_latest yields the newest revision of every stored period, once", "[writer]") {
    test::TempDir dir;
    Store s(dir.path() / "a.db");
    // Keys that are prefixes of each other, and periods that sort in between.
    const std::vector<std::string> keys{"a", "a_b", "ab", "b", "b0", "z"};
    const std::vector<std::string> periods{"2023", "2023-01", "2023-Q1", "2023-Q2", "2024-Q1"};
    s.register_indicators(keys);
    std::map<std::pair<std::string, std::string>, std::pair<int, double>> expected;
    s.begin();
    // Interleaved: revisions of one period are not stored next to each other.
    for (int round = 0; round < 3; ++round)
        for (std::size_t k = 0; k < keys.size(); ++k)
            for (std::size_t p = 0; p < periods.size(); ++p) {
                if ((k + p + static_cast<std::size_t>(round)) % 3 == 0) continue;
                const double v = round * 100 + static_cast<double>(k * 10 + p);
                const int rev = s.append(row(keys[k], periods[p], v));
                expected[{keys[k], periods[p]}] = {rev, v};
            }
    s.commit();
    std::map<std::pair<std::string, std::string>, std::pair<int, double>> seen;
    s.for_each_latest([&](std::string_view k, std::string_view p, double v, int rev, TimePoint) {
        const auto [it, fresh] =
            seen.emplace(std::pair{std::string(k), std::string(p)}, std::pair{rev, v});
        CHECK(fresh);
    });
    CHECK(seen == expected);
}

TEST_CASE("for_each_latest on an empty database yields nothing", "[writer]") {
    test::TempDir dir;
    Store s(dir.path() / "a.db");
    int n = 0;
    s.for_each_latest([&](auto, auto, auto, auto, auto) { ++n; });
    CHECK(n == 0);
}
