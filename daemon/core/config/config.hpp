#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "model/plan.hpp"

namespace indicatord {

/// HTTP limits; each has a safe default and a config key under `http:`.
struct HttpLimits {
    std::size_t body_bytes = 8 * 1024 * 1024;
    std::size_t header_bytes = 16 * 1024;
    std::chrono::seconds idle_timeout{60};
    std::chrono::seconds read_timeout{30};
    std::size_t max_connections = 1024;
    std::chrono::seconds drain_timeout{10};
};

/// SMTP for email receivers (`alerting.smtp`). The password comes from a file or a systemd
/// credential, never from the config itself.
struct SmtpConfig {
    std::string url;  ///< smtp://host:port or smtps://host:port; empty: no email
    std::string from = "indicatord@localhost";
    bool starttls = false;
    bool verify_tls = true;
    std::string username;
    std::optional<std::filesystem::path> password_file;
    std::chrono::seconds timeout{30};
};

/// The `alerting:` section.
/// Alertmanager as a receiver (`alerting.alertmanager`, docs/alertmanager.md): every firing
/// alert, and those resolved lately, posted to each URL's /api/v2/alerts every
/// `resend_interval` and at once when the set changes, as Prometheus does.
struct AlertmanagerConfig {
    std::vector<std::string> urls;  ///< base URLs (http://am:9093); empty: not configured
    std::chrono::seconds resend_interval{60};
    std::chrono::seconds timeout{10};
};

struct AlertingConfig {
    std::chrono::seconds group_interval{60};  ///< one message per receiver per interval at most
    std::chrono::seconds repeat_interval{24 * 3600};  ///< re-send alerts that stay firing
    std::chrono::seconds pending_for{0};              ///< a condition must hold this long to fire
    bool send_resolved = true;
    bool reminders = true;
    std::string escalation_unit;              ///< unit id of the supervision office; empty: none
    std::vector<DayOffset> escalation_steps;  ///< after firing: e.g. 3wd, 10wd
    std::string external_url;                 ///< link in messages back to this daemon
    std::optional<std::filesystem::path> templates;  ///< message templates file (reloadable)
    SmtpConfig smtp;
    AlertmanagerConfig alertmanager;
    std::chrono::seconds backoff_initial{5};
    std::chrono::seconds backoff_max{600};
    std::chrono::seconds give_up_after{24 * 3600};
};

/// API tokens. Without a tokens file, writes are open to anyone who reaches the port.
struct AuthConfig {
    std::optional<std::filesystem::path> tokens_file;
    bool read_requires_token = false;  ///< the read API (not /metrics, /healthz) needs a token
    /// `read_scope: unit`: a unit token reads only the indicators (and their alerts and values)
    /// its unit is responsible for; admin tokens and `read_all_units` read everything.
    bool read_scope_unit = false;
    std::vector<std::string> read_all_units;  ///< units whose tokens read everything (the office)
};

/// The web console (`web:`, docs/web.md). Startup-only.
struct WebConfig {
    /// Anonymous visitors may read the board and the indicator pages (when tokens are
    /// configured; without `auth.tokens_file` everything is open anyway, like the API).
    bool public_read = false;
    /// Serve the console's files from this folder instead of the copies compiled into the binary.
    std::optional<std::filesystem::path> assets_dir;
    /// A signed-in session lasts this long (by the daemon's clock).
    std::chrono::seconds session_ttl{8 * 3600};
    /// The traffic lights (亮灯): which statuses (their names, as the API writes them) show
    /// green, yellow and red. A status in none of the lists shows grey (灰灯).
    std::vector<std::string> green{"achieved", "on_track", "pending"};
    std::vector<std::string> yellow{"at_risk"};
    std::vector<std::string> red{"missed", "overdue"};
    /// A green indicator whose next report is due within this many working days shows yellow
    /// (due soon); 0 days: never.
    DayOffset due_soon{5, true};
};

/// One scheduled bulletin (`bulletins:`, docs/bulletins.md): the bulletin of `plan` as of the
/// `on`-th (working) day of every week, month or quarter at `at`, sent to the receivers of the
/// units in `to`. The plan and the units are checked against the rules by load_rules, which
/// names the places kept here.
struct BulletinScheduleConfig {
    enum class Every { week, month, quarter };
    std::string plan;  ///< a plan id; empty: the first plan
    Every every = Every::month;
    int on = 5;                       ///< the day of the period, counted from 1
    bool on_working_days = true;      ///< `5wd`: the 5th working day; `5`: the 5th day
    std::chrono::minutes at{9 * 60};  ///< local time in the plan's zone
    /// "dcs" (every receiver of the unit) or "dcs/0" (its first receiver)
    std::vector<std::string> to;
    std::vector<std::string> formats{"xlsx", "md"};  ///< xlsx, html, json attached; md to robots
    std::string defined_at;                          ///< file:line:col of the entry
    std::string plan_at;             ///< file:line:col of `plan:` (the entry's when not given)
    std::vector<std::string> to_at;  ///< file:line:col of each name in `to`
};
std::string_view to_string(BulletinScheduleConfig::Every every);
/// "5wd" or "5".
std::string on_text(const BulletinScheduleConfig& schedule);

/// The daemon's config file. Startup-only settings (listen, database) and the paths of the
/// reloadable rules. Relative paths are resolved against the config file's folder.
/// `evidence:` limits of the files attached to a submitted value (佐证材料, docs/review.md).
struct EvidenceLimits {
    std::size_t max_file_bytes = 5 * 1024 * 1024;  ///< one file
    std::size_t max_files = 10;                    ///< files per value
};

struct DaemonConfig {
    std::filesystem::path file;
    std::string listen_host = "127.0.0.1";
    std::uint16_t listen_port = 9464;
    std::filesystem::path database = "indicatord.db";
    std::vector<std::filesystem::path> rules;
    std::vector<std::filesystem::path> calendars;  ///< working-day calendar files or folders
    std::chrono::seconds evaluation_interval{60};
    std::string log_level = "info";
    std::optional<std::string> now;  ///< fixed start time for the clock (demos, replays)
    HttpLimits http;
    /// HTTPS on the listener, for deployments without a reverse proxy (startup-only).
    std::optional<std::filesystem::path> tls_cert_file;
    std::optional<std::filesystem::path> tls_key_file;
    AuthConfig auth;
    AlertingConfig alerting;
    WebConfig web;
    std::vector<BulletinScheduleConfig> bulletins;
    EvidenceLimits evidence;
};

/// Reads and validates the config file. Throws ConfigError "file:line:col: message".
DaemonConfig load_config(const std::filesystem::path& file);

/// Parses "HOST:PORT" ("127.0.0.1:0", "[::1]:9464"); nullopt if malformed.
std::optional<std::pair<std::string, std::uint16_t>> parse_listen(std::string_view text);

/// Parses a duration "30s", "5m", "1h", "2d"; nullopt if malformed.
std::optional<std::chrono::seconds> parse_duration(std::string_view text);

bool valid_log_level(std::string_view level);

}  // namespace indicatord
