#include "notify/templates.hpp"

#include <algorithm>

#include "util/utf8.hpp"
#include "util/yaml_util.hpp"

namespace indicatord {

namespace {

// ---- Defaults ----------------------------------------------------------------------------------
//
// Every operator-visible string of every channel, as a format string; notify/text.cpp expands
// them. Kept in one table so that an operator's templates file (alerting.templates) can
// override any of them.

MessageTemplates make_defaults() {
    MessageTemplates t;
    t.kinds = {
        {AlertKind::overdue, "逾期", "{period} 报告已逾期 {overdue_by} 天,应于 {due} 报送",
         "{period} 报告已补报,逾期解除"},
        {AlertKind::missed, "未完成", "{period} 未完成目标:实际 {value},目标 {target}",
         "{period} 实际 {value},已达到目标 {target}"},
        {AlertKind::at_risk, "预警", "{period} 当前 {value},目标 {target}",
         "{period} 当前 {value},已回到目标 {target} 的进度"},
        {AlertKind::reminder, "提醒", "{period} 报告将于 {due} 到期", "{period} 到期提醒解除"},
        {AlertKind::chase, "催办", "督查室催办:{description}", "督查室催办:{description}"},
    };
    t.subject = "[indicatord] {escalation}{receiver_name}:{counts}";
    t.subject_fallback = "[indicatord] {escalation}{counts}";
    t.count = "{n}项{tag}";
    t.count_separator = "、";
    t.no_alerts = "无新提醒";
    t.head = "{escalation}【{tag}】";
    t.line = "任务{task} {indicator_name}({indicator}):{body}。牵头单位:{units}{repeat}";
    t.line_fallback = "{summary}{repeat}";
    t.escalation = "【督查升级】";
    t.repeat = "(重复提醒)";
    t.resolved_tag = "已恢复";
    t.more = "…(另有 {n} 项未列出)";
    t.link_text = "详情";
    t.email_greeting = "{receiver_name}:";
    t.email_intro = "《{plan_name}》共有 {n} 项指标提醒:";
    t.email_intro_fallback = "共有 {n} 项指标提醒:";
    t.email_task = "任务内容:{task_text}";
    t.email_link = "详情:{link}";
    t.email_footer = "本邮件由 indicatord 自动发送。";
    return t;
}

// ---- Validation at load ------------------------------------------------------------------------
//
// Each template may use only the placeholders its renderer provides (docs/notifications.md lists
// them): the values computed for it and, for the templates rendered per alert, the annotations
// and labels an alert carries. Anything else is refused at load with file:line:col, so
// `indicatorctl check` and a SIGHUP reload reject it instead of the sender meeting it.

constexpr std::string_view kAnnotations[] = {
    "description", "due",     "indicator_name", "leader",    "overdue_by", "period",
    "status",      "summary", "target",         "task_text", "units",      "value"};
constexpr std::string_view kLabels[] = {"alertname", "indicator", "kind", "lead_unit",
                                        "plan",      "severity",  "task"};

/// What one template may read: its computed values and, when rendered per alert, the alert's
/// annotations and labels.
struct Allowed {
    std::vector<std::string_view> computed;
    bool alert = false;
};

const Allowed kDigestText{{"escalation", "receiver_name", "plan_name", "n", "counts"}};
const Allowed kLetterText{{"receiver_name", "plan_name", "n"}};
const Allowed kLiteral{};  // used as it stands: no placeholders
const Allowed kCount{{"n", "tag"}};
const Allowed kHead{{"escalation", "repeat", "tag"}};
const Allowed kLine{{"body", "escalation", "repeat", "tag"}, true};
const Allowed kKindBody{{"escalation", "repeat", "tag"}, true};  // also line_fallback
const Allowed kMore{{"n"}};
const Allowed kAlertOnly{{}, true};
const Allowed kLink{{"link"}};

/// The template fields of `templates:`, each with what it may read.
struct Field {
    const char* key;
    std::string MessageTemplates::*member;
    const Allowed* allowed;
};

const Field kFields[] = {
    {"subject", &MessageTemplates::subject, &kDigestText},
    {"subject_fallback", &MessageTemplates::subject_fallback, &kDigestText},
    {"count", &MessageTemplates::count, &kCount},
    {"count_separator", &MessageTemplates::count_separator, &kLiteral},
    {"no_alerts", &MessageTemplates::no_alerts, &kLiteral},
    {"head", &MessageTemplates::head, &kHead},
    {"line", &MessageTemplates::line, &kLine},
    {"line_fallback", &MessageTemplates::line_fallback, &kKindBody},
    {"escalation", &MessageTemplates::escalation, &kLiteral},
    {"repeat", &MessageTemplates::repeat, &kLiteral},
    {"resolved_tag", &MessageTemplates::resolved_tag, &kLiteral},
    {"more", &MessageTemplates::more, &kMore},
    {"link_text", &MessageTemplates::link_text, &kLiteral},
    {"email_greeting", &MessageTemplates::email_greeting, &kLetterText},
    {"email_intro", &MessageTemplates::email_intro, &kLetterText},
    {"email_intro_fallback", &MessageTemplates::email_intro_fallback, &kLetterText},
    {"email_task", &MessageTemplates::email_task, &kAlertOnly},
    {"email_link", &MessageTemplates::email_link, &kLink},
    {"email_footer", &MessageTemplates::email_footer, &kLetterText},
};

/// "{a}, {b}, ..." sorted.
std::string allowed_list(const Allowed& allowed) {
    std::vector<std::string_view> names = allowed.computed;
    if (allowed.alert) {
        names.insert(names.end(), std::begin(kAnnotations), std::end(kAnnotations));
        names.insert(names.end(), std::begin(kLabels), std::end(kLabels));
    }
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
    std::string out;
    for (auto n : names) out += (out.empty() ? "{" : ", {") + std::string(n) + "}";
    return out;
}

bool is_allowed(const Allowed& allowed, std::string_view name) {
    const auto in = [&](const auto& list) {
        return std::find(std::begin(list), std::end(list), name) != std::end(list);
    };
    return in(allowed.computed) || (allowed.alert && (in(kAnnotations) || in(kLabels)));
}

/// Refuses a malformed template or a placeholder that `allowed` does not provide.
void check_template(const std::filesystem::path& file, const yaml::Node& n, std::string_view what,
                    const std::string& text, const Allowed& allowed) {
    const std::string name_of = "template '" + std::string(what) + "'";
    if (!is_valid_utf8(text))  // a robot refuses the JSON, a mail client shows mojibake
        yaml::fail(file, n, name_of + " is not valid UTF-8");
    if (text.size() > kTemplateBytes)
        yaml::fail(file, n,
                   name_of + " is " + std::to_string(text.size()) + " bytes long, more than " +
                       std::to_string(kTemplateBytes));
    std::size_t i = 0;
    while ((i = text.find_first_of("{}", i)) != std::string::npos) {
        if (text[i] == '}') yaml::fail(file, n, name_of + " has a '}' without '{': " + text);
        const auto close = text.find_first_of("{}", i + 1);
        if (close == std::string::npos || text[close] == '{')
            yaml::fail(file, n, name_of + " has an unclosed placeholder: " + text);
        const auto name = "{" + text.substr(i + 1, close - i - 1) + "}";
        if (allowed.computed.empty() && !allowed.alert)
            yaml::fail(file, n, name_of + " takes no placeholders, found " + name);
        if (!is_allowed(allowed, name.substr(1, name.size() - 2)))
            yaml::fail(file, n,
                       name_of + " has an unknown placeholder " + name +
                           "; valid here: " + allowed_list(allowed));
        i = close + 1;
    }
}

}  // namespace

const MessageTemplates& default_templates() {
    static const MessageTemplates t = make_defaults();
    return t;
}

MessageTemplates load_templates(const std::filesystem::path& file) {
    MessageTemplates t = default_templates();
    auto root = yaml::load_file(file);
    yaml::check_map(file, root, "templates file", {"templates"});
    auto n = yaml::required(file, root, "templates", "templates file");
    yaml::check_map(file, n, "templates", {"subject",      "subject_fallback",
                                           "count",        "count_separator",
                                           "no_alerts",    "head",
                                           "line",         "line_fallback",
                                           "escalation",   "repeat",
                                           "resolved_tag", "more",
                                           "link_text",    "email_greeting",
                                           "email_intro",  "email_intro_fallback",
                                           "email_task",   "email_link",
                                           "email_footer", "kinds"});
    for (const auto& field : kFields)
        if (auto v = n[field.key]) {
            t.*field.member = yaml::scalar(file, v, field.key);
            check_template(file, v, field.key, t.*field.member, *field.allowed);
            t.defined_at[field.key] = yaml::where(file, v);
        }
    if (auto kinds = n["kinds"]) {
        yaml::check_map(file, kinds, "kinds",
                        {"overdue", "missed", "at_risk", "reminder", "chase"});
        for (auto& k : t.kinds) {
            const std::string kind(to_string(k.kind));
            auto kn = kinds[kind];
            if (!kn) continue;
            yaml::check_map(file, kn, "kind template", {"tag", "firing", "resolved"});
            if (auto v = kn["tag"]) {
                k.tag = yaml::scalar(file, v, "tag");
                check_template(file, v, "kinds." + kind + ".tag", k.tag, kLiteral);
            }
            if (auto v = kn["firing"]) {
                k.firing_body = yaml::scalar(file, v, "firing");
                check_template(file, v, "kinds." + kind + ".firing", k.firing_body, kKindBody);
            }
            if (auto v = kn["resolved"]) {
                k.resolved_body = yaml::scalar(file, v, "resolved");
                check_template(file, v, "kinds." + kind + ".resolved", k.resolved_body, kKindBody);
            }
        }
    }
    return t;
}

}  // namespace indicatord
