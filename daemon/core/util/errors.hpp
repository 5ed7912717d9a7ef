#pragma once

#include <stdexcept>
#include <string>

namespace indicatord {

/// A configuration or rule file is invalid. what() is "file:line:col: message".
class ConfigError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

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
