#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "config/config.hpp"
#include "eval/engine.hpp"
#include "model/notification.hpp"

namespace indicatord {

/// One alert's persisted state. Fingerprint = (plan, indicator, kind).
struct AlertState {
    enum class Phase { pending, firing, resolved };
    std::string fingerprint;
    std::string indicator;
    AlertKind kind = AlertKind::overdue;
    Phase phase = Phase::pending;
    std::string period;  ///< the period it is about ("2023-Q3"), where it applies
    TimePoint started_at{};
    std::optional<TimePoint> firing_at;
    std::optional<TimePoint> resolved_at;
    std::optional<TimePoint> last_notified_at;  ///< last firing/repeat notification queued
    bool resolved_notified = false;
    int escalation_level = 0;  ///< escalation steps already sent
    std::string acked_by;
    std::string ack_comment;
    std::optional<TimePoint> acked_at;
    bool operator==(const AlertState&) const = default;
};
std::string_view to_string(AlertState::Phase phase);

/// A silence: alerts whose labels match every matcher, between starts and ends, are not sent.
struct Silence {
    std::int64_t id = 0;
    std::map<std::string, std::string> matchers;  ///< label name -> exact value
    TimePoint starts_at{};
    TimePoint ends_at{};
    std::string author;
    std::string comment;
    TimePoint created_at{};
    bool active(TimePoint now) const { return starts_at <= now && now < ends_at; }
    bool matches(const std::map<std::string, std::string>& labels) const;
};

/// A receiver of the plan's unit registry: unit id plus its index in the unit's receivers.
struct ReceiverRef {
    std::string unit;
    std::size_t index = 0;
    std::string key() const { return unit + "/" + std::to_string(index); }
    bool operator<(const ReceiverRef& o) const {
        return std::tie(unit, index) < std::tie(o.unit, o.index);
    }
};

/// A value awaiting review past its review_due (实绩审核逾期), as the review store lists it.
struct LateReview {
    std::int64_t submission = 0;
    std::string indicator;  ///< key
    std::string period;
    double value = 0;
    std::string unit;      ///< the reporting unit's id (empty: an admin token reported it)
    std::string reviewer;  ///< "office" or a unit id
    TimePoint submitted_at{};
    TimePoint due_at{};
};

/// Who gets an alert of `indicator` and why: "lead", "co", "escalation".
std::vector<std::pair<ReceiverRef, std::string>> route(const Plan& plan, const Indicator& indicator,
                                                       const AlertingConfig& config,
                                                       bool escalation);

/// The alert lifecycle (pending -> firing -> resolved) over the engine's evaluations, and the
/// grouping of notifications into one digest per receiver per group interval. Pure: no I/O;
/// the caller persists `changed` and queues `digests`.
class Alerter {
  public:
    explicit Alerter(AlertingConfig config) : config_(std::move(config)) {}

    const AlertingConfig& config() const { return config_; }
    void set_config(AlertingConfig config) { config_ = std::move(config); }
    /// Message templates the digests carry (null: the defaults).
    void set_templates(std::shared_ptr<const MessageTemplates> t) { templates_ = std::move(t); }
    const std::shared_ptr<const MessageTemplates>& templates() const { return templates_; }
    /// Replaces the alerts (by fingerprint, as AlertStore::load_alerts reads them) and silences.
    void load(std::unordered_map<std::string, AlertState> alerts, std::vector<Silence> silences);

    /// What a step changed in the Alerter, so that undo() can put it back.
    struct Undo {
        /// What a step may change of an alert it does not replace, as it was (a field copy, not
        /// the whole state: a restart resolving 100,000 alerts copied them all).
        struct Fields {
            AlertState* alert = nullptr;  ///< into the Alerter's table, locked until undo or done
            std::string period;
            AlertState::Phase phase = AlertState::Phase::pending;
            std::optional<TimePoint> firing_at;
            std::optional<TimePoint> resolved_at;
            std::optional<TimePoint> last_notified_at;
            bool resolved_notified = false;
            int escalation_level = 0;
        };
        std::vector<std::string> added;  ///< fingerprints of alerts the step created
        std::vector<AlertState> before;  ///< alerts the step raised again, as they were
        std::vector<Fields> fields;      ///< the other alerts the step changed, as they were
        std::optional<TimePoint> last_flush;
    };
    struct Step {
        /// States to persist, one per alert, by fingerprint: pointers into the Alerter's table
        /// (a first start copied 100,000 states here), valid until the alerts change again: the
        /// caller keeps them locked until they are stored, or undone.
        std::vector<const AlertState*> changed;
        std::vector<Digest> digests;         ///< messages to queue, one per receiver
        std::vector<ReceiverRef> receivers;  ///< receiver of each digest
        Undo undo;                           ///< for undo() when `changed` cannot be stored
    };
    /// Updates every alert from the engine's current evaluations at `now`; when a group
    /// interval has passed since the last flush, also builds the digests to send. The Alerter
    /// holds the new states at once: a caller that fails to store `changed` calls undo().
    Step step(const Engine& engine, TimePoint now);
    /// Puts back what the step that returned `undo` changed (nothing else may have changed the
    /// alerts in between), so that the Alerter is again as the database is.
    void undo(Undo undo);

    const std::unordered_map<std::string, AlertState>& alerts() const { return alerts_; }
    const std::vector<Silence>& silences() const { return silences_; }
    void add_silence(Silence s) { silences_.push_back(std::move(s)); }
    bool expire_silence(std::int64_t id, TimePoint now);
    /// Whether silence `id` exists and has not ended at `now` (what expire_silence would change).
    bool expirable(std::int64_t id, TimePoint now) const;
    /// The alert's state once acknowledged, without recording it; nullopt if there is no such
    /// unresolved alert. The caller persists it, then put()s it.
    std::optional<AlertState> acknowledged(const std::string& fingerprint, const std::string& by,
                                           const std::string& comment, TimePoint now) const;
    /// Replaces one alert's state (one that was persisted).
    void put(AlertState state);
    /// Records an acknowledgement at once; false if there is no such unresolved alert.
    bool acknowledge(const std::string& fingerprint, const std::string& by,
                     const std::string& comment, TimePoint now, AlertState* changed);

    /// 催办: one message about indicator `indicator` (an index into the plan) to each receiver of
    /// its lead unit (and co-units with notify_co), kind `chase`, with `comment` as its
    /// description; no alert state changes. `changed` and `undo` stay empty.
    Step chase(const Engine& engine, std::size_t indicator, const std::string& by,
               const std::string& comment, TimePoint now) const;

    /// The whole state for a receiver that takes it each time (Alertmanager): every alert firing
    /// at `now` (chases are not conditions; alerts silenced here stay out, like every other
    /// message of theirs), then the resolved ones `keep_resolved` accepts. By fingerprint;
    /// pointers into the Alerter's table, valid until it changes. Cheap: no text is formatted.
    std::vector<const AlertState*> current(
        const Engine& engine, TimePoint now,
        const std::function<bool(const AlertState&)>& keep_resolved) const;
    /// One alert as notifications carry it (labels, annotations with the texts).
    AlertItem item_of(const Engine& engine, const AlertState& a, TimePoint now) const {
        return item(engine, a, now);
    }

    /// Reminders to reviewers (审核催办) of values past their review_due: one digest per receiver
    /// of each reviewer (a unit's receivers; `office`: the escalation unit's, none without one),
    /// each late review an item of kind `chase` whose description names the unit, the period,
    /// the value and how many days the review is late. The idempotency key is per receiver,
    /// review and repeat_interval since the due time, so that queueing the same reminder again
    /// within one interval is a no-op in the outbox, and a review still late one interval on
    /// reminds again. `changed` and `undo` stay empty.
    Step late_reviews(const Engine& engine, const std::vector<LateReview>& late,
                      TimePoint now) const;

    /// Labels of an alert (alertname, plan, task, indicator, lead_unit, kind, severity).
    static std::map<std::string, std::string> labels(const Plan& plan, const Indicator& ind,
                                                     AlertKind kind);
    static std::string fingerprint(const std::string& plan, const std::string& indicator,
                                   AlertKind kind);

  private:
    AlertItem item(const Engine& engine, const AlertState& a, TimePoint now) const;
    /// Fills Digest::still_firing of each generic webhook receiver that gets a digest.
    void add_still_firing(const Engine& engine, std::map<ReceiverRef, Digest>& digests,
                          TimePoint now) const;
    bool silenced(const std::map<std::string, std::string>& labels, TimePoint now) const;

    AlertingConfig config_;
    std::unordered_map<std::string, AlertState> alerts_;
    std::vector<Silence> silences_;
    std::optional<TimePoint> last_flush_;
    std::shared_ptr<const MessageTemplates> templates_;
};

}  // namespace indicatord
