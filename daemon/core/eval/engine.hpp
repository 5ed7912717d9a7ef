#pragma once

#include <memory>
#include <string>
#include <vector>

#include "eval/evaluate.hpp"
#include "model/plan.hpp"

namespace indicatord {

/// The in-memory state of one plan: each indicator's latest value per period and its current
/// evaluation. Owned by the event loop's thread; nothing here locks.
class Engine {
  public:
    /// `calendar` may be null (Monday-Friday working days).
    Engine(std::shared_ptr<const Plan> plan, std::shared_ptr<const WorkCalendar> calendar);

    const Plan& plan() const { return *plan_; }
    std::shared_ptr<const Plan> plan_ptr() const { return plan_; }
    const date::time_zone* zone() const { return zone_; }
    const DueDates& dues() const { return *dues_; }
    const WorkCalendar* calendar() const { return calendar_.get(); }

    /// Restores a stored value (the newest revision of its period) at start-up or reload; false
    /// when the plan has no such indicator or the period does not parse (the value is skipped).
    bool restore(std::string_view key, std::string_view period, double value, int revision,
                 TimePoint at);
    /// Records a committed value (the newest revision of its period).
    void record(std::size_t indicator, const Observation& obs);
    /// Records a re-report as the next revision of its period (simulations: replay, rule tests).
    void record_next(std::size_t indicator, const Period& period, double value,
                     TimePoint reported_at);

    /// Marks (or clears) a period of indicator `i` as having a value awaiting review; the
    /// caller re-evaluates.
    void set_awaiting(std::size_t i, const Period& period, bool waiting) {
        series_[i].set_awaiting(period, waiting);
    }

    /// Evaluates every indicator at `now`.
    void evaluate_all(TimePoint now);
    /// Evaluates one indicator and the expressions that name it.
    void evaluate_one(std::size_t indicator, TimePoint now);

    const Series& series(std::size_t i) const { return series_[i]; }
    const Evaluation& evaluation(std::size_t i) const { return evaluations_[i]; }
    /// Every evaluation, indexed like Plan::indicators.
    std::span<const Evaluation> evaluations() const { return evaluations_; }

  private:
    EvalContext context(TimePoint now) const;
    /// Evaluates indicator i with ctx (its plan's year set in ctx).
    Evaluation evaluate_at(std::size_t i, EvalContext& ctx) const;

    std::shared_ptr<const Plan> plan_;
    std::shared_ptr<const WorkCalendar> calendar_;
    const date::time_zone* zone_ = nullptr;
    std::unique_ptr<DueDates> dues_;
    std::vector<std::unique_ptr<ExpressionProgram>>
        programs_;  ///< per indicator; null if not an expression
    std::vector<Series> series_;
    std::vector<Evaluation> evaluations_;
    std::vector<std::vector<std::size_t>> dependents_;  ///< input -> expressions naming it
};

}  // namespace indicatord
