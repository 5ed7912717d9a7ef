#pragma once

// The DingTalk custom robot: its markdown message and its signed URL.

#include <cstddef>
#include <cstdint>
#include <string>

#include "model/notification.hpp"

namespace indicatord {

/// Byte limit of the message text (DingTalk rejects request bodies of about 20 KB).
inline constexpr std::size_t kDingtalkTextLimit = 16000;

/// DingTalk custom robot: {"msgtype":"markdown","markdown":{"title":...,"text":...}}.
std::string render_dingtalk(const Digest& d);

/// webhook_url with &timestamp=<ms>&sign=<urlencode(base64(HMAC-SHA256(key = secret,
/// message = timestamp + "\n" + secret)))> appended. Throws std::invalid_argument if the URL
/// does not parse.
std::string dingtalk_signed_url(const std::string& webhook_url, const std::string& secret,
                                std::int64_t timestamp_ms);

}  // namespace indicatord
