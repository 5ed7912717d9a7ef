#include "app/replay.hpp"

#include <algorithm>
#include <boost/json.hpp>

#include "notify/text.hpp"
#include "util/json_text.hpp"

namespace indicatord {

namespace {

// The next local midnight strictly after `t`.
TimePoint next_midnight(const Engine& engine, TimePoint t) {
    const auto* zone = engine.zone();
    const auto local = zone->to_local(t);
    const auto day = date::floor<date::days>(local) + date::days(1);
    return std::chrono::time_point_cast<std::chrono::milliseconds>(
        zone->to_sys(day, date::choose::earliest));
}

// RFC 3339 in the plan's time zone, as the text output shows it: 2023-04-21T00:00:00+08:00.
std::string local_instant(const Engine& engine, TimePoint t) {
    return date::format("%FT%T%Ez",
                        date::make_zoned(engine.zone(), date::floor<std::chrono::seconds>(t)));
}

}  // namespace

std::string local_time(const Engine& engine, TimePoint t) {
    return date::format("%F %R %Ez",
                        date::make_zoned(engine.zone(), date::floor<std::chrono::seconds>(t)));
}

ReplayResult replay(Engine& engine, std::vector<TimedValue> values, TimePoint from, TimePoint to,
                    Alerter* alerter) {
    std::stable_sort(values.begin(), values.end(), [](const TimedValue& a, const TimedValue& b) {
        return a.reported_at < b.reported_at;
    });
    const auto& plan = engine.plan();
    std::size_t next = 0;
    // values reported before the window count from the start
    while (next < values.size() && values[next].reported_at <= from) {
        const auto& v = values[next++];
        engine.record(v.indicator, Observation{v.period, v.value, 1, v.reported_at});
    }
    engine.evaluate_all(from);
    std::vector<Status> current(plan.indicators.size());
    for (std::size_t i = 0; i < current.size(); ++i) current[i] = engine.evaluation(i).status;

    ReplayResult result;
    result.before_window = next;
    result.after_window = static_cast<std::size_t>(
        std::count_if(values.begin() + static_cast<std::ptrdiff_t>(next), values.end(),
                      [&](const TimedValue& v) { return v.reported_at > to; }));
    auto& changes = result.changes;
    auto notify = [&](TimePoint at) {
        if (!alerter) return;
        for (auto& d : alerter->step(engine, at).digests)
            result.notifications.push_back({at, std::move(d)});
    };
    notify(from);
    TimePoint t = from;
    while (t < to) {
        TimePoint step = std::min(next_midnight(engine, t), to);
        if (next < values.size() && values[next].reported_at < step)
            step = values[next].reported_at;
        t = step;
        while (next < values.size() && values[next].reported_at <= t) {
            const auto& v = values[next++];
            engine.record_next(v.indicator, v.period, v.value, v.reported_at);
        }
        engine.evaluate_all(t);
        for (std::size_t i = 0; i < current.size(); ++i) {
            const auto& ev = engine.evaluation(i);
            if (ev.status == current[i]) continue;
            changes.push_back(
                StatusChange{t, i, current[i], ev.status, describe(plan.indicators[i], ev)});
            current[i] = ev.status;
        }
        notify(t);
    }
    return result;
}

std::string format_timeline(const Engine& engine, const ReplayResult& result) {
    std::string out;
    for (const auto& c : result.changes) {
        const auto& ind = engine.plan().indicators[c.indicator];
        char head[160];
        std::snprintf(head, sizeof head, "%s  task %-3d %-40s %-8s -> %-8s  ",
                      local_time(engine, c.at).c_str(), ind.task, ind.key.c_str(),
                      std::string(to_string(c.from)).c_str(), std::string(to_string(c.to)).c_str());
        out += head;
        out += c.reason;
        out += '\n';
    }
    if (!result.notifications.empty()) out += "\nnotifications:\n";
    for (const auto& n : result.notifications) {
        out += local_time(engine, n.at) + "  " + n.digest.receiver + " " + n.digest.receiver_name +
               ": " + digest_subject(n.digest) + "\n";
        for (const auto& a : n.digest.alerts)
            out += "    " + alert_line(a, n.digest.templates.get()) + "\n";
    }
    return out;
}

std::string timeline_json(const Engine& engine, const ReplayResult& result) {
    boost::json::array a;
    for (const auto& c : result.changes) {
        const auto& ind = engine.plan().indicators[c.indicator];
        a.push_back(boost::json::object{{"at", local_instant(engine, c.at)},
                                        {"indicator", ind.key},
                                        {"task", ind.task},
                                        {"lead_unit", ind.lead_unit},
                                        {"from", to_string(c.from)},
                                        {"to", to_string(c.to)},
                                        {"reason", c.reason}});
    }
    boost::json::array n;
    for (const auto& x : result.notifications) {
        boost::json::array alerts;
        for (const auto& al : x.digest.alerts)
            alerts.push_back(boost::json::object{
                {"fingerprint", al.fingerprint},
                {"status", al.firing ? "firing" : "resolved"},
                {"kind", to_string(al.kind)},
                {"indicator", al.labels.count("indicator") ? al.labels.at("indicator") : ""},
                {"escalation", al.escalation},
                {"repeat", al.repeat},
                {"line", alert_line(al, x.digest.templates.get())}});
        n.push_back(boost::json::object{{"at", local_instant(engine, x.at)},
                                        {"receiver", x.digest.receiver},
                                        {"receiver_name", x.digest.receiver_name},
                                        {"subject", digest_subject(x.digest)},
                                        {"alerts", std::move(alerts)}});
    }
    return json_text(boost::json::object{{"changes", std::move(a)},
                                         {"notifications", std::move(n)},
                                         {"values_before_from", result.before_window},
                                         {"values_after_to", result.after_window}},
                     true);
}

}  // namespace indicatord
