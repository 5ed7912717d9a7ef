#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "alerts/alerts.hpp"
#include "eval/engine.hpp"

namespace indicatord {

/// A value as it arrived: what, for which period, and when it was reported.
struct TimedValue {
    std::size_t indicator = 0;  ///< index into Plan::indicators
    Period period;
    double value = 0;
    TimePoint reported_at{};
};

/// One status change of one indicator.
struct StatusChange {
    TimePoint at{};
    std::size_t indicator = 0;
    Status from = Status::pending;
    Status to = Status::pending;
    std::string reason;
};

/// A notification the alerter would have sent during a replay.
struct ReplayNotification {
    TimePoint at{};
    Digest digest;
};

struct ReplayResult {
    std::vector<StatusChange> changes;
    std::vector<ReplayNotification> notifications;  ///< empty without an alerter
    std::size_t before_window = 0;  ///< values reported at or before `from`: the starting state
    std::size_t after_window = 0;   ///< values reported after `to`: not replayed
};

/// `t` in the plan's time zone as the text timeline shows it: 2023-04-21 00:00 +08:00.
std::string local_time(const Engine& engine, TimePoint t);

/// Runs the engine over [from, to] on a simulated clock: values arrive at their report times,
/// and every indicator is evaluated at each arrival and at each local midnight (when due dates
/// pass). Returns every status change, in time order (the statuses at `from` are the
/// baseline), and, with an `alerter`, every notification it would have sent.
ReplayResult replay(Engine& engine, std::vector<TimedValue> values, TimePoint from, TimePoint to,
                    Alerter* alerter = nullptr);

/// Text timeline, one change a line, local time of the plan's zone; then the notifications.
std::string format_timeline(const Engine& engine, const ReplayResult& result);
/// The same as JSON: {"changes": [...], "notifications": [...]}.
std::string timeline_json(const Engine& engine, const ReplayResult& result);

}  // namespace indicatord
