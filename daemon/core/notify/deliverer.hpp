#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "model/clock.hpp"
#include "notify/channels.hpp"
#include "notify/robot_pacing.hpp"

namespace indicatord {

/// Delivery settings (the `alerting.delivery` and `alerting.smtp` config).
struct DeliverySettings {
    SmtpSettings smtp;  ///< smtp.url empty: email receivers fail permanently
    std::chrono::seconds backoff_initial{5};
    std::chrono::seconds backoff_max{600};
    std::chrono::seconds give_up_after{24 * 3600};  ///< retryable failures stop after this
};

/// One notification of the outbox, as a channel sends it.
struct OutgoingNotification {
    std::string channel;  ///< email | generic | dingtalk | wecom | feishu
    std::string target;   ///< email address or webhook URL
    std::string secret_file;
    std::string idempotency_key;
    std::string payload;
};

/// Sends one notification and says what to do next. Called on the delivery thread only. The
/// Deliverer's default sends over the channels of channels.hpp (SMTP, webhooks, signed where the
/// robot wants it); tests give a fake one.
using Sender = std::function<DeliveryResult(const OutgoingNotification&)>;

/// Sends what the outbox holds, on its own thread with its own SQLite connection: oldest first,
/// retries with exponential backoff and jitter, marks a row delivered only after the receiver
/// accepted it (at-least-once; a confirmed delivery is never sent again, also across restarts).
///
/// Time: every instant that decides anything (which rows are due, the next attempt, give-up,
/// delivered_at, the depth's age) comes from the injected Clock, so a driven clock (tests,
/// `--test-clock`) drives retries too. Only the signing timestamps of DingTalk and Feishu stay
/// wall time: the receiver checks them against its own clock.
///
/// Waiting: the thread sleeps on a condition variable for the real time until the next row is due
/// as the Clock sees it, or until wake(). With the SystemClock that is one wake-up per due row and
/// none while idle. A Clock that jumps (ManualClock) must be followed by wake(): App::set_clock
/// does. Without it the thread still looks again when the computed real-time wait ends, finds
/// nothing due and sleeps again, so nothing is ever sent early.
///
/// Robots (DingTalk, WeCom, Feishu): every post to one robot URL counts against its limit
/// (RobotPacer), whatever receiver queued it. A due row whose robot is at its limit gets its
/// next_attempt_at moved to when the robot has room again (no attempt counted); when more rows
/// are due for a robot than it has room for, they go merged (merge_robot_messages), and the
/// merged rows are marked together.
///
/// Threads: construction and stop() by the owner (App::run), wake() and stats() from any thread;
/// the SQLite connection and its prepared statements are opened once on the delivery thread and
/// live there until it ends. The Clock must outlive the Deliverer.
class Deliverer {
  public:
    using Observer = std::function<void(const std::string& channel, DeliveryOutcome outcome)>;
    struct Depth {
        std::int64_t pending = 0;
        /// when the oldest pending row was queued (Unix time, the Clock's), 0 when none is
        double oldest_created_at_seconds = 0;
    };
    using DepthObserver = std::function<void(const Depth&)>;
    /// What the delivery thread has done so far (tests read it: one connection for many passes).
    struct Stats {
        std::uint64_t passes = 0;
        std::uint64_t connections_opened = 0;
        std::uint64_t statements_prepared = 0;
    };

    /// The observers run on the delivery thread: after each attempt, and after each pass.
    /// `sender` empty: the channels of channels.hpp with `config.smtp`.
    Deliverer(std::filesystem::path database, DeliverySettings config, const Clock& clock,
              Observer observer = {}, DepthObserver depth_observer = {}, Sender sender = {});
    ~Deliverer();
    Deliverer(const Deliverer&) = delete;
    Deliverer& operator=(const Deliverer&) = delete;

    /// New rows were queued: look now.
    void wake();
    /// The robots' limits (robot_limits of the plan), at start and after each reload; robots
    /// not named keep their channel's default. Any thread.
    void set_robot_limits(std::map<std::string, RobotLimit> by_url);
    void stop();
    Stats stats() const;

  private:
    struct Connection;
    void run();
    /// Sends every due row; returns when the next one is due (or nullopt if none is pending).
    std::optional<TimePoint> pass(Connection& c);

    std::filesystem::path database_;
    DeliverySettings config_;
    const Clock& clock_;
    std::atomic<std::uint64_t> passes_{0};
    std::atomic<std::uint64_t> connections_opened_{0};
    std::atomic<std::uint64_t> statements_prepared_{0};
    Observer observer_;
    DepthObserver depth_observer_;
    Sender sender_;
    /// Posts to each robot URL, on the Clock: a pass sends no more than the robot's limit and
    /// defers (and later merges) the rest.
    RobotPacer pacer_;
    mutable std::mutex mutex_;
    std::condition_variable cv_;
    bool stopping_ = false;
    bool woken_ = false;
    std::thread thread_;
};

}  // namespace indicatord
