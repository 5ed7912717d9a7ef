#include "eval/kinds/registry.hpp"

#include <variant>

#include "config/plans.hpp"

namespace indicatord {

namespace kinds {

namespace {

// In the order of the alternatives of `Rule`: a rule's kind is table[rule.index()].
constinit const Kind* const table[] = {&threshold,   &cumulative, &milestones, &expression,
                                       &achievement, &baseline,   &rank,       &report,
                                       &value,       &relation};
static_assert(std::size(table) == std::variant_size_v<Rule>,
              "every alternative of Rule needs its entry in the table of kinds");

constinit const RuleSyntax* const syntax_table[] = {
    &threshold.syntax,   &cumulative.syntax, &milestones.syntax, &expression.syntax,
    &achievement.syntax, &baseline.syntax,   &rank.syntax,       &report.syntax,
    &value.syntax,       &relation.syntax};
static_assert(std::size(syntax_table) == std::size(table));

}  // namespace

std::span<const Kind* const> all() {
    return table;
}

const Kind& of(const Rule& rule) {
    return *table[rule.index()];
}

const Kind* find(std::string_view name) {
    for (const auto* k : table)
        if (k->syntax.name == name) return k;
    return nullptr;
}

std::span<const RuleSyntax* const> syntaxes() {
    return syntax_table;
}

}  // namespace kinds

// Declared in model/plan.hpp, defined here where the table is.

std::string_view kind_name(const Rule& rule) {
    return kinds::of(rule).syntax.name;
}

Plan load_plan(const std::vector<std::filesystem::path>& paths) {
    return load_plans(paths, kinds::syntaxes());
}

}  // namespace indicatord
