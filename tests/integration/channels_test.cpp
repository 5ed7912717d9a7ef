// Delivery channels against real receivers started here: an aiosmtpd SMTP server
// (receivers/smtp_sink.py) and a python http.server webhook receiver (receivers/http_sink.py).
#include "notify/channels.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <memory>
#include <sstream>

#include "harness.hpp"
#include "receivers.hpp"

namespace json = boost::json;
namespace fs = std::filesystem;
using indicatord::DeliveryOutcome;
using namespace std::chrono_literals;
using it::header;
using it::HttpSink;
using it::slurp;
using it::SmtpSink;

namespace {

// 【逾期】GDP增速 2023年一季度未报送, multipart/alternative, 8bit UTF-8 text and base64 HTML,
// with a line that starts with "." and a line that is only "." (libcurl must dot-stuff them).
const std::string kMime =
    "From: =?UTF-8?B?5oyH5qCH5bmz5Y+w?= <alerts@indicatord.example.org>\r\n"
    "To: fgw@example.org, tjj@example.org\r\n"
    "Subject: =?UTF-8?B?44CQ6YC+5pyf44CRR0RQ5aKe6YCfIDIwMjPlubTkuIDlraPluqbmnKrmiqXpgIE=?=\r\n"
    "Date: Mon, 10 Apr 2023 09:00:00 +0800\r\n"
    "Message-ID: <fp-0123456789abcdef.1681088400@indicatord.example.org>\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/alternative; boundary=\"=_indicatord_b1\"\r\n"
    "\r\n"
    "--=_indicatord_b1\r\n"
    "Content-Type: text/plain; charset=UTF-8\r\n"
    "Content-Transfer-Encoding: 8bit\r\n"
    "\r\n"
    "市发改委:\r\n"
    "指标「GDP增速」2023年一季度的数值已逾期 3 天未报送。\r\n"
    ".以点开头的一行\r\n"
    ".\r\n"
    "\r\n"
    "--=_indicatord_b1\r\n"
    "Content-Type: text/html; charset=UTF-8\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "PHA+5biC5Y+R5pS55aeUOuaMh+agh+OAjEdEUOWinumAn+OAjTIwMjPlubTkuIDlraPluqbnmoTm\r\n"
    "lbDlgLzlt7I8Yj7pgL7mnJ8gMyDlpKk8L2I+5pyq5oql6YCB44CCPC9wPgo=\r\n"
    "--=_indicatord_b1--\r\n";

indicatord::SmtpSettings smtp_for(const SmtpSink& sink) {
    indicatord::SmtpSettings s;
    s.url = sink.url();
    s.from = "指标平台 <alerts@indicatord.example.org>";
    s.timeout = 10s;
    return s;
}

const std::vector<std::string> kTwo{"fgw@example.org", "tjj@example.org"};

/// A self-signed certificate for 127.0.0.1 in `dir` (cert.pem, key.pem).
void make_certificate(const fs::path& dir) {
    const auto [code, out] = it::run(
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 "
        "-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -keyout " +
        (dir / "key.pem").string() + " -out " + (dir / "cert.pem").string() + " 2>&1");
    INFO(out);
    REQUIRE(code == 0);
}

}  // namespace

TEST_CASE("email: a multipart UTF-8 message reaches two recipients byte for byte",
          "[channels][smtp]") {
    it::TempDir tmp;
    SmtpSink sink(tmp);
    const auto r = indicatord::send_email(smtp_for(sink), kTwo, kMime);
    INFO(r.detail);
    CHECK(r.outcome == DeliveryOutcome::delivered);
    CHECK(r.detail == "SMTP 250 OK: queued as 1");
    REQUIRE(sink.messages() == 1);
    CHECK(slurp(sink.dir() / "1.eml") == kMime);
    const auto meta = json::parse(slurp(sink.dir() / "1.json")).as_object();
    CHECK(meta.at("mail_from").as_string() == "alerts@indicatord.example.org");
    CHECK(meta.at("rcpt_tos") == json::array{"fgw@example.org", "tjj@example.org"});
    CHECK(meta.at("login").is_null());
}

TEST_CASE("email: AUTH with the right password delivers, a wrong one gives up without leaking it",
          "[channels][smtp]") {
    it::TempDir tmp;
    SmtpSink sink(tmp, {"--auth", "indicatord:c0rrect-horse"});
    auto smtp = smtp_for(sink);
    smtp.username = "indicatord";

    SECTION("right password") {
        smtp.password = "c0rrect-horse";
        const auto r = indicatord::send_email(smtp, {"fgw@example.org"}, kMime);
        INFO(r.detail);
        CHECK(r.outcome == DeliveryOutcome::delivered);
        REQUIRE(sink.messages() == 1);
        CHECK(json::parse(slurp(sink.dir() / "1.json")).at("login") == "indicatord");
        CHECK(slurp(sink.dir() / "1.eml") == kMime);
    }
    SECTION("wrong password") {
        smtp.password = "wr0ng-battery";
        const auto r = indicatord::send_email(smtp, {"fgw@example.org"}, kMime);
        CHECK(r.outcome == DeliveryOutcome::give_up);
        CHECK(r.detail.rfind("SMTP 535", 0) == 0);
        CHECK(r.detail.find("wr0ng-battery") == std::string::npos);
        CHECK(sink.messages() == 0);
    }
    SECTION("no credentials where the server requires them") {
        const auto r = indicatord::send_email(smtp_for(sink), {"fgw@example.org"}, kMime);
        INFO(r.detail);
        CHECK(r.outcome == DeliveryOutcome::give_up);  // 530 5.7.0 Authentication required
        CHECK(r.detail.rfind("SMTP 530", 0) == 0);
        CHECK(sink.messages() == 0);
    }
}

TEST_CASE("email: a rejected recipient gives up and nobody receives the message",
          "[channels][smtp]") {
    it::TempDir tmp;
    SmtpSink sink(tmp, {"--reject-rcpt", "tjj@example.org"});
    const auto r = indicatord::send_email(smtp_for(sink), kTwo, kMime);
    CHECK(r.outcome == DeliveryOutcome::give_up);
    CHECK(r.detail ==
          "SMTP 550 5.1.1 <tjj@example.org>: Recipient address rejected: mailbox unavailable");
    CHECK(sink.messages() == 0);
    // the others still get mail when sent alone
    CHECK(indicatord::send_email(smtp_for(sink), {"fgw@example.org"}, kMime).outcome ==
          DeliveryOutcome::delivered);
}

TEST_CASE("email: no server listening means retry", "[channels][smtp]") {
    indicatord::SmtpSettings smtp;
    smtp.url = "smtp://127.0.0.1:" + std::to_string(it::free_port());
    smtp.from = "alerts@indicatord.example.org";
    smtp.timeout = 5s;
    const auto r = indicatord::send_email(smtp, kTwo, kMime);
    INFO(r.detail);
    CHECK(r.outcome == DeliveryOutcome::retry);
    CHECK(r.detail.rfind("connection refused", 0) == 0);
}

TEST_CASE("email: invalid addresses give up before connecting", "[channels][smtp]") {
    indicatord::SmtpSettings smtp;
    smtp.url = "smtp://127.0.0.1:1";
    smtp.from = "alerts@indicatord.example.org";
    CHECK(indicatord::send_email(smtp, {}, kMime).outcome == DeliveryOutcome::give_up);
    CHECK(indicatord::send_email(smtp, {"a@x.org>\r\nRCPT TO:<b@x.org"}, kMime).outcome ==
          DeliveryOutcome::give_up);
}

TEST_CASE("email: STARTTLS and SMTPS with a self-signed certificate", "[channels][smtp][tls]") {
    it::TempDir tmp;
    make_certificate(tmp.path());
    const std::vector<std::string> cert{"--tls-cert", (tmp.path() / "cert.pem").string(),
                                        "--tls-key", (tmp.path() / "key.pem").string()};

    SECTION("STARTTLS required and offered") {
        auto args = cert;
        args.push_back("--starttls");
        SmtpSink sink(tmp, args);
        auto smtp = smtp_for(sink);
        smtp.starttls = true;
        smtp.verify_tls = false;
        const auto r = indicatord::send_email(smtp, kTwo, kMime);
        INFO(r.detail);
        CHECK(r.outcome == DeliveryOutcome::delivered);
        REQUIRE(sink.messages() == 1);
        CHECK(slurp(sink.dir() / "1.eml") == kMime);

        smtp.verify_tls = true;  // self-signed: refused, retried (it may be fixed)
        const auto verified = indicatord::send_email(smtp, kTwo, kMime);
        INFO(verified.detail);
        CHECK(verified.outcome == DeliveryOutcome::retry);
        CHECK(verified.detail.rfind("TLS failure", 0) == 0);
    }
    SECTION("SMTPS (implicit TLS)") {
        auto args = cert;
        args.push_back("--smtps");
        SmtpSink sink(tmp, args);
        auto smtp = smtp_for(sink);
        smtp.url = sink.url("smtps");
        smtp.verify_tls = false;
        const auto r = indicatord::send_email(smtp, kTwo, kMime);
        INFO(r.detail);
        CHECK(r.outcome == DeliveryOutcome::delivered);
        REQUIRE(sink.messages() == 1);
        CHECK(slurp(sink.dir() / "1.eml") == kMime);
    }
    SECTION("STARTTLS required but the server offers none") {
        SmtpSink sink(tmp);
        auto smtp = smtp_for(sink);
        smtp.starttls = true;
        const auto r = indicatord::send_email(smtp, kTwo, kMime);
        INFO(r.detail);
        CHECK(r.outcome == DeliveryOutcome::retry);
        CHECK(sink.messages() == 0);
    }
}

TEST_CASE("webhook: 200 delivers exactly the body and headers sent", "[channels][webhook]") {
    it::TempDir tmp;
    HttpSink sink(tmp, "ok");
    const std::string body =
        R"({"msgtype":"markdown","markdown":{"title":"指标预警","text":"### 市发改委\n> GDP增速 逾期 3 天"}})";
    const auto r = indicatord::send_webhook(
        sink.url("/robot/send?access_token=abc"), body,
        {"X-Indicatord-Idempotency-Key: fgw/0:0123456789abcdef:1681088400"}, 5s);
    INFO(r.detail);
    CHECK(r.outcome == DeliveryOutcome::delivered);
    CHECK(r.detail == "HTTP 200 OK");
    const auto reqs = sink.requests();
    REQUIRE(reqs.size() == 1);
    CHECK(reqs[0].at("method") == "POST");
    CHECK(reqs[0].at("path") == "/robot/send?access_token=abc");
    CHECK(reqs[0].at("body").as_string() == body);
    CHECK(header(reqs[0], "Content-Type") == "application/json");
    CHECK(header(reqs[0], "X-Indicatord-Idempotency-Key") == "fgw/0:0123456789abcdef:1681088400");
    CHECK(header(reqs[0], "Content-Length") == std::to_string(body.size()));
    CHECK(header(reqs[0], "Expect") == "<absent>");
}

TEST_CASE("webhook: statuses and platform error codes are classified", "[channels][webhook]") {
    it::TempDir tmp;
    HttpSink sink(tmp, "codes");
    const std::string body = R"({"msgtype":"text","text":{"content":"测试"}})";
    auto send = [&] { return indicatord::send_webhook(sink.url(), body, {}, 5s); };

    sink.answer(503, "upstream down");
    auto r = send();
    CHECK(r.outcome == DeliveryOutcome::retry);
    CHECK(r.detail == "HTTP 503 Service Unavailable: upstream down");

    sink.answer(400, R"({"error":"bad payload"})");
    r = send();
    CHECK(r.outcome == DeliveryOutcome::give_up);
    CHECK(r.detail == R"(HTTP 400 Bad Request: {"error":"bad payload"})");

    sink.answer(200, R"({"errcode":310000,"errmsg":"sign not match"})");  // DingTalk signature
    r = send();
    CHECK(r.outcome == DeliveryOutcome::give_up);
    CHECK(r.detail == "HTTP 200 OK: errcode 310000: sign not match");

    sink.answer(200, R"({"errcode":130101,"errmsg":"send too fast, exceed 20 times per minute"})");
    r = send();
    CHECK(r.outcome == DeliveryOutcome::retry);
    CHECK(r.detail == "HTTP 200 OK: errcode 130101: send too fast, exceed 20 times per minute");

    sink.answer(200, R"({"code":0,"msg":"success","data":{}})");  // Feishu
    CHECK(send().outcome == DeliveryOutcome::delivered);

    sink.answer(429, "slow down");
    r = send();
    CHECK(r.outcome == DeliveryOutcome::retry);
    CHECK(sink.requests().size() == 6);
}

TEST_CASE("webhook: the first answers fail, later ones succeed (flags)", "[channels][webhook]") {
    it::TempDir tmp;
    HttpSink sink(tmp, "flaky", {"--status", "502", "--first", "2"});
    auto send = [&] { return indicatord::send_webhook(sink.url(), "{}", {}, 5s).outcome; };
    CHECK(send() == DeliveryOutcome::retry);
    CHECK(send() == DeliveryOutcome::retry);
    CHECK(send() == DeliveryOutcome::delivered);
}

TEST_CASE("webhook: an absent or slow receiver means retry", "[channels][webhook]") {
    SECTION("nothing listening") {
        const auto url = "http://127.0.0.1:" + std::to_string(it::free_port()) + "/hook";
        const auto r = indicatord::send_webhook(url, "{}", {}, 5s);
        INFO(r.detail);
        CHECK(r.outcome == DeliveryOutcome::retry);
        CHECK(r.detail.rfind("connection refused", 0) == 0);
    }
    SECTION("no answer within the timeout") {
        it::TempDir tmp;
        HttpSink sink(tmp, "slow", {"--delay", "10"});
        const auto start = std::chrono::steady_clock::now();
        const auto r = indicatord::send_webhook(sink.url(), "{}", {}, 2s);
        const auto took = std::chrono::steady_clock::now() - start;
        INFO(r.detail);
        CHECK(r.outcome == DeliveryOutcome::retry);
        CHECK(r.detail.rfind("timeout", 0) == 0);
        CHECK(took >= 1900ms);
        CHECK(took < 5s);
    }
    SECTION("a name that does not resolve") {
        const auto r =
            indicatord::send_webhook("http://indicatord-test.invalid/hook", "{}", {}, 5s);
        INFO(r.detail);
        CHECK(r.outcome == DeliveryOutcome::retry);
    }
    SECTION("a URL that cannot work") {
        const auto r = indicatord::send_webhook("gopherx://127.0.0.1/hook", "{}", {}, 5s);
        INFO(r.detail);
        CHECK(r.outcome == DeliveryOutcome::give_up);
    }
}

TEST_CASE("webhook classification without a receiver", "[channels][webhook]") {
    using indicatord::classify_http_response;
    // WeCom and Feishu rate limits; Feishu may send them with HTTP 400
    CHECK(classify_http_response(200, "OK", R"({"errcode":45009,"errmsg":"api freq out of limit"})")
              .outcome == DeliveryOutcome::retry);
    CHECK(classify_http_response(400, "Bad Request", R"({"code":11232,"msg":"frequency limited"})")
              .outcome == DeliveryOutcome::retry);
    CHECK(
        classify_http_response(200, "OK", R"({"code":11232,"msg":"frequency limited"})").outcome ==
        DeliveryOutcome::retry);
    // WeCom bad key, Feishu bad payload
    CHECK(classify_http_response(200, "OK", R"({"errcode":93000,"errmsg":"invalid webhook url"})")
              .outcome == DeliveryOutcome::give_up);
    const auto feishu =
        classify_http_response(400, "", R"({"code":9499,"msg":"Bad Request","data":{}})");
    CHECK(feishu.outcome == DeliveryOutcome::give_up);
    CHECK(feishu.detail == "HTTP 400: code 9499: Bad Request");
    for (long status : {408L, 425L, 429L, 500L, 502L, 504L, 302L})
        CHECK(classify_http_response(status, "", "").outcome == DeliveryOutcome::retry);
    for (long status : {401L, 403L, 404L, 410L, 413L})
        CHECK(classify_http_response(status, "", "").outcome == DeliveryOutcome::give_up);
    CHECK(classify_http_response(204, "No Content", "").outcome == DeliveryOutcome::delivered);
    CHECK(classify_http_response(200, "OK", "ok").outcome == DeliveryOutcome::delivered);
    CHECK(classify_http_response(200, "OK", R"({"errcode":"0"})").outcome ==
          DeliveryOutcome::delivered);

    const auto limited = classify_http_response(429, "Too Many Requests", "", "120");
    REQUIRE(limited.retry_after);
    CHECK(*limited.retry_after == 120s);
    CHECK(limited.detail == "HTTP 429 Too Many Requests");

    // the body excerpt: 200 bytes at most, cut between UTF-8 characters, on one line
    std::string long_body;
    for (int i = 0; i < 100; ++i) long_body += "错误\n";  // 3 bytes each
    const auto r = classify_http_response(500, "Internal Server Error", long_body);
    const auto excerpt = r.detail.substr(std::string("HTTP 500 Internal Server Error: ").size());
    CHECK(excerpt.size() == 199);  // 28 × "错误 " (7 bytes) + "错"; "误" would pass 200
    CHECK(excerpt.find('\n') == std::string::npos);
    CHECK(excerpt.substr(0, 7) == "错误 ");
    CHECK(excerpt.substr(excerpt.size() - 7) == "误 错");
}
