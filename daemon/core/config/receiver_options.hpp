#pragma once

// A receiver's options beyond its address: the generic webhook's max_alerts, DingTalk's `at`
// mentions and keyword, a robot's rate limits (docs/configuration.md, "Receivers").

#include <filesystem>

#include "model/plan.hpp"
#include "util/yaml_doc.hpp"

namespace indicatord {

/// Reads max_alerts, at_mobiles, at_user_ids, at_all, keyword, rate_per_minute and
/// rate_per_second of receiver node `x` into `rc` (whose format is known). An option that does
/// not fit the receiver's format is a ConfigError at the option.
void read_robot_options(const std::filesystem::path& file, const yaml::Node& x, Receiver& rc);

}  // namespace indicatord
