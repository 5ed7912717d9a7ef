#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace indicatord {

/// A configuration or rule file is invalid. what() is "file:line:col: message".
class ConfigError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

/// Several ConfigErrors as one message: one per line, the first first, and "(N errors)" after
/// more than one (", stopped at the limit" when `at_limit`). One error gives exactly its message.
inline std::string join_errors(const std::vector<std::string>& errors, bool at_limit = false) {
    std::string text = errors.empty() ? std::string() : errors.front();
    for (std::size_t i = 1; i < errors.size(); ++i) text += "\n" + errors[i];
    if (errors.size() > 1)
        text += "\n(" + std::to_string(errors.size()) + " errors" +
                (at_limit ? ", stopped at the limit" : "") + ")";
    return text;
}

/// The command line is wrong (unknown flag, missing value).
class UsageError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

/// The database cannot be opened, migrated or written.
class StorageError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

}  // namespace indicatord
