#include "eval/kinds/common.hpp"

#include <cstdio>

namespace indicatord::kinds {

std::string fmt(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

std::string iso(const date::year_month_day& d) {
    return date::format("%F", date::sys_days{d});
}

// The year's last period, of the plan's last year (a plan of 2021-2025 decides in 2025).
bool final_period(const Period& p, const EvalContext& ctx) {
    return (p.cadence == Cadence::year || p.last_day().month() == date::December) &&
           p.year >= ctx.last_year();
}

void verdict(Evaluation& e, bool met, bool final) {
    if (met)
        e.status = final ? Status::achieved : Status::on_track;
    else
        e.status = final ? Status::missed : Status::at_risk;
    e.reason = met ? Reason::meets : Reason::misses;
}

TimePoint end_of_day(const EvalContext& ctx, const date::year_month_day& d) {
    if (ctx.dues) return ctx.dues->end_of(date::sys_days{d});
    return std::chrono::time_point_cast<std::chrono::milliseconds>(date::sys_days{d} +
                                                                   date::days(1));
}

std::string value_text(const Evaluation& e) {
    return e.value ? fmt(*e.value) : "?";
}

std::string period_text(const Evaluation& e) {
    return e.period ? e.period->label() : "?";
}

std::string target_text(const Evaluation& e) {
    return e.target ? fmt(*e.target) : "?";
}

std::string verdict_text(const Evaluation& e, const std::string& held_to) {
    if (e.reason == Reason::meets)
        return value_text(e) + " meets " + held_to + " for " + period_text(e);
    if (e.reason == Reason::misses)
        return value_text(e) + " does not meet " + held_to + " for " + period_text(e);
    return {};
}

Span span_of(const Period& p, bool ytd) {
    const date::sys_days to{p.last_day()};
    if (ytd)
        return Span{
            date::sys_days{date::year_month_day{date::year{p.year}, date::January, date::day{1}}},
            to};
    return Span{date::sys_days{p.first_day()}, to};
}

std::optional<Period> period_with_span(const SeriesShape& shape, const Span& span) {
    const int year = static_cast<int>(date::year_month_day{span.to}.year());
    for (const auto& p : periods_of_year(shape.schedule.cadence, year))
        if (span_of(p, shape.ytd) == span) return p;
    return std::nullopt;
}

LikeForLike like_for_like(std::span<const std::string> keys, std::span<const SeriesShape> shapes,
                          const EvalContext& ctx, Evaluation& e) {
    LikeForLike out;
    std::vector<const Series*> series(keys.size(), nullptr);
    bool any = false;
    for (std::size_t i = 0; i < keys.size(); ++i) {
        series[i] = ctx.series_of ? ctx.series_of(keys[i]) : nullptr;
        any = any || (series[i] && series[i]->latest());
    }
    if (!any) {
        e.status = Status::no_data;
        e.reason = Reason::expression_no_input;
        e.input = 0;
        return out;
    }
    // the latest span among the values reported that every input can be reported for
    std::optional<Span> best;
    for (std::size_t i = 0; i < keys.size(); ++i) {
        if (!series[i]) continue;
        for (const auto& o : series[i]->periods) {
            const auto span = span_of(o.period, shapes[i].ytd);
            if (best && span.to <= best->to) continue;
            bool common = true;
            for (const auto& shape : shapes) common = common && period_with_span(shape, span);
            if (common) best = span;
        }
    }
    if (!best) {
        e.status = Status::pending;
        e.reason = Reason::no_common_period;
        return out;
    }
    out.values.resize(keys.size());
    for (std::size_t i = 0; i < keys.size(); ++i) {
        const auto p = *period_with_span(shapes[i], *best);
        out.values[i] = series[i] ? series[i]->at(p) : nullptr;
        if (out.values[i]) continue;
        const bool due = !ctx.dues || ctx.dues->due(p, shapes[i].schedule) <= ctx.now;
        e.status = due ? Status::no_data : Status::pending;
        e.reason = due ? Reason::input_missing : Reason::input_pending;
        e.input = i;
        e.input_period = p;
        out.values.clear();
        return out;
    }
    out.ok = true;
    return out;
}

std::string input_text(std::span<const std::string> keys, const Evaluation& e) {
    const std::string key = e.input < keys.size() ? keys[e.input] : std::string("?");
    const std::string period = e.input_period ? e.input_period->label() : std::string("?");
    switch (e.reason) {
        case Reason::expression_no_input:
            return "no value yet for input '" + key + "'";
        case Reason::input_pending:
            return "waiting for '" + key + "' for " + period + " (not due yet)";
        case Reason::input_missing:
            return "no value of '" + key + "' for " + period +
                   " to compare with (past its due date)";
        case Reason::no_common_period:
            return "no period reported yet that every input has (each is compared for the same "
                   "period only)";
        default:
            return {};
    }
}

boost::json::object json_target(Op op, double value) {
    return boost::json::object{{"op", to_string(op)}, {"value", value}};
}

}  // namespace indicatord::kinds
