#include "app/rules.hpp"

#include <algorithm>

#include "notify/webhook_dingtalk.hpp"
#include "util/errors.hpp"

namespace indicatord {

std::vector<int> plan_years(const Plan& plan) {
    std::vector<int> years;
    for (const auto& p : plan.plans)
        for (int y = p.year; y <= p.last_year; ++y) years.push_back(y);
    if (years.empty())
        for (int y = plan.year; y <= plan.end_year(); ++y) years.push_back(y);
    std::sort(years.begin(), years.end());
    years.erase(std::unique(years.begin(), years.end()), years.end());
    return years;
}

namespace {

// The plans and receivers the `bulletins:` schedules name exist; each wrong name at its place.
void check_bulletin_schedules(const DaemonConfig& config, const Plan& plan) {
    std::vector<std::string> errors;
    std::vector<std::pair<std::string, std::string>> keys;  // key, where
    for (const auto& s : config.bulletins) {
        std::string plan_id = s.plan;
        if (plan_id.empty()) plan_id = plan.plans.empty() ? plan.id : plan.plans.front().id;
        const bool known = plan.plans.empty()
                               ? plan_id == plan.id
                               : std::any_of(plan.plans.begin(), plan.plans.end(),
                                             [&](const PlanInfo& p) { return p.id == plan_id; });
        if (!known)
            errors.push_back(s.plan_at + ": bulletin schedule names plan '" + plan_id +
                             "', which is not loaded (" + plans_text(plan) + ")");
        const auto key = plan_id + "/" + std::string(to_string(s.every)) + "/" + on_text(s);
        for (const auto& [k, at] : keys)
            if (k == key)
                errors.push_back(s.defined_at + ": a second bulletin schedule of plan '" + plan_id +
                                 "' every " + std::string(to_string(s.every)) + " on " +
                                 on_text(s) + " (the first is at " + at + ")");
        keys.emplace_back(key, s.defined_at);
        for (std::size_t i = 0; i < s.to.size(); ++i) {
            const auto& name = s.to[i];
            const auto slash = name.find('/');
            const auto unit_id = name.substr(0, slash);
            const Unit* unit = plan.find_unit(unit_id);
            if (!unit) {
                errors.push_back(s.to_at[i] + ": bulletin receiver '" + name + "': '" + unit_id +
                                 "' is not a unit of " + plans_text(plan));
                continue;
            }
            if (unit->receivers.empty()) {
                errors.push_back(s.to_at[i] + ": bulletin receiver '" + name + "': unit '" +
                                 unit_id + "' has no receivers (add receivers: to it at " +
                                 unit->defined_at + ")");
                continue;
            }
            if (slash == std::string::npos) continue;
            const auto index = name.substr(slash + 1);
            const bool digits = !index.empty() && index.size() < 4 &&
                                std::all_of(index.begin(), index.end(),
                                            [](char c) { return c >= '0' && c <= '9'; });
            if (!digits || std::stoul(index) >= unit->receivers.size())
                errors.push_back(s.to_at[i] + ": bulletin receiver '" + name + "': unit '" +
                                 unit_id + "' has receivers " + unit_id + "/0 to " + unit_id + "/" +
                                 std::to_string(unit->receivers.size() - 1));
        }
    }
    if (!errors.empty()) throw ConfigError(join_errors(errors));
}

}  // namespace

RuleSet load_rules(const DaemonConfig& config) {
    RuleSet r;
    r.plan = std::make_shared<const Plan>(load_plan(config.rules));
    if (config.calendars.empty())
        throw ConfigError(config.file.string() + ": plan " + r.plan->id + " is for " +
                          std::to_string(r.plan->year) +
                          " but the config names no working-day calendar: add 'calendars:' (see "
                          "config/calendars/)");
    r.calendar = std::make_shared<const WorkCalendar>(WorkCalendar::load(config.calendars));
    for (const int year : plan_years(*r.plan)) {
        std::string plans;
        for (const auto& p : r.plan->plans)
            if (year >= p.year && year <= p.last_year) plans += (plans.empty() ? "" : ", ") + p.id;
        if (!r.calendar->covers(year))
            throw ConfigError(config.file.string() + ": plan " + plans + " is for " +
                              std::to_string(year) + " but no working-day calendar covers " +
                              std::to_string(year) +
                              ": add that year's file to the 'calendars' folder (see "
                              "config/calendars/README.md; 'weekends_only: true' if the State "
                              "Council's notice is not out yet)");
        if (r.calendar->weekends_only(year))
            r.warnings.push_back(
                "plan " + plans + " is for " + std::to_string(year) +
                ", whose working-day calendar is weekends_only: every Monday to "
                "Friday counts as a working day and no holiday is known; add the "
                "year's file from the State Council's notice when it is published");
    }
    if (!config.alerting.escalation_unit.empty() &&
        !r.plan->find_unit(config.alerting.escalation_unit))
        throw ConfigError(config.file.string() + ": alerting.escalation.unit '" +
                          config.alerting.escalation_unit + "' is not a unit of " +
                          plans_text(*r.plan));
    for (const auto& unit : config.auth.read_all_units)
        if (!r.plan->find_unit(unit))
            throw ConfigError(config.file.string() + ": auth.read_all_units names '" + unit +
                              "', which is not a unit of " + plans_text(*r.plan));
    check_bulletin_schedules(config, *r.plan);
    if (config.alerting.templates)
        r.templates =
            std::make_shared<const MessageTemplates>(load_templates(*config.alerting.templates));
    check_dingtalk_keywords(*r.plan, r.templates.get());
    if (config.auth.tokens_file)
        r.tokens = std::make_shared<const TokenStore>(
            TokenStore::load(*config.auth.tokens_file, r.plan.get()));
    return r;
}

}  // namespace indicatord
