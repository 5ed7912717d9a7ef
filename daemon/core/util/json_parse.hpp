#pragma once

#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace indicatord {

/// Parses a JSON request body with Boost.JSON's parser (default limits: depth 32, strict
/// RFC 8259), refusing an object that names a key twice, which boost::json::parse would
/// silently resolve to the last one. On failure returns nullopt and sets `error`: Boost's
/// message, or "duplicate key 'value' in values[1]" naming the key and where it stands.
std::optional<boost::json::value> parse_json(std::string_view text, std::string& error);
/// As above, the document's values taken from `memory` (a monotonic_resource over a buffer on
/// the caller's stack, say: a small request then parses with no allocation); the value must not
/// outlive it.
std::optional<boost::json::value> parse_json(std::string_view text, std::string& error,
                                             boost::json::storage_ptr memory);

}  // namespace indicatord
