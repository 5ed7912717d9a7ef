#include "evaluate.hpp"

#include <muParser.h>

#include <algorithm>
#include <cmath>
#include <deque>
#include <map>

namespace indicatord {

std::string_view to_string(Status s) {
    switch (s) {
        case Status::pending: return "pending";
        case Status::on_track: return "on_track";
        case Status::at_risk: return "at_risk";
        case Status::missed: return "missed";
        case Status::achieved: return "achieved";
        case Status::overdue: return "overdue";
        case Status::no_data: return "no_data";
    }
    return "no_data";
}

const Observation* Series::at(const Period& p) const {
    auto it = std::lower_bound(periods.begin(), periods.end(), p,
                               [](const Observation& o, const Period& q) { return o.period < q; });
    return it != periods.end() && it->period == p ? &*it : nullptr;
}

void Series::put(const Observation& obs) {
    auto it = std::lower_bound(periods.begin(), periods.end(), obs.period,
                               [](const Observation& o, const Period& q) { return o.period < q; });
    if (it != periods.end() && it->period == obs.period) *it = obs;
    else periods.insert(it, obs);
}

namespace {

using date::days;
using date::sys_days;

sys_days add_offset(sys_days day, DayOffset off) {
    if (!off.working_days) return day + days(off.days);
    // Until working-day calendars are loaded, a working day is Monday to Friday.
    int left = off.days;
    while (left > 0) {
        day += days(1);
        date::weekday wd{day};
        if (wd != date::Saturday && wd != date::Sunday) --left;
    }
    return day;
}

TimePoint local_midnight(sys_days local_day, const date::time_zone* zone) {
    if (!zone) return std::chrono::time_point_cast<std::chrono::milliseconds>(local_day);
    auto local = date::local_days{local_day.time_since_epoch()};
    return std::chrono::time_point_cast<std::chrono::milliseconds>(
        zone->to_sys(local, date::choose::earliest));
}

bool final_period(const Period& p) {
    return p.last_day().month() == date::December;
}

// The earliest period of the plan year whose report is past due plus grace with no value.
std::optional<Period> overdue_period(const Indicator& ind, const Series& s, const EvalContext& ctx) {
    for (const auto& p : periods_of_year(ind.schedule.cadence, ctx.plan_year)) {
        if (ctx.now < overdue_time(p, ind.schedule, ctx.zone)) break;
        if (s.at(p)) continue;
        // a later period's value covers an earlier one for year-to-date series
        const auto* last = s.latest();
        if (ind.ytd && last && p < last->period) continue;
        return p;
    }
    return std::nullopt;
}

std::optional<TimePoint> next_due(const Indicator& ind, const Series& s, const EvalContext& ctx) {
    for (const auto& p : periods_of_year(ind.schedule.cadence, ctx.plan_year)) {
        if (s.at(p)) continue;
        return due_time(p, ind.schedule, ctx.zone);
    }
    return std::nullopt;
}

std::string fmt(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

// Value-vs-goal verdict shared by the kinds whose latest value is held against a fixed goal.
void verdict(Evaluation& e, bool met, bool final) {
    if (met) e.status = final ? Status::achieved : Status::on_track;
    else e.status = final ? Status::missed : Status::at_risk;
}

struct KindEvaluator {
    const Indicator& ind;
    const Series& s;
    const EvalContext& ctx;
    Evaluation& e;
    const Observation* last;

    void operator()(const rule::Threshold& r) {
        e.target = r.target;
        const bool met = compare(r.op, last->value, r.target, r.high);
        verdict(e, met, final_period(last->period));
        e.reason = fmt(last->value) + " " + (met ? "meets" : "does not meet") + " " +
                   std::string(to_string(r.op)) + " " + fmt(r.target) +
                   (r.op == Op::between ? ".." + fmt(r.high) : "") + " for " + last->period.label();
    }
    void operator()(const rule::Cumulative& r) {
        e.target = r.target;
        double expected = r.target;
        if (!r.trajectory.empty()) {
            for (auto& [p, v] : r.trajectory)
                if (!(last->period < p)) expected = v;
            if (last->period < r.trajectory.front().first) expected = 0;
        } else {
            const unsigned month = static_cast<unsigned>(last->period.last_day().month());
            expected = r.target * month / 12.0;
        }
        e.expected = expected;
        if (last->value >= r.target) {
            e.status = Status::achieved;
            e.reason = fmt(last->value) + " reached the annual target " + fmt(r.target);
            return;
        }
        if (final_period(last->period)) {
            e.status = Status::missed;
            e.reason = fmt(last->value) + " is short of the annual target " + fmt(r.target);
            return;
        }
        const bool ok = last->value >= expected * (1 - r.tolerance / 100.0);
        e.status = ok ? Status::on_track : Status::at_risk;
        e.reason = fmt(last->value) + " against " + fmt(expected) + " expected by " + last->period.label();
    }
    void operator()(const rule::Milestones& r) {
        // The latest milestone whose deadline has passed and whose period has a value decides.
        const rule::Milestone* decided = nullptr;
        const Observation* value = nullptr;
        for (const auto& m : r.milestones) {
            const Observation* v = nullptr;
            for (const auto& o : s.periods)
                if (date::sys_days{o.period.last_day()} <= date::sys_days{m.by}) v = &o;
            if (!v) continue;
            if (date::sys_days{v->period.last_day()} == date::sys_days{m.by} ||
                local_midnight(date::sys_days{m.by} + days(1), ctx.zone) <= ctx.now) {
                decided = &m;
                value = v;
            }
        }
        const rule::Milestone* next = nullptr;
        for (const auto& m : r.milestones)
            if (!decided || date::sys_days{decided->by} < date::sys_days{m.by}) {
                next = &m;
                break;
            }
        if (decided) {
            e.target = decided->value;
            e.value = value->value;
            e.period = value->period;
            const bool met = compare(decided->op, value->value, decided->value);
            if (!met) {
                e.status = Status::missed;
            } else {
                e.status = next ? Status::on_track : Status::achieved;
            }
            e.reason = fmt(value->value) + (met ? " meets " : " misses ") + "the milestone " +
                       std::string(to_string(decided->op)) + " " + fmt(decided->value) + " by " +
                       date::format("%F", date::sys_days{decided->by});
            return;
        }
        e.target = next->value;
        const bool met = compare(next->op, last->value, next->value);
        e.status = met ? Status::on_track : Status::at_risk;
        e.reason = fmt(last->value) + " against the next milestone " + fmt(next->value) + " by " +
                   date::format("%F", date::sys_days{next->by});
    }
    void operator()(const rule::Expression&) {}
    void operator()(const rule::Achievement& r) {
        const bool done = last->value >= 1;
        const bool past = local_midnight(date::sys_days{r.deadline} + days(1), ctx.zone) <= ctx.now;
        e.target = 1;
        e.status = done ? Status::achieved : (past ? Status::missed : Status::on_track);
        e.reason = done ? "achieved" : (past ? "not achieved by the deadline" : "not yet achieved");
    }
    void operator()(const rule::Baseline& r) {
        std::optional<double> base = r.baseline;
        if (!base) {
            Period prev = last->period;
            prev.year -= 1;
            if (const auto* o = s.at(prev)) base = o->value;
        }
        if (!base) {
            e.status = Status::no_data;
            e.reason = "no previous-year value to compare with";
            return;
        }
        e.target = *base;
        const bool met = compare(r.op, last->value, *base);
        verdict(e, met, final_period(last->period));
        e.reason = fmt(last->value) + (met ? " is " : " is not ") + std::string(to_string(r.op)) +
                   " the baseline " + fmt(*base);
    }
    void operator()(const rule::Rank& r) {
        e.target = r.target;
        const bool met = compare(r.op, last->value, r.target);
        verdict(e, met, final_period(last->period));
        e.reason = "rank " + fmt(last->value) + (met ? " meets " : " misses ") + "the target " + fmt(r.target);
    }
    void operator()(const rule::Report&) {
        e.target = 100;
        e.status = last->value >= 100 ? Status::achieved : Status::on_track;
        e.reason = "progress " + fmt(last->value) + "% reported for " + last->period.label();
    }
    void operator()(const rule::Value&) {
        e.status = Status::on_track;
        e.reason = "reported for " + last->period.label();
    }
};

Evaluation evaluate_expression(const rule::Expression& r, const EvalContext& ctx) {
    Evaluation e;
    std::map<std::string, double> values;
    std::optional<Period> common;
    for (const auto& key : r.inputs) {
        const Series* in = ctx.series_of ? ctx.series_of(key) : nullptr;
        if (!in || !in->latest()) {
            e.status = Status::no_data;
            e.reason = "no value yet for input '" + key + "'";
            return e;
        }
        values[key] = in->latest()->value;
        if (!common || in->latest()->period < *common) common = in->latest()->period;
    }
    mu::Parser p;
    try {
        for (auto& [k, v] : values) p.DefineVar(k, &v);
        p.SetExpr(r.expr);
        const double result = p.Eval();
        e.value = result;
        e.period = common;
        const bool final = common && final_period(*common);
        verdict(e, result != 0, final);
        e.reason = r.expr + (result != 0 ? " holds" : " does not hold");
    } catch (const mu::Parser::exception_type& ex) {
        e.status = Status::no_data;
        e.reason = "expression failed: " + ex.GetMsg();
    }
    return e;
}

}  // namespace

TimePoint due_time(const Period& period, const ReportSchedule& schedule, const date::time_zone* zone) {
    auto day = add_offset(sys_days{period.last_day()}, schedule.due);
    return local_midnight(day + days(1), zone);
}

TimePoint overdue_time(const Period& period, const ReportSchedule& schedule, const date::time_zone* zone) {
    auto day = add_offset(add_offset(sys_days{period.last_day()}, schedule.due), schedule.grace);
    return local_midnight(day + days(1), zone);
}

Evaluation evaluate(const Indicator& ind, const Series& s, const EvalContext& ctx) {
    if (const auto* r = std::get_if<rule::Expression>(&ind.rule)) return evaluate_expression(*r, ctx);
    Evaluation e;
    e.next_due = next_due(ind, s, ctx);
    const Observation* last = s.latest();
    if (last) {
        e.value = last->value;
        e.period = last->period;
        std::visit(KindEvaluator{ind, s, ctx, e, last}, ind.rule);
    }
    if (e.status == Status::achieved || e.status == Status::missed) return e;
    if (auto p = overdue_period(ind, s, ctx)) {
        e.status = Status::overdue;
        e.reason = "report for " + p->label() + " is past its due date plus grace";
        return e;
    }
    if (!last) {
        e.status = Status::pending;
        e.reason = "nothing due yet";
    }
    return e;
}

}  // namespace indicatord
