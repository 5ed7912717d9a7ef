// Every acknowledged value survives kill -9 at random moments under load (bench/crash_loop.sh
// runs this test in a loop: keep its tag [robustness][crash]).
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

/// (period, value) of every stored revision of `key`, from the API (page by page).
std::multiset<std::pair<std::string, long long>> stored_values(const it::Daemon& d,
                                                               const std::string& key) {
    std::multiset<std::pair<std::string, long long>> out;
    for (const auto& v : it::history(d, key)) out.emplace(v.period, std::llround(v.value));
    return out;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// kill -9 under load, again and again: every 200 is on disk.
//
// The short form runs in CI. bench/crash_loop.sh runs the long form through the same test with
// these environment variables:
//   INDICATORD_CRASH_CYCLES   kill/restart cycles                  (20)
//   INDICATORD_CRASH_THREADS  writer threads, each on one keep-alive connection  (4)
//   INDICATORD_CRASH_MIN_MS / INDICATORD_CRASH_MAX_MS  load before each kill, ms  (50 / 300)
//   INDICATORD_CRASH_SEED     random seed, to repeat a run         (random; printed)

namespace {

long env_or(const char* name, long fallback) {
    const char* v = std::getenv(name);
    return v && *v ? std::strtol(v, nullptr, 10) : fallback;
}

/// libcurl on one kept-alive connection, for one thread.
class KeepAlive {
  public:
    KeepAlive() : curl_(curl_easy_init()) {
        headers_ = curl_slist_append(headers_, "Content-Type: application/json");
        headers_ = curl_slist_append(headers_, "Expect:");
        curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, headers_);
        curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(curl_, CURLOPT_TIMEOUT, 10L);
        curl_easy_setopt(
            curl_, CURLOPT_WRITEFUNCTION,
            +[](char*, size_t size, size_t n, void*) { return size * n; });
    }
    ~KeepAlive() {
        curl_slist_free_all(headers_);
        curl_easy_cleanup(curl_);
    }
    KeepAlive(const KeepAlive&) = delete;
    KeepAlive& operator=(const KeepAlive&) = delete;

    /// The status, or 0 when the connection failed.
    long post(const std::string& url, const std::string& body) {
        curl_easy_setopt(curl_, CURLOPT_URL, url.c_str());
        curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, body.data());
        curl_easy_setopt(curl_, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
        long status = 0;
        if (curl_easy_perform(curl_) == CURLE_OK)
            curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &status);
        return status;
    }

  private:
    CURL* curl_;
    curl_slist* headers_ = nullptr;
};

struct Item {
    std::string indicator, period;
    long long value;
};

/// What the load generator sent: every batch, and whether it got its 200.
struct Ledger {
    struct Post {
        std::vector<Item> items;
        bool acknowledged = false;
    };
    std::mutex mutex;
    std::vector<Post> posts;
};

/// Writer `t` posts until the daemon stops answering 200. Thread 0 sends batches of three (one
/// per indicator) to check that a batch is stored whole or not at all; the others single values.
void writer(int t, const std::string& url, std::atomic<long long>& next_value, Ledger& ledger,
            std::atomic<int>& acknowledged) {
    KeepAlive client;
    for (int i = 0;; ++i) {
        std::vector<Item> items;
        auto v = [&] { return next_value.fetch_add(1); };
        const int q = 1 + (i + t) % 4, m = 1 + (i + t) % 12;
        const std::string quarter = "2023-Q" + std::to_string(q);
        const std::string month = (m < 10 ? "2023-0" : "2023-") + std::to_string(m);
        if (t == 0) {
            items = {{"gdp_growth", quarter, v()},
                     {"cpi_growth", month, v()},
                     {"manufacturing_projects", quarter, v()}};
        } else if (t % 3 == 1) {
            items = {{"gdp_growth", quarter, v()}};
        } else if (t % 3 == 2) {
            items = {{"cpi_growth", month, v()}};
        } else {
            items = {{"manufacturing_projects", quarter, v()}};
        }
        std::string body = R"({"values":[)";
        for (std::size_t k = 0; k < items.size(); ++k)
            body += std::string(k ? "," : "") + R"({"indicator":")" + items[k].indicator +
                    R"(","period":")" + items[k].period + R"(","value":)" +
                    std::to_string(items[k].value) + "}";
        body += "]}";
        std::size_t index;
        {
            std::lock_guard lock(ledger.mutex);
            index = ledger.posts.size();
            ledger.posts.push_back({items, false});
        }
        const long status = client.post(url, body);
        if (status != 200) return;  // killed under us (0), or a 503 after the kill began
        {
            std::lock_guard lock(ledger.mutex);
            ledger.posts[index].acknowledged = true;
        }
        ++acknowledged;
    }
}

const std::vector<std::string> kCrashIndicators{"gdp_growth", "cpi_growth",
                                                "manufacturing_projects"};

/// Checks the stored values against the ledger: every acknowledged item is there exactly once,
/// nothing is there that was never sent, and each batch is there whole or not at all.
/// `stored` maps value -> (indicator, period) occurrences.
void check_against(const Ledger& ledger,
                   const std::multimap<long long, std::pair<std::string, std::string>>& stored,
                   int cycle, std::size_t* in_flight_stored) {
    std::map<long long, const Item*> sent;
    for (const auto& p : ledger.posts)
        for (const auto& i : p.items) sent[i.value] = &i;
    std::size_t missing = 0, unknown = 0, duplicated = 0, misplaced = 0, torn = 0;
    std::string first_missing;
    for (auto it = stored.begin(); it != stored.end(); it = stored.upper_bound(it->first)) {
        if (stored.count(it->first) > 1) ++duplicated;
        auto s = sent.find(it->first);
        if (s == sent.end()) {
            ++unknown;
        } else if (s->second->indicator != it->second.first ||
                   s->second->period != it->second.second) {
            ++misplaced;
        }
    }
    *in_flight_stored = 0;
    for (const auto& p : ledger.posts) {
        std::size_t present = 0;
        for (const auto& i : p.items) present += stored.count(i.value) ? 1 : 0;
        if (p.acknowledged && present != p.items.size()) {
            ++missing;
            if (first_missing.empty())
                first_missing = p.items[0].indicator + " " + p.items[0].period + " " +
                                std::to_string(p.items[0].value);
        }
        if (present != 0 && present != p.items.size()) ++torn;
        if (!p.acknowledged && present == p.items.size()) ++*in_flight_stored;
    }
    INFO("after cycle " << cycle << ": " << stored.size() << " values stored, "
                        << ledger.posts.size() << " posts sent");
    INFO("first acknowledged value missing: " << first_missing);
    CHECK(missing == 0);
    CHECK(unknown == 0);
    CHECK(duplicated == 0);
    CHECK(misplaced == 0);
    CHECK(torn == 0);
}

}  // namespace

TEST_CASE("every acknowledged value survives kill -9 at random moments under load, 20 times",
          "[robustness][crash]") {
    const int cycles = static_cast<int>(env_or("INDICATORD_CRASH_CYCLES", 20));
    const int threads = static_cast<int>(env_or("INDICATORD_CRASH_THREADS", 4));
    const long min_ms = env_or("INDICATORD_CRASH_MIN_MS", 50),
               max_ms = env_or("INDICATORD_CRASH_MAX_MS", 300);
    const auto seed =
        static_cast<std::uint32_t>(env_or("INDICATORD_CRASH_SEED", std::random_device{}()));
    INFO("INDICATORD_CRASH_SEED=" << seed);
    REQUIRE((cycles > 0 && threads > 0 && 0 <= min_ms && min_ms <= max_ms));
    static const bool curl_ready = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
    REQUIRE(curl_ready);

    std::mt19937 rng(seed);
    std::uniform_int_distribution<long> delay(min_ms, max_ms);
    it::TempDir dir;
    Ledger ledger;
    std::atomic<long long> next_value{1};
    std::size_t in_flight_stored = 0, acknowledged_total = 0;
    const auto start = Clock::now();

    auto read_back = [](const it::Daemon& d) {
        std::multimap<long long, std::pair<std::string, std::string>> stored;
        for (const auto& key : kCrashIndicators)
            for (const auto& [period, value] : stored_values(d, key))
                stored.emplace(value, std::pair{key, period});
        return stored;
    };

    for (int cycle = 1; cycle <= cycles; ++cycle) {
        it::Daemon d(dir.path());
        if (cycle > 1) check_against(ledger, read_back(d), cycle - 1, &in_flight_stored);
        std::atomic<int> acknowledged{0};
        std::vector<std::thread> writers;
        const auto url = d.url("/api/v1/values");
        for (int t = 0; t < threads; ++t)
            writers.emplace_back(writer, t, url, std::ref(next_value), std::ref(ledger),
                                 std::ref(acknowledged));
        // The load is running once values are acknowledged; then kill at a random moment.
        const bool loaded = it::eventually([&] { return acknowledged > 0; }, 10s);
        std::this_thread::sleep_for(
            std::chrono::milliseconds(delay(rng)));  // the experiment, not a wait
        d.process().signal(SIGKILL);
        const auto code = d.process().wait(10s);
        for (auto& w : writers) w.join();
        acknowledged_total += static_cast<std::size_t>(acknowledged.load());
        REQUIRE(loaded);
        REQUIRE(code == 128 + SIGKILL);
    }

    // The last restart: read back once more, then stop cleanly and read the file itself.
    std::size_t stored_count = 0;
    {
        it::Daemon d(dir.path());
        const auto stored = read_back(d);
        check_against(ledger, stored, cycles, &in_flight_stored);
        stored_count = stored.size();
        d.process().signal(SIGTERM);
        REQUIRE(d.process().wait(10s) == 0);
        indicatord::sqlite::Database db(d.database(), SQLITE_OPEN_READWRITE);
        indicatord::sqlite::Statement check(db, "PRAGMA integrity_check");
        REQUIRE(check.step());
        CHECK(check.text(0) == "ok");
        indicatord::sqlite::Statement count(db, "SELECT count(*) FROM observation");
        REQUIRE(count.step());
        CHECK(static_cast<std::size_t>(count.int64(0)) == stored_count);
    }
    std::printf(
        "crash loop: %d kill -9 cycles in %.1f s, %d writer threads, %zu posts sent, %zu "
        "acknowledged, "
        "%zu stored values, %zu posts stored without their 200 (in flight at the kill); seed %u\n",
        cycles, std::chrono::duration<double>(Clock::now() - start).count(), threads,
        ledger.posts.size(), acknowledged_total, stored_count, in_flight_stored, seed);
}
