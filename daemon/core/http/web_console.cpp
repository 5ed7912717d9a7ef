// The web console's router (docs/web.md): its static files, sign-in and sign-out with a session
// cookie and CSRF tokens, then the pages (web_board, web_indicator, web_desk, web_report), which
// apply the API's checks (reads_all, refuse_read, may_write) and call its handlers.
#include "http/service.hpp"
// GCC 12 inlines Asio's recycling allocator for coroutine frames into one path and then reports
// its matching operator new/delete pair as mismatched (GCC PR 109224): a false positive.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json.hpp>
#include <boost/url/params_view.hpp>

#include "config/auth.hpp"
#include "eval/engine.hpp"
#include "http/content_type.hpp"
#include "http/metrics.hpp"
#include "http/web_assets.hpp"
#include "http/web_view.hpp"
#include "util/percent_encoding.hpp"

namespace indicatord {

namespace asio = boost::asio;

namespace {

constexpr std::string_view kSessionCookie = "idt_session";
constexpr std::string_view kSignInCookie = "idt_signin";  // the sign-in form's CSRF token
constexpr std::string_view kAlertsPrefix = "/alerts/";
constexpr std::string_view kUnitsPrefix = "/units/";
constexpr std::string_view kIndicatorsPrefix = "/indicators/";
constexpr std::string_view kReviewsPrefix = "/reviews/";
constexpr std::string_view kEvidencePrefix = "/evidence/";

std::string cookie(std::string_view name, std::string_view value, long long max_age, bool secure) {
    std::string c = std::string(name) + "=" + std::string(value) +
                    "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" + std::to_string(max_age);
    if (secure) c += "; Secure";
    return c;
}

HttpResponse not_allowed(HttpResponse r, std::string_view allow) {
    r.headers.emplace_back("Allow", std::string(allow));
    return r;
}

}  // namespace

bool Service::web_path(std::string_view p) {
    return p == "/" || p == "/favicon.ico" || p.starts_with("/static/") || p == "/signin" ||
           p == "/signout" || p == "/desk" || p.starts_with(kUnitsPrefix) ||
           p.starts_with(kIndicatorsPrefix) || p == "/report" || p == "/report/csv" ||
           p == "/report/xlsx" || p == "/alerts" || p.starts_with(kAlertsPrefix) ||
           p == "/bulletin" || p == "/reviews" || p.starts_with(kReviewsPrefix) ||
           p.starts_with(kEvidencePrefix);
}

const Engine& Service::web_plan() const {
    return d_.engine();
}

PageFrame Service::web_frame(std::string_view title, std::string_view nav,
                             const WebVisitor& v) const {
    const Engine& e = web_plan();
    PageFrame f{title, nav, e.plan().name, {}, {}, local_time_text(e, d_.clock.now())};
    if (const auto* who = v.who()) {
        f.who = who->admin ? std::string("管理员") : unit_name(e.plan(), who->unit);
        f.who += " (" + who->token_id + ")";
        f.csrf = v.session->csrf;
        f.reviews = web_review_count(v);
    }
    return f;
}

HttpResponse Service::web_message(unsigned status, const WebVisitor& v, std::string_view title,
                                  std::string_view message) const {
    std::string body = "<div class=\"notice error\" id=\"message\">";
    put_escaped(body, message);
    body += "</div><p><a href=\"/\">返回总览</a></p>";
    return html_page(status, web_frame(title, "", v), body);
}

HttpResponse Service::web_signin_page(unsigned status, std::string_view next,
                                      std::string_view error, const std::string& csrf) const {
    std::string body;
    const bool auth = d_.tokens && d_.tokens();
    if (!error.empty()) {
        body += "<div class=\"notice error\" id=\"message\">";
        put_escaped(body, error);
        body += "</div>";
    }
    body += "<form method=\"post\" action=\"/signin\" id=\"signin\">";
    if (auth) {
        body += "<p>用本单位的 API 令牌登录(<code>indicatorctl token create</code> 发放)。</p>";
    } else {
        body +=
            "<p class=\"notice\" id=\"open-mode\">试用模式:本服务未配置 "
            "<code>auth.tokens_file</code>,与 API 一样,任何人都可以任一单位的名义填报。"
            "正式使用前请为各单位发放令牌(见 docs/configuration.md)。</p>";
    }
    body += "<input type=\"hidden\" name=\"csrf\" value=\"";
    put_escaped(body, csrf);
    body += "\"><input type=\"hidden\" name=\"next\" value=\"";
    put_escaped(body, next);
    body += "\">";
    if (auth) {
        body +=
            "<p><label>令牌 <input type=\"password\" name=\"token\" id=\"token\" "
            "autocomplete=\"off\" required size=\"48\"></label></p>";
    } else {
        // The units that report: those that lead a task or owe a report.
        const Engine& e = web_plan();
        const auto now = d_.clock.now();
        body +=
            "<p><label>单位 <select name=\"unit\" id=\"unit\" required>"
            "<option value=\"\">请选择</option><option value=\"@office\">督查室(管理员)</option>";
        for (const auto& u : e.plan().units) {
            if (u.kind == UnitKind::group) continue;
            const bool leads =
                std::any_of(e.plan().tasks.begin(), e.plan().tasks.end(), [&](auto& t) {
                    return std::find(t.leads.begin(), t.leads.end(), u.id) != t.leads.end();
                });
            const bool reviews =
                std::any_of(e.plan().indicators.begin(), e.plan().indicators.end(), [&](auto& i) {
                    return i.review.by == ReviewRule::By::unit && i.review.unit == u.id;
                });
            if (!leads && !reviews && owed_by(e, u.id, now).empty()) continue;
            body += "<option value=\"";
            put_escaped(body, u.id);
            body += "\">";
            put_escaped(body, u.name);
            body += "</option>";
        }
        body += "</select></label></p>";
    }
    body += "<p><button type=\"submit\">登录</button></p></form>";
    auto r = html_page(status, web_frame("登录", "signin", WebVisitor{}), body);
    r.headers.emplace_back("Set-Cookie", cookie(kSignInCookie, csrf, 3600, d_.tls));
    return r;
}

HttpResponse Service::web_signin(const HttpRequest& req, const Query& form) {
    const TokenStore* tokens = d_.tokens ? d_.tokens() : nullptr;
    const auto next = local_path(param(form, "next"));
    const auto now = d_.clock.now();
    const std::string address = req.remote_address.empty() ? "unknown" : req.remote_address;
    if (!same_secret(param(form, "csrf"), cookie_value(req.cookie, kSignInCookie)))
        return web_signin_page(
            403, next,
            "the sign-in form's CSRF token is missing or wrong: reload the page and sign in again",
            random_web_token());
    if (auto wait = web_->limiter.refused(address, now)) {
        auto r = web_signin_page(429, next,
                                 "too many failed sign-ins from " + address + ": try again in " +
                                     std::to_string((wait->count() + 59) / 60) + " minute(s)",
                                 random_web_token());
        r.headers.emplace_back("Retry-After", std::to_string(wait->count()));
        return r;
    }
    if (!tokens) return web_signin_open(form, next, address);
    auto token = param(form, "token");
    while (!token.empty() && (token.back() == ' ' || token.back() == '\n' || token.back() == '\r'))
        token.pop_back();
    while (!token.empty() && token.front() == ' ') token.erase(0, 1);
    auto who = token.empty() ? std::nullopt : tokens->authenticate("Bearer " + token);
    if (!who) {
        web_->limiter.failed(address, now);
        spdlog::warn("web console: failed sign-in from {}", address);
        return web_signin_page(401, next, "the API token is not valid", random_web_token());
    }
    web_->limiter.succeeded(address);
    const auto& s = web_->sessions.create(*who, now, d_.web.session_ttl);
    spdlog::info("web console: {} signed in from {}", who->reporter(), address);
    auto r = see_other(!next.empty() ? next : who->admin ? "/" : "/units/" + who->unit);
    r.headers.emplace_back("Set-Cookie",
                           cookie(kSessionCookie, s.id, d_.web.session_ttl.count(), d_.tls));
    return r;
}

// Without a tokens file the API takes values from anyone, naming no one; the console then lets
// a visitor choose the unit to act as, so that a trial set-up (scripts/run.sh) can be used from
// the browser. The session's reporter reads "unit:fgw token:(none)".
HttpResponse Service::web_signin_open(const Query& form, const std::string& next,
                                      const std::string& address) {
    const auto id = param(form, "unit");
    Principal who;
    who.token_id = "(none)";
    if (id == "@office") {
        who.admin = true;
    } else {
        const auto* unit = web_plan().plan().find_unit(id);
        if (!unit || unit->kind == UnitKind::group)
            return web_signin_page(400, next,
                                   id.empty() ? std::string("choose a unit to sign in as")
                                              : "unknown unit '" + id + "'",
                                   random_web_token());
        who.unit = unit->id;
    }
    const auto& s = web_->sessions.create(who, d_.clock.now(), d_.web.session_ttl);
    spdlog::info("web console: {} signed in from {} (no tokens file: trial mode)", who.reporter(),
                 address);
    auto r = see_other(!next.empty() ? next : who.admin ? "/" : "/units/" + who.unit);
    r.headers.emplace_back("Set-Cookie",
                           cookie(kSessionCookie, s.id, d_.web.session_ttl.count(), d_.tls));
    return r;
}

namespace {

// The page a path belongs to, for indicatord_web_requests_total{page} (a bounded set).
std::string_view page_of(std::string_view p) {
    if (p == "/") return "board";
    if (p == "/report") return "report";
    if (p == "/report/csv") return "report_csv";
    if (p == "/report/xlsx") return "report_xlsx";
    if (p == "/desk") return "units";
    if (p == "/signin") return "signin";
    if (p == "/signout") return "signout";
    if (p == "/favicon.ico" || p.starts_with("/static/")) return "static";
    if (p.starts_with(kUnitsPrefix)) return "desk";
    if (p.starts_with(kIndicatorsPrefix)) return p.ends_with("/chase") ? "chase" : "indicator";
    if (p == "/alerts") return "alerts";
    if (p == "/bulletin") return "bulletin";
    if (p == "/reviews") return "reviews";
    if (p.starts_with(kReviewsPrefix)) return "review";
    if (p.starts_with(kEvidencePrefix)) return "evidence";
    if (p.starts_with("/alerts/silences")) return "silences";
    if (p.starts_with(kAlertsPrefix)) return "ack";
    return "other";
}

}  // namespace

asio::awaitable<HttpResponse> Service::web(const HttpRequest& req, const std::string& path,
                                           const Query& query) {
    auto r = co_await web_route(req, path, query);
    d_.metrics.count_web_response(page_of(path), r.status);
    co_return r;
}

asio::awaitable<HttpResponse> Service::web_route(const HttpRequest& req, const std::string& path,
                                                 const Query& query) {
    const auto& m = req.method;
    const bool get = m == "GET" || m == "HEAD";
    WebVisitor v;
    if (path == "/favicon.ico" || path.starts_with("/static/")) {
        if (!get)
            co_return not_allowed(
                web_message(405, v, "不支持的请求",
                            m + " is not allowed on " + path + " (allowed: GET, HEAD)"),
                "GET, HEAD");
        const auto name = path == "/favicon.ico" ? std::string("favicon.svg") : path.substr(8);
        std::optional<std::string> dir;
        if (d_.web.assets_dir) dir = d_.web.assets_dir->string();
        std::string error;
        auto asset = find_web_asset(name, dir, error);
        if (!asset) {
            if (error.starts_with("web.assets_dir")) spdlog::warn("{}", error);
            HttpResponse r;
            r.status = 404;
            r.content_type = "text/plain; charset=utf-8";
            r.body = error + "\n";
            add_web_headers(r);
            co_return r;
        }
        HttpResponse r;
        r.content_type = std::move(asset->content_type);
        r.body = std::move(asset->body);
        add_web_headers(r);
        r.headers.emplace_back("Cache-Control", "no-cache");
        co_return r;
    }

    const TokenStore* tokens = d_.tokens ? d_.tokens() : nullptr;
    const auto now = d_.clock.now();
    const auto session_id = cookie_value(req.cookie, kSessionCookie);
    if (!session_id.empty()) {
        v.session = web_->sessions.find(session_id, now);
        // a token revoked (removed from the tokens file and reloaded) ends its sessions, and so
        // does a tokens file configured after a trial-mode sign-in
        if (v.session && tokens && !tokens->has(v.session->who.token_id)) {
            web_->sessions.erase(session_id);
            v.session = nullptr;
        }
    }
    if (path == "/report/xlsx") {  // a file's bytes, not a form: the CSRF token in a header
        if (m != "POST")
            co_return not_allowed(
                web_message(405, v, "不支持的请求", m + " is not allowed on " + path), "POST");
        co_return web_xlsx(req, v);
    }
    Query form;
    std::vector<FormPart> files;  // a value's evidence from the report form
    const auto type = parse_content_type(req.content_type);
    if (m == "POST" && path == "/report" && type && type->media_type == "multipart/form-data") {
        // the report form with files: its fields into `form` (the CSRF token among them), its
        // files for the API's multipart path (web_report); an empty file field sends no file
        auto parsed = parse_multipart(req.body, type->param("boundary").value_or(""));
        if (auto* error = std::get_if<std::string>(&parsed))
            co_return web_message(400, v, "请求被拒绝", "the form is not valid: " + *error);
        for (auto& part : std::get<std::vector<FormPart>>(parsed)) {
            if (!part.is_file)
                form.emplace_back(part.name, std::move(part.body));
            else if (!part.filename.empty() || !part.body.empty())
                files.push_back(std::move(part));
        }
    } else if (m == "POST") {
        if (!type || type->media_type != "application/x-www-form-urlencoded")
            co_return web_message(
                415, v, "请求被拒绝",
                "a form must be sent as application/x-www-form-urlencoded, got '" +
                    (req.content_type.empty() ? std::string("none") : req.content_type) + "'");
        try {
            boost::urls::encoding_opts opt;
            opt.space_as_plus = true;
            boost::urls::params_view fields(req.body, opt);
            for (auto f : fields) form.emplace_back(f.key, f.value);
        } catch (const std::exception& e) {
            co_return web_message(400, v, "请求被拒绝",
                                  std::string("the form is not valid: ") + e.what());
        }
    }

    if (path == "/signin") {
        if (m == "POST") co_return web_signin(req, form);
        if (!get)
            co_return not_allowed(
                web_message(405, v, "不支持的请求", m + " is not allowed on " + path),
                "GET, HEAD, POST");
        co_return web_signin_page(200, local_path(param(query, "next")), {}, random_web_token());
    }
    if (path == "/signout") {
        if (m != "POST")
            co_return not_allowed(
                web_message(405, v, "不支持的请求", m + " is not allowed on " + path), "POST");
        if (v.session) {
            if (!same_secret(param(form, "csrf"), v.session->csrf))
                co_return web_message(403, v, "请求被拒绝",
                                      "the form's CSRF token is missing or wrong: reload the page "
                                      "and submit again");
            web_->sessions.erase(session_id);
        }
        auto r = see_other("/signin");
        r.headers.emplace_back("Set-Cookie", cookie(kSessionCookie, "", 0, d_.tls));
        co_return r;
    }

    if (m == "POST") {
        const bool silence = path == "/alerts/silences" ||
                             (path.starts_with("/alerts/silences/") && path.ends_with("/expire"));
        const bool ack = !silence && path.starts_with(kAlertsPrefix) && path.ends_with("/ack");
        const bool csv = path == "/report/csv";
        const bool chase = path.starts_with(kIndicatorsPrefix) && path.ends_with("/chase") &&
                           path.size() > kIndicatorsPrefix.size() + 6;
        const bool decide = path.starts_with(kReviewsPrefix) &&
                            (path.ends_with("/approve") || path.ends_with("/return"));
        if (path != "/report" && !ack && !csv && !silence && !chase && !decide)
            co_return not_allowed(
                web_message(405, v, "不支持的请求", m + " is not allowed on " + path), "GET, HEAD");
        if (!v.session)
            co_return web_message(401, v, "未登录",
                                  tokens ? "not signed in: sign in with your unit's API token, "
                                           "then submit the form again"
                                         : "not signed in: choose your unit on the sign-in page, "
                                           "then submit the form again");
        if (!same_secret(param(form, "csrf"), v.session->csrf))
            co_return web_message(403, v, "请求被拒绝",
                                  "the form's CSRF token is missing or wrong: reload the page and "
                                  "submit again");
        if (ack) {
            const auto fp = std::string_view(path).substr(kAlertsPrefix.size(),
                                                          path.size() - kAlertsPrefix.size() - 4);
            co_return co_await web_acknowledge(v, fp, form);
        }
        if (csv) co_return co_await web_csv(v, form);
        if (chase)
            co_return co_await web_chase(
                v,
                std::string_view(path).substr(kIndicatorsPrefix.size(),
                                              path.size() - kIndicatorsPrefix.size() - 6),
                form);
        if (silence) co_return co_await web_silence(v, path, form);
        if (decide) {
            const bool approve = path.ends_with("/approve");
            const auto id = std::string_view(path).substr(
                kReviewsPrefix.size(), path.size() - kReviewsPrefix.size() - (approve ? 8 : 7));
            co_return co_await web_decide(v, id, approve, form);
        }
        co_return co_await web_report(v, form, std::move(files));
    }
    if (!get) {
        const bool posts = path == "/report" || path == "/report/csv" ||
                           path.starts_with(kAlertsPrefix) || path.starts_with(kReviewsPrefix) ||
                           (path.starts_with(kIndicatorsPrefix) && path.ends_with("/chase"));
        co_return not_allowed(
            web_message(405, v, "不支持的请求",
                        m + " is not allowed on " + path +
                            (posts ? " (allowed: GET, HEAD, POST)" : " (allowed: GET, HEAD)")),
            posts ? "GET, HEAD, POST" : "GET, HEAD");
    }
    // Reading needs a session, unless auth is off (like the API) or web.public_read is on; the
    // report form always needs one.
    const bool needs_session = path == "/report" || path == "/report/csv" || path == "/reviews" ||
                               path.starts_with(kEvidencePrefix) || (tokens && !d_.web.public_read);
    if (needs_session && !v.session)
        co_return see_other("/signin?next=" + percent_encode(req.target));
    if (path == "/") co_return web_board(v, query);
    if (path == "/bulletin") {  // 通报: the API's printable bulletin, for the signed-in office
        if (tokens && !v.session) co_return see_other("/signin?next=" + percent_encode(req.target));
        Query q = query;
        if (std::none_of(q.begin(), q.end(), [](const auto& kv) { return kv.first == "format"; }))
            q.emplace_back("format", "html");
        auto r = get_bulletin(q, v.who());
        if (r.status != 200) {
            std::string message = r.body;
            try {
                message = boost::json::parse(r.body).as_object().at("error").as_string().c_str();
            } catch (const std::exception&) {
            }
            co_return web_message(r.status, v, "督查通报", message);
        }
        co_return r;
    }
    if (path == "/alerts") co_return web_alerts(v, query);
    if (path == "/reviews") co_return web_reviews(v);
    if (path.starts_with(kEvidencePrefix))
        co_return web_evidence(v, std::string_view(path).substr(kEvidencePrefix.size()));
    if (path == "/report" || path == "/report/csv") co_return web_report_form(v, query);
    if (path == "/desk") {
        if (const auto* who = v.who(); who && !who->admin)
            co_return see_other("/units/" + who->unit);
        co_return web_units(v);
    }
    if (path.starts_with(kUnitsPrefix))
        co_return web_desk(v, std::string_view(path).substr(kUnitsPrefix.size()));
    if (path.starts_with(kIndicatorsPrefix))
        co_return web_indicator(v, std::string_view(path).substr(kIndicatorsPrefix.size()));
    co_return web_message(404, v, "未找到", "no such page: " + path);
}

}  // namespace indicatord
