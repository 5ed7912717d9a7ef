#pragma once

// The operator-visible texts of every channel: their defaults, and an operator's templates file
// (`alerting.templates`) read and checked at load. notify/text.cpp expands them.

#include <cstddef>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "model/notification.hpp"

namespace indicatord {

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
    /// Where the operator's file set each top-level template ("subject" -> "file:line:col");
    /// empty for the defaults.
    std::map<std::string, std::string> defined_at;
};

const MessageTemplates& default_templates();

/// Reads a templates file: `templates:` with any of the MessageTemplates fields and `kinds:`
/// (`overdue: {tag, firing, resolved}` …); what it omits keeps its default. Throws ConfigError
/// (file:line:col) on unknown keys, on malformed placeholders and on a placeholder the template
/// cannot receive (naming it and the valid ones; docs/notifications.md lists them per template).
/// The renderers expect templates that passed here; given others, they fall back to the
/// default text rather than fail.
MessageTemplates load_templates(const std::filesystem::path& file);

}  // namespace indicatord
