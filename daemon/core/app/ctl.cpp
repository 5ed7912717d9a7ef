#include "app/ctl.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "alerts/alerts.hpp"
#include "app/app.hpp"
#include "app/cli.hpp"
#include "app/ctl_bulletin.hpp"
#include "app/replay.hpp"
#include "app/rule_checks.hpp"
#include "app/rules.hpp"
#include "config/auth.hpp"
#include "config/config.hpp"
#include "eval/csv_import.hpp"
#include "eval/engine.hpp"
#include "eval/members.hpp"
#include "http/plan_json.hpp"
#include "model/plan.hpp"
#include "notify/http_client.hpp"
#include "store/store.hpp"
#include "util/errors.hpp"
#include "util/json_text.hpp"
#include "util/percent_encoding.hpp"
#include "util/redact.hpp"

namespace indicatord {

namespace {

// One entry per command: its usage lines, for `indicatorctl --help` and `indicatorctl COMMAND
// --help`. `daemon`: it talks to the running daemon and takes the options of kDaemonOptions.
struct CommandHelp {
    std::string_view name;
    const char* text;
    bool daemon = false;
};

const char* const kDaemonOptions =
    "  the commands that talk to the running daemon (import, alerts, ack, silence) take\n"
    "    --url URL            the daemon (else $INDICATORD_URL, else CONFIG's listen address;\n"
    "                         CONFIG may then be left out)\n"
    "    --token-file FILE    the API token (else $INDICATORD_TOKEN)\n"
    "    -o, --output text|json  text (default) or the API's JSON answer\n";

const std::vector<CommandHelp>& commands() {
    static const std::vector<CommandHelp> list{
        {"check",
         "  check CONFIG           validate the config and its rules; print a summary\n"
         "                         (exit 0 valid, 1 config or rule errors, 2 usage errors)\n"},
        {"plan", "  plan CONFIG [--json]   print the loaded plan as JSON (docs/plan-json.md)\n"},
        {"test",
         "  test FILE...           run rule tests (docs/rule-tests.md); exit 1 on any mismatch\n"},
        {"replay",
         "  replay CONFIG --values FILE.csv [--from DATE] [--to DATE] [--json] [--encoding E]\n"
         "         [--no-alerts]      run the plan over simulated time with values arriving at "
         "their\n"
         "                         reported_at; print every status change and the notifications\n"
         "                         the config's alerting would have sent\n"},
        {"route",
         "  route CONFIG --indicator KEY [--kind KIND]\n"
         "                         who would be notified of the indicator's alerts, and why\n"},
        {"import",
         "  import [CONFIG] FILE.csv|FILE.xlsx [--encoding E]\n"
         "                         with CONFIG: validate the file against its plan first; then "
         "send\n"
         "                         it to the running daemon\n",
         true},
        {"alerts",
         "  alerts [CONFIG] [--state S] [--kind K] [--unit ID]      list the daemon's alerts\n",
         true},
        {"ack", "  ack [CONFIG] FINGERPRINT --comment TEXT [--author NAME] acknowledge an alert\n",
         true},
        {"silence",
         "  silence add [CONFIG] --match LABEL=VALUE... --until RFC3339 --author NAME --comment "
         "TEXT\n"
         "         [--from RFC3339]\n"
         "  silence list [CONFIG] | silence expire [CONFIG] ID       manage silences\n",
         true},
        {"backup",
         "  backup CONFIG FILE [--database DB] [--force]\n"
         "                         copy the config's database (or DB) to FILE as one consistent\n"
         "                         snapshot, also while the daemon runs and writes; refuses an\n"
         "                         existing FILE unless --force (docs/operations.md, Backups)\n"},
        {"token",
         "  token create CONFIG (--unit ID | --admin) --id TOKEN_ID\n"
         "                         add a token to the config's auth.tokens_file (only its hash is\n"
         "                         stored) and print the token once\n"},
        {"review",
         "  review list [CONFIG] | review approve [CONFIG] ID [--comment TEXT]\n"
         "  review return [CONFIG] ID --comment TEXT   values awaiting review (docs/review.md)\n",
         true},
        {"bulletin", kBulletinUsage},
    };
    return list;
}

const CommandHelp* find_command(std::string_view name) {
    for (const auto& c : commands())
        if (c.name == name) return &c;
    return nullptr;
}

std::string usage() {
    std::string text = "usage: indicatorctl COMMAND ... (indicatorctl COMMAND --help)\n";
    for (const auto& c : commands()) text += c.text;
    text += kDaemonOptions;
    text +=
        "  options take their value as --name VALUE or --name=VALUE; --version prints the "
        "version\n"
        "  exit status: 0 done, 1 config, rule, data or daemon errors, 2 usage errors\n";
    return text;
}

std::string command_usage(const CommandHelp& c) {
    return std::string("usage: indicatorctl ") + (c.text + 2) + (c.daemon ? kDaemonOptions : "");
}

Plan plan_of(const std::string& config_path) {
    return load_plan(load_config(config_path).rules);
}

int check(const std::string& config_path, std::ostream& out) {
    const auto rules = load_rules(load_config(config_path));
    const auto& plan = *rules.plan;
    std::map<std::string, int> kinds;
    for (const auto& i : plan.indicators) ++kinds[std::string(kind_name(i.rule))];
    out << "ok: " << plans_text(plan) << ": " << plan.tasks.size() << " tasks, "
        << plan.indicators.size() << " indicators (";
    bool first = true;
    for (const auto& [k, n] : kinds) {
        out << (first ? "" : ", ") << k << " " << n;
        first = false;
    }
    out << "), " << plan.units.size() << " units; calendars";
    for (int y : rules.calendar->years()) out << " " << y;
    if (rules.tokens) out << "; " << rules.tokens->size() << " tokens";
    out << "\n";
    if (rules.tokens)
        for (const auto& w : rules.tokens->warnings()) out << "warning: " << w << "\n";
    for (const auto& w : rules.warnings) out << "warning: " << w << "\n";
    return 0;
}

int token_create(const std::vector<std::string>& args, std::ostream& out) {
    std::string config_path, unit, id;
    bool admin = false;
    for (std::size_t i = 2; i < args.size(); ++i) {
        auto value = [&](const char* name) {
            if (i + 1 >= args.size()) throw UsageError(std::string(name) + " needs a value");
            return args[++i];
        };
        if (args[i] == "--unit")
            unit = value("--unit");
        else if (args[i] == "--id")
            id = value("--id");
        else if (args[i] == "--admin")
            admin = true;
        else if (config_path.empty() && !args[i].starts_with("--"))
            config_path = args[i];
        else
            throw UsageError("unknown argument '" + args[i] + "'");
    }
    if (config_path.empty() || id.empty() || admin == !unit.empty())
        throw UsageError(
            "token create needs CONFIG, --id TOKEN_ID and one of --unit ID or --admin");
    const auto config = load_config(config_path);
    if (!config.auth.tokens_file)
        throw UsageError(config_path +
                         " has no auth.tokens_file: add one to say where tokens are kept");
    const auto plan = load_plan(config.rules);
    if (!unit.empty() && !plan.find_unit(unit)) throw UsageError("unknown unit '" + unit + "'");
    const auto& file = *config.auth.tokens_file;
    if (std::filesystem::exists(file)) {
        auto existing = TokenStore::load(file, &plan);  // validates; refuses a duplicate id below
        if (existing.has(id))
            throw UsageError("token id '" + id + "' already exists in " + file.string());
    }
    auto [token, entry] = TokenStore::create(id, unit, admin);
    const bool fresh = !std::filesystem::exists(file) || std::filesystem::file_size(file) == 0;
    std::ofstream f(file, std::ios::app);
    if (fresh)
        f << "# API tokens of indicatord: only SHA-256 hashes. Add with `indicatorctl token "
             "create`.\ntokens:\n";
    f << "  - id: " << entry.id << "\n";
    if (admin)
        f << "    admin: true\n";
    else
        f << "    unit: " << entry.unit << "\n";
    f << "    sha256: " << entry.sha256 << "\n";
    if (!f) throw std::runtime_error("cannot write " + file.string());
    std::filesystem::permissions(
        file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    out << token << "\n";
    return 0;
}

// Options of the form --name value after positional arguments.
struct Options {
    std::vector<std::string> positional;
    std::map<std::string, std::string> values;
    std::set<std::string> flags;

    Options(const std::vector<std::string>& args, std::size_t first,
            std::set<std::string> with_value, std::set<std::string> allowed_flags) {
        for (std::size_t i = first; i < args.size(); ++i) {
            const auto& a = args[i];
            if (with_value.count(a)) {
                if (i + 1 >= args.size()) throw UsageError(a + " needs a value");
                values[a] = args[++i];
            } else if (allowed_flags.count(a)) {
                flags.insert(a);
            } else if (a.starts_with("-") && a.size() > 1) {
                throw UsageError("unknown option '" + a + "'");
            } else {
                positional.push_back(a);
            }
        }
    }
    std::optional<std::string> get(const std::string& k) const {
        auto it = values.find(k);
        return it == values.end() ? std::nullopt : std::optional<std::string>(it->second);
    }
};

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw UsageError("cannot read " + path);
    return std::string((std::istreambuf_iterator<char>(in)), {});
}

CsvEncoding encoding_of(const Options& o) {
    auto name = o.get("--encoding");
    if (!name) return CsvEncoding::detect;
    auto e = parse_encoding(*name);
    if (!e) throw UsageError("--encoding must be auto, utf-8 or gbk, got '" + *name + "'");
    return *e;
}

// Parses a CSV file (or an .xlsx workbook's first sheet) for the plan, printing each bad row;
// nullopt if any. `when` as the daemon would check the rows (the daemon checks them again against
// its own clock).
std::optional<CsvBatch> load_csv(const std::string& path, const Plan& plan, CsvEncoding enc,
                                 const ReportTime& when, std::ostream& err) {
    const auto bytes = read_file(path);
    // an Excel workbook is a zip archive: known by its first bytes, whatever the file's name
    auto batch = bytes.starts_with("PK\x03\x04") ? parse_values_xlsx(bytes, plan, when)
                                                 : parse_values_csv(bytes, plan, enc, when);
    if (!batch.error.empty()) {
        err << path << ": " << batch.error << "\n";
        return std::nullopt;
    }
    for (const auto& e : batch.row_errors)
        err << path << ":" << e.index << ": " << e.reason << "\n";
    if (!batch.row_errors.empty()) {
        err << path << ": " << batch.row_errors.size() << " bad row(s); nothing was imported\n";
        return std::nullopt;
    }
    return batch;
}

// "2023-01-01" (local midnight in the plan's zone) or an RFC 3339 instant.
TimePoint instant_arg(const std::string& text, const date::time_zone* zone, const char* what) {
    if (auto t = parse_instant(text)) return *t;
    if (auto d = parse_date(text))
        return std::chrono::time_point_cast<std::chrono::milliseconds>(zone->to_sys(
            date::local_days{date::sys_days{*d}.time_since_epoch()}, date::choose::earliest));
    throw UsageError(std::string(what) +
                     " must be a date like 2023-01-01 or an RFC 3339 instant, got '" + text + "'");
}

int replay_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    Options o(args, 1, {"--values", "--from", "--to", "--encoding"}, {"--json", "--no-alerts"});
    if (o.positional.size() != 1 || !o.get("--values"))
        throw UsageError("replay needs CONFIG and --values FILE.csv");
    const auto config = load_config(o.positional[0]);
    const auto rules = load_rules(config);
    Engine engine(rules.plan, rules.calendar);
    // Each row is checked as the daemon would have checked it at its reported_at.
    const ReportTime history{TimePoint::max(), true};
    auto csv = load_csv(*o.get("--values"), *rules.plan, encoding_of(o), history, err);
    if (!csv) return 1;
    std::vector<TimedValue> values;
    for (auto& v : csv->values) {
        if (!v.item.reported_at) {
            err << *o.get("--values") << ":" << v.line
                << ": replay needs a reported_at for every row\n";
            return 1;
        }
        // no token here: a per-member indicator's value names its member
        if (auto reason = assign_member(*rules.plan, "", v.item); !reason.empty()) {
            err << *o.get("--values") << ":" << v.line << ": " << reason << "\n";
            return 1;
        }
        values.push_back(
            TimedValue{v.item.indicator, v.item.period, v.item.value, *v.item.reported_at});
    }
    const auto years = plan_years(*rules.plan);  // several plans: from the first to the last
    const auto from =
        instant_arg(o.get("--from").value_or(std::to_string(years.front()) + "-01-01"),
                    engine.zone(), "--from");
    const auto to = instant_arg(o.get("--to").value_or(std::to_string(years.back() + 1) + "-02-01"),
                                engine.zone(), "--to");
    if (!(from < to)) throw UsageError("--from must be before --to");
    Alerter alerter(config.alerting);
    alerter.set_templates(rules.templates);
    const auto result = replay(engine, std::move(values), from, to,
                               o.flags.count("--no-alerts") ? nullptr : &alerter);
    const auto& changes = result.changes;
    // Rows outside the window: the earlier ones are the starting state, the later ones are not
    // replayed. Said on stderr so that --json output stays one document.
    if (result.before_window > 0)
        err << "note: " << result.before_window << " value(s) reported at or before --from "
            << local_time(engine, from) << " are the starting state, not replayed one by one\n";
    if (result.after_window > 0)
        err << "warning: " << result.after_window << " value(s) reported after --to "
            << local_time(engine, to) << " are not replayed (widen --to to include them)\n";
    if (o.flags.count("--json")) {
        out << timeline_json(engine, result) << "\n";
    } else {
        out << format_timeline(engine, result);
        std::map<Status, int> final_counts;
        for (std::size_t i = 0; i < engine.plan().indicators.size(); ++i)
            ++final_counts[engine.evaluation(i).status];
        out << changes.size() << " status changes, " << result.notifications.size()
            << " notifications; at the end:";
        for (auto [s, n] : final_counts) out << " " << to_string(s) << " " << n;
        out << "\n";
    }
    return 0;
}

// The options every command that talks to the daemon takes (kDaemonOptions).
const std::set<std::string> kDaemonValueOptions{"--url", "--token-file", "-o", "--output"};

std::set<std::string> with_daemon_options(std::set<std::string> own) {
    own.insert(kDaemonValueOptions.begin(), kDaemonValueOptions.end());
    return own;
}

// Takes CONFIG off the front of `positional` when there is one more than the command's own
// `wanted` arguments; none when there are exactly `wanted`. `usage` says what was expected.
std::optional<std::string> take_config(std::vector<std::string>& positional, std::size_t wanted,
                                       const std::string& usage_text) {
    if (positional.size() == wanted) return std::nullopt;
    if (positional.size() != wanted + 1) throw UsageError(usage_text);
    auto config = positional.front();
    positional.erase(positional.begin());
    return config;
}

// The running daemon's API: URL from --url, else INDICATORD_URL, else the config's listen
// address; token from --token-file, else INDICATORD_TOKEN; output as -o says.
struct DaemonApi {
    std::string base;
    std::vector<std::string> headers;
    bool json_output = false;

    DaemonApi(const Options& o, const std::optional<DaemonConfig>& config) {
        const auto output = o.get("-o") ? o.get("-o") : o.get("--output");
        if (output && *output != "text" && *output != "json")
            throw UsageError("-o must be text or json, got '" + *output + "'");
        json_output = output == "json";
        const char* env_url = std::getenv("INDICATORD_URL");
        if (auto url = o.get("--url")) {
            base = *url;
        } else if (env_url && *env_url) {
            base = env_url;
        } else if (config) {
            const auto host = config->listen_host.find(':') != std::string::npos
                                  ? "[" + config->listen_host + "]"
                                  : config->listen_host;
            base = "http://" + host + ":" + std::to_string(config->listen_port);
        } else {
            throw UsageError("which daemon? give --url URL (or set INDICATORD_URL) or CONFIG");
        }
        while (base.ends_with("/")) base.pop_back();
        if (auto tf = o.get("--token-file")) {
            auto token = read_file(*tf);
            while (!token.empty() &&
                   (token.back() == '\n' || token.back() == '\r' || token.back() == ' '))
                token.pop_back();
            headers.push_back("Authorization: Bearer " + token);
        } else if (const char* env = std::getenv("INDICATORD_TOKEN"); env && *env) {
            headers.push_back(std::string("Authorization: Bearer ") + env);
        }
    }
    /// Calls the API; returns its JSON answer, or prints the error with the reason of each item
    /// it lists (named by `item`, default "item N") and returns nullopt.
    std::optional<boost::json::value> call(
        const std::string& method, const std::string& path, const std::string& body,
        std::ostream& err, const std::function<std::string(const boost::json::object&)>& item = {},
        const std::string& content_type = "application/json") const {
        auto with_type = headers;
        with_type.push_back("Content-Type: " + content_type);
        auto r = http_client::request(method, base + path, body, with_type);
        if (r.status == 0) {
            err << "indicatorctl: cannot reach " << base << ": " << r.error << "\n";
            return std::nullopt;
        }
        boost::system::error_code ec;
        auto v = boost::json::parse(r.body, ec);
        if (r.status != 200) {
            err << "indicatorctl: " << r.status << ": "
                << (!ec && v.is_object() && v.as_object().contains("error")
                        ? std::string(v.at("error").as_string())
                        : r.body)
                << "\n";
            const auto* items_v =
                !ec && v.is_object() ? v.as_object().if_contains("items") : nullptr;
            const auto* items = items_v ? items_v->if_array() : nullptr;
            for (std::size_t k = 0; items && k < items->size(); ++k) {
                const auto* o = (*items)[k].if_object();
                const auto* reason = o ? o->if_contains("reason") : nullptr;
                if (!reason || !reason->is_string()) continue;
                const auto* index = o->if_contains("index");
                err << (item ? item(*o) : "item " + (index ? json_text(*index) : std::string("?")))
                    << ": " << std::string(reason->as_string()) << "\n";
            }
            return std::nullopt;
        }
        if (ec) return boost::json::value(boost::json::string(r.body));
        return v;
    }
    /// Prints `v` as pretty JSON under -o json, else as `text` says; returns 0.
    int print(const boost::json::value& v, std::ostream& out,
              const std::function<void(const boost::json::value&)>& text) const {
        if (json_output)
            out << json_text(v, true) << "\n";
        else
            text(v);
        return 0;
    }
};

std::string field(const boost::json::value& v, std::string_view key) {
    const auto* o = v.if_object();
    const auto* f = o ? o->if_contains(key) : nullptr;
    if (!f) return "";
    if (const auto* str = f->if_string()) return std::string(*str);
    return json_text(*f);
}

// Rows as columns padded to their widest cell (the last column is not padded), like amtool's
// tables; cells are counted in UTF-8 code points.
void print_table(const std::vector<std::vector<std::string>>& rows, std::ostream& out) {
    const auto width = [](const std::string& cell) {
        std::size_t n = 0;
        for (unsigned char c : cell) n += (c & 0xC0) != 0x80;
        return n;
    };
    std::vector<std::size_t> widths;
    for (const auto& row : rows)
        for (std::size_t c = 0; c < row.size(); ++c) {
            if (widths.size() <= c) widths.push_back(0);
            widths[c] = std::max(widths[c], width(row[c]));
        }
    for (const auto& row : rows) {
        std::string line;
        for (std::size_t c = 0; c < row.size(); ++c) {
            line += row[c];
            if (c + 1 < row.size()) line += std::string(widths[c] - width(row[c]) + 2, ' ');
        }
        out << line << "\n";
    }
}

int alerts_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    Options o(args, 1, with_daemon_options({"--state", "--kind", "--unit"}), {});
    const auto config = take_config(o.positional, 0, "alerts takes at most CONFIG");
    const DaemonApi api(o, config ? std::optional(load_config(*config)) : std::nullopt);
    std::string query;
    for (const char* k : {"state", "kind", "unit"})
        if (auto v = o.get(std::string("--") + k))
            query += (query.empty() ? "?" : "&") + std::string(k) + "=" + percent_encode(*v);
    const auto v = api.call("GET", "/api/v1/alerts" + query, "", err);
    if (!v) return 1;
    return api.print(*v, out, [&](const boost::json::value& answer) {
        std::vector<std::vector<std::string>> rows{{"FINGERPRINT", "STATE", "KIND", "INDICATOR",
                                                    "PERIOD", "UNIT", "STARTED", "ACKED BY",
                                                    "NAME"}};
        const auto* list = answer.is_object() ? answer.as_object().if_contains("alerts") : nullptr;
        for (const auto& a : list && list->is_array() ? list->as_array() : boost::json::array{})
            rows.push_back({field(a, "fingerprint"), field(a, "state"), field(a, "kind"),
                            field(a, "indicator"), field(a, "period"), field(a, "lead_unit"),
                            field(a, "started_at"),
                            a.is_object() && a.as_object().contains("acknowledged")
                                ? field(a.at("acknowledged"), "by")
                                : "-",
                            field(a, "name")});
        print_table(rows, out);
    });
}

int ack_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    Options o(args, 1, with_daemon_options({"--comment", "--author"}), {});
    const std::string usage_text = "ack needs [CONFIG] FINGERPRINT and --comment TEXT";
    const auto config = take_config(o.positional, 1, usage_text);
    if (!o.get("--comment")) throw UsageError(usage_text);
    const DaemonApi api(o, config ? std::optional(load_config(*config)) : std::nullopt);
    boost::json::object body{{"comment", *o.get("--comment")}};
    if (auto a = o.get("--author")) body["author"] = *a;
    const auto& fingerprint = o.positional[0];
    const auto v = api.call("POST", "/api/v1/alerts/" + percent_encode(fingerprint) + "/ack",
                            json_text(body), err);
    if (!v) return 1;
    return api.print(*v, out, [&](const boost::json::value& answer) {
        const auto* acked =
            answer.is_object() ? answer.as_object().if_contains("acknowledged") : nullptr;
        out << "acknowledged " << fingerprint;
        if (acked) out << " by " << field(*acked, "by") << ": " << field(*acked, "comment");
        out << "\n";
    });
}

// review list|approve|return: the reviewer's queue and decisions (docs/review.md).
int review_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    if (args.size() < 2) throw UsageError("review needs list, approve or return");
    const auto& verb = args[1];
    Options o(args, 2, with_daemon_options({"--comment"}), {});
    const auto api_for = [&](std::size_t wanted, const std::string& usage_text) {
        const auto config = take_config(o.positional, wanted, usage_text);
        return DaemonApi(o, config ? std::optional(load_config(*config)) : std::nullopt);
    };
    if (verb == "list") {
        const auto api = api_for(0, "review list takes at most CONFIG");
        const auto v = api.call("GET", "/api/v1/reviews", "", err);
        if (!v) return 1;
        return api.print(*v, out, [&](const boost::json::value& answer) {
            std::vector<std::vector<std::string>> rows{
                {"ID", "INDICATOR", "PERIOD", "VALUE", "UNIT", "SUBMITTED", "DUE"}};
            const auto* list =
                answer.is_object() ? answer.as_object().if_contains("reviews") : nullptr;
            for (const auto& r : list && list->is_array() ? list->as_array() : boost::json::array{})
                rows.push_back({field(r, "id"), field(r, "indicator"), field(r, "period"),
                                field(r, "value"), field(r, "unit"), field(r, "submitted_at"),
                                field(r, "due_at")});
            print_table(rows, out);
        });
    }
    if (verb != "approve" && verb != "return")
        throw UsageError("review needs list, approve or return, got '" + verb + "'");
    const auto api = api_for(1, "review " + verb + " needs [CONFIG] ID");
    if (verb == "return" && !o.get("--comment"))
        throw UsageError("review return needs --comment TEXT: what the unit must correct");
    boost::json::object body;
    if (auto c = o.get("--comment")) body["comment"] = *c;
    const auto& id = o.positional[0];
    const auto v = api.call("POST", "/api/v1/reviews/" + percent_encode(id) + "/" + verb,
                            json_text(body), err);
    if (!v) return 1;
    return api.print(*v, out, [&](const boost::json::value&) {
        out << (verb == "approve" ? "approved review " : "returned review ") << id << "\n";
    });
}

int silence_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    if (args.size() < 2) throw UsageError("silence needs add, list or expire");
    const auto& verb = args[1];
    // --match may repeat: collect it by hand before the generic option parser
    std::vector<std::string> rest;
    boost::json::object matchers;
    for (std::size_t i = 2; i < args.size(); ++i) {
        if (args[i] == "--match") {
            if (i + 1 >= args.size()) throw UsageError("--match needs LABEL=VALUE");
            const auto& m = args[++i];
            const auto eq = m.find('=');
            if (eq == std::string::npos || eq == 0)
                throw UsageError("--match needs LABEL=VALUE, got '" + m + "'");
            matchers[m.substr(0, eq)] = m.substr(eq + 1);
        } else {
            rest.push_back(args[i]);
        }
    }
    Options o(rest, 0, with_daemon_options({"--until", "--from", "--author", "--comment"}), {});
    const auto api_for = [&](std::size_t wanted, const std::string& usage_text) {
        const auto config = take_config(o.positional, wanted, usage_text);
        return DaemonApi(o, config ? std::optional(load_config(*config)) : std::nullopt);
    };
    if (verb == "list") {
        const auto api = api_for(0, "silence list takes at most CONFIG");
        const auto v = api.call("GET", "/api/v1/silences", "", err);
        if (!v) return 1;
        return api.print(*v, out, [&](const boost::json::value& answer) {
            std::vector<std::vector<std::string>> rows{
                {"ID", "MATCHERS", "STARTS", "ENDS", "ACTIVE", "AUTHOR", "COMMENT"}};
            const auto* list =
                answer.is_object() ? answer.as_object().if_contains("silences") : nullptr;
            for (const auto& s :
                 list && list->is_array() ? list->as_array() : boost::json::array{}) {
                std::string m;
                if (const auto* mo =
                        s.is_object() ? s.as_object().if_contains("matchers") : nullptr;
                    mo && mo->is_object())
                    for (const auto& kv : mo->as_object())
                        m += (m.empty() ? "" : ",") + std::string(kv.key()) + "=" +
                             field(*mo, kv.key());
                rows.push_back({field(s, "id"), m, field(s, "starts_at"), field(s, "ends_at"),
                                field(s, "active"), field(s, "author"), field(s, "comment")});
            }
            print_table(rows, out);
        });
    }
    if (verb == "expire") {
        const auto api = api_for(1, "silence expire needs [CONFIG] ID");
        const auto& id = o.positional[0];
        const auto v = api.call("DELETE", "/api/v1/silences/" + percent_encode(id), "", err);
        if (!v) return 1;
        return api.print(
            *v, out, [&](const boost::json::value&) { out << "expired silence " << id << "\n"; });
    }
    if (verb == "add") {
        const std::string usage_text =
            "silence add needs [CONFIG], --match LABEL=VALUE, --until, --author and --comment";
        const auto api = api_for(0, usage_text);
        if (matchers.empty() || !o.get("--until") || !o.get("--author") || !o.get("--comment"))
            throw UsageError(usage_text);
        boost::json::object body{{"matchers", matchers},
                                 {"ends_at", *o.get("--until")},
                                 {"author", *o.get("--author")},
                                 {"comment", *o.get("--comment")}};
        if (auto f = o.get("--from")) body["starts_at"] = *f;
        const auto v = api.call("POST", "/api/v1/silences", json_text(body), err);
        if (!v) return 1;
        // the silence's id alone, as amtool prints it, for scripts to expire it later
        return api.print(
            *v, out, [&](const boost::json::value& answer) { out << field(answer, "id") << "\n"; });
    }
    throw UsageError("silence needs add, list or expire, got '" + verb + "'");
}

int import_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    Options o(args, 1, with_daemon_options({"--encoding"}), {});
    const auto config_path =
        take_config(o.positional, 1, "import needs [CONFIG] and FILE.csv (or FILE.xlsx)");
    const auto& path = o.positional[0];
    const auto line_of_row = [&](const boost::json::object& item) {
        for (const char* k : {"line", "row"})
            if (const auto* n = item.if_contains(k)) return path + ":" + json_text(*n);
        return path + ": item " + field(item, "index");
    };
    const auto imported = [&](const DaemonApi& api, const boost::json::value& answer,
                              std::size_t count) {
        return api.print(answer, out, [&](const boost::json::value&) {
            out << "imported " << count << " value(s) from " << path << "\n";
        });
    };
    if (!config_path) {
        // No plan here: the daemon checks the file and names each bad line (or row).
        const DaemonApi api(o, std::nullopt);
        const auto bytes = read_file(path);
        std::string type = "text/csv";
        if (bytes.starts_with("PK\x03\x04"))
            type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
        else if (auto e = o.get("--encoding"))
            type += "; charset=" + *e;
        const auto v = api.call("POST", "/api/v1/values", bytes, err, line_of_row, type);
        if (!v) return 1;
        const auto accepted = field(*v, "accepted");
        return imported(api, *v, accepted.empty() ? 0 : std::stoul(accepted));
    }
    const auto config = load_config(*config_path);
    const DaemonApi api(o, config);
    const auto rules = load_rules(config);
    const ReportTime when{
        std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now()),
        true};
    auto csv = load_csv(path, *rules.plan, encoding_of(o), when, err);
    if (!csv) return 1;
    // Send what was validated as JSON: the daemon checks it again (its clock, the token's right
    // to a reported_at) and answers only once durable.
    boost::json::array values;
    for (const auto& v : csv->values) {
        boost::json::object item{{"indicator", rules.plan->indicators[v.item.indicator].key},
                                 {"period", v.item.period.label()},
                                 {"value", v.item.value}};
        if (!v.item.note.empty()) item["note"] = v.item.note;
        if (v.item.reported_at) item["reported_at"] = format_instant(*v.item.reported_at);
        values.push_back(std::move(item));
    }
    const auto line_of = [&](const boost::json::object& item) {
        const auto* index = item.if_contains("index");
        const auto i =
            index && index->is_number() ? index->to_number<std::size_t>() : csv->values.size();
        return path + ":" + (i < csv->values.size() ? std::to_string(csv->values[i].line) : "?");
    };
    const auto v =
        api.call("POST", "/api/v1/values",
                 json_text(boost::json::object{{"values", std::move(values)}}), err, line_of);
    if (!v) return 1;
    return imported(api, *v, csv->values.size());
}

int route_command(const std::vector<std::string>& args, std::ostream& out) {
    Options o(args, 1, {"--indicator", "--kind"}, {});
    if (o.positional.size() != 1 || !o.get("--indicator"))
        throw UsageError("route needs CONFIG and --indicator KEY");
    const auto config = load_config(o.positional[0]);
    const auto rules = load_rules(config);
    const auto& plan = *rules.plan;
    const auto* ind = plan.find_indicator(*o.get("--indicator"));
    if (!ind) throw UsageError("unknown indicator '" + *o.get("--indicator") + "'");
    const auto kind = parse_alert_kind(o.get("--kind").value_or("overdue"));
    if (!kind) throw UsageError("--kind must be one of reminder, overdue, at_risk, missed");
    const Task* task = plan.task_of(*ind);
    out << ind->key << " (" << ind->name << ", task " << ind->task << "), " << to_string(*kind)
        << " alerts:\n";
    auto show = [&](const std::vector<std::pair<ReceiverRef, std::string>>& list,
                    const std::string& when) {
        for (const auto& [r, why] : list) {
            const Unit* u = plan.find_unit(r.unit);
            const Receiver& rc = u->receivers[r.index];
            out << "  " << r.key() << "  " << u->name << "  ";
            if (!rc.email.empty())
                out << "email " << rc.email
                    << (config.alerting.smtp.url.empty() ? "  (not sent: no alerting.smtp)" : "");
            else
                out << rc.format << " webhook " << redact_url(rc.webhook);
            out << "  [" << why << when << "]\n";
        }
    };
    auto normal = route(plan, *ind, config.alerting, false);
    if (normal.empty()) out << "  nobody: unit '" << ind->lead_unit << "' has no receivers\n";
    show(normal, std::string(ind->lead_unit == (task ? task->leads.front() : "")
                                 ? ": lead unit"
                                 : ": lead unit of this part"));
    if (task && !task->co.empty() && !ind->notify_co) {
        out << "  co-units not notified (the indicator has notify_co: false):";
        for (const auto& c : task->co) out << " " << c;
        out << "\n";
    }
    if (!config.alerting.escalation_unit.empty() &&
        (*kind == AlertKind::overdue || *kind == AlertKind::missed ||
         *kind == AlertKind::at_risk)) {
        std::string steps;
        for (const auto& s : config.alerting.escalation_steps)
            steps += (steps.empty() ? "" : ", ") + s.text();
        show(route(plan, *ind, config.alerting, true), ": still firing after " + steps);
    }
    out << "  group_interval " << config.alerting.group_interval.count() << "s, repeat_interval "
        << config.alerting.repeat_interval.count()
        << "s; silences (GET /api/v1/silences) can hold it back\n";
    return 0;
}

int backup_command(const std::vector<std::string>& args, std::ostream& out) {
    std::vector<std::string> positional;
    std::optional<std::filesystem::path> database;
    bool force = false;
    for (std::size_t i = 1; i < args.size(); ++i) {
        if (args[i] == "--force")
            force = true;
        else if (args[i] == "--database") {
            if (i + 1 >= args.size()) throw UsageError("--database needs a value");
            database = args[++i];
        } else if (args[i].starts_with("--"))
            throw UsageError("backup: unknown option '" + args[i] + "'");
        else
            positional.push_back(args[i]);
    }
    if (positional.size() != 2) throw UsageError("backup needs CONFIG and FILE");
    const auto from = database ? *database : load_config(positional[0]).database;
    const auto observations = backup_database(from, positional[1], force);
    out << "backed up " << from.string() << " to " << positional[1] << " (" << observations
        << " observations)\n";
    return 0;
}

int test_command(const std::vector<std::string>& args, std::ostream& out) {
    if (args.size() < 2) throw UsageError("test needs at least one FILE");
    int failures = 0;
    for (std::size_t i = 1; i < args.size(); ++i) failures += run_rule_test(args[i], out);
    return failures ? 1 : 0;
}

}  // namespace

int ctl_main(const std::vector<std::string>& raw_args, std::ostream& out, std::ostream& err) {
    const auto args = split_option_values(raw_args);
    const CommandHelp* command = args.empty() ? nullptr : find_command(args[0]);
    try {
        if (args.size() == 1 && (args[0] == "--help" || args[0] == "-h" || args[0] == "help")) {
            out << usage();
            return 0;
        }
        if (args.size() == 1 && args[0] == "--version") {
            out << "indicatorctl " << kVersion << "\n";
            return 0;
        }
        if (args.size() == 2 && args[0] == "help") {
            command = find_command(args[1]);
            if (!command) throw UsageError("no command '" + args[1] + "'");
            out << command_usage(*command);
            return 0;
        }
        if (!command) {
            err << (args.empty() ? std::string()
                                 : "indicatorctl: unknown command '" + args[0] + "'\n")
                << usage();
            return 2;
        }
        for (std::size_t i = 1; i < args.size(); ++i)
            if (args[i] == "--help" || args[i] == "-h") {
                out << command_usage(*command);
                return 0;
            }
        const auto& name = command->name;
        if (name == "check") {
            Options o(args, 1, {}, {});
            if (o.positional.size() != 1) throw UsageError("check needs CONFIG");
            return check(o.positional[0], out);
        }
        if (name == "plan") {  // JSON is its only output: --json is accepted anywhere
            Options o(args, 1, {}, {"--json"});
            if (o.positional.size() != 1) throw UsageError("plan needs CONFIG");
            out << json_text(plan_to_json(plan_of(o.positional[0])), true) << "\n";
            return 0;
        }
        if (name == "token") {
            if (args.size() < 2 || args[1] != "create") throw UsageError("token needs create");
            return token_create(args, out);
        }
        if (name == "test") return test_command(args, out);
        if (name == "replay") return replay_command(args, out, err);
        if (name == "import") return import_command(args, out, err);
        if (name == "route") return route_command(args, out);
        if (name == "alerts") return alerts_command(args, out, err);
        if (name == "ack") return ack_command(args, out, err);
        if (name == "silence") return silence_command(args, out, err);
        if (name == "review") return review_command(args, out, err);
        if (name == "backup") return backup_command(args, out);
        return bulletin_command(args, out, err);
    } catch (const UsageError& e) {
        err << "indicatorctl: " << e.what() << "\n"
            << (command ? command_usage(*command) : usage());
        return 2;
    } catch (const ConfigError& e) {
        err << e.what() << "\n";
        return 1;
    } catch (const std::exception& e) {
        err << "indicatorctl: " << e.what() << "\n";
        return 1;
    }
}

}  // namespace indicatord
