// The history's page cursor is decoded by Boost.Algorithm's unhex (issue 10): any hex case, and a
// 400 that says what is wrong with a bad one.
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <fstream>
#include <string>

#include "harness.hpp"

namespace json = boost::json;

TEST_CASE("a page cursor in upper-case hex works, a bad one gets a 400 saying why",
          "[api][pages]") {
    it::TempDir dir;
    const auto config = dir.path() / "indicatord.yaml";
    std::ofstream(config) << "rules: " << it::kData << "/minimal\ncalendars: " << it::kData
                          << "/../../config/calendars\n";
    it::Daemon d(dir.path(), config.string());
    REQUIRE(it::http("POST", d.url("/api/v1/values"),
                     R"({"values":[{"indicator":"gdp_growth","period":"2023-Q1","value":1},)"
                     R"({"indicator":"gdp_growth","period":"2023-Q1","value":2},)"
                     R"({"indicator":"gdp_growth","period":"2023-Q2","value":3}]})")
                .status == 200);
    auto get = [&](const std::string& query) {
        return it::http("GET", d.url("/api/v1/indicators/gdp_growth/values" + query));
    };
    auto first = get("?limit=1");
    REQUIRE(first.status == 200);
    const std::string cursor(json::parse(first.body).at("next_cursor").as_string());
    CHECK(cursor == "323032332d51310a31");  // "2023-Q1\n1"

    // The same cursor in upper case: the same next page.
    std::string upper = cursor;
    for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    for (const auto& c : {cursor, upper}) {
        INFO("cursor=" << c);
        auto next = get("?limit=5&cursor=" + c);
        REQUIRE(next.status == 200);
        const auto values = json::parse(next.body).at("values").as_array();
        REQUIRE(values.size() == 2);
        CHECK(values[0].at("revision").as_int64() == 2);
        CHECK(values[1].at("period").as_string() == "2023-Q2");
    }

    // A non-hex digit after good ones; too long.
    auto bad = get("?cursor=3230zz");
    CHECK(bad.status == 400);
    CHECK(json::parse(bad.body).at("error").as_string() ==
          "cursor '3230zz' is not valid (it is not hexadecimal): pass the next_cursor of the "
          "previous page unchanged");
    const std::string long_cursor(258, 'a');
    auto too_long = get("?cursor=" + long_cursor);
    CHECK(too_long.status == 400);
    CHECK(json::parse(too_long.body).at("error").as_string() ==
          "cursor '" + long_cursor +
              "' is not valid (it is longer than 256 characters): pass the next_cursor of the "
              "previous page unchanged");
}
