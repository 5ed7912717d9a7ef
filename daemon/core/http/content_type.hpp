#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace indicatord {

/// A Content-Type header value (RFC 9110 section 8.3): `type/subtype *( OWS ";" OWS param )`.
struct ContentType {
    std::string media_type;  ///< "text/csv", in lower case
    /// Parameters in order: names in lower case, values unquoted (`\` escapes removed) and as
    /// sent (a charset's case is the reader's matter).
    std::vector<std::pair<std::string, std::string>> params;

    /// The value of the first parameter named `name` (lower case), or nullopt.
    std::optional<std::string> param(std::string_view name) const;
};

/// Parses a Content-Type value; the parameters through Beast's `http::param_list` (quoted
/// strings, whitespace around `;` and `=`), which ends the list at its first malformed
/// parameter. nullopt when the media type is not `token/token`.
std::optional<ContentType> parse_content_type(std::string_view header);

}  // namespace indicatord
