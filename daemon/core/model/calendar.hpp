#pragma once

#include <date/date.h>

#include <filesystem>
#include <string>
#include <vector>

namespace indicatord {

/// A public holiday as published by the State Council: an inclusive range of days, which may
/// include weekend days and may start in the previous year (元旦 2023 began on 2022-12-31).
struct Holiday {
    std::string name;
    date::sys_days from;
    date::sys_days to;
};

/// Working days of the years it covers: Monday-Friday, minus public holidays, plus make-up
/// working days (调休).
///
/// Days outside the covered years fall back to Monday-Friday, except that a holiday or make-up
/// day written in a loaded file counts wherever it falls (a 2023 file's 元旦 starting on
/// 2022-12-31 applies even when no 2022 file is loaded). A default-constructed calendar is plain
/// Monday-Friday. Whether a plan year without a calendar is an error is the caller's decision;
/// use covers().
///
/// Immutable once loaded; every const member may be called from any thread. Lookups are binary
/// searches over a sorted vector of the days that differ from Monday-Friday and never allocate.
class WorkCalendar {
  public:
    WorkCalendar() = default;

    /// Loads calendar files (each a path to a .yaml file, or a directory whose *.yaml files are
    /// all loaded, sorted by name). A file may instead say `weekends_only: true` (with no holidays
    /// or make-up days) for a year whose notice is not out yet. Throws ConfigError "file:line:col:
    /// message" for: unknown keys, a missing key, a bad date, from > to, a holiday or make-up day
    /// outside [year-1-12-01, year+1-01-31], a make-up day that is not a Saturday/Sunday, a make-up
    /// day for a holiday the file does not list, a make-up day given twice or inside a holiday, two
    /// files for the same year and overlapping holidays (the last three naming both places).
    static WorkCalendar load(const std::vector<std::filesystem::path>& paths);

    /// A file for that year was loaded (a weekends_only file counts: it is an explicit choice).
    bool covers(int year) const;
    /// The year's file says `weekends_only: true`: its notice is not out yet, so the year is
    /// Monday-Friday with no holidays until the real file replaces it.
    bool weekends_only(int year) const;
    /// The years loaded as weekends_only, ascending.
    const std::vector<int>& weekends_only_years() const { return weekends_only_; }
    /// The years loaded, ascending.
    std::vector<int> years() const { return years_; }
    /// All holidays loaded, ordered by their first day.
    const std::vector<Holiday>& holidays() const { return holidays_; }

    bool is_working_day(date::sys_days day) const;
    /// `day` itself if it is a working day, else the next working day.
    date::sys_days next_working_day(date::sys_days day) const;
    /// The day `n` working days after `day` (n == 0 returns `day`; `day` itself need not be a
    /// working day). A negative `n` counts back: the day `-n` working days before `day`.
    date::sys_days add_working_days(date::sys_days day, int n) const;
    /// The holiday containing `day`, or nullptr.
    const Holiday* holiday_on(date::sys_days day) const;

  private:
    std::vector<int> years_;          // ascending
    std::vector<int> weekends_only_;  // ascending, a subset of years_
    std::vector<Holiday> holidays_;   // by `from`, non-overlapping
    // Days whose status differs from Monday-Friday, ascending: weekdays inside a holiday and
    // make-up days (which are weekend days).
    std::vector<date::sys_days> flipped_;
};

}  // namespace indicatord
