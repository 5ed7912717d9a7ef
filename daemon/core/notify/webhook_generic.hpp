#pragma once

// The generic JSON webhook: the Alertmanager payload, version 4.

#include <cstddef>
#include <string>

#include "model/notification.hpp"

namespace indicatord {

/// Alertmanager webhook payload, version 4 (what existing receivers accept): the digest's alerts
/// and the group's others still firing (`Digest::still_firing`); `max_alerts` > 0 keeps that
/// many (firing first) and counts the rest in `truncatedAlerts`.
std::string render_webhook(const Digest& d, std::size_t max_alerts = 0);

}  // namespace indicatord
