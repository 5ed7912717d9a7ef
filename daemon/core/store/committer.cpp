#include "store/committer.hpp"

#include <spdlog/spdlog.h>

#include "util/errors.hpp"

namespace indicatord {

Committer::Committer(Store& store, std::function<void()> on_commit)
    : store_(store), on_commit_(std::move(on_commit)), thread_([this] { run(); }) {}

Committer::~Committer() {
    stop();
}

void Committer::submit(std::vector<NewObservation> batch, Done done) {
    {
        std::lock_guard lock(mutex_);
        if (!stopping_) {
            queue_.push_back(Item{std::move(batch), std::move(done), {}});
            wake_.notify_one();
            return;
        }
    }
    done(CommitResult{"the daemon is shutting down", {}});
}

void Committer::post(Work work, std::function<void(std::string)> done) {
    {
        std::lock_guard lock(mutex_);
        if (!stopping_) {
            queue_.push_back(
                Item{{}, [done](CommitResult r) { done(std::move(r.error)); }, std::move(work)});
            wake_.notify_one();
            return;
        }
    }
    done("the daemon is shutting down");
}

void Committer::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        wake_.notify_one();
    }
    if (thread_.joinable()) thread_.join();
}

void Committer::rollback() {
    try {
        store_.rollback();
    } catch (const std::exception& e) {
        spdlog::error("rollback failed: {}", e.what());
    }
}

void Committer::committed() {
    {
        std::lock_guard lock(mutex_);
        ++transactions_;
    }
    if (on_commit_) on_commit_();
}

// The fast path: every batch in one transaction, no savepoints (a savepoint makes each INSERT
// journal the pages it changes; docs/benchmarks.md). Returns false, with nothing written, when a
// batch failed: the caller then redoes each batch in a transaction of its own.
bool Committer::write_group(std::vector<Item>& items, std::vector<CommitResult>& results) {
    store_.begin();
    for (std::size_t i = 0; i < items.size(); ++i) {
        results[i].revisions.reserve(items[i].batch.size());
        try {
            for (const auto& obs : items[i].batch)
                results[i].revisions.push_back(store_.append(obs));
        } catch (const StorageError& e) {
            // SQLite ends the whole transaction itself on some errors (a full disk): then the
            // error is every batch's, and redoing each one would only repeat it.
            if (!store_.in_transaction()) throw;
            rollback();
            for (auto& r : results) r.revisions.clear();
            return false;
        }
    }
    store_.commit();
    committed();
    return true;
}

// The failure path: one transaction per batch, so that a failing batch changes nothing and the
// others are stored as if it had not been sent.
void Committer::write_alone(std::vector<Item>& items, std::vector<CommitResult>& results) {
    for (std::size_t i = 0; i < items.size(); ++i) {
        try {
            store_.begin();
            for (const auto& obs : items[i].batch)
                results[i].revisions.push_back(store_.append(obs));
            store_.commit();
            committed();
        } catch (const std::exception& e) {
            // Per request: the ones before it are committed and must be reported as such.
            rollback();
            results[i] = CommitResult{e.what(), {}};
        }
    }
}

std::uint64_t Committer::transactions() const {
    std::lock_guard lock(mutex_);
    return transactions_;
}

void Committer::run() {
    std::vector<Item> items;
    for (;;) {
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
            if (queue_.empty()) return;  // stopping and drained
            items.assign(std::make_move_iterator(queue_.begin()),
                         std::make_move_iterator(queue_.end()));
            queue_.clear();
        }
        write(items);
        items.clear();
    }
}

void Committer::write(std::vector<Item>& items) {
    // A deleted database file still takes writes (the open descriptor keeps it), and they would
    // vanish with the daemon: refuse them with the cause.
    if (auto problem = store_.file_problem(); !problem.empty()) {
        for (auto& item : items) item.done(CommitResult{problem, {}});
        return;
    }
    // Exclusive work runs alone, outside any transaction of ours.
    for (auto& item : items) {
        if (!item.work) continue;
        CommitResult r;
        try {
            item.work(store_);
        } catch (const std::exception& e) {
            r.error = e.what();
        }
        item.done(std::move(r));
    }
    std::erase_if(items, [](const Item& i) { return static_cast<bool>(i.work); });
    if (items.empty()) return;
    std::vector<CommitResult> results(items.size());
    try {
        if (!write_group(items, results)) write_alone(items, results);
    } catch (const std::exception& e) {
        spdlog::error("commit failed: {}", e.what());
        rollback();
        for (auto& r : results) r = CommitResult{e.what(), {}};
    }
    for (std::size_t i = 0; i < items.size(); ++i) items[i].done(std::move(results[i]));
}

}  // namespace indicatord
