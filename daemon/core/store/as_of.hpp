#pragma once

#include <filesystem>
#include <functional>
#include <string_view>

#include "model/clock.hpp"
#include "store/sqlite.hpp"

namespace indicatord {

/// One stored (indicator, period) as it stood at an instant: the newest revision recorded by
/// then, and when the period's first revision was recorded (whether the report came on time).
struct PeriodAsOf {
    std::string_view indicator;
    std::string_view period;
    int revision = 0;
    double value = 0;
    std::string_view note;       ///< of the newest revision
    TimePoint reported_at{};     ///< of the newest revision
    TimePoint first_reported{};  ///< the earliest reported_at of the period's revisions
};

/// Calls `fn` for every (indicator, period) with a revision recorded (reported_at) at or before
/// `as_of`, with the revisions recorded later left out: the values as they stood at that
/// instant. One read transaction over the observation table, in (indicator, period) order.
/// Runs on the thread that owns `db` (the Store's reader on the event loop, or a connection of
/// its own: open_for_reading). Throws StorageError.
void for_each_as_of(sqlite::Database& db, TimePoint as_of,
                    const std::function<void(const PeriodAsOf&)>& fn);

/// The database at `file` opened for reading only (indicatorctl, offline; `query_only`, never
/// created or migrated); throws StorageError naming the file when it does not exist or has no
/// observation table.
sqlite::Database open_for_reading(const std::filesystem::path& file);

}  // namespace indicatord
