#include "eval/evaluate.hpp"

#include <algorithm>

#include "eval/kinds/registry.hpp"

namespace indicatord {

using date::days;
using date::sys_days;

std::string_view to_string(Status s) {
    switch (s) {
        case Status::pending:
            return "pending";
        case Status::on_track:
            return "on_track";
        case Status::at_risk:
            return "at_risk";
        case Status::missed:
            return "missed";
        case Status::achieved:
            return "achieved";
        case Status::overdue:
            return "overdue";
        case Status::no_data:
            return "no_data";
    }
    return "no_data";
}

std::string_view status_words(Status status) {
    switch (status) {
        case Status::pending:
            return "未到期";
        case Status::on_track:
            return "正常推进";
        case Status::at_risk:
            return "有风险";
        case Status::missed:
            return "未达标";
        case Status::achieved:
            return "已完成";
        case Status::overdue:
            return "逾期未报";
        case Status::no_data:
            return "无数据";
    }
    return "";
}

std::optional<Status> parse_status(std::string_view text) {
    for (auto s : kAllStatuses)
        if (to_string(s) == text) return s;
    return std::nullopt;
}

const Observation* Series::at(const Period& p) const {
    auto it = std::lower_bound(periods.begin(), periods.end(), p,
                               [](const Observation& o, const Period& q) { return o.period < q; });
    return it != periods.end() && it->period == p ? &*it : nullptr;
}

void Series::put(const Observation& obs) {
    auto it = std::lower_bound(periods.begin(), periods.end(), obs.period,
                               [](const Observation& o, const Period& q) { return o.period < q; });
    if (it != periods.end() && it->period == obs.period)
        *it = obs;
    else
        periods.insert(it, obs);
}

bool Series::awaits(const Period& p) const {
    return std::binary_search(awaiting.begin(), awaiting.end(), p);
}

void Series::set_awaiting(const Period& p, bool waiting) {
    auto it = std::lower_bound(awaiting.begin(), awaiting.end(), p);
    const bool has = it != awaiting.end() && *it == p;
    if (waiting && !has) awaiting.insert(it, p);
    if (!waiting && has) awaiting.erase(it);
}

// --- due dates -------------------------------------------------------------------------------

sys_days DueDates::add(sys_days day, DayOffset off) const {
    if (!off.working_days) return day + days(off.days);
    if (calendar_) return calendar_->add_working_days(day, off.days);
    WorkCalendar weekdays;  // Monday to Friday
    return weekdays.add_working_days(day, off.days);
}

sys_days DueDates::due_day(const Period& period, const ReportSchedule& s) const {
    const auto day = add(sys_days{period.last_day()}, s.due);
    return calendar_ ? calendar_->next_working_day(day) : day;
}

TimePoint DueDates::end_of(sys_days day) const {
    const auto next = day + days(1);
    if (!zone_) return std::chrono::time_point_cast<std::chrono::milliseconds>(next);
    return std::chrono::time_point_cast<std::chrono::milliseconds>(
        zone_->to_sys(date::local_days{next.time_since_epoch()}, date::choose::earliest));
}

const DueDates::Cached& DueDates::lookup(const Period& p, const ReportSchedule& s) const {
    const std::uint64_t key = (static_cast<std::uint64_t>(p.year) << 48) |
                              (static_cast<std::uint64_t>(p.cadence) << 44) |
                              (static_cast<std::uint64_t>(p.index) << 36) |
                              (static_cast<std::uint64_t>(s.due.days & 0x3ff) << 25) |
                              (static_cast<std::uint64_t>(s.due.working_days) << 24) |
                              (static_cast<std::uint64_t>(s.grace.days & 0x3ff) << 13) |
                              (static_cast<std::uint64_t>(s.grace.working_days) << 12);
    auto it = cache_.find(key);
    if (it != cache_.end()) return it->second;
    const auto day = due_day(p, s);
    Cached c{end_of(day), end_of(add(day, s.grace))};
    return cache_.emplace(key, c).first->second;
}

TimePoint DueDates::due(const Period& p, const ReportSchedule& s) const {
    return lookup(p, s).due;
}
TimePoint DueDates::overdue(const Period& p, const ReportSchedule& s) const {
    return lookup(p, s).overdue;
}

TimePoint DueDates::overdue_after(sys_days day, const ReportSchedule& s) const {
    return end_of(add(day, s.grace));
}

TimePoint DueDates::remind(const Period& p, const ReportSchedule& s) const {
    const auto day = due_day(p, s);
    DayOffset back{-s.remind.days, s.remind.working_days};
    return end_of(add(day, back) - days(1));
}

// --- evaluation ------------------------------------------------------------------------------

namespace {

int periods_in_year(Cadence c) {
    switch (c) {
        case Cadence::month:
            return 12;
        case Cadence::quarter:
            return 4;
        case Cadence::half:
            return 2;
        default:
            return 1;
    }
}

Period nth_period(Cadence c, int year, int i) {
    if (c == Cadence::year || c == Cadence::once) return Period{Cadence::year, year, 0};
    return Period{c, year, i};
}

// A month with no separate report (`skip:`, 1-2月): never owed, never overdue.
bool skipped(const ReportSchedule& schedule, int index) {
    return schedule.cadence == Cadence::month && schedule.skips(index);
}

// The earliest period of the plan's years whose report is past due plus grace with no value.
std::optional<Period> overdue_period(const Indicator& ind, const Series& s,
                                     const EvalContext& ctx) {
    const auto* last = s.latest();
    const int n = periods_in_year(ind.schedule.cadence);
    const int once = ind.schedule.cadence == Cadence::once ? ctx.plan_year : ctx.last_year();
    for (int year = ctx.plan_year; year <= once; ++year)
        for (int i = 1; i <= n; ++i) {
            if (skipped(ind.schedule, i)) continue;
            const auto p = nth_period(ind.schedule.cadence, year, i);
            if (ctx.now < ctx.dues->overdue(p, ind.schedule)) return std::nullopt;
            // a value awaiting review was reported on time: the unit did its part
            if (s.at(p) || s.awaits(p)) continue;
            // a later year-to-date value of the same year covers it
            if (ind.ytd && last && p < last->period && p.year == last->period.year) continue;
            if (ind.ytd && !s.awaiting.empty() && p < s.awaiting.back() &&
                p.year == s.awaiting.back().year)
                continue;
            return p;
        }
    return std::nullopt;
}

std::optional<TimePoint> next_due(const Indicator& ind, const Series& s, const EvalContext& ctx) {
    const int n = periods_in_year(ind.schedule.cadence);
    const int once = ind.schedule.cadence == Cadence::once ? ctx.plan_year : ctx.last_year();
    for (int year = ctx.plan_year; year <= once; ++year)
        for (int i = 1; i <= n; ++i) {
            if (skipped(ind.schedule, i)) continue;
            const auto p = nth_period(ind.schedule.cadence, year, i);
            if (!s.at(p) && !s.awaits(p)) return ctx.dues->due(p, ind.schedule);
        }
    return std::nullopt;
}

}  // namespace

Evaluation evaluate(const Indicator& ind, const Series& s, const EvalContext& ctx) {
    const auto& kind = kinds::of(ind.rule);
    if (kind.derive) return kind.derive(ind, ctx);
    Evaluation e;
    if (!s.awaiting.empty()) e.awaiting_review = s.awaiting.back();
    e.next_due = next_due(ind, s, ctx);
    const Observation* last = s.latest();
    if (last) {
        e.value = last->value;
        e.period = last->period;
        kind.judge(ind.rule, s, *last, ctx, e);
    }
    if (e.status == Status::achieved || e.status == Status::missed) return e;
    if (kind.deadline && !last && s.awaiting.empty() && ctx.dues) {
        // owed by a date inside the year (6月底前完成): overdue from that day plus grace
        if (const auto by = kind.deadline(ind.rule)) {
            if (ctx.dues->overdue_after(sys_days{*by}, ind.schedule) <= ctx.now) {
                e.status = Status::overdue;
                e.reason = Reason::deadline_unreported;
                return e;
            }
            const auto due = ctx.dues->end_of(sys_days{*by});
            if (!e.next_due || due < *e.next_due) e.next_due = due;
        }
    }
    if (auto p = overdue_period(ind, s, ctx)) {
        e.status = Status::overdue;
        e.reason = Reason::report_overdue;
        e.overdue_period = p;
        return e;
    }
    if (!last) {
        e.status = Status::pending;
        e.reason = e.awaiting_review ? Reason::awaiting_review : Reason::nothing_due;
    }
    return e;
}

// The reasons every reported kind may give; the rest are the kind's own (eval/kinds/).
namespace {
std::string describe_reason(const Indicator& ind, const Evaluation& e) {
    switch (e.reason) {
        case Reason::nothing_due:
            return "nothing due yet";
        case Reason::awaiting_review:
            return "nothing approved yet";
        case Reason::report_overdue:
            return "the report for " +
                   (e.overdue_period ? e.overdue_period->label() : std::string("?")) +
                   " is past its due date plus grace";
        default:
            return kinds::of(ind.rule).reason(ind, e);
    }
}
}  // namespace

std::string describe(const Indicator& ind, const Evaluation& e) {
    auto text = describe_reason(ind, e);
    if (e.awaiting_review)
        text += "; the value for " + e.awaiting_review->label() + " awaits review (审核中)";
    return text;
}

}  // namespace indicatord
