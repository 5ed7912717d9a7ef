// The read API against the real daemon: paging through an indicator's history, and the per-unit
// read scope (auth.read_scope: unit) with real tokens.
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "harness.hpp"

namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

const std::string kRules =
    "rules: " + it::kData + "/minimal\ncalendars: " + it::kData + "/../../config/calendars\n";

std::string create_token(const fs::path& config, const std::string& args) {
    auto [code, out] = it::run(it::kCtl + " token create " + config.string() + " " + args);
    REQUIRE(code == 0);
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
    return out;
}

std::vector<std::string> bearer(const std::string& token) {
    return {"Authorization: Bearer " + token};
}

/// `count` revisions of gdp_growth, spread over the four quarters, in one batch.
std::string revisions(int count, int first_value) {
    static const char* quarters[] = {"2023-Q1", "2023-Q2", "2023-Q3", "2023-Q4"};
    std::string body = R"({"values":[)";
    for (int i = 0; i < count; ++i)
        body += std::string(i ? "," : "") + R"({"indicator":"gdp_growth","period":")" +
                quarters[i % 4] + R"(","value":)" + std::to_string(first_value + i) + "}";
    return body + "]}";
}

struct Page {
    std::vector<std::pair<std::string, std::int64_t>> rows;  ///< (period, revision)
    std::optional<std::string> next;
};

Page page(const it::Daemon& d, const std::string& query) {
    auto r = it::http("GET", d.url("/api/v1/indicators/gdp_growth/values" + query));
    INFO(query << ": " << r.body.substr(0, 300));
    REQUIRE(r.status == 200);
    const auto doc = json::parse(r.body).as_object();
    Page p;
    for (const auto& v : doc.at("values").as_array())
        p.rows.emplace_back(std::string(v.at("period").as_string()), v.at("revision").as_int64());
    if (const auto* n = doc.if_contains("next_cursor")) p.next = std::string(n->as_string());
    return p;
}

/// Every row, page by page.
std::vector<std::pair<std::string, std::int64_t>> walk(const it::Daemon& d,
                                                       const std::string& limit, std::size_t& pages,
                                                       const std::function<void()>& between = {}) {
    std::vector<std::pair<std::string, std::int64_t>> all;
    std::optional<std::string> cursor;
    pages = 0;
    do {
        std::string query = limit.empty() ? "" : "?limit=" + limit;
        if (cursor) query += (query.empty() ? "?" : "&") + std::string("cursor=") + *cursor;
        auto p = page(d, query);
        ++pages;
        all.insert(all.end(), p.rows.begin(), p.rows.end());
        cursor = p.next;
        if (between) between();
        REQUIRE(pages < 100);
    } while (cursor);
    return all;
}

}  // namespace

TEST_CASE("an indicator's history comes in pages: limit and cursor walk every revision once",
          "[api][pages]") {
    it::TempDir dir;
    const auto config = dir.path() / "indicatord.yaml";
    std::ofstream(config) << kRules;
    it::Daemon d(dir.path(), config.string());
    REQUIRE(it::http("POST", d.url("/api/v1/values"), revisions(1000, 0)).status == 200);
    REQUIRE(it::http("POST", d.url("/api/v1/values"), revisions(1000, 1000)).status == 200);
    REQUIRE(it::http("POST", d.url("/api/v1/values"), revisions(501, 2000)).status == 200);
    std::vector<std::pair<std::string, std::int64_t>> expected;
    for (const std::string q : {"2023-Q1", "2023-Q2", "2023-Q3", "2023-Q4"})
        for (std::int64_t r = 1; r <= (q == "2023-Q1" ? 626 : 625); ++r)
            expected.emplace_back(q, r);

    // The default page is 100 rows: the first page says there is more.
    auto first = page(d, "");
    CHECK(first.rows.size() == 100);
    CHECK(first.next);
    std::size_t pages = 0;
    CHECK(walk(d, "", pages) == expected);
    CHECK(pages == 26);
    // The largest page is 1000 rows. Values written during the walk (a new revision of a period
    // already passed) do not make it repeat or skip rows that were there when it began.
    int extra = 0;
    auto all = walk(d, "1000", pages, [&] {
        REQUIRE(it::http("POST", d.url("/api/v1/values"),
                         R"({"values":[{"indicator":"gdp_growth","period":"2023-Q1","value":)" +
                             std::to_string(9000 + extra++) + "}]}")
                    .status == 200);
    });
    CHECK(pages == 3);
    CHECK(all == expected);
    CHECK(walk(d, "50", pages).size() == expected.size() + 3);
    CHECK(pages == 51);
    // 2504 rows in pages of 626: the fourth page is the last and says so (no empty fifth page).
    CHECK(walk(d, "626", pages).size() == 2504);
    CHECK(pages == 4);
}

TEST_CASE("a bad limit or cursor gets 400 naming it", "[api][pages]") {
    it::TempDir dir;
    const auto config = dir.path() / "indicatord.yaml";
    std::ofstream(config) << kRules;
    it::Daemon d(dir.path(), config.string());
    auto get = [&](const std::string& query) {
        return it::http("GET", d.url("/api/v1/indicators/gdp_growth/values" + query));
    };
    for (const std::string limit :
         {"0", "1001", "-1", "abc", "1.5", "", "10000000000000000000000"}) {
        INFO("limit=" << limit);
        auto r = get("?limit=" + limit);
        CHECK(r.status == 400);
        CHECK(json::parse(r.body).at("error").as_string() ==
              "limit must be a whole number from 1 to 1000, got '" + limit + "'");
    }
    // hex of "2023-Q1" with no revision; of "2023-Q1\n0"; not hex; odd length; empty
    const std::pair<std::string, std::string> bad[] = {
        {"323032332d5131", "it does not hold a period and a revision"},
        {"323032332d51310a30", "it does not hold a period and a revision"},
        {"zz", "it is not hexadecimal"},
        {"abc", "it has an odd number of hex digits"},
        {"", "it does not hold a period and a revision"}};
    for (const auto& [cursor, why] : bad) {
        INFO("cursor=" << cursor);
        auto r = get("?cursor=" + cursor);
        CHECK(r.status == 400);
        CHECK(json::parse(r.body).at("error").as_string() ==
              "cursor '" + cursor + "' is not valid (" + why +
                  "): pass the next_cursor of the previous page unchanged");
    }
    auto unknown = get("?offset=10");
    CHECK(unknown.status == 400);
    CHECK(json::parse(unknown.body).at("error").as_string() ==
          "unknown query parameter 'offset' (allowed: limit, cursor)");
    CHECK(get("?limit=1000").status == 200);
    CHECK(get("?limit=1").status == 200);
}

TEST_CASE(
    "read_scope unit: a unit token reads what its unit is responsible for, the office and admin "
    "read all",
    "[api][auth][read_scope]") {
    it::TempDir dir;
    const auto config = dir.path() / "indicatord.yaml";
    std::ofstream(config)
        << kRules
        << "auth:\n  tokens_file: tokens.yaml\n  read_requires_token: true\n  read_scope: unit\n"
           "  read_all_units: [tjj]\n";
    const auto fgw = create_token(config, "--unit fgw --id fgw-1");
    const auto liandu = create_token(config, "--unit liandu --id liandu-1");
    const auto tjj = create_token(config, "--unit tjj --id tjj-1");
    const auto admin = create_token(config, "--admin --id ops");
    it::Daemon d(dir.path(), config.string());
    REQUIRE(it::http("POST", d.url("/api/v1/values"),
                     R"({"values":[{"indicator":"gdp_growth","period":"2023-Q1","value":4.9},
                                   {"indicator":"task068_report_liandu","period":"2023-Q1","value":50},
                                   {"indicator":"task068_report_longquan","period":"2023-Q1","value":60}]})",
                     "application/json", bearer(admin))
                .status == 200);

    auto keys = [&](const std::string& token) {
        auto r = it::http("GET", d.url("/api/v1/indicators"), {}, {}, bearer(token));
        REQUIRE(r.status == 200);
        std::set<std::string> out;
        const auto doc = json::parse(r.body);
        for (const auto& i : doc.at("indicators").as_array()) out.emplace(i.at("key").as_string());
        return out;
    };
    const std::set<std::string> all{"gdp_growth", "cpi_growth", "manufacturing_projects",
                                    "task068_report_liandu", "task068_report_longquan"};
    CHECK(keys(admin) == all);
    CHECK(keys(tjj) == all);  // auth.read_all_units
    // fgw leads tasks 1, 8 and 10; liandu is a co-unit of task 10 (as a member of counties) and a
    // joint lead of task 68, which answers for its own indicator only.
    CHECK(keys(fgw) == std::set<std::string>{"gdp_growth", "cpi_growth", "manufacturing_projects"});
    CHECK(keys(liandu) == std::set<std::string>{"manufacturing_projects", "task068_report_liandu"});

    auto get = [&](const std::string& path, const std::string& token) {
        return it::http("GET", d.url(path), {}, {},
                        token.empty() ? std::vector<std::string>{} : bearer(token));
    };
    for (const std::string path : {"/api/v1/indicators/task068_report_longquan",
                                   "/api/v1/indicators/task068_report_longquan/values"}) {
        INFO(path);
        auto refused = get(path, liandu);
        CHECK(refused.status == 403);
        CHECK(json::parse(refused.body).at("error").as_string() ==
              "token 'liandu-1' of unit 'liandu' may not read indicator 'task068_report_longquan' "
              "(task 68, led by "
              "'longquan'): auth.read_scope is unit");
        CHECK(get(path, admin).status == 200);
        CHECK(get(path, tjj).status == 200);
        CHECK(get(path, "").status == 401);
    }
    CHECK(get("/api/v1/indicators/task068_report_liandu/values", liandu).status == 200);
    CHECK(get("/api/v1/indicators/gdp_growth", fgw).status == 200);
    CHECK(get("/api/v1/indicators/gdp_growth/values", fgw).status == 200);
    CHECK(get("/api/v1/indicators/gdp_growth/values", liandu).status == 403);

    // Alerts: only those of readable indicators. (The plan year is long over: reports are missed.)
    auto alert_keys = [&](const std::string& token) {
        auto r = get("/api/v1/alerts", token);
        REQUIRE(r.status == 200);
        std::set<std::string> out;
        const auto doc = json::parse(r.body);
        for (const auto& a : doc.at("alerts").as_array())
            out.emplace(a.at("indicator").as_string());
        return out;
    };
    REQUIRE(it::eventually([&] { return alert_keys(admin).count("task068_report_longquan") > 0; }));
    const auto admin_alerts = alert_keys(admin);
    const auto liandu_alerts = alert_keys(liandu);
    CHECK(!liandu_alerts.empty());
    for (const auto& k : liandu_alerts)
        CHECK((k == "manufacturing_projects" || k == "task068_report_liandu"));
    CHECK(alert_keys(tjj) == admin_alerts);

    // Silences are the office's and the admins'.
    auto silences = get("/api/v1/silences", fgw);
    CHECK(silences.status == 403);
    CHECK(get("/api/v1/silences", tjj).status == 200);
    CHECK(get("/api/v1/silences", admin).status == 200);

    // /metrics, /healthz and /readyz stay open for the scraper and the supervisor.
    CHECK(get("/metrics", "").status == 200);
    CHECK(get("/healthz", "").status == 200);
    CHECK(get("/readyz", "").status == 200);
    // Writing is unchanged: fgw still reports its own.
    CHECK(it::http("POST", d.url("/api/v1/values"),
                   R"({"values":[{"indicator":"gdp_growth","period":"2023-Q2","value":5}]})",
                   "application/json", bearer(fgw))
              .status == 200);
}

TEST_CASE("read scope settings are checked with their place in the config",
          "[api][auth][read_scope]") {
    it::TempDir dir;
    const auto config = dir.path() / "indicatord.yaml";
    auto check = [&](const std::string& auth) {
        std::ofstream(config) << kRules << "auth:\n" << auth;
        return it::run(it::kCtl + " check " + config.string());
    };
    auto [code, out] = check("  read_scope: unit\n");
    CHECK(code != 0);
    CHECK_THAT(out, Catch::Contains(config.string() +
                                    ":4:15: read_scope: unit needs read_requires_token: true"));
    std::tie(code, out) = check("  read_requires_token: true\n  read_scope: units\n");
    CHECK(code != 0);
    CHECK_THAT(out, Catch::Contains(config.string() +
                                    ":5:15: read_scope must be 'all' or 'unit', got 'units'"));
    std::tie(code, out) =
        check("  read_requires_token: true\n  read_scope: unit\n  read_all_units: [dcs]\n");
    CHECK(code != 0);
    CHECK_THAT(out,
               Catch::Contains(
                   config.string() +
                   ": auth.read_all_units names 'dcs', which is not a unit of plan test-2023"));
    std::tie(code, out) =
        check("  read_requires_token: true\n  read_scope: unit\n  read_all_units: [tjj]\n");
    CHECK(code == 0);
}

TEST_CASE("the installed config closes the read API with the unit scope, the office reads all",
          "[api][auth][read_scope]") {
    std::ifstream in(it::kData + "/../../systemd/indicatord.yaml.in");
    const std::string text((std::istreambuf_iterator<char>(in)), {});
    CHECK_THAT(text, Catch::Contains("\n  read_requires_token: true "));
    CHECK_THAT(text, Catch::Contains("\n  read_scope: unit "));
    CHECK_THAT(text, Catch::Contains("\n  read_all_units: [dcs] "));
}
