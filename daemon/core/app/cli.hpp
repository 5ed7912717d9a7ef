#pragma once

#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"

namespace indicatord {

/// indicatord's command line. Flags override the config file.
struct DaemonArgs {
    std::string config;
    std::optional<std::string> listen;
    std::optional<std::string> database;
    std::optional<std::string> log_level;
    std::optional<std::string> now;
    bool check_only = false;
    bool test_clock = false;  ///< the clock stands still and POST /-/clock moves it (tests)
    bool help = false;
    bool version = false;
};

/// Throws UsageError with a one-line message.
DaemonArgs parse_daemon_args(const std::vector<std::string>& args);

/// Loads the config file and applies the flags; throws ConfigError/UsageError.
DaemonConfig resolve_config(const DaemonArgs& args);

extern const char* const kDaemonUsage;

/// The arguments with each `--name=value` split into `--name` and `value` (at the first '='),
/// so that both programs take either form.
std::vector<std::string> split_option_values(const std::vector<std::string>& args);

}  // namespace indicatord
