// baseline: the latest value against a fixed baseline or the previous year's reported value;
// `change: +1.5` (points, 提高1.5个百分点) or `change_pct: +10` (percent) moves the target off the
// baseline; `op: "=="` with a tolerance is 持平 (level with it).
#include <cmath>

#include "eval/kinds/common.hpp"
#include "eval/kinds/registry.hpp"
#include "util/errors.hpp"
#include "util/yaml_util.hpp"

namespace indicatord::kinds {

namespace {

constexpr std::string_view keys[] = {"op", "baseline", "change", "change_pct", "tolerance", "from"};

void parse(const std::filesystem::path& f, const yaml::Node& n, Indicator& ind) {
    rule::Baseline r;
    if (n["change"] && n["change_pct"])
        yaml::fail(f, n["change_pct"], "a baseline has either 'change' or 'change_pct', not both");
    if (n["change"]) r.change = yaml::number(f, n["change"], "change");
    if (n["change_pct"]) r.change_pct = yaml::number(f, n["change_pct"], "change_pct");
    const double change = r.change ? *r.change : r.change_pct.value_or(0);
    if (r.change || r.change_pct)
        r.op = yaml_op(f, n["op"], change < 0 ? Op::le : Op::ge);  // 提高 N: at least base + N
    else
        r.op = yaml_op(f, yaml::required(f, n, "op", "baseline indicator"), Op::lt);
    if (r.op == Op::between) yaml::fail(f, n["op"], "baseline op must be <, <=, >, >= or ==");
    if (const auto t = n["tolerance"]) {
        if (r.op != Op::eq) yaml::fail(f, t, "tolerance applies to op \"==\" (持平) only");
        r.tolerance = yaml::number(f, t, "tolerance");
        if (*r.tolerance < 0) yaml::fail(f, t, "tolerance must not be negative");
    }
    auto b = yaml::required(f, n, "baseline", "baseline indicator");
    if (!(b.IsScalar() && b.Scalar() == "previous_year"))
        r.baseline = yaml::number(f, b, "baseline");
    if (const auto from = n["from"]) {
        if (r.baseline) yaml::fail(f, from, "from applies to 'baseline: previous_year' only");
        r.from = yaml::scalar(f, from, "from");
    }
    ind.rule = r;
}

// 持平 without its own tolerance takes plan.defaults.tolerance; with neither it is an error (an
// exact == on a statistic is never what a plan means).
void resolve(const std::filesystem::path& f, const yaml::Node& n, Indicator& ind,
             const Plan& plan) {
    auto& r = std::get<rule::Baseline>(ind.rule);
    if (r.op != Op::eq || r.tolerance) return;
    if (!plan.tolerance)
        yaml::fail(f, n["op"],
                   "op \"==\" (持平) needs a tolerance: set 'tolerance:' on the indicator or in "
                   "plan.defaults");
    r.tolerance = plan.tolerance;
}

// The series holding the previous year's value when the indicator's own has none: `from:` as
// written (`plan:key`, or a key of its own plan), or else, with several plans, the same key in
// the previous year's plan (its `previous:`, or the one plan of the year before that has it).
void link(Indicator& ind, const Plan& combined, std::string_view prefix) {
    auto& r = std::get<rule::Baseline>(ind.rule);
    if (r.baseline) return;
    const auto fail = [&](const std::string& m) {
        throw ConfigError(ind.defined_at.text() + ": " + m);
    };
    if (!r.from.empty()) {
        if (r.from.find(':') == std::string::npos)
            r.from.insert(0, prefix);
        else if (!combined.several())
            fail("from names '" + r.from + "' of another plan, but this daemon runs only plan " +
                 combined.id + " (list the other plan's folder under 'rules:')");
        const auto* src = combined.find_indicator(r.from);
        if (!src) fail("from names unknown indicator '" + r.from + "'");
        if (src->key == ind.key) fail("from names the indicator itself");
        if (src->derived())
            fail("from names derived indicator '" + r.from +
                 "' (only a reported series holds last year's value)");
        return;
    }
    if (!combined.several()) return;
    const auto& own = combined.plans[ind.plan];
    const std::string key(local_key(ind.key));
    std::vector<std::string> found;
    for (const auto& p : combined.plans) {
        const bool previous =
            own.previous.empty() ? p.last_year == own.year - 1 : p.id == own.previous;
        if (previous && combined.find_indicator(p.id + ":" + key)) found.push_back(p.id);
    }
    if (found.size() > 1)
        fail("baseline previous_year: plans " + found[0] + " and " + found[1] + " of " +
             std::to_string(own.year - 1) + " both have '" + key +
             "'; say which holds last year's value: 'previous:' in plan " + own.id +
             " or 'from: plan:key' here");
    if (found.size() == 1) r.from = found.front() + ":" + key;
}

double target_of(const rule::Baseline& r, double base) {
    if (r.change) return base + *r.change;
    if (r.change_pct) return base * (1 + *r.change_pct / 100.0);
    return base;
}

void judge(const Rule& rule, const Series& s, const Observation& last, const EvalContext& ctx,
           Evaluation& e) {
    const auto& r = std::get<rule::Baseline>(rule);
    std::optional<double> base = r.baseline;
    if (!base) {
        Period prev = last.period;
        prev.year -= 1;
        if (prev.year < ctx.plan_year - 1) return;  // a previous-year value was reported last
        if (const auto* o = s.at(prev))
            base = o->value;
        else if (const auto* from = r.from.empty() ? nullptr : ctx.series_of(r.from))
            if (const auto* o2 = from->at(prev)) base = o2->value;
    }
    if (!base) {
        e.status = Status::no_data;
        e.reason = Reason::no_baseline;
        return;
    }
    e.target = target_of(r, *base);
    e.expected = *base;
    const bool met = r.op == Op::eq ? std::fabs(last.value - *e.target) <= r.tolerance.value_or(0)
                                    : compare(r.op, last.value, *e.target);
    verdict(e, met, final_period(last.period, ctx));
}

std::string reason(const Indicator& ind, const Evaluation& e) {
    if (e.reason == Reason::no_baseline) return "no previous-year value to compare with";
    const auto& r = std::get<rule::Baseline>(ind.rule);
    const std::string base = e.expected ? fmt(*e.expected) : "?";
    std::string held = std::string(to_string(r.op)) + " the baseline " + base;
    if (r.change)
        held = std::string(to_string(r.op)) + " " + target_text(e) + " (the baseline " + base +
               (*r.change < 0 ? " " : " +") + fmt(*r.change) + " points)";
    else if (r.change_pct)
        held = std::string(to_string(r.op)) + " " + target_text(e) + " (the baseline " + base +
               (*r.change_pct < 0 ? " " : " +") + fmt(*r.change_pct) + "%)";
    if (r.op == Op::eq) held += " within " + fmt(r.tolerance.value_or(0));
    return verdict_text(e, held);
}

void to_json(const Rule& rule, boost::json::object& out, boost::json::array& targets) {
    const auto& r = std::get<rule::Baseline>(rule);
    if (r.baseline && !r.change && !r.change_pct)
        targets.push_back(json_target(r.op, *r.baseline));
    else if (r.baseline)
        targets.push_back(json_target(r.op, target_of(r, *r.baseline)));
    if (!r.baseline) out["baseline"] = "previous_year";
    out["op"] = to_string(r.op);
    if (r.change) out["change"] = *r.change;
    if (r.change_pct) out["change_pct"] = *r.change_pct;
    if (r.tolerance) out["tolerance"] = *r.tolerance;
    if (!r.from.empty()) out["from"] = r.from;
}

// With the previous year as baseline, that year's value may be reported too.
int first_year(const Rule& rule, int plan_year) {
    return std::get<rule::Baseline>(rule).baseline ? plan_year : plan_year - 1;
}

std::optional<Op> target_op(const Rule& rule) {
    return std::get<rule::Baseline>(rule).op;
}

}  // namespace

constinit const Kind baseline{
    .syntax = {.name = "baseline", .keys = keys, .parse = parse, .resolve = resolve, .link = link},
    .judge = judge,
    .reason = reason,
    .to_json = to_json,
    .statistic = true,
    .first_year = first_year,
    .target_op = target_op,
};

}  // namespace indicatord::kinds
