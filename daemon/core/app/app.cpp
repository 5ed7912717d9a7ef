#include "app/app.hpp"

#include <malloc.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <array>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <stdexcept>

#include "alerts/alert_store.hpp"
#include "alerts/alerts.hpp"
#include "alerts/bulletin_runs.hpp"
#include "app/rules.hpp"
#include "app/systemd.hpp"
#include "config/auth.hpp"
#include "config/scoring.hpp"
#include "eval/engine.hpp"
#include "http/http_server.hpp"
#include "http/metrics.hpp"
#include "http/service.hpp"
#include "model/plan.hpp"
#include "notify/alertmanager.hpp"
#include "notify/deliverer.hpp"
#include "notify/outbox.hpp"
#include "store/checkpointer.hpp"
#include "store/committer.hpp"
#include "store/review_store.hpp"
#include "store/store.hpp"
#include "util/errors.hpp"

namespace indicatord {

namespace asio = boost::asio;

namespace {

std::vector<std::string> keys_of(const Plan& plan) {
    std::vector<std::string> keys;
    keys.reserve(plan.indicators.size());
    for (const auto& i : plan.indicators) keys.push_back(i.key);
    return keys;
}

// Completion of the loop's own coroutines: an exception leaves io_context::run() as it did
// when the same work ran in a plain handler (asio::detached would swallow it and stop the tick).
void rethrow(std::exception_ptr e) {
    if (e) std::rethrow_exception(e);
}

// Wall time on purpose, the one read outside the Clock: the reload timestamp metric is compared
// with Prometheus' time() by alert rules, and says when the daemon really reloaded.
double unix_now() {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// The process's resident set in bytes (/proc/self/statm), 0 if it cannot be read.
std::size_t resident_bytes() {
    std::ifstream statm("/proc/self/statm");
    std::size_t pages = 0, resident = 0;
    if (!(statm >> pages >> resident)) return 0;
    return resident * static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
}

// Loading a large plan leaves tens of MB of freed heap (the rules' documents) that glibc keeps;
// malloc_trim hands it back. Runs on the loader thread, whose arena holds the freed documents, so
// that the event loop's arena is not held meanwhile. It asked mallinfo2() first whether 16 MB or
// more were free, a walk of every free chunk as long as the trim's own (2.5 % of a fresh start
// with 100,000 indicators); it now trims always (little to walk when little was freed) and logs
// what it handed back when that is 16 MB or more.
void trim_freed_heap() {
    constexpr std::size_t kWorthLogging = 16u << 20;
    const auto before = resident_bytes();
    const auto start = std::chrono::steady_clock::now();
    ::malloc_trim(0);
    const auto after = resident_bytes();
    if (before < after + kWorthLogging) return;
    spdlog::info("returned {} MB of freed heap to the system in {:.2f} s", (before - after) >> 20,
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
}

// The reloadable configuration and the engine built on it: parsed and built on the loader thread,
// at start-up too, so that yaml-cpp's node trees are allocated in that thread's malloc arena and
// trim_freed_heap() does not hold the arena the event loop allocates from.
struct Loaded {
    RuleSet rules;
    std::shared_ptr<Engine> engine;
};

Loaded load(const DaemonConfig& config) {
    Loaded l{load_rules(config), nullptr};
    // The rules' documents are freed by now (84 MB at 100,000 indicators), in this thread's arena,
    // which the loop does not allocate from: handed back here (0.02 s), they no longer add to the
    // peak of the values and alerts loaded next (it was 350 MB with 10 million stored values).
    trim_freed_heap();
    l.engine = std::make_shared<Engine>(l.rules.plan, l.rules.calendar);
    return l;
}

}  // namespace

App::App(DaemonConfig config, std::unique_ptr<Clock> clock, ManualClock* manual)
    : config_(std::move(config)),
      clock_(std::move(clock)),
      manual_clock_(manual),
      metrics_(std::make_unique<SelfMetrics>(kVersion)) {}

App::~App() = default;

int App::run() {
    // 1. Rules: validated in full before anything is opened (on the loader thread, see load()).
    auto parse = [this]() -> asio::awaitable<Loaded> { co_return load(config_); };
    auto [rules, engine] = asio::co_spawn(loader_, std::move(parse), asio::use_future).get();
    const auto plan = rules.plan;
    engine_ = std::move(engine);
    tokens_ = rules.tokens;
    warn_if_open();
    note_warnings(rules);
    spdlog::info("loaded {} ({} tasks, {} indicators, {} units)", plans_text(*plan),
                 plan->tasks.size(), plan->indicators.size(), plan->units.size());
    metrics_->indicators.Set(static_cast<double>(plan->indicators.size()));
    metrics_->reload_success.Set(1);
    metrics_->reload_time.Set(unix_now());

    // 2. Storage.
    if (auto parent = config_.database.parent_path(); !parent.empty())
        std::filesystem::create_directories(parent);
    database_lock_ = std::make_unique<DatabaseLock>(config_.database);  // before anything writes
    store_ = std::make_unique<Store>(config_.database);
    store_->register_indicators(keys_of(*plan));
    qualify_stored_keys(*store_, *plan);
    load_latest(*store_, *engine_);
    review_store_ = std::make_unique<ReviewStore>(*store_);
    load_awaiting(*review_store_, *engine_);
    evaluate_all();
    alert_store_ = std::make_unique<AlertStore>(store_->writer());
    bulletin_runs_ = std::make_unique<BulletinRuns>(store_->writer());
    alerter_ = std::make_unique<Alerter>(config_.alerting);
    alerter_->set_templates(rules.templates);
    alerter_->load(alert_store_->load_alerts(), alert_store_->load_silences());
    // Before the writer's thread starts: the WAL is checkpointed off the writer from here on.
    checkpointer_ = std::make_unique<Checkpointer>(
        store_->writer(), config_.database, [m = metrics_.get()](bool on_writer) {
            (on_writer ? m->checkpoints_on_writer : m->checkpoints_background).Increment();
        });
    committer_ =
        std::make_unique<Committer>(*store_, [m = metrics_.get()] { m->commits.Increment(); });
    spdlog::info("database {} (schema version {})", config_.database.string(),
                 store_->schema_version());
    deliverer_ = std::make_unique<Deliverer>(
        config_.database, delivery_settings(config_.alerting), *clock_,
        [m = metrics_.get()](const std::string& channel, DeliveryOutcome o) {
            m->count_notification(channel, static_cast<int>(o));
        },
        [m = metrics_.get()](const Deliverer::Depth& depth) {
            m->outbox_depth.Set(static_cast<double>(depth.pending));
            m->outbox_oldest_pending.Set(depth.oldest_created_at_seconds);
        });
    deliverer_->set_robot_limits(robot_limits(*plan));
    if (const auto& am = config_.alerting.alertmanager; !am.urls.empty())
        alertmanager_ = std::make_unique<AlertmanagerClient>(
            am.urls, am.timeout,
            [m = metrics_.get()](const std::string& url, const DeliveryResult& r) {
                const bool ok = r.outcome == DeliveryOutcome::delivered;
                m->count_notification("alertmanager", static_cast<int>(r.outcome));
                if (ok)
                    spdlog::debug("alertmanager {}: alerts posted", url);
                else
                    spdlog::warn("alertmanager {}: cannot post the alerts: {}", url, r.detail);
            });
    if (config_.alerting.smtp.url.empty())
        spdlog::warn(
            "no alerting.smtp configured: email receivers are not notified (webhooks are)");
    // The first alert pass, on the loop before anything else is on it: run() returns when it is
    // done. Then the scheduled bulletins a daemon that was down owes.
    asio::co_spawn(
        io_,
        [this]() -> asio::awaitable<void> {
            co_await run_alerts();
            co_await run_bulletins();
            co_await run_reviews();
        },
        rethrow);
    io_.run();
    io_.restart();

    // 3. Bind and serve.
    service_ = std::make_unique<Service>(Service::Deps{
        [this]() -> Engine& { return *engine_; },
        *store_,
        *committer_,
        *metrics_,
        *clock_,
        [this] { return engine_ && store_ && !stopping_; },
        [this] { return tokens_.get(); },
        config_.auth.read_requires_token,
        [this]() -> AlertActions& { return *this; },
        [this]() -> std::shared_ptr<const Engine> { return engine_; },
        config_.auth.read_scope_unit,
        config_.auth.read_all_units,
        [this] { return store_->file_problem(); },
        [this]() -> AdminActions& { return *this; },
        config_.http.body_bytes,
        config_.web,
        config_.tls_cert_file.has_value(),
        [this](std::string_view plan_id) { return find_scoring(config_.rules, plan_id); },
        review_store_.get(),
        config_.evidence});
    server_ = std::make_unique<HttpServer>(io_, *service_, *metrics_, config_.http);
    if (config_.tls_cert_file) {
        try {
            server_->enable_tls(*config_.tls_cert_file, *config_.tls_key_file);
        } catch (const std::exception& e) {
            throw ConfigError(config_.file.string() + ": tls: cannot load " +
                              config_.tls_cert_file->string() + " / " +
                              config_.tls_key_file->string() + ": " + e.what());
        }
    }
    const auto port = server_->listen(config_.listen_host, config_.listen_port);
    // Signals are ours before the "listening on" line: whoever waits for that line (a test, a
    // script) may send SIGHUP at once, and until then SIGHUP's default action ends the process.
    start_signals();
    const bool v6 = config_.listen_host.find(':') != std::string::npos;
    std::printf("indicatord: listening on %s://%s%s%s:%u\n",
                config_.tls_cert_file ? "https" : "http", v6 ? "[" : "",
                config_.listen_host.c_str(), v6 ? "]" : "", static_cast<unsigned>(port));
    std::fflush(stdout);  // the one "listening on" line: a service's stdout is the journal too
    server_->start();
    schedule_tick();
    schedule_alertmanager();
    if (auto wd = systemd::watchdog_interval()) schedule_watchdog(*wd / 2);
    systemd::notify("READY=1\nSTATUS=serving");
    // After READY and off the loop: trimming 800 MB took 4-6 s (docs/benchmarks.md).
    asio::post(loader_, trim_freed_heap);

    // 4. Run until stopped, then drain.
    io_.run();
    loader_.stop();  // a reload still parsing finishes; one not begun is dropped
    loader_.join();
    deliverer_->stop();
    alertmanager_.reset();  // joins its thread (a post under way ends within its timeout)
    committer_->stop();
    checkpointer_.reset();  // the writer is idle: SQLite's own checkpoint is back
    spdlog::info("stopped");
    return 0;
}

void App::note_warnings(const RuleSet& rules) const {
    for (const auto& w : rules.warnings) spdlog::warn("{}", w);
    std::vector<int> years;
    for (const int year : plan_years(*rules.plan))
        if (rules.calendar->weekends_only(year)) years.push_back(year);
    metrics_->set_weekends_only_years(years);
}

void App::warn_if_open() const {
    if (tokens_)
        for (const auto& w : tokens_->warnings()) spdlog::warn("{}", w);
    if (tokens_ && tokens_->empty())
        spdlog::warn(
            "no API tokens in {} yet: nobody may write values (indicatorctl token create adds one)",
            config_.auth.tokens_file->string());
    else if (tokens_)
        spdlog::info("{} API token(s) from {}", tokens_->size(),
                     config_.auth.tokens_file->string());
    else
        spdlog::warn("no auth.tokens_file configured: anyone who reaches {}:{} may write values",
                     config_.listen_host, config_.listen_port);
}

void App::start_signals() {
    signals_.add(SIGTERM);
    signals_.add(SIGINT);
    signals_.add(SIGHUP);
    signals_.async_wait([this](const boost::system::error_code& ec, int sig) {
        if (ec) return;
        if (sig == SIGHUP) {
            spdlog::info("received SIGHUP");
            asio::co_spawn(
                io_, [this]() -> asio::awaitable<void> { co_await reload(); }, rethrow);
            start_signals();
            return;
        }
        spdlog::info("received {}, stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
        stop();
    });
}

void App::stop() {
    if (stopping_) return;
    stopping_ = true;
    systemd::notify("STOPPING=1");
    tick_.cancel();
    alertmanager_timer_.cancel();
    watchdog_.cancel();
    signals_.cancel();
    drain_deadline_.expires_after(config_.http.drain_timeout);
    drain_deadline_.async_wait([this](const boost::system::error_code& ec) {
        if (ec) return;
        spdlog::warn("drain deadline passed with {} connection(s) open; closing them",
                     server_->connections());
        io_.stop();
    });
    server_->drain([this] {
        drain_deadline_.cancel();
        io_.stop();
    });
}

asio::awaitable<std::string> App::reload() {
    // Not coalesced: a reload asked for while one runs re-reads the files after it, so every
    // caller's answer covers the files as they were when it asked.
    if (!reload_lock_->try_send(boost::system::error_code{})) {
        spdlog::info("a reload is running; this one waits for it");
        co_await reload_lock_->async_send(boost::system::error_code{}, asio::use_awaitable);
    }
    const AlertsGuard one_at_a_time(reload_lock_);
    spdlog::info("reloading rules");
    systemd::notify("RELOADING=1");
    try {
        // Parsing the rules and building the engine take seconds for a large plan: they run on
        // the loader thread while the loop goes on serving with the running engine.
        auto parse = [this]() -> asio::awaitable<Loaded> { co_return load(config_); };
        auto [rules, engine] =
            co_await asio::co_spawn(loader_, std::move(parse), asio::use_awaitable);
        const auto plan = rules.plan;
        // A missing tokens file means "none created yet" at start-up (nobody may write until
        // `indicatorctl token create`); at a reload, a file that held tokens and is gone is a
        // mistake (an editor's rename, a wrong path), not an order to lock everyone out.
        if (config_.auth.tokens_file && tokens_ && !tokens_->empty() &&
            !std::filesystem::exists(*config_.auth.tokens_file))
            throw std::runtime_error(config_.auth.tokens_file->string() +
                                     ": the tokens file is gone; the running tokens stay (restore "
                                     "it, or create tokens with indicatorctl token create)");
        // New indicators must exist in the database before values for them are written;
        // the writer thread owns the write connection, so registration goes through it.
        const auto keys = keys_of(*plan);
        std::function<void(Store&)> work = [keys, plan](Store& s) {
            s.register_indicators(keys);
            qualify_stored_keys(s, *plan);
        };
        co_await write(std::move(work));
        // On the loop, from here to the swap without a co_await: no value committed meanwhile
        // can reach the old engine only.
        load_latest(*store_, *engine);
        load_awaiting(*review_store_, *engine);
        engine_ = std::move(engine);
        tokens_ = rules.tokens;
        alerter_->set_config(config_.alerting);
        alerter_->set_templates(rules.templates);
        deliverer_->set_robot_limits(robot_limits(*rules.plan));
        warn_if_open();
        note_warnings(rules);
        evaluate_all();
        metrics_->indicators.Set(static_cast<double>(plan->indicators.size()));
        metrics_->reload_success.Set(1);
        metrics_->reload_time.Set(unix_now());
        spdlog::info("reloaded {} ({} indicators)", plans_text(*plan), plan->indicators.size());
        asio::post(loader_, trim_freed_heap);
    } catch (const std::exception& e) {
        metrics_->reload_success.Set(0);
        spdlog::error("reload failed, keeping the running configuration: {}", e.what());
        systemd::notify("READY=1");
        co_return e.what();
    }
    systemd::notify("READY=1");
    co_return std::string();
}

void App::evaluate_all() {
    const auto start = std::chrono::steady_clock::now();
    engine_->evaluate_all(clock_->now());
    metrics_->evaluation_duration.Observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
}

DeliverySettings App::delivery_settings(const AlertingConfig& a) {
    DeliverySettings d;
    d.smtp.url = a.smtp.url;
    d.smtp.from = a.smtp.from;
    d.smtp.starttls = a.smtp.starttls;
    d.smtp.verify_tls = a.smtp.verify_tls;
    d.smtp.username = a.smtp.username;
    d.smtp.timeout = a.smtp.timeout;
    // The password: a file named in the config, else the systemd credential smtp-password.
    std::filesystem::path pw;
    if (a.smtp.password_file)
        pw = *a.smtp.password_file;
    else if (const char* dir = std::getenv("CREDENTIALS_DIRECTORY"))
        pw = std::filesystem::path(dir) / "smtp-password";
    if (!pw.empty() && std::filesystem::exists(pw)) {
        std::ifstream in(pw);
        std::string s((std::istreambuf_iterator<char>(in)), {});
        while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
        d.smtp.password = s;
    }
    d.backoff_initial = a.backoff_initial;
    d.backoff_max = a.backoff_max;
    d.give_up_after = a.give_up_after;
    return d;
}

// Callers build `work` in a named variable before co_await: GCC 12 mis-destroys a lambda with
// init-captures that is a temporary inside a co_await expression (free(): invalid pointer).
asio::awaitable<void> App::write(std::function<void(Store&)> work) {
    auto error = co_await async_run(*committer_, std::move(work), asio::use_awaitable);
    if (!error.empty()) throw StorageError(error);
}

asio::awaitable<App::AlertsGuard> App::lock_alerts() {
    co_await alerts_lock_->async_send(boost::system::error_code{}, asio::use_awaitable);
    co_return AlertsGuard(alerts_lock_);
}

asio::awaitable<void> App::run_alerts() {
    auto guard = co_await lock_alerts();
    const auto now = clock_->now();
    // The step changes the Alerter in place and logs what it changed: a failed save undoes it,
    // which leaves the Alerter as the database is, and the next tick tries again. (It ran on a
    // copy of the whole Alerter: 100,000 alerts copied each tick.) Nothing else changes the
    // alerts meanwhile: they are locked.
    auto step = alerter_->step(*engine_, now);
    auto outbox =
        to_outbox(engine_->plan(), step.receivers, step.digests,
                  config_.alerting.smtp.url.empty() ? std::string() : config_.alerting.smtp.from);
    if (!step.changed.empty() || !outbox.empty()) {
        std::string error;
        try {
            std::function<void(Store&)> work = [this, changed = std::move(step.changed), outbox,
                                                at = clock_->now()](Store&) {
                alert_store_->save(changed, outbox, at);
            };
            co_await write(std::move(work));
        } catch (const std::exception& e) {
            error = e.what();
        }
        if (!error.empty()) {
            spdlog::error("cannot save alert states: {}", error);
            alerter_->undo(std::move(step.undo));
            co_return;
        }
    }
    if (!outbox.empty()) deliverer_->wake();
    update_alert_metrics();
    post_alertmanager(false);
}

asio::awaitable<void> App::run_reviews() {
    if (!review_store_) co_return;
    const auto now = clock_->now();
    std::vector<LateReview> late;
    for (auto& s : review_store_->pending()) {
        if (s.due_at > now) continue;
        late.push_back({s.id, std::move(s.indicator), std::move(s.period), s.value,
                        std::move(s.unit), std::move(s.reviewer), s.reported_at, s.due_at});
    }
    if (late.empty()) co_return;
    auto guard = co_await lock_alerts();
    auto step = alerter_->late_reviews(*engine_, late, now);
    auto outbox =
        to_outbox(engine_->plan(), step.receivers, step.digests,
                  config_.alerting.smtp.url.empty() ? std::string() : config_.alerting.smtp.from);
    std::erase_if(outbox, [&](const OutboxEntry& e) {
        return late_reviews_queued_.contains(e.idempotency_key);
    });
    if (outbox.empty()) co_return;
    std::function<void(Store&)> work = [this, outbox, now](Store&) {
        alert_store_->save({}, outbox, now);
    };
    try {
        co_await write(std::move(work));
    } catch (const std::exception& e) {
        spdlog::error("cannot queue the reminders of late reviews: {}", e.what());
        co_return;
    }
    for (const auto& e : outbox) late_reviews_queued_.insert(e.idempotency_key);
    spdlog::info("{} reminder(s) of late reviews queued", outbox.size());
    deliverer_->wake();
}

void App::post_alertmanager(bool resend) {
    if (!alertmanager_) return;
    const auto now = clock_->now();
    // Resolved alerts go for 15 minutes after they resolved (as Prometheus keeps sending them),
    // and always once after they were posted firing, however the clock moved.
    constexpr auto kResolvedFor = std::chrono::minutes(15);
    const auto states = alerter_->current(*engine_, now, [&](const AlertState& a) {
        return alertmanager_firing_.contains(a.fingerprint) ||
               (a.resolved_at && now - *a.resolved_at <= kResolvedFor);
    });
    // what is posted, compared before any text is formatted (each tick, for every alert)
    std::string state;
    state.reserve(states.size() * 17);
    for (const auto* a : states)
        state += a->fingerprint + (a->phase == AlertState::Phase::firing ? "+" : "-");
    if (states.empty() && alertmanager_last_.empty()) return;  // nothing fires, nothing did
    if (!resend && state == alertmanager_last_) return;
    std::set<std::string> firing;
    std::vector<AlertItem> items;
    items.reserve(states.size());
    for (const auto* a : states) {
        items.push_back(alerter_->item_of(*engine_, *a, now));
        if (items.back().firing) firing.insert(a->fingerprint);
    }
    alertmanager_->post(
        render_alertmanager(items, config_.alerting.external_url, alerter_->templates().get()));
    alertmanager_firing_ = std::move(firing);
    alertmanager_last_ = std::move(state);
}

void App::schedule_alertmanager() {
    if (!alertmanager_) return;
    alertmanager_timer_.expires_after(config_.alerting.alertmanager.resend_interval);
    alertmanager_timer_.async_wait([this](const boost::system::error_code& ec) {
        if (ec || stopping_) return;
        post_alertmanager(true);
        schedule_alertmanager();
    });
}

void App::update_alert_metrics() {
    // Counted by phase and kind first: two strings and a map lookup per alert were 1 % of a
    // start raising 100,000 alerts.
    constexpr std::size_t kPhases = 3, kKinds = 4;
    std::array<std::array<int, kKinds>, kPhases> by{};
    for (const auto& [fp, a] : alerter_->alerts())
        ++by.at(static_cast<std::size_t>(a.phase)).at(static_cast<std::size_t>(a.kind));
    std::map<std::pair<std::string, std::string>, int> counts;
    for (std::size_t p = 0; p < kPhases; ++p)
        for (std::size_t k = 0; k < kKinds; ++k)
            if (by[p][k] > 0)
                counts[{std::string(to_string(static_cast<AlertState::Phase>(p))),
                        std::string(to_string(static_cast<AlertKind>(k)))}] = by[p][k];
    metrics_->set_alert_counts(counts);
}

// Each change is committed first and reaches the Alerter only once stored: a failed write
// (StorageError, naming the cause) leaves memory as the database is.
asio::awaitable<bool> App::acknowledge(std::string fingerprint, std::string by,
                                       std::string comment) {
    auto guard = co_await lock_alerts();
    auto changed = alerter_->acknowledged(fingerprint, by, comment, clock_->now());
    if (!changed) co_return false;
    std::function<void(Store&)> work = [this, a = *changed, at = clock_->now()](Store&) {
        alert_store_->save({&a}, {}, at);
    };
    co_await write(std::move(work));
    alerter_->put(std::move(*changed));
    co_return true;
}

asio::awaitable<std::int64_t> App::add_silence(Silence s) {
    auto guard = co_await lock_alerts();
    s.created_at = clock_->now();
    auto id = std::make_shared<std::int64_t>(0);
    std::function<void(Store&)> work = [this, s, id](Store&) {
        *id = alert_store_->add_silence(s);
    };
    co_await write(std::move(work));
    s.id = *id;
    alerter_->add_silence(s);
    co_return s.id;
}

asio::awaitable<std::optional<AlertActions::ChaseResult>> App::chase(std::string key,
                                                                     std::string by,
                                                                     std::string comment) {
    auto guard = co_await lock_alerts();
    const auto& plan = engine_->plan();
    const auto i = plan.index_of(key);
    if (i < 0) co_return std::nullopt;
    const auto now = clock_->now();
    auto step = alerter_->chase(*engine_, static_cast<std::size_t>(i), by, comment, now);
    auto outbox =
        to_outbox(plan, step.receivers, step.digests,
                  config_.alerting.smtp.url.empty() ? std::string() : config_.alerting.smtp.from);
    NewChase c{plan.indicators[static_cast<std::size_t>(i)].key,
               {},
               std::move(by),
               std::move(comment),
               now};
    for (const auto& d : step.digests)
        for (const auto& a : d.alerts)
            if (auto p = a.annotations.find("period"); p != a.annotations.end())
                c.period = p->second;
    auto id = std::make_shared<std::int64_t>(0);
    std::function<void(Store&)> work = [this, c, outbox, id](Store&) {
        *id = alert_store_->add_chase(c, outbox);
    };
    co_await write(std::move(work));
    if (!outbox.empty()) deliverer_->wake();
    co_return ChaseResult{*id, outbox.size(), c.period};
}

asio::awaitable<bool> App::expire_silence(std::int64_t id) {
    auto guard = co_await lock_alerts();
    const auto now = clock_->now();
    if (!alerter_->expirable(id, now)) co_return false;
    std::function<void(Store&)> work = [this, id, now](Store&) {
        alert_store_->update_silence_end(id, now);
    };
    co_await write(std::move(work));
    alerter_->expire_silence(id, now);
    co_return true;
}

asio::awaitable<bool> App::set_clock(TimePoint now) {
    if (!manual_clock_) co_return false;
    manual_clock_->set(now);
    deliverer_->wake();  // retries now due by the moved clock
    evaluate_all();
    co_await run_alerts();
    co_await run_bulletins();
    co_await run_reviews();
    co_return true;
}

const Alerter& App::alerter() const {
    return *alerter_;
}
TimePoint App::now() const {
    return clock_->now();
}

void App::schedule_tick() {
    tick_.expires_after(config_.evaluation_interval);
    tick_.async_wait([this](const boost::system::error_code& ec) {
        if (ec || stopping_) return;
        asio::co_spawn(
            io_,
            [this]() -> asio::awaitable<void> {
                evaluate_all();
                co_await run_alerts();
                co_await run_bulletins();
                co_await run_reviews();
                schedule_tick();
            },
            rethrow);
    });
}

void App::schedule_watchdog(std::chrono::microseconds interval) {
    watchdog_.expires_after(interval);
    watchdog_.async_wait([this, interval](const boost::system::error_code& ec) {
        if (ec || stopping_) return;
        systemd::notify("WATCHDOG=1");
        schedule_watchdog(interval);
    });
}

}  // namespace indicatord
