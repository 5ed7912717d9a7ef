#pragma once

#include <string>
#include <string_view>

namespace indicatord {

/// Percent-encodes every byte but RFC 3986's unreserved characters (ALPHA, DIGIT, "-", ".",
/// "_", "~"), in upper-case hex: "a b+c/d=~" -> "a%20b%2Bc%2Fd%3D~", "中" -> "%E4%B8%AD"
/// (like Python's urllib.parse.quote(s, safe='')). For a path segment or a query value.
std::string percent_encode(std::string_view text);

}  // namespace indicatord
