// The web console over real HTTP against the real daemon (docs/web.md): redirects, files,
// sign-in to a session cookie, CSRF, the per-address limit on failed sign-ins, a report through
// the form, sign-out, web.public_read and web.assets_dir. The browser test
// (tests/browser/console_test.py) drives the same pages in Chromium.
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <fstream>
#include <regex>

#include "harness.hpp"

namespace {

std::string create_token(const std::filesystem::path& config, const std::string& args) {
    auto [code, out] = it::run(it::kCtl + " token create " + config.string() + " " + args);
    REQUIRE(code == 0);
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
    return out;
}

// The value of `name` in a Set-Cookie header ("idt_session=abc; Path=/; ...").
std::string cookie_of(const it::Response& r, const std::string& name) {
    const auto& c = r.headers.count("set-cookie") ? r.headers.at("set-cookie") : std::string();
    if (c.rfind(name + "=", 0) != 0) return {};
    return c.substr(name.size() + 1, c.find(';') - name.size() - 1);
}

// The CSRF token in a page's forms.
std::string csrf_of(const std::string& page) {
    static const std::regex re(R"re(name="csrf" value="([0-9a-f]+)")re");
    std::smatch m;
    return std::regex_search(page, m, re) ? std::string(m[1]) : std::string();
}

const std::string kForm = "application/x-www-form-urlencoded";
const std::string kNow = "2023-05-10T09:00:00+08:00";

}  // namespace

TEST_CASE("web console: sign-in to an HttpOnly SameSite=Strict session, CSRF, report, sign-out",
          "[web]") {
    it::TempDir dir;
    const auto config = dir.path() / "indicatord.yaml";
    std::ofstream(config) << "rules: " << it::kData << "/minimal\ncalendars: " << it::kData
                          << "/../../config/calendars\nauth:\n  tokens_file: tokens.yaml\n"
                          << "  read_requires_token: true\n  read_scope: unit\n";
    const auto fgw = create_token(config, "--unit fgw --id fgw-1");
    it::Daemon d(dir.path(), config.string(), {"--test-clock", "--now", kNow});

    // signed out: pages send to the sign-in page, the files are served with the CSP
    auto board = it::http("GET", d.url("/"));
    CHECK(board.status == 303);
    CHECK(board.headers["location"] == "/signin?next=%2F");
    auto css = it::http("GET", d.url("/static/console.css"));
    CHECK(css.status == 200);
    CHECK(css.content_type == "text/css; charset=utf-8");
    CHECK(css.headers["content-security-policy"].find("script-src 'self'") != std::string::npos);
    CHECK(it::http("GET", d.url("/static/nothing.css")).status == 404);
    CHECK(it::http("GET", d.url("/static/%2e%2e/CMakeLists.txt")).status == 404);
    CHECK(it::http("GET", d.url("/favicon.ico")).content_type == "image/svg+xml");

    // the sign-in form's CSRF token is a cookie and a field (double submit)
    auto page = it::http("GET", d.url("/signin"));
    CHECK(page.status == 200);
    const auto signin_csrf = cookie_of(page, "idt_signin");
    REQUIRE(signin_csrf.size() == 64);
    CHECK(csrf_of(page.body) == signin_csrf);
    const std::vector<std::string> signin_cookie{"Cookie: idt_signin=" + signin_csrf};
    auto no_csrf = it::http("POST", d.url("/signin"), "token=" + fgw, kForm, signin_cookie);
    CHECK(no_csrf.status == 403);
    CHECK(no_csrf.body.find("the sign-in form&#39;s CSRF token is missing or wrong") !=
          std::string::npos);
    auto wrong = it::http("POST", d.url("/signin"), "csrf=" + signin_csrf + "&token=idt_fgw-1_x",
                          kForm, signin_cookie);
    CHECK(wrong.status == 401);
    CHECK(wrong.body.find("the API token is not valid") != std::string::npos);

    auto in = it::http("POST", d.url("/signin"), "csrf=" + signin_csrf + "&token=" + fgw, kForm,
                       signin_cookie);
    CHECK(in.status == 303);
    CHECK(in.headers["location"] == "/units/fgw");
    const auto set_cookie = in.headers["set-cookie"];
    CHECK(set_cookie.find("; Path=/; HttpOnly; SameSite=Strict; Max-Age=28800") !=
          std::string::npos);
    CHECK(set_cookie.find("Secure") == std::string::npos);  // plain HTTP here
    const auto session = cookie_of(in, "idt_session");
    REQUIRE(session.size() == 64);
    const std::vector<std::string> cookie{"Cookie: idt_session=" + session};

    auto desk = it::http("GET", d.url("/units/fgw"), {}, {}, cookie);
    CHECK(desk.status == 200);
    CHECK(desk.content_type == "text/html; charset=utf-8");
    CHECK(desk.body.find("市发改委 (fgw-1)") != std::string::npos);
    auto other = it::http("GET", d.url("/units/tjj"), {}, {}, cookie);
    CHECK(other.status == 403);
    CHECK(other.body.find("token &#39;fgw-1&#39; of unit &#39;fgw&#39; may not read the desk of "
                          "unit &#39;tjj&#39;: auth.read_scope is unit") != std::string::npos);
    const auto csrf = csrf_of(desk.body);
    REQUIRE(csrf.size() == 64);

    // a report through the form: refused without the CSRF token, in the API's words when bad
    const std::string item = "indicator=gdp_growth&period=2023-Q1";
    CHECK(it::http("POST", d.url("/report"), item + "&value=4.9", kForm, cookie).status == 403);
    CHECK(it::http("POST", d.url("/report"), "csrf=" + csrf + "&" + item + "&value=4.9", kForm)
              .status == 401);
    auto bad = it::http("POST", d.url("/report"), "csrf=" + csrf + "&" + item + "&value=4%2C9",
                        kForm, cookie);
    CHECK(bad.status == 400);
    CHECK(bad.body.find("未保存") != std::string::npos);
    CHECK(bad.body.find("value=\"4,9\"") != std::string::npos);  // the form keeps what was typed
    auto good =
        it::http("POST", d.url("/report"),
                 "csrf=" + csrf + "&" + item + "&value=4.9&note=%E5%88%9D+%3Cb%3E", kForm, cookie);
    CHECK(good.status == 200);
    CHECK(good.body.find("已保存") != std::string::npos);
    auto hist = it::history(d, "gdp_growth", {"Authorization: Bearer " + fgw});
    REQUIRE(hist.size() == 1);
    CHECK(hist[0].value == 4.9);
    auto indicator = it::http("GET", d.url("/indicators/gdp_growth"), {}, {}, cookie);
    CHECK(indicator.body.find("<pre class=\"note\">初 &lt;b&gt;</pre>") != std::string::npos);

    // a CSV: the preview stores nothing and names the bad line; a commit is all or nothing
    const std::string bad_csv =
        "csv=indicator%2Cperiod%2Cvalue%0Agdp_growth%2C2023-Q2%2C5%0Agdp_growth%2C2023-03%2C5%0A";
    auto preview = it::http("POST", d.url("/report/csv"),
                            "csrf=" + csrf + "&action=preview&" + bad_csv, kForm, cookie);
    CHECK(preview.status == 200);
    CHECK(preview.body.find("第 3 行:period &#39;2023-03&#39; does not match indicator "
                            "&#39;gdp_growth&#39; reported by quarter") != std::string::npos);
    CHECK(preview.body.find("id=\"csv-commit\"") == std::string::npos);  // nothing to confirm
    auto commit = it::http("POST", d.url("/report/csv"),
                           "csrf=" + csrf + "&action=commit&" + bad_csv, kForm, cookie);
    CHECK(commit.status == 400);
    CHECK(commit.body.find("第 3 行:") != std::string::npos);
    CHECK(it::history(d, "gdp_growth", {"Authorization: Bearer " + fgw}).size() == 1);

    // sign-out drops the session
    auto out = it::http("POST", d.url("/signout"), "csrf=" + csrf, kForm, cookie);
    CHECK(out.status == 303);
    CHECK(out.headers["set-cookie"].find("idt_session=; ") == 0);
    CHECK(out.headers["set-cookie"].find("Max-Age=0") != std::string::npos);
    CHECK(it::http("GET", d.url("/units/fgw"), {}, {}, cookie).status == 303);

    // five failed sign-ins from one address, then even the right token waits
    for (int i = 0; i < 5; ++i)
        CHECK(it::http("POST", d.url("/signin"), "csrf=" + signin_csrf + "&token=idt_x_y", kForm,
                       signin_cookie)
                  .status == 401);
    auto limited = it::http("POST", d.url("/signin"), "csrf=" + signin_csrf + "&token=" + fgw,
                            kForm, signin_cookie);
    CHECK(limited.status == 429);
    CHECK(limited.headers["retry-after"] == "900");
    CHECK(limited.body.find("too many failed sign-ins from 127.0.0.1: try again in 15 minute(s)") !=
          std::string::npos);
}

TEST_CASE(
    "web console: web.public_read opens the board to anonymous readers, web.assets_dir "
    "restyles it",
    "[web]") {
    it::TempDir dir;
    std::filesystem::create_directories(dir.path() / "web");
    std::ofstream(dir.path() / "web" / "console.css") << "/* the office's own style */\n";
    const auto config = dir.path() / "indicatord.yaml";
    std::ofstream(config) << "rules: " << it::kData << "/minimal\ncalendars: " << it::kData
                          << "/../../config/calendars\nauth:\n  tokens_file: tokens.yaml\n"
                          << "web:\n  public_read: true\n  assets_dir: web\n";
    create_token(config, "--unit fgw --id fgw-1");
    it::Daemon d(dir.path(), config.string(), {"--test-clock", "--now", kNow});

    auto board = it::http("GET", d.url("/"));
    CHECK(board.status == 200);
    CHECK(board.body.find("data-key=\"gdp_growth\"") != std::string::npos);
    CHECK(board.body.find("<a href=\"/signin\">登录</a>") != std::string::npos);
    CHECK(it::http("GET", d.url("/?status=late")).status == 400);
    CHECK(it::http("GET", d.url("/indicators/gdp_growth")).status == 200);
    CHECK(it::http("GET", d.url("/indicators/nothing")).status == 404);
    // the report form and its POST still need a session
    CHECK(it::http("GET", d.url("/report")).status == 303);
    CHECK(it::http("POST", d.url("/report"), "value=1", kForm).status == 401);
    CHECK(it::http("DELETE", d.url("/")).status == 405);

    CHECK(it::http("GET", d.url("/static/console.css")).body == "/* the office's own style */\n");
    auto missing = it::http("GET", d.url("/static/console.js"));
    CHECK(missing.status == 404);
    CHECK(missing.body ==
          "web.assets_dir: cannot read " + (dir.path() / "web" / "console.js").string() + "\n");
    const auto metrics = it::http("GET", d.url("/metrics")).body;
    CHECK(metrics.find("indicatord_web_requests_total{code=\"200\",page=\"board\"} 1") !=
          std::string::npos);
    CHECK(metrics.find("indicatord_web_requests_total{code=\"303\",page=\"report\"} 1") !=
          std::string::npos);
}

TEST_CASE(
    "web console: 提醒 lists the unit's alerts, the office silences through the API's "
    "handlers",
    "[web]") {
    it::TempDir dir;
    const auto config = dir.path() / "indicatord.yaml";
    std::ofstream(config) << "rules: " << it::kData << "/minimal\ncalendars: " << it::kData
                          << "/../../config/calendars\nauth:\n  tokens_file: tokens.yaml\n";
    const auto fgw = create_token(config, "--unit fgw --id fgw-1");
    const auto ops = create_token(config, "--admin --id ops");
    it::Daemon d(dir.path(), config.string(), {"--test-clock", "--now", kNow});

    auto sign_in = [&](const std::string& token) {
        auto page = it::http("GET", d.url("/signin"));
        const auto c = cookie_of(page, "idt_signin");
        auto in = it::http("POST", d.url("/signin"), "csrf=" + c + "&token=" + token, kForm,
                           {"Cookie: idt_signin=" + c});
        REQUIRE(in.status == 303);
        return std::vector<std::string>{"Cookie: idt_session=" + cookie_of(in, "idt_session")};
    };
    const auto unit = sign_in(fgw);
    auto alerts = it::http("GET", d.url("/alerts"), {}, {}, unit);
    CHECK(alerts.status == 200);
    CHECK(alerts.body.find("class=\"alert\"") != std::string::npos);  // gdp_growth is overdue
    CHECK(alerts.body.find("id=\"silence-form\"") == std::string::npos);
    const auto unit_csrf = csrf_of(alerts.body);
    auto refused = it::http(
        "POST", d.url("/alerts/silences"),
        "csrf=" + unit_csrf + "&label=indicator&value=gdp_growth&for=3d&comment=x", kForm, unit);
    CHECK(refused.status == 403);
    CHECK(refused.body.find("only an admin token may create silences") != std::string::npos);

    const auto office = sign_in(ops);
    auto page = it::http("GET", d.url("/alerts"), {}, {}, office);
    REQUIRE(page.body.find("id=\"silence-form\"") != std::string::npos);
    const auto csrf = csrf_of(page.body);
    auto add =
        it::http("POST", d.url("/alerts/silences"),
                 "csrf=" + csrf +
                     "&label=indicator&value=gdp_growth&for=3d&comment=%E6%8A%A5%E9%80%81%E4%B8%AD",
                 kForm, office);
    CHECK(add.status == 303);
    auto api = it::http("GET", d.url("/api/v1/silences"), {}, {}, {"Authorization: Bearer " + ops});
    const auto list = boost::json::parse(api.body).at("silences").as_array();
    REQUIRE(list.size() == 1);
    CHECK(list[0].at("matchers").at("indicator").as_string() == "gdp_growth");
    CHECK(list[0].at("comment").as_string() == "报送中");
    CHECK(list[0].at("ends_at").as_string() == "2023-05-13T01:00:00.000Z");
    const auto id = std::to_string(list[0].at("id").as_int64());
    CHECK(
        it::http("POST", d.url("/alerts/silences/" + id + "/expire"), "csrf=" + csrf, kForm, office)
            .status == 303);
    api = it::http("GET", d.url("/api/v1/silences"), {}, {}, {"Authorization: Bearer " + ops});
    CHECK(boost::json::parse(api.body).at("silences").at(0).at("active").as_bool() == false);
    CHECK(it::http("POST", d.url("/alerts/silences"), "csrf=" + csrf + "&for=soon", kForm, office)
              .status == 400);
}

TEST_CASE("web console: under TLS the session and sign-in cookies are Secure", "[web][tls]") {
    it::TempDir dir;
    const auto key = dir.path() / "key.pem";
    const auto cert = dir.path() / "cert.pem";
    auto [code, out] = it::run(
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 "
        "-subj /CN=127.0.0.1 -keyout " +
        key.string() + " -out " + cert.string());
    INFO(out);
    REQUIRE(code == 0);
    const auto config = dir.path() / "indicatord.yaml";
    std::ofstream(config) << "rules: " << it::kData << "/minimal\ncalendars: " << it::kData
                          << "/../../config/calendars\nauth:\n  tokens_file: tokens.yaml\n"
                          << "tls:\n  cert_file: cert.pem\n  key_file: key.pem\n";
    const auto fgw = create_token(config, "--unit fgw --id fgw-1");
    it::Daemon d(dir.path(), config.string(), {"--test-clock", "--now", kNow});
    REQUIRE(d.url("/").rfind("https://", 0) == 0);
    auto page = it::http("GET", d.url("/signin"));
    CHECK(page.headers["set-cookie"].ends_with("; Secure"));
    const auto c = cookie_of(page, "idt_signin");
    auto in = it::http("POST", d.url("/signin"), "csrf=" + c + "&token=" + fgw, kForm,
                       {"Cookie: idt_signin=" + c});
    CHECK(in.status == 303);
    CHECK(in.headers["set-cookie"].find("; HttpOnly; SameSite=Strict; Max-Age=28800; Secure") !=
          std::string::npos);
}

TEST_CASE("web console: without a tokens file a visitor chooses the unit to report as (trial mode)",
          "[web]") {
    it::TempDir dir;
    const auto config = dir.path() / "indicatord.yaml";
    std::ofstream(config) << "rules: " << it::kData << "/minimal\ncalendars: " << it::kData
                          << "/../../config/calendars\n";
    it::Daemon d(dir.path(), config.string(), {"--test-clock", "--now", kNow});

    // the board is open to read, as the API is; reporting needs a chosen unit
    CHECK(it::http("GET", d.url("/")).status == 200);
    auto form = it::http("GET", d.url("/report"));
    CHECK(form.status == 303);
    CHECK(form.headers["location"] == "/signin?next=%2Freport");
    CHECK(it::http("POST", d.url("/report"), "value=1", kForm).status == 401);

    auto page = it::http("GET", d.url("/signin"));
    CHECK(page.status == 200);
    CHECK(page.body.find("id=\"open-mode\"") != std::string::npos);
    CHECK(page.body.find("<option value=\"fgw\">市发改委</option>") != std::string::npos);
    const auto c = cookie_of(page, "idt_signin");
    REQUIRE(c.size() == 64);
    const std::vector<std::string> signin_cookie{"Cookie: idt_signin=" + c};
    // the double-submit token is still required; an unknown unit is refused by name
    CHECK(it::http("POST", d.url("/signin"), "unit=fgw", kForm, signin_cookie).status == 403);
    auto unknown =
        it::http("POST", d.url("/signin"), "csrf=" + c + "&unit=nobody", kForm, signin_cookie);
    CHECK(unknown.status == 400);
    CHECK(unknown.body.find("unknown unit &#39;nobody&#39;") != std::string::npos);

    auto in = it::http("POST", d.url("/signin"), "csrf=" + c + "&unit=fgw", kForm, signin_cookie);
    CHECK(in.status == 303);
    CHECK(in.headers["location"] == "/units/fgw");
    const auto session = cookie_of(in, "idt_session");
    REQUIRE(session.size() == 64);
    const std::vector<std::string> cookie{"Cookie: idt_session=" + session};
    auto desk = it::http("GET", d.url("/units/fgw"), {}, {}, cookie);
    REQUIRE(desk.status == 200);
    const auto csrf = csrf_of(desk.body);
    REQUIRE(csrf.size() == 64);

    // the unit reports its own indicator; another unit may not
    auto good =
        it::http("POST", d.url("/report"),
                 "csrf=" + csrf + "&indicator=gdp_growth&period=2023-Q1&value=4.9", kForm, cookie);
    CHECK(good.status == 200);
    CHECK(good.body.find("已保存") != std::string::npos);
    auto hist = it::history(d, "gdp_growth");
    REQUIRE(hist.size() == 1);
    CHECK(hist[0].value == 4.9);
    const auto json =
        boost::json::parse(it::http("GET", d.url("/api/v1/indicators/gdp_growth/values")).body);
    CHECK(json.at("values").as_array().at(0).at("reporter") == "unit:fgw token:(none)");
    auto county =
        it::http("POST", d.url("/signin"), "csrf=" + c + "&unit=liandu", kForm, signin_cookie);
    REQUIRE(county.status == 303);
    const std::vector<std::string> county_cookie{"Cookie: idt_session=" +
                                                 cookie_of(county, "idt_session")};
    const auto county_csrf =
        csrf_of(it::http("GET", d.url("/units/liandu"), {}, {}, county_cookie).body);
    auto other = it::http("POST", d.url("/report"),
                          "csrf=" + county_csrf + "&indicator=gdp_growth&period=2023-Q1&value=2",
                          kForm, county_cookie);
    CHECK(other.status == 403);
    CHECK(it::history(d, "gdp_growth").size() == 1);
    auto board = it::http("GET", d.url("/"));
    CHECK(board.body.find("data-key=\"gdp_growth\"") != std::string::npos);
    // the API's and the console's responses are counted by route and code
    const auto metrics = it::http("GET", d.url("/metrics")).body;
    CHECK(metrics.find("indicatord_http_requests_total{code=\"200\",route=\"/api/v1/indicators/"
                       "{key}/values\"} 3") != std::string::npos);
    CHECK(metrics.find("indicatord_http_requests_total{code=\"400\",route=\"console\"} 1") !=
          std::string::npos);
}
