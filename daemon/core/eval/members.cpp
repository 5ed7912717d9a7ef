// Per-member indicators (各县(市、区)分别): the roll-up of the members' statuses, and a member's
// report of the roll-up's key routed to its own series. The loader (config/plan_loader.cpp)
// expands such an indicator into the roll-up and one series per member.
#include "eval/members.hpp"

#include <algorithm>

namespace indicatord {

MemberCounts count_members(const Indicator& rollup, std::span<const Evaluation> evaluations) {
    MemberCounts c;
    for (auto m : rollup.members) {
        if (m >= evaluations.size()) continue;
        ++c.by_status[static_cast<std::size_t>(evaluations[m].status)];
        ++c.total;
    }
    return c;
}

Evaluation evaluate_rollup(const Indicator& rollup, std::span<const Evaluation> evaluations) {
    static constexpr Status kWorstFirst[] = {Status::missed,  Status::overdue, Status::at_risk,
                                             Status::no_data, Status::pending, Status::on_track,
                                             Status::achieved};
    const auto counts = count_members(rollup, evaluations);
    Evaluation ev;
    ev.status = Status::pending;
    for (auto s : kWorstFirst)
        if (counts.of(s) > 0) {
            ev.status = s;
            break;
        }
    for (auto m : rollup.members) {
        if (m >= evaluations.size()) continue;
        const auto& due = evaluations[m].next_due;
        if (due && (!ev.next_due || *due < *ev.next_due)) ev.next_due = due;
    }
    return ev;
}

std::string describe_members(const MemberCounts& counts) {
    std::string out = std::to_string(counts.total) + " members:";
    bool first = true;
    for (auto s : kAllStatuses) {
        if (counts.of(s) == 0) continue;
        out +=
            (first ? " " : ", ") + std::to_string(counts.of(s)) + " " + std::string(to_string(s));
        first = false;
    }
    return out;
}

std::string assign_member(const Plan& plan, std::string_view unit, IngestItem& item) {
    const auto& ind = plan.indicators[item.indicator];
    if (!ind.rollup()) return {};
    for (auto m : ind.members)
        if (plan.indicators[m].lead_unit == unit) {
            item.indicator = m;
            return {};
        }
    if (!unit.empty()) return {};
    std::string keys;
    for (std::size_t i = 0; i < ind.members.size() && i < 3; ++i)
        keys += (i ? ", '" : "'") + plan.indicators[ind.members[i]].key + "'";
    if (ind.members.size() > 3) keys += ", ...";
    return "indicator '" + ind.key + "' is reported per member: report '" + ind.key +
           "@<member unit id>' (" + keys + "), or '" + ind.key + "' with a member's token";
}

}  // namespace indicatord
