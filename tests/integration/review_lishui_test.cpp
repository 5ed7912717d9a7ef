// The Lishui 2023 plan with review turned on (the commented block of
// rules/lishui-2023/plan.yaml's defaults, docs/review.md): statistical figures go to 市统计局,
// achievements and counts to the office, the bureau's own figures to the office; the plan
// passes `indicatorctl check`, and the real daemon routes each value to its reviewer.
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <fstream>
#include <regex>
#include <sstream>

#include "harness.hpp"

namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

const fs::path kLishui = fs::path(it::kData) / ".." / ".." / "rules" / "lishui-2023";

/// A copy of the Lishui rules with the review block of plan.yaml's defaults turned on.
void lishui_with_review(const fs::path& to) {
    fs::copy(kLishui, to, fs::copy_options::recursive);
    std::ifstream in(to / "plan.yaml");
    std::stringstream text;
    text << in.rdbuf();
    const auto on = std::regex_replace(text.str(), std::regex("\n    #: "), "\n    ");
    REQUIRE(on != text.str());
    std::ofstream(to / "plan.yaml") << on;
}

json::object submitted(const it::Daemon& d, const std::string& key, const std::string& period,
                       double value) {
    auto r = it::http("POST", d.url("/api/v1/values"), it::one_value(key, period, value));
    INFO(r.body);
    REQUIRE(r.status == 200);
    return json::parse(r.body).at("values").at(0).as_object();
}

}  // namespace

TEST_CASE("review on the Lishui plan: 市统计局 confirms statistics, the office achievements",
          "[review][lishui]") {
    it::TempDir dir;
    lishui_with_review(dir.path() / "rules");
    const auto config = dir.path() / "indicatord.yaml";
    std::ofstream(config) << "rules: rules\ncalendars: " << it::kData
                          << "/../../config/calendars\n";
    auto [code, out] = it::run(it::kCtl + " check " + config.string());
    INFO(out);
    REQUIRE(code == 0);
    // the plan JSON tells who reviews what
    auto [pcode, plan_json] =
        it::run("(" + it::kCtl + " plan " + config.string() + " --json 2>/dev/null)");
    REQUIRE(pcode == 0);
    std::map<std::string, std::string> review;
    const auto plan_doc = json::parse(plan_json);
    for (const auto& t : plan_doc.at("tasks").as_array())
        for (const auto& i : t.at("indicators").as_array())
            if (i.as_object().contains("review"))
                review[std::string(i.at("key").as_string())] = json::serialize(i.at("review"));
    INFO(plan_json.substr(0, 400));
    CHECK(review["gdp_growth"] == "\"tjj\"");
    CHECK(review["longquan_auto_ac_xinxing_cluster"] == "\"office\"");

    it::Daemon d(dir.path(), config.string(),
                 {"--test-clock", "--now", "2023-04-10T09:00:00+08:00"});
    // a statistical figure (threshold, 市发改委 leads): 市统计局
    auto v = submitted(d, "gdp_growth", "2023-Q1", 6.4);
    CHECK(v.at("state") == "submitted");
    CHECK(v.at("reviewer") == "tjj");
    // a count toward a total (cumulative, 市经信局 leads): the office
    v = submitted(d, "manufacturing_projects_100m", "2023-Q1", 12);
    CHECK(v.at("state") == "submitted");
    CHECK(v.at("reviewer") == "office");
    // an achievement: the office
    v = submitted(d, "longquan_auto_ac_xinxing_cluster", "2023", 1);
    CHECK(v.at("state") == "submitted");
    CHECK(v.at("reviewer") == "office");
    // both wait in the queue; the indicator does not count the value yet
    auto q = it::http("GET", d.url("/api/v1/reviews"));
    REQUIRE(q.status == 200);
    CHECK(json::parse(q.body).at("reviews").as_array().size() == 3);
    auto ind = json::parse(it::http("GET", d.url("/api/v1/indicators/gdp_growth")).body);
    CHECK_THAT(std::string(ind.at("reason").as_string()), Catch::Contains("审核中"));
}
