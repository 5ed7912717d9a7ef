// Message templates: load_templates on the bytes (a templates YAML file), then every renderer on
// a set of digests with what loaded. A ConfigError is the expected answer to a bad file; any
// other exception, a crash or a sanitizer report is a bug. Inputs starting with "!raw\n" skip the
// loader: the rest becomes every template field as it stands (what load_templates would refuse),
// and the renderers must still neither crash nor throw (they fall back to the defaults).

#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <string>
#include <string_view>
#include <typeinfo>

#include "fuzz_util.hpp"
#include "notify/email.hpp"
#include "notify/templates.hpp"
#include "notify/text.hpp"
#include "notify/webhook_dingtalk.hpp"
#include "notify/webhook_feishu.hpp"
#include "notify/webhook_generic.hpp"
#include "notify/webhook_wecom.hpp"
#include "util/errors.hpp"

namespace {

using namespace indicatord;

AlertItem full_alert() {
    AlertItem a;
    a.fingerprint = "0123456789abcdef";
    a.kind = AlertKind::overdue;
    a.labels = {{"alertname", "indicator_overdue"},
                {"plan", "lishui-2023"},
                {"task", "1"},
                {"indicator", "gdp_growth"},
                {"lead_unit", "fgw"},
                {"kind", "overdue"},
                {"severity", "warning"}};
    a.annotations = {{"summary", "生产总值增长 2023-Q3 报告逾期 6 天"},
                     {"description", "第一行\n第二行"},
                     {"task_text", "生产总值增长6%以上。"},
                     {"indicator_name", "生产总值增长"},
                     {"period", "2023-Q3"},
                     {"value", "4.9%"},
                     {"target", "≥ 6%"},
                     {"status", "late"},
                     {"due", "2023-10-20"},
                     {"overdue_by", "6"},
                     {"units", "市发改委"}};
    return a;
}

std::vector<Digest> digests(const std::shared_ptr<const MessageTemplates>& t) {
    Digest d;
    d.receiver = "fgw/0";
    d.receiver_name = "市发改委";
    d.plan_id = "lishui-2023";
    d.plan_name = "丽水市2023年政府工作报告目标";
    d.external_url = "http://indicatord.example.org/";
    d.idempotency_key = "fgw/0:0123456789abcdef:1681088400";
    d.templates = t;
    std::vector<Digest> out;
    auto one = d;
    for (auto kind :
         {AlertKind::overdue, AlertKind::missed, AlertKind::at_risk, AlertKind::reminder}) {
        auto a = full_alert();
        a.kind = kind;
        one.alerts.push_back(a);
    }
    one.alerts[1].firing = false;  // resolved
    one.alerts[2].escalation = true;
    one.alerts[3].repeat = true;
    auto bare = full_alert();  // nothing to fill the templates with: the fallbacks
    bare.labels.clear();
    bare.annotations.clear();
    one.alerts.push_back(bare);
    out.push_back(one);

    auto anonymous = d;  // no receiver name nor plan name, no alerts
    anonymous.receiver.clear();
    anonymous.receiver_name.clear();
    anonymous.plan_name.clear();
    out.push_back(anonymous);

    auto many = d;  // past WeCom's 4096 bytes: the "more" line
    for (int i = 0; i < 40; ++i) many.alerts.push_back(full_alert());
    out.push_back(many);
    return out;
}

void json_or_fail(const std::string& text, std::string_view what) {
    boost::system::error_code ec;
    boost::json::parse(text, ec);
    if (ec) fuzz::fail(std::string(what) + " is not JSON: " + ec.message());
}

/// `validated`: the templates passed load_templates (valid UTF-8, at most kTemplateBytes each),
/// so the output must be valid JSON within the robots' limits; otherwise it must only not crash.
void render_all(const std::shared_ptr<const MessageTemplates>& t, bool validated) {
    for (const auto& d : digests(t)) {
        (void)digest_subject(d);
        for (const auto& a : d.alerts) (void)alert_line(a, t.get());
        const auto mail = render_email(d, "指标平台 <alerts@example.org>", {"fgw@example.org"});
        if (mail.mime.find("\r\nSubject:") == std::string::npos &&
            mail.mime.rfind("Subject:", 0) != 0)
            fuzz::fail("an email without a Subject header");
        json_or_fail(render_webhook(d), "the webhook payload");  // no template text in it
        const auto dingtalk = render_dingtalk(d);
        const auto feishu = render_feishu(d, "secret", 1697763600);
        const auto wecom = render_wecom(d);
        if (validated) {
            json_or_fail(dingtalk, "the DingTalk message");
            json_or_fail(feishu, "the Feishu message");
            json_or_fail(wecom, "the WeCom message");
            const auto content = boost::json::parse(wecom).at("markdown").at("content").as_string();
            if (content.size() > kWecomContentLimit)
                fuzz::fail("WeCom content of " + std::to_string(content.size()) + " bytes");
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    constexpr std::string_view kRaw = "!raw\n";
    if (input.substr(0, kRaw.size()) == kRaw) {
        const std::string text(input.substr(kRaw.size()));
        auto t = std::make_shared<MessageTemplates>(default_templates());
        for (auto* field :
             {&t->subject, &t->subject_fallback, &t->count, &t->count_separator, &t->no_alerts,
              &t->head, &t->line, &t->line_fallback, &t->escalation, &t->repeat, &t->resolved_tag,
              &t->more, &t->link_text, &t->email_greeting, &t->email_intro,
              &t->email_intro_fallback, &t->email_task, &t->email_link, &t->email_footer})
            *field = text;
        for (auto& k : t->kinds) k.tag = k.firing_body = k.resolved_body = text;
        if (text.size() % 2) t->kinds.clear();
        try {
            render_all(t, false);
        } catch (const std::exception& e) {
            fuzz::fail(std::string("rendering unvalidated templates threw ") + typeid(e).name() +
                       ": " + e.what());
        }
        return 0;
    }
    const auto path = fuzz::write_input("templates.yaml", data, size);
    std::shared_ptr<const MessageTemplates> t;
    try {
        t = std::make_shared<const MessageTemplates>(load_templates(path));
    } catch (const ConfigError& e) {
        if (std::string(e.what()).empty()) fuzz::fail("ConfigError without a message");
        return 0;
    } catch (const std::exception& e) {
        fuzz::fail(std::string("load_templates threw ") + typeid(e).name() +
                   " (not ConfigError): " + e.what());
    }
    try {
        render_all(t, true);
    } catch (const std::exception& e) {
        fuzz::fail(std::string("rendering loaded templates threw ") + typeid(e).name() + ": " +
                   e.what());
    }
    return 0;
}
