#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace indicatord {

/// What a scoring rule counts, per unit, in a bulletin (docs/bulletins.md, 考评).
enum class ScoreOn {
    report_on_time,       ///< each report first recorded by the end of its due day
    report_late,          ///< each report recorded after its due day
    report_missing,       ///< each report due and not recorded
    overdue_working_day,  ///< each working day each overdue report is past its due day
    target_achieved,      ///< each indicator led that is achieved
    target_at_risk,       ///< each indicator led that is at risk
    target_missed,        ///< each indicator led that is missed
};
inline constexpr ScoreOn kAllScoreOn[] = {ScoreOn::report_on_time,  ScoreOn::report_late,
                                          ScoreOn::report_missing,  ScoreOn::overdue_working_day,
                                          ScoreOn::target_achieved, ScoreOn::target_at_risk,
                                          ScoreOn::target_missed};
/// The name in YAML and JSON: "report_on_time", ...
std::string_view to_string(ScoreOn on);
std::optional<ScoreOn> parse_score_on(std::string_view text);
/// In the plan's words: 按时报送, 迟报, 未报, 逾期工作日, 目标完成, 目标有风险, 目标未达标.
std::string_view score_words(ScoreOn on);

/// One rule: `points` for each thing counted (negative: a deduction), the category's total held
/// within `cap` points either way.
struct ScoringRule {
    ScoreOn on = ScoreOn::report_on_time;
    double points = 0;
    std::optional<double> cap;
    std::string defined_at;  ///< file:line:col
};

/// A plan's assessment rules (`scoring:` in a rules file): each unit's score is `base` plus each
/// rule's capped total; `rank` ranks the bulletin's units by score.
struct Scoring {
    double base = 0;
    bool rank = true;
    std::vector<ScoringRule> rules;
    std::string defined_at;
};

}  // namespace indicatord
