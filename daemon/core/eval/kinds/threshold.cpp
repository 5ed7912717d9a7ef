// threshold: the latest value against a target (op: >=, <=, >, <, ==, between [low, high]);
// `op: about` (左右): the target give or take a tolerance, in a direction; `stretch`
// (确保X、力争Y): a floor and a stretch target; `firm: false` (力争 alone): a shortfall is at risk,
// not missed.
#include <cmath>

#include "eval/kinds/common.hpp"
#include "eval/kinds/registry.hpp"
#include "util/yaml_util.hpp"

namespace indicatord::kinds {

namespace {

constexpr std::string_view keys[] = {"op", "target", "tolerance", "direction", "stretch", "firm"};

void parse(const std::filesystem::path& f, const yaml::Node& n, Indicator& ind) {
    rule::Threshold r;
    const auto opn = yaml::required(f, n, "op", "threshold indicator");
    if (opn.IsScalar() && opn.Scalar() == "about") {
        r.about = true;
        r.op = Op::ge;
    } else {
        r.op = yaml_op(f, opn, Op::ge);
    }
    auto tn = yaml::required(f, n, "target", "threshold indicator");
    if (r.op == Op::between) {
        if (!tn.IsSequence() || tn.size() != 2)
            yaml::fail(f, tn, "target of 'between' must be [low, high]");
        r.target = yaml::number(f, tn[0], "target");
        r.high = yaml::number(f, tn[1], "target");
        if (r.target > r.high)
            yaml::fail(f, tn, "target of 'between' must be [low, high] with low <= high");
    } else {
        r.target = yaml::number(f, tn, "target");
    }
    for (const char* key : {"tolerance", "direction"})
        if (n[key] && !r.about)
            yaml::fail(f, n[key], std::string(key) + " applies to op: about (左右) only");
    if (const auto d = n["direction"]) {
        const auto text = yaml::scalar(f, d, "direction");
        if (text == "at_least")
            r.direction = rule::Direction::at_least;
        else if (text == "at_most")
            r.direction = rule::Direction::at_most;
        else if (text == "both")
            r.direction = rule::Direction::both;
        else
            yaml::fail(f, d,
                       "direction must be one of at_least, at_most, both, got '" + text + "'");
        if (r.direction == rule::Direction::at_most) r.op = Op::le;
        if (r.direction == rule::Direction::both) r.op = Op::eq;
    }
    if (const auto t = n["tolerance"]) {
        r.tolerance = yaml::number(f, t, "tolerance");
        if (*r.tolerance < 0) yaml::fail(f, t, "tolerance must not be negative");
    }
    if (const auto s = n["stretch"]) {
        if (r.about || (r.op != Op::ge && r.op != Op::le))
            yaml::fail(f, s,
                       "stretch (力争) needs op \">=\" or \"<=\" with the floor (确保) as target");
        r.stretch = yaml::number(f, s, "stretch");
        if (r.op == Op::ge ? !(*r.stretch > r.target) : !(*r.stretch < r.target))
            yaml::fail(f, s,
                       "stretch " + fmt(*r.stretch) + " must be " +
                           (r.op == Op::ge ? "above" : "below") + " the target (floor) " +
                           fmt(r.target));
    }
    if (const auto x = n["firm"]) r.firm = yaml::boolean(f, x, "firm");
    ind.rule = r;
}

// An about target without its own tolerance takes plan.defaults.tolerance; with neither, the
// plan has not said what 左右 allows: a load error.
void resolve(const std::filesystem::path& f, const yaml::Node& n, Indicator& ind,
             const Plan& plan) {
    auto& r = std::get<rule::Threshold>(ind.rule);
    if (!r.about || r.tolerance) return;
    if (!plan.tolerance)
        yaml::fail(f, n["op"],
                   "op: about needs a tolerance: set 'tolerance:' on the indicator or in "
                   "plan.defaults");
    r.tolerance = plan.tolerance;
}

// Where the value stands against an about target: 1 met, 0 within the tolerance, -1 beyond.
int about(const rule::Threshold& r, double v) {
    const double tol = r.tolerance.value_or(0);
    switch (r.direction) {
        case rule::Direction::at_least:
            return v >= r.target ? 1 : (v >= r.target - tol ? 0 : -1);
        case rule::Direction::at_most:
            return v <= r.target ? 1 : (v <= r.target + tol ? 0 : -1);
        case rule::Direction::both:
            return std::fabs(v - r.target) <= tol ? 1 : -1;
    }
    return -1;
}

void judge(const Rule& rule, const Series&, const Observation& last, const EvalContext& ctx,
           Evaluation& e) {
    const auto& r = std::get<rule::Threshold>(rule);
    const bool final = final_period(last.period, ctx);
    e.target = r.target;
    if (r.about) {
        const int where = about(r, last.value);
        verdict(e, where >= 0, final);
        if (where == 0) e.reason = Reason::within_tolerance;
    } else if (r.stretch) {
        const bool floor = compare(r.op, last.value, r.target);
        verdict(e, floor, final);
        if (floor && !compare(r.op, last.value, *r.stretch)) e.reason = Reason::floor_met;
    } else {
        verdict(e, compare(r.op, last.value, r.target, r.high), final);
    }
    if (!r.firm && e.status == Status::missed) e.status = Status::at_risk;
}

std::string about_text(const rule::Threshold& r) {
    return "about " + fmt(r.target) + " (" + std::string(to_string(r.direction)) + ", tolerance " +
           fmt(r.tolerance.value_or(0)) + ")";
}

std::string reason(const Indicator& ind, const Evaluation& e) {
    const auto& r = std::get<rule::Threshold>(ind.rule);
    std::string text;
    if (r.about) {
        text = e.reason == Reason::within_tolerance
                   ? value_text(e) + " is within the tolerance of " + about_text(r) + " for " +
                         period_text(e)
                   : verdict_text(e, about_text(r));
    } else if (r.stretch) {
        const std::string op(to_string(r.op));
        if (e.reason == Reason::floor_met)
            text = value_text(e) + " meets the floor " + op + " " + fmt(r.target) +
                   ", not the stretch " + op + " " + fmt(*r.stretch) + " for " + period_text(e);
        else if (e.reason == Reason::meets)
            text = value_text(e) + " meets the stretch " + op + " " + fmt(*r.stretch) + " for " +
                   period_text(e);
        else
            text = verdict_text(e, "the floor " + op + " " + fmt(r.target));
    } else if (r.op == Op::between) {
        text = verdict_text(e, "between " + fmt(r.target) + " and " + fmt(r.high));
    } else {
        text = verdict_text(e, std::string(to_string(r.op)) + " " + fmt(r.target));
    }
    if (!r.firm && e.reason == Reason::misses && !text.empty())
        text += " (firm: false: at risk, not missed)";
    return text;
}

void to_json(const Rule& rule, boost::json::object& out, boost::json::array& targets) {
    const auto& r = std::get<rule::Threshold>(rule);
    if (r.op == Op::between) {
        targets.push_back(json_target(Op::ge, r.target));
        targets.push_back(json_target(Op::le, r.high));
    } else {
        targets.push_back(json_target(r.op, r.target));
    }
    if (r.about) {
        out["op"] = "about";
        out["direction"] = to_string(r.direction);
        out["tolerance"] = r.tolerance.value_or(0);
    }
    if (r.stretch) {
        targets.push_back(json_target(r.op, *r.stretch));
        out["stretch"] = *r.stretch;
    }
    if (!r.firm) out["firm"] = false;
}

std::optional<Op> target_op(const Rule& rule) {
    return std::get<rule::Threshold>(rule).op;
}

}  // namespace

constinit const Kind threshold{
    .syntax = {.name = "threshold", .keys = keys, .parse = parse, .resolve = resolve},
    .judge = judge,
    .reason = reason,
    .to_json = to_json,
    .statistic = true,
    .target_op = target_op,
};

}  // namespace indicatord::kinds
