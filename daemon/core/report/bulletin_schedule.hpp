#pragma once

// When a scheduled bulletin (`bulletins:` in the config, docs/bulletins.md) is due: the Nth
// (working) day of each week, month or quarter at a local time, on the plan's working-day calendar.
// Pure: no clock, no database.

#include <date/date.h>
#include <date/tz.h>

#include <optional>
#include <string>

#include "config/config.hpp"
#include "model/calendar.hpp"
#include "model/clock.hpp"

namespace indicatord {

/// One run of a schedule: the period it belongs to and the instant it is due (the bulletin's
/// "as of").
struct ScheduledRun {
    std::string period;      ///< "2023-07", "2023-Q3" or "2023-W27" (ISO week)
    date::sys_days start{};  ///< the period's first day
    TimePoint at{};          ///< the scheduled instant
};

/// The years a schedule runs for: from the period holding 1 January of `first_year` to the period
/// holding 1 January of the year after `last_year` (the bulletin of the year's end).
struct ScheduleYears {
    int first_year = 0;
    int last_year = 0;
};

/// "lishui-2023/month/5wd": what the database records a schedule's runs under (changing `at`,
/// `to` or `formats` keeps it; changing the plan, `every` or `on` makes a new schedule).
std::string schedule_key(const BulletinScheduleConfig& schedule, std::string_view plan_id);

/// The run of the period that starts on `start` (a period's first day).
ScheduledRun scheduled_run(const BulletinScheduleConfig& schedule, date::sys_days start,
                           const WorkCalendar& calendar, const date::time_zone* zone);

/// The latest run due by `now` (its instant at or before `now`) within `years`; nullopt before
/// the first.
std::optional<ScheduledRun> latest_due_run(const BulletinScheduleConfig& schedule, TimePoint now,
                                           ScheduleYears years, const WorkCalendar& calendar,
                                           const date::time_zone* zone);

/// The run before `run` of the same schedule, nullopt when `run` is the first within `years`.
std::optional<ScheduledRun> previous_run(const BulletinScheduleConfig& schedule,
                                         const ScheduledRun& run, ScheduleYears years,
                                         const WorkCalendar& calendar, const date::time_zone* zone);

}  // namespace indicatord
