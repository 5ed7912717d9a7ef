#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "plan.hpp"

namespace indicatord {

/// One validated value of a batch.
struct IngestItem {
    std::size_t indicator = 0;  ///< index into Plan::indicators
    Period period;
    double value = 0;
    std::string note;
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
std::string check_value(const Plan& plan, std::string_view key, std::string_view period, double value,
                        IngestItem& out);

/// Parses {"values":[{"indicator":…,"period":…,"value":…,"note":…}, …]} (Boost.JSON).
IngestBatch parse_values_json(std::string_view body, const Plan& plan);

}  // namespace indicatord
