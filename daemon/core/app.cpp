#include "app.hpp"

#include <spdlog/spdlog.h>

#include <cstdio>

#include "auth.hpp"
#include "committer.hpp"
#include "engine.hpp"
#include "errors.hpp"
#include "http_server.hpp"
#include "metrics.hpp"
#include "plan.hpp"
#include "rules.hpp"
#include "service.hpp"
#include "store.hpp"
#include "systemd.hpp"

namespace indicatord {

namespace {

std::vector<std::string> keys_of(const Plan& plan) {
    std::vector<std::string> keys;
    keys.reserve(plan.indicators.size());
    for (const auto& i : plan.indicators) keys.push_back(i.key);
    return keys;
}

double unix_now() {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

App::App(DaemonConfig config, std::unique_ptr<Clock> clock)
    : config_(std::move(config)), clock_(std::move(clock)), metrics_(std::make_unique<SelfMetrics>(kVersion)) {}

App::~App() = default;

int App::run() {
    // 1. Rules: validated in full before anything is opened.
    auto rules = load_rules(config_);
    const auto plan = rules.plan;
    engine_ = std::make_unique<Engine>(rules.plan, rules.calendar);
    tokens_ = rules.tokens;
    warn_if_open();
    spdlog::info("loaded plan {} ({} tasks, {} indicators, {} units)", plan->id, plan->tasks.size(),
                 plan->indicators.size(), plan->units.size());
    metrics_->indicators.Set(static_cast<double>(plan->indicators.size()));
    metrics_->reload_success.Set(1);
    metrics_->reload_time.Set(unix_now());

    // 2. Storage.
    if (auto parent = config_.database.parent_path(); !parent.empty()) std::filesystem::create_directories(parent);
    store_ = std::make_unique<Store>(config_.database);
    store_->register_indicators(keys_of(*plan));
    engine_->load(*store_);
    evaluate_all();
    committer_ = std::make_unique<Committer>(*store_, [m = metrics_.get()] { m->commits.Increment(); });
    spdlog::info("database {} (schema version {})", config_.database.string(), store_->schema_version());

    // 3. Bind and serve.
    service_ = std::make_unique<Service>(Service::Deps{[this]() -> Engine& { return *engine_; }, *store_,
                                                       *committer_, *metrics_, *clock_,
                                                       [this] { return engine_ && store_ && !stopping_; },
                                                       [this] { return tokens_.get(); },
                                                       config_.auth.read_requires_token});
    server_ = std::make_unique<HttpServer>(io_, *service_, *metrics_, config_.http);
    const auto port = server_->listen(config_.listen_host, config_.listen_port);
    const bool v6 = config_.listen_host.find(':') != std::string::npos;
    std::printf("indicatord: listening on http://%s%s%s:%u\n", v6 ? "[" : "", config_.listen_host.c_str(),
                v6 ? "]" : "", static_cast<unsigned>(port));
    std::fflush(stdout);
    spdlog::info("listening on {}:{}", config_.listen_host, port);
    server_->start();
    start_signals();
    schedule_tick();
    if (auto wd = systemd::watchdog_interval()) schedule_watchdog(*wd / 2);
    systemd::notify("READY=1\nSTATUS=serving");

    // 4. Run until stopped, then drain.
    io_.run();
    committer_->stop();
    spdlog::info("stopped");
    return 0;
}

void App::warn_if_open() const {
    if (tokens_)
        spdlog::info("{} API token(s) from {}", tokens_->size(), config_.auth.tokens_file->string());
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
            reload();
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
    watchdog_.cancel();
    signals_.cancel();
    drain_deadline_.expires_after(config_.http.drain_timeout);
    drain_deadline_.async_wait([this](const boost::system::error_code& ec) {
        if (ec) return;
        spdlog::warn("drain deadline passed with {} connection(s) open; closing them", server_->connections());
        io_.stop();
    });
    server_->drain([this] {
        drain_deadline_.cancel();
        io_.stop();
    });
}

void App::reload() {
    spdlog::info("SIGHUP: reloading rules");
    systemd::notify("RELOADING=1");
    try {
        auto rules = load_rules(config_);
        const auto plan = rules.plan;
        auto engine = std::make_unique<Engine>(rules.plan, rules.calendar);
        // New indicators must exist in the database before values for them are written;
        // the writer thread owns the write connection, so registration goes through it.
        const auto keys = keys_of(*plan);
        committer_->exclusive([&keys](Store& s) { s.register_indicators(keys); });
        engine->load(*store_);
        engine_ = std::move(engine);
        tokens_ = rules.tokens;
        warn_if_open();
        evaluate_all();
        metrics_->indicators.Set(static_cast<double>(plan->indicators.size()));
        metrics_->reload_success.Set(1);
        metrics_->reload_time.Set(unix_now());
        spdlog::info("reloaded plan {} ({} indicators)", plan->id, plan->indicators.size());
    } catch (const std::exception& e) {
        metrics_->reload_success.Set(0);
        spdlog::error("reload failed, keeping the running configuration: {}", e.what());
    }
    systemd::notify("READY=1");
}

void App::evaluate_all() {
    const auto start = std::chrono::steady_clock::now();
    engine_->evaluate_all(clock_->now());
    metrics_->evaluation_duration.Observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
}

void App::schedule_tick() {
    tick_.expires_after(config_.evaluation_interval);
    tick_.async_wait([this](const boost::system::error_code& ec) {
        if (ec || stopping_) return;
        evaluate_all();
        schedule_tick();
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
