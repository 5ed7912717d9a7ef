#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <optional>
#include <string>

#include "model/clock.hpp"

namespace indicatord {

class Alerter;
struct Silence;

/// What the HTTP API may do to alerts: read them, acknowledge, silence (nothing else: reloading
/// and the test clock are AdminActions, http/admin_actions.hpp). Implemented by the App, which
/// stores each change (awaiting the writer thread, never blocking on it) before it shows in
/// alerter(); a change that cannot be stored throws StorageError naming the cause. Event loop
/// thread only.
class AlertActions {
  public:
    virtual ~AlertActions() = default;
    virtual const Alerter& alerter() const = 0;
    virtual TimePoint now() const = 0;
    virtual boost::asio::awaitable<bool> acknowledge(std::string fingerprint, std::string by,
                                                     std::string comment) = 0;
    virtual boost::asio::awaitable<std::int64_t> add_silence(Silence silence) = 0;
    virtual boost::asio::awaitable<bool> expire_silence(std::int64_t id) = 0;
    /// 催办: queues a chase of indicator `key` to its lead unit's receivers and records it;
    /// returns the chase's id and how many messages were queued (0: the unit has no receiver
    /// that can be sent to). nullopt when the plan has no such indicator.
    struct ChaseResult {
        std::int64_t id = 0;
        std::size_t messages = 0;
        std::string period;  ///< the period it is overdue for, or empty
    };
    virtual boost::asio::awaitable<std::optional<ChaseResult>> chase(std::string key,
                                                                     std::string by,
                                                                     std::string comment) = 0;
};

}  // namespace indicatord
