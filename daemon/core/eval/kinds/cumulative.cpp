// cumulative: a year-to-date total against an annual target, on a linear or given trajectory.
#include "eval/kinds/common.hpp"
#include "eval/kinds/registry.hpp"
#include "util/yaml_util.hpp"

namespace indicatord::kinds {

namespace {

constexpr std::string_view keys[] = {"target", "trajectory", "tolerance"};

void parse(const std::filesystem::path& f, const yaml::Node& n, Indicator& ind) {
    rule::Cumulative r;
    r.target = yaml::number(f, yaml::required(f, n, "target", "cumulative indicator"), "target");
    if (auto tr = n["trajectory"]) {
        if (tr.IsScalar() && tr.Scalar() == "linear") {
        } else if (tr.IsMap()) {
            for (const auto& kv : tr) {
                auto p = parse_period(kv.first.Scalar());
                if (!p || !p->fits(ind.schedule.cadence))
                    yaml::fail(f, kv.first,
                               "trajectory period '" + kv.first.Scalar() + "' is not a " +
                                   std::string(to_string(ind.schedule.cadence)) + " period");
                if (!r.trajectory.empty() && !(r.trajectory.back().first < *p))
                    yaml::fail(f, kv.first, "trajectory periods must be in increasing order");
                const double v = yaml::number(f, kv.second, "trajectory value");
                // a year-to-date total never falls
                if (!r.trajectory.empty() && v < r.trajectory.back().second)
                    yaml::fail(f, kv.second,
                               "trajectory of a cumulative target must not decrease: " + fmt(v) +
                                   " for " + p->label() + " is below " +
                                   fmt(r.trajectory.back().second) + " for " +
                                   r.trajectory.back().first.label());
                r.trajectory.emplace_back(*p, v);
            }
        } else {
            yaml::fail(f, tr,
                       "trajectory must be 'linear' or a mapping of period to expected value");
        }
    }
    if (!r.trajectory.empty() && r.trajectory.back().second < r.target)
        yaml::fail(f, n["trajectory"],
                   "trajectory ends at " + fmt(r.trajectory.back().second) + " for " +
                       r.trajectory.back().first.label() + ", below the annual target " +
                       fmt(r.target));
    if (n["tolerance"]) {
        r.tolerance = yaml::number(f, n["tolerance"], "tolerance");
        if (r.tolerance < 0 || r.tolerance > 100)
            yaml::fail(f, n["tolerance"], "tolerance must be a percentage 0..100");
    }
    ind.rule = r;
}

// The trajectory's periods belong to the plan's year. A cumulative target counts within one
// year (year-to-date, a linear year): a plan spanning several years states its yearly or final
// figures as milestones or thresholds instead.
void resolve(const std::filesystem::path& f, const yaml::Node& n, Indicator&, const Plan& plan) {
    if (plan.end_year() != plan.year)
        yaml::fail(f, n["kind"],
                   "cumulative counts within one year, but this plan spans " + plan.years_text() +
                       ": write the yearly figures as milestones (by: 2023-12-31, value: ...) or "
                       "the final one as a threshold on the last year");
    const auto tr = n["trajectory"];
    if (!tr.IsDefined() || !tr.IsMap()) return;
    for (auto it = tr.begin(); it != tr.end(); ++it) {
        const auto p = parse_period(it->first.Scalar());
        if (p && p->year != plan.year)
            yaml::fail(f, it->first,
                       "trajectory period " + p->label() + " is outside the plan's year " +
                           std::to_string(plan.year));
    }
}

void judge(const Rule& rule, const Series&, const Observation& last, const EvalContext& ctx,
           Evaluation& e) {
    const auto& r = std::get<rule::Cumulative>(rule);
    e.target = r.target;
    double expected = 0;
    if (!r.trajectory.empty()) {
        for (const auto& [p, v] : r.trajectory)
            if (!(last.period < p)) expected = v;
    } else {
        const auto month = static_cast<unsigned>(last.period.last_day().month());
        expected = r.target * month / 12.0;
    }
    e.expected = expected;
    if (last.value >= r.target) {
        e.status = Status::achieved;
        e.reason = Reason::reached_total;
    } else if (final_period(last.period, ctx)) {
        e.status = Status::missed;
        e.reason = Reason::short_of_total;
    } else if (last.value > expected) {
        e.status = Status::on_track;
        e.reason = Reason::ahead_of_trajectory;
    } else if (last.value >= expected * (1 - r.tolerance / 100.0)) {
        e.status = Status::on_track;
        e.reason = Reason::on_trajectory;
    } else {
        e.status = Status::at_risk;
        e.reason = Reason::behind_trajectory;
    }
}

std::string reason(const Indicator&, const Evaluation& e) {
    switch (e.reason) {
        case Reason::reached_total:
            return value_text(e) + " reached the annual target " + target_text(e);
        case Reason::short_of_total:
            return value_text(e) + " is short of the annual target " + target_text(e);
        case Reason::on_trajectory:
        case Reason::behind_trajectory:
        case Reason::ahead_of_trajectory:
            return value_text(e) + " against " + (e.expected ? fmt(*e.expected) : "?") +
                   " expected by " + period_text(e) +
                   (e.reason == Reason::ahead_of_trajectory ? " (ahead of schedule)"
                    : e.reason == Reason::on_trajectory     ? " (within tolerance)"
                                                            : " (behind)");
        default:
            return {};
    }
}

void to_json(const Rule& rule, boost::json::object& out, boost::json::array& targets) {
    const auto& r = std::get<rule::Cumulative>(rule);
    targets.push_back(json_target(Op::ge, r.target));
    out["tolerance"] = r.tolerance;
    if (r.trajectory.empty()) {
        out["trajectory"] = "linear";
    } else {
        boost::json::object t;
        for (const auto& [p, v] : r.trajectory) t[p.label()] = v;
        out["trajectory"] = std::move(t);
    }
}

}  // namespace

constinit const Kind cumulative{
    .syntax = {.name = "cumulative", .keys = keys, .parse = parse, .resolve = resolve},
    .judge = judge,
    .reason = reason,
    .to_json = to_json,
    .statistic = true,
};

}  // namespace indicatord::kinds
