// achievement: done (1) or not yet (0), by a deadline. A deadline inside the year (6月底前完成)
// is when the report is owed: without one, it is overdue from the deadline plus grace.
#include "eval/kinds/common.hpp"
#include "eval/kinds/registry.hpp"
#include "util/yaml_util.hpp"

namespace indicatord::kinds {

namespace {

constexpr std::string_view keys[] = {"deadline"};

void parse(const std::filesystem::path& f, const yaml::Node& n, Indicator& ind) {
    ind.rule = rule::Achievement{
        yaml_date(f, yaml::required(f, n, "deadline", "achievement indicator"), "deadline")};
}

// The deadline belongs to the plan's year (or years).
void resolve(const std::filesystem::path& f, const yaml::Node& n, Indicator& ind,
             const Plan& plan) {
    const auto& r = std::get<rule::Achievement>(ind.rule);
    if (!plan.spans(static_cast<int>(r.deadline.year())))
        yaml::fail(
            f, n["deadline"],
            "deadline " + iso(r.deadline) + " is outside the plan's year " + plan.years_text());
}

// A 0 is "not yet": pending until the deadline, missed after it.
void judge(const Rule& rule, const Series&, const Observation& last, const EvalContext& ctx,
           Evaluation& e) {
    const auto& r = std::get<rule::Achievement>(rule);
    e.target = 1;
    const bool done = last.value >= 1;
    const bool past = end_of_day(ctx, r.deadline) <= ctx.now;
    e.status = done ? Status::achieved : (past ? Status::missed : Status::pending);
    e.reason = done ? Reason::achieved
                    : (past ? Reason::not_achieved_past_deadline : Reason::not_yet_achieved);
}

std::string reason(const Indicator& ind, const Evaluation& e) {
    switch (e.reason) {
        case Reason::achieved:
            return "achieved";
        case Reason::not_achieved_past_deadline:
            return "not achieved by the deadline";
        case Reason::not_yet_achieved:
            return "not yet achieved (deadline " +
                   iso(std::get<rule::Achievement>(ind.rule).deadline) + ")";
        case Reason::deadline_unreported:
            return "no report by the deadline " +
                   iso(std::get<rule::Achievement>(ind.rule).deadline) + " plus grace " +
                   ind.schedule.grace.text();
        default:
            return {};
    }
}

void to_json(const Rule& rule, boost::json::object&, boost::json::array& targets) {
    auto t = json_target(Op::eq, 1);
    t["by"] = iso(std::get<rule::Achievement>(rule).deadline);
    targets.push_back(std::move(t));
}

std::optional<date::year_month_day> deadline(const Rule& rule) {
    return std::get<rule::Achievement>(rule).deadline;
}

std::string check_value(const Indicator& ind, double value) {
    if (value != 0 && value != 1)
        return "value of achievement indicator '" + ind.key +
               "' must be 1 (achieved) or 0 (not yet)";
    return {};
}

}  // namespace

constinit const Kind achievement{
    .syntax = {.name = "achievement", .keys = keys, .parse = parse, .resolve = resolve},
    .judge = judge,
    .reason = reason,
    .to_json = to_json,
    .statistic = false,  // achieved when it is: may come early
    .check_value = check_value,
    .deadline = deadline,
};

}  // namespace indicatord::kinds
