#include "notify/deliverer.hpp"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <cmath>
#include <fstream>
#include <random>

#include "notify/outbox.hpp"
#include "notify/text.hpp"
#include "notify/webhook_dingtalk.hpp"
#include "store/sqlite.hpp"
#include "util/digest.hpp"
#include "util/json_text.hpp"
#include "util/redact.hpp"

namespace indicatord {

namespace {

/// Wall time for the DingTalk and Feishu signatures only: their receivers check it against their
/// own clocks, so a driven Clock must not reach it. Everything else reads the injected Clock.
std::int64_t signing_now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string read_secret(const std::string& path) {
    if (path.empty()) return {};
    std::ifstream in(path);
    std::string s((std::istreambuf_iterator<char>(in)), {});
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    return s;
}

struct Row : OutgoingNotification {
    std::int64_t id = 0;
    std::int64_t created_at = 0;
    int attempts = 0;
};

/// The target as logs show it: an email address, or the webhook URL without its secrets.
std::string shown(const OutgoingNotification& r) {
    return r.channel == "email" ? r.target : redact_url(r.target);
}

DeliveryResult send(const OutgoingNotification& r, const DeliverySettings& config) {
    const std::vector<std::string> headers{std::string(kIdempotencyHeader) + ": " +
                                           r.idempotency_key};
    if (r.channel == "email") {
        if (config.smtp.url.empty())
            return {DeliveryOutcome::give_up, "no alerting.smtp.url configured"};
        return send_email(config.smtp, {r.target}, r.payload);
    }
    if (r.channel == "dingtalk") {
        const auto secret = read_secret(r.secret_file);
        const auto url =
            secret.empty() ? r.target : dingtalk_signed_url(r.target, secret, signing_now_ms());
        return send_webhook(url, r.payload, headers);
    }
    if (r.channel == "feishu") {
        const auto secret = read_secret(r.secret_file);
        if (secret.empty()) return send_webhook(r.target, r.payload, headers);
        // The signature covers a fresh timestamp: add it to the stored body at send time.
        auto body = boost::json::parse(r.payload).as_object();
        const auto ts = signing_now_ms() / 1000;
        body["timestamp"] = std::to_string(ts);
        body["sign"] = feishu_sign(secret, ts);
        return send_webhook(r.target, json_text(body), headers);
    }
    return send_webhook(r.target, r.payload, headers, std::chrono::seconds(30),
                        r.channel != "generic");
}

}  // namespace

/// The delivery thread's connection and statements: opened and prepared once, on that thread.
struct Deliverer::Connection {
    sqlite::Database db;
    sqlite::Statement due, done, failed, defer, retry, stats;

    Connection(const std::filesystem::path& file, std::atomic<std::uint64_t>& prepared)
        : db(open(file)),
          due(prepare(prepared,
                      "SELECT id, channel, target, secret_file, idempotency_key, payload, "
                      "created_at, attempts FROM outbox WHERE state = 'pending' AND "
                      "next_attempt_at <= ? ORDER BY id LIMIT 100")),
          done(prepare(prepared,
                       "UPDATE outbox SET state = 'delivered', delivered_at = ?, attempts = "
                       "attempts + 1, last_error = '' WHERE id = ?")),
          failed(prepare(prepared,
                         "UPDATE outbox SET state = 'failed', attempts = attempts + 1, "
                         "last_error = ? WHERE id = ?")),
          defer(prepare(prepared, "UPDATE outbox SET next_attempt_at = ? WHERE id = ?")),
          retry(prepare(prepared,
                        "UPDATE outbox SET next_attempt_at = ?, attempts = attempts + 1, "
                        "last_error = ? WHERE id = ?")),
          stats(prepare(prepared,
                        "SELECT COUNT(*), MIN(created_at), MIN(next_attempt_at) FROM outbox "
                        "WHERE state = 'pending'")) {}

  private:
    static sqlite::Database open(const std::filesystem::path& file) {
        sqlite::Database db(file, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX);
        db.exec("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;");
        return db;
    }
    sqlite::Statement prepare(std::atomic<std::uint64_t>& prepared, std::string_view sql) {
        sqlite::Statement s(db, sql);
        ++prepared;
        return s;
    }
};

Deliverer::Deliverer(std::filesystem::path database, DeliverySettings config, const Clock& clock,
                     Observer observer, DepthObserver depth_observer, Sender sender)
    : database_(std::move(database)),
      config_(std::move(config)),
      clock_(clock),
      observer_(std::move(observer)),
      depth_observer_(std::move(depth_observer)),
      sender_(sender ? std::move(sender)
                     : Sender([this](const OutgoingNotification& n) { return send(n, config_); })),
      thread_([this] { run(); }) {}

Deliverer::~Deliverer() {
    stop();
}

void Deliverer::set_robot_limits(std::map<std::string, RobotLimit> by_url) {
    pacer_.set_limits(std::move(by_url));
}

void Deliverer::wake() {
    std::lock_guard lock(mutex_);
    woken_ = true;
    cv_.notify_one();
}

void Deliverer::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        cv_.notify_one();
    }
    if (thread_.joinable()) thread_.join();
}

Deliverer::Stats Deliverer::stats() const {
    return {passes_.load(), connections_opened_.load(), statements_prepared_.load()};
}

void Deliverer::run() {
    try {
        // Opened once, for the thread's life; if opening fails it is tried again after 5 s.
        std::optional<Connection> connection;
        for (;;) {
            // How long to sleep, in real time: until the Clock reaches the next due row.
            std::optional<std::chrono::milliseconds> wait;
            try {
                if (!connection) {
                    connection.emplace(database_, statements_prepared_);
                    ++connections_opened_;
                }
                const auto next = pass(*connection);
                ++passes_;
                if (next) wait = std::max(std::chrono::milliseconds(0), *next - clock_.now());
            } catch (const std::exception& e) {
                spdlog::error("delivery: {}", e.what());
                wait = std::chrono::seconds(5);
            }
            std::unique_lock lock(mutex_);
            if (stopping_) return;
            auto ready = [this] { return stopping_ || woken_; };
            if (wait)
                cv_.wait_for(lock, *wait, ready);
            else
                cv_.wait(lock, ready);
            woken_ = false;
            if (stopping_) return;
        }
    } catch (const std::exception& e) {
        spdlog::critical("delivery thread stopped: {}", e.what());
    }
}

std::optional<TimePoint> Deliverer::pass(Connection& c) {
    auto& due = c.due;
    auto& done = c.done;
    auto& failed = c.failed;
    auto& retry = c.retry;
    auto& stats = c.stats;
    std::mt19937_64 rng(std::random_device{}());
    // Records what the receiver said about one row.
    auto settle = [&](const Row& row, DeliveryResult result) {
        const auto now = to_millis(clock_.now());
        if (result.outcome == DeliveryOutcome::retry &&
            now - row.created_at >
                std::chrono::duration_cast<std::chrono::milliseconds>(config_.give_up_after)
                    .count()) {
            result.outcome = DeliveryOutcome::give_up;
            result.detail =
                "gave up after " + std::to_string(row.attempts + 1) + " attempts: " + result.detail;
        }
        switch (result.outcome) {
            case DeliveryOutcome::delivered: {
                sqlite::Reset r(done);
                done.bind(1, now).bind(2, row.id).step();
                spdlog::info("delivered {} notification {} to {}", row.channel, row.idempotency_key,
                             shown(row));
                break;
            }
            case DeliveryOutcome::give_up: {
                sqlite::Reset r(failed);
                failed.bind(1, result.detail).bind(2, row.id).step();
                spdlog::error("giving up {} notification {} to {}: {}", row.channel,
                              row.idempotency_key, shown(row), result.detail);
                break;
            }
            case DeliveryOutcome::retry: {
                const double base = static_cast<double>(config_.backoff_initial.count()) * 1000.0 *
                                    std::pow(2.0, std::min(row.attempts, 20));
                const double capped =
                    std::min(base, static_cast<double>(config_.backoff_max.count()) * 1000.0);
                const double jitter = std::uniform_real_distribution<double>(0.5, 1.5)(rng);
                auto next = now + static_cast<std::int64_t>(capped * jitter);
                // A receiver's Retry-After, measured on the Clock like the backoff: it may
                // put the attempt later than the backoff, never past backoff_max from now.
                std::optional<std::int64_t> asked;
                if (result.retry_after)
                    asked = now + std::chrono::duration_cast<std::chrono::milliseconds>(
                                      *result.retry_after)
                                      .count();
                if (result.retry_at) asked = to_millis(*result.retry_at);
                if (asked)
                    next = std::max(
                        next, std::min(*asked,
                                       now + std::chrono::duration_cast<std::chrono::milliseconds>(
                                                 config_.backoff_max)
                                                 .count()));
                sqlite::Reset r(retry);
                retry.bind(1, next).bind(2, result.detail).bind(3, row.id).step();
                spdlog::warn("{} notification {} to {} failed, retrying: {}", row.channel,
                             row.idempotency_key, shown(row), result.detail);
                break;
            }
        }
        if (observer_) observer_(row.channel, result.outcome);
    };
    for (;;) {
        {
            std::lock_guard lock(mutex_);
            if (stopping_) return std::nullopt;
        }
        std::vector<Row> rows;
        {
            sqlite::Reset r(due);
            due.bind(1, to_millis(clock_.now()));
            while (due.step()) {
                Row row;
                row.id = due.int64(0);
                row.channel = due.text(1);
                row.target = due.text(2);
                row.secret_file = due.text(3);
                row.idempotency_key = due.text(4);
                row.payload = due.text(5);
                row.created_at = due.int64(6);
                row.attempts = static_cast<int>(due.int64(7));
                rows.push_back(std::move(row));
            }
        }
        if (rows.empty()) break;
        std::vector<bool> handled(rows.size(), false);
        for (std::size_t i = 0; i < rows.size(); ++i) {
            if (handled[i]) continue;
            {
                std::lock_guard lock(mutex_);
                if (stopping_) return std::nullopt;
            }
            const auto& row = rows[i];
            // This row and, for a robot, the others of this batch due for the same robot.
            std::vector<std::size_t> bundle{i};
            OutgoingNotification post = row;
            const bool robot = !pacer_.limit(row.channel, row.target).none();
            if (robot) {
                const auto room = pacer_.room(row.channel, row.target, clock_.now());
                std::vector<std::size_t> same;
                for (std::size_t j = i; j < rows.size(); ++j)
                    if (!handled[j] && rows[j].channel == row.channel &&
                        rows[j].target == row.target && rows[j].secret_file == row.secret_file)
                        same.push_back(j);
                if (room.posts <= 0) {  // at its limit: all wait until it has room
                    for (const auto j : same) {
                        sqlite::Reset r(c.defer);
                        c.defer.bind(1, to_millis(room.next)).bind(2, rows[j].id).step();
                        handled[j] = true;
                    }
                    spdlog::info("{} robot {} at its limit: {} notification(s) wait until {}",
                                 row.channel, shown(row), same.size(), format_instant(room.next));
                    continue;
                }
                if (static_cast<std::size_t>(room.posts) < same.size()) {
                    // more queued than it takes now: merged, as many as one post holds
                    std::vector<std::string> payloads;
                    for (const auto j : same) payloads.push_back(rows[j].payload);
                    auto [merged, taken] = merge_robot_messages(row.channel, payloads);
                    if (taken > 1) {
                        bundle.assign(same.begin(),
                                      same.begin() + static_cast<std::ptrdiff_t>(taken));
                        post.payload = std::move(merged);
                        std::string keys;
                        for (const auto j : bundle) keys += rows[j].idempotency_key + "\n";
                        post.idempotency_key = "merged-" + sha256_hex(keys).substr(0, 32);
                    }
                }
            }
            for (const auto j : bundle) handled[j] = true;
            DeliveryResult result;
            try {
                result = sender_(post);
            } catch (const std::exception& e) {
                result = {DeliveryOutcome::give_up,
                          std::string("cannot build the request: ") + e.what()};
            }
            if (robot) pacer_.record(row.target, clock_.now());
            if (bundle.size() > 1)
                spdlog::info("{} notifications {} merged {} queued for {}", row.channel,
                             post.idempotency_key, bundle.size(), shown(row));
            for (const auto j : bundle) settle(rows[j], result);
        }
    }
    // depth and the next due attempt
    sqlite::Reset r(stats);
    stats.step();
    Depth d;
    d.pending = stats.int64(0);
    if (d.pending > 0) d.oldest_created_at_seconds = static_cast<double>(stats.int64(1)) / 1000.0;
    if (depth_observer_) depth_observer_(d);
    if (d.pending == 0) return std::nullopt;
    return from_millis(stats.int64(2));
}

}  // namespace indicatord
