#include "notify/templates.hpp"

#include <catch2/catch.hpp>

#include "notify/email.hpp"
#include "notify/text.hpp"
#include "notify/webhook_dingtalk.hpp"
#include "notify/webhook_feishu.hpp"
#include "notify/webhook_generic.hpp"
#include "notify/webhook_wecom.hpp"
#include "test_util.hpp"
#include "util/errors.hpp"

using namespace indicatord;

namespace {
Digest digest() {
    Digest d;
    d.receiver = "fgw/0";
    d.receiver_name = "市发改委";
    AlertItem a;
    a.fingerprint = "0123456789abcdef";
    a.kind = AlertKind::overdue;
    a.labels = {{"task", "1"}, {"indicator", "gdp_growth"}};
    a.annotations = {{"indicator_name", "生产总值增长"},
                     {"period", "2023-Q3"},
                     {"due", "2023-10-20"},
                     {"overdue_by", "6"},
                     {"units", "市发改委"},
                     {"summary", "s"}};
    d.alerts.push_back(a);
    return d;
}
}  // namespace

TEST_CASE("the shipped example templates are the defaults", "[templates]") {
    auto t = load_templates(test::kData + "/../../config/templates.example.yaml");
    auto d = digest();
    const auto plain = digest_subject(d);
    d.templates = std::make_shared<const MessageTemplates>(t);
    CHECK(digest_subject(d) == plain);
    CHECK(alert_line(d.alerts[0], &t) == alert_line(d.alerts[0]));
}

TEST_CASE("an operator's templates change the text, what they omit keeps its default",
          "[templates]") {
    auto t = std::make_shared<const MessageTemplates>(
        load_templates(test::kData + "/templates/custom.yaml"));
    auto d = digest();
    d.templates = t;
    CHECK(digest_subject(d) == "督办通知 市发改委:1项超期");
    CHECK(alert_line(d.alerts[0], t.get()) ==
          "【超期】任务1 生产总值增长(gdp_growth):2023-Q3 未按时报送(应于 "
          "2023-10-20)。牵头单位:市发改委");
    CHECK(alert_line(d.alerts[0]) ==
          "【逾期】任务1 生产总值增长(gdp_growth):2023-Q3 报告已逾期 6 天,应于 2023-10-20 "
          "报送。牵头单位:市发改委");
    CHECK(render_email(d, "a@example.org", {"fgw@example.org"}).subject ==
          "督办通知 市发改委:1项超期");
}

TEST_CASE("bad template files give file:line:col errors", "[templates]") {
    for (std::string name : {"unclosed", "unknown_kind"}) {
        const auto path = test::kData + "/templates/" + name + ".yaml";
        INFO(path);
        try {
            load_templates(path);
            FAIL("no error");
        } catch (const ConfigError& e) {
            CHECK(std::string(e.what()) == test::expected_error(path));
        }
    }
}

TEST_CASE("a placeholder the template cannot receive is refused at load, naming the valid ones",
          "[templates]") {
    for (std::string name :
         {"head_plan_id", "more_unknown", "subject_plan_id", "subject_label", "kind_unknown",
          "literal", "stray_close", "body_in_footer", "too_long", "not_utf8"}) {
        const auto path = test::kData + "/templates/" + name + ".yaml";
        INFO(path);
        try {
            load_templates(path);
            FAIL("no error");
        } catch (const ConfigError& e) {
            CHECK(std::string(e.what()) == test::expected_error(path));
        }
    }
}

TEST_CASE("every placeholder a template may receive loads and renders", "[templates]") {
    auto t = std::make_shared<const MessageTemplates>(
        load_templates(test::kData + "/templates/every_placeholder.yaml"));
    auto d = digest();
    d.plan_name = "丽水2023";
    d.external_url = "http://indicatord.example.org";
    d.templates = t;
    d.alerts[0].escalation = true;
    CHECK(digest_subject(d) == "E|市发改委|丽水2023|1|1项T-逾期");
    CHECK(alert_line(d.alerts[0], t.get()) ==
          "E逾期-|1:gdp_growth:生产总值增长:市发改委:2023-Q3 逾期 6 天 2023-10-20");
    const auto mail = render_email(d, "a@example.org", {"fgw@example.org"});
    CHECK_THAT(mail.text, Catch::StartsWith("市发改委/丽水2023/1\n\n丽水2023:1\n\n"));
    CHECK_THAT(mail.text,
               Catch::Contains("   L=http://indicatord.example.org/indicators/gdp_growth\n"));
    CHECK_THAT(mail.text, Catch::EndsWith("F丽水2023\n"));
}

TEST_CASE("templates that were not validated render with the defaults' text, never crash",
          "[templates]") {
    // What load_templates refuses, built by hand: the renderers must still not dereference a
    // missing value (the crash of issue 9) nor throw.
    MessageTemplates bad = default_templates();
    bad.subject = "[indicatord] {plan_id}";
    bad.subject_fallback = "{x";
    bad.head = "{plan_id}";
    bad.count = "{n}项{indicator}";
    bad.more = "…(另有 {x} 项未列出)";
    bad.email_greeting = "{task}";
    bad.email_intro = "{";
    bad.email_footer = "}{";
    bad.email_link = "{body}";
    bad.kinds.clear();
    auto d = digest();
    d.plan_name = "丽水2023";
    d.external_url = "http://indicatord.example.org";
    const auto plain_subject = digest_subject(d);
    const auto plain_line = alert_line(d.alerts[0]);
    const auto plain_mail = render_email(d, "a@example.org", {"fgw@example.org"});
    d.templates = std::make_shared<const MessageTemplates>(bad);
    CHECK(digest_subject(d) == plain_subject);
    CHECK(alert_line(d.alerts[0], d.templates.get()) == plain_line);
    const auto mail = render_email(d, "a@example.org", {"fgw@example.org"});
    CHECK(mail.subject == plain_subject);
    CHECK(mail.text == plain_mail.text);
    // many alerts, so that WeCom's 4096 bytes need the "more" line
    for (int i = 0; i < 100; ++i) d.alerts.push_back(d.alerts[0]);
    CHECK_THAT(render_wecom(d), Catch::Contains("…(另有 "));
    CHECK_NOTHROW(render_dingtalk(d));
    CHECK_NOTHROW(render_feishu(d, "secret", 1));
    CHECK_NOTHROW(render_webhook(d));
    d.receiver.clear();
    d.receiver_name.clear();
    CHECK(digest_subject(d) == "[indicatord] 101项逾期");
}
