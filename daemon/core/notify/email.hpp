#pragma once

// An email of a digest: text/plain and text/html bodies, and the whole RFC 5322 / MIME message.

#include <string>
#include <vector>

#include "model/notification.hpp"

namespace indicatord {

struct EmailMessage {
    std::string subject;  ///< UTF-8, not encoded
    std::string text;     ///< text/plain body, UTF-8, "\n" line ends
    std::string html;     ///< text/html body, UTF-8, "\n" line ends
    std::string mime;     ///< the full RFC 5322 message incl. headers, CRLF line ends
};

/// Email: From/To/Subject (RFC 2047 "=?UTF-8?B?...?=" encoded-words, folded), Date (RFC 5322,
/// from created_at, UTC), Message-ID <key@indicatord>, X-Indicatord-Idempotency-Key,
/// MIME-Version, multipart/alternative with text/plain and text/html parts, both UTF-8 and
/// base64 in lines of 76. Addresses are "addr@host" or "Name <addr@host>"; a non-ASCII name is
/// encoded. CR and LF in any input are dropped (no header injection).
EmailMessage render_email(const Digest& d, const std::string& from,
                          const std::vector<std::string>& to);

}  // namespace indicatord
