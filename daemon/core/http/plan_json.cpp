#include "http/plan_json.hpp"

#include <boost/json.hpp>

#include "eval/kinds/registry.hpp"

namespace indicatord {

namespace json = boost::json;

namespace {

json::array strings(const std::vector<std::string>& v) {
    json::array a;
    for (const auto& s : v) a.emplace_back(s);
    return a;
}

}  // namespace

json::object rule_to_json(const Indicator& ind) {
    json::object r;
    r["kind"] = kind_name(ind.rule);
    json::array targets;
    kinds::of(ind.rule).to_json(ind.rule, r, targets);
    r["targets"] = std::move(targets);
    return r;
}

json::object indicator_to_json(const Indicator& ind, const Plan* plan) {
    json::object o;
    o["key"] = ind.key;
    if (plan && plan->several()) o["plan"] = plan->id_of(ind);
    o["name"] = ind.name;
    o["kind"] = kind_name(ind.rule);
    o["measure"] = ind.measure;
    o["task"] = ind.task;
    if (const Task* t = plan ? plan->task_of(ind) : nullptr; t && !t->ref.empty())
        o["task_ref"] = t->ref;
    o["lead_unit"] = ind.lead_unit;
    if (!ind.leader.empty()) o["leader"] = ind.leader;
    if (!ind.member_of.empty()) o["member_of"] = ind.member_of;
    if (ind.rollup() && plan) {
        json::array members;
        for (auto m : ind.members)
            members.push_back(json::object{{"unit", plan->indicators[m].lead_unit},
                                           {"key", plan->indicators[m].key}});
        o["members"] = std::move(members);
    }
    if (!ind.derived()) {
        o["cadence"] = to_string(ind.schedule.cadence);
        o["ytd"] = ind.ytd;
        o["due"] = ind.schedule.due.text();
        o["grace"] = ind.schedule.grace.text();
        o["remind"] = ind.schedule.remind.text();
    }
    o["notify_co"] = ind.notify_co;
    if (ind.review.required()) {  // docs/review.md
        o["review"] = ind.review.text();
        o["review_due"] = DayOffset{ind.review.due_days, ind.review.due_working_days}.text();
    }
    o["writers"] = strings(ind.writers);
    if (!ind.note.empty()) o["note"] = ind.note;
    o["rule"] = rule_to_json(ind);
    return o;
}

json::value plan_to_json(const Plan& plan) {
    json::object root;
    root["plan"] = json::object{{"id", plan.id},
                                {"name", plan.name},
                                {"year", plan.year},
                                {"timezone", plan.timezone},
                                {"source", plan.source}};
    if (plan.end_year() != plan.year) root["plan"].as_object()["last_year"] = plan.end_year();
    if (plan.several()) {
        json::array plans;
        for (const auto& p : plan.plans) {
            json::object o{{"id", p.id}, {"name", p.name}, {"year", p.year}, {"source", p.source}};
            if (p.last_year != p.year) o["last_year"] = p.last_year;
            if (!p.previous.empty()) o["previous"] = p.previous;
            plans.push_back(std::move(o));
        }
        root["plans"] = std::move(plans);
    }
    json::array units;
    for (const auto& u : plan.units) {
        json::object o{{"id", u.id},
                       {"name", u.name},
                       {"kind", to_string(u.kind)},
                       {"aliases", strings(u.aliases)}};
        if (!u.members.empty()) o["members"] = strings(u.members);
        if (!u.note.empty()) o["note"] = u.note;
        units.push_back(std::move(o));
    }
    root["units"] = std::move(units);
    json::array tasks;
    for (const auto& t : plan.tasks) {
        json::object o{{"number", t.number}, {"section", t.section}, {"text", t.text}};
        if (plan.several()) o["plan"] = plan.plans[t.plan].id;
        if (!t.ref.empty()) o["ref"] = t.ref;
        o["lead"] = t.joint ? json::array{} : strings(t.leads);
        o["joint_leads"] = t.joint ? strings(t.leads) : json::array{};
        o["per_member"] = t.per_member;
        if (!t.leader.empty()) o["leader"] = t.leader;
        o["co"] = strings(t.co);
        json::array inds;
        for (auto i : t.indicators) inds.push_back(indicator_to_json(plan.indicators[i], &plan));
        o["indicators"] = std::move(inds);
        tasks.push_back(std::move(o));
    }
    root["tasks"] = std::move(tasks);
    return root;
}

}  // namespace indicatord
