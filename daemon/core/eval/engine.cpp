#include "eval/engine.hpp"

#include <spdlog/spdlog.h>

#include "eval/members.hpp"
#include "util/errors.hpp"

namespace indicatord {

Engine::Engine(std::shared_ptr<const Plan> plan, std::shared_ptr<const WorkCalendar> calendar)
    : plan_(std::move(plan)), calendar_(std::move(calendar)) {
    try {
        zone_ = date::locate_zone(plan_->timezone);
    } catch (const std::exception& e) {
        throw ConfigError("plan " + plan_->id + ": unknown timezone '" + plan_->timezone + "'");
    }
    dues_ = std::make_unique<DueDates>(zone_, calendar_.get());
    const auto n = plan_->indicators.size();
    programs_.resize(n);
    series_.resize(n);
    evaluations_.resize(n);
    dependents_.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
        const auto& ind = plan_->indicators[i];
        if (const auto* e = std::get_if<rule::Expression>(&ind.rule)) {
            for (const auto& in : e->inputs)
                dependents_[plan_->indicator_index.at(in)].push_back(i);
            programs_[i] = std::make_unique<ExpressionProgram>(*e);
        } else if (const auto* r = std::get_if<rule::Relation>(&ind.rule)) {
            for (const auto* in : {&r->subject, &r->of})
                dependents_[plan_->indicator_index.at(*in)].push_back(i);
        } else if (const auto* b = std::get_if<rule::Baseline>(&ind.rule); b && !b->from.empty()) {
            dependents_[plan_->indicator_index.at(b->from)].push_back(i);  // last year's value
        }
    }
}

bool Engine::restore(std::string_view key, std::string_view period, double value, int revision,
                     TimePoint at) {
    const long i = plan_->index_of(key);
    auto p = parse_period(period);
    if (i < 0 || !p) return false;
    series_[static_cast<std::size_t>(i)].put(Observation{*p, value, revision, at});
    return true;
}

void Engine::record(std::size_t i, const Observation& obs) {
    auto& s = series_[i];
    if (const auto* cur = s.at(obs.period); cur && cur->revision > obs.revision) return;
    s.put(obs);
}

void Engine::record_next(std::size_t i, const Period& period, double value, TimePoint reported_at) {
    const auto* cur = series_[i].at(period);
    series_[i].put(Observation{period, value, cur ? cur->revision + 1 : 1, reported_at});
}

EvalContext Engine::context(TimePoint now) const {
    EvalContext ctx;
    ctx.now = now;
    ctx.dues = dues_.get();
    ctx.plan_year = plan_->year;
    ctx.program_of = [this](const Indicator& ind) -> const ExpressionProgram* {
        return programs_[static_cast<std::size_t>(&ind - plan_->indicators.data())].get();
    };
    ctx.series_of = [this](std::string_view key) -> const Series* {
        const long i = plan_->index_of(key);
        return i < 0 ? nullptr : &series_[static_cast<std::size_t>(i)];
    };
    return ctx;
}

Evaluation Engine::evaluate_at(std::size_t i, EvalContext& ctx) const {
    const auto& ind = plan_->indicators[i];
    ctx.plan_year = plan_->year_of(ind);
    ctx.plan_last_year = plan_->last_year_of(ind);
    return evaluate(ind, series_[i], ctx);
}

void Engine::evaluate_all(TimePoint now) {
    auto ctx = context(now);
    for (std::size_t i = 0; i < series_.size(); ++i)
        if (!plan_->indicators[i].rollup()) evaluations_[i] = evaluate_at(i, ctx);
    // roll-ups after their members
    for (std::size_t i = 0; i < series_.size(); ++i)
        if (plan_->indicators[i].rollup())
            evaluations_[i] = evaluate_rollup(plan_->indicators[i], evaluations_);
}

void Engine::evaluate_one(std::size_t i, TimePoint now) {
    auto ctx = context(now);
    evaluations_[i] = plan_->indicators[i].rollup()
                          ? evaluate_rollup(plan_->indicators[i], evaluations_)
                          : evaluate_at(i, ctx);
    for (auto d : dependents_[i]) evaluations_[d] = evaluate_at(d, ctx);
    if (const auto& of = plan_->indicators[i].member_of; !of.empty()) {
        const auto r = static_cast<std::size_t>(plan_->index_of(of));
        evaluations_[r] = evaluate_rollup(plan_->indicators[r], evaluations_);
    }
}

}  // namespace indicatord
