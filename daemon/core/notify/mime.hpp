#pragma once

// The pieces of an RFC 5322 / MIME message that the digest emails (email.cpp) and the bulletin
// emails (bulletin_mail.cpp) share: encoded-words, folded headers, base64 bodies, dates.

#include <string>
#include <string_view>
#include <vector>

#include "model/clock.hpp"

namespace indicatord::mime {

/// `s` without CR and LF: a header value can then never start another header.
std::string without_crlf(std::string_view s);

/// True when every byte is below 0x80.
bool is_ascii(std::string_view s);

/// RFC 5322 dot-atom text (letters, digits, !#$%&'*+-/=?^_`{|}~ and dots, no leading, trailing
/// or doubled dot), e.g. the left part of a Message-ID or a domain.
bool is_dot_atom(std::string_view s);

/// RFC 2047 encoded-words ("=?UTF-8?B?...?="), each of whole UTF-8 characters: the first of at
/// most `first_bytes` of text, the others of at most `max_bytes`. A malformed sequence longer
/// than the budget goes a byte at a time.
std::vector<std::string> encoded_words(std::string_view text, std::size_t first_bytes,
                                       std::size_t max_bytes);

/// "Name: token token ...\r\n", folded before a token whenever the line would pass 76
/// characters (also right after the colon when the first token is long). A token longer than a
/// line stays whole.
std::string fold_header(std::string_view name, const std::vector<std::string>& tokens);

/// A header of free text: ASCII as one line, anything else as encoded-words of at most 39 bytes
/// of text, folded. CR and LF are dropped.
std::string text_header(std::string_view name, std::string_view value);

/// `text` with CRLF line ends (a lone CR dropped), ending in CRLF.
std::string crlf_text(std::string_view text);

/// base64 of `bytes` in lines of 76 characters, each ending in CRLF.
std::string base64_lines(std::string_view bytes);

/// "Thu, 05 Oct 2023 08:30:00 +0000": English day and month names whatever the global locale.
std::string rfc5322_date(TimePoint t);

/// The `attribute*` parameters of RFC 2231 for `value`: "filename*0*=UTF-8''%E4%B8%BD...;\r\n
/// filename*1*=..." (a single "filename*=UTF-8''..." when it fits in 60 characters). A UTF-8
/// character is never split between two sections (some mail readers decode each on its own).
std::string rfc2231_parameter(std::string_view attribute, std::string_view value);

}  // namespace indicatord::mime
