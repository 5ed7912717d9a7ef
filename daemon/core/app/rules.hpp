#pragma once

#include <memory>
#include <string>
#include <vector>

#include "config/auth.hpp"
#include "config/config.hpp"
#include "model/calendar.hpp"
#include "model/plan.hpp"
#include "notify/templates.hpp"

namespace indicatord {

/// The reloadable part of the configuration, validated as a whole and shared immutably.
struct RuleSet {
    std::shared_ptr<const Plan> plan;
    std::shared_ptr<const WorkCalendar> calendar;
    std::shared_ptr<const TokenStore> tokens;           ///< null: auth not configured
    std::shared_ptr<const MessageTemplates> templates;  ///< null: the default message texts
    /// What loads but an operator should hear about at every load (a weekends_only calendar).
    std::vector<std::string> warnings;
};

/// The one configure path of startup, --check, SIGHUP and `indicatorctl check`: loads the
/// rules, the working-day calendars (which must cover the plan year) and the tokens.
/// Throws ConfigError "file:line:col: message".
RuleSet load_rules(const DaemonConfig& config);

/// The years of the daemon's plans, each once, in order.
std::vector<int> plan_years(const Plan& plan);

}  // namespace indicatord
