#include "clock.hpp"

// date::parse's internals trip a false -Wmaybe-uninitialized under GCC 12 at -O2.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <date/date.h>

#include <sstream>
#include <string>

namespace indicatord {

std::optional<TimePoint> parse_instant(std::string_view text) {
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
