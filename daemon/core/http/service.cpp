#include "http/service.hpp"

// GCC 12 inlines Asio's recycling allocator for coroutine frames into one path and then reports
// its matching operator new/delete pair as mismatched (GCC PR 109224): a false positive.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
#include <algorithm>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <charconv>
#include <optional>
#include <set>

#include "alerts/alert_actions.hpp"
#include "alerts/alerts.hpp"
#include "config/auth.hpp"
#include "eval/csv_import.hpp"
#include "eval/engine.hpp"
#include "eval/ingest.hpp"
#include "http/metrics.hpp"
#include "http/plan_json.hpp"
#include "store/committer.hpp"
#include "store/store.hpp"
#include "util/errors.hpp"
#include "util/json_parse.hpp"
#include "util/json_text.hpp"

namespace indicatord {

namespace asio = boost::asio;
namespace json = boost::json;

HttpResponse json_error(unsigned status, std::string_view message) {
    HttpResponse r;
    r.status = status;
    r.body = json_text(json::object{{"error", valid_utf8(message)}});
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

HttpResponse method_not_allowed(std::string_view method, std::string_view path,
                                std::string_view allow) {
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

namespace {
constexpr std::string_view kAlertsPrefix = "/api/v1/alerts/";
constexpr std::string_view kSilencesPrefix = "/api/v1/silences/";
constexpr std::string_view kIndicatorsPrefix = "/api/v1/indicators/";
}  // namespace

std::optional<HttpResponse> Service::authorize(std::string_view m, std::string_view path,
                                               std::string_view authorization,
                                               std::optional<Principal>& who) const {
    // Health, readiness and metrics stay open (docs/api.md, "Who may read").
    if (path == "/healthz" || path == "/readyz" || path == "/metrics") return std::nullopt;
    const TokenStore* tokens = d_.tokens ? d_.tokens() : nullptr;
    if (!tokens) return std::nullopt;
    if (!authorization.empty()) {
        who = tokens->authenticate(authorization);
        if (!who) return unauthorized("the API token is not valid");
    }
    if (path == "/api/v1/values") {
        if (m == "POST" && !who)
            return unauthorized(
                "writing values needs an API token: send Authorization: Bearer <token>");
        return std::nullopt;
    }
    if (!who && d_.read_requires_token && path.starts_with("/api/"))
        return unauthorized("reading the API needs a token: send Authorization: Bearer <token>");
    const bool admin = who && who->admin;
    if (path == "/-/reload" && m == "POST" && !admin)
        return unauthorized("reloading needs an admin token");
    if (path == "/-/clock" && m == "POST" && !admin)
        return unauthorized("moving the clock needs an admin token");
    if (path.starts_with(kAlertsPrefix) && path.ends_with("/ack") && m == "POST" && !who)
        return unauthorized("acknowledging needs an API token: send Authorization: Bearer <token>");
    const bool add_silence = path == "/api/v1/silences" && m == "POST";
    const bool expire_silence = path.starts_with(kSilencesPrefix) && m == "DELETE";
    if ((add_silence || expire_silence) && !who)
        return unauthorized("silences need an admin token: send Authorization: Bearer <token>");
    if (add_silence && !admin) return json_error(403, "only an admin token may create silences");
    if (expire_silence && !admin) return json_error(403, "only an admin token may expire silences");
    return std::nullopt;
}

std::optional<HttpResponse> Service::refuse_head(const HttpRequest& head) const {
    auto url = boost::urls::parse_origin_form(head.target);
    if (!url) return std::nullopt;  // handle() answers 400
    std::optional<Principal> who;
    return authorize(head.method, url->path(), head.authorization, who);
}

bool Service::reads_all(const Principal* who) const {
    if (!d_.read_scope_unit || !who || who->admin) return true;
    return std::find(d_.read_all_units.begin(), d_.read_all_units.end(), who->unit) !=
           d_.read_all_units.end();
}

std::optional<HttpResponse> Service::refuse_read(const Principal* who, std::size_t i) const {
    if (reads_all(who)) return std::nullopt;
    const auto& plan = d_.engine().plan();
    const auto& ind = plan.indicators[i];
    if (may_read(*who, plan, ind)) return std::nullopt;
    return json_error(403, "token '" + who->token_id + "' of unit '" + who->unit +
                               "' may not read indicator '" + ind.key + "' (task " +
                               std::to_string(ind.task) + ", led by '" + ind.lead_unit +
                               "'): auth.read_scope is unit");
}

asio::awaitable<HttpResponse> Service::handle(HttpRequest req) {
    auto url = boost::urls::parse_origin_form(req.target);
    if (!url) co_return json_error(400, "malformed request target '" + req.target + "'");
    const std::string path = url->path();
    Query query;
    for (auto p : url->params()) query.emplace_back(p.key, p.value);
    const auto& m = req.method;

    if (path == "/healthz") {
        if (m != "GET" && m != "HEAD") co_return method_not_allowed(m, path, "GET, HEAD");
        co_return json_ok(json::object{{"status", "ok"}});
    }
    if (path == "/readyz") {
        if (m != "GET" && m != "HEAD") co_return method_not_allowed(m, path, "GET, HEAD");
        if (!d_.ready())
            co_return json_error(503, "not ready: the configuration or database is not loaded");
        if (d_.storage_problem)
            if (auto problem = d_.storage_problem(); !problem.empty())
                co_return json_error(503, "not ready: " + problem);
        co_return json_ok(json::object{{"status", "ready"}});
    }
    if (path == "/metrics") {
        if (m != "GET" && m != "HEAD") co_return method_not_allowed(m, path, "GET, HEAD");
        co_return get_metrics();
    }
    std::optional<Principal> who;
    if (auto refusal = authorize(m, path, req.authorization, who)) co_return std::move(*refusal);
    const Principal* principal = who ? &*who : nullptr;
    if (path == "/api/v1/values") {
        if (m != "POST") co_return method_not_allowed(m, path, "POST");
        co_return co_await post_values(req, principal);
    }
    if (path == "/-/reload") {
        if (m != "POST") co_return method_not_allowed(m, path, "POST");
        if (auto error = co_await d_.alerts().reload(); !error.empty())
            co_return json_error(422, "reload failed, the running configuration stays: " + error);
        co_return json_ok(json::object{{"status", "reloaded"},
                                       {"plan", d_.engine().plan().id},
                                       {"indicators", d_.engine().plan().indicators.size()}});
    }
    if (path == "/-/clock") {
        if (m != "POST") co_return method_not_allowed(m, path, "POST");
        std::string parse_error;
        const auto body = parse_json(req.body, parse_error);
        const auto* now =
            body && body->is_object() ? body->as_object().if_contains("now") : nullptr;
        auto t = now && now->is_string() ? parse_instant(now->as_string()) : std::nullopt;
        if (!t)
            co_return json_error(400, "body must be {\"now\": \"<RFC 3339 instant>\"}" +
                                          (body ? "" : ": " + parse_error));
        if (!co_await d_.alerts().set_clock(*t))
            co_return json_error(404,
                                 "the clock is not under test control (start with --test-clock)");
        co_return json_ok(json::object{{"now", format_instant(*t)}});
    }
    if (path == "/api/v1/alerts") {
        if (m != "GET" && m != "HEAD") co_return method_not_allowed(m, path, "GET, HEAD");
        co_return list_alerts(query, principal);
    }
    if (path.starts_with(kAlertsPrefix) && path.ends_with("/ack")) {
        if (m != "POST") co_return method_not_allowed(m, path, "POST");
        const auto fp = std::string_view(path).substr(kAlertsPrefix.size(),
                                                      path.size() - kAlertsPrefix.size() - 4);
        co_return co_await acknowledge(fp, req, principal);
    }
    if (path == "/api/v1/silences") {
        if (m == "GET" || m == "HEAD") co_return list_silences(principal);
        if (m != "POST") co_return method_not_allowed(m, path, "GET, HEAD, POST");
        co_return co_await add_silence(req, principal);
    }
    if (path.starts_with(kSilencesPrefix)) {
        if (m != "DELETE") co_return method_not_allowed(m, path, "DELETE");
        co_return co_await expire_silence(std::string_view(path).substr(kSilencesPrefix.size()),
                                          principal);
    }
    if (path == "/api/v1/indicators") {
        if (m != "GET" && m != "HEAD") co_return method_not_allowed(m, path, "GET, HEAD");
        co_return list_indicators(query, principal);
    }
    if (path.starts_with(kIndicatorsPrefix)) {
        std::string_view rest = std::string_view(path).substr(kIndicatorsPrefix.size());
        if (m != "GET" && m != "HEAD") co_return method_not_allowed(m, path, "GET, HEAD");
        if (rest.ends_with("/values"))
            co_return get_values(rest.substr(0, rest.size() - 7), query, principal);
        if (rest.find('/') == std::string_view::npos && !rest.empty())
            co_return get_indicator(rest, principal);
    }
    co_return json_error(404, "no such resource: " + m + " " + path);
}

asio::awaitable<HttpResponse> Service::post_values(const HttpRequest& req, const Principal* who) {
    auto plan = d_.engine().plan_ptr();
    IngestBatch batch;
    const char* index_name = "index";
    // A reported_at is honoured for admin tokens (imports of history) and when auth is off.
    const ReportTime when{d_.clock.now(), !who || who->admin};
    if (content_type_is(req.content_type, "application/json")) {
        batch = parse_values_json(req.body, *plan, when);
    } else if (content_type_is(req.content_type, "text/csv")) {
        // charset=gbk / gb18030 / utf-8 from the header; otherwise detected
        auto encoding = CsvEncoding::detect;
        if (auto at = req.content_type.find("charset="); at != std::string::npos) {
            auto name = req.content_type.substr(at + 8);
            name = name.substr(0, name.find(';'));
            if (name.size() >= 2 && name.front() == '"' && name.back() == '"')
                name = name.substr(1, name.size() - 2);
            auto e = parse_encoding(name);
            if (!e) {
                d_.metrics.requests_rejected.Increment();
                co_return json_error(415, "unsupported charset '" + name + "' (use utf-8 or gbk)");
            }
            encoding = *e;
        }
        auto csv = parse_values_csv(req.body, *plan, encoding, when);
        batch.error = std::move(csv.error);
        batch.item_errors = std::move(csv.row_errors);
        for (auto& v : csv.values) batch.items.push_back(std::move(v.item));
        index_name = "line";
    } else {
        d_.metrics.requests_rejected.Increment();
        co_return json_error(
            415, "Content-Type must be application/json or text/csv, got '" +
                     (req.content_type.empty() ? std::string("none") : req.content_type) + "'");
    }
    if (!batch.ok()) {
        d_.metrics.requests_rejected.Increment();
        if (!batch.error.empty()) co_return json_error(400, batch.error);
        d_.metrics.values_rejected.Increment(static_cast<double>(batch.item_errors.size()));
        json::array errors;
        for (auto& e : batch.item_errors)
            errors.push_back(json::object{{index_name, e.index}, {"reason", e.reason}});
        json::object body{{"error", std::to_string(batch.item_errors.size()) +
                                        " invalid value(s); nothing was stored"},
                          {"items", std::move(errors)}};
        co_return json_ok(body, 400);
    }
    if (who) {
        json::array forbidden;
        for (std::size_t i = 0; i < batch.items.size(); ++i) {
            const auto& ind = plan->indicators[batch.items[i].indicator];
            if (!may_write(*who, *plan, ind))
                forbidden.push_back(
                    json::object{{"index", i},
                                 {"reason", "unit '" + who->unit + "' may not report indicator '" +
                                                ind.key + "' (task " + std::to_string(ind.task) +
                                                ", led by '" + ind.lead_unit + "')"}});
        }
        if (!forbidden.empty()) {
            d_.metrics.requests_rejected.Increment();
            d_.metrics.values_rejected.Increment(static_cast<double>(batch.items.size()));
            json::object body{{"error", "token '" + who->token_id + "' of unit '" + who->unit +
                                            "' may not report " + std::to_string(forbidden.size()) +
                                            " of these values; nothing was stored"},
                              {"items", std::move(forbidden)}};
            co_return json_ok(body, 403);
        }
    }
    const std::string reporter = who ? who->reporter() : "anonymous";
    const auto now = d_.clock.now();
    std::vector<NewObservation> rows;
    rows.reserve(batch.items.size());
    for (const auto& it : batch.items)
        rows.push_back(NewObservation{plan->indicators[it.indicator].key, it.period.label(),
                                      it.value, it.note, it.reported_at.value_or(now), reporter});
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
            engine.record(static_cast<std::size_t>(idx),
                          Observation{it.period, it.value, result.revisions[i],
                                      it.reported_at.value_or(now)});
            touched.insert(static_cast<std::size_t>(idx));
        }
        stored.push_back(json::object{
            {"indicator", key}, {"period", it.period.label()}, {"revision", result.revisions[i]}});
    }
    json::object status;
    for (auto idx : touched) {
        engine.evaluate_one(idx, eval_now);
        status[engine.plan().indicators[idx].key] = to_string(engine.evaluation(idx).status);
    }
    co_return json_ok(json::object{{"accepted", batch.items.size()},
                                   {"values", std::move(stored)},
                                   {"status", std::move(status)}});
}

HttpResponse Service::list_indicators(const Query& query, const Principal* who) const {
    const Engine& e = d_.engine();
    std::string task, unit, status;
    for (const auto& [k, v] : query) {
        if (k == "task")
            task = v;
        else if (k == "unit")
            unit = v;
        else if (k == "status")
            status = v;
        else
            return json_error(400,
                              "unknown query parameter '" + k + "' (allowed: task, unit, status)");
    }
    json::array out;
    for (std::size_t i = 0; i < e.plan().indicators.size(); ++i) {
        const auto& ind = e.plan().indicators[i];
        if (!task.empty() && std::to_string(ind.task) != task) continue;
        if (!unit.empty() && ind.lead_unit != unit) continue;
        if (!status.empty() && to_string(e.evaluation(i).status) != status) continue;
        if (!reads_all(who) && !may_read(*who, e.plan(), ind)) continue;
        out.push_back(summary(e, i));
    }
    return json_ok(json::object{{"plan", e.plan().id}, {"indicators", std::move(out)}});
}

HttpResponse Service::get_indicator(std::string_view key, const Principal* who) const {
    const Engine& e = d_.engine();
    const long idx = e.plan().index_of(key);
    if (idx < 0) return json_error(404, "unknown indicator '" + std::string(key) + "'");
    const auto i = static_cast<std::size_t>(idx);
    if (auto refusal = refuse_read(who, i)) return std::move(*refusal);
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

namespace {

// A page cursor is the hex of "<period>\n<revision>" of the page's last row: opaque to clients,
// and the next page is a keyset read after it (no offset scan, no duplicates across pages).
std::string encode_cursor(const StoredRevision& last) {
    static constexpr char hex[] = "0123456789abcdef";
    const std::string plain = last.period + "\n" + std::to_string(last.revision);
    std::string out;
    for (unsigned char c : plain) {
        out.push_back(hex[c >> 4]);
        out.push_back(hex[c & 15]);
    }
    return out;
}

std::optional<std::pair<std::string, int>> decode_cursor(std::string_view text) {
    if (text.empty() || text.size() % 2 != 0 || text.size() > 256) return std::nullopt;
    auto nibble = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        return -1;
    };
    std::string plain;
    for (std::size_t i = 0; i < text.size(); i += 2) {
        const int hi = nibble(text[i]), lo = nibble(text[i + 1]);
        if (hi < 0 || lo < 0) return std::nullopt;
        plain.push_back(static_cast<char>(hi * 16 + lo));
    }
    const auto nl = plain.find('\n');
    if (nl == std::string::npos || nl == 0) return std::nullopt;
    int revision = 0;
    const char* first = plain.data() + nl + 1;
    const char* last = plain.data() + plain.size();
    auto [p, ec] = std::from_chars(first, last, revision);
    if (ec != std::errc{} || p != last || revision < 1) return std::nullopt;
    return std::pair{plain.substr(0, nl), revision};
}

}  // namespace

HttpResponse Service::get_values(std::string_view key, const Query& query,
                                 const Principal* who) const {
    const long idx = d_.engine().plan().index_of(key);
    if (idx < 0) return json_error(404, "unknown indicator '" + std::string(key) + "'");
    if (auto refusal = refuse_read(who, static_cast<std::size_t>(idx))) return std::move(*refusal);
    std::size_t limit = kDefaultPageSize;
    std::pair<std::string, int> after{"", 0};
    for (const auto& [k, v] : query) {
        if (k == "limit") {
            std::size_t n = 0;
            auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
            if (v.empty() || ec != std::errc{} || p != v.data() + v.size() || n < 1 ||
                n > kMaxPageSize)
                return json_error(400, "limit must be a whole number from 1 to " +
                                           std::to_string(kMaxPageSize) + ", got '" + v + "'");
            limit = n;
        } else if (k == "cursor") {
            auto c = decode_cursor(v);
            if (!c)
                return json_error(
                    400, "cursor '" + v +
                             "' is not valid: pass the next_cursor of the previous page unchanged");
            after = std::move(*c);
        } else {
            return json_error(400, "unknown query parameter '" + k + "' (allowed: limit, cursor)");
        }
    }
    // One row more than the page tells whether another page follows.
    auto rows =
        d_.store.history(key, after.first, after.second, static_cast<std::int64_t>(limit + 1));
    std::optional<std::string> next;
    if (rows.size() > limit) {
        rows.resize(limit);
        next = encode_cursor(rows.back());
    }
    json::array out;
    out.reserve(rows.size());
    for (const auto& r : rows)
        out.push_back(json::object{{"period", r.period},
                                   {"revision", r.revision},
                                   {"value", r.value},
                                   {"note", r.note},
                                   {"reported_at", format_instant(r.reported_at)},
                                   {"reporter", r.reporter}});
    json::object body{{"indicator", key}, {"values", std::move(out)}};
    if (next) body["next_cursor"] = *next;
    return json_ok(body);
}

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

HttpResponse Service::get_metrics() const {
    HttpResponse r;
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = d_.metrics.serialize();
    // The per-indicator families go out in parts of about 1 MB: a scrape of 100,000 indicators
    // (~120 MB of text) never sits in memory whole.
    auto writer = std::make_shared<IndicatorMetricsWriter>(d_.engine_snapshot(), d_.clock.now());
    r.chunks = [writer](std::string& out) { return writer->next(out, 1 << 20); };
    return r;
}

}  // namespace indicatord
