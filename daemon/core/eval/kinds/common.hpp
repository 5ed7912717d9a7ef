#pragma once

// Helpers shared by the rule kinds of eval/kinds/ (not part of the registry's interface).

#include <boost/json/object.hpp>
#include <string>

#include "eval/evaluate.hpp"

namespace indicatord::kinds {

/// A number as people read it ("%g").
std::string fmt(double value);
/// A date as 2023-12-31.
std::string iso(const date::year_month_day& day);

/// Whether `period` is the last of its year (its value decides the year).
bool final_period(const Period& period);
/// Sets status (on track / at risk, achieved / missed in the final period) and reason
/// (meets / misses).
void verdict(Evaluation& e, bool met, bool final);
/// The end of a local day in the plan's zone (UTC without due dates).
TimePoint end_of_day(const EvalContext& ctx, const date::year_month_day& day);

/// "4.9 meets >= 6 for 2023-Q1" / "... does not meet ..." for the reasons meets and misses
/// (`held_to` says what the value is held to); empty for any other reason.
std::string verdict_text(const Evaluation& e, const std::string& held_to);
/// The value, period and target of an evaluation as text ("?" when unset).
std::string value_text(const Evaluation& e);
std::string period_text(const Evaluation& e);
std::string target_text(const Evaluation& e);

/// {"op": op, "value": value}, one target of a rule's JSON.
boost::json::object json_target(Op op, double value);

}  // namespace indicatord::kinds
