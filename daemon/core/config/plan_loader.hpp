#pragma once

#include <filesystem>
#include <span>
#include <string_view>
#include <vector>

#include "model/plan.hpp"
#include "util/yaml_doc.hpp"

namespace indicatord {

/// What the plan loader knows of one rule kind: its name and keys in YAML and how to read them.
/// The loader walks the file (plan, units, tasks, the common keys of an indicator) and hands an
/// indicator's own keys to its kind. The table of every kind is eval/kinds/registry.
struct RuleSyntax {
    std::string_view name;                   ///< `kind:` in YAML
    std::span<const std::string_view> keys;  ///< the kind's keys besides the common ones
    bool report_schedule = false;            ///< starts from the plan's `report:` schedule
    /// Reads the kind's keys of indicator node `node` into `indicator.rule`; the common keys are
    /// read already (key, measure, schedule). Throws ConfigError "file:line:col: message".
    void (*parse)(const std::filesystem::path& file, const yaml::Node& node,
                  Indicator& indicator) = nullptr;
    /// Checks that need the whole plan, run once every file is read, in the order the
    /// indicators were read (nullptr: none).
    void (*resolve)(const std::filesystem::path& file, const yaml::Node& node, Indicator& indicator,
                    const Plan& plan) = nullptr;
    /// Once the daemon's plans are combined (config/plans): turns the rule's references to other
    /// indicators into the combined plan's keys (`prefix` is "<plan id>:" with several plans, ""
    /// with one) and resolves those naming another plan (`plan:key`), which `resolve` leaves.
    /// Throws ConfigError "<indicator's file:line:col>: message" (nullptr: it names none).
    void (*link)(Indicator& indicator, const Plan& combined, std::string_view prefix) = nullptr;
};

/// Loads every *.yaml file under each path into one validated plan, with these rule kinds.
/// `load_plan(paths)` (model/plan.hpp) calls it with the table of eval/kinds/registry.
Plan load_plan(const std::vector<std::filesystem::path>& paths,
               std::span<const RuleSyntax* const> kinds);

/// An `op:` (>=, <=, >, <, ==, between); `fallback` when the node is absent.
Op yaml_op(const std::filesystem::path& file, const yaml::Node& node, Op fallback);

/// A date like 2023-12-31; `what` names the key in the error.
date::year_month_day yaml_date(const std::filesystem::path& file, const yaml::Node& node,
                               std::string_view what);

}  // namespace indicatord
