#include "service.hpp"

#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <boost/url/parse.hpp>

#include <set>

#include "auth.hpp"
#include "committer.hpp"
#include "csv_import.hpp"
#include "engine.hpp"
#include "ingest.hpp"
#include "metrics.hpp"
#include "json_text.hpp"
#include "plan_json.hpp"

namespace indicatord {

namespace asio = boost::asio;
namespace json = boost::json;

HttpResponse json_error(unsigned status, std::string_view message) {
    HttpResponse r;
    r.status = status;
    r.body = json_text(json::object{{"error", message}});
    r.body.push_back('\n');
    return r;
}

namespace {

HttpResponse json_ok(const json::value& v, unsigned status = 200) {
    HttpResponse r;
    r.status = status;
    r.body = json_text(v);
    r.body.push_back('\n');
    return r;
}

bool content_type_is(std::string_view header, std::string_view type) {
    const auto semi = header.find(';');
    auto base = header.substr(0, semi);
    while (!base.empty() && base.back() == ' ') base.remove_suffix(1);
    if (base.size() != type.size()) return false;
    for (std::size_t i = 0; i < base.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(base[i])) != type[i]) return false;
    return true;
}

HttpResponse method_not_allowed(std::string_view method, std::string_view path, std::string_view allow) {
    auto r = json_error(405, std::string(method) + " is not allowed on " + std::string(path) +
                                 " (allowed: " + std::string(allow) + ")");
    r.headers.emplace_back("Allow", std::string(allow));
    return r;
}

HttpResponse unauthorized(std::string_view message) {
    auto r = json_error(401, message);
    r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"indicatord\"");
    return r;
}

// Awaits a Committer batch: resumes the coroutine on its own executor once the batch is durable.
template <typename Token>
auto async_commit(Committer& committer, std::vector<NewObservation> batch, Token&& token) {
    return asio::async_initiate<Token, void(CommitResult)>(
        [&committer](auto handler, std::vector<NewObservation> b) {
            auto ex = asio::prefer(asio::get_associated_executor(handler),
                                   asio::execution::outstanding_work.tracked);
            auto h = std::make_shared<decltype(handler)>(std::move(handler));
            committer.submit(std::move(b), [h, ex](CommitResult r) {
                asio::post(ex, [h, r = std::move(r)]() mutable { (*h)(std::move(r)); });
            });
        },
        token, std::move(batch));
}

json::object summary(const Engine& e, std::size_t i) {
    const auto& ind = e.plan().indicators[i];
    const auto& ev = e.evaluation(i);
    json::object o;
    o["key"] = ind.key;
    o["name"] = ind.name;
    o["task"] = ind.task;
    o["kind"] = kind_name(ind.rule);
    o["measure"] = ind.measure;
    o["cadence"] = to_string(ind.schedule.cadence);
    o["lead_unit"] = ind.lead_unit;
    o["status"] = to_string(ev.status);
    o["reason"] = describe(ind, ev);
    if (ev.value) o["value"] = *ev.value;
    if (ev.period) o["period"] = ev.period->label();
    if (ev.target) o["target"] = *ev.target;
    if (ev.expected) o["expected"] = *ev.expected;
    if (ev.next_due) o["next_due"] = format_instant(*ev.next_due);
    return o;
}

}  // namespace

asio::awaitable<HttpResponse> Service::handle(HttpRequest req) {
    auto url = boost::urls::parse_origin_form(req.target);
    if (!url) co_return json_error(400, "malformed request target '" + req.target + "'");
    const std::string path = url->path();
    std::vector<std::pair<std::string, std::string>> query;
    for (auto p : url->params()) query.emplace_back(p.key, p.value);
    const auto& m = req.method;

    if (path == "/healthz") {
        if (m != "GET" && m != "HEAD") co_return method_not_allowed(m, path, "GET, HEAD");
        co_return json_ok(json::object{{"status", "ok"}});
    }
    if (path == "/readyz") {
        if (m != "GET" && m != "HEAD") co_return method_not_allowed(m, path, "GET, HEAD");
        if (!d_.ready()) co_return json_error(503, "not ready: the configuration or database is not loaded");
        co_return json_ok(json::object{{"status", "ready"}});
    }
    if (path == "/metrics") {
        if (m != "GET" && m != "HEAD") co_return method_not_allowed(m, path, "GET, HEAD");
        co_return get_metrics();
    }
    const TokenStore* tokens = d_.tokens ? d_.tokens() : nullptr;
    std::optional<Principal> who;
    if (tokens && !req.authorization.empty()) {
        who = tokens->authenticate(req.authorization);
        if (!who) co_return unauthorized("the API token is not valid");
    }
    if (path == "/api/v1/values") {
        if (m != "POST") co_return method_not_allowed(m, path, "POST");
        if (tokens && !who) co_return unauthorized("writing values needs an API token: send Authorization: Bearer <token>");
        co_return co_await post_values(req, who ? &*who : nullptr);
    }
    if (tokens && !who && d_.read_requires_token && path.starts_with("/api/"))
        co_return unauthorized("reading the API needs a token: send Authorization: Bearer <token>");
    if (path == "/api/v1/indicators") {
        if (m != "GET" && m != "HEAD") co_return method_not_allowed(m, path, "GET, HEAD");
        co_return list_indicators(query);
    }
    constexpr std::string_view prefix = "/api/v1/indicators/";
    if (path.starts_with(prefix)) {
        std::string_view rest = std::string_view(path).substr(prefix.size());
        if (m != "GET" && m != "HEAD") co_return method_not_allowed(m, path, "GET, HEAD");
        if (rest.ends_with("/values")) co_return get_values(rest.substr(0, rest.size() - 7));
        if (rest.find('/') == std::string_view::npos && !rest.empty()) co_return get_indicator(rest);
    }
    co_return json_error(404, "no such resource: " + m + " " + path);
}

asio::awaitable<HttpResponse> Service::post_values(const HttpRequest& req, const Principal* who) {
    auto plan = d_.engine().plan_ptr();
    IngestBatch batch;
    const char* index_name = "index";
    if (content_type_is(req.content_type, "application/json")) {
        batch = parse_values_json(req.body, *plan);
    } else if (content_type_is(req.content_type, "text/csv")) {
        // charset=gbk / gb18030 / utf-8 from the header; otherwise detected
        auto encoding = CsvEncoding::detect;
        if (auto at = req.content_type.find("charset="); at != std::string::npos) {
            auto name = req.content_type.substr(at + 8);
            name = name.substr(0, name.find(';'));
            if (name.size() >= 2 && name.front() == '"' && name.back() == '"') name = name.substr(1, name.size() - 2);
            auto e = parse_encoding(name);
            if (!e) {
                d_.metrics.requests_rejected.Increment();
                co_return json_error(415, "unsupported charset '" + name + "' (use utf-8 or gbk)");
            }
            encoding = *e;
        }
        auto csv = parse_values_csv(req.body, *plan, encoding);
        batch.error = std::move(csv.error);
        batch.item_errors = std::move(csv.row_errors);
        for (auto& v : csv.values) batch.items.push_back(std::move(v.item));
        index_name = "line";
    } else {
        d_.metrics.requests_rejected.Increment();
        co_return json_error(415, "Content-Type must be application/json or text/csv, got '" +
                                      (req.content_type.empty() ? std::string("none") : req.content_type) + "'");
    }
    if (!batch.ok()) {
        d_.metrics.requests_rejected.Increment();
        if (!batch.error.empty()) co_return json_error(400, batch.error);
        d_.metrics.values_rejected.Increment(static_cast<double>(batch.item_errors.size()));
        json::array errors;
        for (auto& e : batch.item_errors) errors.push_back(json::object{{index_name, e.index}, {"reason", e.reason}});
        json::object body{{"error", std::to_string(batch.item_errors.size()) + " invalid value(s); nothing was stored"},
                          {"items", std::move(errors)}};
        co_return json_ok(body, 400);
    }
    if (who) {
        json::array forbidden;
        for (std::size_t i = 0; i < batch.items.size(); ++i) {
            const auto& ind = plan->indicators[batch.items[i].indicator];
            if (!may_write(*who, *plan, ind))
                forbidden.push_back(json::object{
                    {"index", i},
                    {"reason", "unit '" + who->unit + "' may not report indicator '" + ind.key + "' (task " +
                                   std::to_string(ind.task) + ", led by '" + ind.lead_unit + "')"}});
        }
        if (!forbidden.empty()) {
            d_.metrics.requests_rejected.Increment();
            d_.metrics.values_rejected.Increment(static_cast<double>(batch.items.size()));
            json::object body{{"error", "token '" + who->token_id + "' of unit '" + who->unit + "' may not report " +
                                            std::to_string(forbidden.size()) + " of these values; nothing was stored"},
                              {"items", std::move(forbidden)}};
            co_return json_ok(body, 403);
        }
    }
    const std::string reporter = who ? who->reporter() : "anonymous";
    const auto now = d_.clock.now();
    std::vector<NewObservation> rows;
    rows.reserve(batch.items.size());
    for (const auto& it : batch.items)
        rows.push_back(NewObservation{plan->indicators[it.indicator].key, it.period.label(), it.value, it.note, now,
                                      reporter});
    CommitResult result = co_await async_commit(d_.committer, std::move(rows), asio::use_awaitable);
    if (!result.ok()) {
        d_.metrics.requests_rejected.Increment();
        d_.metrics.values_rejected.Increment(static_cast<double>(batch.items.size()));
        co_return json_error(503, "values not stored: " + result.error);
    }
    d_.metrics.values_accepted.Increment(static_cast<double>(batch.items.size()));

    // The plan may have been reloaded while the batch was committed: re-resolve by key.
    Engine& engine = d_.engine();
    const auto eval_now = d_.clock.now();
    std::set<std::size_t> touched;
    json::array stored;
    stored.reserve(batch.items.size());
    for (std::size_t i = 0; i < batch.items.size(); ++i) {
        const auto& it = batch.items[i];
        const auto& key = plan->indicators[it.indicator].key;
        const long idx = engine.plan().index_of(key);
        if (idx >= 0) {
            engine.record(static_cast<std::size_t>(idx), Observation{it.period, it.value, result.revisions[i], now});
            touched.insert(static_cast<std::size_t>(idx));
        }
        stored.push_back(json::object{{"indicator", key}, {"period", it.period.label()}, {"revision", result.revisions[i]}});
    }
    json::object status;
    for (auto idx : touched) {
        engine.evaluate_one(idx, eval_now);
        status[engine.plan().indicators[idx].key] = to_string(engine.evaluation(idx).status);
    }
    co_return json_ok(json::object{{"accepted", batch.items.size()}, {"values", std::move(stored)}, {"status", std::move(status)}});
}

HttpResponse Service::list_indicators(const std::vector<std::pair<std::string, std::string>>& query) const {
    const Engine& e = d_.engine();
    std::string task, unit, status;
    for (const auto& [k, v] : query) {
        if (k == "task") task = v;
        else if (k == "unit") unit = v;
        else if (k == "status") status = v;
        else return json_error(400, "unknown query parameter '" + k + "' (allowed: task, unit, status)");
    }
    json::array out;
    for (std::size_t i = 0; i < e.plan().indicators.size(); ++i) {
        const auto& ind = e.plan().indicators[i];
        if (!task.empty() && std::to_string(ind.task) != task) continue;
        if (!unit.empty() && ind.lead_unit != unit) continue;
        if (!status.empty() && to_string(e.evaluation(i).status) != status) continue;
        out.push_back(summary(e, i));
    }
    return json_ok(json::object{{"plan", e.plan().id}, {"indicators", std::move(out)}});
}

HttpResponse Service::get_indicator(std::string_view key) const {
    const Engine& e = d_.engine();
    const long idx = e.plan().index_of(key);
    if (idx < 0) return json_error(404, "unknown indicator '" + std::string(key) + "'");
    const auto i = static_cast<std::size_t>(idx);
    const auto& ind = e.plan().indicators[i];
    json::object o = indicator_to_json(ind);
    for (auto& kv : summary(e, i)) o[kv.key()] = kv.value();
    if (const auto* t = e.plan().find_task(ind.task)) o["task_text"] = t->text;
    json::array periods;
    for (const auto& obs : e.series(i).periods)
        periods.push_back(json::object{{"period", obs.period.label()},
                                       {"value", obs.value},
                                       {"revision", obs.revision},
                                       {"reported_at", format_instant(obs.reported_at)}});
    o["latest"] = std::move(periods);
    return json_ok(o);
}

HttpResponse Service::get_values(std::string_view key) const {
    if (d_.engine().plan().index_of(key) < 0) return json_error(404, "unknown indicator '" + std::string(key) + "'");
    json::array out;
    for (const auto& r : d_.store.history(key))
        out.push_back(json::object{{"period", r.period},
                                   {"revision", r.revision},
                                   {"value", r.value},
                                   {"note", r.note},
                                   {"reported_at", format_instant(r.reported_at)},
                                   {"reporter", r.reporter}});
    return json_ok(json::object{{"indicator", key}, {"values", std::move(out)}});
}

HttpResponse Service::get_metrics() const {
    HttpResponse r;
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = d_.metrics.serialize();
    write_indicator_metrics(r.body, d_.engine(), d_.clock.now());
    return r;
}

}  // namespace indicatord
