#pragma once

// Secrets out of text: a webhook or SMTP URL carries credentials (DingTalk access_token and
// signature, WeCom key, Feishu hook id, user:password@), and every place where a URL reaches
// text a person or a scraper reads (logs, metrics, API answers, CLI output, error messages)
// passes it through redact_url first. docs/notifications.md ("Secrets in URLs") lists what is
// redacted. Pure functions, callable from any thread.

#include <string>
#include <string_view>

namespace indicatord {

/// What a secret is replaced with.
inline constexpr std::string_view kRedacted = "REDACTED";

/// `url` with its secrets replaced by REDACTED: the userinfo password, the value of every
/// query parameter whose name looks secret, and every path segment after a `hook`, `hooks`,
/// `webhooks` or `services` segment. E.g.
/// "https://oapi.dingtalk.com/robot/send?access_token=REDACTED". A text that does not parse
/// as a URL (Boost.URL) is not shown at all: "(unparsable URL)".
std::string redact_url(std::string_view url);

/// `text` (an error message, a receiver's answer) with every secret of `url` that it contains,
/// as written in the URL or percent-decoded, replaced by REDACTED; secrets shorter than 4
/// characters are left (they cannot be told from ordinary text).
std::string scrub_url_secrets(std::string text, std::string_view url);

}  // namespace indicatord
