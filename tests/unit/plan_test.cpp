#include "model/plan.hpp"

#include <catch2/catch.hpp>

#include "test_util.hpp"
#include "util/errors.hpp"

using namespace indicatord;

TEST_CASE("the minimal test plan loads with roles resolved", "[plan]") {
    auto plan = load_plan({test::kData + "/minimal"});
    CHECK(plan.id == "test-2023");
    CHECK(plan.year == 2023);
    REQUIRE(plan.tasks.size() == 4);
    CHECK(plan.indicators.size() == 5);

    const auto* t1 = plan.find_task(1);
    REQUIRE(t1);
    CHECK(t1->leads == std::vector<std::string>{"fgw"});
    CHECK(t1->co == std::vector<std::string>{"tjj"});
    CHECK_FALSE(t1->joint);

    // an alias resolves to the same unit
    CHECK(plan.find_task(8)->leads == std::vector<std::string>{"fgw"});
    // a group in co expands to its members
    CHECK(plan.find_task(10)->co == std::vector<std::string>{"liandu", "longquan"});
    // a group as joint leads (分别牵头): each member leads
    CHECK(plan.find_task(68)->leads == std::vector<std::string>{"liandu", "longquan"});
    CHECK(plan.find_task(68)->joint);

    const auto* gdp = plan.find_indicator("gdp_growth");
    REQUIRE(gdp);
    const auto& th = std::get<rule::Threshold>(gdp->rule);
    CHECK(th.op == Op::ge);
    CHECK(th.target == 6);
    CHECK(gdp->ytd);
    CHECK(gdp->schedule.cadence == Cadence::quarter);
    CHECK(gdp->schedule.due.days == 20);

    const auto* cpi = plan.find_indicator("cpi_growth");
    CHECK(cpi->schedule.cadence == Cadence::month);
    CHECK(cpi->schedule.due.days == 15);
    CHECK(cpi->schedule.grace.days == 5);  // inherited from plan defaults

    // a task without indicators owes a progress report
    // a task without indicators owes a progress report; joint leads each owe their own
    const auto* report = plan.find_indicator("task068_report_liandu");
    REQUIRE(report);
    CHECK(std::holds_alternative<rule::Report>(report->rule));
    CHECK(report->schedule.due.days == 10);
    CHECK(report->lead_unit == "liandu");
    CHECK(report->name == "任务68进展报告(莲都区政府)");
    CHECK(plan.find_indicator("task068_report_longquan")->lead_unit == "longquan");
}

TEST_CASE("an indicator's place is file:line:col, the file's name shared", "[plan]") {
    auto plan = load_plan({test::kData + "/minimal"});
    const auto* gdp = plan.find_indicator("gdp_growth");
    const auto* cpi = plan.find_indicator("cpi_growth");
    REQUIRE(gdp);
    REQUIRE(cpi);
    const std::string file = test::kData + "/minimal/plan.yaml";
    CHECK(gdp->defined_at.text() == file + ":42:9");
    CHECK(cpi->defined_at.text() == file + ":55:9");
    // one copy of the name for every indicator of the file (a plan of 100,000 held 100,000)
    CHECK(gdp->defined_at.file == cpi->defined_at.file);
    CHECK(SourceAt{gdp->defined_at.file, 0, 0}.text() == file);  // no position: the file alone
    CHECK(SourceAt{}.text().empty());
}

TEST_CASE("each bad rules file gives its exact file:line:col error", "[plan]") {
    auto name = GENERATE(as<std::string>{}, "unknown_task_key", "duplicate_task",
                         "duplicate_indicator", "unknown_unit", "expression_unknown_input",
                         "milestones_out_of_order", "due_longer_than_period", "bad_op",
                         "unknown_kind", "kind_key_mismatch", "alias_twice", "lead_and_joint");
    const auto path = test::kData + "/rules/" + name + ".yaml";
    INFO(path);
    try {
        load_plan({path});
        FAIL("no error");
    } catch (const ConfigError& e) {
        CHECK(std::string(e.what()) == test::expected_error(path));
    }
}

TEST_CASE("an expression that does not parse names muparser's reason", "[plan]") {
    const auto path = test::kData + "/rules/expression_syntax.yaml";
    try {
        load_plan({path});
        FAIL("no error");
    } catch (const ConfigError& e) {
        CHECK_THAT(e.what(), Catch::StartsWith(test::expected_error(path)));
    }
}

TEST_CASE("a rules path that does not exist is an error", "[plan]") {
    CHECK_THROWS_WITH(load_plan({"/nonexistent/rules"}),
                      "/nonexistent/rules: rules path does not exist");
}
