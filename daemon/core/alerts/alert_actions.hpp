#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <string>

#include "model/clock.hpp"

namespace indicatord {

class Alerter;
struct Silence;

/// What the HTTP API may do to alerts: read them, acknowledge, silence. Implemented by the App,
/// which stores each change (awaiting the writer thread, never blocking on it) before it shows
/// in alerter(); a change that cannot be stored throws StorageError naming the cause. Event loop
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
    /// Moves a test clock (indicatord --test-clock) and runs a tick at once; false otherwise.
    virtual boost::asio::awaitable<bool> set_clock(TimePoint now) = 0;
    /// Re-reads rules, calendars and tokens like SIGHUP; returns the error, empty on success.
    virtual boost::asio::awaitable<std::string> reload() = 0;
};

}  // namespace indicatord
