#include "report/bulletin_schedule.hpp"

#include <cstdio>

namespace indicatord {

namespace {

using Every = BulletinScheduleConfig::Every;

// The first day of the period holding `day`: Monday, the 1st, the quarter's 1st.
date::sys_days period_start(Every every, date::sys_days day) {
    const date::year_month_day ymd{day};
    switch (every) {
        case Every::week:
            return day - (date::weekday{day} - date::Monday);
        case Every::month:
            return date::sys_days{ymd.year() / ymd.month() / 1};
        case Every::quarter: {
            const auto m = (static_cast<unsigned>(ymd.month()) - 1) / 3 * 3 + 1;
            return date::sys_days{ymd.year() / date::month{m} / 1};
        }
    }
    return day;
}

date::sys_days previous_start(Every every, date::sys_days start) {
    const date::year_month_day ymd{start};
    switch (every) {
        case Every::week:
            return start - date::days(7);
        case Every::month:
            return date::sys_days{ymd - date::months(1)};
        case Every::quarter:
            return date::sys_days{ymd - date::months(3)};
    }
    return start;
}

std::string period_label(Every every, date::sys_days start) {
    const date::year_month_day ymd{start};
    const int y = static_cast<int>(ymd.year());
    const unsigned m = static_cast<unsigned>(ymd.month());
    char buf[32];
    switch (every) {
        case Every::week: {
            // ISO 8601: the week belongs to the year of its Thursday
            const auto thursday = start + date::days(3);
            const date::year_month_day t{thursday};
            const auto jan1 = date::sys_days{t.year() / date::January / 1};
            const auto week = (thursday - jan1).count() / 7 + 1;
            std::snprintf(buf, sizeof buf, "%d-W%02d", static_cast<int>(t.year()),
                          static_cast<int>(week));
            break;
        }
        case Every::month:
            std::snprintf(buf, sizeof buf, "%d-%02u", y, m);
            break;
        case Every::quarter:
            std::snprintf(buf, sizeof buf, "%d-Q%u", y, (m - 1) / 3 + 1);
            break;
    }
    return buf;
}

date::sys_days first_start(Every every, ScheduleYears years) {
    return period_start(every, date::sys_days{date::year{years.first_year} / date::January / 1});
}

date::sys_days last_start(Every every, ScheduleYears years) {
    return period_start(every, date::sys_days{date::year{years.last_year + 1} / date::January / 1});
}

}  // namespace

std::string schedule_key(const BulletinScheduleConfig& s, std::string_view plan_id) {
    return std::string(plan_id) + "/" + std::string(to_string(s.every)) + "/" + on_text(s);
}

ScheduledRun scheduled_run(const BulletinScheduleConfig& s, date::sys_days start,
                           const WorkCalendar& calendar, const date::time_zone* zone) {
    ScheduledRun run;
    run.start = start;
    run.period = period_label(s.every, start);
    const auto day = s.on_working_days
                         ? calendar.add_working_days(calendar.next_working_day(start), s.on - 1)
                         : start + date::days(s.on - 1);
    const date::local_days local{day.time_since_epoch()};
    run.at = std::chrono::time_point_cast<std::chrono::milliseconds>(
        zone->to_sys(local + s.at, date::choose::earliest));
    return run;
}

std::optional<ScheduledRun> latest_due_run(const BulletinScheduleConfig& s, TimePoint now,
                                           ScheduleYears years, const WorkCalendar& calendar,
                                           const date::time_zone* zone) {
    const auto today = date::floor<date::days>(zone->to_local(now));
    auto start = period_start(s.every, date::sys_days{today.time_since_epoch()});
    if (const auto last = last_start(s.every, years); start > last) start = last;
    auto run = scheduled_run(s, start, calendar, zone);
    if (run.at > now) {
        start = previous_start(s.every, start);
        run = scheduled_run(s, start, calendar, zone);
    }
    if (start < first_start(s.every, years) || run.at > now) return std::nullopt;
    return run;
}

std::optional<ScheduledRun> previous_run(const BulletinScheduleConfig& s, const ScheduledRun& run,
                                         ScheduleYears years, const WorkCalendar& calendar,
                                         const date::time_zone* zone) {
    const auto start = previous_start(s.every, run.start);
    if (start < first_start(s.every, years)) return std::nullopt;
    return scheduled_run(s, start, calendar, zone);
}

}  // namespace indicatord
