#pragma once

#include <boost/asio/async_result.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "store/store.hpp"

namespace indicatord {

/// Outcome of one submitted batch: revisions in input order, or an error (nothing stored).
struct CommitResult {
    std::string error;
    std::vector<int> revisions;
    bool ok() const { return error.empty(); }
};

/// Group commit: one writer thread takes every batch queued since its last commit and writes
/// them in one transaction (one fsync). When a batch fails (an error SQLite reports on its
/// statement), that transaction is rolled back and each batch is redone in a transaction of its
/// own, so a failing batch changes nothing and leaves the others intact. A batch's callback runs
/// on the writer thread after COMMIT returned, i.e. once its values are durable.
///
/// Threads: the writer thread owns the Store's write connection (and every statement prepared
/// on it, AlertStore's too) from construction to stop(). submit() and post() may be called from
/// any thread and never block; the event loop awaits their results (async_commit in service.cpp,
/// async_run below).
class Committer {
  public:
    using Done = std::function<void(CommitResult)>;
    using Work = std::function<void(Store&)>;

    /// `on_commit` runs on the writer thread after each committed transaction (metrics).
    explicit Committer(Store& store, std::function<void()> on_commit = {});
    ~Committer();
    Committer(const Committer&) = delete;
    Committer& operator=(const Committer&) = delete;

    /// Thread-safe. After stop(), fails the batch at once.
    void submit(std::vector<NewObservation> batch, Done done);
    /// Queues `work` to run on the writer thread between transactions (rare schema-side work:
    /// registering indicators on reload, alert and silence rows); `done` runs there after it with
    /// its error (empty on success). Thread-safe, never blocks. After stop(), fails at once.
    void post(Work work, std::function<void(std::string error)> done);
    /// Writes what is queued, then joins the thread. Idempotent.
    void stop();

    std::uint64_t transactions() const;

  private:
    struct Item {
        std::vector<NewObservation> batch;
        Done done;
        Work work;  ///< set: schema-side work instead of a batch
    };
    void run();
    void write(std::vector<Item>& items);
    bool write_group(std::vector<Item>& items, std::vector<CommitResult>& results);
    void write_alone(std::vector<Item>& items, std::vector<CommitResult>& results);
    void committed();
    void rollback();

    Store& store_;
    std::function<void()> on_commit_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<Item> queue_;
    bool stopping_ = false;
    std::uint64_t transactions_ = 0;
    std::thread thread_;
};

/// Runs `work` on the Committer's writer thread and completes with its error (empty on
/// success) on the caller's executor: the event loop awaits the writer instead of blocking.
template <typename Token>
auto async_run(Committer& committer, Committer::Work work, Token&& token) {
    return boost::asio::async_initiate<Token, void(std::string)>(
        [&committer](auto handler, Committer::Work w) {
            auto ex = boost::asio::prefer(boost::asio::get_associated_executor(handler),
                                          boost::asio::execution::outstanding_work.tracked);
            auto h = std::make_shared<decltype(handler)>(std::move(handler));
            committer.post(std::move(w), [h, ex](std::string error) {
                boost::asio::post(ex, [h, e = std::move(error)]() mutable { (*h)(std::move(e)); });
            });
        },
        token, std::move(work));
}

}  // namespace indicatord
