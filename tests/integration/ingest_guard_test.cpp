// Issue 9 against the real daemon with real tokens: duplicate JSON keys, values for periods
// that have not ended, reported_at, who may write an indicator, the tokens file on load and
// reload, and the token checks that held in the review.
#include <signal.h>
#include <sys/stat.h>

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <set>

#include "harness.hpp"

namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    return s;
}

std::string create_token(const fs::path& config, const std::string& args) {
    auto [code, out] = it::run(it::kCtl + " token create " + config.string() + " " + args);
    REQUIRE(code == 0);
    return trim(out);
}

std::vector<std::string> bearer(const std::string& token) {
    return token.empty() ? std::vector<std::string>{}
                         : std::vector<std::string>{"Authorization: Bearer " + token};
}

it::Response post_values(const it::Daemon& d, const std::string& body,
                         const std::string& token = {},
                         const std::string& type = "application/json") {
    return it::http("POST", d.url("/api/v1/values"), body, type, bearer(token));
}

std::string error_of(const it::Response& r) {
    return std::string(json::parse(r.body).at("error").as_string());
}

std::string reason_of(const it::Response& r, std::size_t i = 0) {
    return std::string(json::parse(r.body).at("items").as_array().at(i).at("reason").as_string());
}

std::size_t stored(const it::Daemon& d, const std::string& key) {
    return json::parse(it::http("GET", d.url("/api/v1/indicators/" + key + "/values")).body)
        .at("values")
        .as_array()
        .size();
}

// A config on the minimal test plan, with tokens when `tokens` is set.
fs::path minimal_config(const fs::path& dir, bool tokens) {
    const auto config = dir / "indicatord.yaml";
    std::ofstream(config) << "rules: " << it::kData << "/minimal\ncalendars: " << it::kData
                          << "/../../config/calendars\n"
                          << (tokens ? "auth:\n  tokens_file: tokens.yaml\n" : "");
    return config;
}

}  // namespace

TEST_CASE("a key named twice in any JSON body is refused with 400 naming the key",
          "[ingest][json]") {
    it::TempDir dir;
    it::Daemon d(dir.path(), minimal_config(dir.path(), false).string(),
                 {"--test-clock", "--now", "2023-04-08T09:00:00+08:00"});

    auto r = post_values(d, R"({"values":[{"indicator":"gdp_growth","period":"2023-Q1","value":4.9},
                                          {"indicator":"gdp_growth","period":"2023-Q1","value":4.9,"value":9}]})");
    CHECK(r.status == 400);
    CHECK(error_of(r) ==
          "body is not valid JSON: duplicate key 'value' in values[1]: each key may appear only "
          "once");
    r = post_values(
        d,
        R"({"values":[{"indicator":"cpi_growth","indicator":"gdp_growth","period":"2023-Q1","value":4.9}]})");
    CHECK(r.status == 400);
    CHECK(error_of(r) ==
          "body is not valid JSON: duplicate key 'indicator' in values[0]: each key may appear "
          "only once");
    CHECK(stored(d, "gdp_growth") == 0);
    CHECK(stored(d, "cpi_growth") == 0);

    // silences
    r = it::http(
        "POST", d.url("/api/v1/silences"),
        R"({"matchers":{"indicator":"gdp_growth","indicator":"cpi_growth"},"ends_at":"2023-05-01T00:00:00Z",
                     "author":"a","comment":"c"})");
    CHECK(r.status == 400);
    CHECK(error_of(r) ==
          "body must be a JSON object {matchers, ends_at, author, comment}: duplicate key "
          "'indicator' "
          "in matchers: each key may appear only once");
    CHECK(json::parse(it::http("GET", d.url("/api/v1/silences")).body)
              .at("silences")
              .as_array()
              .empty());

    // acknowledgements: the progress reports of task 68 are due 04-10, so reminders are firing
    const auto alerts = json::parse(it::http("GET", d.url("/api/v1/alerts?state=firing")).body)
                            .at("alerts")
                            .as_array();
    REQUIRE_FALSE(alerts.empty());
    const std::string fp(alerts[0].at("fingerprint").as_string());
    r = it::http("POST", d.url("/api/v1/alerts/" + fp + "/ack"),
                 R"({"comment":"a","author":"x","comment":"b"})");
    CHECK(r.status == 400);
    CHECK(
        error_of(r) ==
        R"(body must be a JSON object {"comment": "..."}: duplicate key 'comment' in the body: each key may appear only once)");
    const auto after = json::parse(it::http("GET", d.url("/api/v1/alerts?state=firing")).body)
                           .at("alerts")
                           .as_array();
    for (const auto& a : after) CHECK_FALSE(a.as_object().contains("acknowledged"));

    // the test clock too
    r = it::http("POST", d.url("/-/clock"),
                 R"({"now":"2023-04-09T00:00:00Z","now":"2030-01-01T00:00:00Z"})");
    CHECK(r.status == 400);
}

TEST_CASE(
    "a statistic for a period that has not ended is refused by JSON, CSV and indicatorctl import "
    "alike",
    "[ingest][period]") {
    it::TempDir dir;
    const auto config = minimal_config(dir.path(), false);
    it::Daemon d(dir.path(), config.string(),
                 {"--test-clock", "--now", "2023-04-15T09:00:00+08:00"});

    // JSON: a Q4 GDP figure in April
    auto r = post_values(d, it::one_value("gdp_growth", "2023-Q4", 6.1));
    CHECK(r.status == 400);
    CHECK(
        reason_of(r) ==
        "period 2023-Q4 of threshold indicator 'gdp_growth' has not ended yet: it ends with "
        "2023-12-31 (Asia/Shanghai); report it after that (only report, achievement and milestones "
        "values may come early)");
    // the month in progress is not over either; Q1 is
    CHECK(post_values(d, it::one_value("cpi_growth", "2023-04", 2)).status == 400);
    CHECK(post_values(d, it::one_value("gdp_growth", "2023-Q1", 4.9)).status == 200);
    // progress may come early
    CHECK(post_values(d, it::one_value("task068_report_liandu", "2023-Q4", 80)).status == 200);

    // CSV, by line
    r = post_values(
        d, "indicator,period,value\ngdp_growth,2023-Q2,5.5\nmanufacturing_projects,2023-Q1,20\n",
        "", "text/csv");
    CHECK(r.status == 400);
    auto items = json::parse(r.body).at("items").as_array();
    REQUIRE(items.size() == 1);
    CHECK(items[0].at("line").to_number<int>() == 2);
    CHECK_THAT(
        std::string(items[0].at("reason").as_string()),
        Catch::StartsWith("period 2023-Q2 of threshold indicator 'gdp_growth' has not ended yet"));

    // indicatorctl import: checked locally (system clock: 2023 is over), refused by the daemon's
    // clock, each reason printed with its file and line
    const auto csv = dir.path() / "q2.csv";
    std::ofstream(csv) << "indicator,period,value\n\ngdp_growth,2023-Q2,5.5\n";
    auto [code, out] = it::run(it::kCtl + " import " + config.string() + " " + csv.string() +
                               " --url " + d.url(""));
    CHECK(code == 1);
    CHECK_THAT(out,
               Catch::Contains(
                   csv.string() +
                   ":3: period 2023-Q2 of threshold indicator 'gdp_growth' has not ended yet"));
    CHECK(stored(d, "gdp_growth") == 1);

    // no missed alert for the refused value; once Q2 is over it is taken
    CHECK(json::parse(it::http("GET", d.url("/api/v1/alerts?kind=missed")).body)
              .at("alerts")
              .as_array()
              .empty());
    REQUIRE(it::http("POST", d.url("/-/clock"), R"({"now":"2023-07-01T00:00:00+08:00"})").status ==
            200);
    CHECK(post_values(d, it::one_value("gdp_growth", "2023-Q2", 5.5)).status == 200);
}

TEST_CASE("reported_at is honoured for admin tokens and refused from unit tokens",
          "[ingest][reported_at][auth]") {
    it::TempDir dir;
    const auto config = minimal_config(dir.path(), true);
    const auto fgw = create_token(config, "--unit fgw --id fgw-1");
    const auto admin = create_token(config, "--admin --id ops");
    it::Daemon d(dir.path(), config.string(), {"--now", "2024-02-01T09:00:00+08:00"});
    const std::string history =
        "indicator,period,value,reported_at\n"
        "gdp_growth,2023-Q1,4.9,2023-04-18T10:00:00+08:00\n";

    auto r = post_values(d, history, fgw, "text/csv");
    CHECK(r.status == 400);
    CHECK(
        reason_of(r) ==
        "reported_at may only be given with an admin token (an import of history); a unit's values "
        "are dated when they arrive: leave it out");
    r = post_values(
        d,
        R"({"values":[{"indicator":"gdp_growth","period":"2023-Q1","value":4.9,"reported_at":"2023-04-18T10:00:00+08:00"}]})",
        fgw);
    CHECK(r.status == 400);
    CHECK(stored(d, "gdp_growth") == 0);

    // admin: stored with the given time (API and metrics), and the evaluation uses it
    REQUIRE(post_values(d, history, admin, "text/csv").status == 200);
    auto values = json::parse(it::http("GET", d.url("/api/v1/indicators/gdp_growth/values")).body)
                      .at("values")
                      .as_array();
    REQUIRE(values.size() == 1);
    CHECK(values[0].at("reported_at").as_string() == "2023-04-18T02:00:00.000Z");
    CHECK(values[0].at("reporter").as_string() == "admin token:ops");
    CHECK(json::parse(it::http("GET", d.url("/api/v1/indicators/gdp_growth")).body)
              .at("latest")
              .as_array()
              .at(0)
              .at("reported_at")
              .as_string() == "2023-04-18T02:00:00.000Z");

    // in the future, or before the period ended: refused even for an admin
    r = post_values(
        d, "indicator,period,value,reported_at\ngdp_growth,2023-Q2,5,2024-03-01T00:00:00Z\n", admin,
        "text/csv");
    CHECK(r.status == 400);
    CHECK_THAT(reason_of(r),
               Catch::StartsWith("reported_at 2024-03-01T00:00:00.000Z is in the future"));
    r = post_values(
        d, "indicator,period,value,reported_at\ngdp_growth,2023-Q2,5,2023-06-20T00:00:00Z\n", admin,
        "text/csv");
    CHECK(r.status == 400);
    CHECK_THAT(reason_of(r), Catch::Contains("has not ended at its reported_at"));

    // indicatorctl import sends the column on: kept for the admin, refused for the unit
    const auto csv = dir.path() / "q2.csv";
    std::ofstream(csv)
        << "indicator,period,value,reported_at\ngdp_growth,2023-Q2,5.6,2023-07-17T10:00:00+08:00\n";
    std::ofstream(dir.path() / "fgw.token") << fgw << "\n";
    std::ofstream(dir.path() / "admin.token") << admin << "\n";
    const auto import = it::kCtl + " import " + config.string() + " " + csv.string() + " --url " +
                        d.url("") + " --token-file ";
    auto [code, out] = it::run(import + (dir.path() / "fgw.token").string());
    CHECK(code == 1);
    CHECK_THAT(out, Catch::Contains(csv.string() +
                                    ":2: reported_at may only be given with an admin token"));
    std::tie(code, out) = it::run(import + (dir.path() / "admin.token").string());
    CHECK(code == 0);
    values = json::parse(it::http("GET", d.url("/api/v1/indicators/gdp_growth/values")).body)
                 .at("values")
                 .as_array();
    REQUIRE(values.size() == 2);
    CHECK(values[1].at("reported_at").as_string() == "2023-07-17T02:00:00.000Z");
}

TEST_CASE(
    "who may write: the lead unit, writers the plan names, admins (not joint leads, co-units or "
    "groups)",
    "[auth][writers]") {
    it::TempDir dir;
    const auto rules = dir.path() / "rules";
    fs::create_directories(rules);
    std::ofstream(rules / "plan.yaml")
        << R"(plan: {id: w-2023, name: 写入, year: 2023, timezone: Asia/Shanghai}
units:
  - {id: fgw, name: 市发改委}
  - {id: tjj, name: 市统计局}
  - {id: jxj, name: 市经信局}
  - {id: liandu, name: 莲都区政府}
  - {id: longquan, name: 龙泉市政府}
  - {id: counties, name: 各县(市、区)政府, kind: group, members: [liandu, longquan]}
tasks:
  - number: 1
    text: 市发改委、市统计局分别牵头,市经信局配合。
    joint_leads: [市发改委, 市统计局]
    co: [市经信局]
    indicators:
      - {key: part_fgw, kind: value, lead: 市发改委}
      - {key: part_tjj, kind: value, lead: 市统计局, writers: [市经信局]}
  - number: 2
    text: 市发改委牵头,各县(市、区)政府报送。
    lead: 市发改委
    co: [各县(市、区)政府, 市统计局]
    writers: [各县(市、区)政府]
    indicators:
      - {key: county_count, kind: value}
  - number: 3
    text: 各县(市、区)政府分别牵头。
    joint_leads: [各县(市、区)政府]  # 分别牵头: each county owes its own report
)";
    const auto config = dir.path() / "indicatord.yaml";
    std::ofstream(config) << "rules: rules\ncalendars: " << it::kData << "/../../config/calendars\n"
                          << "auth:\n  tokens_file: tokens.yaml\n";
    std::map<std::string, std::string> token;
    for (const char* unit : {"fgw", "tjj", "jxj", "liandu", "longquan", "counties"})
        token[unit] = create_token(config, std::string("--unit ") + unit + " --id " + unit + "-1");
    token["admin"] = create_token(config, "--admin --id ops");
    it::Daemon d(dir.path(), config.string(), {"--now", "2024-02-01T09:00:00+08:00"});

    // indicator -> the tokens that may write it; every other token gets 403
    const std::map<std::string, std::set<std::string>> may = {
        {"part_fgw", {"fgw", "admin"}},         // not the other joint lead, not the co-unit
        {"part_tjj", {"tjj", "jxj", "admin"}},  // writers: [市经信局]
        {"county_count",
         {"fgw", "liandu", "longquan", "admin"}},  // task writers: the counties; not co-unit tjj
        {"task003_report_liandu", {"liandu", "admin"}},  // a group as lead: each member its own
        {"task003_report_longquan", {"longquan", "admin"}},
    };
    for (const auto& [indicator, writers] : may) {
        for (const auto& [who, tok] : token) {
            INFO(indicator << " by " << who);
            auto r = post_values(d, it::one_value(indicator, "2023-Q4", 50), tok);
            if (writers.count(who)) {
                CHECK(r.status == 200);
            } else {
                CHECK(r.status == 403);
                CHECK_THAT(reason_of(r),
                           Catch::StartsWith("unit '" + who + "' may not report indicator '" +
                                             indicator + "'"));
            }
        }
        CHECK(stored(d, indicator) == writers.size());  // the group's own token wrote nothing
    }
}

TEST_CASE("token checks that held: none, wrong, another unit's, admin endpoints", "[auth]") {
    it::TempDir dir;
    const auto config = minimal_config(dir.path(), true);
    const auto fgw = create_token(config, "--unit fgw --id fgw-1");
    const auto tjj = create_token(config, "--unit tjj --id tjj-1");
    const auto admin = create_token(config, "--admin --id ops");
    it::Daemon d(dir.path(), config.string(),
                 {"--test-clock", "--now", "2024-02-01T09:00:00+08:00"});
    const auto gdp = it::one_value("gdp_growth", "2023-Q1", 4.9);

    CHECK(post_values(d, gdp).status == 401);
    CHECK(post_values(d, gdp, "idt_fgw-1_" + std::string(48, '0')).status == 401);   // wrong secret
    CHECK(post_values(d, gdp, "idt_nobody_" + std::string(48, '0')).status == 401);  // unknown id
    CHECK(post_values(d, gdp, fgw.substr(0, fgw.size() - 1)).status == 401);
    CHECK(it::http("POST", d.url("/api/v1/values"), gdp, "application/json",
                   {"Authorization: Basic " + fgw})
              .status == 401);
    CHECK(post_values(d, it::one_value("cpi_growth", "2023-01", 2), tjj).status ==
          403);                                     // another unit's
    CHECK(post_values(d, gdp, tjj).status == 200);  // writers: [市统计局] in the test plan
    CHECK(post_values(d, gdp, fgw).status == 200);

    // admin endpoints: a unit token is not enough
    CHECK(it::http("POST", d.url("/-/reload"), "", "application/json", bearer(fgw)).status == 401);
    CHECK(it::http("POST", d.url("/-/reload"), "", "application/json", bearer(admin)).status ==
          200);
    CHECK(it::http("POST", d.url("/-/clock"), R"({"now":"2024-02-02T00:00:00Z"})",
                   "application/json", bearer(fgw))
              .status == 401);
    CHECK(it::http("POST", d.url("/-/clock"), R"({"now":"2024-02-02T00:00:00Z"})",
                   "application/json", bearer(admin))
              .status == 200);
    const std::string silence =
        R"({"matchers":{"indicator":"gdp_growth"},"ends_at":"2024-03-01T00:00:00Z","author":"a","comment":"c"})";
    CHECK(it::http("POST", d.url("/api/v1/silences"), silence, "application/json", bearer(fgw))
              .status == 403);
    CHECK(it::http("POST", d.url("/api/v1/silences"), silence).status == 401);
    auto made =
        it::http("POST", d.url("/api/v1/silences"), silence, "application/json", bearer(admin));
    REQUIRE(made.status == 200);
    const auto id = std::to_string(json::parse(made.body).at("id").to_number<long long>());
    CHECK(it::http("DELETE", d.url("/api/v1/silences/" + id), "", "application/json", bearer(fgw))
              .status == 403);
    CHECK(it::http("DELETE", d.url("/api/v1/silences/" + id), "", "application/json", bearer(admin))
              .status == 200);
}

TEST_CASE(
    "the tokens file: a directory or broken file on reload keeps the old tokens, named in the "
    "error (and mode 0644 warns)",
    "[auth][reload][tokens]") {
    it::TempDir dir;
    const auto rules_dir = dir.path() / "rules";
    fs::create_directories(rules_dir);
    fs::copy_file(it::kData + "/minimal/plan.yaml", rules_dir / "plan.yaml");
    const auto config = dir.path() / "indicatord.yaml";
    std::ofstream(config) << "rules: rules\ncalendars: " << it::kData << "/../../config/calendars\n"
                          << "auth:\n  tokens_file: tokens.yaml\n";
    const auto tokens = dir.path() / "tokens.yaml";
    const auto fgw = create_token(config, "--unit fgw --id fgw-1");
    const auto admin = create_token(config, "--admin --id ops");
    CHECK((fs::status(tokens).permissions() & fs::perms::mask) ==
          (fs::perms::owner_read | fs::perms::owner_write));

    // readable by others: the daemon starts, and says so naming the file and the mode
    ::chmod(tokens.c_str(), 0644);
    CHECK_THAT(it::run(it::kCtl + " check " + config.string()).second,
               Catch::Contains("warning: tokens file " + tokens.string() + " has mode 0644"));
    {
        it::Daemon d(dir.path(), config.string());
        CHECK_THAT(d.process().err(), Catch::Contains("tokens file " + tokens.string() +
                                                      " has mode 0644: other users may "
                                                      "read or change it; run chmod 600 " +
                                                      tokens.string()));
    }
    ::chmod(tokens.c_str(), 0600);
    it::Daemon d(dir.path(), config.string());
    CHECK(d.process().err().find("has mode") == std::string::npos);
    const auto gdp = it::one_value("gdp_growth", "2023-Q1", 4.9);
    REQUIRE(post_values(d, gdp, fgw).status == 200);

    // the tokens file replaced by a directory
    const auto saved = dir.path() / "tokens.saved";
    fs::rename(tokens, saved);
    fs::create_directory(tokens);
    auto r = it::http("POST", d.url("/-/reload"), "", "application/json", bearer(admin));
    CHECK(r.status == 422);
    CHECK(error_of(r) == "reload failed, the running configuration stays: " + tokens.string() +
                             ": cannot read file: Is a directory");
    // The reload through HTTP above logged the same line: wait for the SIGHUP's own, the second
    // (the reload runs on the loader thread, after the signal handler has returned).
    const auto failures = [&] {
        const auto err = d.process().err();
        const std::string line =
            "reload failed, keeping the running configuration: " + tokens.string() +
            ": cannot read file: Is a directory";
        std::size_t n = 0;
        for (auto at = err.find(line); at != std::string::npos; at = err.find(line, at + 1)) ++n;
        return n;
    };
    REQUIRE(failures() == 1);
    d.process().signal(SIGHUP);
    REQUIRE(it::eventually([&] { return failures() == 2; }));
    CHECK(post_values(d, gdp, fgw).status == 200);  // the old tokens still work

    // a broken tokens file: the same, with file:line:col
    fs::remove(tokens);
    std::ofstream(tokens) << "tokens:\n  - id: [broken\n";
    r = it::http("POST", d.url("/-/reload"), "", "application/json", bearer(admin));
    CHECK(r.status == 422);
    CHECK_THAT(error_of(r), Catch::StartsWith("reload failed, the running configuration stays: " +
                                              tokens.string() + ":"));
    CHECK(post_values(d, gdp, fgw).status == 200);

    // a broken rules file keeps the old tokens too
    fs::remove(tokens);
    fs::rename(saved, tokens);
    REQUIRE(it::http("POST", d.url("/-/reload"), "", "application/json", bearer(admin)).status ==
            200);
    std::ofstream(rules_dir / "plan.yaml", std::ios::app) << "  - [broken\n";
    CHECK(it::http("POST", d.url("/-/reload"), "", "application/json", bearer(admin)).status ==
          422);
    CHECK(post_values(d, gdp, fgw).status == 200);
    CHECK(post_values(d, gdp, "idt_fgw-1_" + std::string(48, '0')).status == 401);
}

TEST_CASE("a tokens file that is gone at a reload fails the reload and the running tokens stay",
          "[auth][reload][tokens]") {
    it::TempDir dir;
    const auto config = minimal_config(dir.path(), true);
    const auto tokens = dir.path() / "tokens.yaml";
    const auto fgw = create_token(config, "--unit fgw --id fgw-1");
    const auto admin = create_token(config, "--admin --id ops");
    it::Daemon d(dir.path(), config.string());
    const auto gdp = it::one_value("gdp_growth", "2023-Q1", 4.9);
    REQUIRE(post_values(d, gdp, fgw).status == 200);

    fs::rename(tokens, dir.path() / "tokens.moved");
    auto r = it::http("POST", d.url("/-/reload"), "", "application/json", bearer(admin));
    CHECK(r.status == 422);
    CHECK(error_of(r) == "reload failed, the running configuration stays: " + tokens.string() +
                             ": the tokens file is gone; the running tokens stay (restore it, or "
                             "create tokens with indicatorctl token create)");
    CHECK(post_values(d, gdp, fgw).status == 200);  // not locked out

    // Revoking every token is said in the file, not by deleting it.
    std::ofstream(tokens) << "tokens: []\n";
    CHECK(it::http("POST", d.url("/-/reload"), "", "application/json", bearer(admin)).status ==
          200);
    CHECK(post_values(d, gdp, fgw).status == 401);
}
