#include "report/bulletin.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <unordered_map>

#include "report/bulletin_formats.hpp"

namespace indicatord {

std::string_view to_string(TaskProgress p) {
    switch (p) {
        case TaskProgress::completed:
            return "completed";
        case TaskProgress::on_schedule:
            return "on_schedule";
        case TaskProgress::behind:
            return "behind";
        case TaskProgress::not_started:
            return "not_started";
    }
    return "";
}

std::string_view bulletin_words(TaskProgress p) {
    switch (p) {
        case TaskProgress::completed:
            return "已完成";
        case TaskProgress::on_schedule:
            return "序时推进";
        case TaskProgress::behind:
            return "滞后";
        case TaskProgress::not_started:
            return "未启动";
    }
    return "";
}

int working_days_between(const WorkCalendar* calendar, date::sys_days from, date::sys_days to) {
    int n = 0;
    for (auto d = from + date::days{1}; d <= to; d += date::days{1}) {
        if (calendar ? calendar->is_working_day(d)
                     : date::weekday{d} != date::Saturday && date::weekday{d} != date::Sunday)
            ++n;
    }
    return n;
}

namespace {

constexpr std::string_view kRateRule =
    "按按时报送率（按时报送数/应报数）从高到低排名，相同时按完成率（已完成指标数/牵头指标数）从高"
    "到低；两项都相同的单位并列同一名次，下一名次顺延；截至通报日尚无应报数的单位不参与排名。";

std::string score_rule(const Scoring& s) {
    std::string out = "按考评得分从高到低排名（得分 = 基础分" + bulletin_number(s.base);
    for (const auto& r : s.rules) {
        out += "，" + std::string(score_words(r.on)) + "每项" + (r.points >= 0 ? "加" : "扣") +
               bulletin_number(std::abs(r.points)) + "分";
        if (r.cap) out += "（最多" + bulletin_number(*r.cap) + "分）";
    }
    return out + "）；得分相同的单位并列同一名次，下一名次顺延。";
}

// Points in hundredths, so that sums of fractional points compare and print exactly.
double cents(double points) {
    return std::round(points * 100) / 100;
}

void score(BulletinUnit& u, const Scoring& s, int overdue_days) {
    double total = s.base;
    for (const auto& r : s.rules) {
        ScoreLine line;
        line.on = r.on;
        switch (r.on) {
            case ScoreOn::report_on_time:
                line.count = u.on_time;
                break;
            case ScoreOn::report_late:
                line.count = u.late;
                break;
            case ScoreOn::report_missing:
                line.count = u.missing;
                break;
            case ScoreOn::overdue_working_day:
                line.count = overdue_days;
                break;
            case ScoreOn::target_achieved:
                line.count = u.achieved;
                break;
            case ScoreOn::target_at_risk:
                line.count = u.at_risk;
                break;
            case ScoreOn::target_missed:
                line.count = u.missed;
                break;
        }
        line.points = cents(line.count * r.points);
        if (r.cap && std::abs(line.points) > *r.cap) {
            line.points = line.points < 0 ? -*r.cap : *r.cap;
            line.capped = true;
        }
        total += line.points;
        u.breakdown.push_back(line);
    }
    u.score = cents(total);
}

TaskProgress progress_of(const std::vector<Status>& statuses) {
    bool all_achieved = true, all_pending = true;
    for (auto s : statuses) {
        if (s == Status::at_risk || s == Status::missed || s == Status::overdue)
            return TaskProgress::behind;
        all_achieved = all_achieved && s == Status::achieved;
        all_pending = all_pending && s == Status::pending;
    }
    if (statuses.empty() || all_pending) return TaskProgress::not_started;
    return all_achieved ? TaskProgress::completed : TaskProgress::on_schedule;
}

std::string month_day(date::year_month_day d) {
    return std::to_string(static_cast<unsigned>(d.month())) + "月" +
           std::to_string(static_cast<unsigned>(d.day())) + "日";
}

std::string headline(const Bulletin& b) {
    const auto& c = b.counts;
    std::string s = "截至" + month_day(b.as_of_day) + "，" + std::to_string(c.tasks) + "项任务中，";
    s += "已完成" + std::to_string(c.of(TaskProgress::completed)) + "项，";
    s += "序时推进" + std::to_string(c.of(TaskProgress::on_schedule)) + "项，";
    s += "滞后" + std::to_string(c.of(TaskProgress::behind)) + "项";
    if (const int n = c.of(TaskProgress::not_started)) s += "，未启动" + std::to_string(n) + "项";
    s += "。";
    s += std::to_string(c.indicators) + "项指标中，已完成" +
         std::to_string(c.of(Status::achieved)) + "项，有风险" +
         std::to_string(c.of(Status::at_risk)) + "项，未达标" +
         std::to_string(c.of(Status::missed)) + "项，逾期未报" +
         std::to_string(c.of(Status::overdue)) + "项";
    if (!b.overdue.empty()) s += "；逾期未报送" + std::to_string(b.overdue.size()) + "期次";
    s += "。";
    return s;
}

const ReportRecord* record_of(const ReportRecords& records, std::size_t i, const Period& p) {
    if (i >= records.size()) return nullptr;
    for (const auto& r : records[i])
        if (r.period == p) return &r;
    return nullptr;
}

// Orders two units by the ranking rule: a > b when a ranks before b; 0 when tied. Fractions
// are compared by cross-multiplication, so that equal rates tie exactly.
int compare_units(const BulletinUnit& a, const BulletinUnit& b, bool by_score) {
    if (by_score && a.score && b.score) {
        if (*a.score != *b.score) return *a.score > *b.score ? 1 : -1;
        return 0;
    }
    const long long l = static_cast<long long>(a.on_time) * b.due;
    const long long r = static_cast<long long>(b.on_time) * a.due;
    if (l != r) return l > r ? 1 : -1;
    const long long la = static_cast<long long>(a.achieved) * (b.led ? b.led : 1);
    const long long ra = static_cast<long long>(b.achieved) * (a.led ? a.led : 1);
    if (la != ra) return la > ra ? 1 : -1;
    return 0;
}

}  // namespace

Bulletin compute_bulletin(const Engine& engine, std::size_t plan_index, TimePoint as_of,
                          const ReportRecords& records, const Scoring* scoring,
                          const ReviewTallies* reviews) {
    const Plan& plan = engine.plan();
    Bulletin b;
    int last_year = 0;  // of a plan spanning several years
    if (plan_index < plan.plans.size()) {
        const auto& info = plan.plans[plan_index];
        b.plan_id = info.id;
        b.plan_name = info.name;
        b.year = info.year;
        last_year = info.last_year;
    } else {
        b.plan_id = plan.id;
        b.plan_name = plan.name;
        b.year = plan.year;
        last_year = plan.last_year;
    }
    const auto in_plan = [&](std::size_t plan_of) {
        return plan.plans.empty() || plan_of == plan_index;
    };
    b.as_of = as_of;
    const auto local = engine.zone()->to_local(as_of);
    const auto today = date::sys_days{date::floor<date::days>(local).time_since_epoch()};
    b.as_of_day = date::year_month_day{today};
    const auto evals = engine.evaluations();
    const DueDates& dues = engine.dues();

    // Tasks and sections.
    std::vector<Status> statuses;
    for (const auto& t : plan.tasks) {
        if (!in_plan(t.plan)) continue;
        statuses.clear();
        for (auto i : t.indicators)
            if (plan.indicators[i].member_of.empty()) statuses.push_back(evals[i].status);
        const auto progress = progress_of(statuses);
        auto sec = std::find_if(b.sections.begin(), b.sections.end(),
                                [&](const BulletinSection& s) { return s.name == t.section; });
        if (sec == b.sections.end()) sec = b.sections.insert(b.sections.end(), {t.section, {}});
        for (auto* c : {&b.counts, &sec->counts}) {
            ++c->tasks;
            ++c->of(progress);
            c->indicators += static_cast<int>(statuses.size());
            for (auto s : statuses) ++c->of(s);
        }
    }

    // Units, their reports, overdue reports, targets and obligations.
    std::map<std::string, BulletinUnit> units;
    std::unordered_map<int, int> working_days;  // due day -> working days overdue
    for (std::size_t i = 0; i < plan.indicators.size(); ++i) {
        const auto& ind = plan.indicators[i];
        if (!in_plan(ind.plan) || ind.rollup()) continue;
        const auto& e = evals[i];
        auto& u = units[ind.lead_unit];
        ++u.led;
        if (e.status == Status::achieved) {
            ++u.achieved;
            b.achieved.push_back(i);
        }
        if (e.status == Status::at_risk) ++u.at_risk;
        if (e.status == Status::missed) ++u.missed;
        if (e.status == Status::overdue) ++u.overdue;
        if (reviews) {
            if (i < reviews->awaiting.size()) u.awaiting_review += reviews->awaiting[i];
            if (i < reviews->returned.size()) u.returned += reviews->returned[i];
        }
        const bool report = std::holds_alternative<rule::Report>(ind.rule);
        if (!ind.derived()) {
            const auto& series = engine.series(i);
            // the periods of every year of the plan, in order (`once`: the first year's)
            std::vector<Period> periods;
            const int until =
                ind.schedule.cadence == Cadence::once ? b.year : std::max(b.year, last_year);
            for (int y = b.year; y <= until; ++y)
                for (const auto& p : periods_of_year(ind.schedule.cadence, y)) periods.push_back(p);
            for (const auto& p : periods) {
                if (ind.schedule.cadence == Cadence::month && ind.schedule.skips(p.index)) continue;
                const auto due = dues.due(p, ind.schedule);
                if (due > as_of) break;  // periods come in order, and so do their due days
                // a value awaiting review is a report that came (reported on time or late by
                // its submission), though it does not count in the status yet
                if (series.at(p) || series.awaits(p)) {
                    ++u.due;
                    const auto* r = record_of(records, i, p);
                    ++(r && r->first_reported > due ? u.late : u.on_time);
                    continue;
                }
                // a year-to-date value of a later period covers this one (as evaluation has it)
                if (ind.ytd && series.latest() && p < series.latest()->period) continue;
                ++u.due;
                ++u.missing;
                if (dues.overdue(p, ind.schedule) > as_of) continue;
                BulletinOverdue o;
                o.unit = ind.lead_unit;
                o.indicator = ind.key;
                o.indicator_name = ind.name;
                o.task = ind.task;
                o.period = p;
                o.due_day = dues.due_day(p, ind.schedule);
                const int key = o.due_day.time_since_epoch().count();
                auto wd = working_days.find(key);
                if (wd == working_days.end())
                    wd =
                        working_days
                            .emplace(key, working_days_between(engine.calendar(), o.due_day, today))
                            .first;
                o.working_days = wd->second;
                o.calendar_days = static_cast<int>((today - o.due_day).count());
                b.overdue.push_back(std::move(o));
            }
        }
        if (report) {
            BulletinObligation o;
            o.indicator = ind.key;
            o.indicator_name = ind.name;
            o.unit = ind.lead_unit;
            o.task = ind.task;
            o.status = e.status;
            if (const auto* last = engine.series(i).latest()) {
                o.period = last->period;
                o.percent = last->value;
                o.reported_at = last->reported_at;
                if (const auto* r = record_of(records, i, last->period)) o.progress = r->note;
            }
            b.obligations.push_back(std::move(o));
        } else if (e.status == Status::at_risk || e.status == Status::missed) {
            BulletinTarget t;
            t.indicator = ind.key;
            t.indicator_name = ind.name;
            t.measure = ind.measure;
            t.unit = ind.lead_unit;
            t.task = ind.task;
            t.status = e.status;
            t.period = e.period;
            t.value = e.value;
            t.target = e.target;
            t.expected = e.expected;
            t.reason = describe(ind, e);
            b.targets.push_back(std::move(t));
        }
    }
    const auto name_of = [&](const std::string& id) {
        const auto* u = plan.find_unit(id);
        return u ? u->name : id;
    };
    for (auto& o : b.overdue) o.unit_name = name_of(o.unit);
    for (auto& t : b.targets) t.unit_name = name_of(t.unit);
    for (auto& o : b.obligations) o.unit_name = name_of(o.unit);
    std::stable_sort(b.overdue.begin(), b.overdue.end(),
                     [](const BulletinOverdue& x, const BulletinOverdue& y) {
                         if (x.working_days != y.working_days)
                             return x.working_days > y.working_days;
                         if (x.unit != y.unit) return x.unit < y.unit;
                         if (x.task != y.task) return x.task < y.task;
                         return x.indicator < y.indicator;
                     });
    std::stable_sort(
        b.targets.begin(), b.targets.end(), [](const BulletinTarget& x, const BulletinTarget& y) {
            const bool xm = x.status == Status::missed, ym = y.status == Status::missed;
            if (xm != ym) return xm;
            return x.task < y.task;
        });
    std::stable_sort(
        b.obligations.begin(), b.obligations.end(),
        [](const BulletinObligation& x, const BulletinObligation& y) { return x.task < y.task; });

    // Scores (考评), with the plan's rules.
    if (scoring) b.scoring = *scoring;
    if (b.scoring) {
        std::map<std::string, int> overdue_days;
        for (const auto& o : b.overdue) overdue_days[o.unit] += o.working_days;
        for (auto& [id, u] : units) score(u, *b.scoring, overdue_days[id]);
    }
    const bool by_score = b.scoring && b.scoring->rank;
    b.ranking_rule = by_score ? score_rule(*b.scoring) : std::string(kRateRule);

    // Ranking: units with reports due (by score: every unit), by the rule; ties share a rank
    // (1, 1, 3).
    std::vector<BulletinUnit> ranked, unranked;
    for (auto& [id, u] : units) {
        u.id = id;
        u.name = name_of(id);
        (u.due || by_score ? ranked : unranked).push_back(std::move(u));
    }
    std::stable_sort(ranked.begin(), ranked.end(),
                     [&](const BulletinUnit& x, const BulletinUnit& y) {
                         return compare_units(x, y, by_score) > 0;
                     });
    for (std::size_t k = 0; k < ranked.size(); ++k)
        ranked[k].rank = k > 0 && compare_units(ranked[k], ranked[k - 1], by_score) == 0
                             ? ranked[k - 1].rank
                             : static_cast<int>(k) + 1;
    b.units = std::move(ranked);
    b.units.insert(b.units.end(), std::make_move_iterator(unranked.begin()),
                   std::make_move_iterator(unranked.end()));
    b.headline = headline(b);
    return b;
}

void add_changes(Bulletin& now, const Bulletin& before, const Plan& plan) {
    BulletinChanges c;
    c.since = before.as_of;
    c.since_day = before.as_of_day;
    const auto same = [](const BulletinOverdue& x, const BulletinOverdue& y) {
        return x.indicator == y.indicator && x.period == y.period;
    };
    const auto in = [&](const std::vector<BulletinOverdue>& list, const BulletinOverdue& o) {
        return std::any_of(list.begin(), list.end(),
                           [&](const BulletinOverdue& x) { return same(x, o); });
    };
    for (const auto& o : now.overdue)
        if (!in(before.overdue, o)) c.newly_overdue.push_back(o);
    for (const auto& o : before.overdue)
        if (!in(now.overdue, o)) c.newly_resolved.push_back(o);
    for (const auto i : now.achieved) {
        if (std::binary_search(before.achieved.begin(), before.achieved.end(), i)) continue;
        const auto& ind = plan.indicators[i];
        const auto* u = plan.find_unit(ind.lead_unit);
        c.newly_achieved.push_back(
            {ind.key, ind.name, ind.lead_unit, u ? u->name : ind.lead_unit, ind.task});
    }
    std::stable_sort(
        c.newly_achieved.begin(), c.newly_achieved.end(),
        [](const BulletinAchieved& x, const BulletinAchieved& y) { return x.task < y.task; });
    now.headline += "与" + month_day(c.since_day) + "相比，新增逾期未报送" +
                    std::to_string(c.newly_overdue.size()) + "期次，补报" +
                    std::to_string(c.newly_resolved.size()) + "期次，新完成目标" +
                    std::to_string(c.newly_achieved.size()) + "项。";
    now.changes = std::move(c);
}

}  // namespace indicatord
