#include "notify/channels.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <cstdint>
#include <ctime>
#include <memory>
#include <string>
#include <vector>

#include "notify/curl.hpp"
#include "notify/http_client.hpp"
#include "util/redact.hpp"
#include "util/utf8.hpp"

namespace indicatord {

namespace {

constexpr std::size_t kBodyExcerpt = 200;

/// The first `limit` bytes of `text` cut at a UTF-8 character boundary, on one line.
std::string excerpt(std::string_view text, std::size_t limit = kBodyExcerpt) {
    std::string out(utf8_prefix(text, limit));
    for (auto& c : out)
        if (c == '\r' || c == '\n' || c == '\t') c = ' ';
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out;
}

std::string status_text(long status, std::string_view reason) {
    std::string s = "HTTP " + std::to_string(status);
    if (!reason.empty()) s.append(" ").append(reason);
    return s;
}

bool iequals_prefix(std::string_view text, std::string_view prefix) {
    return text.size() >= prefix.size() &&
           std::equal(prefix.begin(), prefix.end(), text.begin(), [](char a, char b) {
               return std::tolower(static_cast<unsigned char>(a)) ==
                      std::tolower(static_cast<unsigned char>(b));
           });
}

// Retry-After (RFC 9110 section 10.2.3): delay-seconds, or an HTTP-date. The date is returned as
// it is, not as a delay from the system clock: the Deliverer compares it with its own Clock.
void parse_retry_after(std::string_view value, DeliveryResult& result) {
    if (value.empty()) return;
    if (std::all_of(value.begin(), value.end(), [](unsigned char c) { return std::isdigit(c); })) {
        if (value.size() <= 9)
            result.retry_after = std::chrono::seconds(std::stol(std::string(value)));
        return;
    }
    const std::string date(value);
    const time_t when = curl_getdate(date.c_str(), nullptr);
    if (when < 0) return;
    result.retry_at = TimePoint(std::chrono::seconds(when));
}

/// A platform's logical error in a JSON answer: {"errcode":N,"errmsg":...} (DingTalk, WeCom)
/// or {"code":N,"msg":...} (Feishu), N a non-zero integer.
struct PlatformError {
    std::string field;
    std::int64_t code = 0;
    std::string message;
};

std::optional<PlatformError> platform_error(std::string_view body) {
    boost::system::error_code ec;
    const auto value = boost::json::parse(body, ec);
    if (ec || !value.is_object()) return std::nullopt;
    const auto& object = value.get_object();
    for (const char* field : {"errcode", "code"}) {
        const auto* code = object.if_contains(field);
        if (!code) continue;
        std::int64_t n = 0;
        if (code->is_int64())
            n = code->get_int64();
        else if (code->is_uint64())
            n = static_cast<std::int64_t>(code->get_uint64());
        else
            continue;  // "code": "OK" and the like say nothing
        if (n == 0) return std::nullopt;
        PlatformError e{field, n, {}};
        for (const char* msg : {"errmsg", "msg", "message"}) {
            if (const auto* m = object.if_contains(msg); m && m->is_string()) {
                e.message = std::string(m->get_string());
                break;
            }
        }
        return e;
    }
    return std::nullopt;
}

bool rate_limit_code(std::int64_t code) {
    return code == 130101     // DingTalk: send too fast, exceed 20 times per minute
           || code == 45009   // WeCom: api freq out of limit
           || code == 11232;  // Feishu: frequency limited
}

/// How a libcurl failure without a usable answer reads, and whether retrying can help.
DeliveryResult transport_failure(CURLcode code, const std::string& message) {
    std::string what;
    auto outcome = DeliveryOutcome::retry;
    switch (code) {
        case CURLE_COULDNT_CONNECT:
            what = "connection refused";
            break;
        case CURLE_OPERATION_TIMEDOUT:
            what = "timeout";
            break;
        case CURLE_COULDNT_RESOLVE_HOST:
        case CURLE_COULDNT_RESOLVE_PROXY:
            what = "DNS failure";
            break;
        case CURLE_SSL_CONNECT_ERROR:
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_CERTPROBLEM:
        case CURLE_SSL_CIPHER:
        case CURLE_SSL_CACERT_BADFILE:
        case CURLE_USE_SSL_FAILED:
            what = "TLS failure";
            break;
        case CURLE_URL_MALFORMAT:
        case CURLE_UNSUPPORTED_PROTOCOL:
            what = "bad URL";
            outcome = DeliveryOutcome::give_up;
            break;
        case CURLE_LOGIN_DENIED:
            what = "login denied";
            outcome = DeliveryOutcome::give_up;
            break;
        default:
            what = "transport error";
            break;
    }
    return {outcome, message.empty() ? what : what + ": " + message};
}

void scrub(std::string& text, const std::string& secret) {
    if (secret.empty()) return;
    for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 3))
        text.replace(at, secret.size(), "***");
}

/// The bare address of "Name <addr>" or "addr".
std::string address_of(const std::string& text) {
    const auto open = text.rfind('<');
    const auto close = text.rfind('>');
    if (open != std::string::npos && close != std::string::npos && close > open)
        return text.substr(open + 1, close - open - 1);
    return text;
}

bool valid_address(const std::string& address) {
    return !address.empty() && address.find_first_of("\r\n<>") == std::string::npos;
}

struct Upload {
    const std::string& data;
    std::size_t offset = 0;
};

size_t read_upload(char* buffer, size_t size, size_t n, void* user) {
    auto& up = *static_cast<Upload*>(user);
    const std::size_t count = std::min(size * n, up.data.size() - up.offset);
    std::copy_n(up.data.data() + up.offset, count, buffer);
    up.offset += count;
    return count;
}

/// Collects the lines the SMTP server sent ("550 5.1.1 <x@y>: Recipient rejected"), the last
/// 32 of them.
int on_debug(CURL*, curl_infotype type, char* data, size_t size, void* user) {
    if (type != CURLINFO_HEADER_IN) return 0;
    auto& lines = *static_cast<std::vector<std::string>*>(user);
    std::string_view text(data, size);
    while (!text.empty()) {
        const auto nl = text.find('\n');
        auto line = text.substr(0, nl);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (!line.empty()) lines.emplace_back(line);
        text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    }
    if (lines.size() > 32) lines.erase(lines.begin(), lines.end() - 32);
    return 0;
}

}  // namespace

std::string_view to_string(DeliveryOutcome outcome) {
    switch (outcome) {
        case DeliveryOutcome::delivered:
            return "delivered";
        case DeliveryOutcome::retry:
            return "retry";
        case DeliveryOutcome::give_up:
            return "give_up";
    }
    return "unknown";
}

DeliveryResult classify_http_response(long status, std::string_view reason, std::string_view body,
                                      std::string_view retry_after_header, bool robot_errors) {
    const auto head = status_text(status, reason);
    const auto with_body = [&] {
        const auto text = excerpt(body);
        return text.empty() ? head : head + ": " + text;
    };
    const bool retryable_status =
        status == 408 || status == 425 || status == 429 || (status >= 500 && status <= 599);
    if (retryable_status) {
        DeliveryResult retry{DeliveryOutcome::retry, with_body()};
        parse_retry_after(retry_after_header, retry);
        return retry;
    }
    if (status >= 300 && status <= 399) return {DeliveryOutcome::retry, with_body()};
    const bool ok = status >= 200 && status <= 299;
    if (robot_errors && (ok || (status >= 400 && status <= 499))) {
        if (const auto e = platform_error(body)) {
            auto detail = head + ": " + e->field + " " + std::to_string(e->code);
            if (!e->message.empty()) detail += ": " + excerpt(e->message);
            if (rate_limit_code(e->code)) return {DeliveryOutcome::retry, detail};
            return {DeliveryOutcome::give_up, detail};
        }
    }
    if (ok) return {DeliveryOutcome::delivered, head};
    return {DeliveryOutcome::give_up, with_body()};
}

DeliveryResult send_webhook(const std::string& url, const std::string& body,
                            const std::vector<std::string>& extra_headers,
                            std::chrono::seconds timeout, bool robot_errors) {
    std::vector<std::string> headers;
    const bool has_type = std::any_of(extra_headers.begin(), extra_headers.end(),
                                      [](auto& h) { return iequals_prefix(h, "content-type:"); });
    if (!has_type) headers.emplace_back("Content-Type: application/json");
    headers.emplace_back("User-Agent: indicatord");
    headers.insert(headers.end(), extra_headers.begin(), extra_headers.end());
    const auto r = http_client::request("POST", url, body, headers, timeout);
    DeliveryResult result;
    if (r.status == 0) {
        result = transport_failure(static_cast<CURLcode>(r.transport_code), r.error);
    } else {
        const auto retry_after = r.headers.find("retry-after");
        result = classify_http_response(r.status, r.reason, r.body,
                                        retry_after == r.headers.end()
                                            ? std::string_view{}
                                            : std::string_view(retry_after->second),
                                        robot_errors);
    }
    // libcurl's messages and the receiver's answer may quote the URL and its credentials
    result.detail = scrub_url_secrets(std::move(result.detail), url);
    return result;
}

DeliveryResult send_email(const SmtpSettings& smtp, const std::vector<std::string>& recipients,
                          const std::string& mime) {
    if (recipients.empty()) return {DeliveryOutcome::give_up, "no recipients"};
    const auto from = address_of(smtp.from);
    if (!valid_address(from)) return {DeliveryOutcome::give_up, "invalid sender address"};
    std::vector<std::string> addresses;
    for (const auto& r : recipients) {
        const auto to = address_of(r);
        if (!valid_address(to))
            return {DeliveryOutcome::give_up, "invalid recipient address: " + excerpt(r, 100)};
        addresses.push_back("<" + to + ">");
    }
    const auto rcpt = curl::list(addresses);
    if (!rcpt) return {DeliveryOutcome::retry, "out of memory for the recipients"};
    const auto c = curl::easy();
    if (!c) return {DeliveryOutcome::retry, "curl_easy_init failed"};
    Upload upload{mime};
    std::vector<std::string> replies;
    char errbuf[CURL_ERROR_SIZE] = {};
    const auto sender = "<" + from + ">";
    CURL* h = c.get();
    curl_easy_setopt(h, CURLOPT_URL, smtp.url.c_str());
    curl_easy_setopt(h, CURLOPT_USE_SSL,
                     static_cast<long>(smtp.starttls ? CURLUSESSL_ALL : CURLUSESSL_NONE));
    if (!smtp.username.empty()) {
        curl_easy_setopt(h, CURLOPT_USERNAME, smtp.username.c_str());
        curl_easy_setopt(h, CURLOPT_PASSWORD, smtp.password.c_str());
    }
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, smtp.verify_tls ? 1L : 0L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, smtp.verify_tls ? 2L : 0L);
    curl_easy_setopt(h, CURLOPT_MAIL_FROM, sender.c_str());
    curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt.get());
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(h, CURLOPT_READFUNCTION, read_upload);
    curl_easy_setopt(h, CURLOPT_READDATA, &upload);
    curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(mime.size()));
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS,
                     static_cast<long>(std::chrono::milliseconds(smtp.timeout).count()));
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    // The debug callback sees the server's replies; it replaces libcurl's stderr output.
    curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, on_debug);
    curl_easy_setopt(h, CURLOPT_DEBUGDATA, &replies);
    curl_easy_setopt(h, CURLOPT_VERBOSE, 1L);

    const auto rc = curl_easy_perform(h);
    long code = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    const std::string message = errbuf[0] ? errbuf : curl_easy_strerror(rc);
    const auto reply = [&] {
        // the server's own words: its last line with that code (a QUIT may have followed),
        // else the code and libcurl's message
        const auto prefix = std::to_string(code);
        for (auto line = replies.rbegin(); line != replies.rend(); ++line) {
            if (line->size() > prefix.size() && line->rfind(prefix, 0) == 0 &&
                ((*line)[prefix.size()] == ' ' || (*line)[prefix.size()] == '-'))
                return "SMTP " + prefix + " " + excerpt(line->substr(prefix.size() + 1));
        }
        return "SMTP " + prefix + (rc == CURLE_OK ? "" : ": " + message);
    };
    DeliveryResult result;
    if (rc == CURLE_OK)
        result = {DeliveryOutcome::delivered, reply()};
    else if (code >= 500 && code <= 599)
        result = {DeliveryOutcome::give_up, reply()};
    else if (code >= 400 && code <= 499)
        result = {DeliveryOutcome::retry, reply()};
    else
        result = transport_failure(rc, message);
    scrub(result.detail, smtp.password);
    result.detail = scrub_url_secrets(std::move(result.detail), smtp.url);
    return result;
}

}  // namespace indicatord
