#pragma once

#include <cstdint>
#include <string>

#include "clock.hpp"

namespace indicatord {

class Alerter;
struct Silence;

/// What the HTTP API may do to alerts: read them, acknowledge, silence. Implemented by the App,
/// which persists each change before it returns. Event loop thread only.
class AlertActions {
public:
    virtual ~AlertActions() = default;
    virtual const Alerter& alerter() const = 0;
    virtual TimePoint now() const = 0;
    virtual bool acknowledge(const std::string& fingerprint, const std::string& by, const std::string& comment) = 0;
    virtual std::int64_t add_silence(Silence silence) = 0;
    virtual bool expire_silence(std::int64_t id) = 0;
    /// Moves a test clock (indicatord --test-clock) and runs a tick at once; false otherwise.
    virtual bool set_clock(TimePoint now) = 0;
    /// Re-reads rules, calendars and tokens like SIGHUP; returns the error, empty on success.
    virtual std::string reload() = 0;
};

}  // namespace indicatord
