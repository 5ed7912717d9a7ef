// threshold: the latest value against a target (op: >=, <=, >, <, ==, between [low, high]).
#include "eval/kinds/common.hpp"
#include "eval/kinds/registry.hpp"
#include "util/yaml_util.hpp"

namespace indicatord::kinds {

namespace {

constexpr std::string_view keys[] = {"op", "target"};

void parse(const std::filesystem::path& f, const yaml::Node& n, Indicator& ind) {
    rule::Threshold r;
    r.op = yaml_op(f, yaml::required(f, n, "op", "threshold indicator"), Op::ge);
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
    ind.rule = r;
}

void judge(const Rule& rule, const Series&, const Observation& last, const EvalContext&,
           Evaluation& e) {
    const auto& r = std::get<rule::Threshold>(rule);
    e.target = r.target;
    verdict(e, compare(r.op, last.value, r.target, r.high), final_period(last.period));
}

std::string reason(const Indicator& ind, const Evaluation& e) {
    const auto& r = std::get<rule::Threshold>(ind.rule);
    if (r.op == Op::between)
        return verdict_text(e, "between " + fmt(r.target) + " and " + fmt(r.high));
    return verdict_text(e, std::string(to_string(r.op)) + " " + fmt(r.target));
}

void to_json(const Rule& rule, boost::json::object&, boost::json::array& targets) {
    const auto& r = std::get<rule::Threshold>(rule);
    if (r.op == Op::between) {
        targets.push_back(json_target(Op::ge, r.target));
        targets.push_back(json_target(Op::le, r.high));
    } else {
        targets.push_back(json_target(r.op, r.target));
    }
}

std::optional<Op> target_op(const Rule& rule) {
    return std::get<rule::Threshold>(rule).op;
}

}  // namespace

constinit const Kind threshold{
    .syntax = {.name = "threshold", .keys = keys, .parse = parse},
    .judge = judge,
    .reason = reason,
    .to_json = to_json,
    .statistic = true,
    .target_op = target_op,
};

}  // namespace indicatord::kinds
