#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/experimental/channel.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <utility>

#include "alerts/alert_actions.hpp"
#include "config/config.hpp"
#include "http/admin_actions.hpp"
#include "model/clock.hpp"

namespace indicatord {

struct RuleSet;
class Engine;
class Store;
class DatabaseLock;
class Checkpointer;
class Committer;
class SelfMetrics;
class Service;
class HttpServer;
class TokenStore;
class Alerter;
class AlertStore;
class ReviewStore;
class Deliverer;
class AlertmanagerClient;
class BulletinRuns;
struct DeliverySettings;
struct Plan;

inline constexpr std::string_view kVersion = "0.1.0";

/// The composition root: owns every subsystem and runs the fixed lifecycle
/// (load rules, open storage, bind, READY=1, run, drain, STOPPING=1).
///
/// Threads: everything runs on the io_context's single thread (the event loop) except the
/// Committer's writer thread, which owns the Store's write connection and the AlertStore, the
/// Deliverer's thread, which has a connection of its own, and the loader thread, which parses
/// the rules and builds the Engine at start-up and on reload (and hands freed heap back to the
/// kernel) while the loop goes on serving. The loop reads through the Store's read connection and
/// awaits the writer and the loader; it never blocks on them once it runs.
class App final : public AlertActions, public AdminActions {
  public:
    /// `manual`: the clock itself when tests drive it (POST /-/clock), else null.
    App(DaemonConfig config, std::unique_ptr<Clock> clock, ManualClock* manual = nullptr);
    ~App();
    App(const App&) = delete;
    App& operator=(const App&) = delete;

    /// Runs until SIGTERM/SIGINT. Throws ConfigError (rules), StorageError (database) or
    /// std::system_error (bind) before serving; returns the exit code after a clean stop.
    int run();

    // AlertActions, for the HTTP API (event loop thread).
    const Alerter& alerter() const override;
    TimePoint now() const override;
    boost::asio::awaitable<bool> acknowledge(std::string fingerprint, std::string by,
                                             std::string comment) override;
    boost::asio::awaitable<std::int64_t> add_silence(Silence silence) override;
    boost::asio::awaitable<std::optional<ChaseResult>> chase(std::string key, std::string by,
                                                             std::string comment) override;
    boost::asio::awaitable<bool> expire_silence(std::int64_t id) override;
    // AdminActions, for POST /-/clock and POST /-/reload (event loop thread).
    boost::asio::awaitable<bool> set_clock(TimePoint now) override;
    boost::asio::awaitable<std::string> reload() override;

  private:
    void start_signals();
    void schedule_tick();
    void schedule_watchdog(std::chrono::microseconds interval);
    void stop();
    void evaluate_all();
    boost::asio::awaitable<void> run_alerts();
    /// Queues the scheduled bulletins (`bulletins:`) that are due and not yet queued, each in the
    /// transaction that records its run. app/bulletin_schedule.cpp.
    boost::asio::awaitable<void> run_bulletins();
    /// Queues the reminders to reviewers of values past review_due (Alerter::late_reviews) not
    /// yet queued; the outbox's idempotency keys keep each one to once per repeat_interval.
    boost::asio::awaitable<void> run_reviews();
    /// Runs `work` on the writer thread and awaits it; throws StorageError with its error.
    boost::asio::awaitable<void> write(std::function<void(Store&)> work);
    /// Held while an alert change is computed, stored and applied, so that changes reach the
    /// database in the order they reach memory. Released when the returned guard goes.
    struct AlertsGuard;
    boost::asio::awaitable<AlertsGuard> lock_alerts();
    void update_alert_metrics();
    /// Hands the alerts' whole state to the Alertmanager client (`alerting.alertmanager`): when
    /// it changed since the last post, or always with `resend` (every resend_interval while
    /// anything fires or resolved lately). Loop thread.
    void post_alertmanager(bool resend);
    void schedule_alertmanager();
    static DeliverySettings delivery_settings(const AlertingConfig& alerting);
    void warn_if_open() const;
    /// Logs the rules' warnings and sets the metrics that mirror them.
    void note_warnings(const RuleSet& rules) const;

    DaemonConfig config_;
    std::unique_ptr<Clock> clock_;
    ManualClock* manual_clock_ = nullptr;
    boost::asio::io_context io_{1};
    boost::asio::signal_set signals_{io_};
    boost::asio::steady_timer tick_{io_};
    boost::asio::steady_timer watchdog_{io_};
    boost::asio::steady_timer drain_deadline_{io_};
    std::unique_ptr<SelfMetrics> metrics_;
    std::shared_ptr<Engine> engine_;
    std::shared_ptr<const TokenStore> tokens_;
    std::unique_ptr<DatabaseLock> database_lock_;
    std::unique_ptr<Store> store_;
    std::unique_ptr<AlertStore> alert_store_;
    std::unique_ptr<ReviewStore> review_store_;
    std::unique_ptr<Alerter> alerter_;
    std::unique_ptr<Checkpointer> checkpointer_;  ///< before committer_: outlives its thread
    std::unique_ptr<Committer> committer_;
    std::unique_ptr<Deliverer> deliverer_;
    std::unique_ptr<AlertmanagerClient> alertmanager_;  ///< null without alerting.alertmanager
    boost::asio::steady_timer alertmanager_timer_{io_};
    std::set<std::string> alertmanager_firing_;  ///< fingerprints posted as firing last time
    std::string alertmanager_last_;              ///< what was posted last (fingerprint+state list)
    std::unique_ptr<BulletinRuns> bulletin_runs_;  ///< used on the writer thread only
    std::set<std::string> bulletin_runs_done_;
    std::set<std::string> late_reviews_queued_;  ///< idempotency keys known to be in the outbox
                                                 ///< ///< "schedule\nperiod" known to be recorded
    std::unique_ptr<Service> service_;
    std::unique_ptr<HttpServer> server_;
    bool stopping_ = false;
    /// One slot: sending takes the alerts lock, receiving gives it back. After the io_context, so
    /// it goes before it; a guard in a coroutine frame destroyed with the io_context then finds it
    /// gone.
    using Lock = boost::asio::experimental::channel<void(boost::system::error_code)>;
    std::shared_ptr<Lock> alerts_lock_ = std::make_shared<Lock>(io_, 1);
    /// One reload at a time (SIGHUP, POST /-/reload), in the order they came: the next waits
    /// until the running one has reported READY=1, so that sd_notify sees RELOADING=1 ...
    /// READY=1 pairs and each reload's result is logged before the next begins. Released by an
    /// AlertsGuard (the same one-slot release).
    std::shared_ptr<Lock> reload_lock_ = std::make_shared<Lock>(io_, 1);
    /// The loader thread (see Threads above). Declared after everything its work reads, so it is
    /// joined before they go.
    boost::asio::thread_pool loader_{1};
};

struct App::AlertsGuard {
    std::weak_ptr<Lock> lock;
    explicit AlertsGuard(std::weak_ptr<Lock> l) : lock(std::move(l)) {}
    AlertsGuard(AlertsGuard&& o) noexcept : lock(std::move(o.lock)) { o.lock.reset(); }
    AlertsGuard& operator=(AlertsGuard&&) = delete;
    ~AlertsGuard() {
        if (auto l = lock.lock()) l->try_receive([](boost::system::error_code) {});
    }
};

}  // namespace indicatord
