#pragma once

#include <filesystem>
#include <span>
#include <vector>

#include "config/plan_loader.hpp"
#include "model/plan.hpp"

namespace indicatord {

/// The plans the config's `rules:` names, combined into one Plan. When at most one of the paths
/// holds a `plan:` section they make one plan together (each path a folder or file of it, as
/// always); when several do, each path is one plan (its folder and the files its `include:`
/// names) and the plans are combined: indicator keys become `<plan id>:<key>`, units are shared
/// by id (the same id must be the same unit), tasks keep their numbers within their plan, and the
/// rules' references are linked across plans (`previous:`, `from:`, `of: plan:key`).
/// Throws ConfigError with every error found, one per line.
Plan load_plans(const std::vector<std::filesystem::path>& paths,
                std::span<const RuleSyntax* const> kinds);

/// Combines loaded plans (each from `load_plan`) as described above; one plan comes back as it
/// is, its references linked.
Plan combine_plans(std::vector<Plan> plans, std::span<const RuleSyntax* const> kinds);

}  // namespace indicatord
