// The console's sessions, failed sign-ins per address, and the cookie header.
#include "http/web_session.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <stdexcept>

#include "util/digest.hpp"

namespace indicatord {

std::string random_web_token() {
    unsigned char bytes[32];
    if (RAND_bytes(bytes, sizeof bytes) != 1)
        throw std::runtime_error("RAND_bytes failed: no random bytes for a session");
    return to_hex(std::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes));
}

bool same_secret(std::string_view a, std::string_view b) {
    return a.size() == b.size() && !a.empty() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string cookie_value(std::string_view header, std::string_view name) {
    // RFC 6265 section 4.2.1: cookie-pair *( ";" SP cookie-pair ), a pair is name "=" value
    while (!header.empty()) {
        const auto end = header.find(';');
        auto pair = header.substr(0, end);
        while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
        const auto eq = pair.find('=');
        if (eq != std::string_view::npos && pair.substr(0, eq) == name) {
            auto value = pair.substr(eq + 1);
            while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
            return std::string(value);
        }
        if (end == std::string_view::npos) break;
        header.remove_prefix(end + 1);
    }
    return {};
}

const WebSession& WebSessions::create(Principal who, TimePoint now, std::chrono::seconds ttl) {
    drop_expired(now);
    WebSession s{random_web_token(), random_web_token(), std::move(who), now + ttl};
    auto id = s.id;
    return sessions_.insert_or_assign(std::move(id), std::move(s)).first->second;
}

const WebSession* WebSessions::find(std::string_view id, TimePoint now) {
    auto it = sessions_.find(std::string(id));
    if (it == sessions_.end()) return nullptr;
    if (now >= it->second.expires) {
        sessions_.erase(it);
        return nullptr;
    }
    return &it->second;
}

void WebSessions::erase(std::string_view id) {
    sessions_.erase(std::string(id));
}

void WebSessions::drop_expired(TimePoint now) {
    std::erase_if(sessions_, [now](const auto& kv) { return now >= kv.second.expires; });
}

std::optional<std::chrono::seconds> SignInLimiter::refused(const std::string& address,
                                                           TimePoint now) {
    auto it = failures_.find(address);
    if (it == failures_.end()) return std::nullopt;
    const auto until = it->second.first + kWindow;
    if (now >= until) {
        failures_.erase(it);
        return std::nullopt;
    }
    if (it->second.count < kMaxFailures) return std::nullopt;
    return std::chrono::ceil<std::chrono::seconds>(until - now);
}

void SignInLimiter::failed(const std::string& address, TimePoint now) {
    // bounded: many addresses failing at once drop the windows that have passed
    if (failures_.size() >= kMaxAddresses)
        std::erase_if(failures_,
                      [now](const auto& kv) { return now >= kv.second.first + kWindow; });
    auto& f = failures_[address];
    if (f.count == 0 || now >= f.first + kWindow) f = Failures{now, 0};
    ++f.count;
}

}  // namespace indicatord
