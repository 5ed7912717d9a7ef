#pragma once

#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <mutex>
#include <thread>

#include "store/sqlite.hpp"

namespace indicatord {

/// Copies the write-ahead log back into the database file on a thread and connection of its
/// own, so that the writer's commits do not pay for it. SQLite's automatic checkpoint runs inside
/// the commit that takes the WAL past 1,000 pages: about a fifth of the time of 1,000-row
/// transactions on this schema (docs/benchmarks.md, "Checkpoints off the writer").
///
/// The constructor replaces SQLite's automatic checkpoint on `writer` by a WAL hook: a commit
/// that leaves `wake_pages` or more pages in the WAL wakes this thread, which runs a PASSIVE
/// checkpoint (it never blocks the writer or a reader); a commit that leaves `inline_pages` or
/// more checkpoints on the writer as SQLite would have, so the WAL stays bounded should the
/// thread fall behind (a long reader keeps any checkpoint, SQLite's own too, from restarting the
/// WAL until it ends). Durability is SQLite's either way: a frame leaves the WAL only after the
/// database file is synced.
///
/// Threads: construct and destroy while no other thread uses `writer` (before the Committer's
/// thread starts, after it is joined); the hook then runs on whichever thread commits on
/// `writer`. The destructor stops the thread and puts SQLite's automatic checkpoint back.
class Checkpointer {
  public:
    /// `counted(on_writer)` is called after each checkpoint, on the thread that ran it.
    Checkpointer(sqlite::Database& writer, const std::filesystem::path& file,
                 std::function<void(bool on_writer)> counted = {}, int wake_pages = 1000,
                 int inline_pages = 16000);
    ~Checkpointer();
    Checkpointer(const Checkpointer&) = delete;
    Checkpointer& operator=(const Checkpointer&) = delete;

    /// Checkpoints run by this thread / by the writer's commits (the bound above). Any thread.
    std::uint64_t background() const;
    std::uint64_t on_writer() const;

  private:
    static int on_commit(void* self, sqlite3* db, const char* schema, int pages);
    void run();

    sqlite::Database& writer_;
    sqlite::Database own_;  ///< used on thread_ only
    const std::function<void(bool)> counted_;
    const int wake_pages_;
    const int inline_pages_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    bool pending_ = false;
    bool stopping_ = false;
    std::uint64_t background_ = 0;
    std::uint64_t on_writer_ = 0;
    std::thread thread_;  ///< last: starts once the members above exist
};

}  // namespace indicatord
