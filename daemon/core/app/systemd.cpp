#include "app/systemd.hpp"

#include <systemd/sd-daemon.h>

namespace indicatord::systemd {

void notify(const std::string& state) {
    sd_notify(0, state.c_str());
}

std::optional<std::chrono::microseconds> watchdog_interval() {
    uint64_t usec = 0;
    if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) return std::chrono::microseconds(usec);
    return std::nullopt;
}

}  // namespace indicatord::systemd
