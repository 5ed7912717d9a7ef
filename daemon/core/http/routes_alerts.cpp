// GET /api/v1/alerts and POST /api/v1/alerts/{fingerprint}/ack.
#include "http/service.hpp"
// GCC 12 inlines Asio's recycling allocator for coroutine frames into one path and then reports
// its matching operator new/delete pair as mismatched (GCC PR 109224): a false positive.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
#include <algorithm>
#include <boost/json.hpp>

#include "alerts/alert_actions.hpp"
#include "alerts/alerts.hpp"
#include "eval/engine.hpp"
#include "util/errors.hpp"
#include "util/json_parse.hpp"

namespace indicatord {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

json::object alert_json(const Plan& plan, const AlertState& a) {
    json::object o{{"fingerprint", a.fingerprint}, {"indicator", a.indicator},
                   {"kind", to_string(a.kind)},    {"state", to_string(a.phase)},
                   {"period", a.period},           {"started_at", format_instant(a.started_at)}};
    if (const auto* ind = plan.find_indicator(a.indicator)) {
        o["task"] = ind->task;
        o["lead_unit"] = ind->lead_unit;
        o["name"] = ind->name;
    }
    if (a.firing_at) o["firing_at"] = format_instant(*a.firing_at);
    if (a.resolved_at) o["resolved_at"] = format_instant(*a.resolved_at);
    if (a.last_notified_at) o["last_notified_at"] = format_instant(*a.last_notified_at);
    o["escalation_level"] = a.escalation_level;
    if (a.acked_at)
        o["acknowledged"] = json::object{
            {"by", a.acked_by}, {"comment", a.ack_comment}, {"at", format_instant(*a.acked_at)}};
    return o;
}

}  // namespace

HttpResponse Service::list_alerts(const Query& query, const Principal* who) const {
    std::string state, kind, unit;
    for (const auto& [k, v] : query) {
        if (k == "state")
            state = v;
        else if (k == "kind")
            kind = v;
        else if (k == "unit")
            unit = v;
        else
            return json_error(400,
                              "unknown query parameter '" + k + "' (allowed: state, kind, unit)");
    }
    const auto& plan = d_.engine().plan();
    std::vector<const AlertState*> list;
    for (const auto& [fp, a] : d_.alerts().alerter().alerts()) {
        if (!state.empty() && to_string(a.phase) != state) continue;
        if (!kind.empty() && to_string(a.kind) != kind) continue;
        const auto* ind = plan.find_indicator(a.indicator);
        if (!unit.empty() && (!ind || ind->lead_unit != unit)) continue;
        // under the unit read scope: alerts of the indicators the unit is responsible for
        if (!reads_all(who) && (!ind || !may_read(*who, plan, *ind))) continue;
        list.push_back(&a);
    }
    std::sort(list.begin(), list.end(), [](auto* x, auto* y) {
        return std::tie(x->started_at, x->fingerprint) < std::tie(y->started_at, y->fingerprint);
    });
    json::array out;
    for (const auto* a : list) out.push_back(alert_json(plan, *a));
    return json_ok(json::object{{"alerts", std::move(out)}});
}

asio::awaitable<HttpResponse> Service::acknowledge(std::string_view fingerprint,
                                                   const HttpRequest& req, const Principal* who) {
    auto& actions = d_.alerts();
    const auto& alerts = actions.alerter().alerts();
    auto it = alerts.find(std::string(fingerprint));
    if (it == alerts.end())
        co_return json_error(404, "no alert with fingerprint '" + std::string(fingerprint) + "'");
    std::string parse_error;
    const auto body = parse_json(
        req.body.empty() ? std::string_view("{}") : std::string_view(req.body), parse_error);
    if (!body || !body->is_object())
        co_return json_error(400, "body must be a JSON object {\"comment\": \"...\"}" +
                                      (body ? "" : ": " + parse_error));
    std::string comment, author = "anonymous";
    for (const auto& kv : body->as_object()) {
        if (kv.key() == "comment" && kv.value().is_string())
            comment = kv.value().as_string();
        else if (kv.key() == "author" && kv.value().is_string())
            author = kv.value().as_string();
        else
            co_return json_error(400, "unknown or malformed key '" + std::string(kv.key()) +
                                          "' (allowed: comment, author)");
    }
    if (who) {
        const auto& plan = d_.engine().plan();
        const auto* ind = plan.find_indicator(it->second.indicator);
        if (!who->admin && (!ind || !may_write(*who, plan, *ind)))
            co_return json_error(403, "unit '" + who->unit +
                                          "' may not acknowledge alerts of indicator '" +
                                          it->second.indicator + "'");
        author = who->reporter();
    }
    try {
        std::string fp(fingerprint);
        if (!co_await actions.acknowledge(std::move(fp), author, comment))
            co_return json_error(409, "alert '" + std::string(fingerprint) +
                                          "' is resolved: nothing to acknowledge");
    } catch (const StorageError& e) {
        co_return json_error(503, std::string("acknowledgement not stored: ") + e.what());
    }
    co_return json_ok(
        alert_json(d_.engine().plan(), actions.alerter().alerts().at(std::string(fingerprint))));
}

asio::awaitable<HttpResponse> Service::chase(std::string_view key, const HttpRequest& req,
                                             const Principal* who) {
    const auto& plan = d_.engine().plan();
    const auto i = plan.index_of(key);
    if (i < 0) co_return json_error(404, plan.unknown(std::string(key)));
    std::string parse_error;
    const auto body = parse_json(req.body, parse_error);
    if (!body || !body->is_object())
        co_return json_error(400, "body must be a JSON object {\"comment\": \"...\"}" +
                                      (body ? "" : ": " + parse_error));
    std::string comment;
    for (const auto& kv : body->as_object()) {
        if (kv.key() == "comment" && kv.value().is_string())
            comment = kv.value().as_string();
        else
            co_return json_error(
                400, "unknown or malformed key '" + std::string(kv.key()) + "' (allowed: comment)");
    }
    if (comment.find_first_not_of(" \t\r\n") == std::string::npos)
        co_return json_error(400, "a chase needs a comment: what the unit is asked to do");
    constexpr std::size_t kMaxComment = 4000;  // as a value's note
    if (comment.size() > kMaxComment)
        co_return json_error(400,
                             "comment is longer than " + std::to_string(kMaxComment) + " bytes");
    const auto& ind = plan.indicators[static_cast<std::size_t>(i)];
    std::optional<AlertActions::ChaseResult> done;
    // computed before the co_await: GCC 12 miscompiles a conditional among its arguments
    std::string author = "anonymous";
    if (who) author = who->reporter();
    try {
        done = co_await d_.alerts().chase(ind.key, std::move(author), comment);
    } catch (const StorageError& e) {
        co_return json_error(503, std::string("chase not stored: ") + e.what());
    }
    if (!done) co_return json_error(404, "no indicator '" + std::string(key) + "' (reloaded)");
    json::object out{{"chase", done->id},
                     {"indicator", ind.key},
                     {"lead_unit", ind.lead_unit},
                     {"messages", done->messages}};
    if (!done->period.empty()) out["period"] = done->period;
    co_return json_ok(out);
}

}  // namespace indicatord
