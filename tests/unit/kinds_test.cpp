// The table of rule kinds (eval/kinds/registry): one entry per Rule alternative, and each kind
// parsed, evaluated and described through it.
#include <catch2/catch.hpp>
#include <fstream>
#include <set>
#include <utility>

#include "eval/ingest.hpp"
#include "eval/kinds/registry.hpp"
#include "test_util.hpp"
#include "util/errors.hpp"
#include "util/yaml_util.hpp"

using namespace indicatord;

namespace {

template <std::size_t... I>
std::vector<Rule> every_alternative(std::index_sequence<I...>) {
    return {Rule(std::in_place_index<I>)...};
}

std::vector<Rule> every_alternative() {
    return every_alternative(std::make_index_sequence<std::variant_size_v<Rule>>{});
}

TimePoint at(const char* rfc3339) {
    auto t = parse_instant(rfc3339);
    REQUIRE(t);
    return *t;
}

Series series_of(std::initializer_list<std::pair<const char*, double>> values) {
    Series s;
    for (const auto& [period, value] : values)
        s.put(Observation{*parse_period(period), value, 1, TimePoint{}});
    return s;
}

// Reads `yaml` (an indicator's own keys) through the kind named `name`, as the loader does.
Indicator parse(std::string_view name, const std::string& key, const std::string& yaml) {
    const auto* kind = kinds::find(name);
    REQUIRE(kind);
    Indicator ind;
    ind.key = key;
    kind->syntax.parse("kinds.yaml", yaml::parse("kinds.yaml", yaml), ind);
    return ind;
}

}  // namespace

TEST_CASE("every Rule alternative has a table entry whose name round-trips", "[kinds]") {
    const auto rules = every_alternative();
    REQUIRE(kinds::all().size() == rules.size());
    std::set<std::string_view> names;
    for (const auto& rule : rules) {
        INFO("alternative " << rule.index());
        const auto& kind = kinds::of(rule);
        CHECK(&kind == kinds::all()[rule.index()]);
        CHECK(kind_name(rule) == kind.syntax.name);
        CHECK(kinds::find(kind.syntax.name) == &kind);
        CHECK(kinds::syntaxes()[rule.index()] == &kind.syntax);
        CHECK(names.insert(kind.syntax.name).second);
        // every kind can be read and is either judged on its own series or derived
        CHECK(kind.syntax.parse != nullptr);
        CHECK((kind.judge != nullptr) != (kind.derive != nullptr));
        CHECK(kind.reason != nullptr);
        CHECK(kind.to_json != nullptr);
        // parsing gives back the same alternative
        if (kind.syntax.name != "expression") {
            const auto ind = parse(
                kind.syntax.name, "x",
                kind.syntax.name == "threshold"     ? "{op: '>=', target: 1}"
                : kind.syntax.name == "cumulative"  ? "{target: 1}"
                : kind.syntax.name == "milestones"  ? "{milestones: [{by: 2023-12-31, value: 1}]}"
                : kind.syntax.name == "achievement" ? "{deadline: 2023-12-31}"
                : kind.syntax.name == "baseline"    ? "{op: '<', baseline: 1}"
                : kind.syntax.name == "rank"        ? "{target: 1}"
                : kind.syntax.name == "relation"    ? "{subject: a, relation: in_step, of: b}"
                                                    : "{}");
            CHECK(ind.rule.index() == rule.index());
        }
    }
    CHECK(kinds::find("gauge") == nullptr);
}

TEST_CASE("each kind parses, evaluates and describes one example through the table", "[kinds]") {
    struct Example {
        std::string_view kind;
        std::string yaml;
        Series series;
        Status status;
        std::string reason;
    };
    const Example examples[] = {
        {"threshold", "{op: '>=', target: 6}", series_of({{"2023-Q1", 4.9}}), Status::at_risk,
         "4.9 does not meet >= 6 for 2023-Q1"},
        {"threshold", "{op: between, target: [2, 3]}", series_of({{"2023-Q1", 2.5}}),
         Status::on_track, "2.5 meets between 2 and 3 for 2023-Q1"},
        {"cumulative", "{target: 100, tolerance: 10}", series_of({{"2023-Q1", 30}}),
         Status::on_track, "30 against 25 expected by 2023-Q1 (ahead of schedule)"},
        {"cumulative", "{target: 100, tolerance: 10}", series_of({{"2023-Q1", 23}}),
         Status::on_track, "23 against 25 expected by 2023-Q1 (within tolerance)"},
        {"milestones", "{milestones: [{by: 2023-06-30, value: 50}, {by: 2023-12-31, value: 100}]}",
         series_of({{"2023-Q1", 20}}), Status::at_risk,
         "20 against the next milestone 50 due 2023-06-30"},
        {"achievement", "{deadline: 2023-12-31}", series_of({{"2023-Q1", 1}}), Status::achieved,
         "achieved"},
        {"baseline", "{op: '<', baseline: 5}", series_of({{"2023-Q1", 4}}), Status::on_track,
         "4 meets < the baseline 5 for 2023-Q1"},
        {"baseline", "{op: '<', baseline: previous_year}", series_of({{"2023-Q1", 4}}),
         Status::no_data, "no previous-year value to compare with"},
        {"rank", "{target: 3}", series_of({{"2023-Q1", 2}}), Status::on_track,
         "2 meets rank <= 3 for 2023-Q1"},
        {"report", "{}", series_of({{"2023-Q1", 40}}), Status::on_track,
         "progress 40% reported for 2023-Q1"},
        {"value", "{}", series_of({{"2023-Q1", 7}}), Status::on_track, "reported for 2023-Q1"},
        {"value",
         "{}",
         {},
         Status::overdue,
         "the report for 2023-Q1 is past its due date plus grace"},
    };
    const DueDates dues(date::locate_zone("Asia/Shanghai"), nullptr);
    EvalContext ctx;
    ctx.now = at("2023-05-01T00:00:00+08:00");
    ctx.plan_year = 2023;
    ctx.dues = &dues;
    for (const auto& x : examples) {
        INFO(x.kind << " " << x.yaml);
        const auto ind = parse(x.kind, "x", x.yaml);
        CHECK(kind_name(ind.rule) == x.kind);
        const auto e = evaluate(ind, x.series, ctx);
        CHECK(to_string(e.status) == to_string(x.status));
        CHECK(describe(ind, e) == x.reason);
    }
}

TEST_CASE("an expression is read, resolved against the plan and derived through the table",
          "[kinds]") {
    Plan plan;
    plan.year = 2023;
    for (const char* key : {"a", "b"}) {
        Indicator in;
        in.key = key;
        in.rule = rule::Value{};
        plan.indicator_index[key] = plan.indicators.size();
        plan.indicators.push_back(in);
    }
    const auto node = yaml::parse("kinds.yaml", "{expr: b + a > 10}");
    auto ind = parse("expression", "total", "{expr: b + a > 10}");
    const auto& kind = kinds::of(ind.rule);
    REQUIRE(kind.syntax.resolve);
    kind.syntax.resolve("kinds.yaml", node, ind, plan);
    CHECK(std::get<rule::Expression>(ind.rule).inputs == std::vector<std::string>{"a", "b"});
    CHECK(ind.derived());

    const Series a = series_of({{"2023-Q1", 4}}), b = series_of({{"2023-Q2", 7}});
    EvalContext ctx;
    ctx.plan_year = 2023;
    ctx.series_of = [&](std::string_view key) -> const Series* {
        return key == "a" ? &a : key == "b" ? &b : nullptr;
    };
    // a's Q1 is never taken with b's Q2 (issue 11: like-for-like inputs)
    auto e = evaluate(ind, {}, ctx);
    CHECK(e.status == Status::no_data);
    CHECK(describe(ind, e) == "no value of 'a' for 2023-Q2 to compare with (past its due date)");

    const Series a2 = series_of({{"2023-Q1", 4}, {"2023-Q2", 4}});
    ctx.series_of = [&](std::string_view key) -> const Series* {
        return key == "a" ? &a2 : key == "b" ? &b : nullptr;
    };
    e = evaluate(ind, {}, ctx);
    CHECK(e.status == Status::on_track);
    CHECK(e.period == parse_period("2023-Q2"));
    CHECK(describe(ind, e) == "b + a > 10 holds for 2023-Q2 (every input for the same period)");

    ctx.series_of = [](std::string_view) -> const Series* { return nullptr; };
    e = evaluate(ind, {}, ctx);
    CHECK(e.status == Status::no_data);
    CHECK(describe(ind, e) == "no value yet for input 'a'");

    // its own name is refused with the place of `expr:`
    auto self = parse("expression", "a", "{expr: a > 1}");
    plan.indicators[0] = self;
    CHECK_THROWS_WITH(kind.syntax.resolve("kinds.yaml", yaml::parse("kinds.yaml", "{expr: a > 1}"),
                                          plan.indicators[0], plan),
                      "kinds.yaml:1:8: expression names its own indicator 'a'");
}

TEST_CASE("an unknown kind name gives the loader's precise error, naming every kind", "[kinds]") {
    const test::TempDir dir;
    const auto file = dir.path() / "plan.yaml";
    std::ofstream(file) << "plan: {id: k-2023, name: k, year: 2023}\n"
                           "units: [{id: fgw, name: 市发改委}]\n"
                           "tasks:\n"
                           "  - number: 1\n"
                           "    text: t\n"
                           "    lead: 市发改委\n"
                           "    indicators:\n"
                           "      - {key: cpi, kind: gauge}\n";
    CHECK_THROWS_WITH(
        load_plan({file}),
        file.string() +
            ":8:26: unknown indicator kind 'gauge' (one of threshold, cumulative, "
            "milestones, expression, achievement, baseline, rank, report, value, relation)");
}

TEST_CASE("a key of another kind is refused naming the indicator's kind", "[kinds]") {
    const test::TempDir dir;
    const auto file = dir.path() / "plan.yaml";
    std::ofstream(file) << "plan: {id: k-2023, name: k, year: 2023}\n"
                           "units: [{id: fgw, name: 市发改委}]\n"
                           "tasks:\n"
                           "  - number: 1\n"
                           "    text: t\n"
                           "    lead: 市发改委\n"
                           "    indicators:\n"
                           "      - {key: n, kind: rank, target: 2, deadline: 2023-12-31}\n";
    CHECK_THROWS_WITH(load_plan({file}),
                      file.string() + ":8:41: unknown key 'deadline' in rank indicator");
}

TEST_CASE("the kinds that may be reported early are the ones the ingest error names", "[kinds]") {
    std::set<std::string_view> early;
    for (const auto* k : kinds::all())
        if (!k->statistic) early.insert(k->syntax.name);
    // check_report_time's message: "... (only report, achievement and milestones values may
    // come early)"; a kind added here must be named there too.
    CHECK(early == std::set<std::string_view>{"report", "achievement", "milestones"});
    for (const auto& rule : every_alternative())
        CHECK(may_report_early(rule) == !kinds::of(rule).statistic);
}
