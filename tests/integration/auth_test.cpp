// Per-unit API tokens against the real daemon: 401 without, 403 for another unit's indicator.
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <fstream>

#include "harness.hpp"

namespace json = boost::json;

namespace {

std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    return s;
}

std::string create_token(const std::filesystem::path& config, const std::string& args) {
    auto [code, out] = it::run(it::kCtl + " token create " + config.string() + " " + args);
    REQUIRE(code == 0);
    return trim(out);
}

}  // namespace

TEST_CASE("unit tokens: 401 without, 403 for another unit's indicator, reporter recorded",
          "[auth]") {
    it::TempDir dir;
    const auto config = dir.path() / "indicatord.yaml";
    std::ofstream(config) << "rules: " << it::kData << "/minimal\ncalendars: " << it::kData
                          << "/../../config/calendars\nauth:\n  tokens_file: tokens.yaml\n";
    const auto fgw = create_token(config, "--unit fgw --id fgw-1");
    const auto tjj = create_token(config, "--unit tjj --id tjj-1");
    const auto admin = create_token(config, "--admin --id ops");
    CHECK(fgw.rfind("idt_fgw-1_", 0) == 0);

    // only hashes are on disk
    std::ifstream in(dir.path() / "tokens.yaml");
    std::string text((std::istreambuf_iterator<char>(in)), {});
    CHECK(text.find(fgw) == std::string::npos);
    CHECK(text.find("sha256: ") != std::string::npos);
    // a second token with the same id is refused
    CHECK(it::run(it::kCtl + " token create " + config.string() + " --unit fgw --id fgw-1").first ==
          2);

    it::Daemon d(dir.path(), config.string());
    const std::string gdp =
        R"({"values":[{"indicator":"gdp_growth","period":"2023-Q1","value":4.9}]})";
    auto post = [&](const std::string& token, const std::string& body) {
        return it::http("POST", d.url("/api/v1/values"), body, "application/json",
                        token.empty() ? std::vector<std::string>{}
                                      : std::vector<std::string>{"Authorization: Bearer " + token});
    };

    auto none = post("", gdp);
    CHECK(none.status == 401);
    CHECK(none.headers["www-authenticate"] == "Bearer realm=\"indicatord\"");
    CHECK(json::parse(none.body).at("error").as_string() ==
          "writing values needs an API token: send Authorization: Bearer <token>");
    CHECK(post("idt_fgw-1_0000", gdp).status == 401);
    CHECK(post(fgw + "x", gdp).status == 401);

    // 市统计局 is a co-unit of task 1 (gdp_growth) but not of task 8 (cpi_growth)
    auto forbidden =
        post(tjj, R"({"values":[{"indicator":"gdp_growth","period":"2023-Q1","value":4.9},
                                             {"indicator":"cpi_growth","period":"2023-01","value":2}]})");
    CHECK(forbidden.status == 403);
    auto err = json::parse(forbidden.body);
    CHECK(err.at("error").as_string() ==
          "token 'tjj-1' of unit 'tjj' may not report 1 of these values; nothing was stored");
    CHECK(err.at("items").as_array()[0].at("reason").as_string() ==
          "unit 'tjj' may not report indicator 'cpi_growth' (task 8, led by 'fgw')");

    CHECK(post(fgw, gdp).status == 200);
    CHECK(post(tjj, gdp).status == 200);
    CHECK(
        post(admin,
             R"({"values":[{"indicator":"task068_report_liandu","period":"2023-Q1","value":50}]})")
            .status == 200);

    auto hist = json::parse(it::http("GET", d.url("/api/v1/indicators/gdp_growth/values")).body)
                    .at("values")
                    .as_array();
    REQUIRE(hist.size() == 2);
    CHECK(hist[0].at("reporter").as_string() == "unit:fgw token:fgw-1");
    CHECK(hist[1].at("reporter").as_string() == "unit:tjj token:tjj-1");
    // metrics and health stay open
    CHECK(it::http("GET", d.url("/metrics")).status == 200);
    CHECK(it::http("GET", d.url("/healthz")).status == 200);
}

TEST_CASE("read_requires_token closes the read API but not /metrics", "[auth]") {
    it::TempDir dir;
    const auto config = dir.path() / "indicatord.yaml";
    std::ofstream(config) << "rules: " << it::kData << "/minimal\ncalendars: " << it::kData
                          << "/../../config/calendars\nauth:\n  tokens_file: tokens.yaml\n  "
                             "read_requires_token: true\n";
    const auto tok = create_token(config, "--unit liandu --id liandu-1");
    it::Daemon d(dir.path(), config.string());
    CHECK(it::http("GET", d.url("/api/v1/indicators")).status == 401);
    CHECK(it::http("GET", d.url("/api/v1/indicators"), "", "", {"Authorization: Bearer " + tok})
              .status == 200);
    CHECK(it::http("GET", d.url("/metrics")).status == 200);
}

TEST_CASE("with auth on and no tokens file yet, nobody may write", "[auth]") {
    it::TempDir dir;
    const auto config = dir.path() / "indicatord.yaml";
    std::ofstream(config) << "rules: " << it::kData << "/minimal\ncalendars: " << it::kData
                          << "/../../config/calendars\nauth:\n  tokens_file: tokens.yaml\n";
    it::Daemon d(dir.path(), config.string());
    CHECK(it::http("POST", d.url("/api/v1/values"),
                   R"({"values":[{"indicator":"gdp_growth","period":"2023-Q1","value":5}]})")
              .status == 401);
    CHECK_THAT(d.process().err(), Catch::Contains("no API tokens in"));
}
