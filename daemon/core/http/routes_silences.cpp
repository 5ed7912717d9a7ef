// GET and POST /api/v1/silences, DELETE /api/v1/silences/{id}.
#include "http/service.hpp"
// GCC 12 inlines Asio's recycling allocator for coroutine frames into one path and then reports
// its matching operator new/delete pair as mismatched (GCC PR 109224): a false positive.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
#include <boost/json.hpp>
#include <charconv>
#include <set>

#include "alerts/alert_actions.hpp"
#include "alerts/alerts.hpp"
#include "util/errors.hpp"
#include "util/json_parse.hpp"

namespace indicatord {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

json::object silence_json(const Silence& s, TimePoint now) {
    json::object m;
    for (const auto& [k, v] : s.matchers) m[k] = v;
    return json::object{{"id", s.id},
                        {"matchers", std::move(m)},
                        {"starts_at", format_instant(s.starts_at)},
                        {"ends_at", format_instant(s.ends_at)},
                        {"author", s.author},
                        {"comment", s.comment},
                        {"created_at", format_instant(s.created_at)},
                        {"active", s.active(now)}};
}

}  // namespace

HttpResponse Service::list_silences(const Principal* who) const {
    if (!reads_all(who))
        return json_error(403,
                          "token '" + who->token_id + "' of unit '" + who->unit +
                              "' may not read silences: auth.read_scope is unit (admin tokens and "
                              "auth.read_all_units may)");
    auto& actions = d_.alerts();
    json::array out;
    for (const auto& s : actions.alerter().silences())
        out.push_back(silence_json(s, actions.now()));
    return json_ok(json::object{{"silences", std::move(out)}});
}

asio::awaitable<HttpResponse> Service::add_silence(const HttpRequest& req, const Principal* who) {
    if (who && !who->admin) co_return json_error(403, "only an admin token may create silences");
    std::string parse_error;
    const auto body = parse_json(req.body, parse_error);
    if (!body || !body->is_object())
        co_return json_error(400,
                             "body must be a JSON object {matchers, ends_at, author, comment}" +
                                 (body ? "" : ": " + parse_error));
    auto& actions = d_.alerts();
    Silence s;
    s.starts_at = actions.now();
    bool has_end = false;
    static const std::set<std::string> labels{"plan", "task",     "indicator", "lead_unit",
                                              "kind", "severity", "alertname"};
    for (const auto& kv : body->as_object()) {
        const std::string key = kv.key();
        if (key == "matchers" && kv.value().is_object()) {
            for (const auto& m : kv.value().as_object()) {
                if (!labels.count(std::string(m.key())) || !m.value().is_string())
                    co_return json_error(400,
                                         "matcher '" + std::string(m.key()) +
                                             "' must be a string label: plan, task, indicator, "
                                             "lead_unit, kind, severity, alertname");
                s.matchers[m.key()] = m.value().as_string();
            }
        } else if ((key == "starts_at" || key == "ends_at") && kv.value().is_string()) {
            auto t = parse_instant(kv.value().as_string());
            if (!t) co_return json_error(400, key + " must be an RFC 3339 instant");
            (key == "starts_at" ? s.starts_at : s.ends_at) = *t;
            has_end = has_end || key == "ends_at";
        } else if (key == "author" && kv.value().is_string()) {
            s.author = kv.value().as_string();
        } else if (key == "comment" && kv.value().is_string()) {
            s.comment = kv.value().as_string();
        } else {
            co_return json_error(400,
                                 "unknown or malformed key '" + key +
                                     "' (allowed: matchers, starts_at, ends_at, author, comment)");
        }
    }
    if (s.matchers.empty()) co_return json_error(400, "a silence needs at least one matcher");
    if (!has_end || !(s.starts_at < s.ends_at))
        co_return json_error(400, "a silence needs ends_at after starts_at");
    if (s.author.empty() || s.comment.empty())
        co_return json_error(400, "a silence needs an author and a comment");
    if (who) s.author += " (" + who->reporter() + ")";
    std::int64_t id = 0;
    try {
        id = co_await actions.add_silence(s);
    } catch (const StorageError& e) {
        co_return json_error(503, std::string("silence not stored: ") + e.what());
    }
    for (const auto& x : actions.alerter().silences())
        if (x.id == id) co_return json_ok(silence_json(x, actions.now()));
    co_return json_ok(json::object{{"id", id}});
}

asio::awaitable<HttpResponse> Service::expire_silence(std::string_view id_text,
                                                      const Principal* who) {
    if (who && !who->admin) co_return json_error(403, "only an admin token may expire silences");
    std::int64_t id = 0;
    auto [p, ec] = std::from_chars(id_text.data(), id_text.data() + id_text.size(), id);
    if (ec != std::errc{} || p != id_text.data() + id_text.size())
        co_return json_error(400,
                             "silence id must be a number, got '" + std::string(id_text) + "'");
    try {
        if (!co_await d_.alerts().expire_silence(id))
            co_return json_error(404, "no active silence with id " + std::string(id_text));
    } catch (const StorageError& e) {
        co_return json_error(503, std::string("silence not expired: ") + e.what());
    }
    co_return json_ok(json::object{{"id", id}, {"expired", true}});
}

}  // namespace indicatord
