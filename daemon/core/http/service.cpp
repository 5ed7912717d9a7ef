// The router: a request's path and method to its handler (routes_<group>.cpp), after the body
// limit and the token checks, which live here too.
#include "http/service.hpp"

// GCC 12 inlines Asio's recycling allocator for coroutine frames into one path and then reports
// its matching operator new/delete pair as mismatched (GCC PR 109224): a false positive.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <exception>
#include <optional>

#include "config/auth.hpp"
#include "eval/engine.hpp"
#include "http/metrics.hpp"
#include "http/web_view.hpp"
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

HttpResponse json_ok(const json::value& v, unsigned status) {
    HttpResponse r;
    r.status = status;
    r.body = json_text(v);
    r.body.push_back('\n');
    return r;
}

namespace {

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

constexpr std::string_view kAlertsPrefix = "/api/v1/alerts/";
constexpr std::string_view kSilencesPrefix = "/api/v1/silences/";
constexpr std::string_view kIndicatorsPrefix = "/api/v1/indicators/";

bool is_get(std::string_view m) {
    return m == "GET" || m == "HEAD";
}

}  // namespace

Service::Service(Deps deps) : d_(std::move(deps)), web_(std::make_unique<WebState>(d_.web)) {}

Service::~Service() = default;

std::optional<HttpResponse> Service::authorize(std::string_view m, std::string_view path,
                                               std::string_view authorization,
                                               std::optional<Principal>& who) const {
    // Health, readiness and metrics stay open (docs/api.md, "Who may read").
    if (path == "/healthz" || path == "/readyz" || path == "/-/healthy" || path == "/-/ready" ||
        path == "/metrics")
        return std::nullopt;
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
    if (path == "/api/v1/bulletin" && !who)
        return unauthorized(
            "bulletins need an admin or office token: send Authorization: Bearer "
            "<token>");
    if (add_silence && !admin) return json_error(403, "only an admin token may create silences");
    if (path.starts_with("/api/v1/reviews/") && m == "POST" && !who)
        return unauthorized("reviewing needs an API token: send Authorization: Bearer <token>");
    if (path.starts_with(kIndicatorsPrefix) && path.ends_with("/chase") && m == "POST") {
        if (!who)
            return unauthorized(
                "chasing a unit needs an admin token: send Authorization: Bearer "
                "<token>");
        if (!admin) return json_error(403, "only an admin token (the office) may chase a unit");
    }
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
    if (req.body.size() > d_.body_limit)
        co_return json_error(413, "request body of " + std::to_string(req.body.size()) +
                                      " bytes exceeds the limit of " +
                                      std::to_string(d_.body_limit) + " bytes");
    auto url = boost::urls::parse_origin_form(req.target);
    if (!url) co_return json_error(400, "malformed request target '" + req.target + "'");
    const std::string path = url->path();
    Query query;
    for (auto p : url->params()) query.emplace_back(p.key, p.value);
    const auto& m = req.method;

    // Open to all (docs/api.md, "Who may read"): routes_health.cpp, routes_metrics.cpp.
    // /-/healthy and /-/ready: the same answers under Prometheus' own names.
    if (path == "/healthz" || path == "/-/healthy") {
        if (!is_get(m)) co_return method_not_allowed(m, path, "GET, HEAD");
        co_return get_health();
    }
    if (path == "/readyz" || path == "/-/ready") {
        if (!is_get(m)) co_return method_not_allowed(m, path, "GET, HEAD");
        co_return get_ready();
    }
    if (path == "/metrics") {
        if (!is_get(m)) co_return method_not_allowed(m, path, "GET, HEAD");
        co_return get_metrics();
    }
    // The web console (web_console.cpp): its own sign-in, the same checks behind it.
    if (web_path(path)) co_return co_await web(req, path, query);
    std::optional<Principal> who;
    if (auto refusal = authorize(m, path, req.authorization, who)) co_return std::move(*refusal);
    const Principal* principal = who ? &*who : nullptr;
    // routes_values.cpp
    if (path == "/api/v1/values") {
        if (m != "POST") co_return method_not_allowed(m, path, "POST");
        co_return co_await post_values(req, principal);
    }
    // routes_admin.cpp
    if (path == "/-/reload") {
        if (m != "POST") co_return method_not_allowed(m, path, "POST");
        co_return co_await reload();
    }
    if (path == "/-/clock") {
        if (m != "POST") co_return method_not_allowed(m, path, "POST");
        co_return co_await set_clock(req);
    }
    // routes_alerts.cpp
    if (path == "/api/v1/alerts") {
        if (!is_get(m)) co_return method_not_allowed(m, path, "GET, HEAD");
        co_return list_alerts(query, principal);
    }
    if (path.starts_with(kAlertsPrefix) && path.ends_with("/ack")) {
        if (m != "POST") co_return method_not_allowed(m, path, "POST");
        const auto fp = std::string_view(path).substr(kAlertsPrefix.size(),
                                                      path.size() - kAlertsPrefix.size() - 4);
        co_return co_await acknowledge(fp, req, principal);
    }
    // routes_silences.cpp
    if (path == "/api/v1/silences") {
        if (is_get(m)) co_return list_silences(principal);
        if (m != "POST") co_return method_not_allowed(m, path, "GET, HEAD, POST");
        co_return co_await add_silence(req, principal);
    }
    if (path.starts_with(kSilencesPrefix)) {
        if (m != "DELETE") co_return method_not_allowed(m, path, "DELETE");
        co_return co_await expire_silence(std::string_view(path).substr(kSilencesPrefix.size()),
                                          principal);
    }
    // routes_bulletin.cpp
    if (path == "/api/v1/bulletin") {
        if (!is_get(m)) co_return method_not_allowed(m, path, "GET, HEAD");
        co_return get_bulletin(query, principal);
    }
    // routes_review.cpp
    if (path == "/api/v1/reviews") {
        if (!is_get(m)) co_return method_not_allowed(m, path, "GET, HEAD");
        co_return list_reviews(principal);
    }
    if (path.starts_with("/api/v1/reviews/")) {
        std::string_view rest = std::string_view(path).substr(16);
        for (const bool approve : {true, false}) {
            const std::string_view verb = approve ? "/approve" : "/return";
            if (!rest.ends_with(verb)) continue;
            if (m != "POST") co_return method_not_allowed(m, path, "POST");
            co_return co_await decide_review(rest.substr(0, rest.size() - verb.size()), approve,
                                             req, principal);
        }
        if (!is_get(m)) co_return method_not_allowed(m, path, "GET, HEAD");
        co_return get_review(rest, principal);
    }
    if (path.starts_with("/api/v1/evidence/")) {
        if (!is_get(m)) co_return method_not_allowed(m, path, "GET, HEAD");
        co_return get_evidence(std::string_view(path).substr(17), principal);
    }
    // routes_indicators.cpp
    if (path == "/api/v1/indicators") {
        if (!is_get(m)) co_return method_not_allowed(m, path, "GET, HEAD");
        co_return list_indicators(query, principal);
    }
    if (path.starts_with(kIndicatorsPrefix)) {
        std::string_view rest = std::string_view(path).substr(kIndicatorsPrefix.size());
        if (rest.ends_with("/chase")) {  // routes_alerts.cpp
            if (m != "POST") co_return method_not_allowed(m, path, "POST");
            co_return co_await chase(rest.substr(0, rest.size() - 6), req, principal);
        }
        if (!is_get(m)) co_return method_not_allowed(m, path, "GET, HEAD");
        if (rest.ends_with("/values"))
            co_return get_values(rest.substr(0, rest.size() - 7), query, principal);
        if (rest.ends_with("/reviews"))  // routes_review.cpp
            co_return get_indicator_reviews(rest.substr(0, rest.size() - 8), principal);
        if (rest.find('/') == std::string_view::npos && !rest.empty())
            co_return get_indicator(rest, principal);
    }
    co_return json_error(404, "no such resource: " + m + " " + path);
}

HttpResponse handle_request(Service& service, HttpRequest request) {
    asio::io_context io;
    std::optional<HttpResponse> response;
    std::exception_ptr error;
    asio::co_spawn(io, service.handle(std::move(request)),
                   [&](std::exception_ptr e, HttpResponse r) {
                       error = e;
                       if (!e) response = std::move(r);
                   });
    io.run();
    if (error) std::rethrow_exception(error);
    if (!response) throw std::logic_error("Service::handle did not complete");
    if (response->chunks) {
        while (response->chunks(response->body)) {
        }
        response->chunks = nullptr;
    }
    return std::move(*response);
}

}  // namespace indicatord
