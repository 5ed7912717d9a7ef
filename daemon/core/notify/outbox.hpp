#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "alerts/alert_store.hpp"
#include "alerts/alerts.hpp"

namespace indicatord {

/// Renders each digest for its receiver's channel (email, generic webhook, DingTalk, WeCom,
/// Feishu) into outbox entries. Feishu and DingTalk signatures are added at send time (they
/// cover a fresh timestamp), not here.
/// Email receivers are skipped when `smtp_from` is empty (no SMTP configured).
std::vector<OutboxEntry> to_outbox(const Plan& plan, const std::vector<ReceiverRef>& receivers,
                                   const std::vector<Digest>& digests,
                                   const std::string& smtp_from);

/// Feishu's "sign": base64(HMAC-SHA256(key = timestamp + "\n" + secret, message = "")).
std::string feishu_sign(const std::string& secret, std::int64_t timestamp_s);

}  // namespace indicatord
