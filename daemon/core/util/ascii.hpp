#pragma once

// ASCII helpers for protocol text (HTTP header values, media types, CSV headers), the same in
// every locale.

#include <string>
#include <string_view>

namespace indicatord {

/// `s` with A-Z turned into a-z; every other byte (UTF-8 included) as is.
inline std::string ascii_lower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

/// `s` without the leading and trailing bytes found in `chars` (by default HTTP's optional
/// whitespace: space and tab).
inline std::string_view trim_blanks(std::string_view s, std::string_view chars = " \t") {
    const auto first = s.find_first_not_of(chars);
    if (first == std::string_view::npos) return {};
    return s.substr(first, s.find_last_not_of(chars) - first + 1);
}

}  // namespace indicatord
