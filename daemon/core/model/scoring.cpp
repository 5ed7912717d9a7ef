#include "model/scoring.hpp"

namespace indicatord {

std::string_view to_string(ScoreOn on) {
    switch (on) {
        case ScoreOn::report_on_time:
            return "report_on_time";
        case ScoreOn::report_late:
            return "report_late";
        case ScoreOn::report_missing:
            return "report_missing";
        case ScoreOn::overdue_working_day:
            return "overdue_working_day";
        case ScoreOn::target_achieved:
            return "target_achieved";
        case ScoreOn::target_at_risk:
            return "target_at_risk";
        case ScoreOn::target_missed:
            return "target_missed";
    }
    return "";
}

std::optional<ScoreOn> parse_score_on(std::string_view text) {
    for (auto on : kAllScoreOn)
        if (to_string(on) == text) return on;
    return std::nullopt;
}

std::string_view score_words(ScoreOn on) {
    switch (on) {
        case ScoreOn::report_on_time:
            return "按时报送";
        case ScoreOn::report_late:
            return "迟报";
        case ScoreOn::report_missing:
            return "未报";
        case ScoreOn::overdue_working_day:
            return "逾期工作日";
        case ScoreOn::target_achieved:
            return "目标完成";
        case ScoreOn::target_at_risk:
            return "目标有风险";
        case ScoreOn::target_missed:
            return "目标未达标";
    }
    return "";
}

}  // namespace indicatord
