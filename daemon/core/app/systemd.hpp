#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace indicatord::systemd {

/// sd_notify(3) with the given state ("READY=1", "STOPPING=1", ...); a no-op without
/// NOTIFY_SOCKET.
void notify(const std::string& state);

/// The watchdog interval systemd expects pings at (WATCHDOG_USEC), if enabled.
std::optional<std::chrono::microseconds> watchdog_interval();

/// Whether stderr is a stream to the journal: JOURNAL_STREAM ("DEVICE:INODE", systemd.exec(5))
/// names the device and inode of file descriptor 2.
bool stderr_is_journal();

}  // namespace indicatord::systemd
