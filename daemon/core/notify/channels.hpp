#pragma once

// Blocking senders for the delivery channels (email over SMTP, JSON webhooks), each returning
// what the delivery worker should do next. Call them from a worker thread: they block for up to
// their timeout. Thread-safe: every call uses its own libcurl handle and no signals.
//
// Classification
//
// Webhooks (send_webhook, classify_http_response):
//   - transport errors: connection refused, timeout, DNS failure, TLS handshake or certificate
//     failure, connection reset -> retry; a malformed URL or an unsupported scheme -> give_up
//   - HTTP 2xx -> delivered, unless the body is a JSON object whose "errcode" (DingTalk, WeCom)
//     or "code" (Feishu) is a non-zero integer: the platform rejected the message (bad
//     signature, keyword missing, bad payload...) -> give_up with its "errmsg"/"msg", except
//     the rate-limit codes below -> retry
//   - rate-limit codes, in any 2xx or 4xx answer -> retry:
//       DingTalk 130101 "send too fast, exceed 20 times per minute"
//       WeCom    45009  "api freq out of limit"
//       Feishu   11232  "frequency limited" (tenant message quota); Feishu may answer it with
//                HTTP 400, hence checked on 4xx too
//   - HTTP 408, 425, 429, 5xx -> retry (DeliveryResult::retry_after or retry_at from
//     Retry-After: delay-seconds, or an HTTP-date read by curl_getdate)
//   - HTTP 3xx -> retry: redirects are not followed, and DingTalk answers 302 while it
//     punishes a robot that sent too fast
//   - any other 4xx (and 1xx) -> give_up
//
// Email (send_email): the reply code is the last one the SMTP server sent
// (CURLINFO_RESPONSE_CODE):
//   - success -> delivered
//   - 4xx reply (421 service not available, 450/451/452 mailbox busy, local error, storage,
//     454 temporary auth failure) -> retry
//   - 5xx reply (550 mailbox unavailable, 553 bad address, 535 auth failed, 554...) -> give_up
//   - no reply code: connection refused, timeout, DNS, TLS, STARTTLS not offered -> retry;
//     credentials refused or no AUTH mechanism in common, malformed URL -> give_up
//   - one refused recipient fails the whole message (nobody receives it; a retry cannot
//     duplicate it): send per recipient when recipients must fail independently.
//
// `detail` never contains the SMTP password nor a secret of the URL (redact.hpp).

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/clock.hpp"

namespace indicatord {

enum class DeliveryOutcome { delivered, retry, give_up };
std::string_view to_string(DeliveryOutcome outcome);

struct DeliveryResult {
    DeliveryOutcome outcome;
    /// for people: "HTTP 503 Service Unavailable: <first 200 bytes of the body>",
    /// "HTTP 200 OK: errcode 310000: sign not match", "connection refused: ...",
    /// "SMTP 550 5.1.1 <x@example.org>: recipient rejected"
    std::string detail;
    /// a delay the receiver asked for (Retry-After in seconds on 429/503), when it gave one
    std::optional<std::chrono::seconds> retry_after = std::nullopt;
    /// the time the receiver asked to be retried at (Retry-After as an HTTP-date), when it gave
    /// one; the Deliverer measures it against its Clock, as it does every other time
    std::optional<TimePoint> retry_at = std::nullopt;
};

struct SmtpSettings {
    /// smtp://host:port (plain, or STARTTLS when `starttls`) or smtps://host:port (implicit
    /// TLS). A path names the EHLO domain (smtp://mail.example.org:587/indicatord.example.org).
    std::string url;
    bool starttls =
        false;  ///< on smtp://: require STARTTLS (fail, and retry, without it); false: plain
    std::string username;  ///< AUTH (PLAIN/LOGIN/...) when set
    std::string password;  ///< from a file or credential; never logged nor put in `detail`
    std::string from;  ///< envelope sender: "alerts@example.org" or "名称 <alerts@example.org>"
    bool verify_tls = true;
    std::chrono::seconds timeout{30};
};

/// Sends a complete RFC 5322 message (headers + body, CRLF line ends) to `recipients` via
/// libcurl SMTP (MAIL FROM, RCPT TO each, DATA; dot-stuffing done by libcurl). Blocking.
DeliveryResult send_email(const SmtpSettings& smtp, const std::vector<std::string>& recipients,
                          const std::string& mime);

/// POSTs `body` (JSON) with Content-Type: application/json (unless `extra_headers` sets one)
/// and `extra_headers` ("Name: value"), within `timeout`. Blocking. `robot_errors`: read a
/// 2xx/4xx JSON body's errcode/code as the robot platforms (DingTalk, WeCom, Feishu) use it;
/// false for generic (Alertmanager-style) receivers, where only the HTTP status counts.
DeliveryResult send_webhook(const std::string& url, const std::string& body,
                            const std::vector<std::string>& extra_headers,
                            std::chrono::seconds timeout = std::chrono::seconds(30),
                            bool robot_errors = true);

/// The webhook classification alone, for an HTTP answer that came back (status > 0).
/// `retry_after_header` is the raw Retry-After value, if any.
DeliveryResult classify_http_response(long status, std::string_view reason, std::string_view body,
                                      std::string_view retry_after_header = {},
                                      bool robot_errors = true);

}  // namespace indicatord
