#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "model/plan.hpp"

namespace indicatord {

/// The rule of an indicator: {"kind", "targets": [{"op","value"[,"by"]}], kind-specific keys}.
boost::json::object rule_to_json(const Indicator& indicator);

/// The indicator's definition (key, name, kind, measure, cadence, schedule, lead unit, rule).
/// With the plan: also its task's ref and, for a per-member indicator, its members' keys.
boost::json::object indicator_to_json(const Indicator& indicator, const Plan* plan = nullptr);

/// The whole plan as documented in docs/plan-json.md (`indicatorctl plan --json`).
boost::json::value plan_to_json(const Plan& plan);

}  // namespace indicatord
