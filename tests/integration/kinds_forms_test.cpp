// The plan language's target forms through the real daemon (issue 11): a relation waits for the
// same period of its reference (pending, then no_data past the reference's due date), an
// achievement due 6月底前 is overdue in July, and a month published with the next (1-2月) is
// refused at POST /api/v1/values naming the period to use.
#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "harness.hpp"

namespace json = boost::json;

namespace {

const std::string kForms = it::kData + "/rule-tests/forms/config.yaml";

json::object indicator(it::Daemon& d, const std::string& key) {
    auto r = it::http("GET", d.url("/api/v1/indicators/" + key));
    REQUIRE(r.status == 200);
    return json::parse(r.body).as_object();
}

}  // namespace

TEST_CASE("the daemon judges a relation for the same period only and names what it waits for",
          "[kinds][relation]") {
    it::TempDir dir;
    it::Daemon d(dir.path(), kForms, {"--test-clock", "--now", "2023-07-11T09:00:00+08:00"});
    REQUIRE(it::http("POST", d.url("/api/v1/values"),
                     R"({"values":[{"indicator":"growth","period":"2023-Q1","value":5.0},
                                   {"indicator":"income_growth","period":"2023-Q1","value":7.0},
                                   {"indicator":"income_growth","period":"2023-Q2","value":6.0}]})")
                .status == 200);
    auto r = indicator(d, "income_in_step");
    CHECK(r.at("status").as_string() == "pending");
    CHECK(r.at("reason").as_string() == "waiting for 'growth' for 2023-Q2 (not due yet)");

    set_clock(d, "2023-07-21T09:00:00+08:00");  // growth's Q2 was due 07-20
    r = indicator(d, "income_in_step");
    CHECK(r.at("status").as_string() == "no_data");
    CHECK(r.at("reason").as_string() ==
          "no value of 'growth' for 2023-Q2 to compare with (past its due date)");

    REQUIRE(it::http("POST", d.url("/api/v1/values"),
                     R"({"values":[{"indicator":"growth","period":"2023-Q2","value":5.5}]})")
                .status == 200);
    r = indicator(d, "income_in_step");
    CHECK(r.at("status").as_string() == "on_track");
    CHECK(r.at("reason").as_string() ==
          "income_growth 6 for 2023-Q2 is in step with growth 5.5 for 2023-Q2 (at most 0 below)");

    // 6月底前 without a report: overdue in July
    r = indicator(d, "industry_policy_issued");
    CHECK(r.at("status").as_string() == "overdue");
    CHECK(r.at("reason").as_string() == "no report by the deadline 2023-06-30 plus grace 5d");
}

TEST_CASE("a January value of a 1-2月 indicator is refused naming February", "[kinds][skip]") {
    it::TempDir dir;
    it::Daemon d(dir.path(), kForms, {"--test-clock", "--now", "2023-03-10T09:00:00+08:00"});
    auto r = it::http(
        "POST", d.url("/api/v1/values"),
        R"({"values":[{"indicator":"monthly_industry_growth","period":"2023-01","value":6.1}]})");
    CHECK(r.status == 400);
    CHECK(json::parse(r.body).at("items").as_array()[0].at("reason").as_string() ==
          "period '2023-01' has no separate report for indicator 'monthly_industry_growth' (skip: "
          "it is published with the next month): report the combined figure for 2023-02");
    r = it::http(
        "POST", d.url("/api/v1/values"),
        R"({"values":[{"indicator":"monthly_industry_growth","period":"2023-02","value":6.1}]})");
    CHECK(r.status == 200);
    CHECK(indicator(d, "monthly_industry_growth").at("status").as_string() == "on_track");
}
