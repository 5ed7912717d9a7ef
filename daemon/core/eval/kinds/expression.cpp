// expression: a derived indicator, a muparser expression over other indicators' latest values
// (true when non-zero). It has no series and no due dates of its own and cannot be reported.
#include <muParser.h>

#include <algorithm>
#include <deque>
#include <regex>

#include "eval/kinds/common.hpp"
#include "eval/kinds/registry.hpp"
#include "util/yaml_util.hpp"

namespace indicatord {

struct ExpressionProgram::Impl {
    mu::Parser parser;
    std::vector<double> vars;
};

ExpressionProgram::ExpressionProgram(const rule::Expression& r) : impl_(std::make_shared<Impl>()) {
    impl_->vars.resize(r.inputs.size());
    for (std::size_t i = 0; i < r.inputs.size(); ++i)
        impl_->parser.DefineVar(std::string(local_key(r.inputs[i])), &impl_->vars[i]);
    impl_->parser.SetExpr(r.expr);
}

double ExpressionProgram::eval(std::span<const double> inputs) const {
    std::copy(inputs.begin(), inputs.end(), impl_->vars.begin());
    return impl_->parser.Eval();
}

namespace kinds {

namespace {

constexpr std::string_view keys[] = {"expr"};

void parse(const std::filesystem::path& f, const yaml::Node& n, Indicator& ind) {
    rule::Expression r;
    r.expr = yaml::scalar(f, yaml::required(f, n, "expr", "expression indicator"), "expr");
    ind.rule = r;
}

// Once every indicator is known: parses the expression with muparser and requires every name in
// it to be a reported indicator.
void resolve(const std::filesystem::path& f, const yaml::Node& n, Indicator& ind,
             const Plan& plan) {
    const auto node = n["expr"];
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
    // a name called like a function must be one of muparser's: say which exist
    static const std::regex call(R"(([A-Za-z_][A-Za-z0-9_]*)\s*\()");
    for (std::sregex_iterator it(r.expr.begin(), r.expr.end(), call), end; it != end; ++it) {
        const auto name = (*it)[1].str();
        if (p.GetFunDef().count(name)) continue;
        std::string names;
        for (const auto& [fn, callback] : p.GetFunDef()) {
            (void)callback;
            names += (names.empty() ? "" : ", ") + fn;
        }
        yaml::fail(f, node,
                   "expression '" + r.expr + "' calls unknown function '" + name +
                       "' (functions: " + names + ")");
    }
    try {
        p.SetExpr(r.expr);
        p.Eval();
    } catch (const mu::Parser::exception_type& e) {
        yaml::fail(f, node, "expression '" + r.expr + "' does not parse: " + e.GetMsg());
    }
    for (const auto& [name, ptr] : p.GetUsedVar()) {
        (void)ptr;
        const auto* in = plan.find_indicator(name);
        if (!in) yaml::fail(f, node, "expression names unknown indicator '" + name + "'");
        if (in->key == ind.key)
            yaml::fail(f, node, "expression names its own indicator '" + name + "'");
        if (in->derived())
            yaml::fail(f, node,
                       "expression names derived indicator '" + name +
                           "' (only reported indicators may be inputs)");
        r.inputs.push_back(name);
    }
    if (r.inputs.empty()) yaml::fail(f, node, "expression names no indicator");
    std::sort(r.inputs.begin(), r.inputs.end());
    r.shapes.clear();
    for (const auto& key : r.inputs) {
        const auto* in = plan.find_indicator(key);
        r.shapes.push_back(SeriesShape{in->schedule, in->ytd});
    }
    // like-for-like: some period of the year that every input is reported for
    bool common = false;
    for (const auto& p0 : periods_of_year(r.shapes.front().schedule.cadence, plan.year)) {
        const auto span = span_of(p0, r.shapes.front().ytd);
        bool all = true;
        for (const auto& shape : r.shapes) all = all && period_with_span(shape, span);
        common = common || all;
    }
    if (!common) {
        std::string shapes;
        for (std::size_t i = 0; i < r.inputs.size(); ++i)
            shapes += (i ? ", " : "") + r.inputs[i] + " (" +
                      std::string(to_string(r.shapes[i].schedule.cadence)) +
                      (r.shapes[i].ytd ? ", ytd" : "") + ")";
        yaml::fail(f, node,
                   "expression compares its inputs like-for-like, but they are never reported for "
                   "the same period: " +
                       shapes);
    }
}

// An expression's inputs are indicators of its own plan: their combined keys.
void link(Indicator& ind, const Plan&, std::string_view prefix) {
    for (auto& in : std::get<rule::Expression>(ind.rule).inputs) in.insert(0, prefix);
}

// Every input for the same period (like_for_like): never one input's Q2 with another's Q1.
Evaluation derive(const Indicator& ind, const EvalContext& ctx) {
    const auto& r = std::get<rule::Expression>(ind.rule);
    Evaluation e;
    const auto inputs = like_for_like(r.inputs, r.shapes, ctx, e);
    if (!inputs.ok) return e;
    double values[16];
    std::vector<double> more;
    double* v = values;
    if (r.inputs.size() > std::size(values)) {
        more.resize(r.inputs.size());
        v = more.data();
    }
    for (std::size_t i = 0; i < r.inputs.size(); ++i) v[i] = inputs.values[i]->value;
    const ExpressionProgram* program = ctx.program_of ? ctx.program_of(ind) : nullptr;
    std::optional<ExpressionProgram> local;
    if (!program) program = &local.emplace(r);
    const double result = program->eval({v, r.inputs.size()});
    e.value = result;
    e.period = inputs.values.front()->period;
    verdict(e, result != 0, final_period(*e.period, ctx));
    e.reason = result != 0 ? Reason::expression_holds : Reason::expression_fails;
    return e;
}

std::string reason(const Indicator& ind, const Evaluation& e) {
    const auto& x = std::get<rule::Expression>(ind.rule);
    switch (e.reason) {
        case Reason::expression_holds:
            return x.expr + " holds for " + period_text(e) + " (every input for the same period)";
        case Reason::expression_fails:
            return x.expr + " does not hold for " + period_text(e) +
                   " (every input for the same period)";
        default:
            return input_text(x.inputs, e);
    }
}

void to_json(const Rule& rule, boost::json::object& out, boost::json::array&) {
    const auto& r = std::get<rule::Expression>(rule);
    out["expr"] = r.expr;
    boost::json::array inputs;
    for (const auto& s : r.inputs) inputs.emplace_back(s);
    out["inputs"] = std::move(inputs);
}

}  // namespace

constinit const Kind expression{
    .syntax =
        {.name = "expression", .keys = keys, .parse = parse, .resolve = resolve, .link = link},
    .derive = derive,
    .reason = reason,
    .to_json = to_json,
    .statistic = true,  // not reported at all: check_value refuses a derived indicator first
};

}  // namespace kinds

}  // namespace indicatord
