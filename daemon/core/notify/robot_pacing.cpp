#include "notify/robot_pacing.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <climits>

#include "notify/webhook_dingtalk.hpp"
#include "notify/webhook_feishu.hpp"
#include "notify/webhook_wecom.hpp"
#include "util/json_text.hpp"

namespace indicatord {

namespace json = boost::json;

namespace {

/// A merged Feishu post stays below Feishu's request limit of about 20 KB.
constexpr std::size_t kFeishuMergedBytes = 18000;
/// Between two merged messages.
constexpr std::string_view kDingtalkSeparator = "\n\n---\n\n";
constexpr std::string_view kWecomSeparator = "\n\n";

int lower(int a, int b) {
    if (a == 0) return b;
    if (b == 0) return a;
    return std::min(a, b);
}

std::optional<json::object> parse_object(const std::string& text) {
    boost::system::error_code ec;
    auto v = json::parse(text, ec);
    if (ec || !v.is_object()) return std::nullopt;
    return std::move(v.as_object());
}

/// The string at a path of nested objects, or null.
json::string* string_at(json::object& o, std::initializer_list<std::string_view> path) {
    json::value* v = nullptr;
    json::object* at = &o;
    for (auto key : path) {
        if (!at) return nullptr;
        v = at->if_contains(key);
        if (!v) return nullptr;
        at = v->if_object();
    }
    return v ? v->if_string() : nullptr;
}

void unite(json::object& into, const json::object& from, std::string_view key) {
    const auto* add = from.if_contains(key);
    if (!add || !add->is_array()) return;
    auto& list = into[key];
    if (!list.is_array()) list = json::array();
    for (const auto& x : add->as_array())
        if (std::find(list.as_array().begin(), list.as_array().end(), x) == list.as_array().end())
            list.as_array().push_back(x);
}

std::pair<std::string, std::size_t> merge_dingtalk(const std::vector<std::string>& payloads) {
    auto first = parse_object(payloads.front());
    if (!first) return {payloads.front(), 1};
    auto* text = string_at(*first, {"markdown", "text"});
    if (!text) return {payloads.front(), 1};
    std::string merged(*text);
    json::object at;
    if (const auto* a = first->if_contains("at"); a && a->is_object()) at = a->as_object();
    std::size_t taken = 1;
    for (; taken < payloads.size(); ++taken) {
        auto next = parse_object(payloads[taken]);
        auto* t = next ? string_at(*next, {"markdown", "text"}) : nullptr;
        if (!t || merged.size() + kDingtalkSeparator.size() + t->size() > kDingtalkTextLimit) break;
        merged += kDingtalkSeparator;
        merged += *t;
        if (const auto* a = next->if_contains("at"); a && a->is_object()) {
            const auto& o = a->as_object();
            unite(at, o, "atMobiles");
            unite(at, o, "atUserIds");
            if (const auto* all = o.if_contains("isAtAll"); all && all->is_bool() && all->as_bool())
                at["isAtAll"] = true;
        }
    }
    if (taken == 1) return {payloads.front(), 1};
    *text = merged;
    if (!at.empty()) (*first)["at"] = std::move(at);
    return {json_text(*first), taken};
}

std::pair<std::string, std::size_t> merge_wecom(const std::vector<std::string>& payloads) {
    auto first = parse_object(payloads.front());
    auto* content = first ? string_at(*first, {"markdown", "content"}) : nullptr;
    if (!content) return {payloads.front(), 1};
    std::string merged(*content);
    std::size_t taken = 1;
    for (; taken < payloads.size(); ++taken) {
        auto next = parse_object(payloads[taken]);
        auto* c = next ? string_at(*next, {"markdown", "content"}) : nullptr;
        if (!c || merged.size() + kWecomSeparator.size() + c->size() > kWecomContentLimit) break;
        merged += kWecomSeparator;
        merged += *c;
    }
    if (taken == 1) return {payloads.front(), 1};
    *content = merged;
    return {json_text(*first), taken};
}

json::array* feishu_rows(json::object& o) {
    auto* c = o.if_contains("content");
    if (!c || !c->is_object()) return nullptr;
    auto* post = c->as_object().if_contains("post");
    if (!post || !post->is_object()) return nullptr;
    auto* zh = post->as_object().if_contains("zh_cn");
    if (!zh || !zh->is_object()) return nullptr;
    auto* rows = zh->as_object().if_contains("content");
    return rows ? rows->if_array() : nullptr;
}

std::pair<std::string, std::size_t> merge_feishu(const std::vector<std::string>& payloads) {
    auto first = parse_object(payloads.front());
    auto* rows = first ? feishu_rows(*first) : nullptr;
    if (!rows) return {payloads.front(), 1};
    std::size_t bytes = payloads.front().size();
    std::size_t taken = 1;
    for (; taken < payloads.size(); ++taken) {
        auto next = parse_object(payloads[taken]);
        auto* more = next ? feishu_rows(*next) : nullptr;
        if (!more || bytes + payloads[taken].size() > kFeishuMergedBytes) break;
        bytes += payloads[taken].size();
        // the merged message's own title, as a row of its own
        if (auto* title = string_at(*next, {"content", "post", "zh_cn", "title"}))
            rows->push_back(json::array{json::object{{"tag", "text"}, {"text", *title}}});
        for (auto& r : *more) rows->push_back(std::move(r));
    }
    if (taken == 1) return {payloads.front(), 1};
    return {json_text(*first), taken};
}

}  // namespace

RobotLimit default_robot_limit(std::string_view channel) {
    if (channel == "dingtalk" || channel == "wecom") return {0, 20};
    if (channel == "feishu") return {5, 100};
    return {};
}

std::map<std::string, RobotLimit> robot_limits(const Plan& plan) {
    std::map<std::string, RobotLimit> out;
    for (const auto& unit : plan.units)
        for (const auto& r : unit.receivers) {
            const auto fallback = default_robot_limit(r.format);
            if (r.webhook.empty() || fallback.none()) continue;
            auto [it, fresh] = out.emplace(r.webhook, fallback);
            auto& l = it->second;
            l.per_minute = lower(l.per_minute, r.rate_per_minute);
            l.per_second = lower(l.per_second, r.rate_per_second);
        }
    return out;
}

void RobotPacer::set_limits(std::map<std::string, RobotLimit> by_url) {
    std::lock_guard lock(mutex_);
    limits_ = std::move(by_url);
}

RobotLimit RobotPacer::limit(std::string_view channel, const std::string& url) const {
    std::lock_guard lock(mutex_);
    if (auto it = limits_.find(url); it != limits_.end()) return it->second;
    return default_robot_limit(channel);
}

RobotPacer::Room RobotPacer::room(std::string_view channel, const std::string& url, TimePoint now) {
    const auto l = limit(channel, url);
    if (l.none()) return {INT_MAX, now};
    std::lock_guard lock(mutex_);
    auto& sent = sent_[url];
    // A post at t counts in every window (t - span, t]: forgotten a minute later.
    while (!sent.empty() && sent.front() <= now - std::chrono::minutes(1)) sent.pop_front();
    Room room{INT_MAX, now};
    auto apply = [&](int max, std::chrono::milliseconds span) {
        if (max == 0) return;
        const auto from =
            std::find_if(sent.begin(), sent.end(), [&](TimePoint t) { return t > now - span; });
        const auto used = static_cast<int>(sent.end() - from);
        const int left = max - used;
        if (left <= 0) {
            // free again when the post that makes the window full leaves it
            const auto next = *(from + (used - max)) + span;
            room.next = room.posts > 0 ? next : std::max(room.next, next);
            room.posts = 0;
        } else if (room.posts > 0) {
            room.posts = std::min(room.posts, left);
        }
    };
    apply(l.per_second, std::chrono::seconds(1));
    apply(l.per_minute, std::chrono::minutes(1));
    return room;
}

void RobotPacer::record(const std::string& url, TimePoint now) {
    std::lock_guard lock(mutex_);
    auto& sent = sent_[url];
    // a clock set back: keep the window ordered
    sent.insert(std::upper_bound(sent.begin(), sent.end(), now), now);
}

std::pair<std::string, std::size_t> merge_robot_messages(std::string_view channel,
                                                         const std::vector<std::string>& payloads) {
    if (payloads.empty()) return {"", 0};
    if (payloads.size() == 1) return {payloads.front(), 1};
    if (channel == "dingtalk") return merge_dingtalk(payloads);
    if (channel == "wecom") return merge_wecom(payloads);
    if (channel == "feishu") return merge_feishu(payloads);
    return {payloads.front(), 1};
}

}  // namespace indicatord
