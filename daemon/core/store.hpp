#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "clock.hpp"
#include "sqlite.hpp"

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

/// The SQLite file: WAL, synchronous=FULL, foreign keys on, schema migrated at open.
/// Observations are append-only; the newest revision of a period counts.
///
/// Threads: the write methods (register_indicators, begin/commit/rollback, append) belong to one
/// thread at a time (the Committer's); the read methods use a second connection and belong to
/// the event loop's thread.
class Store {
public:
    explicit Store(const std::filesystem::path& file);
    Store(const Store&) = delete;
    Store& operator=(const Store&) = delete;

    static constexpr int kSchemaVersion = 2;
    int schema_version();
    const std::filesystem::path& file() const { return file_; }

    void register_indicators(const std::vector<std::string>& keys);

    void begin();
    void commit();
    void rollback();
    void savepoint();
    void release_savepoint();
    void rollback_to_savepoint();
    /// Appends a revision (1 + the newest stored for that indicator and period); returns it.
    int append(const NewObservation& obs);

    /// Calls `fn` with the newest revision of every stored (indicator, period).
    void for_each_latest(
        const std::function<void(std::string_view key, std::string_view period, double value,
                                 int revision, TimePoint reported_at)>& fn);
    /// Up to `limit` revisions of an indicator (a negative limit: all), by period then revision,
    /// starting after (`after_period`, `after_revision`); ("", 0) starts at the first.
    std::vector<StoredRevision> history(std::string_view key, std::string_view after_period = {},
                                        int after_revision = 0, std::int64_t limit = -1);

    /// The write connection, for other tables' statements run on the writer thread.
    sqlite::Database& writer() { return writer_; }
    /// The read connection (event loop thread).
    sqlite::Database& reader() { return reader_; }

private:

    std::filesystem::path file_;
    sqlite::Database writer_;
    sqlite::Database reader_;
    sqlite::Statement insert_;
    sqlite::Statement register_;
    sqlite::Statement begin_, commit_, rollback_, savepoint_, release_, rollback_to_;
    sqlite::Statement latest_;
    sqlite::Statement history_;
};

}  // namespace indicatord
