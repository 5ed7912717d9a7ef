#pragma once

#include <date/date.h>

#include <compare>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace indicatord {

/// How often an indicator is reported. `once` is reported for the plan year ("2023").
enum class Cadence { month, quarter, half, year, once };

std::optional<Cadence> parse_cadence(std::string_view text);
std::string_view to_string(Cadence cadence);

/// A reporting period: "2023" (year), "2023-H1", "2023-Q1", "2023-03".
struct Period {
    Cadence cadence = Cadence::year;  ///< month, quarter, half or year (never once)
    int year = 0;
    int index = 0;  ///< month 1-12, quarter 1-4, half 1-2; 0 for a year

    std::string label() const;
    date::year_month_day first_day() const;
    date::year_month_day last_day() const;
    /// Whether a value for this period may be reported for an indicator of `cadence`.
    bool fits(Cadence indicator_cadence) const;

    auto operator<=>(const Period&) const = default;
};

/// Parses a period label; nullopt if it is not one of the four forms or out of range.
std::optional<Period> parse_period(std::string_view text);

/// Periods of `cadence` in `year`, in order (one, the year, for year and once).
std::vector<Period> periods_of_year(Cadence cadence, int year);

/// Parses an ISO date "2023-03-31".
std::optional<date::year_month_day> parse_date(std::string_view text);

}  // namespace indicatord
