// Working-day calendars: one YAML file per year, from the State Council's holiday notice.
#include "model/calendar.hpp"

#include <algorithm>
#include <map>

#include "model/period.hpp"
#include "util/errors.hpp"
#include "util/yaml_util.hpp"

namespace indicatord {

namespace fs = std::filesystem;
using date::days;
using date::sys_days;
using yaml::check_map;
using yaml::fail;
using yaml::required;
using yaml::where;

namespace {

bool monday_to_friday(sys_days day) {
    const date::weekday wd{day};
    return wd != date::Saturday && wd != date::Sunday;
}

std::string iso(sys_days day) {
    return date::format("%F", day);
}

std::string range(sys_days from, sys_days to) {
    return iso(from) + ".." + iso(to);
}

const char* weekday_name(date::weekday wd) {
    static const char* const names[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                        "Thursday", "Friday", "Saturday"};
    return names[wd.c_encoding()];
}

struct HolidayEntry {
    Holiday holiday;
    std::string at;  // "file:line:col" of the entry
};

struct MakeUpEntry {
    sys_days day;
    std::string at;
};

struct Loaded {
    std::vector<int> years;
    std::vector<int> weekends_only;
    std::vector<Holiday> holidays;
    std::vector<sys_days> flipped;
};

/// Reads files one at a time, checking what one file can check; finish() checks across files.
class Loader {
  public:
    void load_path(const fs::path& path) {
        if (!fs::is_directory(path)) return load_file(path);
        std::vector<fs::path> files;
        for (const auto& entry : fs::directory_iterator(path))
            if (entry.path().extension() == ".yaml" && !entry.is_directory())
                files.push_back(entry.path());
        if (files.empty())
            throw ConfigError(path.string() + ": no calendar files (*.yaml) in directory");
        std::sort(files.begin(), files.end());
        for (const auto& f : files) load_file(f);
    }

    void load_file(const fs::path& file) {
        const auto root = yaml::load_file(file);
        check_map(file, root, "calendar file", {"calendar"});
        const auto cal = required(file, root, "calendar", "calendar file");
        check_map(file, cal, "calendar",
                  {"year", "source", "holidays", "workdays", "weekends_only"});

        const auto year_node = required(file, cal, "year", "calendar");
        const auto year = yaml::integer(file, year_node, "year");
        if (year < 1900 || year > 9999) fail(file, year_node, "year must be from 1900 to 9999");
        const int y = static_cast<int>(year);
        auto [seen, inserted] = years_.emplace(y, where(file, year_node));
        if (!inserted) {
            fail(file, year_node,
                 "a calendar for " + std::to_string(y) + " is already loaded from " + seen->second);
        }

        const auto source = required(file, cal, "source", "calendar");
        if (yaml::scalar(file, source, "source").empty())
            fail(file, source, "source must name the notice the calendar comes from");

        if (const auto w = cal["weekends_only"]) {
            if (!yaml::boolean(file, w, "weekends_only"))
                fail(file, w, "weekends_only must be true or left out");
            for (const char* key : {"holidays", "workdays"})
                if (const auto n = cal[key])
                    fail(file, n,
                         std::string("a weekends_only calendar lists no ") + key +
                             ": remove them, or remove weekends_only once the notice is out");
            weekends_only_.push_back(y);
            return;
        }

        // Holidays and make-up days must lie in [year-1-12-01, year+1-01-31].
        const sys_days first = date::year{y - 1} / date::December / 1;
        const sys_days last = date::year{y + 1} / date::January / 31;
        const auto window = range(first, last) + " for a " + std::to_string(y) + " calendar";

        std::vector<std::string> names;
        const auto holidays = required(file, cal, "holidays", "calendar");
        if (!holidays.IsSequence()) fail(file, holidays, "holidays must be a list");
        for (const auto& h : holidays) {
            check_map(file, h, "holiday", {"name", "from", "to"});
            const auto name_node = required(file, h, "name", "holiday");
            auto name = yaml::scalar(file, name_node, "name");
            if (name.empty()) fail(file, name_node, "holiday name must not be empty");
            const auto from_node = required(file, h, "from", "holiday");
            const auto to_node = required(file, h, "to", "holiday");
            const auto from = date_of(file, from_node, "from");
            const auto to = date_of(file, to_node, "to");
            if (to < from) {
                fail(file, to_node,
                     "holiday '" + name + "' ends on " + iso(to) + ", before it starts on " +
                         iso(from));
            }
            if (from < first || to > last) {
                fail(file, from < first || from > last ? from_node : to_node,
                     "holiday '" + name + "' (" + range(from, to) + ") is outside " + window);
            }
            names.push_back(name);
            holidays_.push_back({{std::move(name), from, to}, where(file, h)});
        }

        const auto workdays = cal["workdays"];
        if (!workdays) return;
        if (!workdays.IsSequence()) fail(file, workdays, "workdays must be a list");
        for (const auto& w : workdays) {
            check_map(file, w, "make-up day", {"date", "for"});
            const auto date_node = required(file, w, "date", "make-up day");
            const auto day = date_of(file, date_node, "date");
            const date::weekday wd{day};
            if (monday_to_friday(day)) {
                fail(file, date_node,
                     "make-up day " + iso(day) + " is a " + weekday_name(wd) +
                         "; only a Saturday or Sunday can be made a working day");
            }
            if (day < first || day > last)
                fail(file, date_node, "make-up day " + iso(day) + " is outside " + window);
            const auto for_node = required(file, w, "for", "make-up day");
            const auto for_name = yaml::scalar(file, for_node, "for");
            if (std::find(names.begin(), names.end(), for_name) == names.end()) {
                std::string list;
                for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
                fail(file, for_node,
                     "make-up day " + iso(day) + " is for '" + for_name +
                         "', which is not a holiday of this file (holidays: " + list + ")");
            }
            makeups_.push_back({day, where(file, date_node)});
        }
    }

    Loaded finish() {
        // Overlapping holidays, in one file or across files. Sorting by start keeps the order
        // of loading among equal starts, so the error points at the later entry.
        std::stable_sort(holidays_.begin(), holidays_.end(), [](const auto& a, const auto& b) {
            return a.holiday.from < b.holiday.from;
        });
        const HolidayEntry* reach = nullptr;  // the holiday so far that ends last
        for (const auto& h : holidays_) {
            if (reach && h.holiday.from <= reach->holiday.to) {
                throw ConfigError(h.at + ": holiday '" + h.holiday.name + "' (" +
                                  range(h.holiday.from, h.holiday.to) + ") overlaps holiday '" +
                                  reach->holiday.name + "' (" +
                                  range(reach->holiday.from, reach->holiday.to) + ") at " +
                                  reach->at);
            }
            if (!reach || h.holiday.to > reach->holiday.to) reach = &h;
        }

        std::stable_sort(makeups_.begin(), makeups_.end(),
                         [](const auto& a, const auto& b) { return a.day < b.day; });
        for (std::size_t i = 1; i < makeups_.size(); ++i) {
            if (makeups_[i].day == makeups_[i - 1].day) {
                throw ConfigError(makeups_[i].at + ": duplicate make-up day " +
                                  iso(makeups_[i].day) + " (first at " + makeups_[i - 1].at + ")");
            }
        }
        for (const auto& m : makeups_) {
            auto it = std::upper_bound(
                holidays_.begin(), holidays_.end(), m.day,
                [](sys_days d, const HolidayEntry& h) { return d < h.holiday.from; });
            if (it == holidays_.begin()) continue;
            const auto& h = *std::prev(it);
            if (m.day <= h.holiday.to) {
                throw ConfigError(m.at + ": make-up day " + iso(m.day) + " is inside holiday '" +
                                  h.holiday.name + "' (" + range(h.holiday.from, h.holiday.to) +
                                  ") at " + h.at);
            }
        }

        Loaded out;
        for (const auto& [year, at] : years_) out.years.push_back(year);
        out.weekends_only = weekends_only_;
        std::sort(out.weekends_only.begin(), out.weekends_only.end());
        for (auto& h : holidays_) {
            for (auto d = h.holiday.from; d <= h.holiday.to; d += days{1})
                if (monday_to_friday(d)) out.flipped.push_back(d);
            out.holidays.push_back(std::move(h.holiday));
        }
        for (const auto& m : makeups_) out.flipped.push_back(m.day);
        std::sort(out.flipped.begin(), out.flipped.end());
        return out;
    }

  private:
    static sys_days date_of(const fs::path& file, const yaml::Node& node, const char* what) {
        const auto text = yaml::scalar(file, node, what);
        const auto ymd = parse_date(text);
        if (!ymd) {
            fail(file, node,
                 std::string(what) + " must be a date like 2023-01-21, got '" + text + "'");
        }
        return sys_days{*ymd};
    }

    std::map<int, std::string> years_;  // year -> where its `year:` is
    std::vector<int> weekends_only_;    // years declared Monday-Friday, notice not out
    std::vector<HolidayEntry> holidays_;
    std::vector<MakeUpEntry> makeups_;
};

}  // namespace

WorkCalendar WorkCalendar::load(const std::vector<fs::path>& paths) {
    Loader loader;
    for (const auto& p : paths) loader.load_path(p);
    auto r = loader.finish();
    WorkCalendar c;
    c.years_ = std::move(r.years);
    c.weekends_only_ = std::move(r.weekends_only);
    c.holidays_ = std::move(r.holidays);
    c.flipped_ = std::move(r.flipped);
    return c;
}

bool WorkCalendar::weekends_only(int year) const {
    return std::binary_search(weekends_only_.begin(), weekends_only_.end(), year);
}

bool WorkCalendar::covers(int year) const {
    return std::binary_search(years_.begin(), years_.end(), year);
}

bool WorkCalendar::is_working_day(sys_days day) const {
    return monday_to_friday(day) != std::binary_search(flipped_.begin(), flipped_.end(), day);
}

sys_days WorkCalendar::next_working_day(sys_days day) const {
    // `it` is the first flipped day not before `day`; it only moves forward.
    auto it = std::lower_bound(flipped_.begin(), flipped_.end(), day);
    for (;; day += days{1}) {
        const bool flipped = it != flipped_.end() && *it == day;
        if (monday_to_friday(day) != flipped) return day;
        if (flipped) ++it;
    }
}

sys_days WorkCalendar::add_working_days(sys_days day, int n) const {
    if (n > 0) {
        // `it` is the first flipped day after `day`.
        auto it = std::upper_bound(flipped_.begin(), flipped_.end(), day);
        while (n > 0) {
            // Seven days with nothing flipped hold exactly five working days.
            if (n > 5 && (it == flipped_.end() || *it > day + days{7})) {
                day += days{7};
                n -= 5;
                continue;
            }
            day += days{1};
            const bool flipped = it != flipped_.end() && *it == day;
            if (flipped) ++it;
            if (monday_to_friday(day) != flipped) --n;
        }
    } else if (n < 0) {
        // Everything before `it` is a flipped day before `day`.
        auto it = std::lower_bound(flipped_.begin(), flipped_.end(), day);
        while (n < 0) {
            if (n < -5 && (it == flipped_.begin() || *std::prev(it) < day - days{7})) {
                day -= days{7};
                n += 5;
                continue;
            }
            day -= days{1};
            const bool flipped = it != flipped_.begin() && *std::prev(it) == day;
            if (flipped) --it;
            if (monday_to_friday(day) != flipped) ++n;
        }
    }
    return day;
}

const Holiday* WorkCalendar::holiday_on(sys_days day) const {
    auto it = std::upper_bound(holidays_.begin(), holidays_.end(), day,
                               [](sys_days d, const Holiday& h) { return d < h.from; });
    if (it == holidays_.begin()) return nullptr;
    --it;
    return day <= it->to ? &*it : nullptr;
}

}  // namespace indicatord
