#pragma once

#include <filesystem>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>

#include "util/yaml_doc.hpp"

namespace indicatord::yaml {

/// Where a node stands in its file, 1-based, for "file:line:col: message".
std::string where(const std::filesystem::path& file, const YAML::Mark& mark);
std::string where(const std::filesystem::path& file, const Node& node);

/// Throws ConfigError "file:line:col: message" at the node's position.
[[noreturn]] void fail(const std::filesystem::path& file, const Node& node,
                       std::string_view message);

/// Parses a whole file (its first document) into a compact read-only Document; a syntax error
/// becomes a ConfigError with its position.
Document load_file(const std::filesystem::path& file);

/// Parses `text` as if read from `file` (tests, inline YAML).
Document parse(const std::filesystem::path& file, std::string text);

/// Requires a mapping whose keys are all in `allowed` and unique; names both places of a
/// duplicate and the allowed keys for an unknown one.
void check_map(const std::filesystem::path& file, const Node& node, std::string_view what,
               std::span<const std::string_view> allowed);
void check_map(const std::filesystem::path& file, const Node& node, std::string_view what,
               std::initializer_list<std::string_view> allowed);

std::string scalar(const std::filesystem::path& file, const Node& node, std::string_view what);
double number(const std::filesystem::path& file, const Node& node, std::string_view what);
long long integer(const std::filesystem::path& file, const Node& node, std::string_view what);
bool boolean(const std::filesystem::path& file, const Node& node, std::string_view what);

/// A required key of a mapping.
Node required(const std::filesystem::path& file, const Node& map, std::string_view key,
              std::string_view what);

}  // namespace indicatord::yaml
