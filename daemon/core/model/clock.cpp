#include "model/clock.hpp"

// date::parse's internals trip a false -Wmaybe-uninitialized under GCC 12 at -O2.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <date/date.h>

#include <regex>
#include <sstream>
#include <string>

namespace indicatord {

std::optional<TimePoint> parse_instant(std::string_view text) {
    // Only the RFC 3339 shape goes to date::parse: date 3.0.1 has undefined behaviour on some
    // malformed text (found by tests/fuzz): a sign without two digits after it makes %z negate
    // its "no offset" sentinel (fixed upstream in HowardHinnant/date#875), and %T rounds an
    // uninitialised seconds value when the minutes are not followed by ':'.
    static const std::regex shape(
        "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?"
        "(Z|[+-][0-9]{2}(:?[0-9]{2})?)");
    if (!std::regex_match(text.begin(), text.end(), shape)) return std::nullopt;
    std::string s(text);
    for (const char* fmt : {"%FT%T%Ez", "%FT%TZ", "%FT%T%z"}) {
        std::istringstream in(s);
        date::sys_time<std::chrono::milliseconds> t;
        in >> date::parse(fmt, t);
        if (!in.fail() && in.peek() == std::char_traits<char>::eof()) return t;
    }
    return std::nullopt;
}

std::string format_instant(TimePoint t) {
    return date::format("%FT%TZ", t);
}

}  // namespace indicatord
