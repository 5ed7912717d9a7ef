// indicatorctl as a user runs it: rule tests, replay, CSV import into a running daemon.
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <fstream>

#include "harness.hpp"

namespace json = boost::json;

namespace {
const std::string kRoot = it::kData + "/../..";
}

TEST_CASE("the shipped Lishui rule tests pass", "[ctl][rules]") {
    auto [code, out] = it::run(it::kCtl + " test " + kRoot + "/rules/tests/lishui-2023.test.yaml");
    INFO(out);
    CHECK(code == 0);
    CHECK_THAT(out, Catch::Contains("expectations met"));
    CHECK_THAT(out, !Catch::Contains("FAIL"));
}

TEST_CASE("a failing rule test exits 1 with a readable diff", "[ctl][rules]") {
    const auto file = it::kData + "/rule-tests/failing.test.yaml";
    auto [code, out] = it::run(it::kCtl + " test " + file);
    CHECK(code == 1);
    CHECK(out ==
          "FAIL " + file +
              ":8:5: at 2023-04-20T00:00:00+08:00 gdp_growth: expected on_track, got at_risk "
              "(4.9 does not meet >= 6 for 2023-Q1)\n"
              "FAILED " +
              file + ": 1/2 expectations met\n");
}

namespace {
std::int64_t doc_count(const std::string& text, const char* key) {
    return json::parse(text).as_object().at(key).to_number<std::int64_t>();
}
}  // namespace

TEST_CASE("replay prints the year's status changes, as text and JSON", "[ctl][replay]") {
    const auto cmd = it::kCtl + " replay " + kRoot + "/config/indicatord.yaml --values " + kRoot +
                     "/rules/tests/lishui-2023-values.csv";
    auto [code, out] = it::run(cmd);
    INFO(out.substr(0, 2000));
    REQUIRE(code == 0);
    CHECK_THAT(out, Catch::Contains("2023-04-10 09:00 +08:00  task 25  new_project_start_rate"));
    CHECK_THAT(out,
               Catch::Contains("pending  -> missed    28 misses the milestone 30 due 2023-03-31"));

    // --json: one document on stdout; what fell outside the window is said on stderr.
    it::TempDir dir;
    const auto err = dir.path() / "err.txt";
    auto [jcode, jout] =
        it::run("{ " + cmd + " --json --from 2023-04-01 --to 2023-08-01 2>" + err.string() + "; }");
    REQUIRE(jcode == 0);
    std::ifstream err_in(err);
    const std::string err_text((std::istreambuf_iterator<char>(err_in)),
                               std::istreambuf_iterator<char>());
    CHECK(err_text ==
          "warning: 6 value(s) reported after --to 2023-08-01 00:00 +08:00 are not "
          "replayed (widen --to to include them)\n");
    CHECK(doc_count(jout, "values_before_from") == 0);
    CHECK(doc_count(jout, "values_after_to") == 6);
    // A later start: the values before it are the starting state, and said so.
    auto [lcode, lout] = it::run(cmd + " --from 2023-04-11 --no-alerts");
    CHECK(lcode == 0);
    CHECK_THAT(lout, Catch::Contains("value(s) reported at or before --from 2023-04-11 00:00 "
                                     "+08:00 are the starting state, not replayed one by one"));
    auto doc = json::parse(jout).as_object();
    auto changes = doc.at("changes").as_array();
    // the bundled alerting config: notifications to the units, e.g. 市发改委 for task 25's miss
    std::vector<std::pair<std::string, std::string>>
        sent;  // (receiver, at) of each firing missed alert
    for (const auto& n : doc.at("notifications").as_array())
        for (const auto& a : n.at("alerts").as_array())
            if (a.at("indicator").as_string() == "new_project_start_rate" &&
                a.at("kind").as_string() == "missed" && a.at("status").as_string() == "firing")
                sent.emplace_back(n.at("receiver").as_string(), n.at("at").as_string());
    REQUIRE(sent.size() >= 2);
    CHECK(sent[0] ==
          std::make_pair(std::string("fgw/0"), std::string("2023-04-10T09:00:00+08:00")));
    // escalated to 市政府督查室 three working days later: 04-11, 04-12, 04-13 -> from 04-13 00:00
    CHECK(sent[1] ==
          std::make_pair(std::string("dcs/0"), std::string("2023-04-13T00:00:00+08:00")));
    bool saw_q2 = false;
    for (const auto& c : changes) {
        CHECK(c.at("at").as_string() >= "2023-04-01T00:00:00+08:00");
        CHECK(c.at("at").as_string() <= "2023-08-01T00:00:00+08:00");
        if (c.at("indicator").as_string() == "new_project_start_rate" &&
            c.at("to").as_string() == "on_track") {
            saw_q2 = true;
            CHECK(c.at("from").as_string() == "missed");
            CHECK(c.at("task").to_number<int>() == 25);
        }
    }
    CHECK(saw_q2);
}

TEST_CASE("route says who is notified and why", "[ctl][route]") {
    auto [code, out] = it::run(it::kCtl + " route " + kRoot +
                               "/config/indicatord.yaml --indicator gdp_growth --kind overdue");
    CHECK(code == 0);
    CHECK_THAT(out,
               Catch::StartsWith("gdp_growth (生产总值增长, task 1), overdue alerts:\n"
                                 "  fgw/0  市发改委  email fgw@example.org  (not sent: no "
                                 "alerting.smtp)  [lead: lead unit]\n"
                                 "  dcs/0  市政府督查室  email dcs@example.org  (not sent: no "
                                 "alerting.smtp)  [escalation: still firing after 3wd, 10wd]\n"));
    auto bad = it::run(it::kCtl + " route " + kRoot + "/config/indicatord.yaml --indicator nope");
    CHECK(bad.first == 2);
    CHECK_THAT(bad.second, Catch::StartsWith("indicatorctl: unknown indicator 'nope'"));
}

TEST_CASE("replay needs reported_at on every row", "[ctl][replay]") {
    it::TempDir dir;
    const auto csv = dir.path() / "v.csv";
    std::ofstream(csv) << "indicator,period,value\ngdp_growth,2023-Q1,5\n";
    auto [code, out] =
        it::run(it::kCtl + " replay " + it::kData + "/minimal.yaml --values " + csv.string());
    CHECK(code == 1);
    CHECK(out == csv.string() + ":2: replay needs a reported_at for every row\n");
}

TEST_CASE("CSV over HTTP: GBK with Chinese headers, all-or-nothing with line numbers",
          "[ctl][csv]") {
    it::TempDir dir;
    it::Daemon d(dir.path());
    // UTF-8 text converted to GBK by iconv, as a Chinese-locale spreadsheet writes it
    const auto utf8 = dir.path() / "u.csv";
    std::ofstream(utf8) << "指标,期间,数值,备注\n生产总值增长,2023-Q1,4.9,\"初步核算, "
                           "待修订\"\ncpi_growth,2023-03,2.1,\n";
    const auto gbk = dir.path() / "g.csv";
    REQUIRE(it::run("iconv -f UTF-8 -t GBK " + utf8.string() + " > " + gbk.string()).first == 0);
    std::ifstream in(gbk, std::ios::binary);
    const std::string body((std::istreambuf_iterator<char>(in)), {});
    auto ok = it::http("POST", d.url("/api/v1/values"), body, "text/csv");
    INFO(ok.body);
    REQUIRE(ok.status == 200);
    CHECK(json::parse(ok.body).at("accepted").to_number<int>() == 2);
    auto hist = json::parse(it::http("GET", d.url("/api/v1/indicators/gdp_growth/values")).body)
                    .at("values")
                    .as_array();
    REQUIRE(hist.size() == 1);
    CHECK(hist[0].at("note").as_string() == "初步核算, 待修订");

    auto bad = it::http(
        "POST", d.url("/api/v1/values"),
        "indicator,period,value\ngdp_growth,2023-Q2,5\nnope,2023-Q2,1\ngdp_growth,2023-Q3,abc\n",
        "text/csv; charset=utf-8");
    CHECK(bad.status == 400);
    auto items = json::parse(bad.body).at("items").as_array();
    REQUIRE(items.size() == 2);
    CHECK(items[0].at("line").to_number<int>() == 3);
    CHECK(items[0].at("reason").as_string() == "unknown indicator 'nope'");
    CHECK(items[1].at("line").to_number<int>() == 4);
    CHECK(json::parse(it::http("GET", d.url("/api/v1/indicators/gdp_growth/values")).body)
              .at("values")
              .as_array()
              .size() == 1);
}

TEST_CASE("indicatorctl import validates locally, then sends to the daemon", "[ctl][csv]") {
    it::TempDir dir;
    it::Daemon d(dir.path());
    const auto good = dir.path() / "good.csv";
    std::ofstream(good) << "\xEF\xBB\xBFindicator,period,value\ngdp_growth,2023-Q1,5.5\n";
    const auto url = " --url http://127.0.0.1:" + std::to_string(d.port());
    auto [code, out] =
        it::run(it::kCtl + " import " + it::kData + "/minimal.yaml " + good.string() + url);
    INFO(out);
    CHECK(code == 0);
    CHECK(out == "imported 1 value(s) from " + good.string() + "\n");
    const auto bad = dir.path() / "bad.csv";
    std::ofstream(bad) << "indicator,period,value\ngdp_growth,2023-03,5.5\n";
    auto [bcode, bout] =
        it::run(it::kCtl + " import " + it::kData + "/minimal.yaml " + bad.string() + url);
    CHECK(bcode == 1);
    CHECK_THAT(
        bout,
        Catch::StartsWith(
            bad.string() +
            ":2: period '2023-03' does not match indicator 'gdp_growth' reported by quarter\n"));
    auto hist = json::parse(it::http("GET", d.url("/api/v1/indicators/gdp_growth/values")).body)
                    .at("values")
                    .as_array();
    CHECK(hist.size() == 1);
}
