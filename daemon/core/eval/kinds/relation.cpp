// relation: one reported series against another for the same period only (与经济增长同步,
// 快于, 不低于全省平均): in_step (at most `tolerance` below the reference; faster is fine),
// faster_than, not_below. Derived like an expression: no series or due dates of its own; the
// reference keeps its own cadence and due dates (a province average published later).
#include "eval/kinds/common.hpp"
#include "eval/kinds/registry.hpp"
#include "util/errors.hpp"
#include "util/yaml_util.hpp"

namespace indicatord::kinds {

namespace {

constexpr std::string_view keys[] = {"subject", "relation", "of", "tolerance", "above"};

void parse(const std::filesystem::path& f, const yaml::Node& n, Indicator& ind) {
    rule::Relation r;
    r.subject = yaml::scalar(f, yaml::required(f, n, "subject", "relation indicator"), "subject");
    r.of = yaml::scalar(f, yaml::required(f, n, "of", "relation indicator"), "of");
    const auto rn = yaml::required(f, n, "relation", "relation indicator");
    const auto type = yaml::scalar(f, rn, "relation");
    if (type == "in_step")
        r.type = rule::RelationType::in_step;
    else if (type == "faster_than")
        r.type = rule::RelationType::faster_than;
    else if (type == "not_below")
        r.type = rule::RelationType::not_below;
    else
        yaml::fail(f, rn,
                   "relation must be one of in_step, faster_than, not_below, got '" + type + "'");
    if (const auto t = n["tolerance"]) {
        if (r.type != rule::RelationType::in_step)
            yaml::fail(f, t, "tolerance applies to relation in_step only");
        r.tolerance = yaml::number(f, t, "tolerance");
        if (r.tolerance < 0) yaml::fail(f, t, "tolerance must not be negative");
    }
    // 基本同步 both ways: faster by more than `above` is out of step too (unset: faster is fine)
    if (const auto a = n["above"]) {
        if (r.type != rule::RelationType::in_step)
            yaml::fail(f, a, "above applies to relation in_step only");
        r.above = yaml::number(f, a, "above");
        if (*r.above < 0) yaml::fail(f, a, "above must not be negative");
    }
    ind.rule = r;
}

// Both sides are reported indicators that share at least one period: checked here for the
// sides in the indicator's own plan, in `link` for a side in another plan (`of: plan:key`).
void check_side(const Indicator& ind, const Indicator* side, const std::string& key,
                const std::function<void(const std::string&)>& fail) {
    if (!side) fail("relation names unknown indicator '" + key + "'");
    if (side->key == ind.key) fail("relation names its own indicator '" + key + "'");
    if (side->derived())
        fail("relation names derived indicator '" + key +
             "' (only reported indicators may be compared)");
}

bool other_plan(const std::string& key) {
    return key.find(':') != std::string::npos;
}

std::optional<std::string> never_together(const rule::Relation& r, int year) {
    for (const auto& p : periods_of_year(r.subject_shape.schedule.cadence, year))
        if (period_with_span(r.of_shape, span_of(p, r.subject_shape.ytd))) return std::nullopt;
    return "relation compares like-for-like, but '" + r.subject + "' (" +
           std::string(to_string(r.subject_shape.schedule.cadence)) +
           (r.subject_shape.ytd ? ", ytd" : "") + ") and '" + r.of + "' (" +
           std::string(to_string(r.of_shape.schedule.cadence)) + (r.of_shape.ytd ? ", ytd" : "") +
           ") are never reported for the same period";
}

void resolve(const std::filesystem::path& f, const yaml::Node& n, Indicator& ind,
             const Plan& plan) {
    auto& r = std::get<rule::Relation>(ind.rule);
    const char* names[2] = {"subject", "of"};
    std::string* keys_[2] = {&r.subject, &r.of};
    SeriesShape* shapes[2] = {&r.subject_shape, &r.of_shape};
    bool linked_later = false;
    for (int i = 0; i < 2; ++i) {
        const auto at = n[names[i]];
        if (other_plan(*keys_[i])) {
            linked_later = true;
            continue;
        }
        const auto* side = plan.find_indicator(*keys_[i]);
        check_side(ind, side, *keys_[i], [&](const std::string& m) { yaml::fail(f, at, m); });
        *shapes[i] = SeriesShape{side->schedule, side->ytd};
    }
    if (r.subject == r.of) yaml::fail(f, n["of"], "relation compares '" + r.of + "' with itself");
    if (linked_later) return;
    if (const auto e = never_together(r, plan.year)) yaml::fail(f, n["of"], *e);
}

// The sides' combined keys; a side in another plan (`of: lishui-2023:gdp`) checked here.
void link(Indicator& ind, const Plan& combined, std::string_view prefix) {
    auto& r = std::get<rule::Relation>(ind.rule);
    const auto fail = [&](const std::string& m) {
        throw ConfigError(ind.defined_at.text() + ": " + m);
    };
    std::string* keys_[2] = {&r.subject, &r.of};
    SeriesShape* shapes[2] = {&r.subject_shape, &r.of_shape};
    bool cross = false;
    for (int i = 0; i < 2; ++i) {
        if (!other_plan(*keys_[i])) {
            keys_[i]->insert(0, prefix);
            continue;
        }
        cross = true;
        if (!combined.several())
            fail("relation names '" + *keys_[i] +
                 "' of another plan, but this daemon runs only plan " + combined.id +
                 " (list the other plan's folder under 'rules:')");
        const auto* side = combined.find_indicator(*keys_[i]);
        check_side(ind, side, *keys_[i], fail);
        *shapes[i] = SeriesShape{side->schedule, side->ytd};
    }
    if (cross)
        if (const auto e = never_together(r, combined.year_of(ind))) fail(*e);
}

Evaluation derive(const Indicator& ind, const EvalContext& ctx) {
    const auto& r = std::get<rule::Relation>(ind.rule);
    Evaluation e;
    const std::string sides[2] = {r.subject, r.of};
    const SeriesShape shapes[2] = {r.subject_shape, r.of_shape};
    const auto inputs = like_for_like(sides, shapes, ctx, e);
    if (!inputs.ok) return e;
    const double s = inputs.values[0]->value, o = inputs.values[1]->value;
    e.value = s;
    e.period = inputs.values[0]->period;
    e.target = o;
    e.input = 1;
    e.input_period = inputs.values[1]->period;
    bool met = false;
    switch (r.type) {
        case rule::RelationType::in_step:
            met = s >= o - r.tolerance && (!r.above || s <= o + *r.above);
            break;
        case rule::RelationType::faster_than:
            met = s > o;
            break;
        case rule::RelationType::not_below:
            met = s >= o;
            break;
    }
    verdict(e, met, final_period(*e.period, ctx));
    return e;
}

std::string reason(const Indicator& ind, const Evaluation& e) {
    const auto& r = std::get<rule::Relation>(ind.rule);
    if (e.reason != Reason::meets && e.reason != Reason::misses) {
        const std::string sides[2] = {r.subject, r.of};
        return input_text(sides, e);
    }
    const bool met = e.reason == Reason::meets;
    std::string how;
    switch (r.type) {
        case rule::RelationType::in_step:
            how = met ? " is in step with " : " is not in step with ";
            break;
        case rule::RelationType::faster_than:
            how = met ? " is faster than " : " is not faster than ";
            break;
        case rule::RelationType::not_below:
            how = met ? " is not below " : " is below ";
            break;
    }
    std::string text = r.subject + " " + value_text(e) + " for " + period_text(e) + how + r.of +
                       " " + target_text(e) + " for " +
                       (e.input_period ? e.input_period->label() : std::string("?"));
    if (r.type == rule::RelationType::in_step && r.above) {
        const bool over = e.value && e.target && *e.value > *e.target + *r.above;
        text += met    ? " (at most " + fmt(r.tolerance) + " below and " + fmt(*r.above) + " above)"
                : over ? " (more than " + fmt(*r.above) + " above)"
                       : " (more than " + fmt(r.tolerance) + " below)";
    } else if (r.type == rule::RelationType::in_step) {
        text += met ? " (at most " + fmt(r.tolerance) + " below)"
                    : " (more than " + fmt(r.tolerance) + " below)";
    }
    return text;
}

void to_json(const Rule& rule, boost::json::object& out, boost::json::array&) {
    const auto& r = std::get<rule::Relation>(rule);
    out["relation"] = rule::to_string(r.type);
    out["subject"] = r.subject;
    out["of"] = r.of;
    if (r.type == rule::RelationType::in_step) out["tolerance"] = r.tolerance;
    if (r.above) out["above"] = *r.above;
    out["inputs"] = boost::json::array{boost::json::string(r.subject), boost::json::string(r.of)};
}

}  // namespace

constinit const Kind relation{
    .syntax = {.name = "relation", .keys = keys, .parse = parse, .resolve = resolve, .link = link},
    .derive = derive,
    .reason = reason,
    .to_json = to_json,
    .statistic = true,  // not reported at all: check_value refuses a derived indicator first
};

}  // namespace indicatord::kinds
