#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "config/auth.hpp"
#include "model/clock.hpp"

namespace indicatord {

/// A signed-in browser: the principal of the API token it signed in with, and the CSRF token
/// every form POST of the session must carry.
struct WebSession {
    std::string id;    ///< the cookie's value: 32 random bytes in hex
    std::string csrf;  ///< 32 random bytes in hex, in every form of the session's pages
    Principal who;
    TimePoint expires{};
};

/// The console's sessions, in memory (a restart signs everyone out). Times come from the
/// daemon's Clock. Event loop thread only.
class WebSessions {
  public:
    /// A new session for `who`, valid for `ttl` from `now`.
    const WebSession& create(Principal who, TimePoint now, std::chrono::seconds ttl);
    /// The session of a cookie value, or nullptr when there is none or it has expired (then it
    /// is dropped).
    const WebSession* find(std::string_view id, TimePoint now);
    void erase(std::string_view id);
    std::size_t size() const { return sessions_.size(); }

  private:
    void drop_expired(TimePoint now);
    std::unordered_map<std::string, WebSession> sessions_;
};

/// Failed sign-ins per client address: after `kMaxFailures` within `kWindow` the address is
/// refused until the window of its first failure has passed. Event loop thread only.
class SignInLimiter {
  public:
    static constexpr int kMaxFailures = 5;
    static constexpr std::chrono::minutes kWindow{15};
    /// Addresses remembered before the passed windows are swept out.
    static constexpr std::size_t kMaxAddresses = 10000;

    /// How long `address` must still wait, or nullopt when it may try.
    std::optional<std::chrono::seconds> refused(const std::string& address, TimePoint now);
    void failed(const std::string& address, TimePoint now);
    void succeeded(const std::string& address) { failures_.erase(address); }

  private:
    struct Failures {
        TimePoint first{};
        int count = 0;
    };
    std::unordered_map<std::string, Failures> failures_;
};

/// 32 random bytes (OpenSSL's RAND_bytes) as 64 hex digits: session ids, CSRF tokens.
std::string random_web_token();

/// Equal texts, compared in time independent of where they differ (CSRF tokens).
bool same_secret(std::string_view a, std::string_view b);

/// The value of cookie `name` in a Cookie header ("a=1; b=2"), or empty.
std::string cookie_value(std::string_view header, std::string_view name);

}  // namespace indicatord
