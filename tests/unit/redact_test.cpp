#include "util/redact.hpp"

#include <catch2/catch.hpp>
#include <fstream>

#include "model/plan.hpp"
#include "test_util.hpp"
#include "util/errors.hpp"

using indicatord::redact_url;
using indicatord::scrub_url_secrets;

TEST_CASE("webhook URLs lose their secrets, keep the rest", "[redact]") {
    // DingTalk, plain and signed
    CHECK(redact_url("https://oapi.dingtalk.com/robot/send?access_token=0123456789abcdef") ==
          "https://oapi.dingtalk.com/robot/send?access_token=REDACTED");
    CHECK(redact_url(
              "https://oapi.dingtalk.com/robot/send?access_token=abc123&timestamp=1697763600000"
              "&sign=Jw%2Fz1dK9%2BjLZ7Q%3D") ==
          "https://oapi.dingtalk.com/robot/"
          "send?access_token=REDACTED&timestamp=REDACTED&sign=REDACTED");
    // WeCom
    CHECK(redact_url("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx") ==
          "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=REDACTED");
    // Feishu: the hook id is the credential, in the path
    CHECK(
        redact_url(
            "https://open.feishu.cn/open-apis/bot/v2/hook/2c6ea8d4-0b57-4c1f-9a0e-5b5c3a9f7e21") ==
        "https://open.feishu.cn/open-apis/bot/v2/hook/REDACTED");
    // Slack and Discord
    CHECK(redact_url("https://hooks.slack.com/services/T000/B000/XXXXXXXX") ==
          "https://hooks.slack.com/services/REDACTED/REDACTED/REDACTED");
    CHECK(redact_url("https://discord.com/api/webhooks/123/abc-def") ==
          "https://discord.com/api/webhooks/REDACTED/REDACTED");
    // userinfo: the password goes, the user name stays
    CHECK(redact_url("https://alert:s3cr%40t@hooks.example.org:8443/am?x=1") ==
          "https://alert:REDACTED@hooks.example.org:8443/am?x=1");
    CHECK(redact_url("smtp://mailer:hunter22@mail.example.org:587") ==
          "smtp://mailer:REDACTED@mail.example.org:587");
    // names that look secret, in any case; other parameters untouched
    CHECK(redact_url(
              "http://h/"
              "p?API_KEY=1&Token=2&client_secret=3&password=4&signature=5&code=6&page=7&q=&flag") ==
          "http://h/p?API_KEY=REDACTED&Token=REDACTED&client_secret=REDACTED&password=REDACTED"
          "&signature=REDACTED&code=REDACTED&page=7&q=&flag");
    // nothing secret: as it was
    CHECK(redact_url("http://127.0.0.1:9000/alertmanager/api/v2/alerts") ==
          "http://127.0.0.1:9000/alertmanager/api/v2/alerts");
    // not a URL: not shown at all
    CHECK(redact_url("http://[::1/x?access_token=abc") == "(unparsable URL)");
}

TEST_CASE("error texts lose the secrets of the URL they are about", "[redact]") {
    const std::string url =
        "https://u:pa%24%24word@oapi.dingtalk.com/robot/send?access_token=tok-0123456789";
    CHECK(scrub_url_secrets(
              "Could not resolve host; URL https://u:pa%24%24word@oapi.dingtalk.com/robot/send"
              "?access_token=tok-0123456789 (password pa$$word)",
              url) ==
          "Could not resolve host; URL "
          "https://u:REDACTED@oapi.dingtalk.com/robot/send?access_token=REDACTED "
          "(password REDACTED)");
    CHECK(scrub_url_secrets(R"({"errcode":300001,"errmsg":"token tok-0123456789 is not exist"})",
                            url) == R"({"errcode":300001,"errmsg":"token REDACTED is not exist"})");
    // secrets shorter than 4 characters would blank ordinary text: left
    CHECK(scrub_url_secrets("HTTP 404 Not Found: abc", "http://h/?key=abc") ==
          "HTTP 404 Not Found: abc");
    CHECK(scrub_url_secrets("bad http://[::1/x?access_token=abcdef",
                            "http://[::1/x?access_token=abcdef") == "bad REDACTED");
}

TEST_CASE("a receiver webhook that is not an http(s) URL is refused at load, its secrets unquoted",
          "[redact][plan]") {
    test::TempDir dir;
    const auto plan = dir.path() / "plan.yaml";
    const auto load = [&](const std::string& webhook) {
        std::ofstream(plan) << "plan: {id: p, name: 计划, year: 2023, timezone: Asia/Shanghai}\n"
                               "units:\n"
                               "  - id: fgw\n"
                               "    name: 市发改委\n"
                               "    receivers: [{webhook: '"
                            << webhook << "', format: dingtalk}]\n"
                            << "tasks:\n"
                               "  - {number: 1, text: 任务, lead: 市发改委,\n"
                               "     indicators: [{key: k, kind: threshold, cadence: year, op: "
                               "'>=', target: 1}]}\n";
        try {
            indicatord::load_plan({plan});
            return std::string("loaded");
        } catch (const indicatord::ConfigError& e) {
            return std::string(e.what());
        }
    };
    CHECK(load("https://oapi.dingtalk.com/robot/send?access_token=0123456789abcdef") == "loaded");
    CHECK(load("ftp://user:Pass-0123@oapi.dingtalk.com/robot/send?access_token=0123456789abcdef") ==
          plan.string() +
              ":5:27: webhook must be an http:// or https:// URL with a host, not "
              "ftp://user:REDACTED@oapi.dingtalk.com/robot/send?access_token=REDACTED");
    CHECK(load("oapi.dingtalk.com/robot/send?access_token=0123456789abcdef") ==
          plan.string() + ":5:27: webhook is not a URL (mismatch)");
    CHECK(load("https:///robot/send?access_token=0123456789abcdef") ==
          plan.string() +
              ":5:27: webhook must be an http:// or https:// URL with a host, not "
              "https:///robot/send?access_token=REDACTED");
}
