#include "app/cli.hpp"

#include "model/clock.hpp"
#include "util/errors.hpp"

namespace indicatord {

const char* const kDaemonUsage =
    "usage: indicatord --config PATH [--listen HOST:PORT] [--database PATH]\n"
    "                  [--log-level LEVEL] [--now RFC3339] [--test-clock] [--check] [--version]\n"
    "options take their value as --name VALUE or --name=VALUE\n"
    "exit status: 0 ran (or --check found the config valid), 1 config or rule errors (or the\n"
    "daemon failed), 2 usage errors\n";

std::vector<std::string> split_option_values(const std::vector<std::string>& args) {
    std::vector<std::string> out;
    for (const auto& a : args) {
        const auto eq = a.find('=');
        if (a.starts_with("--") && eq != std::string::npos && eq > 2) {
            out.push_back(a.substr(0, eq));
            out.push_back(a.substr(eq + 1));
        } else {
            out.push_back(a);
        }
    }
    return out;
}

DaemonArgs parse_daemon_args(const std::vector<std::string>& raw_args) {
    const auto args = split_option_values(raw_args);
    DaemonArgs a;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const auto& arg = args[i];
        auto value = [&](const char* name) -> std::string {
            if (i + 1 >= args.size()) throw UsageError(std::string(name) + " needs a value");
            return args[++i];
        };
        if (arg == "--config" || arg == "-c")
            a.config = value("--config");
        else if (arg == "--listen")
            a.listen = value("--listen");
        else if (arg == "--database")
            a.database = value("--database");
        else if (arg == "--log-level")
            a.log_level = value("--log-level");
        else if (arg == "--now")
            a.now = value("--now");
        else if (arg == "--check")
            a.check_only = true;
        else if (arg == "--test-clock")
            a.test_clock = true;
        else if (arg == "--help" || arg == "-h")
            a.help = true;
        else if (arg == "--version")
            a.version = true;
        else
            throw UsageError("unknown argument '" + arg + "'");
    }
    if (!a.help && !a.version && a.config.empty()) throw UsageError("--config PATH is required");
    return a;
}

DaemonConfig resolve_config(const DaemonArgs& a) {
    auto c = load_config(a.config);
    if (a.listen) {
        auto l = parse_listen(*a.listen);
        if (!l) throw UsageError("--listen must be HOST:PORT, got '" + *a.listen + "'");
        c.listen_host = l->first;
        c.listen_port = l->second;
    }
    if (a.database) c.database = *a.database;
    if (a.log_level) {
        if (!valid_log_level(*a.log_level))
            throw UsageError(
                "--log-level must be one of trace, debug, info, warn, error, critical, off");
        c.log_level = *a.log_level;
    }
    if (a.now) c.now = *a.now;
    if (c.now && !parse_instant(*c.now))
        throw UsageError("--now must be an RFC 3339 instant like 2023-07-15T09:00:00+08:00, got '" +
                         *c.now + "'");
    return c;
}

}  // namespace indicatord
