#pragma once

// Alertmanager as a receiver (`alerting.alertmanager`, docs/alertmanager.md): the alerts as
// Alertmanager's API v2 takes them (POST /api/v2/alerts, a JSON array of postable alerts), and
// the thread that posts them.
//
// What goes: every alert firing now and each one resolved lately, the whole set each time, like
// Prometheus. Alertmanager resolves an alert that stops arriving (resolve_timeout, 5m by
// default), so the App posts the set again every resend_interval while anything fires, and at
// once when it changes. Nothing of this is durable and nothing needs to be: the next post
// carries the whole state again (a failed post is not retried; the next one replaces it).

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "model/notification.hpp"
#include "notify/channels.hpp"
#include "notify/templates.hpp"

namespace indicatord {

/// Alertmanager's alertname of an alert kind: reminder -> ReportDue, overdue ->
/// IndicatorOverdue, at_risk -> IndicatorAtRisk, missed -> IndicatorMissed, chase ->
/// IndicatorChase.
std::string_view alertmanager_alertname(AlertKind kind);

/// The JSON array for POST /api/v2/alerts. Labels: alertname, plan, task, indicator, unit (the
/// lead unit), severity. Annotations: summary (the alert's Chinese line, as the messages write
/// it with `templates`, null: the defaults), reason (the evaluation's words), description,
/// indicator_name, units, and period, value, target, due where the alert has them; link (the
/// console's indicator page) when `external_url` is set, also as generatorURL. startsAt always;
/// endsAt only on resolved alerts (a firing one without endsAt stays firing in Alertmanager until
/// resolve_timeout passes without a new post).
std::string render_alertmanager(const std::vector<AlertItem>& alerts, std::string_view external_url,
                                const MessageTemplates* templates = nullptr);

/// Posts the latest payload to every URL's /api/v2/alerts on a thread of its own (the posts
/// block up to `timeout`). post() replaces a payload not yet sent: only the newest state goes.
///
/// Threads: construction and the destructor by the owner (App::run); post() from any thread;
/// `observer` is called on the posting thread with each URL's outcome.
class AlertmanagerClient {
  public:
    using Observer = std::function<void(const std::string& url, const DeliveryResult& result)>;
    AlertmanagerClient(std::vector<std::string> urls, std::chrono::seconds timeout,
                       Observer observer);
    ~AlertmanagerClient();
    AlertmanagerClient(const AlertmanagerClient&) = delete;
    AlertmanagerClient& operator=(const AlertmanagerClient&) = delete;

    void post(std::string payload);

  private:
    void run();

    std::vector<std::string> urls_;
    std::chrono::seconds timeout_;
    Observer observer_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::optional<std::string> next_;  ///< guarded by mutex_
    bool stop_ = false;                ///< guarded by mutex_
    std::thread thread_;               ///< last: starts once the rest is set
};

}  // namespace indicatord
