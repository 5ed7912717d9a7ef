#pragma once

#include <date/date.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

#include "model/period.hpp"
#include "model/review.hpp"
#include "util/string_map.hpp"

namespace indicatord {

/// An offset after a period ends: calendar days ("20d") or working days ("10wd").
struct DayOffset {
    int days = 0;
    bool working_days = false;
    std::string text() const;
};

/// When an indicator's values are owed.
struct ReportSchedule {
    Cadence cadence = Cadence::quarter;
    DayOffset due{20, false};
    DayOffset grace{5, false};
    DayOffset remind{3, false};
    /// Months with no separate report (`skip: ["01"]`: January is published with February as
    /// 1-2月): bit m set for month m. Only for monthly cadence.
    unsigned skip_months = 0;
    bool skips(int month) const { return (skip_months >> month) & 1U; }
};

enum class UnitKind { department, county, zone, company, agency, group, other };
std::string_view to_string(UnitKind kind);

struct Receiver {
    std::string email;    ///< set for an email receiver
    std::string webhook;  ///< set for a webhook receiver
    std::string format;   ///< generic | dingtalk | wecom | feishu
    std::string secret_file;
    /// generic: at most this many alerts per message, the rest counted in truncatedAlerts
    /// (Alertmanager's max_alerts); 0: all
    std::size_t max_alerts = 0;
    /// dingtalk: whom the message mentions (the `at` object)
    std::vector<std::string> at_mobiles;
    std::vector<std::string> at_user_ids;
    bool at_all = false;
    /// dingtalk: the robot's security keyword (自定义关键词), checked against the templates at load
    std::string keyword;
    std::string keyword_at;  ///< file:line:col of `keyword:`
    /// robots: this receiver's limits for its robot URL; 0: the format's default (robot_pacing)
    int rate_per_minute = 0;
    int rate_per_second = 0;
    std::string defined_at;  ///< file:line:col of the receiver
};

/// A responsible unit (department, county government, company...) or a group of them.
struct Unit {
    std::string id;
    std::string name;
    std::vector<std::string> aliases;
    UnitKind kind = UnitKind::department;
    std::vector<std::string> members;  ///< unit ids, for groups
    std::string note;
    std::vector<Receiver> receivers;
    std::string defined_at;  ///< file:line:col
};

enum class Op { ge, le, gt, lt, eq, between };
std::optional<Op> parse_op(std::string_view text);
std::string_view to_string(Op op);
/// Whether `value` satisfies `op` against `target` (and `high` for between).
bool compare(Op op, double value, double target, double high = 0);

/// How an input series of a derived rule is reported, copied from its indicator at load: a
/// derived rule compares its inputs like-for-like (the same stretch of time) with it.
struct SeriesShape {
    ReportSchedule schedule;
    bool ytd = false;
};

namespace rule {
/// Which side of an "about" (左右) target may be missed by more than the tolerance.
enum class Direction { at_least, at_most, both };
std::string_view to_string(Direction direction);

struct Threshold {
    Op op = Op::ge;
    double target = 0;
    double high = 0;  ///< upper bound, for between
    /// `op: about` (左右): `target` give or take `tolerance`, held in `direction`.
    bool about = false;
    Direction direction = Direction::at_least;
    std::optional<double> tolerance;  ///< about: nullopt until resolved (plan.defaults.tolerance)
    /// 确保X、力争Y: `target` is the floor X, `stretch` the stretch Y (same op, >= or <=).
    std::optional<double> stretch;
    /// false (力争 alone): a shortfall in the final period is at_risk, not missed.
    bool firm = true;
};
struct Cumulative {
    double target = 0;
    std::vector<std::pair<Period, double>> trajectory;  ///< empty: linear
    double tolerance = 10;                              ///< percent below expected still on track
};
struct Milestone {
    date::year_month_day by;
    Op op = Op::ge;
    double value = 0;
};
struct Milestones {
    std::vector<Milestone> milestones;
};
struct Expression {
    std::string expr;
    std::vector<std::string> inputs;  ///< indicator keys the expression names
    std::vector<SeriesShape> shapes;  ///< of each input, filled at load
};
struct Achievement {
    date::year_month_day deadline;
};
struct Baseline {
    Op op = Op::lt;
    std::optional<double> baseline;  ///< nullopt: the previous year's reported value
    /// `from: plan:key`: the series holding the previous year's value when the indicator's own
    /// has none: written by the plan, or the same key in the previous year's plan (several
    /// plans in one daemon); the combined plan's key, empty: none.
    std::string from;
    std::optional<double> change;      ///< points added to the baseline (提高1.5个百分点)
    std::optional<double> change_pct;  ///< percent added to the baseline (增长10%)
    std::optional<double> tolerance;   ///< for == (持平): nullopt until resolved
};
struct Rank {
    Op op = Op::le;
    double target = 1;
    int peers = 0;
    std::string tier;  ///< a tier of plan.tiers (第一方阵): target is its top N
};
enum class RelationType { in_step, faster_than, not_below };
std::string_view to_string(RelationType type);
/// One reported series against another for the same period (同步, 快于, 不低于平均).
struct Relation {
    RelationType type = RelationType::in_step;
    std::string subject;                  ///< indicator key judged
    std::string of;                       ///< indicator key it is held against (the reference)
    double tolerance = 0;                 ///< in_step: how far below the reference still counts
    std::optional<double> above;          ///< in_step: how far above still counts (unset: any)
    SeriesShape subject_shape, of_shape;  ///< filled at load
};
struct Report {};
struct Value {};
}  // namespace rule

using Rule = std::variant<rule::Threshold, rule::Cumulative, rule::Milestones, rule::Expression,
                          rule::Achievement, rule::Baseline, rule::Rank, rule::Report, rule::Value,
                          rule::Relation>;

/// The kind's name in YAML. Defined with the table of kinds (eval/kinds/registry.cpp), which
/// lists each kind's parsing, evaluation, reason text, JSON and ingest checks.
std::string_view kind_name(const Rule& rule);

/// One measured target (or report obligation) of a task.
/// Where an entry is written in the rules: "file:line:column" (1-based, as yaml::where prints
/// it; the file alone without a position). The file's name is shared by every entry of a file:
/// a plan of 100,000 indicators held 100,000 copies of it (11 MB, twice during a reload).
struct SourceAt {
    std::shared_ptr<const std::string> file;
    std::uint32_t line = 0;  ///< 0: no position
    std::uint32_t column = 0;
    std::string text() const;
};

struct Indicator {
    std::string key;
    std::string name;
    std::string measure;  ///< measure unit: %, 个, 亿元 ...
    Rule rule;
    ReportSchedule schedule;
    bool ytd = false;        ///< reported values are cumulative year-to-date
    bool notify_co = false;  ///< co-units receive its alerts too
    int task = 0;            ///< task number
    std::size_t plan = 0;    ///< index into Plan::plans (several plans in one daemon)
    std::string lead_unit;   ///< id of the owning lead unit
    /// Other units that may report its values (`writers:` of the indicator and of its task),
    /// without lead_unit. By default only the lead unit reports.
    std::vector<std::string> writers;
    std::string note;
    std::string leader;  ///< responsible leader (责任领导), free text: its own or its task's
    /// One member's series of a per-member indicator (各县(市、区)分别): the key of its roll-up.
    /// Its key is `<roll-up key>@<member unit id>` and lead_unit is the member.
    std::string member_of;
    /// The roll-up of a per-member indicator: indexes of its members' series, in the group's
    /// order. A roll-up has no series of its own; its lead_unit is the group.
    std::vector<std::size_t> members;
    /// Who reviews its values before they count (`review:`, model/review.hpp).
    ReviewRule review;
    SourceAt defined_at;

    bool derived() const {
        return std::holds_alternative<rule::Expression>(rule) ||
               std::holds_alternative<rule::Relation>(rule);
    }
    bool rollup() const { return !members.empty(); }
};

/// A numbered task of the plan with its responsible units (ids, groups expanded).
struct Task {
    int number = 0;        ///< `number:`, or its place in the plan (1-based) when it has none
    std::size_t plan = 0;  ///< index into Plan::plans
    std::string ref;  ///< the reference as the plan prints it ("四-1", "(三)5"), may be empty
    std::string section;
    std::string text;
    std::vector<std::string> leads;  ///< one lead, or each joint lead (分别牵头)
    bool joint = false;
    /// `per_member: true`: the lead is a group whose members each owe their own figures
    /// (各县(市、区)分别); leads holds the group's id.
    bool per_member = false;
    std::string leader;  ///< responsible leader (责任领导), free text
    std::vector<std::string> co;
    std::vector<std::string> writers;     ///< `writers:`: units that may report every indicator
    std::vector<std::size_t> indicators;  ///< indexes into Plan::indicators
    std::string defined_at;
};

/// One plan of the daemon: its header. A daemon runs one plan or several (a city's plans of
/// several years, a city's and a county's); with several, every indicator's key is qualified by
/// its plan's id (`lishui-2024:gdp_growth`).
struct PlanInfo {
    std::string id;
    std::string name;
    int year = 0;
    int last_year = 0;  ///< the plan's last year: `year: 2021-2025` spans five
    std::string source;
    std::string previous;    ///< `previous:` the id of the previous year's plan, may be empty
    std::string defined_at;  ///< file:line:col of its `plan:` section
};

/// A loaded, validated plan, or several plans combined into one (`plans`): units are shared by
/// id, tasks and indicators carry the index of their plan. Immutable once built; shared as
/// shared_ptr<const Plan>.
struct Plan {
    std::string id;
    std::string name;
    int year = 0;       ///< the (first) year of the plan
    int last_year = 0;  ///< the last year of a plan spanning several (`year: 2021-2025`); 0: year
    std::string timezone;
    std::string source;
    ReportSchedule defaults;
    ReportSchedule report_defaults;
    /// `defaults.tolerance`: what 左右 and 持平 allow, in the indicator's measure, where the
    /// indicator does not say.
    std::optional<double> tolerance;
    /// `tiers:` the plan's words for ranks (第一方阵 = top 3), in the order written.
    struct Tier {
        std::string name;
        int top = 1;
    };
    std::vector<Tier> tiers;
    /// `defaults.review` / `defaults.review_due`: who reviews values where an indicator does not
    /// say.
    ReviewRule review_defaults;
    /// `defaults.review` as a map of indicator kinds to reviewers: kind name -> rule (the kinds
    /// not listed take `review_defaults`, the map's `other`).
    std::map<std::string, ReviewRule> review_by_kind;
    std::vector<Unit> units;
    std::vector<Task> tasks;
    std::vector<Indicator> indicators;
    /// Every plan of the daemon, in the order of `rules:`; one for a single plan (id, name, year
    /// above are the first plan's).
    std::vector<PlanInfo> plans;

    const Indicator* find_indicator(std::string_view key) const;
    const Unit* find_unit(std::string_view id) const;
    /// The task of that number in the first (or only) plan.
    const Task* find_task(int number) const;
    /// The task of that number in plan `plan` (an index into `plans`).
    const Task* find_task(std::size_t plan, int number) const;
    const Task* task_of(const Indicator& ind) const { return find_task(ind.plan, ind.task); }
    /// The year and id of the indicator's plan (the plan's own when built by hand, without
    /// `plans`).
    int year_of(const Indicator& ind) const {
        return ind.plan < plans.size() ? plans[ind.plan].year : year;
    }
    int last_year_of(const Indicator& ind) const {
        return ind.plan < plans.size() ? plans[ind.plan].last_year : (last_year ? last_year : year);
    }
    const std::string& id_of(const Indicator& ind) const {
        return ind.plan < plans.size() ? plans[ind.plan].id : id;
    }
    bool several() const { return plans.size() > 1; }
    /// The last year of this plan (of the first plan when combined).
    int end_year() const { return last_year ? last_year : year; }
    bool spans(int y) const { return y >= year && y <= end_year(); }
    /// "2023", or "2021-2025" for a plan spanning several years.
    std::string years_text() const {
        return std::to_string(year) + (end_year() != year ? "-" + std::to_string(end_year()) : "");
    }
    /// Index of the indicator in `indicators`, or -1. With several plans a key is `plan:key`,
    /// or the bare key where only one plan has it.
    long index_of(std::string_view key) const;
    /// Several plans: the plans that have this bare key (`gdp_growth`) when more than one does,
    /// else empty. A value for such a key is routed by its period's year (`resolve`).
    std::vector<std::size_t> plans_with(std::string_view bare_key) const;
    /// index_of, and for a bare key several plans share, the one plan of that year; -1 if none
    /// or still ambiguous.
    long resolve(std::string_view key, int year) const;
    /// The error for a key index_of does not find: unknown, or which plans share it.
    std::string unknown(std::string_view key) const;

    /// Looked up on every reported value: an open-addressing table, by string_view.
    StringMap<std::size_t> indicator_index;
    StringMap<std::size_t> unit_index;
    /// (plan index << 32 | task number) -> index into tasks
    std::unordered_map<std::uint64_t, std::size_t> task_index;
    /// several plans: bare keys that more than one plan has -> those plans' indexes
    std::unordered_map<std::string, std::vector<std::size_t>> shared_keys;

    static std::uint64_t task_key(std::size_t plan, int number) {
        return (static_cast<std::uint64_t>(plan) << 32) | static_cast<std::uint32_t>(number);
    }
};

/// "plan lishui-2023", or "3 plans: city-2023 (2023), city-2024 (2024), county-2024 (2024)".
std::string plans_text(const Plan& plan);

/// The key within its plan: `gdp_growth` of `lishui-2024:gdp_growth` (a bare key unchanged).
std::string_view local_key(std::string_view key);

/// Loads every *.yaml file under each path (a file or a directory, sorted by name) into one
/// validated plan. Throws ConfigError "file:line:col: message". Defined with the table of kinds
/// (eval/kinds/registry.cpp): the loader of config/plan_loader.hpp with every rule kind.
Plan load_plan(const std::vector<std::filesystem::path>& paths);

}  // namespace indicatord
