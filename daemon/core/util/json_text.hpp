#pragma once

#include <boost/json/value.hpp>
#include <string>

namespace indicatord {

/// Serializes JSON like boost::json::serialize, but writes doubles in their shortest
/// round-trip form ("4.9", "6") instead of Boost 1.81's "4.9E0". `pretty` indents by two.
std::string json_text(const boost::json::value& value, bool pretty = false);

/// `text` with every byte that is not part of valid UTF-8 replaced by U+FFFD, so that messages
/// quoting client input (a target, a header) stay valid JSON.
std::string valid_utf8(std::string_view text);

}  // namespace indicatord
