#include "report/bulletin_load.hpp"

#include <algorithm>

#include "store/as_of.hpp"

namespace indicatord {

std::optional<std::size_t> bulletin_plan(const Plan& plan, std::string_view id) {
    if (id.empty() || (plan.plans.empty() && id == plan.id)) return 0;
    for (std::size_t i = 0; i < plan.plans.size(); ++i)
        if (plan.plans[i].id == id) return i;
    return std::nullopt;
}

std::optional<TimePoint> parse_as_of(std::string_view text, const date::time_zone* zone) {
    if (auto t = parse_instant(text)) return t;
    if (text.size() != 10) return std::nullopt;
    const auto d = parse_date(text);
    if (!d) return std::nullopt;
    const auto next = date::local_days{date::sys_days{*d}.time_since_epoch()} + date::days{1};
    const auto start = zone->to_sys(next, date::choose::earliest);
    return std::chrono::time_point_cast<std::chrono::milliseconds>(start) -
           std::chrono::milliseconds(1);
}

Bulletin bulletin_from_store(sqlite::Database& db, std::shared_ptr<const Plan> plan,
                             std::shared_ptr<const WorkCalendar> calendar, std::size_t plan_index,
                             TimePoint as_of, const Scoring* scoring) {
    Engine engine(plan, std::move(calendar));
    ReportRecords records(plan->indicators.size());
    // The review tables as they stood: values approved later did not count yet, those awaiting
    // review then were reports that came (docs/review.md).
    const auto reviews = submissions_as_of(db, as_of);
    for_each_as_of(
        db, as_of,
        [&](const PeriodAsOf& row) {
            const long i = engine.plan().index_of(row.indicator);
            const auto p = parse_period(row.period);
            if (i < 0 || !p) return;  // a value of an indicator the plan no longer has
            const auto index = static_cast<std::size_t>(i);
            engine.record(index, Observation{*p, row.value, row.revision, row.reported_at});
            records[index].push_back(ReportRecord{*p, row.first_reported, std::string(row.note)});
        },
        reviews.approved_later);
    ReviewTallies tallies;
    tallies.awaiting.resize(plan->indicators.size());
    tallies.returned.resize(plan->indicators.size());
    for (const auto& s : reviews.submissions) {
        const long i = engine.plan().index_of(s.indicator);
        const auto p = parse_period(s.period);
        if (i < 0 || !p) continue;
        const auto index = static_cast<std::size_t>(i);
        if (s.state == "returned") ++tallies.returned[index];
        if (s.state != "submitted") continue;
        ++tallies.awaiting[index];
        engine.set_awaiting(index, *p, true);
        // the report came with the submission: the period's first report, unless a value
        // counted before it (a revision under review)
        auto& list = records[index];
        auto r = std::find_if(list.begin(), list.end(),
                              [&](const ReportRecord& x) { return x.period == *p; });
        if (r == list.end())
            list.push_back(ReportRecord{*p, s.reported_at, s.note});
        else if (s.reported_at < r->first_reported)
            r->first_reported = s.reported_at;
    }
    for (auto& list : records)
        std::sort(list.begin(), list.end(),
                  [](const ReportRecord& a, const ReportRecord& b) { return a.period < b.period; });
    engine.evaluate_all(as_of);
    return compute_bulletin(engine, plan_index, as_of, records, scoring, &tallies);
}

Bulletin bulletin_since(sqlite::Database& db, std::shared_ptr<const Plan> plan,
                        std::shared_ptr<const WorkCalendar> calendar, std::size_t plan_index,
                        TimePoint as_of, TimePoint since, const Scoring* scoring) {
    const auto before = bulletin_from_store(db, plan, calendar, plan_index, since, scoring);
    auto now = bulletin_from_store(db, plan, std::move(calendar), plan_index, as_of, scoring);
    add_changes(now, before, *plan);
    return now;
}

}  // namespace indicatord
