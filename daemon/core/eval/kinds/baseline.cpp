// baseline: the latest value against a fixed baseline or the previous year's reported value.
#include "eval/kinds/common.hpp"
#include "eval/kinds/registry.hpp"
#include "util/yaml_util.hpp"

namespace indicatord::kinds {

namespace {

constexpr std::string_view keys[] = {"op", "baseline"};

void parse(const std::filesystem::path& f, const yaml::Node& n, Indicator& ind) {
    rule::Baseline r;
    r.op = yaml_op(f, yaml::required(f, n, "op", "baseline indicator"), Op::lt);
    if (r.op == Op::between || r.op == Op::eq)
        yaml::fail(f, n["op"], "baseline op must be <, <=, > or >=");
    auto b = yaml::required(f, n, "baseline", "baseline indicator");
    if (!(b.IsScalar() && b.Scalar() == "previous_year"))
        r.baseline = yaml::number(f, b, "baseline");
    ind.rule = r;
}

void judge(const Rule& rule, const Series& s, const Observation& last, const EvalContext& ctx,
           Evaluation& e) {
    const auto& r = std::get<rule::Baseline>(rule);
    std::optional<double> base = r.baseline;
    if (!base) {
        Period prev = last.period;
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
    verdict(e, compare(r.op, last.value, *base), final_period(last.period));
}

std::string reason(const Indicator& ind, const Evaluation& e) {
    if (e.reason == Reason::no_baseline) return "no previous-year value to compare with";
    const auto& r = std::get<rule::Baseline>(ind.rule);
    return verdict_text(e, std::string(to_string(r.op)) + " the baseline " + target_text(e));
}

void to_json(const Rule& rule, boost::json::object& out, boost::json::array& targets) {
    const auto& r = std::get<rule::Baseline>(rule);
    if (r.baseline)
        targets.push_back(json_target(r.op, *r.baseline));
    else
        out["baseline"] = "previous_year";
    out["op"] = to_string(r.op);
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
    .syntax = {.name = "baseline", .keys = keys, .parse = parse},
    .judge = judge,
    .reason = reason,
    .to_json = to_json,
    .statistic = true,
    .first_year = first_year,
    .target_op = target_op,
};

}  // namespace indicatord::kinds
