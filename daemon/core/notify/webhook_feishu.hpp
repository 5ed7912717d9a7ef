#pragma once

// The Feishu custom bot: its "post" message, signed when it has a secret.

#include <cstddef>
#include <cstdint>
#include <string>

#include "model/notification.hpp"

namespace indicatord {

/// Byte limit of the message text (Feishu rejects request bodies of about 20 KB).
inline constexpr std::size_t kFeishuTextLimit = 16000;

/// Feishu custom bot, msg_type "post". With a non-empty secret, "timestamp" (seconds) and
/// "sign" = base64(HMAC-SHA256(key = timestamp + "\n" + secret, message = "")) come first.
std::string render_feishu(const Digest& d, const std::string& secret, std::int64_t timestamp_s);

}  // namespace indicatord
