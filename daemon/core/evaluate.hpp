#pragma once

#include <date/tz.h>

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "clock.hpp"
#include "plan.hpp"

namespace indicatord {

enum class Status { pending, on_track, at_risk, missed, achieved, overdue, no_data };
inline constexpr Status kAllStatuses[] = {Status::pending,  Status::on_track, Status::at_risk,
                                          Status::missed,   Status::achieved, Status::overdue,
                                          Status::no_data};
std::string_view to_string(Status status);

/// The newest revision of one period's value.
struct Observation {
    Period period;
    double value = 0;
    int revision = 1;
    TimePoint reported_at{};
};

/// Latest revision per period of one indicator, sorted by period.
struct Series {
    std::vector<Observation> periods;
    const Observation* latest() const { return periods.empty() ? nullptr : &periods.back(); }
    const Observation* at(const Period& p) const;
    /// Inserts or replaces the period's value, keeping the order.
    void put(const Observation& obs);
};

/// What the evaluation of one indicator decided at one instant.
struct Evaluation {
    Status status = Status::pending;
    std::optional<double> value;     ///< the value that counted
    std::optional<Period> period;    ///< its period
    std::optional<double> target;    ///< the target it was held against
    std::optional<double> expected;  ///< expected-to-date, for trajectories
    std::optional<TimePoint> next_due;
    std::string reason;  ///< one line for people: why this status
};

/// Everything an evaluation may look at besides the indicator's own series.
struct EvalContext {
    TimePoint now{};
    const date::time_zone* zone = nullptr;  ///< nullptr: UTC
    int plan_year = 0;
    /// Series of another indicator (expression inputs); nullptr if unknown.
    std::function<const Series*(std::string_view key)> series_of;
};

/// Due instant of a period's report: the start of the local day after period end + due.
TimePoint due_time(const Period& period, const ReportSchedule& schedule, const date::time_zone* zone);
/// The due time plus grace: after it, a missing report is overdue.
TimePoint overdue_time(const Period& period, const ReportSchedule& schedule, const date::time_zone* zone);

/// Pure: decides the status of `indicator` from its series at ctx.now.
Evaluation evaluate(const Indicator& indicator, const Series& series, const EvalContext& ctx);

}  // namespace indicatord
