// 催办: the office chases the unit responsible for an indicator (POST
// /api/v1/indicators/{key}/chase, or the form on the indicator's page). The message goes through
// the durable outbox to the unit's real webhook receiver, and the indicator's page lists the
// chase and every notification sent about the indicator with how its delivery stands, also
// after a kill -9.
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <csignal>
#include <fstream>
#include <regex>

#include "harness.hpp"
#include "receivers.hpp"

namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

std::string token_for(const fs::path& config, const std::string& args) {
    auto [code, out] = it::run(it::kCtl + " token create " + config.string() + " " + args);
    REQUIRE(code == 0);
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
    return out;
}

// The chases the sink received: (indicator, description) of each alert of kind chase.
std::vector<std::pair<std::string, std::string>> chases(const it::HttpSink& sink) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& r : sink.requests()) {
        const auto body = json::parse(r.at("body").as_string());  // alive for the loop below
        for (const auto& a : body.at("alerts").as_array())
            if (a.at("labels").at("kind") == "chase")
                out.emplace_back(a.at("labels").at("indicator").as_string(),
                                 a.at("annotations").at("description").as_string());
    }
    return out;
}

}  // namespace

TEST_CASE("the office chases a unit: API and page, through the outbox, listed after kill -9",
          "[chase][alerts][web]") {
    it::TempDir dir;
    it::HttpSink hook(dir, "hook");
    fs::create_directories(dir.path() / "rules");
    std::ofstream(dir.path() / "rules" / "plan.yaml")
        << "plan: {id: c-2023, name: 催办测试, year: 2023, defaults: {cadence: quarter, due: 20d, "
           "grace: 5d}}\n"
           "units:\n"
           "  - {id: fgw, name: 市发改委, receivers: [{webhook: '"
        << hook.url("/fgw")
        << "'}]}\n"
           "  - {id: dcs, name: 市政府督查室}\n"
           "tasks:\n"
           "  - text: 生产总值增长6%以上。\n    lead: 市发改委\n    indicators:\n"
           "      - {key: gdp_growth, name: 生产总值增长, kind: threshold, measure: '%', op: "
           "'>=', target: 6}\n";
    const auto config = dir.path() / "indicatord.yaml";
    std::ofstream(config) << "rules: rules\ncalendars: " << it::kData << "/../../config/calendars\n"
                          << "evaluation_interval: 1h\nauth:\n  tokens_file: tokens.yaml\n"
                          << "web:\n  public_read: true\n";
    const auto fgw = token_for(config, "--unit fgw --id fgw-1");
    const auto office = token_for(config, "--admin --id office");
    const std::string chase_url = "/api/v1/indicators/gdp_growth/chase";
    const std::string comment = R"({"comment":"请于5月12日前报送一季度数据"})";
    {
        // 2023-Q1 was due on 2023-04-20: overdue on 2023-05-10
        it::Daemon d(dir.path(), config.string(),
                     {"--test-clock", "--now", "2023-05-10T09:00:00+08:00"});
        // who may chase, and what a chase needs
        auto r = it::http("POST", d.url(chase_url), comment);
        CHECK(r.status == 401);
        r = it::http("POST", d.url(chase_url), comment, "application/json",
                     {"Authorization: Bearer " + fgw});
        CHECK(r.status == 403);
        CHECK_THAT(r.body, Catch::Contains("only an admin token (the office) may chase a unit"));
        const std::vector<std::string> admin{"Authorization: Bearer " + office};
        r = it::http("POST", d.url(chase_url), R"({"comment":"  "})", "application/json", admin);
        CHECK(r.status == 400);
        CHECK_THAT(r.body, Catch::Contains("a chase needs a comment"));
        r = it::http("POST", d.url("/api/v1/indicators/nope/chase"), comment, "application/json",
                     admin);
        CHECK(r.status == 404);
        r = it::http("GET", d.url(chase_url), {}, {}, admin);
        CHECK(r.status == 405);
        CHECK(chases(hook).empty());

        // the chase: stored with the overdue period, queued to 市发改委's webhook, delivered
        r = it::http("POST", d.url(chase_url), comment, "application/json", admin);
        INFO(r.body);
        REQUIRE(r.status == 200);
        const auto answer = json::parse(r.body);
        CHECK(answer.at("messages").as_int64() == 1);
        CHECK(answer.at("period").as_string() == "2023-Q1");
        CHECK(answer.at("lead_unit").as_string() == "fgw");
        REQUIRE(it::eventually([&] { return !chases(hook).empty(); }));
        CHECK(chases(hook).front() == std::make_pair(std::string("gdp_growth"),
                                                     std::string("请于5月12日前报送一季度数据")));

        // the page lists the chase and the notifications, the chase's delivered
        REQUIRE(it::eventually([&] {
            const auto page = it::http("GET", d.url("/indicators/gdp_growth")).body;
            return page.find("id=\"chase-list\"") != std::string::npos &&
                   page.find("已送达") != std::string::npos;
        }));
        const auto page = it::http("GET", d.url("/indicators/gdp_growth")).body;
        CHECK_THAT(page, Catch::Contains("请于5月12日前报送一季度数据") &&
                             Catch::Contains("token:office") && Catch::Contains("催办"));
        CHECK(page.find("id=\"chase-form\"") == std::string::npos);  // not for anonymous readers

        // the form on the page, for a signed-in office; a unit is refused
        auto sign_in = [&](const std::string& token) {
            auto p = it::http("GET", d.url("/signin"));
            const auto& set = p.headers["set-cookie"];
            const auto c = set.substr(11, set.find(';') - 11);
            auto in = it::http("POST", d.url("/signin"), "csrf=" + c + "&token=" + token,
                               "application/x-www-form-urlencoded", {"Cookie: idt_signin=" + c});
            REQUIRE(in.status == 303);
            const auto& s = in.headers["set-cookie"];
            return "Cookie: " + s.substr(0, s.find(';'));
        };
        static const std::regex csrf_re(R"re(name="csrf" value="([0-9a-f]+)")re");
        const auto office_cookie = sign_in(office);
        const auto form = it::http("GET", d.url("/indicators/gdp_growth"), {}, {}, {office_cookie});
        REQUIRE(form.body.find("id=\"chase-form\"") != std::string::npos);
        std::smatch m;
        REQUIRE(std::regex_search(form.body, m, csrf_re));
        r = it::http("POST", d.url("/indicators/gdp_growth/chase"),
                     "csrf=" + std::string(m[1]) + "&comment=%E5%86%8D%E6%AC%A1%E5%82%AC%E5%8A%9E",
                     "application/x-www-form-urlencoded", {office_cookie});
        CHECK(r.status == 303);
        CHECK(r.headers["location"] == "/indicators/gdp_growth#chases");
        const auto unit_cookie = sign_in(fgw);
        const auto unit_page =
            it::http("GET", d.url("/indicators/gdp_growth"), {}, {}, {unit_cookie});
        REQUIRE(std::regex_search(unit_page.body, m, csrf_re));
        r = it::http("POST", d.url("/indicators/gdp_growth/chase"),
                     "csrf=" + std::string(m[1]) + "&comment=x",
                     "application/x-www-form-urlencoded", {unit_cookie});
        CHECK(r.status == 403);
        REQUIRE(it::eventually([&] { return chases(hook).size() == 2; }));
        d.process().signal(SIGKILL);
    }
    // acknowledged chases are there after kill -9, and none is sent twice
    it::Daemon d(dir.path(), config.string(),
                 {"--test-clock", "--now", "2023-05-10T10:00:00+08:00"});
    const auto page = it::http("GET", d.url("/indicators/gdp_growth")).body;
    CHECK_THAT(page, Catch::Contains("请于5月12日前报送一季度数据") && Catch::Contains("再次催办"));
    CHECK(chases(hook).size() == 2);
}
