// A unit's desk counts a report as on time by its first revision: a value reported before its
// due day and revised after it was reported on time (as the bulletins count it).
#include <catch2/catch.hpp>

#include "harness.hpp"

TEST_CASE("the desk's on-time record counts a period by its first revision", "[web][desk]") {
    it::TempDir dir;
    it::Daemon d(dir.path(), it::kData + "/minimal.yaml",
                 {"--test-clock", "--now", "2023-04-10T09:00:00+08:00"});
    // gdp_growth 2023-Q1 is due on 2023-04-20: reported on 04-10, revised on 05-10
    REQUIRE(it::http("POST", d.url("/api/v1/values"), it::one_value("gdp_growth", "2023-Q1", 4.5))
                .status == 200);
    REQUIRE(it::http("POST", d.url("/-/clock"), R"({"now":"2023-05-10T09:00:00+08:00"})").status ==
            200);
    REQUIRE(it::http("POST", d.url("/api/v1/values"), it::one_value("gdp_growth", "2023-Q1", 4.9))
                .status == 200);
    REQUIRE(it::history(d, "gdp_growth").size() == 2);
    const auto desk = it::http("GET", d.url("/units/fgw"));
    REQUIRE(desk.status == 200);
    CHECK_THAT(desk.body, Catch::Contains("已报 1 期,其中按时 1 期"));
}
