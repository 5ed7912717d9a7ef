#pragma once

#include <boost/asio/awaitable.hpp>
#include <string>

#include "model/clock.hpp"

namespace indicatord {

/// What the admin endpoints may do to the daemon as a whole: `POST /-/reload` re-reads the
/// configuration, `POST /-/clock` moves a test clock. The App owns both (the configuration and
/// the clock) and implements this; it is declared here, beside its one user, because includes
/// only go down the layers. Event loop thread only.
class AdminActions {
  public:
    virtual ~AdminActions() = default;
    /// Re-reads rules, calendars and tokens like SIGHUP; returns the error, empty on success.
    virtual boost::asio::awaitable<std::string> reload() = 0;
    /// Moves a test clock (indicatord --test-clock) and runs a tick at once; false when the
    /// clock is not under test control.
    virtual boost::asio::awaitable<bool> set_clock(TimePoint now) = 0;
};

}  // namespace indicatord
