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
