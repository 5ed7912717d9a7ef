#pragma once

#include <date/date.h>

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "eval/engine.hpp"
#include "model/clock.hpp"
#include "model/period.hpp"
#include "model/scoring.hpp"

namespace indicatord {

/// How a task stands in a bulletin (督查通报), from its indicators' statuses (docs/bulletins.md):
/// behind if any indicator is at_risk, missed or overdue; completed if every indicator is
/// achieved; not started if every indicator is pending; on schedule otherwise.
enum class TaskProgress { completed, on_schedule, behind, not_started };
inline constexpr TaskProgress kAllProgress[] = {TaskProgress::completed, TaskProgress::on_schedule,
                                                TaskProgress::behind, TaskProgress::not_started};
/// "completed", "on_schedule", "behind", "not_started" (the JSON's names).
std::string_view to_string(TaskProgress progress);
/// 已完成, 序时推进, 滞后, 未启动.
std::string_view bulletin_words(TaskProgress progress);

/// The first report of each stored period and the newest revision's note, as they stood at the
/// bulletin's instant: what the engine does not keep.
struct ReportRecord {
    Period period;
    TimePoint first_reported{};
    std::string note;  ///< of the newest revision
};
/// Indexed like Plan::indicators (may be shorter: none for the rest); each in period order.
using ReportRecords = std::vector<std::vector<ReportRecord>>;

/// Values under review (实绩审核) at the bulletin's instant, indexed like Plan::indicators (may be
/// shorter: none for the rest): how many await a decision, how many were returned (退回) by then.
struct ReviewTallies {
    std::vector<int> awaiting;
    std::vector<int> returned;
};

/// Counts of tasks by progress and of indicators by status.
struct BulletinCounts {
    int tasks = 0;
    std::array<int, std::size(kAllProgress)> progress{};  ///< indexed by TaskProgress
    int indicators = 0;
    std::array<int, std::size(kAllStatuses)> statuses{};  ///< indexed by Status
    int& of(TaskProgress p) { return progress[static_cast<std::size_t>(p)]; }
    int of(TaskProgress p) const { return progress[static_cast<std::size_t>(p)]; }
    int& of(Status s) { return statuses[static_cast<std::size_t>(s)]; }
    int of(Status s) const { return statuses[static_cast<std::size_t>(s)]; }
};

struct BulletinSection {
    std::string name;
    BulletinCounts counts;
};

/// One category of a unit's score (考评): how many things counted, the points they give after
/// the rule's cap.
struct ScoreLine {
    ScoreOn on = ScoreOn::report_on_time;
    double count = 0;
    double points = 0;
    bool capped = false;  ///< the cap cut the category's total
};

/// One unit's line: what it leads and how its reports came in.
struct BulletinUnit {
    std::string id;
    std::string name;
    int led = 0;      ///< indicators it leads (a per-member series counts for its member)
    int due = 0;      ///< reports due by the instant (periods whose due day has ended)
    int on_time = 0;  ///< of those, first reported by the end of the due day
    int late = 0;     ///< reported after the due day
    int missing = 0;  ///< not reported by the instant
    int achieved = 0, at_risk = 0, missed = 0, overdue = 0;
    /// values submitted for review and not yet decided at the instant (a report that came: it
    /// counts in `on_time` or `late`, not `missing`), and values returned (退回) by the instant
    int awaiting_review = 0, returned = 0;
    /// on_time / due; nullopt when nothing is due yet.
    std::optional<double> on_time_rate() const {
        return due ? std::optional<double>(static_cast<double>(on_time) / due) : std::nullopt;
    }
    /// achieved / led; nullopt when it leads nothing.
    std::optional<double> achieved_rate() const {
        return led ? std::optional<double>(static_cast<double>(achieved) / led) : std::nullopt;
    }
    /// 1-based, equal for ties; 0: not ranked (nothing due yet).
    int rank = 0;
    /// With the plan's scoring rules: the score (base plus every category's points) and its
    /// breakdown in the order of the rules.
    std::optional<double> score;
    std::vector<ScoreLine> breakdown;
};

/// A report past its due day plus grace with no value at the instant.
struct BulletinOverdue {
    std::string unit, unit_name;
    std::string indicator, indicator_name;
    int task = 0;
    Period period;
    date::sys_days due_day{};
    int working_days = 0;   ///< working days after the due day, up to the instant's day
    int calendar_days = 0;  ///< calendar days after the due day
};

/// An indicator at risk or missed: its value against its target or trajectory, and why.
struct BulletinTarget {
    std::string indicator, indicator_name, measure;
    std::string unit, unit_name;
    int task = 0;
    Status status = Status::at_risk;
    std::optional<Period> period;
    std::optional<double> value, target, expected;
    std::string reason;  ///< describe(): the engine's words
};

/// A report obligation (kind `report`): percent complete and the latest progress text.
struct BulletinObligation {
    std::string indicator, indicator_name;
    std::string unit, unit_name;
    int task = 0;
    Status status = Status::pending;
    std::optional<Period> period;  ///< the latest period reported
    std::optional<double> percent;
    std::string progress;  ///< the note of its latest revision
    std::optional<TimePoint> reported_at;
};

/// An indicator newly achieved since the previous bulletin.
struct BulletinAchieved {
    std::string indicator, indicator_name;
    std::string unit, unit_name;
    int task = 0;
};

/// What changed since an earlier bulletin of the same plan (the previous one of a schedule):
/// reports newly overdue, overdue reports since reported (resolved), indicators newly achieved.
struct BulletinChanges {
    TimePoint since{};
    date::year_month_day since_day{};
    std::vector<BulletinOverdue> newly_overdue;    ///< in the order of the overdue list
    std::vector<BulletinOverdue> newly_resolved;   ///< as they stood in the earlier bulletin
    std::vector<BulletinAchieved> newly_achieved;  ///< by task
};

/// A bulletin (督查通报) of one plan at one instant. Everything in it follows from the plan, the
/// calendar and the values recorded by `as_of`: computed again later, it is the same.
struct Bulletin {
    std::string plan_id, plan_name;
    int year = 0;
    TimePoint as_of{};
    date::year_month_day as_of_day{};  ///< the instant's local day in the plan's zone
    std::string headline;  ///< 截至7月31日, 203项任务中, 已完成A项, 序时推进B项, 滞后C项…
    BulletinCounts counts;
    std::vector<BulletinSection> sections;  ///< in the plan's order
    std::vector<BulletinUnit> units;        ///< ranked first (by rank, then id), then unranked
    std::vector<BulletinOverdue> overdue;   ///< most working days overdue first
    std::vector<BulletinTarget> targets;    ///< missed first, then at risk; by task
    std::vector<BulletinObligation> obligations;  ///< by task
    std::optional<Scoring> scoring;               ///< the plan's scoring rules (考评), if any
    std::string ranking_rule;                     ///< the ranking rule, as the bulletin states it
    /// Indexes (into Plan::indicators) of the indicators achieved at the instant, ascending: what
    /// add_changes() compares; not rendered.
    std::vector<std::size_t> achieved;
    std::optional<BulletinChanges> changes;  ///< set by add_changes()
};

/// Pure: the bulletin of plan `plan` (an index into Plan::plans; 0 for a single plan) from an
/// engine holding the values as they stood at `as_of` and evaluated at `as_of`, with the first
/// reports and notes of `records`, and the units' scores by `scoring` (the plan's 考评 rules,
/// config/scoring.hpp's find_scoring) when not null, the values under review per unit from
/// `reviews` when not null (a period awaiting review in the engine counts as reported, at its
/// record's first_reported). Neither reads a clock nor a database.
Bulletin compute_bulletin(const Engine& engine, std::size_t plan, TimePoint as_of,
                          const ReportRecords& records, const Scoring* scoring = nullptr,
                          const ReviewTallies* reviews = nullptr);

/// Pure: fills `now.changes` from `before`, the bulletin of the same plan at an earlier instant,
/// and appends the sentence of the changes to the headline.
void add_changes(Bulletin& now, const Bulletin& before, const Plan& plan);

/// Working days after `from` up to and including `to` by `calendar` (Monday-Friday when null);
/// 0 when `to` is not after `from`.
int working_days_between(const WorkCalendar* calendar, date::sys_days from, date::sys_days to);

}  // namespace indicatord
