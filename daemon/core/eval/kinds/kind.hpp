#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <optional>
#include <string>

#include "config/plan_loader.hpp"
#include "eval/evaluate.hpp"

namespace indicatord::kinds {

/// Everything the daemon knows of one rule kind, defined in the kind's own file
/// (eval/kinds/<kind>.cpp) and listed in the table of eval/kinds/registry.cpp. Plain function
/// pointers, so that the table is built at compile time and a call costs what a switch did.
struct Kind {
    /// Its YAML: name, keys, parsing and checks (the loader calls these).
    RuleSyntax syntax;
    /// Decides status and reason from the latest value `last` of the indicator's series
    /// (e.value and e.period are set already); nullptr for a derived kind. Formats no text and
    /// allocates nothing: it runs for every indicator on every tick.
    void (*judge)(const Rule& rule, const Series& series, const Observation& last,
                  const EvalContext& ctx, Evaluation& e) = nullptr;
    /// The whole evaluation of a derived kind, computed from other indicators (no series, no
    /// due dates of its own); nullptr for a reported kind.
    Evaluation (*derive)(const Indicator& indicator, const EvalContext& ctx) = nullptr;
    /// The kind's reasons in words; an empty string for a reason it does not give.
    std::string (*reason)(const Indicator& indicator, const Evaluation& e) = nullptr;
    /// Its rule as JSON: adds the kind's keys to `out` and its targets ({"op","value"[,"by"]}).
    void (*to_json)(const Rule& rule, boost::json::object& out,
                    boost::json::array& targets) = nullptr;
    /// A statistic of its period: a value may only be reported once the period has ended.
    /// Otherwise progress, which may come early (docs/api.md has the table).
    bool statistic = true;
    /// The range of a reported value: the reason it is refused, or an empty string; nullptr:
    /// any finite number.
    std::string (*check_value)(const Indicator& indicator, double value) = nullptr;
    /// The first year a value may be reported for (nullptr: the plan year only).
    int (*first_year)(const Rule& rule, int plan_year) = nullptr;
    /// The operator its target is held with, for alert texts (nullptr or nullopt: >=).
    std::optional<Op> (*target_op)(const Rule& rule) = nullptr;
    /// A date its one report is owed by, inside the year (achievement's deadline): without a
    /// value it is overdue once that day plus grace has passed (nullptr: only the periods' due
    /// dates count).
    std::optional<date::year_month_day> (*deadline)(const Rule& rule) = nullptr;
};

}  // namespace indicatord::kinds
