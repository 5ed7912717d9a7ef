// expression: a derived indicator, a muparser expression over other indicators' latest values
// (true when non-zero). It has no series and no due dates of its own and cannot be reported.
#include <muParser.h>

#include <algorithm>
#include <deque>

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
        impl_->parser.DefineVar(r.inputs[i], &impl_->vars[i]);
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
}

Evaluation derive(const Indicator& ind, const EvalContext& ctx) {
    const auto& r = std::get<rule::Expression>(ind.rule);
    Evaluation e;
    double values[16];
    std::vector<double> more;
    double* v = values;
    if (r.inputs.size() > std::size(values)) {
        more.resize(r.inputs.size());
        v = more.data();
    }
    std::optional<Period> common;
    for (std::size_t i = 0; i < r.inputs.size(); ++i) {
        const Series* in = ctx.series_of ? ctx.series_of(r.inputs[i]) : nullptr;
        if (!in || !in->latest()) {
            e.status = Status::no_data;
            e.reason = Reason::expression_no_input;
            e.input = i;
            return e;
        }
        v[i] = in->latest()->value;
        if (!common || in->latest()->period < *common) common = in->latest()->period;
    }
    const ExpressionProgram* program = ctx.program_of ? ctx.program_of(ind) : nullptr;
    std::optional<ExpressionProgram> local;
    if (!program) program = &local.emplace(r);
    const double result = program->eval({v, r.inputs.size()});
    e.value = result;
    e.period = common;
    verdict(e, result != 0, common && final_period(*common));
    e.reason = result != 0 ? Reason::expression_holds : Reason::expression_fails;
    return e;
}

std::string reason(const Indicator& ind, const Evaluation& e) {
    const auto& x = std::get<rule::Expression>(ind.rule);
    switch (e.reason) {
        case Reason::expression_holds:
            return x.expr + " holds";
        case Reason::expression_fails:
            return x.expr + " does not hold";
        case Reason::expression_no_input:
            return "no value yet for input '" +
                   (e.input < x.inputs.size() ? x.inputs[e.input] : std::string("?")) + "'";
        default:
            return {};
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
    .syntax = {.name = "expression", .keys = keys, .parse = parse, .resolve = resolve},
    .derive = derive,
    .reason = reason,
    .to_json = to_json,
    .statistic = true,  // not reported at all: check_value refuses a derived indicator first
};

}  // namespace kinds

}  // namespace indicatord
