#include "notify/webhook_generic.hpp"

#include <algorithm>
#include <boost/json.hpp>

#include "notify/text.hpp"
#include "util/json_text.hpp"

namespace indicatord {

using namespace text;

namespace {

boost::json::object string_map(const std::map<std::string, std::string>& m) {
    boost::json::object o;
    for (const auto& [k, v] : m) o[k] = v;
    return o;
}

/// Entries equal in every map (Alertmanager's commonLabels / commonAnnotations).
std::map<std::string, std::string> common(
    const std::vector<const std::map<std::string, std::string>*>& maps) {
    if (maps.empty()) return {};
    auto out = *maps.front();
    for (auto it = out.begin(); it != out.end();) {
        const bool shared = std::all_of(maps.begin() + 1, maps.end(), [&](const auto* m) {
            auto f = m->find(it->first);
            return f != m->end() && f->second == it->second;
        });
        it = shared ? std::next(it) : out.erase(it);
    }
    return out;
}

}  // namespace

std::string render_webhook(const Digest& d, std::size_t max_alerts) {
    Scope scope(d.templates.get());
    namespace json = boost::json;
    // The group's whole state, as Alertmanager sends it: the digest's alerts (new, repeated,
    // escalated, resolved), then the others of the receiver that still fire.
    std::vector<const AlertItem*> all;
    for (const auto& a : d.alerts) all.push_back(&a);
    for (const auto& a : d.still_firing)
        if (std::none_of(d.alerts.begin(), d.alerts.end(),
                         [&](const AlertItem& x) { return x.fingerprint == a.fingerprint; }))
            all.push_back(&a);
    const bool firing =
        std::any_of(all.begin(), all.end(), [](const AlertItem* a) { return a->firing; });
    // max_alerts keeps the first ones, firing before resolved, as Alertmanager trims its list.
    std::size_t truncated = 0;
    if (max_alerts > 0 && all.size() > max_alerts) {
        std::stable_partition(all.begin(), all.end(), [](const AlertItem* a) { return a->firing; });
        truncated = all.size() - max_alerts;
        all.resize(max_alerts);
    }
    std::vector<const std::map<std::string, std::string>*> labels, annotations;
    json::array alerts;
    for (const auto* a : all) {
        labels.push_back(&a->labels);
        annotations.push_back(&a->annotations);
        json::object o;
        o["status"] = a->firing ? "firing" : "resolved";
        o["labels"] = string_map(a->labels);
        o["annotations"] = string_map(a->annotations);
        o["startsAt"] = format_instant(a->starts_at);
        // Resolved: the resolve time, never before the start (a clock set back). Firing: the zero
        // time, as Alertmanager writes an end that has not come yet.
        o["endsAt"] = !a->firing && a->ends_at ? format_instant(std::max(*a->ends_at, a->starts_at))
                                               : "0001-01-01T00:00:00Z";
        o["generatorURL"] = indicator_link(d, *a);
        o["fingerprint"] = a->fingerprint;
        alerts.push_back(std::move(o));
    }
    const std::map<std::string, std::string> group{{"plan", d.plan_id}, {"receiver", d.receiver}};
    std::string group_key = "{}:{";
    for (const auto& [k, v] : group) {
        if (group_key.size() > 4) group_key += ", ";
        group_key += k + "=" + json::serialize(json::string_view(v));
    }
    group_key += "}";
    // groupLabels: the labels the group is made by (plan) that every alert carries alike; the
    // receiver is no label of the alerts, so it only names the group in groupKey.
    auto common_labels = common(labels);
    std::map<std::string, std::string> group_labels;
    if (auto p = common_labels.find("plan"); p != common_labels.end()) group_labels.insert(*p);

    json::object root;
    root["version"] = "4";
    root["groupKey"] = group_key;
    root["truncatedAlerts"] = static_cast<std::int64_t>(truncated);
    root["status"] = firing ? "firing" : "resolved";
    root["receiver"] = d.receiver;
    root["groupLabels"] = string_map(group_labels);
    root["commonLabels"] = string_map(common_labels);
    root["commonAnnotations"] = string_map(common(annotations));
    root["externalURL"] = d.external_url;
    root["alerts"] = std::move(alerts);
    return json_text(root);
}

}  // namespace indicatord
