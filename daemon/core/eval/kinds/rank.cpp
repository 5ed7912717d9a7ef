// rank: a place among peers (1 = first) against a target place, or a tier the plan declares
// (`tier: 第一方阵` with `tiers: {第一方阵: 3}` in plan.yaml: top 3).
#include <cmath>

#include "eval/kinds/common.hpp"
#include "eval/kinds/registry.hpp"
#include "util/yaml_util.hpp"

namespace indicatord::kinds {

namespace {

constexpr std::string_view keys[] = {"op", "target", "peers", "tier"};

void parse(const std::filesystem::path& f, const yaml::Node& n, Indicator& ind) {
    rule::Rank r;
    r.op = yaml_op(f, n["op"], Op::le);
    if (const auto t = n["tier"]) {
        if (n["target"]) yaml::fail(f, t, "a rank has either 'target' or 'tier', not both");
        if (n["op"]) yaml::fail(f, n["op"], "a rank with a tier takes no 'op' (within the top N)");
        r.tier = yaml::scalar(f, t, "tier");
    } else {
        r.target = yaml::number(f, yaml::required(f, n, "target", "rank indicator"), "target");
    }
    if (n["peers"]) r.peers = static_cast<int>(yaml::integer(f, n["peers"], "peers"));
    if (r.peers > 0 && r.target > r.peers)
        yaml::fail(f, n["target"], "rank target is larger than the peer group");
    ind.rule = r;
}

// A tier is one of plan.tiers: its top N becomes the target.
void resolve(const std::filesystem::path& f, const yaml::Node& n, Indicator& ind,
             const Plan& plan) {
    auto& r = std::get<rule::Rank>(ind.rule);
    if (r.tier.empty()) return;
    std::string names;
    for (const auto& t : plan.tiers) {
        if (t.name == r.tier) {
            r.target = t.top;
            if (r.peers > 0 && r.target > r.peers)
                yaml::fail(f, n["tier"],
                           "tier '" + r.tier + "' (top " + std::to_string(t.top) +
                               ") is larger than the peer group");
            return;
        }
        names += (names.empty() ? "" : ", ") + t.name;
    }
    yaml::fail(
        f, n["tier"],
        "unknown tier '" + r.tier + "': declare it under 'tiers:' in plan.yaml" +
            (names.empty() ? std::string(" (none declared)") : " (declared: " + names + ")"));
}

void judge(const Rule& rule, const Series&, const Observation& last, const EvalContext& ctx,
           Evaluation& e) {
    const auto& r = std::get<rule::Rank>(rule);
    e.target = r.target;
    verdict(e, compare(r.op, last.value, r.target), final_period(last.period, ctx));
}

std::string reason(const Indicator& ind, const Evaluation& e) {
    const auto& r = std::get<rule::Rank>(ind.rule);
    if (!r.tier.empty()) return verdict_text(e, r.tier + " (rank <= " + target_text(e) + ")");
    return verdict_text(e, "rank " + std::string(to_string(r.op)) + " " + target_text(e));
}

void to_json(const Rule& rule, boost::json::object& out, boost::json::array& targets) {
    const auto& r = std::get<rule::Rank>(rule);
    targets.push_back(json_target(r.op, r.target));
    if (r.peers) out["peers"] = r.peers;
    if (!r.tier.empty()) out["tier"] = r.tier;
}

std::string check_value(const Indicator& ind, double value) {
    if (value < 1 || value != std::floor(value))
        return "value of rank indicator '" + ind.key + "' must be a whole number >= 1";
    return {};
}

std::optional<Op> target_op(const Rule& rule) {
    return std::get<rule::Rank>(rule).op;
}

}  // namespace

constinit const Kind rank{
    .syntax = {.name = "rank", .keys = keys, .parse = parse, .resolve = resolve},
    .judge = judge,
    .reason = reason,
    .to_json = to_json,
    .statistic = true,
    .check_value = check_value,
    .target_op = target_op,
};

}  // namespace indicatord::kinds
