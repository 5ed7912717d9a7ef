#include "http/route_label.hpp"

#include <catch2/catch.hpp>

using indicatord::route_label;

TEST_CASE("a request target is counted under its route's template, a bounded set", "[metrics]") {
    CHECK(route_label("/api/v1/values") == "/api/v1/values");
    CHECK(route_label("/api/v1/indicators?unit=fgw") == "/api/v1/indicators");
    CHECK(route_label("/api/v1/indicators/gdp_growth") == "/api/v1/indicators/{key}");
    CHECK(route_label("/api/v1/indicators/gdp_growth/values?limit=2") ==
          "/api/v1/indicators/{key}/values");
    CHECK(route_label("/api/v1/indicators/gdp_growth/chase") == "/api/v1/indicators/{key}/chase");
    CHECK(route_label("/api/v1/alerts/0123abcd/ack") == "/api/v1/alerts/{fingerprint}/ack");
    CHECK(route_label("/api/v1/silences/7") == "/api/v1/silences/{id}");
    CHECK(route_label("/metrics") == "/metrics");
    CHECK(route_label("/-/reload") == "/-/reload");
    // the console's pages are one route (their pages have their own family)
    CHECK(route_label("/") == "console");
    CHECK(route_label("/indicators/gdp_growth") == "console");
    CHECK(route_label("/static/console.css") == "console");
    // whatever else a client sends stays in one label value
    CHECK(route_label("/api/v1/indicators/") == "other");
    CHECK(route_label("/api/v1/indicators/a/b/c") == "other");
    CHECK(route_label("/api/v1/values/x") == "other");
    CHECK(route_label("/wp-login.php") == "other");
    CHECK(route_label("") == "other");
    CHECK(route_label("*") == "other");
    CHECK(route_label("//metrics") == "other");
}
