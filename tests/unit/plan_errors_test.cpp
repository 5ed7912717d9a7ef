// One load reports every independent error of the rules (up to a limit), not only the first.
#include <algorithm>
#include <catch2/catch.hpp>
#include <fstream>

#include "config/config.hpp"
#include "model/plan.hpp"
#include "test_util.hpp"
#include "util/errors.hpp"

using namespace indicatord;

namespace {

std::string error_of(const std::vector<std::filesystem::path>& paths) {
    try {
        load_plan(paths);
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "no error";
}

}  // namespace

TEST_CASE("every bad task of a file is reported, in order, with a count", "[plan][errors]") {
    const auto dir = test::kData + "/rules-multi-errors";
    CHECK(error_of({dir}) ==
          dir + "/b-tasks.yaml:6:62: target must be a number\n" + dir +
              "/b-tasks.yaml:9:11: unknown unit '市不存在局': add it (or an alias) to the unit "
              "registry\n" +
              dir +
              "/b-tasks.yaml:19:26: unknown indicator kind 'thresold' (one of threshold, "
              "cumulative, milestones, expression, achievement, baseline, rank, report, value, "
              "relation)\n"
              "(3 errors)");
}

TEST_CASE("syntax errors of several files are reported together, and stop the load there",
          "[plan][errors]") {
    const auto dir = test::kData + "/rules-multi-syntax";
    CHECK(error_of({dir}) ==
          dir + "/c-broken.yaml:4:1: YAML syntax error: end of sequence flow not found\n" + dir +
              "/d-broken.yaml:3:1: YAML syntax error: end of map flow not found\n(2 errors)");
    // one error reads exactly as before: no count line
    CHECK(error_of({dir + "/a-plan.yaml", dir + "/c-broken.yaml"}) ==
          dir + "/c-broken.yaml:4:1: YAML syntax error: end of sequence flow not found");
}

TEST_CASE("the errors stop at 20, and say so", "[plan][errors]") {
    test::TempDir tmp;
    std::filesystem::copy_file(test::kData + "/rules-multi-errors/a-plan.yaml",
                               tmp.path() / "a-plan.yaml");
    std::ofstream tasks(tmp.path() / "b-tasks.yaml");
    tasks << "tasks:\n";
    for (int i = 1; i <= 30; ++i)
        tasks << "  - {number: " << i << ", text: t, lead: 市无此局" << i << "}\n";
    tasks.close();
    const auto text = error_of({tmp.path()});
    CHECK(std::count(text.begin(), text.end(), '\n') == 20);
    CHECK_THAT(text, Catch::Contains("unknown unit '市无此局1'") &&
                         Catch::Contains("unknown unit '市无此局20'") &&
                         !Catch::Contains("市无此局21") &&
                         Catch::EndsWith("\n(20 errors, stopped at the limit)"));
}

TEST_CASE("every bad unit of a units file is reported in one run", "[plan][errors]") {
    test::TempDir tmp;
    std::ofstream(tmp.path() / "plan.yaml")
        << "plan: {id: p-2023, name: p, year: 2023}\n"
           "units:\n"
           "  - {id: Fgw, name: 市发改委}\n"
           "  - {id: tjj, name: 市统计局, kind: bureau}\n"
           "  - {id: jxj, name: 市经信局, receivers: [{webhook: 'ftp://x'}]}\n"
           "  - {id: ok, name: 市好局}\n"
           "tasks:\n  - {text: t, lead: 市好局}\n";
    const auto text = error_of({tmp.path()});
    CHECK_THAT(text, Catch::Contains(":3:10: unit id must match [a-z][a-z0-9_]*, got 'Fgw'") &&
                         Catch::Contains(":4:41: unit kind must be one of") &&
                         Catch::Contains(":5:57: webhook must be an http:// or https:// URL") &&
                         Catch::EndsWith("(3 errors)"));
}

TEST_CASE("every bad setting of a config file is reported in one run", "[config][errors]") {
    test::TempDir tmp;
    const auto file = tmp.path() / "c.yaml";
    std::ofstream(file) << "listen: nowhere\nrules: r\nlog_level: loud\n"
                           "http: {idle_timeout: soon}\nweb: {lights: {due_soon: 5d}}\n";
    std::string text;
    try {
        load_config(file);
    } catch (const ConfigError& e) {
        text = e.what();
    }
    CHECK_THAT(text, Catch::Contains(":1:9: listen must be HOST:PORT") &&
                         Catch::Contains(":3:12: log_level must be one of") &&
                         Catch::Contains(":4:22: idle_timeout must be") &&
                         Catch::Contains(":5:26: due_soon must be") &&
                         Catch::EndsWith("(4 errors)"));
}
