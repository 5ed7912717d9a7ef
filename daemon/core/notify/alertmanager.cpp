#include "notify/alertmanager.hpp"

#include <boost/json.hpp>

#include "notify/text.hpp"

namespace indicatord {

std::string_view alertmanager_alertname(AlertKind kind) {
    switch (kind) {
        case AlertKind::reminder:
            return "ReportDue";
        case AlertKind::overdue:
            return "IndicatorOverdue";
        case AlertKind::at_risk:
            return "IndicatorAtRisk";
        case AlertKind::missed:
            return "IndicatorMissed";
        case AlertKind::chase:
            return "IndicatorChase";
    }
    return "Indicator";
}

std::string render_alertmanager(const std::vector<AlertItem>& alerts, std::string_view external_url,
                                const MessageTemplates* templates) {
    namespace json = boost::json;
    json::array out;
    for (const auto& a : alerts) {
        json::object labels;
        labels["alertname"] = alertmanager_alertname(a.kind);
        for (const char* name : {"plan", "task", "indicator", "severity"})
            if (auto it = a.labels.find(name); it != a.labels.end()) labels[name] = it->second;
        if (auto it = a.labels.find("lead_unit"); it != a.labels.end()) labels["unit"] = it->second;
        json::object annotations;
        for (const char* name :
             {"description", "indicator_name", "units", "period", "value", "target", "due"})
            if (auto it = a.annotations.find(name); it != a.annotations.end())
                annotations[name] = it->second;
        if (auto it = a.annotations.find("summary"); it != a.annotations.end())
            annotations["reason"] = it->second;
        annotations["summary"] = alert_line(a, templates);
        const auto link = indicator_link(external_url, a);
        if (!link.empty()) annotations["link"] = link;
        json::object o;
        o["labels"] = std::move(labels);
        o["annotations"] = std::move(annotations);
        o["startsAt"] = format_instant(a.starts_at);
        if (!a.firing && a.ends_at) o["endsAt"] = format_instant(std::max(*a.ends_at, a.starts_at));
        if (!link.empty()) o["generatorURL"] = link;
        out.push_back(std::move(o));
    }
    return json::serialize(out);
}

AlertmanagerClient::AlertmanagerClient(std::vector<std::string> urls, std::chrono::seconds timeout,
                                       Observer observer)
    : urls_(std::move(urls)),
      timeout_(timeout),
      observer_(std::move(observer)),
      thread_([this] { run(); }) {}

AlertmanagerClient::~AlertmanagerClient() {
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
    }
    wake_.notify_one();
    thread_.join();
}

void AlertmanagerClient::post(std::string payload) {
    {
        std::lock_guard lock(mutex_);
        next_ = std::move(payload);
    }
    wake_.notify_one();
}

void AlertmanagerClient::run() {
    for (;;) {
        std::string payload;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [this] { return stop_ || next_; });
            if (stop_) return;
            payload = std::move(*next_);
            next_.reset();
        }
        for (const auto& url : urls_) {
            auto result = send_webhook(url + "/api/v2/alerts", payload, {}, timeout_, false);
            if (observer_) observer_(url, result);
        }
    }
}

}  // namespace indicatord
