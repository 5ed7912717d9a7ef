// An independent check of the bundled Lishui 2023 plan (rules/lishui-2023) against the seed:
// structure, a few known responsibility roles, and every quantitative target of the seed as
// listed in tests/data/lishui-2023-targets.yaml (written from the seed, not from rules/).

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "http/plan_json.hpp"
#include "model/plan.hpp"

using namespace indicatord;

namespace {

const std::string kPlanDir = INDICATORD_TEST_DATA "/../../rules/lishui-2023";
const std::string kTargets = INDICATORD_TEST_DATA "/lishui-2023-targets.yaml";

const Plan& lishui_plan() {
    static const Plan plan = load_plan({kPlanDir});
    return plan;
}

/// The id of the unit whose name or one of whose aliases is exactly `name`; "" if none.
std::string unit_id(const Plan& plan, const std::string& name) {
    for (const auto& u : plan.units) {
        if (u.name == name) return u.id;
        if (std::find(u.aliases.begin(), u.aliases.end(), name) != u.aliases.end()) return u.id;
    }
    return {};
}

std::vector<std::string> unit_ids(const Plan& plan, const std::vector<std::string>& names) {
    std::vector<std::string> ids;
    for (const auto& n : names) {
        auto id = unit_id(plan, n);
        INFO("unit name " << n);
        CHECK_FALSE(id.empty());
        ids.push_back(id);
    }
    return ids;
}

const std::vector<std::string> kCountyNames = {"莲都区", "龙泉市", "青田县", "缙云县", "遂昌县",
                                               "松阳县", "云和县", "庆元县", "景宁县"};

/// Every number an indicator carries as a target: threshold target (and high), cumulative
/// target and trajectory values, milestone values, rank target, stated baseline.
std::vector<double> target_numbers(const Indicator& ind) {
    std::vector<double> out;
    const auto rule = rule_to_json(ind);
    for (const auto& t : rule.at("targets").as_array())
        out.push_back(t.as_object().at("value").to_number<double>());
    if (const auto* traj = rule.if_contains("trajectory"); traj && traj->is_object())
        for (const auto& [period, v] : traj->as_object()) out.push_back(v.to_number<double>());
    // The variant, visited directly, as a cross-check of the JSON (between's high bound etc.).
    std::visit(
        [&](const auto& r) {
            using T = std::decay_t<decltype(r)>;
            if constexpr (std::is_same_v<T, rule::Threshold>) {
                out.push_back(r.target);
                if (r.op == Op::between) out.push_back(r.high);
            } else if constexpr (std::is_same_v<T, rule::Cumulative>) {
                out.push_back(r.target);
                for (const auto& [p, v] : r.trajectory) out.push_back(v);
            } else if constexpr (std::is_same_v<T, rule::Milestones>) {
                for (const auto& m : r.milestones) out.push_back(m.value);
            } else if constexpr (std::is_same_v<T, rule::Baseline>) {
                if (r.baseline) out.push_back(*r.baseline);
            } else if constexpr (std::is_same_v<T, rule::Rank>) {
                out.push_back(r.target);
            }
        },
        ind.rule);
    return out;
}

bool same_number(double a, double b) {
    return std::fabs(a - b) <= 1e-9 * std::max(1.0, std::fabs(b));
}

std::string fmt(double v) {
    std::ostringstream s;
    s << v;
    return s.str();
}

}  // namespace

TEST_CASE("the Lishui 2023 plan loads with 203 tasks numbered 1..203", "[lishui]") {
    const Plan* plan = nullptr;
    REQUIRE_NOTHROW(plan = &lishui_plan());
    CHECK(plan->id == "lishui-2023");
    CHECK(plan->year == 2023);
    REQUIRE(plan->tasks.size() == 203);

    std::set<int> numbers;
    for (const auto& t : plan->tasks) numbers.insert(t.number);
    CHECK(numbers.size() == 203);
    CHECK(*numbers.begin() == 1);
    CHECK(*numbers.rbegin() == 203);
    for (int n = 1; n <= 203; ++n) {
        INFO("task " << n);
        const auto* t = plan->find_task(n);
        REQUIRE(t);
        CHECK(t->number == n);
        CHECK_FALSE(t->leads.empty());
        CHECK_FALSE(t->indicators.empty());  // indicators, or the implicit report
    }

    std::set<std::string> ids;
    for (const auto& u : plan->units) ids.insert(u.id);
    for (const auto& ind : plan->indicators) {
        INFO("indicator " << ind.key << " of task " << ind.task << ", lead_unit " << ind.lead_unit);
        CHECK(ids.count(ind.lead_unit) == 1);
        CHECK(plan->find_task(ind.task) != nullptr);
    }
}

TEST_CASE("Lishui 2023 known responsibility roles", "[lishui]") {
    const auto& plan = lishui_plan();
    const auto fgw = unit_id(plan, "市发改委");
    REQUIRE_FALSE(fgw.empty());

    SECTION("task 1: 市发改委 leads alone") {
        const auto* t = plan.find_task(1);
        REQUIRE(t);
        CHECK_FALSE(t->joint);
        CHECK(t->leads == std::vector<std::string>{fgw});
        for (auto i : t->indicators) CHECK(plan.indicators[i].lead_unit == fgw);
    }

    SECTION("task 6: 市人力社保局、市农业农村局分别牵头") {
        const auto* t = plan.find_task(6);
        REQUIRE(t);
        CHECK(t->joint);
        CHECK(t->leads == unit_ids(plan, {"市人力社保局", "市农业农村局"}));
        CHECK(t->co.empty());
        // each joint lead owns at least one indicator
        for (const auto& lead : t->leads) {
            INFO("joint lead " << lead);
            CHECK(std::any_of(t->indicators.begin(), t->indicators.end(),
                              [&](auto i) { return plan.indicators[i].lead_unit == lead; }));
        }
    }

    SECTION(
        "task 24: 市发改委、市自然资源局分别牵头, 市财政局、各县(市、区)政府、丽水开发区管委会 "
        "assist") {
        const auto* t = plan.find_task(24);
        REQUIRE(t);
        CHECK(t->joint);
        CHECK(t->leads == unit_ids(plan, {"市发改委", "市自然资源局"}));
        std::vector<std::string> co_names = {"市财政局"};
        co_names.insert(co_names.end(), kCountyNames.begin(), kCountyNames.end());
        co_names.push_back("丽水开发区管委会");
        auto expected = unit_ids(plan, co_names);
        auto co = t->co;
        std::sort(expected.begin(), expected.end());
        std::sort(co.begin(), co.end());
        CHECK(co == expected);
    }

    SECTION("task 4: 市发改委 leads (汇总), 11 co-units") {
        const auto* t = plan.find_task(4);
        REQUIRE(t);
        CHECK_FALSE(t->joint);
        CHECK(t->leads == std::vector<std::string>{fgw});
        CHECK(t->co.size() == 11);
        CHECK(t->co == unit_ids(plan, {"市经信局", "市科技局", "市财政局", "市自然资源局",
                                       "市生态环境局", "市建设局", "市交通运输局", "市水利局",
                                       "市农业农村局", "市文广旅体局", "市卫生健康委"}));
    }

    SECTION(
        "task 10: 各县(市、区)政府 expands to the nine counties; 丽水开发区管委会 is a co-unit") {
        const auto* t = plan.find_task(10);
        REQUIRE(t);
        CHECK_FALSE(t->joint);
        CHECK(t->leads == std::vector<std::string>{unit_id(plan, "市双招双引办")});
        std::vector<std::string> names = kCountyNames;
        names.push_back("丽水开发区管委会");
        names.push_back("市发改委");
        names.push_back("市经信局");
        for (const auto& id : unit_ids(plan, names)) {
            INFO("co-unit " << id);
            CHECK(std::count(t->co.begin(), t->co.end(), id) == 1);
        }
        // the group itself does not stay in the list, and the zone is not a county
        const auto group = unit_id(plan, "各县(市、区)政府");
        CHECK(std::count(t->co.begin(), t->co.end(), group) == 0);
        CHECK(t->co.size() == 2 + 9 + 1);
    }
}

TEST_CASE("every quantitative target of the Lishui 2023 seed is carried by the plan", "[lishui]") {
    const auto& plan = lishui_plan();
    const YAML::Node list = YAML::LoadFile(kTargets);
    REQUIRE(list.IsMap());
    REQUIRE(list.size() > 0);

    std::vector<std::string> missing;
    std::vector<std::string> scaled;  // matched only after expanding 万/亿 into a base unit
    std::size_t numbers_checked = 0;
    for (const auto& entry : list) {
        const int task_no = entry.first.as<int>();
        const auto wanted = entry.second.as<std::vector<double>>();
        const auto* task = plan.find_task(task_no);
        if (!task) {
            missing.push_back("task " + std::to_string(task_no) + ": no such task");
            continue;
        }
        // per indicator, the numbers it carries
        std::vector<std::pair<std::string, std::vector<double>>> carried;
        for (auto i : task->indicators)
            carried.emplace_back(plan.indicators[i].key, target_numbers(plan.indicators[i]));
        // An indicator measured in a base unit (元, 人, 个 ...: no 万 or 亿 in its measure) may
        // carry a number the seed writes with 万 or 亿 in full (task 53: 3万元 as 30000 元). Count
        // it, and say so.
        auto carries = [&](const Indicator& ind, const std::vector<double>& values, double w) {
            if (std::any_of(values.begin(), values.end(),
                            [&](double v) { return same_number(v, w); }))
                return true;
            const bool base_unit = ind.measure.find("万") == std::string::npos &&
                                   ind.measure.find("亿") == std::string::npos;
            if (!base_unit) return false;
            for (double scale : {1e4, 1e8})
                if (std::any_of(values.begin(), values.end(),
                                [&](double v) { return same_number(v, w * scale); })) {
                    scaled.push_back("task " + std::to_string(task_no) + ": " + fmt(w) +
                                     " carried as " + fmt(w * scale) + " " + ind.measure + " by " +
                                     ind.key);
                    return true;
                }
            return false;
        };

        // A number listed k times must be carried by k different indicators of the task.
        std::map<double, int> multiplicity;
        for (double w : wanted) ++multiplicity[w];
        for (const auto& [w, k] : multiplicity) {
            numbers_checked += k;
            int holders = 0;
            for (std::size_t j = 0; j < carried.size(); ++j)
                if (carries(plan.indicators[task->indicators[j]], carried[j].second, w)) ++holders;
            if (holders < k) {
                std::string have;
                for (const auto& [key, values] : carried) {
                    have += " " + key + "{";
                    for (std::size_t j = 0; j < values.size(); ++j)
                        have += (j ? "," : "") + fmt(values[j]);
                    have += "}";
                }
                missing.push_back("task " + std::to_string(task_no) + ": " + fmt(w) +
                                  (k > 1 ? " (needed by " + std::to_string(k) +
                                               " indicators, carried by " +
                                               std::to_string(holders) + ")"
                                         : "") +
                                  " — indicators:" + (have.empty() ? " none" : have));
            }
        }
    }

    std::string report;
    for (const auto& m : missing) report += "\n  " + m;
    std::string scaled_report;
    for (const auto& m : scaled) scaled_report += "\n  " + m;
    if (!scaled.empty())
        WARN("seed numbers carried in a base unit (万/亿 expanded):" << scaled_report);
    INFO("tasks listed: " << list.size() << ", numbers checked: " << numbers_checked);
    INFO("numbers of the seed missing from the plan (" << missing.size() << "):" << report);
    CHECK(missing.empty());
}
