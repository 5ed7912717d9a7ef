#include "config/config.hpp"

#include <algorithm>
#include <charconv>
#include <limits>

#include "util/errors.hpp"
#include "util/yaml_util.hpp"

namespace indicatord {

namespace fs = std::filesystem;

std::optional<std::pair<std::string, std::uint16_t>> parse_listen(std::string_view text) {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos || colon == 0) return std::nullopt;
    auto host = text.substr(0, colon);
    auto port_text = text.substr(colon + 1);
    if (host.front() == '[') {
        if (host.back() != ']') return std::nullopt;
        host = host.substr(1, host.size() - 2);
    }
    unsigned port = 0;
    auto [p, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc{} || p != port_text.data() + port_text.size() || port > 65535 ||
        host.empty())
        return std::nullopt;
    return std::make_pair(std::string(host), static_cast<std::uint16_t>(port));
}

std::optional<std::chrono::seconds> parse_duration(std::string_view text) {
    if (text.size() < 2) return std::nullopt;
    long long n = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size() - 1, n);
    if (ec != std::errc{} || p != text.data() + text.size() - 1 || n < 0) return std::nullopt;
    long long unit = 0;
    switch (text.back()) {
        case 's':
            unit = 1;
            break;
        case 'm':
            unit = 60;
            break;
        case 'h':
            unit = 3600;
            break;
        case 'd':
            unit = 86400;
            break;
        default:
            return std::nullopt;
    }
    // At most 100 years: more is a typo, would overflow `n * unit` (found by tests/fuzz) and,
    // in nanoseconds, the timers' arithmetic.
    constexpr long long max_seconds = 100LL * 366 * 86400;
    if (n > max_seconds / unit) return std::nullopt;
    return std::chrono::seconds(n * unit);
}

bool valid_log_level(std::string_view l) {
    return l == "trace" || l == "debug" || l == "info" || l == "warn" || l == "error" ||
           l == "critical" || l == "off";
}

namespace {

std::chrono::seconds duration_at(const fs::path& f, const yaml::Node& n, std::string_view what) {
    auto d = parse_duration(yaml::scalar(f, n, what));
    if (!d || d->count() == 0)
        yaml::fail(f, n,
                   std::string(what) + " must be a positive duration like 30s, 5m, 1h, got '" +
                       n.Scalar() + "'");
    return *d;
}

std::size_t positive(const fs::path& f, const yaml::Node& n, std::string_view what) {
    auto v = yaml::integer(f, n, what);
    if (v <= 0) yaml::fail(f, n, std::string(what) + " must be a positive integer");
    return static_cast<std::size_t>(v);
}

std::optional<DayOffset> parse_day_offset(std::string_view text) {
    DayOffset o;
    const bool wd = text.ends_with("wd");
    const auto digits = text.substr(0, text.size() - (wd ? 2 : 1));
    if (!wd && !text.ends_with("d")) return std::nullopt;
    auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), o.days);
    if (ec != std::errc{} || p != digits.data() + digits.size() || digits.empty() || o.days < 0 ||
        o.days > 999)
        return std::nullopt;
    o.working_days = wd;
    return o;
}

template <typename Resolve>
void load_alerting(const fs::path& file, const yaml::Node& a, AlertingConfig& c, Resolve resolve) {
    yaml::check_map(file, a, "alerting",
                    {"external_url", "group_interval", "repeat_interval", "for", "send_resolved",
                     "reminders", "escalation", "smtp", "delivery", "templates", "alertmanager"});
    if (auto n = a["templates"]) c.templates = resolve(yaml::scalar(file, n, "templates"));
    if (auto n = a["external_url"]) c.external_url = yaml::scalar(file, n, "external_url");
    if (auto n = a["group_interval"]) c.group_interval = duration_at(file, n, "group_interval");
    if (auto n = a["repeat_interval"]) c.repeat_interval = duration_at(file, n, "repeat_interval");
    if (auto n = a["for"]) {
        auto d = parse_duration(yaml::scalar(file, n, "for"));
        if (!d) yaml::fail(file, n, "for must be a duration like 0s, 10m, 1d");
        c.pending_for = *d;
    }
    if (auto n = a["send_resolved"]) c.send_resolved = yaml::boolean(file, n, "send_resolved");
    if (auto n = a["reminders"]) c.reminders = yaml::boolean(file, n, "reminders");
    if (auto e = a["escalation"]) {
        yaml::check_map(file, e, "escalation", {"unit", "after"});
        c.escalation_unit =
            yaml::scalar(file, yaml::required(file, e, "unit", "escalation"), "escalation unit");
        auto after = yaml::required(file, e, "after", "escalation");
        if (!after.IsSequence() || after.size() == 0)
            yaml::fail(file, after, "escalation.after must be a list like [3wd, 10wd]");
        for (const auto& x : after) {
            auto o = parse_day_offset(yaml::scalar(file, x, "escalation step"));
            if (!o)
                yaml::fail(
                    file, x,
                    "escalation step must be days like '3d' or working days like '3wd', got '" +
                        x.Scalar() + "'");
            if (!c.escalation_steps.empty() && o->days <= c.escalation_steps.back().days)
                yaml::fail(file, x, "escalation steps must increase");
            c.escalation_steps.push_back(*o);
        }
    }
    if (auto s = a["smtp"]) {
        yaml::check_map(
            file, s, "smtp",
            {"url", "from", "starttls", "verify_tls", "username", "password_file", "timeout"});
        c.smtp.url = yaml::scalar(file, yaml::required(file, s, "url", "smtp"), "smtp url");
        if (!c.smtp.url.starts_with("smtp://") && !c.smtp.url.starts_with("smtps://"))
            yaml::fail(file, s["url"], "smtp url must start with smtp:// or smtps://");
        if (auto n = s["from"]) c.smtp.from = yaml::scalar(file, n, "from");
        if (auto n = s["starttls"]) c.smtp.starttls = yaml::boolean(file, n, "starttls");
        if (auto n = s["verify_tls"]) c.smtp.verify_tls = yaml::boolean(file, n, "verify_tls");
        if (auto n = s["username"]) c.smtp.username = yaml::scalar(file, n, "username");
        if (auto n = s["password_file"])
            c.smtp.password_file = resolve(yaml::scalar(file, n, "password_file"));
        if (auto n = s["timeout"]) c.smtp.timeout = duration_at(file, n, "timeout");
    }
    if (auto m = a["alertmanager"]) {
        yaml::check_map(file, m, "alertmanager", {"url", "resend_interval", "timeout"});
        auto url = yaml::required(file, m, "url", "alertmanager");
        std::vector<yaml::Node> urls;
        if (url.IsSequence())
            for (const auto& u : url) urls.push_back(u);
        else
            urls.push_back(url);
        if (urls.empty()) yaml::fail(file, url, "alertmanager url must name at least one URL");
        for (const auto& u : urls) {
            auto text = yaml::scalar(file, u, "alertmanager url");
            if (!text.starts_with("http://") && !text.starts_with("https://"))
                yaml::fail(
                    file, u,
                    "alertmanager url must start with http:// or https://, got '" + text + "'");
            while (text.ends_with('/')) text.pop_back();
            c.alertmanager.urls.push_back(text);
        }
        if (auto n = m["resend_interval"])
            c.alertmanager.resend_interval = duration_at(file, n, "resend_interval");
        if (auto n = m["timeout"]) c.alertmanager.timeout = duration_at(file, n, "timeout");
    }
    if (auto d = a["delivery"]) {
        yaml::check_map(file, d, "delivery", {"backoff_initial", "backoff_max", "give_up_after"});
        if (auto n = d["backoff_initial"])
            c.backoff_initial = duration_at(file, n, "backoff_initial");
        if (auto n = d["backoff_max"]) c.backoff_max = duration_at(file, n, "backoff_max");
        if (auto n = d["give_up_after"]) c.give_up_after = duration_at(file, n, "give_up_after");
    }
}

// The statuses a light may list: the names of eval's Status (config sits below eval).
constexpr std::string_view kStatusNames[] = {"pending",  "on_track", "at_risk", "missed",
                                             "achieved", "overdue",  "no_data"};

template <typename Resolve>
void load_web(const fs::path& file, const yaml::Node& w, WebConfig& c, Resolve resolve) {
    yaml::check_map(file, w, "web", {"public_read", "assets_dir", "session_ttl", "lights"});
    if (auto n = w["public_read"]) c.public_read = yaml::boolean(file, n, "public_read");
    if (auto n = w["assets_dir"]) c.assets_dir = resolve(yaml::scalar(file, n, "assets_dir"));
    if (auto n = w["session_ttl"]) c.session_ttl = duration_at(file, n, "session_ttl");
    auto l = w["lights"];
    if (!l) return;
    yaml::check_map(file, l, "lights", {"green", "yellow", "red", "due_soon"});
    std::vector<std::pair<std::string, std::string>> seen;  // status, light
    auto statuses = [&](const char* light, std::vector<std::string>& out) {
        auto n = l[light];
        if (!n) return;
        if (!n.IsSequence())
            yaml::fail(
                file, n,
                std::string("lights.") + light + " must be a list of statuses, like [at_risk]");
        out.clear();
        for (const auto& s : n) {
            auto name = yaml::scalar(file, s, std::string("lights.") + light);
            if (std::find(std::begin(kStatusNames), std::end(kStatusNames), name) ==
                std::end(kStatusNames))
                yaml::fail(file, s,
                           "unknown status '" + name + "' in lights." + light +
                               " (statuses: pending, on_track, at_risk, missed, achieved, "
                               "overdue, no_data)");
            for (const auto& [status, other] : seen)
                if (status == name)
                    yaml::fail(file, s,
                               "status '" + name + "' is in lights." + other + " and lights." +
                                   light + ": a status has one light");
            seen.emplace_back(name, light);
            out.push_back(name);
        }
    };
    statuses("green", c.green);
    statuses("yellow", c.yellow);
    statuses("red", c.red);
    // a status listed under one light is taken out of the defaults of the others
    auto drop = [&](std::vector<std::string>& list, const char* light) {
        if (l[light]) return;
        std::erase_if(list, [&](const std::string& s) {
            return std::any_of(seen.begin(), seen.end(),
                               [&](const auto& p) { return p.first == s; });
        });
    };
    drop(c.green, "green");
    drop(c.yellow, "yellow");
    drop(c.red, "red");
    if (auto n = l["due_soon"]) {
        auto o = parse_day_offset(yaml::scalar(file, n, "due_soon"));
        if (!o || !o->working_days)
            yaml::fail(
                file, n,
                "due_soon must be working days like '5wd' (0wd: never), got '" + n.Scalar() + "'");
        c.due_soon = *o;
    }
}

// The latest `on:` of each period length: every month has 15 working days and 28 days, so the
// day always falls inside its period.
struct OnLimit {
    int working_days, days;
};
OnLimit on_limit(BulletinScheduleConfig::Every every) {
    switch (every) {
        case BulletinScheduleConfig::Every::week:
            return {5, 7};
        case BulletinScheduleConfig::Every::month:
            return {15, 28};
        case BulletinScheduleConfig::Every::quarter:
            return {40, 90};
    }
    return {0, 0};
}

constexpr std::string_view kBulletinFormats[] = {"xlsx", "html", "json", "md"};

BulletinScheduleConfig load_bulletin_schedule(const fs::path& file, const yaml::Node& b) {
    yaml::check_map(file, b, "bulletin schedule", {"plan", "every", "on", "at", "to", "formats"});
    BulletinScheduleConfig s;
    s.defined_at = yaml::where(file, b);
    s.plan_at = s.defined_at;
    if (auto n = b["plan"]) {
        s.plan = yaml::scalar(file, n, "plan");
        s.plan_at = yaml::where(file, n);
    }
    const auto every_node = yaml::required(file, b, "every", "bulletin schedule");
    const auto every = yaml::scalar(file, every_node, "every");
    if (every == "week")
        s.every = BulletinScheduleConfig::Every::week;
    else if (every == "month")
        s.every = BulletinScheduleConfig::Every::month;
    else if (every == "quarter")
        s.every = BulletinScheduleConfig::Every::quarter;
    else
        yaml::fail(file, every_node, "every must be week, month or quarter, got '" + every + "'");
    if (auto n = b["on"]) {
        const auto text = yaml::scalar(file, n, "on");
        const bool wd = text.ends_with("wd");
        const std::string_view digits(text.data(), text.size() - (wd ? 2 : 0));
        int day = 0;
        auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), day);
        const auto limit = on_limit(s.every);
        const int max = wd ? limit.working_days : limit.days;
        if (digits.empty() || ec != std::errc{} || p != digits.data() + digits.size() || day < 1 ||
            day > max)
            yaml::fail(file, n,
                       "on must be the Nth working day like '5wd' (1wd to " +
                           std::to_string(limit.working_days) + "wd) or a day like '5' (1 to " +
                           std::to_string(limit.days) + ") of the " + every + ", got '" + text +
                           "'");
        s.on = day;
        s.on_working_days = wd;
    }
    if (auto n = b["at"]) {
        const auto text = yaml::scalar(file, n, "at");
        int h = -1, m = -1;
        const bool shaped =
            text.size() == 5 && text[2] == ':' &&
            std::from_chars(text.data(), text.data() + 2, h).ptr == text.data() + 2 &&
            std::from_chars(text.data() + 3, text.data() + 5, m).ptr == text.data() + 5;
        if (!shaped || h < 0 || h > 23 || m < 0 || m > 59)
            yaml::fail(file, n, "at must be a time of day like \"09:00\", got '" + text + "'");
        s.at = std::chrono::minutes(h * 60 + m);
    }
    const auto to = yaml::required(file, b, "to", "bulletin schedule");
    if (!to.IsSequence() || to.size() == 0)
        yaml::fail(file, to, "to must be a non-empty list of units (or unit/receiver), like [dcs]");
    for (const auto& t : to) {
        s.to.push_back(yaml::scalar(file, t, "to"));
        s.to_at.push_back(yaml::where(file, t));
    }
    if (auto f = b["formats"]) {
        if (!f.IsSequence() || f.size() == 0)
            yaml::fail(file, f, "formats must be a non-empty list like [xlsx, md]");
        s.formats.clear();
        for (const auto& x : f) {
            auto name = yaml::scalar(file, x, "format");
            if (std::find(std::begin(kBulletinFormats), std::end(kBulletinFormats), name) ==
                std::end(kBulletinFormats))
                yaml::fail(
                    file, x,
                    "unknown bulletin format '" + name + "' (allowed: xlsx, html, json, md)");
            if (std::find(s.formats.begin(), s.formats.end(), name) != s.formats.end())
                yaml::fail(file, x, "format '" + name + "' is listed twice");
            s.formats.push_back(std::move(name));
        }
    }
    return s;
}

}  // namespace

std::string_view to_string(BulletinScheduleConfig::Every every) {
    switch (every) {
        case BulletinScheduleConfig::Every::week:
            return "week";
        case BulletinScheduleConfig::Every::month:
            return "month";
        case BulletinScheduleConfig::Every::quarter:
            return "quarter";
    }
    return "?";
}

std::string on_text(const BulletinScheduleConfig& s) {
    return std::to_string(s.on) + (s.on_working_days ? "wd" : "");
}

DaemonConfig load_config(const fs::path& file) {
    DaemonConfig c;
    c.file = file;
    auto root = yaml::load_file(file);
    if (!root.IsDefined() || root.IsNull())
        throw ConfigError(file.string() + ": config file is empty");
    yaml::check_map(file, root, "config",
                    {"listen", "database", "rules", "calendars", "evaluation_interval", "log_level",
                     "now", "http", "tls", "auth", "alerting", "web", "bulletins", "evidence"});
    const auto base = fs::absolute(file).parent_path();
    auto resolve = [&](const std::string& p) {
        return fs::path(p).is_absolute() ? fs::path(p) : base / p;
    };

    // Each setting and section on its own: one run names every one that is wrong.
    std::vector<std::string> errors;
    auto part = [&](auto&& load) {
        try {
            load();
        } catch (const ConfigError& e) {
            errors.emplace_back(e.what());
        }
    };
    part([&] {
        if (auto n = root["listen"]) {
            auto l = parse_listen(yaml::scalar(file, n, "listen"));
            if (!l) yaml::fail(file, n, "listen must be HOST:PORT, got '" + n.Scalar() + "'");
            c.listen_host = l->first;
            c.listen_port = l->second;
        }
    });
    part([&] {
        if (auto n = root["database"])
            c.database = resolve(yaml::scalar(file, n, "database"));
        else
            c.database = resolve(c.database.string());
    });
    auto paths = [&](const yaml::Node& n, std::string_view what) {
        std::vector<fs::path> out;
        if (n.IsScalar()) {
            out.push_back(resolve(n.Scalar()));
        } else if (n.IsSequence() && n.size() > 0) {
            for (const auto& r : n)
                out.push_back(resolve(yaml::scalar(file, r, std::string(what) + " path")));
        } else {
            yaml::fail(file, n, std::string(what) + " must be a path or a non-empty list of paths");
        }
        return out;
    };
    part([&] { c.rules = paths(yaml::required(file, root, "rules", "config"), "rules"); });
    part([&] {
        if (auto n = root["calendars"]) c.calendars = paths(n, "calendars");
    });
    part([&] {
        if (auto n = root["evaluation_interval"])
            c.evaluation_interval = duration_at(file, n, "evaluation_interval");
    });
    part([&] {
        if (auto n = root["log_level"]) {
            c.log_level = yaml::scalar(file, n, "log_level");
            if (!valid_log_level(c.log_level))
                yaml::fail(file, n,
                           "log_level must be one of trace, debug, info, warn, error, critical, "
                           "off");
        }
    });
    part([&] {
        if (auto n = root["now"]) c.now = yaml::scalar(file, n, "now");
    });
    part([&] {
        if (auto h = root["http"]) {
            yaml::check_map(file, h, "http",
                            {"body_limit_bytes", "header_limit_bytes", "idle_timeout",
                             "read_timeout", "max_connections", "drain_timeout"});
            if (auto n = h["body_limit_bytes"])
                c.http.body_bytes = positive(file, n, "body_limit_bytes");
            if (auto n = h["header_limit_bytes"]) {
                c.http.header_bytes = positive(file, n, "header_limit_bytes");
                // Beast's header limit is 32 bits; the server would cast a larger one to 0 (or
                // worse).
                if (c.http.header_bytes > std::numeric_limits<std::uint32_t>::max())
                    yaml::fail(file, n, "header_limit_bytes must be at most 4294967295");
            }
            if (auto n = h["idle_timeout"])
                c.http.idle_timeout = duration_at(file, n, "idle_timeout");
            if (auto n = h["read_timeout"])
                c.http.read_timeout = duration_at(file, n, "read_timeout");
            if (auto n = h["max_connections"])
                c.http.max_connections = positive(file, n, "max_connections");
            if (auto n = h["drain_timeout"])
                c.http.drain_timeout = duration_at(file, n, "drain_timeout");
        }
    });
    part([&] {
        if (auto t = root["tls"]) {
            yaml::check_map(file, t, "tls", {"cert_file", "key_file"});
            c.tls_cert_file = resolve(
                yaml::scalar(file, yaml::required(file, t, "cert_file", "tls"), "cert_file"));
            c.tls_key_file =
                resolve(yaml::scalar(file, yaml::required(file, t, "key_file", "tls"), "key_file"));
        }
    });
    part([&] {
        if (auto a = root["auth"]) {
            yaml::check_map(file, a, "auth",
                            {"tokens_file", "read_requires_token", "read_scope", "read_all_units"});
            if (auto n = a["tokens_file"])
                c.auth.tokens_file = resolve(yaml::scalar(file, n, "tokens_file"));
            if (auto n = a["read_requires_token"])
                c.auth.read_requires_token = yaml::boolean(file, n, "read_requires_token");
            if (auto n = a["read_scope"]) {
                const auto scope = yaml::scalar(file, n, "read_scope");
                if (scope != "all" && scope != "unit")
                    yaml::fail(file, n, "read_scope must be 'all' or 'unit', got '" + scope + "'");
                c.auth.read_scope_unit = scope == "unit";
                // Anonymous readers would see more than a unit token: the scope needs tokens for
                // reads.
                if (c.auth.read_scope_unit && !c.auth.read_requires_token)
                    yaml::fail(file, n, "read_scope: unit needs read_requires_token: true");
            }
            if (auto n = a["read_all_units"]) {
                if (!n.IsSequence())
                    yaml::fail(file, n, "read_all_units must be a list of unit ids, like [dcs]");
                for (const auto& u : n)
                    c.auth.read_all_units.push_back(yaml::scalar(file, u, "read_all_units"));
            }
        }
    });
    part([&] {
        if (auto a = root["alerting"]) load_alerting(file, a, c.alerting, resolve);
    });
    part([&] {
        if (auto w = root["web"]) load_web(file, w, c.web, resolve);
    });
    if (auto list = root["bulletins"]) {
        part([&] {
            if (!list.IsSequence())
                yaml::fail(file, list,
                           "bulletins must be a list of schedules like [{plan: lishui-2023, every: "
                           "month, on: 5wd, to: [dcs]}]");
        });
        if (list.IsSequence())
            for (const auto& b : list)
                part([&] { c.bulletins.push_back(load_bulletin_schedule(file, b)); });
    }
    part([&] {
        if (auto e = root["evidence"]) {
            yaml::check_map(file, e, "evidence", {"max_file_bytes", "max_files"});
            if (auto n = e["max_file_bytes"])
                c.evidence.max_file_bytes = positive(file, n, "max_file_bytes");
            if (auto n = e["max_files"]) c.evidence.max_files = positive(file, n, "max_files");
        }
    });
    if (!errors.empty()) throw ConfigError(join_errors(errors));
    if (c.alerting.external_url.empty()) {
        const bool v6 = c.listen_host.find(':') != std::string::npos;
        c.alerting.external_url = "http://" + (v6 ? "[" + c.listen_host + "]" : c.listen_host) +
                                  ":" + std::to_string(c.listen_port);
    }
    return c;
}

}  // namespace indicatord
