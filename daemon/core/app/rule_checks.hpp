#pragma once

#include <filesystem>
#include <iosfwd>

namespace indicatord {

/// Runs one rule test file (docs/rule-tests.md): a config whose rules and calendars are used,
/// values with report times, and expected statuses at given instants. Prints a readable diff
/// of each mismatch to `out`; returns the number of failed expectations. Throws ConfigError for
/// a malformed file.
int run_rule_test(const std::filesystem::path& file, std::ostream& out);

}  // namespace indicatord
