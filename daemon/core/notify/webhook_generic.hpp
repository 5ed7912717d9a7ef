#pragma once

// The generic JSON webhook: the Alertmanager payload, version 4.

#include <string>

#include "model/notification.hpp"

namespace indicatord {

/// Alertmanager webhook payload, version 4 (what existing receivers accept).
std::string render_webhook(const Digest& d);

}  // namespace indicatord
