#pragma once

#include <boost/asio/awaitable.hpp>

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http_types.hpp"

namespace indicatord {

class Engine;
class Store;
class Committer;
class SelfMetrics;
class Clock;
class TokenStore;
class AlertActions;
struct Principal;

/// The HTTP API as a function from request to response. It never touches a socket; it runs on
/// the event loop's thread and suspends (never blocks) while the writer thread commits a batch,
/// an alert change or a reload's registrations.
class Service {
public:
    struct Deps {
        std::function<Engine&()> engine;  ///< the current plan's state (swapped on reload)
        Store& store;
        Committer& committer;
        SelfMetrics& metrics;
        const Clock& clock;
        std::function<bool()> ready;
        /// The API tokens; nullptr when auth is not configured (writes are open).
        std::function<const TokenStore*()> tokens;
        bool read_requires_token = false;
        std::function<AlertActions&()> alerts;
        /// The current engine, kept alive by the holder (a scrape streamed across a reload).
        std::function<std::shared_ptr<const Engine>()> engine_snapshot;
        /// Why the database cannot take writes (Store::file_problem), empty when it can; unset: never.
        std::function<std::string()> storage_problem;
    };

    explicit Service(Deps deps) : d_(std::move(deps)) {}

    boost::asio::awaitable<HttpResponse> handle(HttpRequest request);

private:
    boost::asio::awaitable<HttpResponse> post_values(const HttpRequest& request, const Principal* who);
    HttpResponse list_indicators(const std::vector<std::pair<std::string, std::string>>& query) const;
    HttpResponse get_indicator(std::string_view key) const;
    HttpResponse get_values(std::string_view key) const;
    HttpResponse get_metrics() const;
    HttpResponse list_alerts(const std::vector<std::pair<std::string, std::string>>& query) const;
    boost::asio::awaitable<HttpResponse> acknowledge(std::string_view fingerprint, const HttpRequest& req, const Principal* who);
    HttpResponse list_silences() const;
    boost::asio::awaitable<HttpResponse> add_silence(const HttpRequest& req, const Principal* who);
    boost::asio::awaitable<HttpResponse> expire_silence(std::string_view id, const Principal* who);

    Deps d_;
};

}  // namespace indicatord
