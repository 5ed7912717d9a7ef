// milestones: dated intermediate targets; the latest decided milestone sets the status.
#include "eval/kinds/common.hpp"
#include "eval/kinds/registry.hpp"
#include "util/yaml_util.hpp"

namespace indicatord::kinds {

namespace {

constexpr std::string_view keys[] = {"milestones"};

void parse(const std::filesystem::path& f, const yaml::Node& n, Indicator& ind) {
    rule::Milestones r;
    auto ms = yaml::required(f, n, "milestones", "milestones indicator");
    if (!ms.IsSequence() || ms.size() == 0)
        yaml::fail(f, ms, "milestones must be a non-empty list");
    for (const auto& m : ms) {
        yaml::check_map(f, m, "milestone", {"by", "op", "value"});
        rule::Milestone x;
        x.by = yaml_date(f, yaml::required(f, m, "by", "milestone"), "milestone 'by'");
        x.op = yaml_op(f, m["op"], Op::ge);
        if (x.op == Op::between) yaml::fail(f, m["op"], "a milestone cannot use 'between'");
        x.value = yaml::number(f, yaml::required(f, m, "value", "milestone"), "milestone value");
        if (!r.milestones.empty() &&
            !(date::sys_days{r.milestones.back().by} < date::sys_days{x.by}))
            yaml::fail(f, m["by"], "milestones must be in increasing date order");
        r.milestones.push_back(x);
    }
    ind.rule = r;
}

// Milestones fall inside the plan's year: none after it ends, none before it starts.
void resolve(const std::filesystem::path& f, const yaml::Node& n, Indicator& ind,
             const Plan& plan) {
    const auto& r = std::get<rule::Milestones>(ind.rule);
    std::size_t i = 0;
    for (const auto& m : n["milestones"]) {
        const auto& by = r.milestones[i++].by;
        if (!plan.spans(static_cast<int>(by.year())))
            yaml::fail(f, m["by"],
                       "milestone 'by' " + iso(by) + " is " +
                           (static_cast<int>(by.year()) > plan.year ? "after the plan ends"
                                                                    : "before the plan starts") +
                           " (plan year " + plan.years_text() + ")");
    }
}

Period period_containing(const date::year_month_day& d, Cadence c) {
    const int y = static_cast<int>(d.year());
    const auto m = static_cast<int>(static_cast<unsigned>(d.month()));
    switch (c) {
        case Cadence::month:
            return Period{c, y, m};
        case Cadence::quarter:
            return Period{c, y, (m - 1) / 3 + 1};
        case Cadence::half:
            return Period{c, y, (m - 1) / 6 + 1};
        default:
            return Period{Cadence::year, y, 0};
    }
}

// A milestone is decided once the period containing its date has a value; the latest decided
// milestone sets the status. Before any is decided, the latest value is held against the first
// milestone.
void judge(const Rule& rule, const Series& s, const Observation& last, const EvalContext&,
           Evaluation& e) {
    const auto& r = std::get<rule::Milestones>(rule);
    const rule::Milestone* decided = nullptr;
    const Observation* value = nullptr;
    for (const auto& m : r.milestones) {
        if (const auto* v = s.at(period_containing(m.by, last.period.cadence))) {
            decided = &m;
            value = v;
        }
    }
    const rule::Milestone* next = nullptr;
    for (const auto& m : r.milestones)
        if (!decided || date::sys_days{decided->by} < date::sys_days{m.by}) {
            next = &m;
            break;
        }
    if (decided) {
        e.target = decided->value;
        e.value = value->value;
        e.period = value->period;
        e.milestone_by = decided->by;
        const bool met = compare(decided->op, value->value, decided->value);
        e.status = !met ? Status::missed : (next ? Status::on_track : Status::achieved);
        e.reason = met ? Reason::milestone_met : Reason::milestone_missed;
        return;
    }
    e.target = next->value;
    e.milestone_by = next->by;
    e.status = compare(next->op, last.value, next->value) ? Status::on_track : Status::at_risk;
    e.reason = Reason::toward_milestone;
}

std::string reason(const Indicator&, const Evaluation& e) {
    const char* text = nullptr;
    switch (e.reason) {
        case Reason::milestone_met:
            text = " meets the milestone ";
            break;
        case Reason::milestone_missed:
            text = " misses the milestone ";
            break;
        case Reason::toward_milestone:
            text = " against the next milestone ";
            break;
        default:
            return {};
    }
    return value_text(e) + text + target_text(e) + " due " +
           (e.milestone_by ? iso(*e.milestone_by) : "?");
}

void to_json(const Rule& rule, boost::json::object&, boost::json::array& targets) {
    for (const auto& m : std::get<rule::Milestones>(rule).milestones) {
        auto t = json_target(m.op, m.value);
        t["by"] = iso(m.by);
        targets.push_back(std::move(t));
    }
}

}  // namespace

constinit const Kind milestones{
    .syntax = {.name = "milestones", .keys = keys, .parse = parse, .resolve = resolve},
    .judge = judge,
    .reason = reason,
    .to_json = to_json,
    .statistic = false,  // progress toward the milestones: may come early
};

}  // namespace indicatord::kinds
