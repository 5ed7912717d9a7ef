// The web console's parts without a socket: the `web:` config, the light mapping, HTML escaping,
// cookies, sessions and the per-address limit on failed sign-ins (docs/web.md).
#include <catch2/catch.hpp>
#include <fstream>

#include "config/config.hpp"
#include "http/web_assets.hpp"
#include "http/web_html.hpp"
#include "http/web_session.hpp"
#include "http/web_view.hpp"
#include "test_util.hpp"
#include "util/errors.hpp"

using namespace indicatord;
using namespace std::chrono_literals;

TEST_CASE("web config: defaults, and each bad web: section gives its exact error", "[web]") {
    const auto c = load_config(test::kData + "/minimal.yaml");
    CHECK_FALSE(c.web.public_read);
    CHECK_FALSE(c.web.assets_dir);
    CHECK(c.web.session_ttl == 8h);
    const Lights lights(c.web);
    CHECK(lights.of(Status::achieved) == Light::green);
    CHECK(lights.of(Status::on_track) == Light::green);
    CHECK(lights.of(Status::pending) == Light::green);
    CHECK(lights.of(Status::at_risk) == Light::yellow);
    CHECK(lights.of(Status::missed) == Light::red);
    CHECK(lights.of(Status::overdue) == Light::red);
    CHECK(lights.of(Status::no_data) == Light::grey);
    CHECK(lights.due_soon().days == 5);
    CHECK(lights.due_soon().working_days);

    auto name = GENERATE(as<std::string>{}, "bad_web_light.yaml", "bad_web_two_lights.yaml",
                         "bad_web_due_soon.yaml");
    const auto path = test::kData + "/config/" + name;
    INFO(path);
    try {
        load_config(path);
        FAIL("no error for " << path);
    } catch (const ConfigError& e) {
        CHECK(std::string(e.what()) == test::expected_error(path));
    }
}

TEST_CASE("web config: a status moved to another light leaves its default one", "[web]") {
    test::TempDir dir;
    const auto file = dir.path() / "c.yaml";
    std::ofstream(file) << "rules: " << test::kData << "/minimal\nweb:\n  public_read: true\n"
                        << "  assets_dir: web\n  session_ttl: 1h\n  lights:\n"
                        << "    red: [at_risk, missed, overdue, no_data]\n    due_soon: 0wd\n";
    const auto c = load_config(file);
    CHECK(c.web.public_read);
    CHECK(*c.web.assets_dir == dir.path() / "web");
    CHECK(c.web.session_ttl == 1h);
    const Lights lights(c.web);
    CHECK(lights.of(Status::at_risk) == Light::red);
    CHECK(lights.of(Status::no_data) == Light::red);
    CHECK(lights.of(Status::pending) == Light::green);
    CHECK(c.web.yellow.empty());
    CHECK(lights.due_soon().days == 0);
}

TEST_CASE("web html: every piece of text is escaped, lights read as an office reads them",
          "[web]") {
    CHECK(escaped(R"(<script>alert("x")</script> "><img src=x onerror=alert('1')> & co)") ==
          "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &quot;&gt;&lt;img src=x "
          "onerror=alert(&#39;1&#39;)&gt; &amp; co");
    CHECK(escaped("初步核算") == "初步核算");
    std::string out;
    put_light(out, Light::red, Status::overdue);
    CHECK(out ==
          "<span class=\"light red\">红灯</span> <span class=\"status\">逾期未报 overdue</span>");
    CHECK(light_words(Light::green) == "绿灯");
    CHECK(light_words(Light::yellow) == "黄灯");
}

TEST_CASE("web html: pages carry a CSP without inline scripts and are not cached", "[web]") {
    PageFrame frame{"总览", "board", "丽水 2023", "市发改委 (fgw-1)", "c0ffee", "2023-05-10 09:00"};
    const auto r = html_page(200, frame, "<p>x</p>");
    CHECK(r.content_type == "text/html; charset=utf-8");
    std::string csp, cache;
    for (const auto& [k, v] : r.headers) {
        if (k == "Content-Security-Policy") csp = v;
        if (k == "Cache-Control") cache = v;
    }
    CHECK(csp.find("script-src 'self'") != std::string::npos);
    CHECK(csp.find("unsafe-inline") == std::string::npos);
    CHECK(cache == "no-store");
    CHECK(r.body.find("<script>") == std::string::npos);
    CHECK(r.body.find("name=\"csrf\" value=\"c0ffee\"") != std::string::npos);  // sign-out form
}

TEST_CASE("web assets: compiled in, served only by their names", "[web]") {
    std::string error;
    const auto css = find_web_asset("console.css", std::nullopt, error);
    REQUIRE(css);
    CHECK(css->content_type == "text/css; charset=utf-8");
    CHECK(css->body.find(".light.red") != std::string::npos);
    CHECK(find_web_asset("console.js", std::nullopt, error)->content_type ==
          "text/javascript; charset=utf-8");
    CHECK_FALSE(find_web_asset("../CMakeLists.txt", std::nullopt, error));
    CHECK(error == "no such file of the console: '../CMakeLists.txt'");
    CHECK_FALSE(find_web_asset("console.css", std::string("/nonexistent"), error));
    CHECK(error == "web.assets_dir: cannot read /nonexistent/console.css");
}

TEST_CASE("web sessions: cookies, expiry, constant-time CSRF comparison, local paths", "[web]") {
    CHECK(cookie_value("a=1; idt_session=abc; b=2", "idt_session") == "abc");
    CHECK(cookie_value("idt_session=abc", "idt_session") == "abc");
    CHECK(cookie_value("xidt_session=abc", "idt_session").empty());
    CHECK(cookie_value("", "idt_session").empty());
    CHECK(same_secret("abc", "abc"));
    CHECK_FALSE(same_secret("abc", "abd"));
    CHECK_FALSE(same_secret("", ""));  // a missing token never matches a missing one
    CHECK(local_path("/units/fgw") == "/units/fgw");
    CHECK(local_path("//evil.example/").empty());
    CHECK(local_path("https://evil.example/").empty());
    CHECK(local_path("/a\r\nSet-Cookie: x=1").empty());

    WebSessions sessions;
    const TimePoint t0{std::chrono::milliseconds(1'700'000'000'000)};
    const auto& s = sessions.create(Principal{"fgw-1", "fgw", false}, t0, 1h);
    const std::string id = s.id;
    CHECK(id.size() == 64);
    CHECK(s.csrf.size() == 64);
    CHECK(s.csrf != id);
    REQUIRE(sessions.find(id, t0 + 59min));
    CHECK(sessions.find(id, t0 + 59min)->who.unit == "fgw");
    CHECK_FALSE(sessions.find(id, t0 + 1h));
    CHECK(sessions.size() == 0);
}

TEST_CASE("web sign-in limit: five failures per address in 15 minutes, then a wait", "[web]") {
    SignInLimiter limiter;
    const TimePoint t0{std::chrono::milliseconds(1'700'000'000'000)};
    for (int i = 0; i < SignInLimiter::kMaxFailures; ++i) {
        CHECK_FALSE(limiter.refused("192.0.2.1", t0 + std::chrono::seconds(i)));
        limiter.failed("192.0.2.1", t0 + std::chrono::seconds(i));
    }
    const auto wait = limiter.refused("192.0.2.1", t0 + 5min);
    REQUIRE(wait);
    CHECK(*wait == 10min);
    CHECK_FALSE(limiter.refused("192.0.2.2", t0 + 5min));   // per address
    CHECK_FALSE(limiter.refused("192.0.2.1", t0 + 15min));  // the window has passed
    limiter.failed("192.0.2.3", t0);
    limiter.succeeded("192.0.2.3");
    CHECK_FALSE(limiter.refused("192.0.2.3", t0));
}
