// Secrets of the receivers' URLs and of SMTP never reach text (issue 9, finding 16): the real
// daemon delivers to every channel kind, each receiver failing once before it accepts, and one
// that never answers is given up; then every log line, /metrics, the API's alerts and
// `indicatorctl route` and `check` are searched for the secrets.
#include <signal.h>

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <fstream>
#include <regex>

#include "harness.hpp"
#include "receivers.hpp"

namespace json = boost::json;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

// Every secret of the setup below; none may appear in any output.
const std::vector<std::string> kSecrets{
    "GenericPass-7f3a",  // user:password@ of the generic webhook
    "GenericTok-91b2",   // ?token= of the generic webhook (also quoted back in its 503 body)
    "DingTok-4c1d",      // DingTalk ?access_token=
    "DingSign-88e0",     // DingTalk signing secret (secret_file)
    "WecomKey-3e77",     // WeCom ?key= (also quoted back in its rate-limit answer)
    "FeishuHook-0d5a",   // Feishu hook id, in the path
    "FeishuSign-6b19",   // Feishu signing secret (secret_file)
    "SmtpPass-2c4f",     // SMTP password (password_file)
    "DeadPass-5e21",     // user:password@ of a webhook nobody answers
    "DeadKey-a9c8",      // ?api_key= of that webhook
};

std::string metric_line(const std::string& channel, const std::string& result, int n) {
    return "indicatord_notifications_total{channel=\"" + channel + "\",result=\"" + result +
           "\"} " + std::to_string(n);
}

}  // namespace

TEST_CASE("no secret of a receiver URL or of SMTP reaches logs, metrics, API or CLI output",
          "[secrets][alerts]") {
    it::TempDir dir;
    const auto& d = dir.path();
    // each receiver fails once (a different way each), then accepts
    it::HttpSink generic(
        dir, "generic",
        {"--status", "503", "--first", "1", "--body", "busy, token GenericTok-91b2"});
    it::HttpSink dingtalk(dir, "dingtalk", {"--status", "500", "--first", "1"});
    it::HttpSink wecom(
        dir, "wecom",
        {"--status", "200", "--first", "1", "--body",
         R"({"errcode":45009,"errmsg":"api freq out of limit, key WecomKey-3e77"})"});
    it::HttpSink feishu(dir, "feishu",
                        {"--status", "429", "--first", "1", "--body",
                         R"({"code":11232,"msg":"frequency limited"})"});
    it::SmtpSink smtp(dir, {"--auth", "indicatord:SmtpPass-2c4f", "--fail-first", "1"});
    const auto dead_port = std::to_string(it::free_port());

    std::ofstream(d / "dingtalk.secret") << "DingSign-88e0\n";
    std::ofstream(d / "feishu.secret") << "FeishuSign-6b19\n";
    std::ofstream(d / "smtp.password") << "SmtpPass-2c4f\n";
    fs::create_directories(d / "rules");
    const auto at = [](const it::HttpSink& sink, const std::string& userinfo,
                       const std::string& path) {
        auto url = sink.url(path);
        return userinfo.empty() ? url : url.replace(url.find("//") + 2, 0, userinfo + "@");
    };
    std::ofstream(d / "rules" / "plan.yaml")
        << "plan: {id: sec-2023, name: 密钥测试, year: 2023, timezone: Asia/Shanghai,\n"
           "       defaults: {cadence: quarter, due: 20d, grace: 5d}}\n"
           "units:\n"
           "  - id: fgw\n"
           "    name: 市发改委\n"
           "    receivers:\n"
           "      - {email: fgw@example.org}\n"
           "      - {webhook: '"
        << at(generic, "hook:GenericPass-7f3a", "/alerts?token=GenericTok-91b2")
        << "', format: generic}\n"
        << "      - {webhook: '" << dingtalk.url("/robot/send?access_token=DingTok-4c1d")
        << "', format: dingtalk, secret_file: " << (d / "dingtalk.secret").string() << "}\n"
        << "      - {webhook: '" << wecom.url("/cgi-bin/webhook/send?key=WecomKey-3e77")
        << "', format: wecom}\n"
        << "      - {webhook: '" << feishu.url("/open-apis/bot/v2/hook/FeishuHook-0d5a")
        << "', format: feishu, secret_file: " << (d / "feishu.secret").string() << "}\n"
        << "      - {webhook: 'http://dead:DeadPass-5e21@127.0.0.1:" << dead_port
        << "/hook?api_key=DeadKey-a9c8', format: generic}\n"
        << "tasks:\n"
           "  - number: 1\n"
           "    text: 生产总值增长6%以上。\n"
           "    lead: 市发改委\n"
           "    indicators:\n"
           "      - {key: gdp_growth, name: 生产总值增长, kind: threshold, measure: '%', op: '>=', "
           "target: 6, ytd: true}\n";
    const auto config = d / "indicatord.yaml";
    std::ofstream(config)
        << "rules: rules\n"
           "calendars: "
        << it::kData << "/../../config/calendars\n"
        << "evaluation_interval: 1h\n"
           "log_level: debug\n"
           "alerting:\n"
           "  external_url: http://indicatord.example.org\n"
           "  group_interval: 1m\n"
           "  smtp: {url: '"
        << smtp.url() << "', from: indicatord@example.org, username: indicatord, "
        << "password_file: " << (d / "smtp.password").string() << "}\n"
        << "  delivery: {backoff_initial: 1s, backoff_max: 2s, give_up_after: 5s}\n";

    auto daemon = std::make_unique<it::Daemon>(
        d, config.string(),
        std::vector<std::string>{"--test-clock", "--now", "2023-04-01T09:00:00+08:00"});
    REQUIRE(it::http("POST", daemon->url("/-/clock"), R"({"now":"2023-04-26T09:00:00+08:00"})")
                .status == 200);

    // every channel: one failure; then, once the clock passes the backoff and give_up_after,
    // delivered, and the dead one given up
    std::string metrics;
    const bool failed_once = it::eventually(
        [&] {
            metrics = it::http("GET", daemon->url("/metrics")).body;
            for (const auto& channel : {"email", "dingtalk", "wecom", "feishu"})
                if (metrics.find(metric_line(channel, "retry", 1)) == std::string::npos)
                    return false;
            return metrics.find(metric_line("generic", "retry", 2)) != std::string::npos;
        },
        30s);
    INFO(metrics);
    REQUIRE(failed_once);
    REQUIRE(it::http("POST", daemon->url("/-/clock"), R"({"now":"2023-04-26T09:00:10+08:00"})")
                .status == 200);
    const bool settled = it::eventually(
        [&] {
            metrics = it::http("GET", daemon->url("/metrics")).body;
            return metrics.find(metric_line("email", "delivered", 1)) != std::string::npos &&
                   metrics.find(metric_line("generic", "delivered", 1)) != std::string::npos &&
                   metrics.find(metric_line("dingtalk", "delivered", 1)) != std::string::npos &&
                   metrics.find(metric_line("wecom", "delivered", 1)) != std::string::npos &&
                   metrics.find(metric_line("feishu", "delivered", 1)) != std::string::npos &&
                   metrics.find(metric_line("generic", "give_up", 1)) != std::string::npos;
        },
        30s);
    INFO(metrics);
    INFO(daemon->process().err());
    REQUIRE(settled);
    for (const auto& channel : {"email", "dingtalk", "wecom", "feishu"})
        CHECK_THAT(metrics, Catch::Contains(metric_line(channel, "retry", 1)));
    CHECK(generic.requests().size() == 2);
    CHECK(dingtalk.requests().size() == 2);
    CHECK(wecom.requests().size() == 2);
    CHECK(feishu.requests().size() == 2);
    CHECK(smtp.messages() == 1);
    // the receivers did get their credentials (the secrets were in use)
    CHECK_THAT(std::string(dingtalk.requests().back().at("path").as_string()),
               Catch::Contains("access_token=DingTok-4c1d&timestamp="));
    CHECK(it::header(generic.requests().back(), "Authorization") ==
          "Basic aG9vazpHZW5lcmljUGFzcy03ZjNh");

    // all the text a person or a scraper sees
    std::string seen;
    seen += metrics;
    seen += it::http("GET", daemon->url("/api/v1/alerts")).body;
    seen += it::http("GET", daemon->url("/api/v1/indicators/gdp_growth")).body;
    seen += it::http("GET", daemon->url("/api/v1/indicators")).body;
    const auto route =
        it::run(it::kCtl + " route " + config.string() + " --indicator gdp_growth --kind overdue");
    CHECK(route.first == 0);
    seen += route.second;
    const auto check = it::run(it::kCtl + " check " + config.string());
    CHECK(check.first == 0);
    seen += check.second;
    const auto alerts = it::run(it::kCtl + " alerts " + config.string() +
                                " --url http://127.0.0.1:" + std::to_string(daemon->port()));
    seen += alerts.second;
    daemon->process().signal(SIGTERM);
    CHECK(daemon->process().wait(10s) == 0);
    const auto log = daemon->process().out() + daemon->process().err();
    seen += log;

    for (const auto& secret : kSecrets) {
        INFO(secret);
        CHECK(seen.find(secret) == std::string::npos);
    }
    // DingTalk's signature and its timestamp
    CHECK_FALSE(std::regex_search(seen, std::regex("(sign|timestamp)=[^R]")));

    // the lines are there, naming the receiver without its secrets
    INFO(log);
    CHECK_THAT(log,
               Catch::Contains("/robot/send?access_token=REDACTED failed, retrying: HTTP 500"));
    CHECK_THAT(log, Catch::Contains("delivered dingtalk notification"));
    CHECK_THAT(
        log, Catch::Contains(
                 "/cgi-bin/webhook/send?key=REDACTED failed, retrying: HTTP 200 OK: errcode 45009: "
                 "api freq out of limit, key REDACTED"));
    CHECK_THAT(log, Catch::Contains("/open-apis/bot/v2/hook/REDACTED"));
    CHECK_THAT(log, Catch::Contains("://hook:REDACTED@127.0.0.1:"));
    CHECK_THAT(log, Catch::Contains("/alerts?token=REDACTED failed, retrying: HTTP 503 Service "
                                    "Unavailable: busy, token REDACTED"));
    CHECK_THAT(log, Catch::Contains("giving up generic notification"));
    CHECK_THAT(log, Catch::Contains("http://dead:REDACTED@127.0.0.1:" + dead_port +
                                    "/hook?api_key=REDACTED: gave up after"));
    CHECK_THAT(log, Catch::Contains("email notification"));
    CHECK_THAT(route.second, Catch::Contains("dingtalk webhook http://127.0.0.1:"));
    CHECK_THAT(route.second, Catch::Contains("/robot/send?access_token=REDACTED"));
    CHECK_THAT(route.second, Catch::Contains("generic webhook http://hook:REDACTED@127.0.0.1:"));
}
