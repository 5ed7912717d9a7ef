#include "store/checkpointer.hpp"

#include <spdlog/spdlog.h>

#include <utility>

namespace indicatord {

namespace {

sqlite::Database open_checkpointer(const std::filesystem::path& file) {
    sqlite::Database db(file, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX);
    // The checkpoint syncs the database file before the WAL may be reused, as the writer's
    // would; reading the schema once opens the WAL on this connection.
    db.exec("PRAGMA synchronous=FULL; SELECT count(*) FROM sqlite_master;");
    return db;
}

}  // namespace

Checkpointer::Checkpointer(sqlite::Database& writer, const std::filesystem::path& file,
                           std::function<void(bool on_writer)> counted, int wake_pages,
                           int inline_pages)
    : writer_(writer),
      own_(open_checkpointer(file)),
      counted_(std::move(counted)),
      wake_pages_(wake_pages),
      inline_pages_(inline_pages),
      thread_([this] { run(); }) {
    // Replaces the automatic checkpoint (itself a WAL hook) on the writer's connection.
    sqlite3_wal_hook(writer_.get(), &Checkpointer::on_commit, this);
}

Checkpointer::~Checkpointer() {
    sqlite3_wal_autocheckpoint(writer_.get(), 1000);  // SQLite's default, and removes the hook
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_one();
    thread_.join();
}

int Checkpointer::on_commit(void* self, sqlite3* db, const char* schema, int pages) {
    auto& c = *static_cast<Checkpointer*>(self);
    if (pages >= c.inline_pages_) {
        // Behind, or a long reader keeps the WAL from restarting: do what SQLite would have.
        sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
        {
            std::lock_guard lock(c.mutex_);
            ++c.on_writer_;
        }
        if (c.counted_) c.counted_(true);
    } else if (pages >= c.wake_pages_) {
        {
            std::lock_guard lock(c.mutex_);
            if (c.pending_) return SQLITE_OK;
            c.pending_ = true;
        }
        c.wake_.notify_one();
    }
    return SQLITE_OK;  // a hook's error would be reported as the commit's, which did succeed
}

void Checkpointer::run() {
    for (;;) {
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [this] { return stopping_ || pending_; });
            if (stopping_) return;
        }
        const int rc = sqlite3_wal_checkpoint_v2(own_.get(), nullptr, SQLITE_CHECKPOINT_PASSIVE,
                                                 nullptr, nullptr);
        if (rc != SQLITE_OK && rc != SQLITE_BUSY)
            spdlog::warn(
                "checkpoint of the write-ahead log failed: {} (the writer's commits "
                "will checkpoint it)",
                own_.error());
        {
            std::lock_guard lock(mutex_);
            pending_ = false;  // commits from now on may wake it again
            ++background_;
        }
        if (counted_) counted_(false);
    }
}

std::uint64_t Checkpointer::background() const {
    std::lock_guard lock(mutex_);
    return background_;
}

std::uint64_t Checkpointer::on_writer() const {
    std::lock_guard lock(mutex_);
    return on_writer_;
}

}  // namespace indicatord
