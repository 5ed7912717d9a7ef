#pragma once

#include <filesystem>
#include <optional>
#include <string_view>
#include <vector>

#include "model/scoring.hpp"
#include "util/yaml_doc.hpp"

namespace indicatord {

/// Reads a `scoring:` section (docs/bulletins.md, 考评):
/// `{base: N, rank: BOOL, rules: [{on: NAME, points: N, cap: N}]}`. Throws ConfigError
/// "file:line:col: message" for an unknown key, an unknown `on` (naming the allowed ones), a
/// missing `points`, a cap not above 0, no rules, and a category given twice (naming both
/// places).
Scoring parse_scoring(const std::filesystem::path& file, const yaml::Node& node);

/// The `scoring:` section of plan `plan_id` among the config's rules paths (each a file or a
/// directory of *.yaml files, as `rules:` lists them): of the path whose files hold that plan's
/// `plan:` section. nullopt when it declares none. The plan loader has checked the section;
/// only files with a top-level `scoring:` line (and the plan's header) are parsed again. Throws
/// ConfigError as the loader does.
std::optional<Scoring> find_scoring(const std::vector<std::filesystem::path>& rules,
                                    std::string_view plan_id);

}  // namespace indicatord
