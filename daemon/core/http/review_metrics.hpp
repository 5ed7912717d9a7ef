#pragma once

#include <string>

#include "model/clock.hpp"

namespace indicatord {

class ReviewStore;

/// The review families of GET /metrics (docs/metrics.md): values awaiting review, the oldest
/// one's submission time and those past their review_due, per reviewer ("office" or a unit
/// id). One read of the pending submissions (event loop thread).
std::string review_metrics(ReviewStore& reviews, TimePoint now);

}  // namespace indicatord
