// The bulletin as JSON: a public interface, documented in docs/bulletins.md. Keys come in a
// fixed order and no instant but the bulletin's own is written, so the bytes repeat.
#include <boost/json.hpp>

#include "report/bulletin_formats.hpp"
#include "util/json_text.hpp"

namespace indicatord {

namespace json = boost::json;

namespace {

json::value opt(const std::optional<double>& v) {
    return v ? json::value(*v) : json::value(nullptr);
}

json::value opt(const std::optional<Period>& p) {
    return p ? json::value(p->label()) : json::value(nullptr);
}

json::object counts_json(const BulletinCounts& c) {
    json::object progress;
    for (auto p : kAllProgress) progress[to_string(p)] = c.of(p);
    json::object statuses;
    for (auto s : kAllStatuses) statuses[to_string(s)] = c.of(s);
    return json::object{{"tasks", c.tasks},
                        {"progress", std::move(progress)},
                        {"indicators", c.indicators},
                        {"statuses", std::move(statuses)}};
}

json::array breakdown_json(const BulletinUnit& u) {
    json::array out;
    for (const auto& l : u.breakdown)
        out.push_back(json::object{{"on", to_string(l.on)},
                                   {"words", score_words(l.on)},
                                   {"count", l.count},
                                   {"points", l.points},
                                   {"capped", l.capped}});
    return out;
}

json::value scoring_json(const std::optional<Scoring>& s) {
    if (!s) return nullptr;
    json::array rules;
    for (const auto& r : s->rules)
        rules.push_back(json::object{{"on", to_string(r.on)},
                                     {"words", score_words(r.on)},
                                     {"points", r.points},
                                     {"cap", opt(r.cap)}});
    return json::object{{"base", s->base}, {"rank", s->rank}, {"rules", std::move(rules)}};
}

json::object overdue_json(const BulletinOverdue& o, const json::storage_ptr& sp) {
    return json::object({{"unit", o.unit},
                         {"unit_name", o.unit_name},
                         {"indicator", o.indicator},
                         {"indicator_name", o.indicator_name},
                         {"task", o.task},
                         {"period", o.period.label()},
                         {"due_day", day_text(date::year_month_day{o.due_day})},
                         {"working_days_overdue", o.working_days},
                         {"days_overdue", o.calendar_days}},
                        sp);
}

json::value changes_json(const std::optional<BulletinChanges>& c, const json::storage_ptr& sp) {
    if (!c) return nullptr;
    json::array overdue(sp), resolved(sp), achieved(sp);
    for (const auto& o : c->newly_overdue) overdue.push_back(overdue_json(o, sp));
    for (const auto& o : c->newly_resolved) resolved.push_back(overdue_json(o, sp));
    for (const auto& a : c->newly_achieved)
        achieved.push_back(json::object({{"indicator", a.indicator},
                                         {"indicator_name", a.indicator_name},
                                         {"unit", a.unit},
                                         {"unit_name", a.unit_name},
                                         {"task", a.task}},
                                        sp));
    return json::object({{"since", format_instant(c->since)},
                         {"since_date", day_text(c->since_day)},
                         {"newly_overdue", std::move(overdue)},
                         {"newly_resolved", std::move(resolved)},
                         {"newly_achieved", std::move(achieved)}},
                        sp);
}

}  // namespace

std::string bulletin_json(const Bulletin& b) {
    // One arena for the whole document: a bulletin of 100,000 indicators has tens of thousands
    // of rows (docs/benchmarks.md), and rows built in the arena of their array move into it.
    const json::storage_ptr sp = json::make_shared_resource<json::monotonic_resource>();
    json::array sections;
    for (const auto& s : b.sections)
        sections.push_back(json::object{{"name", s.name}, {"counts", counts_json(s.counts)}});
    json::array units(sp);
    units.reserve(b.units.size());
    for (const auto& u : b.units)
        units.push_back(json::object(
            {
                {"id", u.id},
                {"name", u.name},
                {"rank", u.rank ? json::value(u.rank) : json::value(nullptr)},
                {"led", u.led},
                {"due", u.due},
                {"on_time", u.on_time},
                {"late", u.late},
                {"missing", u.missing},
                {"on_time_rate", opt(u.on_time_rate())},
                {"achieved", u.achieved},
                {"at_risk", u.at_risk},
                {"missed", u.missed},
                {"overdue", u.overdue},
                {"awaiting_review", u.awaiting_review},
                {"returned", u.returned},
                {"achieved_rate", opt(u.achieved_rate())},
                {"score", opt(u.score)},
                {"score_breakdown", breakdown_json(u)},
            },
            sp));
    json::array overdue(sp);
    overdue.reserve(b.overdue.size());
    for (const auto& o : b.overdue) overdue.push_back(overdue_json(o, sp));
    json::array targets(sp);
    targets.reserve(b.targets.size());
    for (const auto& t : b.targets)
        targets.push_back(json::object({{"indicator", t.indicator},
                                        {"indicator_name", t.indicator_name},
                                        {"measure", t.measure},
                                        {"unit", t.unit},
                                        {"unit_name", t.unit_name},
                                        {"task", t.task},
                                        {"status", to_string(t.status)},
                                        {"period", opt(t.period)},
                                        {"value", opt(t.value)},
                                        {"target", opt(t.target)},
                                        {"expected", opt(t.expected)},
                                        {"reason", t.reason}},
                                       sp));
    json::array obligations(sp);
    obligations.reserve(b.obligations.size());
    for (const auto& o : b.obligations)
        obligations.push_back(json::object(
            {{"indicator", o.indicator},
             {"indicator_name", o.indicator_name},
             {"unit", o.unit},
             {"unit_name", o.unit_name},
             {"task", o.task},
             {"status", to_string(o.status)},
             {"period", opt(o.period)},
             {"percent", opt(o.percent)},
             {"progress", o.progress},
             {"reported_at",
              o.reported_at ? json::value(format_instant(*o.reported_at)) : json::value(nullptr)}},
            sp));
    const json::object out(
        {
            {"schema", 1},
            {"plan", json::object{{"id", b.plan_id}, {"name", b.plan_name}, {"year", b.year}}},
            {"as_of", format_instant(b.as_of)},
            {"as_of_date", day_text(b.as_of_day)},
            {"headline", b.headline},
            {"counts", counts_json(b.counts)},
            {"sections", std::move(sections)},
            {"ranking_rule", b.ranking_rule},
            {"scoring", scoring_json(b.scoring)},
            {"units", std::move(units)},
            {"overdue", std::move(overdue)},
            {"targets", std::move(targets)},
            {"obligations", std::move(obligations)},
            {"changes", changes_json(b.changes, sp)},
        },
        sp);
    return json_text(out, true) + "\n";
}

}  // namespace indicatord
