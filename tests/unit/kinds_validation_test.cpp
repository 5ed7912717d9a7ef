// The plan language's refusals and hints (issue 11): each bad rules file of tests/data/rules
// gives its exact file:line:col error.
#include <catch2/catch.hpp>

#include "model/plan.hpp"
#include "test_util.hpp"
#include "util/errors.hpp"

using namespace indicatord;

TEST_CASE("a bad target form gives its exact file:line:col error", "[kinds][validation]") {
    auto name =
        GENERATE(as<std::string>{}, "trajectory_decreasing", "trajectory_below_target",
                 "trajectory_outside_year", "milestone_after_plan", "deadline_outside_year",
                 "unquoted_op", "unquoted_gt", "about_without_tolerance", "unknown_tier",
                 "skip_quarterly", "relation_never_same_period", "expression_never_same_period");
    const auto path = test::kData + "/rules/" + name + ".yaml";
    INFO(path);
    try {
        load_plan({path});
        FAIL("no error");
    } catch (const ConfigError& e) {
        CHECK(std::string(e.what()) == test::expected_error(path));
    }
}

TEST_CASE("an unknown function in an expression says so and lists the functions there are",
          "[kinds][validation]") {
    const auto path = test::kData + "/rules/expression_unknown_function.yaml";
    try {
        load_plan({path});
        FAIL("no error");
    } catch (const ConfigError& e) {
        const std::string what = e.what();
        CHECK_THAT(what, Catch::StartsWith(test::expected_error(path)));
        for (const char* fn : {"abs", "min", "max", "avg", "sqrt"})
            CHECK_THAT(what, Catch::Contains(fn));
    }
}
