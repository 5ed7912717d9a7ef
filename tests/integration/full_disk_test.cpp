// The database's file system fills up: 503 with the cause, nothing partial, writes resume.
#include <arpa/inet.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "harness.hpp"
#include "store/sqlite.hpp"

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

bool healthy(const it::Daemon& d) {
    return it::http("GET", d.url("/healthz")).status == 200;
}

/// (period, value) of every stored revision of `key`, from the API (page by page).
std::multiset<std::pair<std::string, long long>> stored_values(const it::Daemon& d,
                                                               const std::string& key) {
    std::multiset<std::pair<std::string, long long>> out;
    for (const auto& v : it::history(d, key)) out.emplace(v.period, std::llround(v.value));
    return out;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// The database's file system fills up.

namespace {

/// Writes `file` until the file system is full (ENOSPC), down to the last byte; returns its size.
std::size_t fill(const fs::path& file) {
    const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    REQUIRE(fd >= 0);
    std::size_t total = 0;
    const std::string block(64 << 10, 'j');
    for (std::size_t chunk : {std::size_t(64) << 10, std::size_t(4096), std::size_t(1)}) {
        for (;;) {
            const auto n = ::write(fd, block.data(), chunk);
            if (n <= 0) break;
            total += static_cast<std::size_t>(n);
        }
    }
    const int err = errno;
    ::fsync(fd);
    ::close(fd);
    CHECK(err == ENOSPC);
    return total;
}

}  // namespace

TEST_CASE(
    "a full disk: 503 with the cause, nothing partial, still healthy, writes resume when space is "
    "back",
    "[robustness][storage]") {
    it::TempDir dir;
    const auto small = dir.path() / "small";
    it::SmallFilesystem mount(small);
    if (!mount.mounted()) {
        WARN(
            "SKIPPED: cannot mount a small file system for the database (needs root and mount "
            "permission): "
            << mount.error());
        return;
    }
    const auto db = small / "indicatord.db";
    std::optional<it::Daemon> d;
    d.emplace(dir.path(), it::kData + "/minimal.yaml",
              std::vector<std::string>{"--database", db.string()});
    auto post = [&](const std::string& body) {
        return it::http("POST", d->url("/api/v1/values"), body);
    };
    REQUIRE(post(it::one_value("gdp_growth", "2023-Q1", 1)).status == 200);

    // Fill the file system. Writes that still fit in space SQLite already holds may succeed; one
    // that needs more must fail with 503, whole, and say why.
    const auto junk = small / "junk";
    fill(junk);
    std::set<long long> acknowledged{1};
    it::Response refusal;
    for (long long v = 100; v < 400 && refusal.status == 0; ++v) {
        auto r = post(it::one_value("gdp_growth", "2023-Q2", static_cast<double>(v)));
        if (r.status == 200)
            acknowledged.insert(v);
        else if (r.status == 503)
            refusal = r;
        else
            FAIL("unexpected " << r.status << " " << r.body);
    }
    REQUIRE(refusal.status == 503);
    INFO("the refusal: " << refusal.body);
    CHECK(refusal.content_type == "application/json");
    const std::string error(json::parse(refusal.body).at("error").as_string());
    CHECK_THAT(error, Catch::StartsWith("values not stored: "));
    CHECK_THAT(error, Catch::Contains("disk is full"));

    // A batch of three while full: refused whole.
    auto batch = post(R"({"values":[{"indicator":"gdp_growth","period":"2023-Q3","value":500},
                                    {"indicator":"cpi_growth","period":"2023-07","value":501},
                                    {"indicator":"manufacturing_projects","period":"2023-Q3","value":502}]})");
    CHECK(batch.status == 503);
    // Health, readiness and reads go on.
    CHECK(healthy(*d));
    CHECK(it::http("GET", d->url("/readyz")).status == 200);
    CHECK(it::http("GET", d->url("/metrics")).status == 200);
    auto seen = [&](const std::string& key) {
        std::set<long long> values;
        for (const auto& [period, value] : stored_values(*d, key)) values.insert(value);
        return values;
    };
    CHECK(seen("gdp_growth") == acknowledged);
    CHECK(seen("cpi_growth").empty());
    CHECK(seen("manufacturing_projects").empty());

    // Space is back: the next write succeeds, without a restart.
    fs::remove(junk);
    auto resumed = post(R"({"values":[{"indicator":"gdp_growth","period":"2023-Q4","value":600},
                                      {"indicator":"cpi_growth","period":"2023-10","value":601}]})");
    CHECK(resumed.status == 200);
    acknowledged.insert(600);
    CHECK(seen("gdp_growth") == acknowledged);
    CHECK(seen("cpi_growth") == std::set<long long>{601});
    CHECK(seen("manufacturing_projects").empty());

    // And it all holds across a clean restart: nothing refused shows up, the file is sound.
    d->process().signal(SIGTERM);
    CHECK(d->process().wait(10s) == 0);
    d.reset();
    d.emplace(dir.path(), it::kData + "/minimal.yaml",
              std::vector<std::string>{"--database", db.string()});
    CHECK(seen("gdp_growth") == acknowledged);
    CHECK(seen("cpi_growth") == std::set<long long>{601});
    d->process().signal(SIGTERM);
    CHECK(d->process().wait(10s) == 0);
    indicatord::sqlite::Database file(db, SQLITE_OPEN_READWRITE);
    indicatord::sqlite::Statement check(file, "PRAGMA integrity_check");
    REQUIRE(check.step());
    CHECK(check.text(0) == "ok");
}
