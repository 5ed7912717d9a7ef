#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "model/clock.hpp"

namespace indicatord {

struct MessageTemplates;

/// What an alert is about. One alert per (indicator, kind), fingerprinted.
/// `chase` (催办) is not a condition: a one-off message the office sends about an indicator.
enum class AlertKind { reminder, overdue, at_risk, missed, chase };
std::string_view to_string(AlertKind kind);
std::optional<AlertKind> parse_alert_kind(std::string_view text);

/// One alert as a notification carries it (Alertmanager-shaped).
struct AlertItem {
    std::string fingerprint;  ///< 16 hex digits, stable for (plan, indicator, kind)
    bool firing = true;       ///< false: resolved
    bool escalation = false;  ///< sent to the escalation receiver because it stayed unresolved
    bool repeat = false;      ///< already notified before; repeated after repeat_interval
    AlertKind kind = AlertKind::overdue;
    TimePoint starts_at{};
    std::optional<TimePoint> ends_at;  ///< set when resolved
    /// labels: alertname, plan, task, indicator, lead_unit, kind, severity
    std::map<std::string, std::string> labels;
    /// annotations: summary (one line), description, task_text, indicator_name, period,
    /// value ("4.9%"), target ("≥ 6%"), status, due (YYYY-MM-DD), overdue_by (whole days,
    /// digits only), units (responsible units' names joined with 、)
    std::map<std::string, std::string> annotations;
};

/// One message to one receiver: a digest of that receiver's new, repeating and resolved alerts.
struct Digest {
    std::string receiver;       ///< "<unit id>/<index of the receiver in the unit>", e.g. "fgw/0"
    std::string receiver_name;  ///< the unit's name, e.g. 市发改委
    std::string plan_id;
    std::string plan_name;
    std::string external_url;  ///< link back to the daemon, e.g. http://indicatord.example.org:9464
    std::string idempotency_key;
    TimePoint created_at{};
    std::vector<AlertItem> alerts;
    /// The rest of the receiver's group as Alertmanager's webhook carries it: every other alert
    /// routed to this receiver that still fires (not silenced), by fingerprint. Filled by the
    /// Alerter; only the generic webhook shows it (render_webhook), the texts keep to `alerts`.
    std::vector<AlertItem> still_firing;
    /// The operator's message templates; null: the defaults.
    std::shared_ptr<const MessageTemplates> templates;
};

}  // namespace indicatord
