#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "notify/channels.hpp"

namespace indicatord {

/// Delivery settings (the `alerting.delivery` and `alerting.smtp` config).
struct DeliverySettings {
    SmtpSettings smtp;  ///< smtp.url empty: email receivers fail permanently
    std::chrono::seconds backoff_initial{5};
    std::chrono::seconds backoff_max{600};
    std::chrono::seconds give_up_after{24 * 3600};  ///< retryable failures stop after this
};

/// Sends what the outbox holds, on its own thread with its own SQLite connection: oldest first,
/// retries with exponential backoff and jitter, marks a row delivered only after the receiver
/// accepted it (at-least-once; a confirmed delivery is never sent again, also across restarts).
class Deliverer {
  public:
    using Observer = std::function<void(const std::string& channel, DeliveryOutcome outcome)>;
    struct Depth {
        std::int64_t pending = 0;
        double oldest_age_seconds = 0;
    };
    using DepthObserver = std::function<void(const Depth&)>;

    /// The observers run on the delivery thread: after each attempt, and after each pass.
    Deliverer(std::filesystem::path database, DeliverySettings config, Observer observer = {},
              DepthObserver depth_observer = {});
    ~Deliverer();
    Deliverer(const Deliverer&) = delete;
    Deliverer& operator=(const Deliverer&) = delete;

    /// New rows were queued: look now.
    void wake();
    void stop();

  private:
    void run();
    /// Sends every due row; returns when the next one is due (or nullopt if none is pending).
    std::optional<std::chrono::system_clock::time_point> pass();

    std::filesystem::path database_;
    DeliverySettings config_;
    Observer observer_;
    DepthObserver depth_observer_;
    mutable std::mutex mutex_;
    std::condition_variable cv_;
    bool stopping_ = false;
    bool woken_ = false;
    std::thread thread_;
};

}  // namespace indicatord
