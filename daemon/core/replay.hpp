#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine.hpp"

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

/// Runs the engine over [from, to] on a simulated clock: values arrive at their report times,
/// and every indicator is evaluated at each arrival and at each local midnight (when due dates
/// pass). Returns every status change, in time order; the statuses at `from` are the baseline.
std::vector<StatusChange> replay(Engine& engine, std::vector<TimedValue> values, TimePoint from, TimePoint to);

/// Text timeline, one change a line, local time of the plan's zone.
std::string format_timeline(const Engine& engine, const std::vector<StatusChange>& changes);
/// The same as a JSON array.
std::string timeline_json(const Engine& engine, const std::vector<StatusChange>& changes);

}  // namespace indicatord
