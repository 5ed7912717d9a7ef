// The console's 通报 tab: the printable bulletin (GET /api/v1/bulletin's HTML) for a signed-in
// office, with the API's checks: a unit is refused in the page, the signed-out go to sign in.
#include <catch2/catch.hpp>
#include <fstream>

#include "harness.hpp"

namespace {

std::string token_for(const std::filesystem::path& config, const std::string& args) {
    auto [code, out] = it::run(it::kCtl + " token create " + config.string() + " " + args);
    REQUIRE(code == 0);
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
    return out;
}

}  // namespace

TEST_CASE("the console's 通报 tab shows the bulletin to the office only", "[web][bulletin]") {
    it::TempDir dir;
    const auto config = dir.path() / "indicatord.yaml";
    std::ofstream(config) << "rules: " << it::kData << "/minimal\ncalendars: " << it::kData
                          << "/../../config/calendars\nauth:\n  tokens_file: tokens.yaml\n";
    const auto fgw = token_for(config, "--unit fgw --id fgw-1");
    const auto office = token_for(config, "--admin --id office");
    it::Daemon d(dir.path(), config.string(), {"--now", "2023-05-10T09:00:00+08:00"});
    auto sign_in = [&](const std::string& token) {
        auto p = it::http("GET", d.url("/signin"));
        const auto& set = p.headers["set-cookie"];
        const auto c = set.substr(11, set.find(';') - 11);
        auto in = it::http("POST", d.url("/signin"), "csrf=" + c + "&token=" + token,
                           "application/x-www-form-urlencoded", {"Cookie: idt_signin=" + c});
        REQUIRE(in.status == 303);
        const auto& s = in.headers["set-cookie"];
        return "Cookie: " + s.substr(0, s.find(';'));
    };
    auto r = it::http("GET", d.url("/bulletin"));
    CHECK(r.status == 303);
    CHECK(r.headers["location"] == "/signin?next=%2Fbulletin");

    const auto office_cookie = sign_in(office);
    const auto board = it::http("GET", d.url("/"), {}, {}, {office_cookie});
    CHECK_THAT(board.body, Catch::Contains("href=\"/bulletin\""));
    r = it::http("GET", d.url("/bulletin?as_of=2023-05-10"), {}, {}, {office_cookie});
    REQUIRE(r.status == 200);
    CHECK_THAT(r.content_type, Catch::StartsWith("text/html"));
    CHECK_THAT(r.body, Catch::Contains("督查通报"));
    r = it::http("GET", d.url("/bulletin?format=nope"), {}, {}, {office_cookie});
    CHECK(r.status == 400);
    CHECK_THAT(r.body, Catch::Contains("format must be xlsx, html, md or json"));

    r = it::http("GET", d.url("/bulletin"), {}, {}, {sign_in(fgw)});
    CHECK(r.status == 403);
    CHECK_THAT(r.body, Catch::Contains("may not read bulletins"));
}
