#pragma once

#include <boost/json/value.hpp>
#include <string>

#include "util/utf8.hpp"  // valid_utf8: JSON messages that quote client input

namespace indicatord {

/// Serializes JSON like boost::json::serialize, but writes doubles in their shortest
/// round-trip form ("4.9", "6") instead of Boost 1.81's "4.9E0". `pretty` indents by two.
std::string json_text(const boost::json::value& value, bool pretty = false);

}  // namespace indicatord
