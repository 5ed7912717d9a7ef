#pragma once

namespace indicatord {

/// Makes the default spdlog logger write to stderr. When stderr is the journal (JOURNAL_STREAM
/// names its device and inode, systemd.exec(5)) each line starts with its sd-daemon(3)
/// priority (`<3>` error, `<4>` warning, `<6>` info, `<7>` debug) and carries no timestamp (the
/// journal stamps it), so that `journalctl -p warning` selects by level; otherwise lines are
/// plain: `2023-07-15T09:00:00.000+08:00 info message`. Call once, before anything logs.
void setup_logging();

}  // namespace indicatord
