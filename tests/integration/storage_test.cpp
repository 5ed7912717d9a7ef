// Storage faults with the real daemon: a locked database and a full disk during an
// acknowledgement, the database file deleted under a running daemon, two daemons on one
// database, and `indicatorctl backup` under concurrent ingest restored into a fresh directory.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <cmath>
#include <fstream>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "harness.hpp"
#include "store/sqlite.hpp"

namespace json = boost::json;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

const std::string kMinimal = it::kData + "/minimal.yaml";
// The minimal plan's gdp_growth Q1 is overdue from 2023-04-26 (due 04-20, grace 5 days).
const std::vector<std::string> kOverdue{"--test-clock", "--now", "2023-04-26T09:00:00+08:00"};

std::string error_of(const it::Response& r) {
    const auto doc = json::parse(r.body);
    return std::string(doc.at("error").as_string());
}

/// The values of every stored revision of `key`, from the API.
std::multiset<long long> stored_values(const it::Daemon& d, const std::string& key) {
    std::multiset<long long> out;
    for (const auto& v : it::history(d, key)) out.insert(std::llround(v.value));
    return out;
}

/// The firing overdue alert of gdp_growth, from the API.
json::object gdp_alert(const it::Daemon& d) {
    auto r = it::http("GET", d.url("/api/v1/alerts?state=firing"));
    REQUIRE(r.status == 200);
    const auto doc = json::parse(r.body);
    for (const auto& a : doc.at("alerts").as_array())
        if (a.at("indicator").as_string() == "gdp_growth" && a.at("kind").as_string() == "overdue")
            return a.as_object();
    FAIL("no firing overdue alert of gdp_growth: " << r.body);
    return {};
}

std::optional<std::string> ack_comment(const it::Daemon& d) {
    const auto a = gdp_alert(d);
    if (!a.contains("acknowledged")) return std::nullopt;
    return std::string(a.at("acknowledged").at("comment").as_string());
}

it::Response ack(const it::Daemon& d, const std::string& fp, const std::string& comment) {
    return it::http("POST", d.url("/api/v1/alerts/" + fp + "/ack"),
                    R"({"comment":")" + comment + R"(","author":"王科长"})");
}

void stop(it::Daemon& d) {
    d.process().signal(SIGTERM);
    REQUIRE(d.process().wait(10s) == 0);
}

std::size_t count(const std::string& text, const std::string& needle) {
    std::size_t n = 0;
    for (auto p = text.find(needle); p != std::string::npos; p = text.find(needle, p + 1)) ++n;
    return n;
}

}  // namespace

TEST_CASE(
    "an acknowledgement on a locked database: 503 naming the cause, memory untouched, stored once "
    "unlocked",
    "[storage][alerts]") {
    it::TempDir dir;
    std::optional<it::Daemon> d;
    d.emplace(dir.path(), kMinimal, kOverdue);
    const std::string fp(gdp_alert(*d).at("fingerprint").as_string());

    {
        // Another process holds the write lock (sqlite3 "BEGIN EXCLUSIVE"): the daemon waits its
        // busy timeout (5 s), then refuses, naming the cause.
        indicatord::sqlite::Database other(d->database(), SQLITE_OPEN_READWRITE);
        other.exec("BEGIN EXCLUSIVE");
        auto refused = ack(*d, fp, "锁定时");
        INFO(refused.body);
        CHECK(refused.status == 503);
        CHECK(refused.content_type == "application/json");
        CHECK_THAT(error_of(refused), Catch::StartsWith("acknowledgement not stored: ") &&
                                          Catch::Contains("database is locked"));
        // The API shows what the table holds: no acknowledgement.
        CHECK(ack_comment(*d) == std::nullopt);
        other.exec("ROLLBACK");
    }

    // Unlocked: the retry is stored, shown, and survives a restart.
    REQUIRE(ack(*d, fp, "正在核算").status == 200);
    CHECK(ack_comment(*d) == "正在核算");
    stop(*d);
    d.reset();
    d.emplace(dir.path(), kMinimal, kOverdue);
    CHECK(ack_comment(*d) == "正在核算");
}

TEST_CASE(
    "the event loop awaits the writer: requests are served while an acknowledgement waits for the "
    "lock",
    "[storage][alerts]") {
    it::TempDir dir;
    it::Daemon d(dir.path(), kMinimal, kOverdue);
    const std::string fp(gdp_alert(d).at("fingerprint").as_string());
    indicatord::sqlite::Database other(d.database(), SQLITE_OPEN_READWRITE);
    other.exec("BEGIN EXCLUSIVE");
    std::atomic<bool> answered{false};
    it::Response refused;
    std::thread acker([&] {
        refused = ack(d, fp, "锁定时");
        answered = true;
    });
    // While the writer waits out its 5 s busy timeout, the loop goes on answering (a loaded
    // machine may take a while per request; blocked, the slowest pair took the whole 5 s).
    auto slowest = std::chrono::steady_clock::duration::zero();
    int served = 0;
    while (!answered) {
        const auto start = std::chrono::steady_clock::now();
        CHECK(it::http("GET", d.url("/healthz")).status == 200);
        CHECK(it::http("GET", d.url("/api/v1/alerts")).status == 200);
        slowest = std::max(slowest, std::chrono::steady_clock::now() - start);
        ++served;
    }
    acker.join();
    other.exec("ROLLBACK");
    CHECK(refused.status == 503);
    CHECK(served > 3);
    INFO("slowest: " << std::chrono::duration_cast<std::chrono::milliseconds>(slowest).count()
                     << " ms");
    CHECK(slowest < 2s);
}

TEST_CASE("silences on a locked database: 503 naming the cause, nothing shown, nothing expired",
          "[storage][alerts]") {
    it::TempDir dir;
    it::Daemon d(dir.path(), kMinimal, kOverdue);
    const std::string silence =
        R"({"matchers":{"indicator":"gdp_growth"},"ends_at":"2023-05-01T00:00:00+08:00",
                                    "author":"督查室","comment":"已电话督办"})";
    auto created = it::http("POST", d.url("/api/v1/silences"), silence);
    REQUIRE(created.status == 200);
    const auto id = json::parse(created.body).at("id").to_number<int>();
    auto silences = [&] {
        return json::array(
            json::parse(it::http("GET", d.url("/api/v1/silences")).body).at("silences").as_array());
    };

    indicatord::sqlite::Database other(d.database(), SQLITE_OPEN_READWRITE);
    other.exec("BEGIN EXCLUSIVE");
    auto add = it::http("POST", d.url("/api/v1/silences"), silence);
    CHECK(add.status == 503);
    CHECK_THAT(error_of(add),
               Catch::StartsWith("silence not stored: ") && Catch::Contains("database is locked"));
    auto expire = it::http("DELETE", d.url("/api/v1/silences/" + std::to_string(id)));
    CHECK(expire.status == 503);
    CHECK_THAT(error_of(expire),
               Catch::StartsWith("silence not expired: ") && Catch::Contains("database is locked"));
    auto shown = silences();
    REQUIRE(shown.size() == 1);
    CHECK(shown[0].at("active").as_bool());
    other.exec("ROLLBACK");

    CHECK(it::http("DELETE", d.url("/api/v1/silences/" + std::to_string(id))).status == 200);
    CHECK_FALSE(silences()[0].at("active").as_bool());
}

namespace {

/// Writes `file` until the file system has no byte left.
void fill(const fs::path& file) {
    const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    REQUIRE(fd >= 0);
    const std::string block(64 << 10, 'j');
    for (std::size_t chunk : {std::size_t(64) << 10, std::size_t(4096), std::size_t(1)})
        while (::write(fd, block.data(), chunk) > 0) {
        }
    ::close(fd);
}

}  // namespace

TEST_CASE(
    "an acknowledgement on a full disk: 503 with the cause (not a failed rollback), kept once "
    "space is back",
    "[storage][alerts]") {
    it::TempDir dir;
    const auto small = dir.path() / "small";
    it::SmallFilesystem mount(small);
    if (!mount.mounted()) {
        WARN("SKIPPED: cannot mount a tmpfs for the database (needs root): " << mount.error());
        return;
    }
    const auto db = small / "indicatord.db";
    auto args = kOverdue;
    args.insert(args.end(), {"--database", db.string()});
    std::optional<it::Daemon> d;
    d.emplace(dir.path(), kMinimal, args);
    const std::string fp(gdp_alert(*d).at("fingerprint").as_string());

    fill(small / "junk");
    // Acknowledgements that still fit in pages SQLite holds may succeed; the first that does not
    // must be refused whole, with the cause.
    std::optional<std::string> stored;
    it::Response refusal;
    for (int i = 0; i < 300 && refusal.status == 0; ++i) {
        const auto comment = "第" + std::to_string(i) + "次";
        auto r = ack(*d, fp, comment);
        if (r.status == 200)
            stored = comment;
        else if (r.status == 503)
            refusal = r;
        else
            FAIL("unexpected " << r.status << " " << r.body);
    }
    REQUIRE(refusal.status == 503);
    INFO(refusal.body);
    CHECK_THAT(error_of(refusal), Catch::StartsWith("acknowledgement not stored: ") &&
                                      Catch::Contains("disk is full"));
    CHECK_THAT(error_of(refusal), !Catch::Contains("rollback"));
    CHECK(ack_comment(*d) == stored);

    fs::remove(small / "junk");
    REQUIRE(ack(*d, fp, "空间已恢复").status == 200);
    stop(*d);
    d.reset();
    d.emplace(dir.path(), kMinimal, args);
    CHECK(ack_comment(*d) == "空间已恢复");
}

TEST_CASE(
    "the database file deleted under a running daemon: writes 503 naming it, not ready, one error "
    "logged",
    "[storage]") {
    it::TempDir dir;
    it::Daemon d(dir.path());
    REQUIRE(it::http("POST", d.url("/api/v1/values"), it::one_value("gdp_growth", "2023-Q1", 6))
                .status == 200);
    REQUIRE(it::http("GET", d.url("/readyz")).status == 200);

    fs::remove(d.database());
    for (int i = 0; i < 2; ++i) {
        auto r =
            it::http("POST", d.url("/api/v1/values"), it::one_value("gdp_growth", "2023-Q2", 7));
        INFO(r.body);
        CHECK(r.status == 503);
        CHECK_THAT(error_of(r), Catch::StartsWith("values not stored: database file " +
                                                  d.database().string() + " is gone"));
    }
    auto ready = it::http("GET", d.url("/readyz"));
    CHECK(ready.status == 503);
    CHECK_THAT(error_of(ready),
               Catch::StartsWith("not ready: database file " + d.database().string() + " is gone"));
    CHECK(it::http("GET", d.url("/healthz")).status == 200);  // alive, just not ready
    CHECK(count(d.process().err(), "is gone") == 1);

    // Replaced by another file (a restore under a running daemon): refused as well.
    { std::ofstream(d.database()) << ""; }
    auto replaced =
        it::http("POST", d.url("/api/v1/values"), it::one_value("gdp_growth", "2023-Q2", 8));
    CHECK(replaced.status == 503);
    CHECK_THAT(error_of(replaced), Catch::Contains("was replaced by another file"));
}

TEST_CASE("a second daemon on the same database refuses to start, the first keeps working",
          "[storage]") {
    it::TempDir dir;
    it::Daemon first(dir.path());
    const auto logs = dir.path() / "second";
    fs::create_directories(logs);
    it::Process second({it::kDaemon, "--config", kMinimal, "--listen", "127.0.0.1:0", "--database",
                        first.database().string()},
                       logs);
    const auto code = second.wait(10s);
    REQUIRE(code.has_value());
    CHECK(*code == 1);
    CHECK_THAT(
        second.err(),
        Catch::EndsWith(
            "indicatord: database " + first.database().string() +
            " is in use by another indicatord (pid " + std::to_string(first.process().pid()) +
            "), which holds " + first.database().string() +
            ".lock; two daemons on one database would each keep their own view of it. Stop the "
            "other one, or give this one its own --database\n"));
    CHECK(it::http("POST", first.url("/api/v1/values"), it::one_value("gdp_growth", "2023-Q1", 6))
              .status == 200);
    CHECK(stored_values(first, "gdp_growth") == std::multiset<long long>{6});

    // Once the first has stopped, the lock is free again.
    stop(first);
    it::Daemon again(dir.path());
    CHECK(stored_values(again, "gdp_growth") == std::multiset<long long>{6});
}

TEST_CASE(
    "indicatorctl backup under concurrent ingest: the restored copy holds every value acknowledged "
    "before",
    "[storage][ctl]") {
    it::TempDir dir;
    it::Daemon d(dir.path());
    const auto ctl = it::kCtl + " ";

    // A writer posts value after value while the backup runs.
    std::mutex m;
    std::vector<long long> acknowledged;
    std::atomic<bool> done{false};
    std::atomic<long> failures{0};
    std::thread writer([&] {
        for (long long v = 1; !done; ++v) {
            auto r = it::http("POST", d.url("/api/v1/values"),
                              it::one_value("gdp_growth", "2023-Q1", static_cast<double>(v)));
            if (r.status != 200) {
                ++failures;
                continue;
            }
            std::lock_guard lock(m);
            acknowledged.push_back(v);
        }
    });
    auto acknowledged_count = [&] {
        std::lock_guard lock(m);
        return acknowledged.size();
    };
    REQUIRE(it::eventually([&] { return acknowledged_count() >= 200; }));
    std::vector<long long> before;
    {
        std::lock_guard lock(m);
        before = acknowledged;
    }
    const auto copy = dir.path() / "backup.db";
    auto [code, out] = it::run(ctl + "backup " + kMinimal + " " + copy.string() + " --database " +
                               d.database().string());
    const auto after_backup = acknowledged_count();
    // The writer goes on after the backup: the daemon kept taking writes.
    REQUIRE(it::eventually([&] { return acknowledged_count() >= after_backup + 20; }));
    done = true;
    writer.join();
    INFO(out);
    REQUIRE(code == 0);
    CHECK_THAT(out, Catch::StartsWith("backed up " + d.database().string() + " to " +
                                      copy.string() + " ("));
    CHECK(failures == 0);
    CHECK(fs::exists(copy));
    CHECK_FALSE(fs::exists(copy.string() + "-wal"));

    // An existing file is refused unless --force.
    auto again = it::run(ctl + "backup " + kMinimal + " " + copy.string() + " --database " +
                         d.database().string());
    CHECK(again.first == 1);
    CHECK(again.second == "indicatorctl: " + copy.string() +
                              " exists; refusing to overwrite it (--force replaces it)\n");

    // Restore: the copy alone, in a fresh directory, under a fresh daemon.
    it::TempDir fresh;
    fs::copy_file(copy, fresh.path() / "indicatord.db");
    it::Daemon restored(fresh.path());
    const auto values = stored_values(restored, "gdp_growth");
    std::size_t missing = 0;
    for (auto v : before) missing += values.count(v) == 1 ? 0 : 1;
    CHECK(missing == 0);
    CHECK(values.size() >= before.size());
    CHECK(
        it::http("POST", restored.url("/api/v1/values"), it::one_value("cpi_growth", "2023-01", 1))
            .status == 200);
}

TEST_CASE("indicatorctl backup --force replaces a file, a missing database is named",
          "[storage][ctl]") {
    it::TempDir dir;
    const auto ctl = it::kCtl + " ";
    {
        it::Daemon d(dir.path());
        REQUIRE(it::http("POST", d.url("/api/v1/values"), it::one_value("gdp_growth", "2023-Q1", 6))
                    .status == 200);
        stop(d);
    }
    const auto db = dir.path() / "indicatord.db";
    const auto copy = dir.path() / "copy.db";
    { std::ofstream(copy) << "old"; }
    auto forced = it::run(ctl + "backup " + kMinimal + " " + copy.string() + " --database " +
                          db.string() + " --force");
    CHECK(forced.first == 0);
    CHECK(forced.second ==
          "backed up " + db.string() + " to " + copy.string() + " (1 observations)\n");
    auto missing = it::run(ctl + "backup " + kMinimal + " " + (dir.path() / "x.db").string() +
                           " --database " + (dir.path() / "none.db").string());
    CHECK(missing.first == 1);
    CHECK(missing.second ==
          "indicatorctl: " + (dir.path() / "none.db").string() + ": no such database\n");
}

TEST_CASE(
    "the write-ahead log is checkpointed by the daemon's checkpointer thread, not in the "
    "writer's commits",
    "[storage][checkpoint]") {
    it::TempDir dir;
    it::Daemon d(dir.path());
    // 1,500 revisions with a 3,000-byte note each: about 1,500 pages of log, past the 1,000 that
    // wake the checkpointer and far from the 16,000 at which a commit would checkpoint itself.
    const std::string note(3000, 'x');
    for (int b = 0; b < 15; ++b) {
        std::string body = R"({"values":[)";
        for (int i = 0; i < 100; ++i) {
            if (i) body += ',';
            body += R"({"indicator":"gdp_growth","period":"2023-Q1","value":)" +
                    std::to_string(b * 100 + i) + R"(,"note":")" + note + "\"}";
        }
        body += "]}";
        REQUIRE(it::http("POST", d.url("/api/v1/values"), body).status == 200);
    }
    std::string text;
    CHECK(it::eventually([&] {
        text = it::http("GET", d.url("/metrics")).body;
        return text.find("indicatord_wal_checkpoints_total{by=\"checkpointer\"} ") !=
                   std::string::npos &&
               text.find("indicatord_wal_checkpoints_total{by=\"checkpointer\"} 0\n") ==
                   std::string::npos;
    }));
    CHECK_THAT(text, Catch::Contains("indicatord_wal_checkpoints_total{by=\"writer\"} 0\n"));
    CHECK(stored_values(d, "gdp_growth").size() == 1500);
}
