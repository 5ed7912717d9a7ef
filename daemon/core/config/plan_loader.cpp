// Loads a rules directory (plan, units, tasks) into a validated Plan in one pass; each rule
// kind reads its own keys (eval/kinds/).
#include "config/plan_loader.hpp"

#include <algorithm>
#include <boost/url/parse.hpp>
#include <map>
#include <regex>
#include <set>
#include <unordered_map>

#include "config/receiver_options.hpp"
#include "config/scoring.hpp"
#include "util/errors.hpp"
#include "util/huge_pages.hpp"
#include "util/redact.hpp"
#include "util/yaml_util.hpp"

namespace indicatord {

namespace fs = std::filesystem;
using yaml::check_map;
using yaml::fail;

namespace {

const std::regex kIdPattern("[a-z][a-z0-9_]*");
const std::regex kPlanIdPattern("[a-z0-9][a-z0-9-]*");

// kIdPattern without std::regex, for the key of every indicator (3 % of a 100,000 load).
bool is_id(std::string_view s) {
    auto lower = [](char c) { return c >= 'a' && c <= 'z'; };
    auto digit = [](char c) { return c >= '0' && c <= '9'; };
    if (s.empty() || !lower(s.front())) return false;
    return std::all_of(s.begin() + 1, s.end(),
                       [&](char c) { return lower(c) || digit(c) || c == '_'; });
}

struct Source {
    fs::path file;
    yaml::Document root;
};

class Loader {
  public:
    explicit Loader(std::span<const RuleSyntax* const> kinds) : kinds_(kinds) {}

    Plan load(const std::vector<fs::path>& paths) {
        // Errors are collected stage by stage: the files and their structure (syntax, the plan
        // header, the units), then every task, then the cross-checks of the rules. A stage runs
        // only on a clean result of the one before, so no error is a consequence of another.
        for (const auto& p : paths) collect(p);
        if (sources_.empty() && errors_.empty()) throw ConfigError("rules: no .yaml files found");
        if (!errors_.empty()) throw_errors();
        collect_includes();
        if (!errors_.empty()) throw_errors();
        for (auto& s : sources_) {
            if (s.root.IsNull()) continue;
            collecting([&] {
                check_map(s.file, s.root, "rules file", {"plan", "units", "tasks", "scoring"});
            });
        }
        reserve();
        collecting([&] { load_plan_header(); });
        for (auto& s : sources_)
            if (auto n = s.root["units"]) collecting([&] { load_units(s.file, n); });
        for (auto& s : sources_)
            if (auto n = s.root["scoring"]) collecting([&] { load_scoring(s.file, n); });
        // groups' members are units: checked here, with the units, and not first in a task
        // (a task would then go on with a group whose member does not exist)
        if (errors_.empty()) collecting([&] { check_members(); });
        if (errors_.empty() && review_defaults_at_)
            collecting([&] {
                const auto& [file, d] = *review_defaults_at_;
                review_keys(file, d, plan_.review_defaults, &plan_.review_by_kind);
            });
        if (!errors_.empty()) throw_errors();
        for (auto& s : sources_)
            if (auto n = s.root["tasks"]) collecting([&] { load_tasks(s.file, n); });
        if (!errors_.empty()) throw_errors();
        resolve_rules();
        if (!errors_.empty()) throw_errors();
        std::sort(plan_.tasks.begin(), plan_.tasks.end(),
                  [](const Task& a, const Task& b) { return a.number < b.number; });
        plan_.task_index.clear();
        for (std::size_t i = 0; i < plan_.tasks.size(); ++i)
            plan_.task_index[Plan::task_key(0, plan_.tasks[i].number)] = i;
        return std::move(plan_);
    }

  private:
    // At most this many errors are reported by one load (`indicatorctl check` shows them all).
    static constexpr std::size_t kMaxErrors = 20;

    // Runs one independent part of the load (a file, a task, a rule's cross-check); its
    // ConfigError is kept and the load goes on, so that one run reports every error it can.
    template <class F>
    void collecting(F&& part) {
        try {
            part();
        } catch (const ConfigError& e) {
            if (stopping_) throw;  // the whole load's errors, from a nested part: pass them on
            errors_.emplace_back(e.what());
            if (errors_.size() >= kMaxErrors) throw_errors();
        }
    }

    // One ConfigError with every error kept, one per line, the first first (a file with one
    // error gives exactly that error's message).
    [[noreturn]] void throw_errors() {
        stopping_ = true;
        throw ConfigError(join_errors(errors_, errors_.size() >= kMaxErrors));
    }

    // `plan.include`: files or folders (relative to the plan file) read as part of the plan, e.g.
    // a units file several plans share. Each file is read once however often it is named.
    void collect_includes() {
        std::set<fs::path> seen;
        for (const auto& s : sources_) seen.insert(fs::weakly_canonical(s.file));
        const std::size_t n = sources_.size();
        for (std::size_t i = 0; i < n; ++i) {
            const auto plan = sources_[i].root["plan"];
            if (!plan.IsMap()) continue;
            const auto inc = plan["include"];
            if (!inc) continue;
            const auto file = sources_[i].file;
            collecting([&] {
                if (!inc.IsSequence())
                    fail(file, inc, "include must be a list of files or folders");
                std::vector<std::pair<fs::path, yaml::Node>> wanted;
                for (const auto& x : inc)
                    wanted.emplace_back(file.parent_path() / yaml::scalar(file, x, "include"), x);
                for (const auto& [path, at] : wanted) {
                    std::error_code ec;
                    if (!fs::exists(path, ec))
                        fail(file, at, "include '" + path.string() + "' does not exist");
                    const auto before = sources_.size();
                    collect(path);
                    // drop files read already (a shared file named twice, or a plan's own)
                    std::vector<Source> fresh;
                    for (std::size_t k = before; k < sources_.size(); ++k)
                        if (seen.insert(fs::weakly_canonical(sources_[k].file)).second)
                            fresh.push_back(std::move(sources_[k]));
                    sources_.resize(before);
                    for (auto& src : fresh) sources_.push_back(std::move(src));
                }
            });
        }
    }

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
            for (auto& f : files) collecting([&] { sources_.push_back({f, yaml::load_file(f)}); });
        } else if (fs::exists(p, ec)) {
            collecting([&] { sources_.push_back({p, yaml::load_file(p)}); });
        } else {
            throw ConfigError(p.string() + ": rules path does not exist");
        }
    }

    // Sizes known before reading (a task without indicators counts one report): the
    // indicators are not moved as the vector grows and the indexes are not rehashed.
    void reserve() {
        std::size_t tasks = 0, indicators = 0;
        for (auto& s : sources_) {
            const auto list = s.root["tasks"];
            for (const auto& t : list) {
                ++tasks;
                const auto i = t["indicators"];
                indicators += i.IsSequence() ? i.size() : 1;
            }
        }
        plan_.tasks.reserve(tasks);
        plan_.indicators.reserve(indicators);
        advise_huge_pages(plan_.indicators.data(), indicators * sizeof(Indicator));
        plan_.indicator_index.reserve(indicators);
    }

    DayOffset offset(const fs::path& f, const yaml::Node& n, std::string_view what) {
        static const std::regex re("([0-9]{1,3})(d|wd)");
        const auto s = yaml::scalar(f, n, what);
        std::smatch m;
        if (!std::regex_match(s, m, re))
            fail(f, n,
                 std::string(what) + " must be days like '20d' or working days like '10wd', got '" +
                     s + "'");
        return DayOffset{std::stoi(m[1]), m[2] == "wd"};
    }

    // One reviewer: `none`, `office` or a unit's name (model/review.hpp).
    void reviewer(const fs::path& f, const yaml::Node& v, ReviewRule& r) {
        const auto who = yaml::scalar(f, v, "review");
        if (who == "none") {
            r.by = ReviewRule::By::none;
            r.unit.clear();
        } else if (who == "office") {
            r.by = ReviewRule::By::office;
            r.unit.clear();
        } else {
            if (!names_.count(who) && !plan_.unit_index.count(who))
                fail(f, v,
                     "review must be none, office or a unit's name, got '" + who +
                         "': no such unit (add it, or an alias, to the unit registry)");
            const Unit& u = unit_named(f, v);
            if (!u.members.empty())
                fail(f, v, "review names the group '" + who + "': name one unit of it");
            r.by = ReviewRule::By::unit;
            r.unit = u.id;
        }
    }

    // `review: none | office | <unit name>` and `review_due: 3wd` (model/review.hpp). In the
    // plan's defaults (`by_kind` set) `review` may also map indicator kinds to reviewers:
    // `{threshold: 市统计局, achievement: office, other: none}`.
    void review_keys(const fs::path& f, const yaml::Node& n, ReviewRule& r,
                     std::map<std::string, ReviewRule>* by_kind = nullptr) {
        if (auto v = n["review"]) {
            if (v.IsMap() && by_kind) {
                for (const auto& kv : v) {
                    const auto kind = yaml::scalar(f, kv.first, "review kind");
                    if (kind != "other") syntax_of(f, kv.first, kind);  // a known kind
                    if (kind == "other" || by_kind->count(kind)) {
                        if (kind == "other")
                            reviewer(f, kv.second, r);
                        else
                            fail(f, kv.first, "review names kind '" + kind + "' twice");
                        continue;
                    }
                    reviewer(f, kv.second, (*by_kind)[kind]);
                }
            } else if (v.IsMap()) {
                fail(f, v,
                     "review must be none, office or a unit's name (a map of kinds to reviewers "
                     "only in the plan's defaults)");
            } else {
                reviewer(f, v, r);
            }
        }
        if (auto v = n["review_due"]) {
            const auto o = offset(f, v, "review_due");
            if (o.days < 1)
                fail(f, v, "review_due must be at least 1 day, got '" + v.Scalar() + "'");
            r.due_days = o.days;
            r.due_working_days = o.working_days;
            if (by_kind)
                for (auto& [k, rule] : *by_kind) {
                    rule.due_days = o.days;
                    rule.due_working_days = o.working_days;
                }
        }
    }

    Cadence cadence(const fs::path& f, const yaml::Node& n) {
        auto c = parse_cadence(yaml::scalar(f, n, "cadence"));
        if (!c)
            fail(f, n,
                 "cadence must be one of month, quarter, half, year, once, got '" + n.Scalar() +
                     "'");
        return *c;
    }

    void schedule_keys(const fs::path& f, const yaml::Node& n, ReportSchedule& s) {
        if (auto c = n["cadence"]) s.cadence = cadence(f, c);
        if (auto c = n["due"]) s.due = offset(f, c, "due");
        if (auto c = n["grace"]) s.grace = offset(f, c, "grace");
        if (auto c = n["remind"]) s.remind = offset(f, c, "remind");
        if (auto c = n["skip"]) s.skip_months = skip_months(f, c);
    }

    // `skip: ["01"]`: months published together with the next one (1-2月), never owed alone.
    unsigned skip_months(const fs::path& f, const yaml::Node& n) {
        if (!n.IsSequence()) fail(f, n, "skip must be a list of months like [\"01\"]");
        unsigned bits = 0;
        for (const auto& x : n) {
            const auto m = yaml::integer(f, x, "skipped month");
            if (m < 1 || m > 11)
                fail(f, x,
                     "skipped month must be 01 to 11 (its figure comes with the next month's), "
                     "got '" +
                         x.Scalar() + "'");
            bits |= 1U << m;
        }
        return bits;
    }

    void load_plan_header() {
        const Source* found = nullptr;
        for (auto& s : sources_) {
            auto n = s.root["plan"];
            if (!n) continue;
            if (found)
                fail(s.file, n,
                     "second 'plan' section (first at " +
                         yaml::where(found->file, found->root["plan"]) +
                         "): the files of one rules directory make one plan; for several plans "
                         "put each in a directory of its own and list the directories under "
                         "'rules:' in the config (units they share go in a file each plan "
                         "names in 'include:')");
            found = &s;
        }
        if (!found) throw ConfigError("rules: no file has a 'plan' section");
        const auto& f = found->file;
        auto n = found->root["plan"];
        check_map(f, n, "plan",
                  {"id", "name", "year", "timezone", "source", "defaults", "report", "tiers",
                   "include", "previous"});
        plan_.id = yaml::scalar(f, yaml::required(f, n, "id", "plan"), "plan id");
        if (!std::regex_match(plan_.id, kPlanIdPattern))
            fail(f, n["id"], "plan id must match [a-z0-9][a-z0-9-]*, got '" + plan_.id + "'");
        plan_.name = yaml::scalar(f, yaml::required(f, n, "name", "plan"), "plan name");
        // `year: 2023`, or `year: 2021-2025` for a plan spanning several years
        const auto yn = yaml::required(f, n, "year", "plan");
        const auto ytext = yn.IsScalar() ? yn.Scalar() : std::string();
        long long year = 0, last = 0;
        if (ytext.size() == 9 && ytext[4] == '-' &&
            std::all_of(ytext.begin(), ytext.begin() + 4, ::isdigit) &&
            std::all_of(ytext.begin() + 5, ytext.end(), ::isdigit)) {
            year = std::stoll(ytext.substr(0, 4));
            last = std::stoll(ytext.substr(5));
        } else {
            year = last = yaml::integer(f, yn, "plan year");
        }
        if (year < 2000 || year > 2100 || last < 2000 || last > 2100)
            fail(f, yn, "plan year must be between 2000 and 2100");
        if (last < year)
            fail(f, yn, "plan years " + ytext + " end before they start (write 2021-2025)");
        if (last - year > 9) fail(f, yn, "a plan spans at most ten years, got " + ytext);
        plan_.year = static_cast<int>(year);
        plan_.last_year = static_cast<int>(last);
        plan_.timezone =
            n["timezone"] ? yaml::scalar(f, n["timezone"], "timezone") : "Asia/Shanghai";
        if (n["source"]) plan_.source = yaml::scalar(f, n["source"], "source");
        if (auto d = n["defaults"]) {
            check_map(
                f, d, "plan defaults",
                {"cadence", "due", "grace", "remind", "skip", "tolerance", "review", "review_due"});
            schedule_keys(f, d, plan_.defaults);
            // read once the units are known (load(), after check_members)
            if (d["review"] || d["review_due"]) review_defaults_at_ = {f, d};
            if (auto t = d["tolerance"]) {
                plan_.tolerance = yaml::number(f, t, "tolerance");
                if (*plan_.tolerance < 0) fail(f, t, "tolerance must not be negative");
            }
        }
        plan_.report_defaults = plan_.defaults;
        if (auto d = n["report"]) {
            check_map(f, d, "plan report", {"cadence", "due", "grace", "remind", "skip"});
            schedule_keys(f, d, plan_.report_defaults);
        }
        check_schedule(f, n, plan_.defaults);
        check_schedule(f, n, plan_.report_defaults);
        if (auto t = n["tiers"]) load_tiers(f, t);
        PlanInfo info{plan_.id,     plan_.name, plan_.year,       plan_.last_year,
                      plan_.source, {},         yaml::where(f, n)};
        if (auto p = n["previous"]) {
            info.previous = yaml::scalar(f, p, "previous");
            if (info.previous == plan_.id) fail(f, p, "a plan cannot be its own previous plan");
        }
        plan_.plans = {std::move(info)};
    }

    // `scoring:` the plan's assessment rules for bulletins (config/scoring.cpp): checked here,
    // so that `indicatorctl check` and every load refuse bad rules; read again by
    // find_scoring() when a bulletin is made. One file only.
    void load_scoring(const fs::path& f, const yaml::Node& n) {
        if (!scoring_at_.empty())
            fail(f, n, "a second 'scoring' section (first at " + scoring_at_ + ")");
        scoring_at_ = parse_scoring(f, n).defined_at;
    }

    // `tiers: {第一方阵: 3, 前列: 3, 全省第一: 1}`: what the plan's words for ranks mean.
    void load_tiers(const fs::path& f, const yaml::Node& n) {
        if (!n.IsMap()) fail(f, n, "tiers must be a mapping of a tier's name to its top N");
        std::map<std::string, std::string> seen;
        for (auto it = n.begin(); it != n.end(); ++it) {
            const auto name = yaml::scalar(f, it->first, "tier name");
            if (auto [at, ok] = seen.emplace(name, yaml::where(f, it->first)); !ok)
                fail(f, it->first, "duplicate tier '" + name + "' (first at " + at->second + ")");
            const auto top = yaml::integer(f, it->second, "tier's top N");
            if (top < 1 || top > 1000) fail(f, it->second, "a tier's top N must be 1 or more");
            plan_.tiers.push_back(Plan::Tier{name, static_cast<int>(top)});
        }
    }

    // A due date (plus grace) must fall before the next period's due date.
    void check_schedule(const fs::path& f, const yaml::Node& at, const ReportSchedule& s) {
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

    void load_units(const fs::path& f, const yaml::Node& list) {
        if (!list.IsSequence()) fail(f, list, "units must be a list");
        // each unit on its own: one run names every unit that is wrong
        for (const auto& n : list)
            collecting([&] {
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
                        check_map(f, x, "receiver",
                                  {"email", "webhook", "format", "secret_file", "max_alerts",
                                   "at_mobiles", "at_user_ids", "at_all", "keyword",
                                   "rate_per_minute", "rate_per_second"});
                        Receiver rc;
                        rc.defined_at = yaml::where(f, x);
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
                                fail(
                                    f, x["webhook"],
                                    "webhook must be an http:// or https:// URL with a host, not " +
                                        redact_url(rc.webhook));
                            if (rc.format.empty()) rc.format = "generic";
                            if (rc.format != "generic" && rc.format != "dingtalk" &&
                                rc.format != "wecom" && rc.format != "feishu")
                                fail(f, x["format"],
                                     "webhook format must be one of generic, dingtalk, wecom, "
                                     "feishu");
                        }
                        read_robot_options(f, x, rc);
                        u.receivers.push_back(std::move(rc));
                    }
                }
                if (auto [it, ok] = unit_ids_.emplace(u.id, u.defined_at); !ok)
                    fail(f, n["id"],
                         "duplicate unit id '" + u.id + "' (first at " + it->second + ")");
                const auto idx = plan_.units.size();
                add_name(f, n["name"], u.name, idx);
                if (auto a = n["aliases"]) {
                    std::size_t i = 0;
                    for (const auto& x : a) add_name(f, x, u.aliases[i++], idx);
                }
                plan_.unit_index[u.id] = idx;
                plan_.units.push_back(std::move(u));
            });
    }

    void add_name(const fs::path& f, const yaml::Node& at, const std::string& name,
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

    // The unit a task names (by name, alias or id), a group as itself.
    const Unit& unit_named(const fs::path& f, const yaml::Node& n) {
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
        return plan_.units[it->second.first];
    }

    // Resolves a unit as written in a task to unit ids, expanding groups with members.
    std::vector<std::string> resolve_unit(const fs::path& f, const yaml::Node& n) {
        const Unit& u = unit_named(f, n);
        if (u.members.empty()) return {u.id};
        return u.members;
    }

    // What to write instead of a group with members as the owner of figures: never a silent
    // choice between one member, each member and the group's collector.
    static std::string group_lead_hint(const Unit& g, const std::string& written,
                                       std::string_view key) {
        std::string ids;
        for (std::size_t i = 0; i < g.members.size() && i < 3; ++i)
            ids += (i ? ", " : "") + g.members[i];
        if (g.members.size() > 3) ids += ", ...";
        return std::string(key) + " '" + written + "' is a group of " +
               std::to_string(g.members.size()) + " units (" + ids +
               "): write 'per_member: true' if each of them owes its own figures "
               "(各县(市、区)分别), 'joint_leads: [" +
               written +
               "]' if each leads its own part of the task (分别牵头), or name as lead the one "
               "unit that collects the figures";
    }

    std::vector<std::string> resolve_list(const fs::path& f, const yaml::Node& n,
                                          std::string_view what) {
        if (!n.IsSequence()) fail(f, n, std::string(what) + " must be a list of unit names");
        std::vector<std::string> out;
        for (const auto& x : n)
            for (auto& id : resolve_unit(f, x))
                if (std::find(out.begin(), out.end(), id) == out.end()) out.push_back(id);
        return out;
    }

    void load_tasks(const fs::path& f, const yaml::Node& list) {
        if (!list.IsSequence()) fail(f, list, "tasks must be a list");
        for (const auto& n : list) collecting([&] { load_task(f, n); });
    }

    void load_task(const fs::path& f, const yaml::Node& n) {
        check_map(f, n, "task",
                  {"number", "ref", "section", "text", "lead", "joint_leads", "per_member", "co",
                   "writers", "leader", "indicators"});
        Task t;
        t.defined_at = yaml::where(f, n);
        ++task_position_;
        const bool numbered = n["number"].IsDefined();
        if (numbered) {
            auto num = yaml::integer(f, n["number"], "task number");
            if (num < 1 || num > 100000) fail(f, n["number"], "task number must be positive");
            t.number = static_cast<int>(num);
        } else {
            // no number: its place in the plan, so metrics and the API keep a stable label
            t.number = task_position_;
        }
        if (auto [it, ok] = task_at_.emplace(
                t.number, t.defined_at + (numbered ? "" : " (its place in the plan)"));
            !ok)
            fail(f, numbered ? n["number"] : n,
                 "duplicate task number " + std::to_string(t.number) +
                     (numbered ? ""
                               : " (this task has no 'number': it takes its place in "
                                 "the plan; give it a number)") +
                     " (first at " + it->second + ")");
        if (n["ref"].IsDefined()) {
            t.ref = yaml::scalar(f, n["ref"], "task ref");
            if (t.ref.empty()) fail(f, n["ref"], "task ref must not be empty");
            if (auto [it, ok] = ref_at_.emplace(t.ref, yaml::where(f, n["ref"])); !ok)
                fail(f, n["ref"],
                     "duplicate task ref '" + t.ref + "' (first at " + it->second + ")");
        }
        if (n["leader"].IsDefined()) t.leader = leader(f, n["leader"]);
        t.section = n["section"] ? yaml::scalar(f, n["section"], "section") : "";
        t.text = yaml::scalar(f, yaml::required(f, n, "text", "task"), "task text");
        if (n["lead"] && n["joint_leads"])
            fail(f, n["joint_leads"], "a task has either 'lead' or 'joint_leads', not both");
        const bool per_member =
            n["per_member"].IsDefined() && yaml::boolean(f, n["per_member"], "per_member");
        if (per_member && !n["lead"].IsDefined())
            fail(f, n["per_member"],
                 "per_member: true needs 'lead:' a group with members (各县(市、区)政府)");
        if (auto l = n["lead"]) {
            const Unit& u = unit_named(f, l);
            if (!u.members.empty() && !per_member)
                fail(f, l, group_lead_hint(u, l.Scalar(), "lead"));
            if (per_member && u.members.empty())
                fail(f, n["per_member"],
                     "per_member: true needs a lead that is a group with members; '" + l.Scalar() +
                         "' " +
                         (u.kind == UnitKind::group ? "lists no members yet" : "is not a group"));
            t.leads = {u.id};
            t.per_member = per_member;
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
            for (const auto& x : list2) add_loaded(f, x, load_indicator(f, x, t), t);
        } else {
            // No number: a progress report is owed; with joint leads (分别牵头) each
            // lead owes its own.
            for (const auto& lead : t.leads) {
                Indicator ind;
                char key[32];
                std::snprintf(key, sizeof key, "task%03d_report", t.number);
                ind.key = t.joint ? std::string(key) + "_" + lead : std::string(key);
                ind.name = "任务" + std::to_string(t.number) + "进展报告";
                if (t.joint) ind.name += "(" + plan_.units[plan_.unit_index.at(lead)].name + ")";
                ind.measure = "%";
                ind.rule = rule::Report{};
                ind.schedule = plan_.report_defaults;
                ind.task = t.number;
                ind.lead_unit = lead;
                ind.leader = t.leader;
                ind.writers = writers_of(t, {}, lead);
                ind.defined_at = source_at(f, n);  // the task's place
                check_key_unique(f, n, ind.key);
                const Unit* group =
                    t.per_member ? &plan_.units[plan_.unit_index.at(lead)] : nullptr;
                add_loaded(f, n, Loaded{std::move(ind), group, nullptr}, t);
            }
        }
        plan_.tasks.push_back(std::move(t));
    }

    /// A `writers:` list: unit strings (groups expand) that must each be one of the task's
    /// leads or co-units.
    std::vector<std::string> load_writers(const fs::path& f, const yaml::Node& n, const Task& t) {
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

    /// Where `n` is written; one shared copy of each file's name (SourceAt).
    SourceAt source_at(const fs::path& f, const yaml::Node& n) {
        if (!source_name_ || *source_name_ != f.native())
            source_name_ = std::make_shared<const std::string>(f.string());
        const auto m = n.Mark();
        if (m.is_null()) return {source_name_, 0, 0};
        return {source_name_, static_cast<std::uint32_t>(m.line + 1),
                static_cast<std::uint32_t>(m.column + 1)};
    }

    /// The keys so far are the plan's index (a member's series, `<key>@<unit>`, cannot collide:
    /// '@' is no key character); an index apart, with a copy of each key and place, was a tenth
    /// of a 100,000-indicator load.
    void check_key_unique(const fs::path& f, const yaml::Node& at, const std::string& key) {
        if (auto it = plan_.indicator_index.find(key); it != plan_.indicator_index.end())
            fail(f, at,
                 "duplicate indicator key '" + key + "' (first at " +
                     plan_.indicators[it->second].defined_at.text() + ")");
    }

    void add_indicator(Indicator ind, Task& t) {
        t.indicators.push_back(plan_.indicators.size());
        plan_.indicator_index[ind.key] = plan_.indicators.size();
        plan_.indicators.push_back(std::move(ind));
    }

    /// An indicator as read, and the group whose members each owe it (per_member), if any.
    struct Loaded {
        Indicator ind;
        const Unit* group = nullptr;
        const RuleSyntax* syntax = nullptr;
    };

    /// Adds an indicator; a per-member one becomes its roll-up (the key as written, lead_unit
    /// the group, no series of its own) followed by one series per member, keyed
    /// `<key>@<member id>`, led by the member: storage, evaluation, alerts and metrics then
    /// treat each member's series like any indicator.
    void add_loaded(const fs::path& f, const yaml::Node& at, Loaded l, Task& t) {
        const auto first = plan_.indicators.size();
        if (l.syntax && l.syntax->resolve) resolve_nodes_.push_back({&f, at, first, l.syntax});
        if (!l.group) {
            add_indicator(std::move(l.ind), t);
            return;
        }
        if (l.ind.derived())
            fail(f, at,
                 "an expression indicator cannot be per member: give each member a series of "
                 "its own kind (threshold, cumulative...) instead");
        const Unit& g = *l.group;
        Indicator rollup = l.ind;
        rollup.lead_unit = g.id;
        rollup.writers.clear();
        for (std::size_t i = 0; i < g.members.size(); ++i) rollup.members.push_back(first + 1 + i);
        add_indicator(std::move(rollup), t);
        for (const auto& m : g.members) {
            Indicator one = l.ind;
            one.key = l.ind.key + "@" + m;
            one.name = l.ind.name + "(" + plan_.units[plan_.unit_index.at(m)].name + ")";
            one.lead_unit = m;
            one.member_of = l.ind.key;
            // a member reports its own series only: the other members are no writers of it
            std::erase_if(one.writers, [&](const std::string& w) {
                return std::find(g.members.begin(), g.members.end(), w) != g.members.end();
            });
            if (l.syntax && l.syntax->resolve)
                resolve_nodes_.push_back({&f, at, plan_.indicators.size(), l.syntax});
            add_indicator(std::move(one), t);
        }
    }

    std::string leader(const fs::path& f, const yaml::Node& n) {
        auto s = yaml::scalar(f, n, "leader");
        if (s.empty()) fail(f, n, "leader must not be empty (omit the key instead)");
        return s;
    }

    static bool has(const std::vector<std::string>& v, const std::string& id) {
        return std::find(v.begin(), v.end(), id) != v.end();
    }

    const RuleSyntax& syntax_of(const fs::path& f, const yaml::Node& at, const std::string& kind) {
        for (const auto* k : kinds_)
            if (k->name == kind) return *k;
        std::string names;
        for (const auto* k : kinds_) names += (names.empty() ? "" : ", ") + std::string(k->name);
        fail(f, at, "unknown indicator kind '" + kind + "' (one of " + names + ")");
    }

    /// The keys an indicator of this kind may have: built once per kind (it was two
    /// allocations per indicator).
    const std::vector<std::string_view>& indicator_keys(const RuleSyntax& syntax) {
        auto [it, added] = indicator_keys_.try_emplace(&syntax);
        if (added) {
            it->second = {"key",  "name",   "kind",       "measure", "cadence",   "ytd",
                          "due",  "grace",  "remind",     "lead",    "notify_co", "writers",
                          "note", "leader", "per_member", "skip",    "review",    "review_due"};
            it->second.insert(it->second.end(), syntax.keys.begin(), syntax.keys.end());
        }
        return it->second;
    }

    Loaded load_indicator(const fs::path& f, const yaml::Node& n, const Task& t) {
        if (!n.IsMap()) fail(f, n, "indicator must be a mapping");
        const auto kind = yaml::scalar(f, yaml::required(f, n, "kind", "indicator"), "kind");
        const RuleSyntax& syntax = syntax_of(f, n["kind"], kind);
        const auto& allowed = indicator_keys(syntax);
        for (const auto& kv : n) {
            const auto k = kv.first.scalar_view();
            if (std::find(allowed.begin(), allowed.end(), k) == allowed.end())
                fail(f, kv.first, "unknown key '" + std::string(k) + "' in " + kind + " indicator");
        }
        check_map(f, n, "indicator", allowed);

        Indicator ind;
        ind.defined_at = source_at(f, n);
        ind.key = yaml::scalar(f, yaml::required(f, n, "key", "indicator"), "indicator key");
        if (!is_id(ind.key))
            fail(f, n["key"], "indicator key must match [a-z][a-z0-9_]*, got '" + ind.key + "'");
        check_key_unique(f, n["key"], ind.key);
        ind.name = n["name"] ? yaml::scalar(f, n["name"], "name") : ind.key;
        if (n["measure"]) ind.measure = yaml::scalar(f, n["measure"], "measure");
        ind.task = t.number;
        ind.schedule = syntax.report_schedule ? plan_.report_defaults : plan_.defaults;
        schedule_keys(f, n, ind.schedule);
        if (n["cadence"] || n["due"] || n["grace"]) check_schedule(f, n, ind.schedule);
        if (n["skip"] && ind.schedule.cadence != Cadence::month)
            fail(f, n["skip"], "skip applies to monthly indicators only (cadence: month)");
        if (n["ytd"]) ind.ytd = yaml::boolean(f, n["ytd"], "ytd");
        if (n["notify_co"]) ind.notify_co = yaml::boolean(f, n["notify_co"], "notify_co");
        if (n["note"]) ind.note = yaml::scalar(f, n["note"], "note");
        ind.leader = n["leader"].IsDefined() ? leader(f, n["leader"]) : t.leader;
        // The owner: the task's lead (its first joint lead), or any unit of the task that
        // delivers the figure (a lead or a co-unit, a member of a per-member lead group).
        ind.lead_unit = t.leads.front();
        const Unit* group =
            t.per_member ? &plan_.units[plan_.unit_index.at(t.leads.front())] : nullptr;
        if (auto l = n["lead"]) {
            const Unit& u = unit_named(f, l);
            bool of_task = has(t.leads, u.id) || has(t.co, u.id) ||
                           (t.per_member && has(group->members, u.id));
            if (!u.members.empty() && !has(t.leads, u.id))
                of_task = std::all_of(u.members.begin(), u.members.end(), [&](const auto& m) {
                    return has(t.leads, m) || has(t.co, m);
                });
            if (!of_task)
                fail(f, l,
                     "indicator lead '" + l.Scalar() + "' is not a unit of task " +
                         std::to_string(t.number) + " (one of its leads or co-units)");
            ind.lead_unit = u.id;
            group = u.members.empty() ? nullptr : &u;
        }
        if (const auto p = n["per_member"]; p.IsDefined()) {
            const bool per_member = yaml::boolean(f, p, "per_member");
            if (per_member && !group)
                fail(f, p,
                     "per_member: true needs a lead that is a group with members; '" +
                         plan_.units[plan_.unit_index.at(ind.lead_unit)].name +
                         "' is not (name the group with 'lead:')");
            if (!per_member && group)
                fail(f, p,
                     "per_member: false needs one owner: name the member or the unit that "
                     "collects the figure with 'lead:'");
        } else if (group && !(t.per_member && group->id == t.leads.front())) {
            fail(f, n["lead"], group_lead_hint(*group, n["lead"].Scalar(), "indicator lead"));
        }
        ind.writers = writers_of(
            t, n["writers"] ? load_writers(f, n["writers"], t) : std::vector<std::string>{},
            ind.lead_unit);
        const auto by_kind = plan_.review_by_kind.find(kind);
        ind.review =
            by_kind == plan_.review_by_kind.end() ? plan_.review_defaults : by_kind->second;
        // a default that names the indicator's own lead unit: the office reviews it instead
        // (the statistics bureau's own figures), as a unit never reviews its own values
        if (ind.review.by == ReviewRule::By::unit && ind.review.unit == ind.lead_unit &&
            !n["review"]) {
            ind.review.by = ReviewRule::By::office;
            ind.review.unit.clear();
        }
        review_keys(f, n, ind.review);
        if (ind.review.by == ReviewRule::By::unit && ind.review.unit == ind.lead_unit)
            fail(f, n["review"] ? n["review"] : n,
                 "indicator '" + ind.key + "' is reviewed by its own lead unit '" +
                     ind.review.unit +
                     "': a unit never reviews its own values (name another unit, or review: "
                     "office)");

        syntax.parse(f, n, ind);
        return Loaded{std::move(ind), group, &syntax};
    }

    // Checks of the rules that need the whole plan (an expression's inputs).
    void resolve_rules() {
        for (const auto& r :
             resolve_nodes_)  // no structured bindings: clang 14 cannot capture them
            collecting([&] {
                auto& ind = plan_.indicators[r.indicator];
                r.syntax->resolve(*r.file, r.node, ind, plan_);
                const auto* e = std::get_if<rule::Expression>(&ind.rule);
                for (const auto& in : e ? e->inputs : std::vector<std::string>{})
                    if (const auto* input = plan_.find_indicator(in); input && input->rollup())
                        fail(*r.file, r.node["expr"],
                             "expression input '" + in +
                                 "' is per member (each member has its own series): an expression "
                                 "cannot read it");
            });
    }

    struct MemberNode {
        fs::path file;
        yaml::Node node;
        std::size_t unit;
    };
    struct ResolveNode {
        const fs::path* file;  ///< a Source's: not a copy per indicator (5 % of a 100,000 load)
        yaml::Node node;
        std::size_t indicator;  ///< index into plan_.indicators
        const RuleSyntax* syntax;
    };

    std::span<const RuleSyntax* const> kinds_;
    std::string scoring_at_;  ///< where the `scoring:` section is, once read
    /// the plan's `defaults:` when they hold `review` or `review_due`
    std::optional<std::pair<fs::path, yaml::Node>> review_defaults_at_;
    std::vector<Source> sources_;
    std::vector<std::string> errors_;  // kept by collecting(), thrown together
    bool stopping_ = false;            // throw_errors() is under way
    Plan plan_;
    std::shared_ptr<const std::string> source_name_;
    std::map<const RuleSyntax*, std::vector<std::string_view>> indicator_keys_;
    std::map<std::string, std::pair<std::size_t, std::string>> names_;
    std::map<std::string, std::string> unit_ids_;
    std::map<int, std::string> task_at_;
    std::map<std::string, std::string> ref_at_;
    int task_position_ = 0;
    std::vector<MemberNode> member_nodes_;
    std::vector<ResolveNode> resolve_nodes_;
    bool members_checked_ = false;
};

}  // namespace

Plan load_plan(const std::vector<fs::path>& paths, std::span<const RuleSyntax* const> kinds) {
    return Loader{kinds}.load(paths);
}

Op yaml_op(const fs::path& f, const yaml::Node& n, Op fallback) {
    if (!n) return fallback;
    auto op = parse_op(yaml::scalar(f, n, "op"));
    if (!op && n.Scalar().empty())
        fail(f, n,
             "op is empty: an unquoted > starts a YAML block text; quote the operator: op: \">\"");
    if (!op) fail(f, n, "op must be one of >=, <=, >, <, ==, between, got '" + n.Scalar() + "'");
    return *op;
}

date::year_month_day yaml_date(const fs::path& f, const yaml::Node& n, std::string_view what) {
    auto d = parse_date(yaml::scalar(f, n, what));
    if (!d)
        fail(f, n, std::string(what) + " must be a date like 2023-12-31, got '" + n.Scalar() + "'");
    return *d;
}

}  // namespace indicatord
