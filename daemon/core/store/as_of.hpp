#pragma once

#include <filesystem>
#include <functional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

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

/// A revision left out of the values as they stood: (indicator, period, revision).
using RevisionKey = std::tuple<std::string, std::string, int>;

/// Calls `fn` for every (indicator, period) with a revision recorded (reported_at) at or before
/// `as_of`, with the revisions recorded later left out, and those in `skip` (values approved
/// after the instant, dated when they were submitted: SubmissionsAsOf::approved_later): the
/// values as they stood at that instant. One read transaction over the observation table, in
/// (indicator, period) order. Runs on the thread that owns `db` (the Store's reader on the event
/// loop, or a connection of its own: open_for_reading). Throws StorageError.
void for_each_as_of(sqlite::Database& db, TimePoint as_of,
                    const std::function<void(const PeriodAsOf&)>& fn,
                    const std::set<RevisionKey>& skip = {});

/// A value submitted for review (实绩审核) by an instant, as it stood then.
struct SubmissionAsOf {
    std::string indicator, period;
    double value = 0;
    std::string note;
    std::string unit;  ///< the reporting unit ('' for an admin token)
    TimePoint reported_at{};
    std::string state;  ///< at the instant: submitted | approved | returned | superseded
};

/// The review tables as they stood at an instant.
struct SubmissionsAsOf {
    std::vector<SubmissionAsOf> submissions;  ///< reported by the instant, in id order
    /// revisions of values approved after the instant: they did not count yet
    std::set<RevisionKey> approved_later;
};

/// Reads the submissions reported at or before `as_of`, each in the state its last step by
/// then gave it. Empty for a database without the review tables (before schema 6). Throws
/// StorageError.
SubmissionsAsOf submissions_as_of(sqlite::Database& db, TimePoint as_of);

/// The database at `file` opened for reading only (indicatorctl, offline; `query_only`, never
/// created or migrated); throws StorageError naming the file when it does not exist or has no
/// observation table.
sqlite::Database open_for_reading(const std::filesystem::path& file);

}  // namespace indicatord
