// value: a figure reported on a schedule with no target (on track once reported).
#include "eval/kinds/common.hpp"
#include "eval/kinds/registry.hpp"

namespace indicatord::kinds {

namespace {

void parse(const std::filesystem::path&, const yaml::Node&, Indicator& ind) {
    ind.rule = rule::Value{};
}

void judge(const Rule&, const Series&, const Observation&, const EvalContext&, Evaluation& e) {
    e.status = Status::on_track;
    e.reason = Reason::reported;
}

std::string reason(const Indicator&, const Evaluation& e) {
    if (e.reason != Reason::reported) return {};
    return "reported for " + period_text(e);
}

void to_json(const Rule&, boost::json::object&, boost::json::array&) {}

}  // namespace

constinit const Kind value{
    .syntax = {.name = "value", .keys = {}, .parse = parse},
    .judge = judge,
    .reason = reason,
    .to_json = to_json,
    .statistic = true,
};

}  // namespace indicatord::kinds
