// Bulletins (督查通报) end to end: the real daemon on a driven clock takes the bundled Lishui test
// values as they arrive (and a revision); at three dates the bulletin of `indicatorctl
// bulletin` (offline, from the database file) and of GET /api/v1/bulletin are compared with the
// statuses the running daemon shows at that moment, the .xlsx and the HTML read back with
// Debian's python3-openpyxl; regenerated later, each past bulletin is the same bytes.
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "harness.hpp"
#include "model/clock.hpp"
#include "receivers.hpp"

namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

const std::string kRoot = it::kData + "/../..";

std::string slurp_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), {});
}

// The rows of a values CSV with their reported_at, the last field of each line (the bundled
// file quotes only notes, never the instant).
struct Row {
    std::string line, reported_at;
};

std::vector<Row> rows_of(const std::string& csv, std::string& header) {
    std::vector<Row> rows;
    std::istringstream in(csv);
    std::string line;
    std::getline(in, header);
    while (std::getline(in, line))
        if (!line.empty()) rows.push_back({line, line.substr(line.rfind(',') + 1)});
    return rows;
}

std::int64_t num(const json::value& v) {
    return v.to_number<std::int64_t>();
}

// What the running daemon shows: indicators by status (roll-ups once, not their members'
// series), tasks by the bulletin's mapping (docs/bulletins.md), and each unit's statuses.
struct Live {
    std::map<std::string, std::int64_t> statuses, progress;
    std::int64_t tasks = 0, indicators = 0;
    std::map<std::string, std::map<std::string, std::int64_t>> units;  // unit -> status -> n
};

Live live_counts(const it::Daemon& d) {
    const auto r = it::http("GET", d.url("/api/v1/indicators"));
    REQUIRE(r.status == 200);
    Live live;
    std::map<std::int64_t, std::vector<std::string>> tasks;
    const auto doc = json::parse(r.body);
    for (const auto& v : doc.at("indicators").as_array()) {
        const auto& o = v.as_object();
        const std::string status(o.at("status").as_string());
        if (!o.contains("member_counts"))
            ++live.units[std::string(o.at("lead_unit").as_string())][status];
        if (o.contains("member_of")) continue;
        ++live.indicators;
        ++live.statuses[status];
        tasks[num(o.at("task"))].push_back(status);
    }
    for (const auto& task : tasks) {
        const auto& statuses = task.second;  // not a structured binding: the lambdas capture it
        ++live.tasks;
        const auto any = [&](std::initializer_list<const char*> which) {
            for (const auto& s : statuses)
                for (const char* w : which)
                    if (s == w) return true;
            return false;
        };
        const auto all = [&](const char* which) {
            for (const auto& s : statuses)
                if (s != which) return false;
            return true;
        };
        ++live.progress[any({"at_risk", "missed", "overdue"}) ? "behind"
                        : all("achieved")                     ? "completed"
                        : all("pending")                      ? "not_started"
                                                              : "on_schedule"];
    }
    return live;
}

void check_counts(const json::value& counts, const Live& live, const std::string& what) {
    INFO(what << ": " << json::serialize(counts));
    CHECK(num(counts.at("tasks")) == live.tasks);
    CHECK(num(counts.at("indicators")) == live.indicators);
    for (const char* p : {"completed", "on_schedule", "behind", "not_started"})
        CHECK(num(counts.at("progress").at(p)) ==
              (live.progress.count(p) ? live.progress.at(p) : 0));
    for (const char* s :
         {"pending", "on_track", "at_risk", "missed", "achieved", "overdue", "no_data"})
        CHECK(num(counts.at("statuses").at(s)) ==
              (live.statuses.count(s) ? live.statuses.at(s) : 0));
}

}  // namespace

TEST_CASE(
    "bulletins of the Lishui test values at three dates match the live statuses in xlsx, HTML "
    "and JSON, and stay the same bytes",
    "[bulletin]") {
    it::TempDir dir;
    const auto config = dir.path() / "lishui.yaml";
    std::ofstream(config) << "rules: " << kRoot << "/rules/lishui-2023\ncalendars: " << kRoot
                          << "/config/calendars\nevaluation_interval: 1h\n";
    it::Daemon d(dir.path(), config.string(),
                 {"--test-clock", "--now", "2023-01-01T00:00:00+08:00"});
    std::string header;
    auto rows = rows_of(slurp_file(kRoot + "/rules/tests/lishui-2023-values.csv"), header);
    // a revision: Q2 GDP corrected from 6.3 to 5.0 in August (at risk against >= 6)
    rows.push_back(
        {"gdp_growth,2023-Q2,5.0,修订,2023-08-15T10:00:00+08:00", "2023-08-15T10:00:00+08:00"});
    const std::string ctl =
        it::kCtl + " bulletin " + config.string() + " --database " + d.database().string();
    std::set<std::size_t> imported;
    const auto import_until = [&](const std::string& instant) {
        const auto until = *indicatord::parse_instant(instant);
        const auto file = dir.path() / ("values-" + std::to_string(imported.size()) + ".csv");
        std::ofstream out(file);
        out << header << "\n";
        std::size_t n = 0;
        for (std::size_t i = 0; i < rows.size(); ++i)
            if (!imported.count(i) && *indicatord::parse_instant(rows[i].reported_at) <= until) {
                out << rows[i].line << "\n";
                imported.insert(i);
                ++n;
            }
        out.close();
        if (n == 0) return;
        auto [code, text] = it::run(it::kCtl + " import " + config.string() + " " + file.string() +
                                    " --url " + d.url(""));
        INFO(text);
        REQUIRE(code == 0);
    };
    const auto set_clock = [&](const std::string& now) {
        REQUIRE(it::http("POST", d.url("/-/clock"), R"({"now":")" + now + R"("})").status == 200);
    };

    // the revision comes between the second and the third
    const std::vector<std::string> dates = {
        "2023-04-30T23:59:00+08:00", "2023-07-31T23:59:00+08:00", "2023-08-31T23:59:00+08:00"};
    std::map<std::string, std::string> json_then, xlsx_then;
    std::string gdp_q2_then;
    for (const auto& as_of : dates) {
        INFO("as of " << as_of);
        set_clock(as_of);
        import_until(as_of);
        const auto live = live_counts(d);
        const auto base = dir.path() / as_of.substr(0, 10);
        for (const char* f : {"json", "html", "xlsx", "md"}) {
            auto [code, text] = it::run(ctl + " --as-of " + as_of + " --format " + f + " -o " +
                                        base.string() + "." + f);
            INFO(text);
            REQUIRE(code == 0);
        }
        const auto json_text = slurp_file(base.string() + ".json");
        json_then[as_of] = json_text;
        xlsx_then[as_of] = slurp_file(base.string() + ".xlsx");
        const auto doc = json::parse(json_text);
        check_counts(doc.at("counts"), live, "json");

        // the API serves the same bytes
        const auto query = "/api/v1/bulletin?as_of=" + as_of.substr(0, 19) + "%2B08:00";
        const auto api_json = it::http("GET", d.url(query + "&format=json"));
        CHECK(api_json.status == 200);
        CHECK(api_json.body == json_text);
        const auto api_xlsx = it::http("GET", d.url(query + "&format=xlsx"));
        CHECK(api_xlsx.status == 200);
        CHECK(api_xlsx.content_type ==
              "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
        CHECK(api_xlsx.body == xlsx_then[as_of]);

        // the workbook and the page read back
        auto [code, read] =
            it::run(it::kPython + " " + kRoot + "/tests/integration/bulletin_read.py " +
                    base.string() + ".xlsx " + base.string() + ".html 2>&1");
        INFO(read);
        REQUIRE(code == 0);
        const auto back = json::parse(read);
        CHECK(back.at("problems").as_array().empty());
        CHECK(back.at("sheets").as_array().size() == 6);
        CHECK(back.at("title").as_string().starts_with(
            "丽水市政府工作报告重点工作责任分解(2023年) 督查通报（截至"));
        CHECK(back.at("headline") == doc.at("headline"));
        check_counts(back.at("xlsx").at("counts"), live, "xlsx");
        check_counts(back.at("html").at("counts"), live, "html");
        for (const char* list : {"overdue", "targets", "obligations"}) {
            CHECK(num(back.at("xlsx").at(list)) ==
                  static_cast<std::int64_t>(doc.at(list).as_array().size()));
            CHECK(num(back.at("html").at(list)) ==
                  static_cast<std::int64_t>(doc.at(list).as_array().size()));
        }
        // each unit's line: the same in the workbook, and its statuses as the daemon shows them
        const auto& units = doc.at("units").as_array();
        const auto& xunits = back.at("xlsx").at("units").as_array();
        REQUIRE(xunits.size() == units.size());
        CHECK(num(back.at("html").at("units")) == static_cast<std::int64_t>(units.size()));
        for (std::size_t i = 0; i < units.size(); ++i) {
            const auto& u = units[i].as_object();
            const auto& x = xunits[i].as_object();
            INFO(json::serialize(u) << " / " << json::serialize(x));
            CHECK(x.at("name") == u.at("name"));
            CHECK(x.at("rank") == u.at("rank"));
            for (const char* k :
                 {"led", "due", "on_time", "late", "missing", "achieved", "at_risk", "missed"})
                CHECK(num(x.at(k)) == num(u.at(k)));
            CHECK(num(u.at("on_time")) + num(u.at("late")) + num(u.at("missing")) ==
                  num(u.at("due")));
            const auto& by_status = live.units.at(std::string(u.at("id").as_string()));
            for (const char* s : {"achieved", "at_risk", "missed"})
                CHECK(num(u.at(s)) == (by_status.count(s) ? by_status.at(s) : 0));
        }
        // the revised indicator
        for (const auto& t : doc.at("targets").as_array())
            if (t.at("indicator") == "gdp_growth") gdp_q2_then = as_of;
    }
    // 6.3 for Q2 met >= 6 on 07-31; the revision to 5.0 on 08-15 put it at risk by 08-31
    CHECK(gdp_q2_then == dates[2]);

    // Later, with every value of the year stored, each past bulletin is the same bytes.
    set_clock("2024-02-01T09:00:00+08:00");
    import_until("2024-02-01T09:00:00+08:00");
    for (const auto& as_of : dates) {
        auto [code, text] = it::run(ctl + " --as-of " + as_of + " --format json");
        CHECK(code == 0);
        CHECK(text == json_then[as_of]);
        const auto again = dir.path() / "again.xlsx";
        auto [xcode, xtext] = it::run(ctl + " --as-of " + as_of + " -o " + again.string());
        CHECK(xcode == 0);
        CHECK(slurp_file(again) == xlsx_then[as_of]);
    }
}

TEST_CASE("GET /api/v1/bulletin: bad parameters name themselves", "[bulletin]") {
    it::TempDir dir;
    it::Daemon d(dir.path());
    const auto bad_as_of = it::http("GET", d.url("/api/v1/bulletin?as_of=July"));
    CHECK(bad_as_of.status == 400);
    CHECK_THAT(bad_as_of.body, Catch::Contains("as_of must be a date like 2023-07-31"));
    const auto bad_format = it::http("GET", d.url("/api/v1/bulletin?format=pdf"));
    CHECK(bad_format.status == 400);
    CHECK_THAT(bad_format.body, Catch::Contains("format must be xlsx, html, md or json"));
    const auto bad_plan = it::http("GET", d.url("/api/v1/bulletin?plan=nope"));
    CHECK(bad_plan.status == 404);
    const auto unknown = it::http("GET", d.url("/api/v1/bulletin?asof=2023-01-01"));
    CHECK(unknown.status == 400);
    CHECK_THAT(unknown.body, Catch::Contains("unknown query parameter 'asof'"));
    const auto late_since =
        it::http("GET", d.url("/api/v1/bulletin?as_of=2023-05-01&since=2023-06-01"));
    CHECK(late_since.status == 400);
    CHECK_THAT(late_since.body, Catch::Contains("since 2023-06-01 is not before the bulletin's "
                                                "instant 2023-05-01T15:59:59.999Z"));
    const auto since = it::http("GET", d.url("/api/v1/bulletin?as_of=2023-05-01&since=2023-04-01"));
    CHECK(since.status == 200);
    CHECK(json::parse(since.body).at("changes").at("since_date") == "2023-04-01");
    const auto html = it::http("GET", d.url("/api/v1/bulletin?format=html&as_of=2023-05-01"));
    CHECK(html.status == 200);
    CHECK(html.content_type == "text/html; charset=utf-8");
    CHECK_THAT(html.body, Catch::Contains("截至5月1日"));

    auto [code, text] = it::run(it::kCtl + " bulletin " + it::kData + "/minimal.yaml --database " +
                                d.database().string() + " --as-of someday 2>&1");
    CHECK(code == 2);
    CHECK_THAT(text, Catch::Contains("bulletin: --as-of must be a date like 2023-07-31"));
    auto [scode, stext] =
        it::run(it::kCtl + " bulletin " + it::kData + "/minimal.yaml --database " +
                d.database().string() + " --as-of 2023-05-01 --since 2023-04-01 --format md");
    CHECK(scode == 0);
    CHECK_THAT(stext, Catch::Contains("## 与2023-04-01相比"));
    auto [mcode, mtext] =
        it::run(it::kCtl + " bulletin " + it::kData + "/minimal.yaml --database " +
                (dir.path() / "none.db").string() + " 2>&1");
    CHECK(mcode == 1);
    CHECK_THAT(mtext, Catch::Contains("none.db does not exist"));
}

TEST_CASE("GET /api/v1/bulletin with auth: admin and office tokens only", "[bulletin][auth]") {
    it::TempDir dir;
    const auto config = dir.path() / "indicatord.yaml";
    std::ofstream(config) << "rules: " << it::kData << "/minimal\ncalendars: " << it::kData
                          << "/../../config/calendars\nauth:\n  tokens_file: tokens.yaml\n"
                          << "  read_all_units: [tjj]\n";
    const auto token = [&](const std::string& args) {
        auto [code, out] = it::run(it::kCtl + " token create " + config.string() + " " + args);
        REQUIRE(code == 0);
        while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
        return out;
    };
    const auto fgw = token("--unit fgw --id fgw-1");
    const auto office = token("--unit tjj --id tjj-1");
    const auto admin = token("--admin --id ops");
    it::Daemon d(dir.path(), config.string());
    const auto get = [&](const std::string& t) {
        return it::http("GET", d.url("/api/v1/bulletin?as_of=2023-05-01"), {}, {},
                        t.empty() ? std::vector<std::string>{}
                                  : std::vector<std::string>{"Authorization: Bearer " + t});
    };
    const auto none = get("");
    CHECK(none.status == 401);
    CHECK_THAT(none.body, Catch::Contains("bulletins need an admin or office token"));
    const auto unit = get(fgw);
    CHECK(unit.status == 403);
    CHECK_THAT(unit.body, Catch::Contains("token 'fgw-1' of unit 'fgw' may not read bulletins"));
    CHECK(get(office).status == 200);
    const auto by_admin = get(admin);
    CHECK(by_admin.status == 200);
    CHECK(json::parse(by_admin.body).at("as_of_date").as_string() == "2023-05-01");
}

TEST_CASE("indicatorctl bulletin: one plan of several, and the plan's scoring rules",
          "[bulletin]") {
    it::TempDir dir;
    const auto plans = it::kData + "/plans";
    const auto config = dir.path() / "c.yaml";
    std::ofstream(config) << "rules: [" << plans << "/city-2023, " << plans << "/city-2024, "
                          << plans << "/county-2024]\ncalendars: " << it::kData
                          << "/../../config/calendars\n";
    it::Daemon d(dir.path(), config.string(),
                 {"--test-clock", "--now", "2024-05-01T09:00:00+08:00"});
    const auto post = it::http(
        "POST", d.url("/api/v1/values"),
        R"({"values":[{"indicator":"city-2024:gdp_growth","period":"2024-Q1","value":5.6}]})");
    REQUIRE(post.status == 200);
    const std::string ctl = it::kCtl + " bulletin " + config.string() + " --database " +
                            d.database().string() + " --as-of 2024-04-30";
    auto [code, out] = it::run(ctl + " --plan city-2024");
    INFO(out);
    REQUIRE(code == 0);
    const auto doc = json::parse(out);
    CHECK(doc.at("plan").at("id") == "city-2024");
    CHECK(doc.at("as_of_date") == "2024-04-30");
    // the API gives the same bytes for the same plan and instant
    const auto api =
        it::http("GET", d.url("/api/v1/bulletin?plan=city-2024&as_of=2024-04-30&format=json"));
    CHECK(api.body == out);
    // only that plan's tasks and indicators
    std::int64_t indicators = 0;
    const auto list = json::parse(it::http("GET", d.url("/api/v1/indicators?plan=city-2024")).body);
    for (const auto& i : list.at("indicators").as_array())
        if (!i.as_object().contains("member_of")) ++indicators;
    CHECK(num(doc.at("counts").at("indicators")) == indicators);
    auto [bad, text] = it::run(ctl + " --plan city-2025 2>&1");
    CHECK(bad == 2);
    CHECK_THAT(text, Catch::Contains("--plan 'city-2025': no such plan (3 plans: city-2023"));

    // scoring rules: checked with the plan, shown in the bulletin
    const auto scored = dir.path() / "scored.yaml";
    std::ofstream(scored) << "rules: [" << it::kData << "/minimal, " << it::kData
                          << "/scoring/scoring.yaml]\ncalendars: " << it::kData
                          << "/../../config/calendars\ndatabase: " << d.database().string() << "\n";
    auto [scode, sout] = it::run(it::kCtl + " bulletin " + scored.string() + " --as-of 2023-04-30");
    INFO(sout);
    REQUIRE(scode == 0);
    const auto sdoc = json::parse(sout);
    CHECK(sdoc.at("scoring").at("rules").as_array().size() == 4);
    for (const auto& u : sdoc.at("units").as_array()) CHECK(u.at("score").is_number());
    const auto bad_scoring = dir.path() / "bad.yaml";
    std::ofstream(bad_scoring) << "rules: [" << it::kData << "/minimal, " << it::kData
                               << "/scoring/bad-twice.yaml]\ncalendars: " << it::kData
                               << "/../../config/calendars\n";
    auto [ccode, cout] = it::run(it::kCtl + " check " + bad_scoring.string() + " 2>&1");
    CHECK(ccode == 1);
    CHECK_THAT(cout, Catch::Contains("bad-twice.yaml:5:12: scoring category 'target_missed' given "
                                     "twice (first at "));
}
