#pragma once

#include <array>
#include <iterator>
#include <span>
#include <string>
#include <string_view>

#include "eval/evaluate.hpp"
#include "eval/ingest.hpp"
#include "model/plan.hpp"

namespace indicatord {

/// How the members of a per-member indicator (各县(市、区)分别) stand: how many of its member
/// series have each status.
struct MemberCounts {
    std::array<int, std::size(kAllStatuses)> by_status{};
    int total = 0;
    int of(Status s) const { return by_status[static_cast<std::size_t>(s)]; }
};

/// Counts the statuses of `rollup`'s members; `evaluations` is indexed like Plan::indicators.
MemberCounts count_members(const Indicator& rollup, std::span<const Evaluation> evaluations);

/// The roll-up's own evaluation: the least favourable status any member has, in the order
/// missed, overdue, at_risk, no_data, pending, on_track, achieved (achieved only when every
/// member achieved); next_due is the earliest of the members'.
Evaluation evaluate_rollup(const Indicator& rollup, std::span<const Evaluation> evaluations);

/// "9 members: 3 achieved, 2 overdue, 4 pending".
std::string describe_members(const MemberCounts& counts);

/// A value reported against a per-member indicator's own key goes to the reporting member's
/// series: `unit` is the token's unit (empty for an admin or without auth). A unit that is no
/// member is left to the write check (403). Returns the reason when no member can be told (an
/// admin must name the member's key), else an empty string.
std::string assign_member(const Plan& plan, std::string_view unit, IngestItem& item);

}  // namespace indicatord
