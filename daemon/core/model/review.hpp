#pragma once

#include <string>

#include "model/period.hpp"

namespace indicatord {

/// Who reviews an indicator's values before they count (实绩审核): `review:` of the plan's
/// defaults or of the indicator.
struct ReviewRule {
    enum class By { none, office, unit };
    By by = By::none;
    std::string unit;  ///< the reviewing unit's id, for By::unit
    /// `review_due:` a submitted value should be reviewed within this many (working) days.
    int due_days = 3;
    bool due_working_days = true;

    bool required() const { return by != By::none; }
    /// "none", "office" or the unit's id.
    std::string text() const {
        return by == By::none ? "none" : by == By::office ? "office" : unit;
    }
};

}  // namespace indicatord
