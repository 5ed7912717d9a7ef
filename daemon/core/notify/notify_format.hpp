#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "model/notification.hpp"

namespace indicatord {

// Pure rendering of a Digest into each channel's wire format: no I/O, no clock, no randomness.
// The same Digest always renders to the same bytes, so a retried delivery is byte-identical.
// Message templates and the annotations each one reads are listed in docs/notifications.md.

/// Header that carries Digest::idempotency_key on every webhook POST and every email.
inline constexpr std::string_view kIdempotencyHeader = "X-Indicatord-Idempotency-Key";

/// Byte limits of the robot message text (WeCom documents 4096; DingTalk and Feishu reject
/// request bodies of about 20 KB, so their text is kept well below that).
inline constexpr std::size_t kWecomContentLimit = 4096;
inline constexpr std::size_t kDingtalkTextLimit = 16000;
inline constexpr std::size_t kFeishuTextLimit = 16000;

/// The longest template load_templates accepts: robot messages are cut to their limits around
/// the subject and the "more" line, which must leave room for the alerts.
inline constexpr std::size_t kTemplateBytes = 1024;

/// The message text of one alert kind.
struct KindTemplate {
    AlertKind kind = AlertKind::overdue;
    std::string tag;            ///< 【tag】 of a firing alert; the noun counted in the subject
    std::string firing_body;    ///< {body} of a firing alert
    std::string resolved_body;  ///< {body} of a resolved alert
};

/// Every operator-visible string of every channel, as a "{placeholder}" format string (see
/// docs/notifications.md). The defaults are Chinese; `alerting.templates` names a YAML file
/// that overrides any of them.
struct MessageTemplates {
    std::vector<KindTemplate> kinds;  ///< in display order
    std::string subject, subject_fallback, count, count_separator, no_alerts, head, line,
        line_fallback, escalation, repeat, resolved_tag, more, link_text, email_greeting,
        email_intro, email_intro_fallback, email_task, email_link, email_footer;
};

const MessageTemplates& default_templates();

/// Reads a templates file: `templates:` with any of the MessageTemplates fields and `kinds:`
/// (`overdue: {tag, firing, resolved}` …); what it omits keeps its default. Throws ConfigError
/// (file:line:col) on unknown keys, on malformed placeholders and on a placeholder the template
/// cannot receive (naming it and the valid ones; docs/notifications.md lists them per template).
/// The renderers expect templates that passed here; given others, they fall back to the
/// default text rather than fail.
MessageTemplates load_templates(const std::filesystem::path& file);

struct EmailMessage {
    std::string subject;  ///< UTF-8, not encoded
    std::string text;     ///< text/plain body, UTF-8, "\n" line ends
    std::string html;     ///< text/html body, UTF-8, "\n" line ends
    std::string mime;     ///< the full RFC 5322 message incl. headers, CRLF line ends
};

/// "[indicatord] 市发改委:2项逾期、1项预警、1项已恢复" (counts by kind; resolved counted apart).
/// Email subject, DingTalk title, Feishu title.
std::string digest_subject(const Digest& d);

/// One alert as one line of text, e.g. "【逾期】任务1 生产总值增长(gdp_growth):2023-Q3 报告已逾期
/// 6 天,应于 2023-10-20 报送。牵头单位:市发改委". Falls back to annotations.summary when an
/// annotation the template needs is missing.
std::string alert_line(const AlertItem& a, const MessageTemplates* templates = nullptr);

/// external_url + "/api/v1/indicators/" + labels.indicator; empty without an external_url or
/// an indicator label.
std::string indicator_link(const Digest& d, const AlertItem& a);

/// Email: From/To/Subject (RFC 2047 "=?UTF-8?B?...?=" encoded-words, folded), Date (RFC 5322,
/// from created_at, UTC), Message-ID <key@indicatord>, X-Indicatord-Idempotency-Key,
/// MIME-Version, multipart/alternative with text/plain and text/html parts, both UTF-8 and
/// base64 in lines of 76. Addresses are "addr@host" or "Name <addr@host>"; a non-ASCII name is
/// encoded. CR and LF in any input are dropped (no header injection).
EmailMessage render_email(const Digest& d, const std::string& from,
                          const std::vector<std::string>& to);

/// Alertmanager webhook payload, version 4 (what existing receivers accept).
std::string render_webhook(const Digest& d);

/// DingTalk custom robot: {"msgtype":"markdown","markdown":{"title":...,"text":...}}.
std::string render_dingtalk(const Digest& d);

/// webhook_url with &timestamp=<ms>&sign=<urlencode(base64(HMAC-SHA256(key = secret,
/// message = timestamp + "\n" + secret)))> appended. Throws std::invalid_argument if the URL
/// does not parse.
std::string dingtalk_signed_url(const std::string& webhook_url, const std::string& secret,
                                std::int64_t timestamp_ms);

/// WeCom group robot: {"msgtype":"markdown","markdown":{"content":...}}; content is at most
/// kWecomContentLimit bytes, cut between alerts (or, for a single huge alert, at a UTF-8
/// boundary) with a "…(另有 N 项未列出)" line.
std::string render_wecom(const Digest& d);

/// Feishu custom bot, msg_type "post". With a non-empty secret, "timestamp" (seconds) and
/// "sign" = base64(HMAC-SHA256(key = timestamp + "\n" + secret, message = "")) come first.
std::string render_feishu(const Digest& d, const std::string& secret, std::int64_t timestamp_s);

}  // namespace indicatord
