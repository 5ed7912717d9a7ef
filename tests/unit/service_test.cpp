// The HTTP API without a socket: a request in, a response out (Service, handle_request), on the
// tests/data/minimal plan with a real Store on a scratch SQLite file, a real Committer and a
// ManualClock; alert and admin actions in memory.

#include "http/service.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <fstream>
#include <memory>
#include <string>

#include "alerts/alert_actions.hpp"
#include "alerts/alerts.hpp"
#include "config/auth.hpp"
#include "eval/engine.hpp"
#include "http/admin_actions.hpp"
#include "http/content_type.hpp"
#include "http/metrics.hpp"
#include "model/clock.hpp"
#include "store/committer.hpp"
#include "store/store.hpp"
#include "test_util.hpp"
#include "util/digest.hpp"

using namespace indicatord;
namespace json = boost::json;

namespace {

constexpr const char* kAdmin = "Bearer idt_ops_adminsecret";
constexpr const char* kFgw = "Bearer idt_fgw_fgwsecret";           // lead of gdp_growth
constexpr const char* kLiandu = "Bearer idt_liandu_lianduseCret";  // leads none of task 1

/// What App holds behind the API, in memory: the plan, a store, a committer, an engine, an
/// alerter, tokens, and the alert and admin actions.
struct World final : AlertActions, AdminActions {
    test::TempDir dir;
    ManualClock clock{*parse_instant("2023-07-15T09:00:00+08:00")};
    SelfMetrics metrics{"test"};
    std::shared_ptr<const Plan> plan =
        std::make_shared<const Plan>(load_plan({test::kData + "/minimal"}));
    std::unique_ptr<Store> store;
    std::unique_ptr<Committer> committer;
    std::shared_ptr<Engine> engine;
    Alerter alerter_{AlertingConfig{}};
    std::shared_ptr<const TokenStore> tokens;
    std::unique_ptr<Service> service;
    std::int64_t silences = 0;
    int reloads = 0;

    explicit World(std::size_t body_limit = HttpLimits{}.body_bytes, bool with_admin = true) {
        store = std::make_unique<Store>(dir.path() / "test.db");
        std::vector<std::string> keys;
        for (const auto& i : plan->indicators) keys.push_back(i.key);
        store->register_indicators(keys);
        committer = std::make_unique<Committer>(*store);
        engine = std::make_shared<Engine>(plan, nullptr);
        engine->evaluate_all(clock.now());
        alerter_.step(*engine, clock.now());
        std::ofstream(dir.path() / "tokens.yaml")
            << "tokens:\n"
            << "  - {id: ops, admin: true, sha256: " << sha256_hex("idt_ops_adminsecret") << "}\n"
            << "  - {id: fgw, unit: fgw, sha256: " << sha256_hex("idt_fgw_fgwsecret") << "}\n"
            << "  - {id: liandu, unit: liandu, sha256: " << sha256_hex("idt_liandu_lianduseCret")
            << "}\n";
        tokens = std::make_shared<const TokenStore>(
            TokenStore::load(dir.path() / "tokens.yaml", plan.get()));
        Service::Deps deps{
            .engine = [this]() -> Engine& { return *engine; },
            .store = *store,
            .committer = *committer,
            .metrics = metrics,
            .clock = clock,
            .ready = [] { return true; },
            .tokens = [this] { return tokens.get(); },
            .read_requires_token = false,
            .alerts = [this]() -> AlertActions& { return *this; },
            .engine_snapshot = [this]() -> std::shared_ptr<const Engine> { return engine; },
            .storage_problem = [this] { return store->file_problem(); },
            .body_limit = body_limit,
        };
        if (with_admin) deps.admin = [this]() -> AdminActions& { return *this; };
        service = std::make_unique<Service>(std::move(deps));
    }
    ~World() override { committer->stop(); }

    HttpResponse call(std::string method, std::string target, std::string body = {},
                      std::string content_type = {}, std::string authorization = {}) {
        return handle_request(
            *service, HttpRequest{std::move(method), std::move(target), std::move(content_type),
                                  std::move(authorization), std::move(body)});
    }

    const Alerter& alerter() const override { return alerter_; }
    TimePoint now() const override { return clock.now(); }
    boost::asio::awaitable<bool> acknowledge(std::string fingerprint, std::string by,
                                             std::string comment) override {
        AlertState changed;
        co_return alerter_.acknowledge(fingerprint, by, comment, clock.now(), &changed);
    }
    boost::asio::awaitable<std::int64_t> add_silence(Silence s) override {
        s.id = ++silences;
        s.created_at = clock.now();
        alerter_.add_silence(s);
        co_return s.id;
    }
    boost::asio::awaitable<bool> expire_silence(std::int64_t id) override {
        co_return alerter_.expire_silence(id, clock.now());
    }
    boost::asio::awaitable<std::optional<ChaseResult>> chase(std::string, std::string,
                                                             std::string) override {
        co_return ChaseResult{++chases, 0, {}};
    }
    std::int64_t chases = 0;
    boost::asio::awaitable<std::string> reload() override {
        ++reloads;
        co_return std::string();
    }
    boost::asio::awaitable<bool> set_clock(TimePoint t) override {
        clock.set(t);
        engine->evaluate_all(t);
        co_return true;
    }
};

json::value body_of(const HttpResponse& r) {
    INFO(r.body);
    return json::parse(r.body);
}

std::string error_of(const HttpResponse& r) {
    return std::string(body_of(r).at("error").as_string());
}

std::string header(const HttpResponse& r, std::string_view name) {
    for (const auto& [k, v] : r.headers)
        if (k == name) return v;
    return {};
}

std::string values(std::string_view items) {
    return "{\"values\":[" + std::string(items) + "]}";
}

}  // namespace

TEST_CASE("service: health, readiness and metrics", "[service]") {
    World w;
    auto health = w.call("GET", "/healthz");
    CHECK(health.status == 200);
    CHECK(health.media_type() == "application/json");
    CHECK(health.body == "{\"status\":\"ok\"}\n");
    auto ready = w.call("GET", "/readyz");
    CHECK(ready.status == 200);
    CHECK(ready.body == "{\"status\":\"ready\"}\n");

    auto metrics = w.call("GET", "/metrics");
    CHECK(metrics.status == 200);
    CHECK(metrics.media_type() == "text/plain; version=0.0.4; charset=utf-8");
    CHECK(metrics.body.find("indicatord_build_info{version=\"test\"} 1") != std::string::npos);
    CHECK(metrics.body.find("indicator_status{plan=\"test-2023\",task=\"1\",indicator=\"gdp_"
                            "growth\",unit=\"fgw\",status=\"overdue\"} ") != std::string::npos);
    CHECK(!metrics.chunks);  // handle_request appended the streamed parts
}

TEST_CASE("service: the indicator endpoints", "[service]") {
    World w;
    auto list = w.call("GET", "/api/v1/indicators");
    CHECK(list.status == 200);
    CHECK(list.media_type() == "application/json");
    const auto l = body_of(list);
    CHECK(l.at("plan").as_string() == "test-2023");
    CHECK(l.at("indicators").as_array().size() == w.plan->indicators.size());

    auto one = w.call("GET", "/api/v1/indicators/gdp_growth");
    CHECK(one.status == 200);
    CHECK(body_of(one).at("key").as_string() == "gdp_growth");
    CHECK(body_of(one).at("lead_unit").as_string() == "fgw");

    auto unknown = w.call("GET", "/api/v1/indicators/nope");
    CHECK(unknown.status == 404);
    CHECK(error_of(unknown) == "unknown indicator 'nope'");
    auto unknown_values = w.call("GET", "/api/v1/indicators/nope/values");
    CHECK(unknown_values.status == 404);
    CHECK(error_of(unknown_values) == "unknown indicator 'nope'");
    auto bad_query = w.call("GET", "/api/v1/indicators?colour=red");
    CHECK(bad_query.status == 400);
    CHECK(error_of(bad_query) ==
          "unknown query parameter 'colour' (allowed: plan, task, unit, status)");
}

TEST_CASE("service: values in, stored, evaluated and listed", "[service]") {
    World w;
    auto post = w.call("POST", "/api/v1/values",
                       values(R"({"indicator":"gdp_growth","period":"2023-Q1","value":4.9})"),
                       "application/json", kFgw);
    REQUIRE(post.status == 200);
    CHECK(post.media_type() == "application/json");
    const auto p = body_of(post);
    CHECK(p.at("accepted").to_number<int>() == 1);
    CHECK(p.at("values").at(0).at("revision").to_number<int>() == 1);
    CHECK(p.at("status").at("gdp_growth").is_string());

    auto history = w.call("GET", "/api/v1/indicators/gdp_growth/values");
    REQUIRE(history.status == 200);
    const auto h = body_of(history).at("values").as_array();
    REQUIRE(h.size() == 1);
    CHECK(h[0].at("value").to_number<double>() == 4.9);
    CHECK(h[0].at("reporter").as_string() == "unit:fgw token:fgw");
    CHECK(w.engine->series(0).latest() != nullptr);
}

TEST_CASE("service: bad values are refused with the field named", "[service]") {
    World w;
    auto malformed = w.call("POST", "/api/v1/values", "{\"values\":[", "application/json", kFgw);
    CHECK(malformed.status == 400);
    CHECK_THAT(error_of(malformed), Catch::StartsWith("body is not valid JSON: "));

    auto unknown = w.call("POST", "/api/v1/values",
                          values(R"({"indicator":"nope","period":"2023-Q1","value":1})"),
                          "application/json", kFgw);
    CHECK(unknown.status == 400);
    CHECK(body_of(unknown).at("items").at(0).at("index").to_number<int>() == 0);
    CHECK(body_of(unknown).at("items").at(0).at("reason").as_string() ==
          "unknown indicator 'nope'");

    // cpi_growth is monthly
    auto period = w.call("POST", "/api/v1/values",
                         values(R"({"indicator":"cpi_growth","period":"2023-Q1","value":1})"),
                         "application/json", kFgw);
    CHECK(period.status == 400);
    CHECK_THAT(std::string(body_of(period).at("items").at(0).at("reason").as_string()),
               Catch::Contains("2023-Q1") && Catch::Contains("month"));

    auto type = w.call("POST", "/api/v1/values", "x", "text/plain", kFgw);
    CHECK(type.status == 415);
    CHECK(error_of(type) ==
          "Content-Type must be application/json, text/csv, "
          "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet (.xlsx) or "
          "multipart/form-data (a value with evidence files), got 'text/plain'");
    CHECK(w.call("GET", "/api/v1/indicators/gdp_growth/values").body.find("\"values\":[]") !=
          std::string::npos);
}

TEST_CASE("service: tokens decide who may write", "[service]") {
    World w;
    const auto item = values(R"({"indicator":"gdp_growth","period":"2023-Q1","value":4.9})");
    auto anonymous = w.call("POST", "/api/v1/values", item, "application/json");
    CHECK(anonymous.status == 401);
    CHECK(header(anonymous, "WWW-Authenticate") == "Bearer realm=\"indicatord\"");
    CHECK(error_of(anonymous) ==
          "writing values needs an API token: send Authorization: Bearer <token>");

    auto forged =
        w.call("POST", "/api/v1/values", item, "application/json", "Bearer idt_fgw_fgwsecreT");
    CHECK(forged.status == 401);
    CHECK(error_of(forged) == "the API token is not valid");

    auto other_unit = w.call("POST", "/api/v1/values", item, "application/json", kLiandu);
    CHECK(other_unit.status == 403);
    CHECK(error_of(other_unit) ==
          "token 'liandu' of unit 'liandu' may not report 1 of these values; nothing was stored");
    CHECK(body_of(other_unit).at("items").at(0).at("reason").as_string() ==
          "unit 'liandu' may not report indicator 'gdp_growth' (task 1, led by 'fgw')");
    // the same refusal from the head alone, before a body is read
    auto head = w.service->refuse_head(HttpRequest{"POST", "/api/v1/values", "", "", ""});
    REQUIRE(head);
    CHECK(head->status == 401);
}

TEST_CASE("service: limits, unknown routes and methods", "[service]") {
    World w(64);
    auto huge = w.call("POST", "/api/v1/values", std::string(65, ' '), "application/json", kFgw);
    CHECK(huge.status == 413);
    CHECK(error_of(huge) == "request body of 65 bytes exceeds the limit of 64 bytes");
    CHECK(w.call("POST", "/api/v1/values", std::string(64, ' '), "application/json", kFgw).status ==
          400);  // at the limit: read, then refused as JSON

    auto unknown = w.call("GET", "/api/v2/things");
    CHECK(unknown.status == 404);
    CHECK(error_of(unknown) == "no such resource: GET /api/v2/things");
    auto bad_target = w.call("GET", "no-slash");
    CHECK(bad_target.status == 400);
    CHECK(error_of(bad_target) == "malformed request target 'no-slash'");

    auto wrong = w.call("DELETE", "/api/v1/values", "", "", kFgw);
    CHECK(wrong.status == 405);
    CHECK(header(wrong, "Allow") == "POST");
    CHECK(error_of(wrong) == "DELETE is not allowed on /api/v1/values (allowed: POST)");
    auto health = w.call("POST", "/healthz");
    CHECK(health.status == 405);
    CHECK(header(health, "Allow") == "GET, HEAD");
    CHECK(header(w.call("PUT", "/api/v1/silences", "", "", kAdmin), "Allow") == "GET, HEAD, POST");
}

TEST_CASE("service: alerts and silences", "[service]") {
    World w;
    auto list = w.call("GET", "/api/v1/alerts?state=firing");
    REQUIRE(list.status == 200);
    const auto alerts = body_of(list).at("alerts").as_array();
    REQUIRE(!alerts.empty());
    std::string fp;
    for (const auto& a : alerts)
        if (a.at("indicator").as_string() == "gdp_growth")
            fp = std::string(a.at("fingerprint").as_string());
    REQUIRE(!fp.empty());
    auto ack = w.call("POST", "/api/v1/alerts/" + fp + "/ack", R"({"comment":"on it"})",
                      "application/json", kFgw);
    CHECK(ack.status == 200);
    CHECK(body_of(ack).at("acknowledged").at("by").as_string() == "unit:fgw token:fgw");
    CHECK(w.call("POST", "/api/v1/alerts/nope/ack", "", "", kFgw).status == 404);

    const std::string silence =
        R"({"matchers":{"indicator":"gdp_growth"},"ends_at":"2023-08-01T00:00:00+08:00",)"
        R"("author":"ops","comment":"planned"})";
    CHECK(w.call("POST", "/api/v1/silences", silence, "application/json", kFgw).status == 403);
    auto added = w.call("POST", "/api/v1/silences", silence, "application/json", kAdmin);
    REQUIRE(added.status == 200);
    CHECK(body_of(added).at("active").as_bool());
    CHECK(body_of(w.call("GET", "/api/v1/silences")).at("silences").as_array().size() == 1);
    auto expired = w.call("DELETE", "/api/v1/silences/1", "", "", kAdmin);
    CHECK(expired.status == 200);
    CHECK(expired.body == "{\"id\":1,\"expired\":true}\n");
    CHECK(w.call("DELETE", "/api/v1/silences/x", "", "", kAdmin).status == 400);
}

TEST_CASE("service: reload and the test clock go through AdminActions", "[service]") {
    World w;
    CHECK(w.call("POST", "/-/reload", "", "", kFgw).status == 401);
    auto reload = w.call("POST", "/-/reload", "", "", kAdmin);
    CHECK(reload.status == 200);
    CHECK(body_of(reload).at("status").as_string() == "reloaded");
    CHECK(w.reloads == 1);

    auto clock = w.call("POST", "/-/clock", R"({"now":"2023-08-01T00:00:00+08:00"})",
                        "application/json", kAdmin);
    CHECK(clock.status == 200);
    CHECK(w.clock.now() == *parse_instant("2023-08-01T00:00:00+08:00"));
    auto bad = w.call("POST", "/-/clock", R"({"now":"soon"})", "application/json", kAdmin);
    CHECK(bad.status == 400);
    CHECK(error_of(bad) == "body must be {\"now\": \"<RFC 3339 instant>\"}");

    World without(HttpLimits{}.body_bytes, false);
    CHECK(without.call("POST", "/-/reload", "", "", kAdmin).status == 404);
    CHECK(without
              .call("POST", "/-/clock", R"({"now":"2023-08-01T00:00:00+08:00"})",
                    "application/json", kAdmin)
              .status == 404);
}

TEST_CASE("Content-Type: media type and parameters through Beast's param_list",
          "[service][content-type]") {
    auto t = parse_content_type(R"(Text/CSV ;  Charset = "GBK" ; header=present)");
    REQUIRE(t);
    CHECK(t->media_type == "text/csv");
    CHECK(t->param("charset") == "GBK");
    CHECK(t->param("header") == "present");
    CHECK(!t->param("format"));

    CHECK(parse_content_type(R"(text/csv; charset="a\"b;c")")->param("charset") == "a\"b;c");
    CHECK(parse_content_type("application/json")->params.empty());
    CHECK(parse_content_type("application/json;")->params.empty());
    CHECK(!parse_content_type(""));
    CHECK(!parse_content_type("text"));
    CHECK(!parse_content_type("text/"));
    CHECK(!parse_content_type("te xt/csv"));
    // a name that merely ends in "charset" is another parameter
    CHECK(!parse_content_type("text/csv; xcharset=gbk")->param("charset"));
}

TEST_CASE("service: CSV charsets in every spelling", "[service][content-type]") {
    std::ifstream in(test::kData + "/csv/values-gbk.csv", std::ios::binary);
    const std::string gbk((std::istreambuf_iterator<char>(in)), {});
    REQUIRE(!gbk.empty());
    for (const char* type :
         {"text/csv; charset=gbk", "text/csv; charset=\"GBK\"", "TEXT/CSV;CHARSET=GB18030",
          "text/csv ; charset = \"gbk\" ; x=y", "text/csv; header=present; Charset=GBK"}) {
        World w;
        auto r = w.call("POST", "/api/v1/values", gbk, type, kAdmin);
        INFO(type << ": " << r.body);
        CHECK(r.status == 200);
    }
    for (const char* type : {"text/csv; Charset=utf-8", "text/csv; charset = \"UTF-8\""}) {
        World w;
        auto r = w.call("POST", "/api/v1/values", gbk, type, kAdmin);
        INFO(type << ": " << r.body);
        CHECK(r.status == 400);
        CHECK_THAT(error_of(r), Catch::StartsWith("not valid UTF-8"));
    }
    {
        // a parameter whose name merely ends in "charset" names no charset: detected (GBK)
        World w;
        auto r = w.call("POST", "/api/v1/values", gbk, "text/csv; xcharset=big5", kAdmin);
        INFO(r.body);
        CHECK(r.status == 200);
    }
    World w;
    auto unknown = w.call("POST", "/api/v1/values", gbk, R"(text/csv; charset="big5")", kAdmin);
    CHECK(unknown.status == 415);
    CHECK(error_of(unknown) == "unsupported charset 'big5' (use utf-8 or gbk)");
    // application/json takes a charset parameter and case as well
    auto json_ok = w.call("POST", "/api/v1/values",
                          values(R"({"indicator":"gdp_growth","period":"2023-Q1","value":4.9})"),
                          "Application/JSON ; charset=\"utf-8\"", kAdmin);
    CHECK(json_ok.status == 200);
}
