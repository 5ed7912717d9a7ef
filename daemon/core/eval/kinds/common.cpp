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

bool final_period(const Period& p) {
    return p.cadence == Cadence::year || p.last_day().month() == date::December;
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

boost::json::object json_target(Op op, double value) {
    return boost::json::object{{"op", to_string(op)}, {"value", value}};
}

}  // namespace indicatord::kinds
