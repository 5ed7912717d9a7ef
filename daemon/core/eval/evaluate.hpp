#pragma once

#include <date/tz.h>

#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "model/calendar.hpp"
#include "model/clock.hpp"
#include "model/plan.hpp"

namespace indicatord {

enum class Status { pending, on_track, at_risk, missed, achieved, overdue, no_data };
inline constexpr Status kAllStatuses[] = {Status::pending, Status::on_track, Status::at_risk,
                                          Status::missed,  Status::achieved, Status::overdue,
                                          Status::no_data};
std::string_view to_string(Status status);
std::optional<Status> parse_status(std::string_view text);
/// The status in a supervision office's words: 未到期, 正常推进, 有风险, 未达标, 已完成,
/// 逾期未报, 无数据 (the web console and the bulletins).
std::string_view status_words(Status status);

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
    /// Periods with a value submitted and awaiting review (实绩审核), sorted: reported on time
    /// for reminders and overdue, not counted until approved.
    std::vector<Period> awaiting;
    bool awaits(const Period& p) const;
    void set_awaiting(const Period& p, bool waiting);
};

/// Why an evaluation decided what it did; rendered to text by describe() only when asked, so
/// that a tick over a million indicators formats no strings.
enum class Reason {
    nothing_due,
    report_overdue,     ///< `overdue_period` has no value past due plus grace
    meets,              ///< latest value meets the target
    misses,             ///< latest value does not meet the target
    reached_total,      ///< cumulative total reached
    short_of_total,     ///< final period below the annual total
    on_trajectory,      ///< cumulative at or near expected-to-date
    behind_trajectory,  ///< cumulative below expected-to-date minus tolerance
    milestone_met,
    milestone_missed,
    toward_milestone,  ///< measured against the next milestone, deadline not passed
    achieved,
    not_achieved_past_deadline,
    not_yet_achieved,
    no_baseline,  ///< no previous-year value to compare with
    progress_reported,
    reported,
    expression_holds,
    expression_fails,
    expression_no_input,  ///< `input` has no value yet
    within_tolerance,     ///< about (左右): short of the target by no more than the tolerance
    floor_met,            ///< 确保X、力争Y: the floor is met, the stretch is not
    ahead_of_trajectory,  ///< cumulative above expected-to-date
    input_pending,        ///< derived: `input` has no value for `input_period` yet, not due yet
    input_missing,        ///< derived: `input` has no value for `input_period`, past its due date
    no_common_period,     ///< derived: no period the inputs can all be reported for has a value
    deadline_unreported,  ///< achievement: no report by the deadline plus grace
    awaiting_review,      ///< nothing approved yet; a value awaits review (`awaiting_review`)
};

/// What the evaluation of one indicator decided at one instant.
struct Evaluation {
    Status status = Status::pending;
    Reason reason = Reason::nothing_due;
    std::optional<double> value;     ///< the value that counted
    std::optional<Period> period;    ///< its period
    std::optional<double> target;    ///< the target it was held against
    std::optional<double> expected;  ///< expected-to-date, for trajectories
    std::optional<TimePoint> next_due;
    std::optional<Period> overdue_period;              ///< for report_overdue
    std::optional<date::year_month_day> milestone_by;  ///< for milestone reasons
    std::size_t input = 0;  ///< for expression_no_input, input_*: index into the inputs
    /// Derived kinds: the period of `input` that is missing (input_*), or of the reference
    /// compared (a relation's `of`).
    std::optional<Period> input_period;
    /// The newest period whose value is submitted and awaits review (the reason says so).
    std::optional<Period> awaiting_review;
};

/// One line for people: why the indicator has its status ("4.9 does not meet >= 6 for 2023-Q1").
std::string describe(const Indicator& indicator, const Evaluation& evaluation);

/// A muparser expression compiled once and evaluated many times.
class ExpressionProgram {
  public:
    explicit ExpressionProgram(const rule::Expression& rule);
    /// Evaluates with inputs in the order of rule.inputs; throws mu::ParserError.
    double eval(std::span<const double> inputs) const;

  private:
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

/// Due instants of a period's report for a schedule, in the plan's zone and working-day
/// calendar. Memoised: plans have few distinct schedules, and the tz conversion is the costly
/// part of an evaluation.
class DueDates {
  public:
    DueDates(const date::time_zone* zone, const WorkCalendar* calendar)
        : zone_(zone), calendar_(calendar) {}

    /// The local day the report is due: period end + due (calendar or working days), moved to
    /// the next working day if it falls on a weekend or holiday.
    date::sys_days due_day(const Period& period, const ReportSchedule& schedule) const;
    /// The report is due until the end of its due day: the instant is the next local midnight.
    TimePoint due(const Period& period, const ReportSchedule& schedule) const;
    /// After this instant (due day + grace, end of day) a missing report is overdue.
    TimePoint overdue(const Period& period, const ReportSchedule& schedule) const;
    /// Reminders go out from this instant (start of the day `remind` before the due day).
    TimePoint remind(const Period& period, const ReportSchedule& schedule) const;
    /// Start of the local day after `day` (end of `day`).
    TimePoint end_of(date::sys_days day) const;
    /// The end of `day` plus the schedule's grace: a report owed by `day` is overdue after it.
    TimePoint overdue_after(date::sys_days day, const ReportSchedule& schedule) const;

    const WorkCalendar* calendar() const { return calendar_; }

  private:
    date::sys_days add(date::sys_days day, DayOffset off) const;
    struct Cached {
        TimePoint due, overdue;
    };
    const Cached& lookup(const Period& period, const ReportSchedule& schedule) const;

    const date::time_zone* zone_;
    const WorkCalendar* calendar_;
    mutable std::unordered_map<std::uint64_t, Cached> cache_;
};

/// Everything an evaluation may look at besides the indicator's own series.
struct EvalContext {
    TimePoint now{};
    int plan_year = 0;
    /// The last year of a plan spanning several (`year: 2021-2025`); 0: plan_year. Only the
    /// last year's final period decides achieved or missed.
    int plan_last_year = 0;
    int last_year() const { return plan_last_year ? plan_last_year : plan_year; }
    const DueDates* dues = nullptr;
    /// Series of another indicator (expression inputs); nullptr if unknown.
    std::function<const Series*(std::string_view key)> series_of;
    /// The compiled program of an expression indicator; nullptr: compile on the spot.
    std::function<const ExpressionProgram*(const Indicator&)> program_of;
};

/// Pure: decides the status of `indicator` from its series at ctx.now.
Evaluation evaluate(const Indicator& indicator, const Series& series, const EvalContext& ctx);

}  // namespace indicatord
