#pragma once

// The table of rule kinds: every consumer (the plan loader, the evaluator, the plan's JSON,
// ingest checks, alert texts) asks it instead of switching on the kind. How to add a kind:
// docs/architecture.md.

#include <span>
#include <string_view>

#include "eval/kinds/kind.hpp"

namespace indicatord::kinds {

/// Every kind, in the order of the alternatives of `Rule` (model/plan.hpp).
std::span<const Kind* const> all();

/// The kind of a rule.
const Kind& of(const Rule& rule);

/// The kind named `name` in YAML, or nullptr.
const Kind* find(std::string_view name);

/// The kinds' YAML syntax, for load_plan (config/plan_loader.hpp).
std::span<const RuleSyntax* const> syntaxes();

// One per file of eval/kinds/, in the order of `Rule`.
extern const Kind threshold;
extern const Kind cumulative;
extern const Kind milestones;
extern const Kind expression;
extern const Kind achievement;
extern const Kind baseline;
extern const Kind rank;
extern const Kind report;
extern const Kind value;
extern const Kind relation;

}  // namespace indicatord::kinds
