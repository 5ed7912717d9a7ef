#include "eval/ingest.hpp"

#include <catch2/catch.hpp>

#include "http/http_types.hpp"
#include "test_util.hpp"
#include "util/json_text.hpp"

using namespace indicatord;

namespace {
const Plan& plan() {
    static const Plan p = load_plan({test::kData + "/minimal"});
    return p;
}
// After the plan year, as an admin: every period has ended and a reported_at is honoured.
const ReportTime kLater{date::sys_days{date::year{2024} / 6 / 1}, true};
}  // namespace

TEST_CASE("a valid batch parses into items", "[ingest]") {
    auto b = parse_values_json(
        R"({"values":[{"indicator":"gdp_growth","period":"2023-Q1","value":4.9,"note":"初步核算"},
                      {"indicator":"cpi_growth","period":"2023-03","value":2}]})",
        plan(), kLater);
    REQUIRE(b.ok());
    REQUIRE(b.items.size() == 2);
    CHECK(b.items[0].period.label() == "2023-Q1");
    CHECK(b.items[0].value == 4.9);
    CHECK(b.items[0].note == "初步核算");
    CHECK(b.items[1].value == 2);
}

TEST_CASE("whole-body errors", "[ingest]") {
    CHECK_THAT(parse_values_json("{", plan(), kLater).error,
               Catch::StartsWith("body is not valid JSON: "));
    CHECK(parse_values_json("[]", plan(), kLater).error ==
          R"(body must be a JSON object {"values": [...]})");
    CHECK(parse_values_json(R"({"vals":[]})", plan(), kLater).error ==
          R"(unknown key 'vals' (expected only "values"))");
    CHECK(parse_values_json(R"({"values":{}})", plan(), kLater).error ==
          R"("values" must be an array of {indicator, period, value, note})");
    CHECK(parse_values_json(R"({"values":[]})", plan(), kLater).error == R"("values" is empty)");
}

TEST_CASE("every bad item is reported with its index and nothing is kept", "[ingest]") {
    auto b = parse_values_json(R"({"values":[
        {"indicator":"gdp_growth","period":"2023-Q1","value":4.9},
        {"indicator":"nope","period":"2023-Q1","value":1},
        {"indicator":"gdp_growth","period":"2023-03","value":1},
        {"indicator":"gdp_growth","period":"2022-Q4","value":1},
        {"indicator":"gdp_growth","period":"2023-Q9","value":1},
        {"indicator":"gdp_growth","period":"2023-Q1","value":"4.9"},
        {"indicator":"gdp_growth","period":"2023-Q1","value":1,"extra":1},
        {"indicator":"task068_report_liandu","period":"2023-Q1","value":120},
        7
    ]})",
                               plan(), kLater);
    CHECK(b.items.empty());
    REQUIRE(b.item_errors.size() == 8);
    CHECK(b.item_errors[0].index == 1);
    CHECK(b.item_errors[0].reason == "unknown indicator 'nope'");
    CHECK(b.item_errors[1].reason ==
          "period '2023-03' does not match indicator 'gdp_growth' reported by quarter");
    CHECK(b.item_errors[2].reason == "period '2022-Q4' is outside plan test-2023 (2023)");
    CHECK(b.item_errors[3].reason ==
          "period '2023-Q9' is not a period (use 2023, 2023-H1, 2023-Q1 or 2023-03)");
    CHECK(b.item_errors[4].reason == "\"value\" must be a number");
    CHECK(b.item_errors[5].reason ==
          "unknown key 'extra' (allowed: indicator, period, value, note, reported_at)");
    CHECK(b.item_errors[6].reason ==
          "value of report indicator 'task068_report_liandu' is percent complete: 0 to 100");
    CHECK(b.item_errors[7].index == 8);
    CHECK(b.item_errors[7].reason == "must be an object {indicator, period, value, note}");
}

TEST_CASE("error messages quoting client bytes stay valid UTF-8 JSON", "[ingest]") {
    CHECK(valid_utf8("ok 中文") == "ok 中文");
    CHECK(valid_utf8("/\xFF"
                     "a") ==
          "/\xEF\xBF\xBD"
          "a");
    CHECK(valid_utf8("\xC0\xAF") == "\xEF\xBF\xBD\xEF\xBF\xBD");                  // overlong
    CHECK(valid_utf8("\xED\xA0\x80") == "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
    auto r = json_error(400, "malformed request target '/\xFF'");
    CHECK(r.body == "{\"error\":\"malformed request target '/\xEF\xBF\xBD'\"}\n");
}
