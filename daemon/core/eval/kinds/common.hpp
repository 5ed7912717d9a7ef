#pragma once

// Helpers shared by the rule kinds of eval/kinds/ (not part of the registry's interface).

#include <boost/json/object.hpp>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "eval/evaluate.hpp"

namespace indicatord::kinds {

/// A number as people read it ("%g").
std::string fmt(double value);
/// A date as 2023-12-31.
std::string iso(const date::year_month_day& day);

/// Whether `period` is the last of its year (its value decides the year).
bool final_period(const Period& period, const EvalContext& ctx);
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

/// The stretch of time a reported value stands for: the period itself, or from 1 January to
/// the period's end for a year-to-date series. Two values are compared like-for-like only when
/// their spans are equal (Q1 is never compared with H1; a year-to-date Q2 is with H1).
struct Span {
    date::sys_days from, to;
    bool operator==(const Span&) const = default;
};
Span span_of(const Period& period, bool ytd);
/// The period of a series of this shape whose value stands for `span`, if it has one.
std::optional<Period> period_with_span(const SeriesShape& shape, const Span& span);

/// The inputs of a derived rule, each at the same span.
struct LikeForLike {
    /// ok: `values` holds one observation per input; otherwise e.status and e.reason are set
    /// (expression_no_input when no input has a value yet, input_pending, input_missing,
    /// no_common_period).
    bool ok = false;
    std::vector<const Observation*> values;
};
/// Picks the latest span every input's cadence can be reported for, among the spans of the
/// values reported, and each input's value for it. An input without that value makes the
/// evaluation pending before its due date and no_data after, naming the input and period.
LikeForLike like_for_like(std::span<const std::string> keys, std::span<const SeriesShape> shapes,
                          const EvalContext& ctx, Evaluation& e);

/// The words of the reasons like_for_like sets; empty for any other reason.
std::string input_text(std::span<const std::string> keys, const Evaluation& e);

/// {"op": op, "value": value}, one target of a rule's JSON.
boost::json::object json_target(Op op, double value);

}  // namespace indicatord::kinds
