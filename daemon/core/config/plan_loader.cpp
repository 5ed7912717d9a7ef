// Loads a rules directory (plan, units, tasks) into a validated Plan in one pass.
#include <muParser.h>

#include <algorithm>
#include <boost/url/parse.hpp>
#include <deque>
#include <map>
#include <regex>
#include <set>

#include "model/plan.hpp"
#include "util/errors.hpp"
#include "util/redact.hpp"
#include "util/yaml_util.hpp"

namespace indicatord {

namespace fs = std::filesystem;
using yaml::check_map;
using yaml::fail;

std::string DayOffset::text() const {
    return std::to_string(days) + (working_days ? "wd" : "d");
}

std::string_view to_string(UnitKind kind) {
    switch (kind) {
        case UnitKind::department:
            return "department";
        case UnitKind::county:
            return "county";
        case UnitKind::zone:
            return "zone";
        case UnitKind::company:
            return "company";
        case UnitKind::agency:
            return "agency";
        case UnitKind::group:
            return "group";
        case UnitKind::other:
            return "other";
    }
    return "other";
}

std::optional<Op> parse_op(std::string_view t) {
    if (t == ">=") return Op::ge;
    if (t == "<=") return Op::le;
    if (t == ">") return Op::gt;
    if (t == "<") return Op::lt;
    if (t == "==") return Op::eq;
    if (t == "between") return Op::between;
    return std::nullopt;
}

std::string_view to_string(Op op) {
    switch (op) {
        case Op::ge:
            return ">=";
        case Op::le:
            return "<=";
        case Op::gt:
            return ">";
        case Op::lt:
            return "<";
        case Op::eq:
            return "==";
        case Op::between:
            return "between";
    }
    return "?";
}

bool compare(Op op, double v, double t, double high) {
    switch (op) {
        case Op::ge:
            return v >= t;
        case Op::le:
            return v <= t;
        case Op::gt:
            return v > t;
        case Op::lt:
            return v < t;
        case Op::eq:
            return v == t;
        case Op::between:
            return v >= t && v <= high;
    }
    return false;
}

std::string_view kind_name(const Rule& rule) {
    static constexpr std::string_view names[] = {"threshold",  "cumulative",  "milestones",
                                                 "expression", "achievement", "baseline",
                                                 "rank",       "report",      "value"};
    return names[rule.index()];
}

const Indicator* Plan::find_indicator(std::string_view key) const {
    auto it = indicator_index.find(std::string(key));
    return it == indicator_index.end() ? nullptr : &indicators[it->second];
}

long Plan::index_of(std::string_view key) const {
    auto it = indicator_index.find(std::string(key));
    return it == indicator_index.end() ? -1 : static_cast<long>(it->second);
}

const Unit* Plan::find_unit(std::string_view unit_id) const {
    auto it = unit_index.find(std::string(unit_id));
    return it == unit_index.end() ? nullptr : &units[it->second];
}

const Task* Plan::find_task(int number) const {
    auto it = task_index.find(number);
    return it == task_index.end() ? nullptr : &tasks[it->second];
}

namespace {

const std::regex kIdPattern("[a-z][a-z0-9_]*");
const std::regex kPlanIdPattern("[a-z0-9][a-z0-9-]*");

struct Source {
    fs::path file;
    YAML::Node root;
};

class Loader {
  public:
    Plan load(const std::vector<fs::path>& paths) {
        for (const auto& p : paths) collect(p);
        if (sources_.empty()) throw ConfigError("rules: no .yaml files found");
        for (auto& s : sources_) {
            if (s.root.IsNull()) continue;
            check_map(s.file, s.root, "rules file", {"plan", "units", "tasks"});
        }
        load_plan_header();
        for (auto& s : sources_)
            if (auto n = s.root["units"]) load_units(s.file, n);
        for (auto& s : sources_)
            if (auto n = s.root["tasks"]) load_tasks(s.file, n);
        check_expressions();
        std::sort(plan_.tasks.begin(), plan_.tasks.end(),
                  [](const Task& a, const Task& b) { return a.number < b.number; });
        plan_.task_index.clear();
        for (std::size_t i = 0; i < plan_.tasks.size(); ++i)
            plan_.task_index[plan_.tasks[i].number] = i;
        return std::move(plan_);
    }

  private:
    void collect(const fs::path& p) {
        std::error_code ec;
        if (fs::is_directory(p, ec)) {
            std::vector<fs::path> files;
            for (const auto& e : fs::directory_iterator(p)) {
                auto ext = e.path().extension();
                if (e.is_regular_file() && (ext == ".yaml" || ext == ".yml"))
                    files.push_back(e.path());
            }
            std::sort(files.begin(), files.end());
            for (auto& f : files) sources_.push_back({f, yaml::load_file(f)});
        } else if (fs::exists(p, ec)) {
            sources_.push_back({p, yaml::load_file(p)});
        } else {
            throw ConfigError(p.string() + ": rules path does not exist");
        }
    }

    DayOffset offset(const fs::path& f, const YAML::Node& n, std::string_view what) {
        static const std::regex re("([0-9]{1,3})(d|wd)");
        const auto s = yaml::scalar(f, n, what);
        std::smatch m;
        if (!std::regex_match(s, m, re))
            fail(f, n,
                 std::string(what) + " must be days like '20d' or working days like '10wd', got '" +
                     s + "'");
        return DayOffset{std::stoi(m[1]), m[2] == "wd"};
    }

    Cadence cadence(const fs::path& f, const YAML::Node& n) {
        auto c = parse_cadence(yaml::scalar(f, n, "cadence"));
        if (!c)
            fail(f, n,
                 "cadence must be one of month, quarter, half, year, once, got '" + n.Scalar() +
                     "'");
        return *c;
    }

    void schedule_keys(const fs::path& f, const YAML::Node& n, ReportSchedule& s) {
        if (auto c = n["cadence"]) s.cadence = cadence(f, c);
        if (auto c = n["due"]) s.due = offset(f, c, "due");
        if (auto c = n["grace"]) s.grace = offset(f, c, "grace");
        if (auto c = n["remind"]) s.remind = offset(f, c, "remind");
    }

    void load_plan_header() {
        const Source* found = nullptr;
        for (auto& s : sources_) {
            auto n = s.root["plan"];
            if (!n) continue;
            if (found)
                fail(s.file, n,
                     "second 'plan' section (first at " +
                         yaml::where(found->file, found->root["plan"]) + ")");
            found = &s;
        }
        if (!found) throw ConfigError("rules: no file has a 'plan' section");
        const auto& f = found->file;
        auto n = found->root["plan"];
        check_map(f, n, "plan", {"id", "name", "year", "timezone", "source", "defaults", "report"});
        plan_.id = yaml::scalar(f, yaml::required(f, n, "id", "plan"), "plan id");
        if (!std::regex_match(plan_.id, kPlanIdPattern))
            fail(f, n["id"], "plan id must match [a-z0-9][a-z0-9-]*, got '" + plan_.id + "'");
        plan_.name = yaml::scalar(f, yaml::required(f, n, "name", "plan"), "plan name");
        auto year = yaml::integer(f, yaml::required(f, n, "year", "plan"), "plan year");
        if (year < 2000 || year > 2100)
            fail(f, n["year"], "plan year must be between 2000 and 2100");
        plan_.year = static_cast<int>(year);
        plan_.timezone =
            n["timezone"] ? yaml::scalar(f, n["timezone"], "timezone") : "Asia/Shanghai";
        if (n["source"]) plan_.source = yaml::scalar(f, n["source"], "source");
        if (auto d = n["defaults"]) {
            check_map(f, d, "plan defaults", {"cadence", "due", "grace", "remind"});
            schedule_keys(f, d, plan_.defaults);
        }
        plan_.report_defaults = plan_.defaults;
        if (auto d = n["report"]) {
            check_map(f, d, "plan report", {"cadence", "due", "grace", "remind"});
            schedule_keys(f, d, plan_.report_defaults);
        }
        check_schedule(f, n, plan_.defaults);
        check_schedule(f, n, plan_.report_defaults);
    }

    // A due date (plus grace) must fall before the next period's due date.
    void check_schedule(const fs::path& f, const YAML::Node& at, const ReportSchedule& s) {
        int period_days = 0;
        switch (s.cadence) {
            case Cadence::month:
                period_days = 28;
                break;
            case Cadence::quarter:
                period_days = 90;
                break;
            case Cadence::half:
                period_days = 181;
                break;
            case Cadence::year:
                period_days = 365;
                break;
            case Cadence::once:
                return;
        }
        auto days = [](DayOffset o) { return o.working_days ? (o.days * 7 + 4) / 5 : o.days; };
        if (days(s.due) + days(s.grace) >= period_days)
            fail(f, at,
                 "due " + s.due.text() + " plus grace " + s.grace.text() + " does not fit a " +
                     std::string(to_string(s.cadence)) +
                     " period: the next period would be due first");
    }

    void load_units(const fs::path& f, const YAML::Node& list) {
        if (!list.IsSequence()) fail(f, list, "units must be a list");
        for (const auto& n : list) {
            check_map(f, n, "unit",
                      {"id", "name", "aliases", "kind", "note", "members", "receivers"});
            Unit u;
            u.defined_at = yaml::where(f, n);
            u.id = yaml::scalar(f, yaml::required(f, n, "id", "unit"), "unit id");
            if (!std::regex_match(u.id, kIdPattern))
                fail(f, n["id"], "unit id must match [a-z][a-z0-9_]*, got '" + u.id + "'");
            u.name = yaml::scalar(f, yaml::required(f, n, "name", "unit"), "unit name");
            if (auto k = n["kind"]) {
                static const std::pair<std::string_view, UnitKind> kinds[] = {
                    {"department", UnitKind::department},
                    {"county", UnitKind::county},
                    {"zone", UnitKind::zone},
                    {"company", UnitKind::company},
                    {"agency", UnitKind::agency},
                    {"group", UnitKind::group},
                    {"other", UnitKind::other}};
                auto s = yaml::scalar(f, k, "unit kind");
                auto it = std::find_if(std::begin(kinds), std::end(kinds),
                                       [&](auto& p) { return p.first == s; });
                if (it == std::end(kinds))
                    fail(f, k,
                         "unit kind must be one of department, county, zone, company, agency, "
                         "group, other, got '" +
                             s + "'");
                u.kind = it->second;
            }
            if (auto a = n["aliases"]) {
                if (!a.IsSequence()) fail(f, a, "aliases must be a list");
                for (const auto& x : a) u.aliases.push_back(yaml::scalar(f, x, "alias"));
            }
            if (auto m = n["members"]) {
                if (!m.IsSequence()) fail(f, m, "members must be a list of unit ids");
                for (const auto& x : m) u.members.push_back(yaml::scalar(f, x, "member"));
                member_nodes_.push_back({f, m, plan_.units.size()});
            }
            if (auto x = n["note"]) u.note = yaml::scalar(f, x, "note");
            if (auto r = n["receivers"]) {
                if (!r.IsSequence()) fail(f, r, "receivers must be a list");
                for (const auto& x : r) {
                    check_map(f, x, "receiver", {"email", "webhook", "format", "secret_file"});
                    Receiver rc;
                    if (x["email"]) rc.email = yaml::scalar(f, x["email"], "email");
                    if (x["webhook"]) rc.webhook = yaml::scalar(f, x["webhook"], "webhook");
                    if (x["format"]) rc.format = yaml::scalar(f, x["format"], "format");
                    if (x["secret_file"])
                        rc.secret_file = yaml::scalar(f, x["secret_file"], "secret_file");
                    if (rc.email.empty() == rc.webhook.empty())
                        fail(f, x, "a receiver has exactly one of 'email' or 'webhook'");
                    if (!rc.webhook.empty()) {
                        // checked here, so that a bad URL never reaches a log line; the message
                        // does not quote it whole: it carries the receiver's credentials
                        const auto url = boost::urls::parse_uri(rc.webhook);
                        if (!url)
                            fail(f, x["webhook"],
                                 "webhook is not a URL (" + url.error().message() + ")");
                        if ((url->scheme_id() != boost::urls::scheme::http &&
                             url->scheme_id() != boost::urls::scheme::https) ||
                            url->encoded_host().empty())
                            fail(f, x["webhook"],
                                 "webhook must be an http:// or https:// URL with a host, not " +
                                     redact_url(rc.webhook));
                        if (rc.format.empty()) rc.format = "generic";
                        if (rc.format != "generic" && rc.format != "dingtalk" &&
                            rc.format != "wecom" && rc.format != "feishu")
                            fail(f, x["format"],
                                 "webhook format must be one of generic, dingtalk, wecom, feishu");
                    }
                    u.receivers.push_back(std::move(rc));
                }
            }
            if (auto [it, ok] = unit_ids_.emplace(u.id, u.defined_at); !ok)
                fail(f, n["id"], "duplicate unit id '" + u.id + "' (first at " + it->second + ")");
            const auto idx = plan_.units.size();
            add_name(f, n["name"], u.name, idx);
            if (auto a = n["aliases"]) {
                std::size_t i = 0;
                for (const auto& x : a) add_name(f, x, u.aliases[i++], idx);
            }
            plan_.unit_index[u.id] = idx;
            plan_.units.push_back(std::move(u));
        }
    }

    void add_name(const fs::path& f, const YAML::Node& at, const std::string& name,
                  std::size_t idx) {
        auto [it, ok] = names_.emplace(name, std::make_pair(idx, yaml::where(f, at)));
        if (!ok && it->second.first != idx)
            fail(f, at,
                 "unit name '" + name + "' already names unit '" +
                     plan_.units[it->second.first].id + "' (at " + it->second.second + ")");
    }

    void check_members() {
        if (members_checked_) return;
        members_checked_ = true;
        for (auto& [f, node, idx] : member_nodes_) {
            std::size_t i = 0;
            for (const auto& x : node) {
                if (!plan_.unit_index.count(plan_.units[idx].members[i]))
                    fail(f, x,
                         "group member '" + plan_.units[idx].members[i] + "' is not a unit id");
                ++i;
            }
        }
    }

    // Resolves a unit as written in a task to unit ids, expanding groups with members.
    std::vector<std::string> resolve_unit(const fs::path& f, const YAML::Node& n) {
        check_members();
        const auto name = yaml::scalar(f, n, "unit name");
        auto it = names_.find(name);
        if (it == names_.end()) {
            if (plan_.unit_index.count(name))
                it = names_.find(plan_.units[plan_.unit_index[name]].name);
            if (it == names_.end())
                fail(f, n,
                     "unknown unit '" + name + "': add it (or an alias) to the unit registry");
        }
        const Unit& u = plan_.units[it->second.first];
        if (u.members.empty()) return {u.id};
        return u.members;
    }

    std::vector<std::string> resolve_list(const fs::path& f, const YAML::Node& n,
                                          std::string_view what) {
        if (!n.IsSequence()) fail(f, n, std::string(what) + " must be a list of unit names");
        std::vector<std::string> out;
        for (const auto& x : n)
            for (auto& id : resolve_unit(f, x))
                if (std::find(out.begin(), out.end(), id) == out.end()) out.push_back(id);
        return out;
    }

    void load_tasks(const fs::path& f, const YAML::Node& list) {
        if (!list.IsSequence()) fail(f, list, "tasks must be a list");
        for (const auto& n : list) {
            check_map(f, n, "task",
                      {"number", "section", "text", "lead", "joint_leads", "co", "writers",
                       "indicators"});
            Task t;
            t.defined_at = yaml::where(f, n);
            auto num = yaml::integer(f, yaml::required(f, n, "number", "task"), "task number");
            if (num < 1 || num > 100000) fail(f, n["number"], "task number must be positive");
            t.number = static_cast<int>(num);
            if (auto [it, ok] = task_at_.emplace(t.number, t.defined_at); !ok)
                fail(f, n["number"],
                     "duplicate task number " + std::to_string(t.number) + " (first at " +
                         it->second + ")");
            t.section = n["section"] ? yaml::scalar(f, n["section"], "section") : "";
            t.text = yaml::scalar(f, yaml::required(f, n, "text", "task"), "task text");
            if (n["lead"] && n["joint_leads"])
                fail(f, n["joint_leads"], "a task has either 'lead' or 'joint_leads', not both");
            if (auto l = n["lead"]) {
                t.leads = resolve_unit(f, l);
                t.joint = t.leads.size() > 1;
            } else if (auto j = n["joint_leads"]) {
                t.leads = resolve_list(f, j, "joint_leads");
                t.joint = true;
                if (t.leads.empty()) fail(f, j, "joint_leads must name at least one unit");
            } else {
                fail(f, n, "task " + std::to_string(t.number) + " needs 'lead' or 'joint_leads'");
            }
            if (auto c = n["co"]) {
                for (auto& id : resolve_list(f, c, "co"))
                    if (std::find(t.leads.begin(), t.leads.end(), id) == t.leads.end())
                        t.co.push_back(id);
            }
            if (auto w = n["writers"]) t.writers = load_writers(f, w, t);
            if (auto list2 = n["indicators"]) {
                if (!list2.IsSequence() || list2.size() == 0)
                    fail(f, list2,
                         "indicators must be a non-empty list (omit it for a report obligation)");
                for (const auto& x : list2) add_indicator(load_indicator(f, x, t, n), t);
            } else {
                // No number: a progress report is owed; with joint leads (分别牵头) each
                // lead owes its own.
                for (const auto& lead : t.leads) {
                    Indicator ind;
                    char key[32];
                    std::snprintf(key, sizeof key, "task%03d_report", t.number);
                    ind.key = t.joint ? std::string(key) + "_" + lead : std::string(key);
                    ind.name = "任务" + std::to_string(t.number) + "进展报告";
                    if (t.joint)
                        ind.name += "(" + plan_.units[plan_.unit_index.at(lead)].name + ")";
                    ind.measure = "%";
                    ind.rule = rule::Report{};
                    ind.schedule = plan_.report_defaults;
                    ind.task = t.number;
                    ind.lead_unit = lead;
                    ind.writers = writers_of(t, {}, lead);
                    ind.defined_at = t.defined_at;
                    check_key_unique(f, n, ind.key, ind.defined_at);
                    add_indicator(std::move(ind), t);
                }
            }
            plan_.tasks.push_back(std::move(t));
        }
    }

    /// A `writers:` list: unit strings (groups expand) that must each be one of the task's
    /// leads or co-units.
    std::vector<std::string> load_writers(const fs::path& f, const YAML::Node& n, const Task& t) {
        if (!n.IsSequence()) fail(f, n, "writers must be a list of unit names");
        std::vector<std::string> out;
        for (const auto& x : n)
            for (auto& id : resolve_unit(f, x)) {
                if (std::find(t.leads.begin(), t.leads.end(), id) == t.leads.end() &&
                    std::find(t.co.begin(), t.co.end(), id) == t.co.end())
                    fail(f, x,
                         "writer '" + x.Scalar() + "' is not a lead or co-unit of task " +
                             std::to_string(t.number));
                if (std::find(out.begin(), out.end(), id) == out.end()) out.push_back(id);
            }
        return out;
    }

    /// The task's writers and the indicator's own, without its lead unit and without repeats.
    static std::vector<std::string> writers_of(const Task& t, const std::vector<std::string>& own,
                                               const std::string& lead) {
        std::vector<std::string> out;
        for (const auto* list : {&t.writers, &own})
            for (const auto& id : *list)
                if (id != lead && std::find(out.begin(), out.end(), id) == out.end())
                    out.push_back(id);
        return out;
    }

    void check_key_unique(const fs::path& f, const YAML::Node& at, const std::string& key,
                          const std::string& defined_at) {
        if (auto [it, ok] = key_at_.emplace(key, defined_at); !ok)
            fail(f, at, "duplicate indicator key '" + key + "' (first at " + it->second + ")");
    }

    void add_indicator(Indicator ind, Task& t) {
        t.indicators.push_back(plan_.indicators.size());
        plan_.indicator_index[ind.key] = plan_.indicators.size();
        plan_.indicators.push_back(std::move(ind));
    }

    Op op_of(const fs::path& f, const YAML::Node& n, Op fallback) {
        if (!n) return fallback;
        auto op = parse_op(yaml::scalar(f, n, "op"));
        if (!op)
            fail(f, n, "op must be one of >=, <=, >, <, ==, between, got '" + n.Scalar() + "'");
        return *op;
    }

    date::year_month_day date_of(const fs::path& f, const YAML::Node& n, std::string_view what) {
        auto d = parse_date(yaml::scalar(f, n, what));
        if (!d)
            fail(f, n,
                 std::string(what) + " must be a date like 2023-12-31, got '" + n.Scalar() + "'");
        return *d;
    }

    Indicator load_indicator(const fs::path& f, const YAML::Node& n, const Task& t,
                             const YAML::Node& task_node) {
        if (!n.IsMap()) fail(f, n, "indicator must be a mapping");
        const auto kind = yaml::scalar(f, yaml::required(f, n, "kind", "indicator"), "kind");
        std::vector<std::string_view> allowed = {
            "key",   "name",   "kind", "measure",   "cadence", "ytd", "due",
            "grace", "remind", "lead", "notify_co", "writers", "note"};
        std::vector<std::string_view> extra;
        if (kind == "threshold")
            extra = {"op", "target"};
        else if (kind == "cumulative")
            extra = {"target", "trajectory", "tolerance"};
        else if (kind == "milestones")
            extra = {"milestones"};
        else if (kind == "expression")
            extra = {"expr"};
        else if (kind == "achievement")
            extra = {"deadline"};
        else if (kind == "baseline")
            extra = {"op", "baseline"};
        else if (kind == "rank")
            extra = {"op", "target", "peers"};
        else if (kind == "report" || kind == "value")
            extra = {};
        else
            fail(f, n["kind"],
                 "unknown indicator kind '" + kind +
                     "' (one of threshold, cumulative, milestones, expression, achievement, "
                     "baseline, rank, report, value)");
        allowed.insert(allowed.end(), extra.begin(), extra.end());
        for (const auto& kv : n) {
            const auto k = kv.first.Scalar();
            if (std::find(allowed.begin(), allowed.end(), k) == allowed.end())
                fail(f, kv.first, "unknown key '" + k + "' in " + kind + " indicator");
        }
        check_map(f, n, "indicator",
                  {"key",  "name",     "kind",     "measure",    "cadence",   "ytd",
                   "due",  "grace",    "remind",   "lead",       "notify_co", "writers",
                   "note", "op",       "target",   "trajectory", "tolerance", "milestones",
                   "expr", "deadline", "baseline", "peers"});

        Indicator ind;
        ind.defined_at = yaml::where(f, n);
        ind.key = yaml::scalar(f, yaml::required(f, n, "key", "indicator"), "indicator key");
        if (!std::regex_match(ind.key, kIdPattern))
            fail(f, n["key"], "indicator key must match [a-z][a-z0-9_]*, got '" + ind.key + "'");
        check_key_unique(f, n["key"], ind.key, ind.defined_at);
        ind.name = n["name"] ? yaml::scalar(f, n["name"], "name") : ind.key;
        if (n["measure"]) ind.measure = yaml::scalar(f, n["measure"], "measure");
        ind.task = t.number;
        ind.schedule = kind == "report" ? plan_.report_defaults : plan_.defaults;
        schedule_keys(f, n, ind.schedule);
        if (n["cadence"] || n["due"] || n["grace"]) check_schedule(f, n, ind.schedule);
        if (n["ytd"]) ind.ytd = yaml::boolean(f, n["ytd"], "ytd");
        if (n["notify_co"]) ind.notify_co = yaml::boolean(f, n["notify_co"], "notify_co");
        if (n["note"]) ind.note = yaml::scalar(f, n["note"], "note");
        ind.lead_unit = t.leads.front();
        if (auto l = n["lead"]) {
            auto ids = resolve_unit(f, l);
            if (ids.size() != 1 ||
                std::find(t.leads.begin(), t.leads.end(), ids[0]) == t.leads.end())
                fail(f, l,
                     "indicator lead '" + l.Scalar() + "' is not one of task " +
                         std::to_string(t.number) + "'s leads");
            ind.lead_unit = ids[0];
        }
        ind.writers = writers_of(
            t, n["writers"] ? load_writers(f, n["writers"], t) : std::vector<std::string>{},
            ind.lead_unit);
        (void)task_node;

        if (kind == "threshold") {
            rule::Threshold r;
            r.op = op_of(f, yaml::required(f, n, "op", "threshold indicator"), Op::ge);
            auto tn = yaml::required(f, n, "target", "threshold indicator");
            if (r.op == Op::between) {
                if (!tn.IsSequence() || tn.size() != 2)
                    fail(f, tn, "target of 'between' must be [low, high]");
                r.target = yaml::number(f, tn[0], "target");
                r.high = yaml::number(f, tn[1], "target");
                if (r.target > r.high)
                    fail(f, tn, "target of 'between' must be [low, high] with low <= high");
            } else {
                r.target = yaml::number(f, tn, "target");
            }
            ind.rule = r;
        } else if (kind == "cumulative") {
            rule::Cumulative r;
            r.target =
                yaml::number(f, yaml::required(f, n, "target", "cumulative indicator"), "target");
            if (auto tr = n["trajectory"]) {
                if (tr.IsScalar() && tr.Scalar() == "linear") {
                } else if (tr.IsMap()) {
                    for (const auto& kv : tr) {
                        auto p = parse_period(kv.first.Scalar());
                        if (!p || !p->fits(ind.schedule.cadence))
                            fail(f, kv.first,
                                 "trajectory period '" + kv.first.Scalar() + "' is not a " +
                                     std::string(to_string(ind.schedule.cadence)) + " period");
                        if (!r.trajectory.empty() && !(r.trajectory.back().first < *p))
                            fail(f, kv.first, "trajectory periods must be in increasing order");
                        r.trajectory.emplace_back(*p,
                                                  yaml::number(f, kv.second, "trajectory value"));
                    }
                } else {
                    fail(f, tr,
                         "trajectory must be 'linear' or a mapping of period to expected value");
                }
            }
            if (n["tolerance"]) {
                r.tolerance = yaml::number(f, n["tolerance"], "tolerance");
                if (r.tolerance < 0 || r.tolerance > 100)
                    fail(f, n["tolerance"], "tolerance must be a percentage 0..100");
            }
            ind.rule = r;
        } else if (kind == "milestones") {
            rule::Milestones r;
            auto ms = yaml::required(f, n, "milestones", "milestones indicator");
            if (!ms.IsSequence() || ms.size() == 0)
                fail(f, ms, "milestones must be a non-empty list");
            for (const auto& m : ms) {
                check_map(f, m, "milestone", {"by", "op", "value"});
                rule::Milestone x;
                x.by = date_of(f, yaml::required(f, m, "by", "milestone"), "milestone 'by'");
                x.op = op_of(f, m["op"], Op::ge);
                if (x.op == Op::between) fail(f, m["op"], "a milestone cannot use 'between'");
                x.value =
                    yaml::number(f, yaml::required(f, m, "value", "milestone"), "milestone value");
                if (!r.milestones.empty() &&
                    !(date::sys_days{r.milestones.back().by} < date::sys_days{x.by}))
                    fail(f, m["by"], "milestones must be in increasing date order");
                r.milestones.push_back(x);
            }
            ind.rule = r;
        } else if (kind == "expression") {
            rule::Expression r;
            r.expr = yaml::scalar(f, yaml::required(f, n, "expr", "expression indicator"), "expr");
            ind.rule = r;
            expr_nodes_.push_back({f, n["expr"], ind.key});
        } else if (kind == "achievement") {
            ind.rule = rule::Achievement{
                date_of(f, yaml::required(f, n, "deadline", "achievement indicator"), "deadline")};
        } else if (kind == "baseline") {
            rule::Baseline r;
            r.op = op_of(f, yaml::required(f, n, "op", "baseline indicator"), Op::lt);
            if (r.op == Op::between || r.op == Op::eq)
                fail(f, n["op"], "baseline op must be <, <=, > or >=");
            auto b = yaml::required(f, n, "baseline", "baseline indicator");
            if (!(b.IsScalar() && b.Scalar() == "previous_year"))
                r.baseline = yaml::number(f, b, "baseline");
            ind.rule = r;
        } else if (kind == "rank") {
            rule::Rank r;
            r.op = op_of(f, n["op"], Op::le);
            r.target = yaml::number(f, yaml::required(f, n, "target", "rank indicator"), "target");
            if (n["peers"]) r.peers = static_cast<int>(yaml::integer(f, n["peers"], "peers"));
            if (r.peers > 0 && r.target > r.peers)
                fail(f, n["target"], "rank target is larger than the peer group");
            ind.rule = r;
        } else if (kind == "report") {
            ind.rule = rule::Report{};
            if (ind.measure.empty()) ind.measure = "%";
        } else {
            ind.rule = rule::Value{};
        }
        return ind;
    }

    // Parses each expression with muparser and requires every name in it to be an indicator.
    void check_expressions() {
        for (auto& [f, node, key] : expr_nodes_) {
            auto& ind = plan_.indicators[plan_.indicator_index.at(key)];
            auto& r = std::get<rule::Expression>(ind.rule);
            std::deque<double> storage;
            mu::Parser p;
            p.SetVarFactory(
                [](const mu::char_type*, void* user) -> double* {
                    auto* s = static_cast<std::deque<double>*>(user);
                    s->push_back(0);
                    return &s->back();
                },
                &storage);
            try {
                p.SetExpr(r.expr);
                p.Eval();
            } catch (const mu::Parser::exception_type& e) {
                fail(f, node, "expression '" + r.expr + "' does not parse: " + e.GetMsg());
            }
            for (const auto& [name, ptr] : p.GetUsedVar()) {
                (void)ptr;
                const auto* in = plan_.find_indicator(name);
                if (!in) fail(f, node, "expression names unknown indicator '" + name + "'");
                if (in->key == key)
                    fail(f, node, "expression names its own indicator '" + name + "'");
                if (in->derived())
                    fail(f, node,
                         "expression names derived indicator '" + name +
                             "' (only reported indicators may be inputs)");
                r.inputs.push_back(name);
            }
            if (r.inputs.empty()) fail(f, node, "expression names no indicator");
            std::sort(r.inputs.begin(), r.inputs.end());
        }
    }

    struct MemberNode {
        fs::path file;
        YAML::Node node;
        std::size_t unit;
    };
    struct ExprNode {
        fs::path file;
        YAML::Node node;
        std::string key;
    };

    std::vector<Source> sources_;
    Plan plan_;
    std::map<std::string, std::pair<std::size_t, std::string>> names_;
    std::map<std::string, std::string> unit_ids_;
    std::map<std::string, std::string> key_at_;
    std::map<int, std::string> task_at_;
    std::vector<MemberNode> member_nodes_;
    std::vector<ExprNode> expr_nodes_;
    bool members_checked_ = false;
};

}  // namespace

Plan load_plan(const std::vector<fs::path>& paths) {
    return Loader{}.load(paths);
}

}  // namespace indicatord
