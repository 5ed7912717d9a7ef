#include "app/ctl.hpp"

#include <boost/json.hpp>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include "alerts/alerts.hpp"
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

constexpr const char* kUsage =
    "usage: indicatorctl COMMAND ...\n"
    "  check CONFIG           validate the config and its rules; print a summary\n"
    "  plan --json CONFIG     print the loaded plan as JSON (docs/plan-json.md)\n"
    "  test FILE...           run rule tests (docs/rule-tests.md); exit 1 on any mismatch\n"
    "  replay CONFIG --values FILE.csv [--from DATE] [--to DATE] [--json] [--encoding E]\n"
    "         [--no-alerts]      run the plan over simulated time with values arriving at their\n"
    "                         reported_at; print every status change and the notifications\n"
    "                         the config's alerting would have sent\n"
    "  route CONFIG --indicator KEY [--kind KIND]\n"
    "                         who would be notified of the indicator's alerts, and why\n"
    "  import CONFIG FILE.csv|FILE.xlsx [--encoding E] [--url URL] [--token-file F]\n"
    "                         validate a CSV file of values, then send it to the running daemon\n"
    "  alerts CONFIG [--state S] [--kind K] [--unit ID]      list the daemon's alerts\n"
    "  ack CONFIG FINGERPRINT --comment TEXT [--author NAME] acknowledge an alert\n"
    "  silence add CONFIG --match LABEL=VALUE... --until RFC3339 --author NAME --comment TEXT\n"
    "  silence list CONFIG | silence expire CONFIG ID        manage silences\n"
    "  review list CONFIG | review approve CONFIG ID [--comment TEXT]\n"
    "  review return CONFIG ID --comment TEXT   values awaiting review (docs/review.md)\n"
    "                         (these talk to the running daemon: --url URL, --token-file F or\n"
    "                         INDICATORD_TOKEN)\n"
    "  backup CONFIG FILE [--database DB] [--force]\n"
    "                         copy the config's database (or DB) to FILE as one consistent\n"
    "                         snapshot, also while the daemon runs and writes; refuses an\n"
    "                         existing FILE unless --force (docs/operations.md, Backups)\n"
    "  token create CONFIG (--unit ID | --admin) --id TOKEN_ID\n"
    "                         add a token to the config's auth.tokens_file (only its hash is\n"
    "                         stored) and print the token once\n";

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
            } else if (a.starts_with("--")) {
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

// The running daemon's API: URL from the config's listen address unless --url; token from
// --token-file or INDICATORD_TOKEN.
struct DaemonApi {
    std::string base;
    std::vector<std::string> headers{"Content-Type: application/json"};

    DaemonApi(const DaemonConfig& config, const Options& o) {
        const auto host = config.listen_host.find(':') != std::string::npos
                              ? "[" + config.listen_host + "]"
                              : config.listen_host;
        base = o.get("--url").value_or("http://" + host + ":" + std::to_string(config.listen_port));
        if (auto tf = o.get("--token-file")) {
            auto token = read_file(*tf);
            while (!token.empty() &&
                   (token.back() == '\n' || token.back() == '\r' || token.back() == ' '))
                token.pop_back();
            headers.push_back("Authorization: Bearer " + token);
        } else if (const char* env = std::getenv("INDICATORD_TOKEN")) {
            headers.push_back(std::string("Authorization: Bearer ") + env);
        }
    }
    /// Calls the API; prints the answer (pretty JSON) or the error with the reason of each item
    /// it lists (named by `item`, default "item N"); returns the exit code.
    int call(const std::string& method, const std::string& path, const std::string& body,
             std::ostream& out, std::ostream& err,
             const std::function<std::string(std::size_t)>& item = {}) const {
        auto r = http_client::request(method, base + path, body, headers);
        if (r.status == 0) {
            err << "indicatorctl: cannot reach " << base << ": " << r.error << "\n";
            return 1;
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
                const auto* index = o ? o->if_contains("index") : nullptr;
                if (!reason || !reason->is_string() || !index || !index->is_number()) continue;
                const auto i = index->to_number<std::size_t>();
                err << (item ? item(i) : "item " + std::to_string(i)) << ": "
                    << std::string(reason->as_string()) << "\n";
            }
            return 1;
        }
        out << (ec ? r.body : json_text(v, true) + "\n");
        return 0;
    }
};

int alerts_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    Options o(args, 1, {"--state", "--kind", "--unit", "--url", "--token-file"}, {});
    if (o.positional.size() != 1) throw UsageError("alerts needs CONFIG");
    std::string query;
    for (const char* k : {"state", "kind", "unit"})
        if (auto v = o.get(std::string("--") + k))
            query += (query.empty() ? "?" : "&") + std::string(k) + "=" + percent_encode(*v);
    return DaemonApi(load_config(o.positional[0]), o)
        .call("GET", "/api/v1/alerts" + query, "", out, err);
}

int ack_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    Options o(args, 1, {"--comment", "--author", "--url", "--token-file"}, {});
    if (o.positional.size() != 2 || !o.get("--comment"))
        throw UsageError("ack needs CONFIG, FINGERPRINT and --comment TEXT");
    boost::json::object body{{"comment", *o.get("--comment")}};
    if (auto a = o.get("--author")) body["author"] = *a;
    return DaemonApi(load_config(o.positional[0]), o)
        .call("POST", "/api/v1/alerts/" + percent_encode(o.positional[1]) + "/ack", json_text(body),
              out, err);
}

// review list|approve|return: the reviewer's queue and decisions (docs/review.md).
int review_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    if (args.size() < 2) throw UsageError("review needs list, approve or return");
    const auto& verb = args[1];
    Options o(args, 2, {"--comment", "--url", "--token-file"}, {});
    if (verb == "list") {
        if (o.positional.size() != 1) throw UsageError("review list needs CONFIG");
        return DaemonApi(load_config(o.positional[0]), o)
            .call("GET", "/api/v1/reviews", "", out, err);
    }
    if (verb != "approve" && verb != "return")
        throw UsageError("review needs list, approve or return, got '" + verb + "'");
    if (o.positional.size() != 2) throw UsageError("review " + verb + " needs CONFIG and ID");
    if (verb == "return" && !o.get("--comment"))
        throw UsageError("review return needs --comment TEXT: what the unit must correct");
    boost::json::object body;
    if (auto c = o.get("--comment")) body["comment"] = *c;
    return DaemonApi(load_config(o.positional[0]), o)
        .call("POST", "/api/v1/reviews/" + percent_encode(o.positional[1]) + "/" + verb,
              json_text(body), out, err);
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
    Options o(rest, 0, {"--until", "--from", "--author", "--comment", "--url", "--token-file"}, {});
    if (verb == "list") {
        if (o.positional.size() != 1) throw UsageError("silence list needs CONFIG");
        return DaemonApi(load_config(o.positional[0]), o)
            .call("GET", "/api/v1/silences", "", out, err);
    }
    if (verb == "expire") {
        if (o.positional.size() != 2) throw UsageError("silence expire needs CONFIG and ID");
        return DaemonApi(load_config(o.positional[0]), o)
            .call("DELETE", "/api/v1/silences/" + percent_encode(o.positional[1]), "", out, err);
    }
    if (verb == "add") {
        if (o.positional.size() != 1 || matchers.empty() || !o.get("--until") ||
            !o.get("--author") || !o.get("--comment"))
            throw UsageError(
                "silence add needs CONFIG, --match LABEL=VALUE, --until, --author and --comment");
        boost::json::object body{{"matchers", matchers},
                                 {"ends_at", *o.get("--until")},
                                 {"author", *o.get("--author")},
                                 {"comment", *o.get("--comment")}};
        if (auto f = o.get("--from")) body["starts_at"] = *f;
        return DaemonApi(load_config(o.positional[0]), o)
            .call("POST", "/api/v1/silences", json_text(body), out, err);
    }
    throw UsageError("silence needs add, list or expire, got '" + verb + "'");
}

int import_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    Options o(args, 1, {"--encoding", "--url", "--token-file"}, {});
    if (o.positional.size() != 2)
        throw UsageError("import needs CONFIG and FILE.csv (or FILE.xlsx)");
    const auto config = load_config(o.positional[0]);
    const auto rules = load_rules(config);
    const auto& path = o.positional[1];
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
    const DaemonApi api(config, o);
    std::ostringstream answer;
    const auto line_of = [&](std::size_t i) {
        return path + ":" + (i < csv->values.size() ? std::to_string(csv->values[i].line) : "?");
    };
    if (api.call("POST", "/api/v1/values",
                 json_text(boost::json::object{{"values", std::move(values)}}), answer, err,
                 line_of) != 0)
        return 1;
    out << "imported " << csv->values.size() << " value(s) from " << path << "\n";
    return 0;
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

int ctl_main(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    try {
        if (args.size() == 2 && args[0] == "check") return check(args[1], out);
        if (args.size() == 3 && args[0] == "plan" && args[1] == "--json") {
            out << json_text(plan_to_json(plan_of(args[2])), true) << "\n";
            return 0;
        }
        if (args.size() >= 2 && args[0] == "token" && args[1] == "create")
            return token_create(args, out);
        if (!args.empty() && args[0] == "test") return test_command(args, out);
        if (!args.empty() && args[0] == "replay") return replay_command(args, out, err);
        if (!args.empty() && args[0] == "import") return import_command(args, out, err);
        if (!args.empty() && args[0] == "route") return route_command(args, out);
        if (!args.empty() && args[0] == "alerts") return alerts_command(args, out, err);
        if (!args.empty() && args[0] == "ack") return ack_command(args, out, err);
        if (!args.empty() && args[0] == "silence") return silence_command(args, out, err);
        if (!args.empty() && args[0] == "review") return review_command(args, out, err);
        if (!args.empty() && args[0] == "backup") return backup_command(args, out);
        if (!args.empty() && args[0] == "bulletin") return bulletin_command(args, out, err);
        if (args.size() == 1 && (args[0] == "--help" || args[0] == "-h" || args[0] == "help")) {
            out << kUsage << kBulletinUsage;
            return 0;
        }
        err << kUsage;
        return 2;
    } catch (const UsageError& e) {
        err << "indicatorctl: " << e.what() << "\n" << kUsage;
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
