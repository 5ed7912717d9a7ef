// report: a progress report owed on a schedule, its value the percent complete (0 to 100).
// Tasks without indicators get one per lead (plan_loader.cpp).
#include "eval/kinds/common.hpp"
#include "eval/kinds/registry.hpp"

namespace indicatord::kinds {

namespace {

void parse(const std::filesystem::path&, const yaml::Node&, Indicator& ind) {
    ind.rule = rule::Report{};
    if (ind.measure.empty()) ind.measure = "%";
}

void judge(const Rule&, const Series&, const Observation& last, const EvalContext&, Evaluation& e) {
    e.target = 100;
    e.status = last.value >= 100 ? Status::achieved : Status::on_track;
    e.reason = Reason::progress_reported;
}

std::string reason(const Indicator&, const Evaluation& e) {
    if (e.reason != Reason::progress_reported) return {};
    return "progress " + value_text(e) + "% reported for " + period_text(e);
}

void to_json(const Rule&, boost::json::object&, boost::json::array&) {}

std::string check_value(const Indicator& ind, double value) {
    if (value < 0 || value > 100)
        return "value of report indicator '" + ind.key + "' is percent complete: 0 to 100";
    return {};
}

}  // namespace

constinit const Kind report{
    .syntax = {.name = "report", .keys = {}, .report_schedule = true, .parse = parse},
    .judge = judge,
    .reason = reason,
    .to_json = to_json,
    .statistic = false,  // progress: may come early
    .check_value = check_value,
};

}  // namespace indicatord::kinds
