#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "model/clock.hpp"
#include "store/sqlite.hpp"
#include "util/string_map.hpp"

namespace indicatord {

/// A value to append: one revision of one indicator's period.
struct NewObservation {
    std::string indicator;
    std::string period;
    double value = 0;
    std::string note;
    TimePoint reported_at{};
    std::string reporter;
};

/// One stored revision, as the history API returns it.
struct StoredRevision {
    std::string period;
    int revision = 0;
    double value = 0;
    std::string note;
    TimePoint reported_at{};
    std::string reporter;
};

/// One notification queued about an indicator (the outbox row and how its delivery stands).
struct StoredNotice {
    std::string kind;      ///< reminder | overdue | at_risk | missed | chase
    std::string receiver;  ///< "fgw/0"
    std::string channel;   ///< email | generic | dingtalk | wecom | feishu
    std::string state;     ///< pending | delivered | failed
    int attempts = 0;
    std::string last_error;
    TimePoint created_at{};
    std::optional<TimePoint> delivered_at;
};

/// One chase (催办) the office sent about an indicator.
struct StoredChase {
    std::int64_t id = 0;
    std::string indicator;
    std::string period;  ///< the period it was overdue for, or empty
    std::string author;  ///< the admin token's reporter text
    std::string comment;
    TimePoint created_at{};
};

/// The SQLite file: WAL, synchronous=FULL, foreign keys on, schema migrated at open.
/// Observations are append-only; the newest revision of a period counts.
///
/// Threads: the write methods (register_indicators, begin/commit/rollback, append) and writer()
/// belong to the Committer's writer thread once it runs (to the starting thread before); the
/// read methods use a second connection and belong to the event loop's thread. file_problem()
/// and file() may be called from any thread.
class Store {
  public:
    explicit Store(const std::filesystem::path& file);
    Store(const Store&) = delete;
    Store& operator=(const Store&) = delete;

    static constexpr int kSchemaVersion = 6;
    int schema_version();
    const std::filesystem::path& file() const { return file_; }

    /// Empty while the file opened is still the file at file(); else why not (deleted, or
    /// replaced by another file). Writes to a deleted file would vanish with the last
    /// descriptor, so the Committer refuses them. Any thread; costs one stat(2). Logs an
    /// error the first time it finds a problem.
    std::string file_problem() const;

    void register_indicators(const std::vector<std::string>& keys);

    void begin();
    void commit();
    void rollback();
    /// Whether the write connection is inside a transaction (SQLite ends one itself on some
    /// errors).
    bool in_transaction() const { return !sqlite3_get_autocommit(writer_.get()); }
    /// Appends a revision (1 + the newest stored for that indicator and period); returns it.
    /// The newest revision comes from a cache of the write connection (this is the only writer):
    /// read from the file once per (indicator, period), then advanced by each append; a
    /// rollback() drops the whole cache, so that nothing of a rolled-back transaction stays.
    int append(const NewObservation& obs);
    /// How many times append() read a newest revision from the file (cache misses).
    std::uint64_t revision_reads() const { return revision_reads_; }

    /// Calls `fn` with the newest revision of every stored (indicator, period), from the latest
    /// table (one row per period, kept by append() in the observation's transaction).
    void for_each_latest(
        const std::function<void(std::string_view key, std::string_view period, double value,
                                 int revision, TimePoint reported_at)>& fn);
    /// Up to `limit` revisions of an indicator (a negative limit: all), by period then revision,
    /// starting after (`after_period`, `after_revision`); ("", 0) starts at the first.
    std::vector<StoredRevision> history(std::string_view key, std::string_view after_period = {},
                                        int after_revision = 0, std::int64_t limit = -1);

    /// When each stored period of indicator `key` was first reported (its first revision's
    /// reported_at), by period: whether a report came on time, whatever was revised later.
    std::vector<std::pair<std::string, TimePoint>> first_reports(std::string_view key);
    /// The newest `limit` notifications queued about indicator `key`, newest first.
    std::vector<StoredNotice> notices(std::string_view key, std::int64_t limit);
    /// The newest `limit` chases of indicator `key`, newest first.
    std::vector<StoredChase> chases(std::string_view key, std::int64_t limit);

    /// The write connection, for other tables' statements run on the writer thread.
    sqlite::Database& writer() { return writer_; }
    /// The read connection (event loop thread).
    sqlite::Database& reader() { return reader_; }

  private:
    std::filesystem::path file_;
    dev_t device_ = 0;
    ino_t inode_ = 0;
    mutable std::atomic<bool> problem_logged_{false};
    sqlite::Database writer_;
    sqlite::Database reader_;
    sqlite::Statement next_revision_;
    sqlite::Statement insert_;
    sqlite::Statement upsert_latest_;  ///< the latest table, beside each insert_
    sqlite::Statement register_;
    sqlite::Statement begin_, commit_, rollback_;
    sqlite::Statement latest_;
    sqlite::Statement history_;
    /// (indicator '\n' period) -> newest revision written or read by the writer; writer thread.
    StringMap<std::int64_t> revisions_;
    std::string revision_key_;  ///< reused for lookups, so that a hit allocates nothing
    std::uint64_t revision_reads_ = 0;
};

/// The daemon's claim on its database: an exclusive flock(2) on `<database>.lock`, held for the
/// daemon's life, so a second indicatord on the same database refuses to start instead of
/// writing beside the first. The file keeps the holder's pid for the message. Readers
/// (indicatorctl backup, sqlite3) do not take it.
class DatabaseLock {
  public:
    /// Throws StorageError naming the lock file and the holder's pid when another process holds it.
    explicit DatabaseLock(const std::filesystem::path& database);
    ~DatabaseLock();
    DatabaseLock(const DatabaseLock&) = delete;
    DatabaseLock& operator=(const DatabaseLock&) = delete;

    static std::filesystem::path path_for(const std::filesystem::path& database);

  private:
    int fd_ = -1;
};

/// Copies the database at `from` (which a running daemon may be writing) to `to` as one
/// consistent snapshot with SQLite's online backup API, in rollback-journal mode so that the
/// copy is one self-contained file, fsynced, and moved into place only when complete. Refuses
/// an existing `to` unless `overwrite`. Returns the number of observations in the copy.
/// Throws StorageError.
std::int64_t backup_database(const std::filesystem::path& from, const std::filesystem::path& to,
                             bool overwrite);

class Engine;
struct Plan;

/// Several plans: values a database holds under a bare key (stored while the daemon ran one
/// plan, before more were added) move to the combined plan's key, `<plan id>:<key>`, of the plan
/// of the value's year (or of the year after: a previous-year value). A key no one plan of that
/// year has, or whose new key holds values of that year already, stays, with a warning. One
/// transaction on the write connection (writer thread, after register_indicators); returns the
/// number of rows moved. Nothing to do for one plan.
std::size_t qualify_stored_keys(Store& store, const Plan& plan);

/// Puts the newest stored revision of every period into `engine` (start-up and reload); values
/// of indicators the plan no longer has are skipped. Returns the number restored.
std::size_t load_latest(Store& store, Engine& engine);

}  // namespace indicatord
