#include "eval/evaluate.hpp"

#include <muParser.h>

#include <algorithm>
#include <cmath>
#include <deque>

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

TimePoint DueDates::remind(const Period& p, const ReportSchedule& s) const {
    const auto day = due_day(p, s);
    DayOffset back{-s.remind.days, s.remind.working_days};
    return end_of(add(day, back) - days(1));
}

// --- expressions -----------------------------------------------------------------------------

struct ExpressionProgram::Impl {
    mu::Parser parser;
    std::vector<double> vars;
};

ExpressionProgram::ExpressionProgram(const rule::Expression& r) : impl_(std::make_shared<Impl>()) {
    impl_->vars.resize(r.inputs.size());
    for (std::size_t i = 0; i < r.inputs.size(); ++i)
        impl_->parser.DefineVar(r.inputs[i], &impl_->vars[i]);
    impl_->parser.SetExpr(r.expr);
}

double ExpressionProgram::eval(std::span<const double> inputs) const {
    std::copy(inputs.begin(), inputs.end(), impl_->vars.begin());
    return impl_->parser.Eval();
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

Period period_containing(const date::year_month_day& d, Cadence c) {
    const int y = static_cast<int>(d.year());
    const auto m = static_cast<int>(static_cast<unsigned>(d.month()));
    switch (c) {
        case Cadence::month:
            return Period{c, y, m};
        case Cadence::quarter:
            return Period{c, y, (m - 1) / 3 + 1};
        case Cadence::half:
            return Period{c, y, (m - 1) / 6 + 1};
        default:
            return Period{Cadence::year, y, 0};
    }
}

bool final_period(const Period& p) {
    return p.cadence == Cadence::year || p.last_day().month() == date::December;
}

TimePoint end_of_day(const EvalContext& ctx, const date::year_month_day& d) {
    if (ctx.dues) return ctx.dues->end_of(sys_days{d});
    return std::chrono::time_point_cast<std::chrono::milliseconds>(sys_days{d} + days(1));
}

// The earliest period of the plan year whose report is past due plus grace with no value.
std::optional<Period> overdue_period(const Indicator& ind, const Series& s,
                                     const EvalContext& ctx) {
    const auto* last = s.latest();
    const int n = periods_in_year(ind.schedule.cadence);
    for (int i = 1; i <= n; ++i) {
        const auto p = nth_period(ind.schedule.cadence, ctx.plan_year, i);
        if (ctx.now < ctx.dues->overdue(p, ind.schedule)) break;
        if (s.at(p)) continue;
        if (ind.ytd && last && p < last->period) continue;  // a later year-to-date value covers it
        return p;
    }
    return std::nullopt;
}

std::optional<TimePoint> next_due(const Indicator& ind, const Series& s, const EvalContext& ctx) {
    const int n = periods_in_year(ind.schedule.cadence);
    for (int i = 1; i <= n; ++i) {
        const auto p = nth_period(ind.schedule.cadence, ctx.plan_year, i);
        if (!s.at(p)) return ctx.dues->due(p, ind.schedule);
    }
    return std::nullopt;
}

void verdict(Evaluation& e, bool met, bool final) {
    if (met)
        e.status = final ? Status::achieved : Status::on_track;
    else
        e.status = final ? Status::missed : Status::at_risk;
    e.reason = met ? Reason::meets : Reason::misses;
}

struct KindEvaluator {
    const Series& s;
    const EvalContext& ctx;
    Evaluation& e;
    const Observation* last;

    void operator()(const rule::Threshold& r) {
        e.target = r.target;
        verdict(e, compare(r.op, last->value, r.target, r.high), final_period(last->period));
    }
    void operator()(const rule::Cumulative& r) {
        e.target = r.target;
        double expected = 0;
        if (!r.trajectory.empty()) {
            for (const auto& [p, v] : r.trajectory)
                if (!(last->period < p)) expected = v;
        } else {
            const auto month = static_cast<unsigned>(last->period.last_day().month());
            expected = r.target * month / 12.0;
        }
        e.expected = expected;
        if (last->value >= r.target) {
            e.status = Status::achieved;
            e.reason = Reason::reached_total;
        } else if (final_period(last->period)) {
            e.status = Status::missed;
            e.reason = Reason::short_of_total;
        } else if (last->value >= expected * (1 - r.tolerance / 100.0)) {
            e.status = Status::on_track;
            e.reason = Reason::on_trajectory;
        } else {
            e.status = Status::at_risk;
            e.reason = Reason::behind_trajectory;
        }
    }
    void operator()(const rule::Milestones& r) {
        // A milestone is decided once the period containing its date has a value; the latest
        // decided milestone sets the status. Before any is decided, the latest value is held
        // against the first milestone.
        const rule::Milestone* decided = nullptr;
        const Observation* value = nullptr;
        for (const auto& m : r.milestones) {
            if (const auto* v = s.at(period_containing(m.by, last->period.cadence))) {
                decided = &m;
                value = v;
            }
        }
        const rule::Milestone* next = nullptr;
        for (const auto& m : r.milestones)
            if (!decided || sys_days{decided->by} < sys_days{m.by}) {
                next = &m;
                break;
            }
        if (decided) {
            e.target = decided->value;
            e.value = value->value;
            e.period = value->period;
            e.milestone_by = decided->by;
            const bool met = compare(decided->op, value->value, decided->value);
            e.status = !met ? Status::missed : (next ? Status::on_track : Status::achieved);
            e.reason = met ? Reason::milestone_met : Reason::milestone_missed;
            return;
        }
        e.target = next->value;
        e.milestone_by = next->by;
        e.status = compare(next->op, last->value, next->value) ? Status::on_track : Status::at_risk;
        e.reason = Reason::toward_milestone;
    }
    void operator()(const rule::Expression&) {}
    void operator()(const rule::Achievement& r) {
        e.target = 1;
        const bool done = last->value >= 1;
        const bool past = end_of_day(ctx, r.deadline) <= ctx.now;
        e.status = done ? Status::achieved : (past ? Status::missed : Status::on_track);
        e.reason = done ? Reason::achieved
                        : (past ? Reason::not_achieved_past_deadline : Reason::not_yet_achieved);
    }
    void operator()(const rule::Baseline& r) {
        std::optional<double> base = r.baseline;
        if (!base) {
            Period prev = last->period;
            prev.year -= 1;
            if (prev.year < ctx.plan_year - 1) return;  // a previous-year value was reported last
            if (const auto* o = s.at(prev)) base = o->value;
        }
        if (!base) {
            e.status = Status::no_data;
            e.reason = Reason::no_baseline;
            return;
        }
        e.target = *base;
        verdict(e, compare(r.op, last->value, *base), final_period(last->period));
    }
    void operator()(const rule::Rank& r) {
        e.target = r.target;
        verdict(e, compare(r.op, last->value, r.target), final_period(last->period));
    }
    void operator()(const rule::Report&) {
        e.target = 100;
        e.status = last->value >= 100 ? Status::achieved : Status::on_track;
        e.reason = Reason::progress_reported;
    }
    void operator()(const rule::Value&) {
        e.status = Status::on_track;
        e.reason = Reason::reported;
    }
};

Evaluation evaluate_expression(const Indicator& ind, const rule::Expression& r,
                               const EvalContext& ctx) {
    Evaluation e;
    double values[16];
    std::vector<double> more;
    double* v = values;
    if (r.inputs.size() > std::size(values)) {
        more.resize(r.inputs.size());
        v = more.data();
    }
    std::optional<Period> common;
    for (std::size_t i = 0; i < r.inputs.size(); ++i) {
        const Series* in = ctx.series_of ? ctx.series_of(r.inputs[i]) : nullptr;
        if (!in || !in->latest()) {
            e.status = Status::no_data;
            e.reason = Reason::expression_no_input;
            e.input = i;
            return e;
        }
        v[i] = in->latest()->value;
        if (!common || in->latest()->period < *common) common = in->latest()->period;
    }
    const ExpressionProgram* program = ctx.program_of ? ctx.program_of(ind) : nullptr;
    std::optional<ExpressionProgram> local;
    if (!program) program = &local.emplace(r);
    const double result = program->eval({v, r.inputs.size()});
    e.value = result;
    e.period = common;
    verdict(e, result != 0, common && final_period(*common));
    e.reason = result != 0 ? Reason::expression_holds : Reason::expression_fails;
    return e;
}

std::string fmt(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

}  // namespace

Evaluation evaluate(const Indicator& ind, const Series& s, const EvalContext& ctx) {
    if (const auto* r = std::get_if<rule::Expression>(&ind.rule))
        return evaluate_expression(ind, *r, ctx);
    Evaluation e;
    e.next_due = next_due(ind, s, ctx);
    const Observation* last = s.latest();
    if (last) {
        e.value = last->value;
        e.period = last->period;
        std::visit(KindEvaluator{s, ctx, e, last}, ind.rule);
    }
    if (e.status == Status::achieved || e.status == Status::missed) return e;
    if (auto p = overdue_period(ind, s, ctx)) {
        e.status = Status::overdue;
        e.reason = Reason::report_overdue;
        e.overdue_period = p;
        return e;
    }
    if (!last) {
        e.status = Status::pending;
        e.reason = Reason::nothing_due;
    }
    return e;
}

std::string describe(const Indicator& ind, const Evaluation& e) {
    const std::string value = e.value ? fmt(*e.value) : "?";
    const std::string period = e.period ? e.period->label() : "?";
    const std::string target = e.target ? fmt(*e.target) : "?";
    const std::string by = e.milestone_by ? date::format("%F", sys_days{*e.milestone_by}) : "?";
    auto op_text = [&]() -> std::string {
        if (const auto* t = std::get_if<rule::Threshold>(&ind.rule)) {
            if (t->op == Op::between) return "between " + fmt(t->target) + " and " + fmt(t->high);
            return std::string(to_string(t->op)) + " " + fmt(t->target);
        }
        if (const auto* b = std::get_if<rule::Baseline>(&ind.rule))
            return std::string(to_string(b->op)) + " the baseline " + target;
        if (const auto* r = std::get_if<rule::Rank>(&ind.rule))
            return "rank " + std::string(to_string(r->op)) + " " + target;
        return "the target " + target;
    };
    switch (e.reason) {
        case Reason::nothing_due:
            return "nothing due yet";
        case Reason::report_overdue:
            return "the report for " +
                   (e.overdue_period ? e.overdue_period->label() : std::string("?")) +
                   " is past its due date plus grace";
        case Reason::meets:
            return value + " meets " + op_text() + " for " + period;
        case Reason::misses:
            return value + " does not meet " + op_text() + " for " + period;
        case Reason::reached_total:
            return value + " reached the annual target " + target;
        case Reason::short_of_total:
            return value + " is short of the annual target " + target;
        case Reason::on_trajectory:
        case Reason::behind_trajectory:
            return value + " against " + (e.expected ? fmt(*e.expected) : "?") + " expected by " +
                   period +
                   (e.reason == Reason::on_trajectory ? " (within tolerance)" : " (behind)");
        case Reason::milestone_met:
            return value + " meets the milestone " + target + " due " + by;
        case Reason::milestone_missed:
            return value + " misses the milestone " + target + " due " + by;
        case Reason::toward_milestone:
            return value + " against the next milestone " + target + " due " + by;
        case Reason::achieved:
            return "achieved";
        case Reason::not_achieved_past_deadline:
            return "not achieved by the deadline";
        case Reason::not_yet_achieved:
            return "not yet achieved";
        case Reason::no_baseline:
            return "no previous-year value to compare with";
        case Reason::progress_reported:
            return "progress " + value + "% reported for " + period;
        case Reason::reported:
            return "reported for " + period;
        case Reason::expression_holds:
        case Reason::expression_fails: {
            const auto& x = std::get<rule::Expression>(ind.rule);
            return x.expr + (e.reason == Reason::expression_holds ? " holds" : " does not hold");
        }
        case Reason::expression_no_input: {
            const auto& x = std::get<rule::Expression>(ind.rule);
            return "no value yet for input '" +
                   (e.input < x.inputs.size() ? x.inputs[e.input] : std::string("?")) + "'";
        }
    }
    return "";
}

}  // namespace indicatord
