#include "app/rule_checks.hpp"

#include <algorithm>
#include <ostream>

#include "app/rules.hpp"
#include "config/config.hpp"
#include "eval/engine.hpp"
#include "eval/ingest.hpp"
#include "eval/members.hpp"
#include "util/errors.hpp"
#include "util/yaml_util.hpp"

namespace indicatord {

namespace fs = std::filesystem;

namespace {

struct Value {
    IngestItem item;
    TimePoint at{};
};

struct Expectation {
    TimePoint at{};
    std::string at_text;
    std::vector<std::pair<std::size_t, Status>> statuses;
    std::string where;
};

TimePoint instant(const fs::path& f, const yaml::Node& n) {
    auto t = parse_instant(yaml::scalar(f, n, "at"));
    if (!t)
        yaml::fail(f, n,
                   "'at' must be an RFC 3339 instant like 2023-04-10T09:00:00+08:00, got '" +
                       n.Scalar() + "'");
    return *t;
}

}  // namespace

int run_rule_test(const fs::path& file, std::ostream& out) {
    auto root = yaml::load_file(file);
    yaml::check_map(file, root, "rule test", {"config", "values", "expect"});
    const auto config_node = yaml::required(file, root, "config", "rule test");
    fs::path config_path = yaml::scalar(file, config_node, "config");
    if (config_path.is_relative()) config_path = fs::absolute(file).parent_path() / config_path;
    const auto rules = load_rules(load_config(config_path));
    const Plan& plan = *rules.plan;

    const auto* zone = plan_zone(plan);
    std::vector<Value> values;
    if (auto list = root["values"]) {
        if (!list.IsSequence()) yaml::fail(file, list, "values must be a list");
        for (const auto& n : list) {
            yaml::check_map(file, n, "value", {"indicator", "period", "value", "at"});
            Value v;
            const auto key =
                yaml::scalar(file, yaml::required(file, n, "indicator", "value"), "indicator");
            const auto period =
                yaml::scalar(file, yaml::required(file, n, "period", "value"), "period");
            const double number =
                yaml::number(file, yaml::required(file, n, "value", "value"), "value");
            auto refused = check_value(plan, key, period, number, v.item);
            // no token here: a per-member indicator's value names its member
            if (refused.empty()) refused = assign_member(plan, "", v.item);
            if (!refused.empty()) yaml::fail(file, n, refused);
            v.at = instant(file, yaml::required(file, n, "at", "value"));
            // as the daemon would take it at `at`: a statistic only once its period has ended
            if (auto reason = check_report_time(plan, v.item, ReportTime{v.at, false}, zone);
                !reason.empty())
                yaml::fail(file, n, reason);
            values.push_back(v);
        }
    }
    std::vector<Expectation> expectations;
    auto list = yaml::required(file, root, "expect", "rule test");
    if (!list.IsSequence() || list.size() == 0)
        yaml::fail(file, list, "expect must be a non-empty list");
    for (const auto& n : list) {
        yaml::check_map(file, n, "expectation", {"at", "status"});
        Expectation e;
        e.where = yaml::where(file, n);
        e.at = instant(file, yaml::required(file, n, "at", "expectation"));
        e.at_text = n["at"].Scalar();
        auto st = yaml::required(file, n, "status", "expectation");
        if (!st.IsMap() || st.size() == 0)
            yaml::fail(file, st, "status must map indicator keys to statuses");
        for (const auto& kv : st) {
            const long idx = plan.index_of(kv.first.Scalar());
            if (idx < 0)
                yaml::fail(file, kv.first, "unknown indicator '" + kv.first.Scalar() + "'");
            auto s = parse_status(yaml::scalar(file, kv.second, "status"));
            if (!s)
                yaml::fail(file, kv.second,
                           "status must be one of pending, on_track, at_risk, missed, achieved, "
                           "overdue, no_data");
            e.statuses.emplace_back(static_cast<std::size_t>(idx), *s);
        }
        expectations.push_back(std::move(e));
    }

    std::stable_sort(values.begin(), values.end(),
                     [](const Value& a, const Value& b) { return a.at < b.at; });
    std::stable_sort(expectations.begin(), expectations.end(),
                     [](const Expectation& a, const Expectation& b) { return a.at < b.at; });
    Engine engine(rules.plan, rules.calendar);
    std::size_t next = 0;
    int failures = 0, checked = 0;
    for (const auto& e : expectations) {
        while (next < values.size() && values[next].at <= e.at) {
            const auto& v = values[next++];
            engine.record_next(v.item.indicator, v.item.period, v.item.value, v.at);
        }
        engine.evaluate_all(e.at);
        for (const auto& [idx, want] : e.statuses) {
            ++checked;
            const auto& got = engine.evaluation(idx);
            if (got.status == want) continue;
            ++failures;
            const auto& ind = plan.indicators[idx];
            out << "FAIL " << e.where << ": at " << e.at_text << " " << ind.key << ": expected "
                << to_string(want) << ", got " << to_string(got.status) << " ("
                << describe(ind, got) << ")\n";
        }
    }
    out << (failures ? "FAILED " : "ok ") << file.string() << ": " << checked - failures << "/"
        << checked << " expectations met\n";
    return failures;
}

}  // namespace indicatord
