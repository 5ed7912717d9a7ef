#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace indicatord {

// UTF-8 as RFC 3629 defines it: no overlong forms, no surrogates (U+D800..U+DFFF), nothing
// above U+10FFFF, no truncated sequences. The one validator of the code base: CSV import,
// template loading, JSON error messages and the cutting of robot messages all use it. Not
// iconv: glibc's UTF-8 decoder lets code points above U+10FFFF through.

/// Offset of the first byte that does not begin a well-formed UTF-8 sequence, or nullopt when
/// all of `text` is well-formed.
std::optional<std::size_t> invalid_utf8_at(std::string_view text);

/// Whether all of `text` is well-formed UTF-8.
bool is_valid_utf8(std::string_view text);

/// `text` with every byte that is not part of valid UTF-8 replaced by U+FFFD, so that messages
/// quoting client input (a target, a header) stay valid JSON.
std::string valid_utf8(std::string_view text);

/// The longest prefix of `text` of at most `max` bytes that does not split a UTF-8 sequence.
std::string_view utf8_prefix(std::string_view text, std::size_t max);

}  // namespace indicatord
