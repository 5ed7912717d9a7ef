#pragma once

// The DingTalk custom robot: its markdown message and its signed URL.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "model/notification.hpp"
#include "model/plan.hpp"
#include "notify/templates.hpp"

namespace indicatord {

/// Byte limit of the message text (DingTalk rejects request bodies of about 20 KB).
inline constexpr std::size_t kDingtalkTextLimit = 16000;

/// Whom a DingTalk message mentions (the receiver's at_mobiles, at_user_ids, at_all).
struct DingtalkMentions {
    std::vector<std::string> mobiles;
    std::vector<std::string> user_ids;
    bool all = false;
    bool empty() const { return mobiles.empty() && user_ids.empty() && !all; }
};

/// DingTalk custom robot: {"msgtype":"markdown","markdown":{"title":...,"text":...}}, with
/// {"at":{"atMobiles":[...],"atUserIds":[...],"isAtAll":...}} and a last line "@mobile @userId"
/// (DingTalk shows a markdown mention only when the text names it) when `at` is not empty.
std::string render_dingtalk(const Digest& d, const DingtalkMentions& at = {});

/// Refuses (ConfigError, file:line:col) a DingTalk receiver's `keyword:` that the message text
/// may lack: every message's text starts with its subject, so the `subject` and
/// `subject_fallback` templates (`templates`; null: the defaults) must contain the keyword
/// outside their placeholders. The error stands at the operator's template when the templates
/// file sets it, else at the receiver's keyword.
void check_dingtalk_keywords(const Plan& plan, const MessageTemplates* templates);

/// webhook_url with &timestamp=<ms>&sign=<urlencode(base64(HMAC-SHA256(key = secret,
/// message = timestamp + "\n" + secret)))> appended. Throws std::invalid_argument if the URL
/// does not parse.
std::string dingtalk_signed_url(const std::string& webhook_url, const std::string& secret,
                                std::int64_t timestamp_ms);

}  // namespace indicatord
