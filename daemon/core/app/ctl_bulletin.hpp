#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace indicatord {

/// `indicatorctl bulletin CONFIG [--plan ID] [--as-of RFC3339|DATE] [--format F] [-o FILE]
/// [--database DB]`: the bulletin (docs/bulletins.md) from the config's database, offline.
/// Throws UsageError for bad arguments; returns the exit code.
int bulletin_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

/// Its usage lines, for indicatorctl's usage text.
extern const char* const kBulletinUsage;

}  // namespace indicatord
