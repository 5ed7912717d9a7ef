#include "model/period.hpp"

#include <charconv>
#include <cstdio>
#include <vector>

namespace indicatord {

namespace {

bool parse_int(std::string_view s, int& out) {
    if (s.empty()) return false;
    for (char c : s)
        if (c < '0' || c > '9') return false;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc{} && p == s.data() + s.size();
}

int months_per(Cadence c) {
    switch (c) {
        case Cadence::month:
            return 1;
        case Cadence::quarter:
            return 3;
        case Cadence::half:
            return 6;
        case Cadence::year:
        case Cadence::once:
            return 12;
    }
    return 12;
}

}  // namespace

std::optional<Cadence> parse_cadence(std::string_view text) {
    if (text == "month") return Cadence::month;
    if (text == "quarter") return Cadence::quarter;
    if (text == "half") return Cadence::half;
    if (text == "year") return Cadence::year;
    if (text == "once") return Cadence::once;
    return std::nullopt;
}

std::string_view to_string(Cadence cadence) {
    switch (cadence) {
        case Cadence::month:
            return "month";
        case Cadence::quarter:
            return "quarter";
        case Cadence::half:
            return "half";
        case Cadence::year:
            return "year";
        case Cadence::once:
            return "once";
    }
    return "?";
}

std::string Period::label() const {
    char buf[16];
    switch (cadence) {
        case Cadence::month:
            std::snprintf(buf, sizeof buf, "%04d-%02d", year, index);
            break;
        case Cadence::quarter:
            std::snprintf(buf, sizeof buf, "%04d-Q%d", year, index);
            break;
        case Cadence::half:
            std::snprintf(buf, sizeof buf, "%04d-H%d", year, index);
            break;
        default:
            std::snprintf(buf, sizeof buf, "%04d", year);
            break;
    }
    return buf;
}

date::year_month_day Period::first_day() const {
    const int first_month = cadence == Cadence::year ? 1 : (index - 1) * months_per(cadence) + 1;
    return date::year{year} / date::month{static_cast<unsigned>(first_month)} / 1;
}

date::year_month_day Period::last_day() const {
    const int last_month = cadence == Cadence::year ? 12 : index * months_per(cadence);
    return date::year_month_day{date::year{year} / date::month{static_cast<unsigned>(last_month)} /
                                date::last};
}

bool Period::fits(Cadence indicator_cadence) const {
    if (indicator_cadence == Cadence::once) return cadence == Cadence::year;
    return cadence == indicator_cadence;
}

std::optional<Period> parse_period(std::string_view text) {
    if (text.size() < 4) return std::nullopt;
    Period p;
    if (!parse_int(text.substr(0, 4), p.year) || p.year < 1900 || p.year > 9999)
        return std::nullopt;
    if (text.size() == 4) return p;
    if (text[4] != '-') return std::nullopt;
    auto rest = text.substr(5);
    if (rest.size() == 2 && rest[0] == 'Q' && parse_int(rest.substr(1), p.index) && p.index >= 1 &&
        p.index <= 4) {
        p.cadence = Cadence::quarter;
        return p;
    }
    if (rest.size() == 2 && rest[0] == 'H' && parse_int(rest.substr(1), p.index) && p.index >= 1 &&
        p.index <= 2) {
        p.cadence = Cadence::half;
        return p;
    }
    if (rest.size() == 2 && parse_int(rest, p.index) && p.index >= 1 && p.index <= 12) {
        p.cadence = Cadence::month;
        return p;
    }
    return std::nullopt;
}

std::vector<Period> periods_of_year(Cadence cadence, int year) {
    std::vector<Period> out;
    if (cadence == Cadence::year || cadence == Cadence::once) {
        out.push_back(Period{Cadence::year, year, 0});
        return out;
    }
    const int n = 12 / months_per(cadence);
    for (int i = 1; i <= n; ++i) out.push_back(Period{cadence, year, i});
    return out;
}

std::optional<date::year_month_day> parse_date(std::string_view text) {
    int y = 0, m = 0, d = 0;
    if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
    if (!parse_int(text.substr(0, 4), y) || !parse_int(text.substr(5, 2), m) ||
        !parse_int(text.substr(8, 2), d))
        return std::nullopt;
    date::year_month_day ymd{date::year{y}, date::month{static_cast<unsigned>(m)},
                             date::day{static_cast<unsigned>(d)}};
    if (!ymd.ok()) return std::nullopt;
    return ymd;
}

}  // namespace indicatord
