// notify/outbox.cpp and notify/deliverer.cpp: which alerts become which messages for which
// channel (rendering), and how the outbox is delivered (retry with backoff on the injected
// Clock, give-up, never twice once delivered, a crash between send and mark). A real SQLite
// file; the channels replaced by a fake Sender, so no network.
#include "notify/outbox.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <csignal>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>

#include "alerts/alert_store.hpp"
#include "alerts/alerts.hpp"
#include "notify/deliverer.hpp"
#include "notify/text.hpp"
#include "store/store.hpp"
#include "test_util.hpp"

using namespace indicatord;
using namespace std::chrono_literals;
namespace json = boost::json;

using test::eventually;

namespace {

/// The digests of the plan of tests/data/lifecycle at `now` (both indicators overdue from
/// 2023-04-26; escalated to the office on 2023-05-01).
struct Alerts {
    Engine engine{test::lifecycle_plan(), nullptr};
    Alerter alerter{config()};

    static AlertingConfig config() {
        AlertingConfig c;
        c.reminders = false;
        c.repeat_interval = 24h * 30;
        c.escalation_unit = "dcs";
        c.escalation_steps = {DayOffset{3, true}};
        c.external_url = "http://indicatord.example.org";
        return c;
    }
    Alerter::Step step(const std::string& now) {
        engine.evaluate_all(test::at(now));
        return alerter.step(engine, test::at(now));
    }
};

std::map<std::string, OutboxEntry> by_receiver(const std::vector<OutboxEntry>& entries) {
    std::map<std::string, OutboxEntry> out;
    for (const auto& e : entries) out[e.receiver] = e;
    return out;
}

/// One outbox row as stored.
struct StoredRow {
    std::string state, last_error;
    std::int64_t attempts = 0, created_at = 0, next_attempt_at = 0;
    std::optional<std::int64_t> delivered_at;
};

StoredRow stored(const std::filesystem::path& file, const std::string& key) {
    sqlite::Database db(file, SQLITE_OPEN_READONLY);
    sqlite::Statement q(db,
                        "SELECT state, last_error, attempts, created_at, next_attempt_at, "
                        "delivered_at FROM outbox WHERE idempotency_key = ?");
    q.bind(1, key);
    REQUIRE(q.step());
    StoredRow r{std::string(q.text(0)),
                std::string(q.text(1)),
                q.int64(2),
                q.int64(3),
                q.int64(4),
                std::nullopt};
    if (!q.is_null(5)) r.delivered_at = q.int64(5);
    CHECK_FALSE(q.step());  // one row per key
    return r;
}

std::int64_t ms(TimePoint t) {
    return t.time_since_epoch().count();
}

OutboxEntry webhook(const std::string& key) {
    return OutboxEntry{"fgw/1", "generic", "http://127.0.0.1:9/hook",
                       "",      key,       R"({"version":"4","key":")" + key + "\"}"};
}

/// A real outbox file, a driven clock and a fake channel whose answers the test scripts.
class Delivery {
  public:
    using Script = std::function<DeliveryResult(const OutgoingNotification&, int attempt)>;

    explicit Delivery(DeliverySettings settings = {}) : settings_(settings) {}

    void start(Script script) {
        script_ = std::move(script);
        deliverer_ = std::make_unique<Deliverer>(
            file(), settings_, clock,
            [this](const std::string&, DeliveryOutcome o) {
                std::lock_guard lock(mutex_);
                outcomes_.push_back(o);
            },
            Deliverer::DepthObserver{},
            [this](const OutgoingNotification& n) {
                int attempt = 0;
                {
                    std::lock_guard lock(mutex_);
                    sent_.push_back(n);
                    for (const auto& s : sent_) attempt += s.idempotency_key == n.idempotency_key;
                }
                return script_(n, attempt);
            });
    }
    void restart(Script script) {
        deliverer_.reset();
        start(std::move(script));
    }

    void queue(const OutboxEntry& e) {
        alert_store_.save({}, {e}, clock.now());
        if (deliverer_) deliverer_->wake();
    }
    /// Moves the clock and waits until the delivery thread has looked at the outbox again.
    void set_clock(TimePoint t) {
        clock.set(t);
        settle();
    }
    void settle() {
        const auto passes = deliverer_->stats().passes;
        deliverer_->wake();
        REQUIRE(eventually([&] { return deliverer_->stats().passes > passes; }));
    }
    std::vector<DeliveryOutcome> outcomes() const {
        std::lock_guard lock(mutex_);
        return outcomes_;
    }
    std::vector<OutgoingNotification> sent() const {
        std::lock_guard lock(mutex_);
        return sent_;
    }
    bool attempts_reach(std::size_t n) {
        return eventually([&] { return outcomes().size() >= n; });
    }
    std::filesystem::path file() const { return dir_.path() / "outbox.db"; }

    ManualClock clock{test::at("2023-04-26T09:00:00+08:00")};

  private:
    test::TempDir dir_;
    Store store_{file()};
    AlertStore alert_store_{store_.writer()};
    DeliverySettings settings_;
    Script script_;
    mutable std::mutex mutex_;
    std::vector<DeliveryOutcome> outcomes_;
    std::vector<OutgoingNotification> sent_;
    std::unique_ptr<Deliverer> deliverer_;
};

DeliveryResult answer(DeliveryOutcome outcome, std::string detail) {
    return DeliveryResult{outcome, std::move(detail)};
}

}  // namespace

// ---- Rendering ---------------------------------------------------------------------------------

TEST_CASE("each receiver's digest becomes one outbox entry in its channel's format",
          "[outbox][render]") {
    Alerts alerts;
    const auto step = alerts.step("2023-04-26T09:00:00+08:00");
    const auto entries =
        to_outbox(*test::lifecycle_plan(), step.receivers, step.digests, "indicatord@example.org");
    REQUIRE(entries.size() == step.digests.size());
    auto e = by_receiver(entries);
    REQUIRE(e.size() == 4);
    for (std::size_t i = 0; i < step.digests.size(); ++i)
        CHECK(e.at(step.digests[i].receiver).idempotency_key == step.digests[i].idempotency_key);

    // the lead unit's email: a whole RFC 5322 message, both alerts in it
    const auto& mail = e.at("fgw/0");
    CHECK(mail.channel == "email");
    CHECK(mail.target == "fgw@example.org");
    CHECK_THAT(mail.payload, Catch::StartsWith("From: indicatord@example.org\r\nTo: "
                                               "fgw@example.org\r\nSubject: =?UTF-8?B?"));
    CHECK_THAT(mail.payload, Catch::Contains("\r\nDate: Wed, 26 Apr 2023 01:00:00 +0000\r\n"));
    CHECK_THAT(mail.payload,
               Catch::Contains("\r\nX-Indicatord-Idempotency-Key: " + mail.idempotency_key));
    CHECK_THAT(mail.payload, Catch::Contains("Content-Type: multipart/alternative;"));

    // the lead unit's DingTalk robot: markdown with both alerts; signed only when sent
    const auto& ding = e.at("fgw/1");
    CHECK(ding.channel == "dingtalk");
    CHECK(ding.target == "https://oapi.dingtalk.com/robot/send?access_token=fgw");
    const auto dj = json::parse(ding.payload).as_object();
    CHECK(dj.at("msgtype") == "markdown");
    const std::string text(dj.at("markdown").at("text").as_string());
    CHECK_THAT(text, Catch::Contains("生产总值增长") && Catch::Contains("规上工业增加值增长"));
    CHECK(dj.at("markdown").at("title").as_string() == digest_subject(step.digests[0]));

    // the co-unit: gdp_growth only (industry_growth does not notify its co-units)
    const auto& wecom = e.at("tjj/0");
    CHECK(wecom.channel == "wecom");
    const std::string content(json::parse(wecom.payload).at("markdown").at("content").as_string());
    CHECK_THAT(content, Catch::Contains("生产总值增长"));
    CHECK_THAT(content, !Catch::Contains("规上工业增加值增长"));

    // Feishu: the secret file travels with the row; the signature is added at send time
    const auto& feishu = e.at("tjj/1");
    CHECK(feishu.channel == "feishu");
    CHECK(feishu.secret_file == "/run/indicatord/tjj-feishu.secret");
    const auto fj = json::parse(feishu.payload).as_object();
    CHECK(fj.at("msg_type") == "post");
    CHECK_FALSE(fj.contains("sign"));
    CHECK_FALSE(fj.contains("timestamp"));
}

TEST_CASE("the escalation to the office and the resolution render as their own messages",
          "[outbox][render]") {
    Alerts alerts;
    alerts.step("2023-04-26T09:00:00+08:00");
    auto step = alerts.step("2023-05-01T09:00:00+08:00");
    auto e =
        by_receiver(to_outbox(*test::lifecycle_plan(), step.receivers, step.digests, "a@b.org"));
    REQUIRE(e.size() == 1);
    const auto& office = e.at("dcs/0");
    CHECK(office.channel == "generic");  // a webhook without a format
    const auto payload = json::parse(office.payload).as_object();
    CHECK(payload.at("version") == "4");
    CHECK(payload.at("receiver") == "dcs/0");
    CHECK(payload.at("status") == "firing");
    CHECK(payload.at("alerts").as_array().size() == 2);

    alerts.engine.restore("gdp_growth", "2023-Q1", 6.5, 1, test::at("2023-05-02T09:00:00+08:00"));
    step = alerts.step("2023-05-02T09:00:00+08:00");
    e = by_receiver(to_outbox(*test::lifecycle_plan(), step.receivers, step.digests, "a@b.org"));
    REQUIRE(e.count("dcs/0"));
    const auto resolved = json::parse(e.at("dcs/0").payload).as_object();
    // the group's whole state, as Alertmanager sends it: the resolved alert and the one still
    // firing, so the message as a whole is still firing
    CHECK(resolved.at("status") == "firing");
    const json::object* gdp = nullptr;
    for (const auto& a : resolved.at("alerts").as_array())
        if (a.at("labels").at("indicator") == "gdp_growth") gdp = &a.as_object();
    REQUIRE(gdp);
    CHECK(gdp->at("status") == "resolved");
    CHECK(gdp->at("endsAt") == "2023-05-02T01:00:00.000Z");
}

TEST_CASE("without SMTP, email receivers get no entry, and unknown receivers are skipped",
          "[outbox][render]") {
    Alerts alerts;
    auto step = alerts.step("2023-04-26T09:00:00+08:00");
    auto e = by_receiver(to_outbox(*test::lifecycle_plan(), step.receivers, step.digests, ""));
    CHECK(e.size() == 3);
    CHECK_FALSE(e.count("fgw/0"));
    // a receiver a reload removed from the plan
    step.receivers[0] = ReceiverRef{"gone", 0};
    CHECK(to_outbox(*test::lifecycle_plan(), step.receivers, step.digests, "a@b.org").size() == 3);
}

TEST_CASE("the same digests render to the same bytes (a retry sends what was queued)",
          "[outbox][render]") {
    Alerts alerts;
    const auto step = alerts.step("2023-04-26T09:00:00+08:00");
    const auto a = to_outbox(*test::lifecycle_plan(), step.receivers, step.digests, "a@b.org");
    const auto b = to_outbox(*test::lifecycle_plan(), step.receivers, step.digests, "a@b.org");
    REQUIRE(a.size() == b.size());
    for (std::size_t i = 0; i < a.size(); ++i) CHECK(a[i].payload == b[i].payload);
}

// ---- Delivery ----------------------------------------------------------------------------------

TEST_CASE("a retryable failure is retried with exponential backoff on the injected clock",
          "[outbox][deliver]") {
    DeliverySettings settings;
    settings.backoff_initial = 10s;
    settings.backoff_max = 25s;
    settings.give_up_after = 1h;
    Delivery d(settings);
    d.start([](const OutgoingNotification&, int attempt) {
        return attempt <= 3 ? answer(DeliveryOutcome::retry, "HTTP 503 Service Unavailable")
                            : answer(DeliveryOutcome::delivered, "HTTP 200 OK");
    });
    const auto t0 = d.clock.now();
    d.queue(webhook("k1"));
    REQUIRE(d.attempts_reach(1));
    auto row = stored(d.file(), "k1");
    CHECK(row.state == "pending");
    CHECK(row.attempts == 1);
    CHECK(row.last_error == "HTTP 503 Service Unavailable");
    // 10 s with a jitter of 0.5 to 1.5
    CHECK(row.next_attempt_at >= ms(t0 + 5s));
    CHECK(row.next_attempt_at <= ms(t0 + 15s));

    // one millisecond early: the thread looks and leaves it
    d.set_clock(TimePoint(std::chrono::milliseconds(row.next_attempt_at - 1)));
    CHECK(d.outcomes().size() == 1);

    // due: the second attempt; the delay doubles (20 s), then hits the 25 s cap
    for (const auto& [attempt, low, high] :
         {std::tuple{2, 10'000, 30'000}, std::tuple{3, 12'500, 37'500}}) {
        const auto due = row.next_attempt_at;
        d.set_clock(TimePoint(std::chrono::milliseconds(due)));
        REQUIRE(d.attempts_reach(static_cast<std::size_t>(attempt)));
        row = stored(d.file(), "k1");
        CHECK(row.attempts == attempt);
        CHECK(row.next_attempt_at >= due + low);
        CHECK(row.next_attempt_at <= due + high);
    }
    d.set_clock(TimePoint(std::chrono::milliseconds(row.next_attempt_at)));
    REQUIRE(d.attempts_reach(4));
    row = stored(d.file(), "k1");
    CHECK(row.state == "delivered");
    CHECK(row.attempts == 4);
    CHECK(row.last_error.empty());
    CHECK(row.delivered_at == ms(d.clock.now()));
    CHECK(d.outcomes() ==
          std::vector<DeliveryOutcome>{DeliveryOutcome::retry, DeliveryOutcome::retry,
                                       DeliveryOutcome::retry, DeliveryOutcome::delivered});
}

TEST_CASE("the backoff counts from the end of the attempt, on the injected clock",
          "[outbox][deliver]") {
    DeliverySettings settings;
    settings.backoff_initial = 10s;
    Delivery d(settings);
    const auto t0 = d.clock.now();
    // the clock moves while the request is in flight (a slow receiver, or a test moving it)
    d.start([&](const OutgoingNotification&, int) {
        d.clock.set(t0 + 1min);
        return answer(DeliveryOutcome::retry, "timeout");
    });
    d.queue(webhook("slow"));
    REQUIRE(d.attempts_reach(1));
    const auto row = stored(d.file(), "slow");
    CHECK(row.next_attempt_at >= ms(t0 + 1min + 5s));
    CHECK(row.next_attempt_at <= ms(t0 + 1min + 15s));
}

TEST_CASE("retryable failures give up once give_up_after has passed, a refusal at once",
          "[outbox][deliver]") {
    DeliverySettings settings;
    settings.backoff_initial = 10s;
    settings.give_up_after = 1min;
    Delivery d(settings);
    d.start([](const OutgoingNotification& n, int) {
        return n.idempotency_key == "refused"
                   ? answer(DeliveryOutcome::give_up, "HTTP 400 Bad Request")
                   : answer(DeliveryOutcome::retry, "connection refused");
    });
    const auto t0 = d.clock.now();
    d.queue(webhook("down"));
    REQUIRE(d.attempts_reach(1));
    // still within the minute: retried, not given up
    d.set_clock(t0 + 59s);
    REQUIRE(d.attempts_reach(2));
    CHECK(stored(d.file(), "down").state == "pending");
    // past it: the next failure is the last
    d.set_clock(t0 + 90s);  // the second delay was at most 1.5 x 20 s
    REQUIRE(d.attempts_reach(3));
    auto row = stored(d.file(), "down");
    CHECK(row.state == "failed");
    CHECK(row.attempts == 3);
    CHECK(row.last_error == "gave up after 3 attempts: connection refused");
    CHECK(d.outcomes().back() == DeliveryOutcome::give_up);
    // and never tried again
    d.set_clock(t0 + 24h);
    CHECK(d.sent().size() == 3);

    d.queue(webhook("refused"));
    REQUIRE(d.attempts_reach(4));
    row = stored(d.file(), "refused");
    CHECK(row.state == "failed");
    CHECK(row.attempts == 1);
    CHECK(row.last_error == "HTTP 400 Bad Request");
}

TEST_CASE("a delivered row is never sent again: not later, not queued again, not after a restart",
          "[outbox][deliver]") {
    Delivery d;
    const auto ok = [](const OutgoingNotification&, int) {
        return answer(DeliveryOutcome::delivered, "HTTP 200 OK");
    };
    d.start(ok);
    d.queue(webhook("once"));
    REQUIRE(d.attempts_reach(1));
    CHECK(stored(d.file(), "once").state == "delivered");
    d.set_clock(d.clock.now() + 48h);
    d.queue(webhook("once"));  // the same idempotency key queued again is ignored
    d.settle();
    d.restart(ok);
    d.settle();
    d.set_clock(d.clock.now() + 48h);
    CHECK(d.sent().size() == 1);
    CHECK(stored(d.file(), "once").attempts == 1);
}

TEST_CASE(
    "a crash between send and mark: the row is sent again after the restart, same key and "
    "bytes",
    "[outbox][deliver]") {
    Delivery d;  // no delivery thread in this process yet
    d.queue(webhook("crash"));
    const auto seen = d.file().parent_path() / "sent-before-crash";

    // The first daemon: a child process whose Sender hands the message over and dies at once,
    // before the Deliverer can mark the row delivered (as kill -9 would).
    const pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        alarm(10);  // never outlive the test
        ManualClock clock(d.clock.now());
        Deliverer first(d.file(), DeliverySettings{}, clock, {}, {},
                        [&](const OutgoingNotification& n) -> DeliveryResult {
                            {
                                std::ofstream out(seen, std::ios::binary);
                                out << n.idempotency_key << '\n' << n.payload;
                            }
                            _exit(0);
                        });
        for (;;) pause();
    }
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    REQUIRE(WIFEXITED(status));
    REQUIRE(WEXITSTATUS(status) == 0);
    std::string key, payload;
    {
        std::ifstream in(seen, std::ios::binary);
        std::getline(in, key);
        payload.assign(std::istreambuf_iterator<char>(in), {});
    }
    CHECK(key == "crash");
    auto row = stored(d.file(), "crash");
    CHECK(row.state == "pending");  // the mark never happened
    CHECK(row.attempts == 0);

    // The restarted daemon sends it again: at least once, with the key the receiver
    // deduplicates by and byte for byte what the first one sent.
    d.start([](const OutgoingNotification&, int) {
        return answer(DeliveryOutcome::delivered, "HTTP 200 OK");
    });
    REQUIRE(d.attempts_reach(1));
    const auto sent = d.sent();
    REQUIRE(sent.size() == 1);
    CHECK(sent[0].idempotency_key == key);
    CHECK(sent[0].payload == payload);
    row = stored(d.file(), "crash");
    CHECK(row.state == "delivered");
    CHECK(row.attempts == 1);
}
