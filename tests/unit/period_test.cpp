#include "model/period.hpp"

#include <catch2/catch.hpp>

using namespace indicatord;
using namespace date::literals;

TEST_CASE("periods parse in their four forms and print back", "[period]") {
    for (std::string label :
         {"2023", "2023-H1", "2023-H2", "2023-Q1", "2023-Q4", "2023-01", "2023-12"}) {
        auto p = parse_period(label);
        REQUIRE(p);
        CHECK(p->label() == label);
    }
    CHECK(parse_period("2023-Q2")->cadence == Cadence::quarter);
    CHECK(parse_period("2023-H2")->index == 2);
    CHECK(parse_period("2023-07")->cadence == Cadence::month);
    CHECK(parse_period("2023")->cadence == Cadence::year);
}

TEST_CASE("malformed periods are rejected", "[period]") {
    for (std::string bad : {"", "23", "2023-Q5", "2023-Q0", "2023-H3", "2023-13", "2023-00",
                            "2023-1", "2023Q1", "2023-q1", "abcd", "2023-Q1x", "-2023", "2023-"}) {
        INFO(bad);
        CHECK_FALSE(parse_period(bad));
    }
}

TEST_CASE("period bounds", "[period]") {
    CHECK(parse_period("2023-Q1")->first_day() == 2023_y / 1 / 1);
    CHECK(parse_period("2023-Q1")->last_day() == 2023_y / 3 / 31);
    CHECK(parse_period("2023-H2")->first_day() == 2023_y / 7 / 1);
    CHECK(parse_period("2023-H2")->last_day() == 2023_y / 12 / 31);
    CHECK(parse_period("2024-02")->last_day() == 2024_y / 2 / 29);  // leap year
    CHECK(parse_period("2023-02")->last_day() == 2023_y / 2 / 28);
    CHECK(parse_period("2023")->last_day() == 2023_y / 12 / 31);
}

TEST_CASE("a period fits only its indicator's cadence", "[period]") {
    CHECK(parse_period("2023-Q1")->fits(Cadence::quarter));
    CHECK_FALSE(parse_period("2023-Q1")->fits(Cadence::month));
    CHECK_FALSE(parse_period("2023-03")->fits(Cadence::quarter));
    CHECK(parse_period("2023")->fits(Cadence::year));
    CHECK(parse_period("2023")->fits(Cadence::once));
    CHECK_FALSE(parse_period("2023-H1")->fits(Cadence::once));
}

TEST_CASE("periods of a year, in order", "[period]") {
    CHECK(periods_of_year(Cadence::month, 2023).size() == 12);
    auto q = periods_of_year(Cadence::quarter, 2023);
    REQUIRE(q.size() == 4);
    CHECK(q[0].label() == "2023-Q1");
    CHECK(q[3].label() == "2023-Q4");
    CHECK(std::is_sorted(q.begin(), q.end()));
    CHECK(periods_of_year(Cadence::once, 2023).front().label() == "2023");
}

TEST_CASE("dates parse strictly", "[period]") {
    CHECK(parse_date("2024-02-29") == 2024_y / 2 / 29);
    CHECK_FALSE(parse_date("2023-02-29"));
    CHECK_FALSE(parse_date("2023-2-1"));
    CHECK_FALSE(parse_date("2023/02/01"));
}
