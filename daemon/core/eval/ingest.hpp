#pragma once

#include <date/tz.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/clock.hpp"
#include "model/plan.hpp"

namespace indicatord {

/// One validated value of a batch.
struct IngestItem {
    std::size_t indicator = 0;  ///< index into Plan::indicators
    Period period;
    double value = 0;
    std::string note;
    /// When the value was reported, if the writer said so (reported_at in JSON or CSV); only
    /// honoured when ReportTime::may_date allows it. Unset: the daemon's clock at arrival.
    std::optional<TimePoint> reported_at;
};

struct IngestError {
    std::size_t index = 0;  ///< position in the batch
    std::string reason;
};

/// A parsed batch: all items valid, or `error`/`item_errors` say why not (nothing to store).
struct IngestBatch {
    std::vector<IngestItem> items;
    std::string error;                     ///< the body as a whole is wrong
    std::vector<IngestError> item_errors;  ///< per item
    bool ok() const { return error.empty() && item_errors.empty(); }
};

inline constexpr std::size_t kMaxBatchItems = 100000;

/// Validates one value against the plan: indicator known and reportable, period of the
/// indicator's cadence and within the plan year, value in range for the kind. Returns the
/// reason, or an empty string when valid.
std::string check_value(const Plan& plan, std::string_view key, std::string_view period,
                        double value, IngestItem& out);

/// The time a batch arrives at and who sends it, for the checks of check_report_time().
struct ReportTime {
    TimePoint now;          ///< the daemon's clock (the injectable one)
    bool may_date = false;  ///< reported_at is honoured (admin token or auth off); else refused
};

/// Whether a value of this kind may be reported before its period has ended: progress may
/// (report, achievement, milestones), a statistic of the period may not (threshold,
/// cumulative, baseline, rank, value). docs/api.md has the table.
bool may_report_early(const Rule& rule);

/// The instant a period ends: midnight after its last day in `zone` (UTC when null).
TimePoint period_end(const Period& period, const date::time_zone* zone);

/// Checks an item (already through check_value) against the time it is reported at: its
/// reported_at is allowed and not in the future, and a statistic's period has ended by then.
/// `zone` is the plan's. Returns the reason, or an empty string when valid.
std::string check_report_time(const Plan& plan, const IngestItem& item, const ReportTime& when,
                              const date::time_zone* zone);

/// The plan's time zone (UTC if the plan names none it knows).
const date::time_zone* plan_zone(const Plan& plan);

/// Parses {"values":[{"indicator":…,"period":…,"value":…,"note":…,"reported_at":…}, …]}
/// (Boost.JSON; an object naming a key twice is refused) and checks every item, its time too.
IngestBatch parse_values_json(std::string_view body, const Plan& plan, const ReportTime& when);

}  // namespace indicatord
