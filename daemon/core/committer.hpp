#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "store.hpp"

namespace indicatord {

/// Outcome of one submitted batch: revisions in input order, or an error (nothing stored).
struct CommitResult {
    std::string error;
    std::vector<int> revisions;
    bool ok() const { return error.empty(); }
};

/// Group commit: one writer thread takes every batch queued since its last commit and writes
/// them in one transaction (one fsync), each batch in its own savepoint so a failing batch
/// leaves the others intact. A batch's callback runs on the writer thread after COMMIT
/// returned, i.e. once its values are durable.
class Committer {
public:
    using Done = std::function<void(CommitResult)>;

    /// `on_commit` runs on the writer thread after each committed transaction (metrics).
    explicit Committer(Store& store, std::function<void()> on_commit = {});
    ~Committer();
    Committer(const Committer&) = delete;
    Committer& operator=(const Committer&) = delete;

    /// Thread-safe. After stop(), fails the batch at once.
    void submit(std::vector<NewObservation> batch, Done done);
    /// Runs `fn` on the writer thread between transactions and waits for it; its exception
    /// is rethrown here. For rare schema-side work (registering indicators on reload).
    void exclusive(const std::function<void(Store&)>& fn);
    /// Writes what is queued, then joins the thread. Idempotent.
    void stop();

    std::uint64_t transactions() const;

private:
    struct Item {
        std::vector<NewObservation> batch;
        Done done;
        const std::function<void(Store&)>* work = nullptr;
    };
    void run();
    void write(std::vector<Item>& items);

    Store& store_;
    std::function<void()> on_commit_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<Item> queue_;
    bool stopping_ = false;
    std::uint64_t transactions_ = 0;
    std::thread thread_;
};

}  // namespace indicatord
