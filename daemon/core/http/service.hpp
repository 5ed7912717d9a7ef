#pragma once

#include <boost/asio/awaitable.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/auth.hpp"
#include "config/config.hpp"
#include "http/http_types.hpp"
#include "http/multipart.hpp"
#include "model/scoring.hpp"

namespace indicatord {

class Engine;
class Store;
class Committer;
class SelfMetrics;
class Clock;
class TokenStore;
class AlertActions;
class AdminActions;
class IndicatorLabels;
struct WebState;
struct WebVisitor;
struct PageFrame;
class ReviewStore;
struct IngestBatch;
struct EvidenceFile;
struct ReviewStep;
struct Plan;

/// The HTTP API as a function from request to response (like the `handle_request` of Beast's
/// examples). It never touches a socket: HttpServer reads the request and writes what this
/// returns, and tests call handle() with a request they built (`handle_request` below). It runs
/// on the event loop's thread and suspends (never blocks) while the writer thread commits a
/// batch, an alert change or a reload's registrations.
///
/// Files: the router and the token checks in service.cpp; the handlers one file per group of
/// endpoints, routes_<group>.cpp (health, metrics, values, indicators, alerts, silences, admin);
/// the web console's pages web_<page>.cpp (docs/web.md), which reuse the same checks and
/// handlers.
class Service {
  public:
    struct Deps {
        std::function<Engine&()> engine;  ///< the current plan's state (swapped on reload)
        Store& store;
        Committer& committer;
        SelfMetrics& metrics;
        const Clock& clock;
        std::function<bool()> ready;
        /// The API tokens; nullptr when auth is not configured (writes are open).
        std::function<const TokenStore*()> tokens;
        bool read_requires_token = false;
        std::function<AlertActions&()> alerts;
        /// The current engine, kept alive by the holder (a scrape streamed across a reload).
        std::function<std::shared_ptr<const Engine>()> engine_snapshot;
        /// `auth.read_scope: unit`: unit tokens read only what their unit is responsible for.
        bool read_scope_unit = false;
        std::vector<std::string> read_all_units{};  ///< units whose tokens read everything
        /// Why the database cannot take writes (Store::file_problem), empty when it can; unset:
        /// never.
        std::function<std::string()> storage_problem;
        /// Reload and the test clock (POST /-/reload, POST /-/clock); unset: both answer 404.
        std::function<AdminActions&()> admin;
        /// `http.body_limit_bytes`: a larger body gets 413. HttpServer stops reading at the same
        /// limit; handle() checks it too, for requests that do not come through the server.
        std::size_t body_limit = HttpLimits{}.body_bytes;
        /// The web console (`web:`, docs/web.md).
        WebConfig web{};
        /// The listener speaks TLS: the console's cookies are `Secure`.
        bool tls = false;
        /// The scoring rules (考评) of a plan for its bulletins (config/scoring.hpp,
        /// find_scoring); unset: none.
        std::function<std::optional<Scoring>(std::string_view plan_id)> scoring;
        /// Review and evidence (docs/review.md); null: no review tables (unit tests).
        ReviewStore* reviews = nullptr;
        /// `evidence:` limits of attached files.
        EvidenceLimits evidence{};
    };

    explicit Service(Deps deps);
    ~Service();
    Service(const Service&) = delete;
    Service& operator=(const Service&) = delete;

    /// The response to one whole request. Never throws for bad input (4xx); a response with
    /// `chunks` is the rest of its body in parts (GET /metrics).
    boost::asio::awaitable<HttpResponse> handle(HttpRequest request);

    /// The refusal (401/403) a request gets from its head alone (method, target, Authorization;
    /// the body is ignored), or nullopt. The HTTP server asks before it answers `100 Continue`
    /// or reads a body; handle() applies the same checks.
    std::optional<HttpResponse> refuse_head(const HttpRequest& head) const;

    /// Page sizes of GET /api/v1/indicators/{key}/values.
    static constexpr std::size_t kDefaultPageSize = 100;
    static constexpr std::size_t kMaxPageSize = 1000;

    /// Whether `path` is one of the web console's (web_console.cpp).
    static bool web_path(std::string_view path);

  private:
    using Query = std::vector<std::pair<std::string, std::string>>;

    // service.cpp: the token checks.
    /// The token checks of one request; sets `who` for a valid token.
    std::optional<HttpResponse> authorize(std::string_view method, std::string_view path,
                                          std::string_view authorization,
                                          std::optional<Principal>& who) const;
    /// Whether `who` reads every unit's data (no read scope, an admin, or a read_all_units unit).
    bool reads_all(const Principal* who) const;
    /// nullopt if `who` may read indicator `i` of the current plan, else the 403.
    std::optional<HttpResponse> refuse_read(const Principal* who, std::size_t i) const;

    // routes_health.cpp: GET /healthz, GET /readyz.
    HttpResponse get_health() const;
    HttpResponse get_ready() const;
    // routes_metrics.cpp: GET /metrics.
    HttpResponse get_metrics() const;
    // routes_values.cpp: POST /api/v1/values.
    boost::asio::awaitable<HttpResponse> post_values(const HttpRequest& request,
                                                     const Principal* who);
    // routes_indicators.cpp: GET /api/v1/indicators, /api/v1/indicators/{key},
    // /api/v1/indicators/{key}/values.
    HttpResponse list_indicators(const Query& query, const Principal* who) const;
    HttpResponse get_indicator(std::string_view key, const Principal* who) const;
    HttpResponse get_values(std::string_view key, const Query& query, const Principal* who) const;
    // routes_alerts.cpp: GET /api/v1/alerts, POST /api/v1/alerts/{fingerprint}/ack.
    HttpResponse list_alerts(const Query& query, const Principal* who) const;
    /// POST /api/v1/indicators/{key}/chase: 催办, the office's chase of the responsible unit.
    boost::asio::awaitable<HttpResponse> chase(std::string_view key, const HttpRequest& req,
                                               const Principal* who);
    boost::asio::awaitable<HttpResponse> acknowledge(std::string_view fingerprint,
                                                     const HttpRequest& req, const Principal* who);
    // routes_silences.cpp: GET and POST /api/v1/silences, DELETE /api/v1/silences/{id}.
    HttpResponse list_silences(const Principal* who) const;
    boost::asio::awaitable<HttpResponse> add_silence(const HttpRequest& req, const Principal* who);
    boost::asio::awaitable<HttpResponse> expire_silence(std::string_view id, const Principal* who);
    // routes_bulletin.cpp: GET /api/v1/bulletin.
    HttpResponse get_bulletin(const Query& query, const Principal* who) const;
    // routes_review.cpp: review (实绩审核) and evidence (佐证材料), docs/review.md.
    /// A multipart/form-data value: its fields as the JSON body of one value into `json`, its
    /// files (checked by their bytes, within the limits) into `files`; or the refusal.
    std::optional<HttpResponse> read_multipart(const HttpRequest& req, std::string_view boundary,
                                               std::string& json,
                                               std::vector<EvidenceFile>& files) const;
    /// Commits a checked batch of which some value is under review or has files: in one
    /// transaction, reviewed values as submissions, the others as observations.
    boost::asio::awaitable<HttpResponse> commit_reviewed(std::shared_ptr<const Plan> plan,
                                                         const IngestBatch& batch,
                                                         const Principal* who,
                                                         std::vector<EvidenceFile> files);
    /// GET /api/v1/reviews: the submissions awaiting the caller's review, oldest first.
    HttpResponse list_reviews(const Principal* who) const;
    /// GET /api/v1/reviews/{id}: one submission, its steps and evidence.
    HttpResponse get_review(std::string_view id, const Principal* who) const;
    /// POST /api/v1/reviews/{id}/approve and /return.
    boost::asio::awaitable<HttpResponse> decide_review(std::string_view id, bool approve,
                                                       const HttpRequest& req,
                                                       const Principal* who);
    /// GET /api/v1/indicators/{key}/reviews: every submission of an indicator with its steps.
    HttpResponse get_indicator_reviews(std::string_view key, const Principal* who) const;
    /// GET /api/v1/evidence/{id}: the file, as an attachment.
    HttpResponse get_evidence(std::string_view id, const Principal* who) const;
    /// Whether `who` may review values whose reviewer is `reviewer` ("office" or a unit id).
    bool may_review(const Principal* who, std::string_view reviewer) const;

    // routes_admin.cpp: POST /-/reload, POST /-/clock.
    boost::asio::awaitable<HttpResponse> reload();
    boost::asio::awaitable<HttpResponse> set_clock(const HttpRequest& req);

    // web_console.cpp: the console's router, sign-in and sign-out, its static files.
    boost::asio::awaitable<HttpResponse> web(const HttpRequest& req, const std::string& path,
                                             const Query& query);
    boost::asio::awaitable<HttpResponse> web_route(const HttpRequest& req, const std::string& path,
                                                   const Query& query);
    /// The plan the console shows: the one place that picks it (a plan switcher goes here).
    const Engine& web_plan() const;
    PageFrame web_frame(std::string_view title, std::string_view nav, const WebVisitor& v) const;
    HttpResponse web_message(unsigned status, const WebVisitor& v, std::string_view title,
                             std::string_view message) const;
    HttpResponse web_signin_page(unsigned status, std::string_view next, std::string_view error,
                                 const std::string& csrf) const;
    HttpResponse web_signin(const HttpRequest& req, const Query& form);
    HttpResponse web_signin_open(const Query& form, const std::string& next,
                                 const std::string& address);
    // web_board.cpp: 总览.
    HttpResponse web_board(const WebVisitor& v, const Query& query) const;
    // web_indicator.cpp: 指标.
    HttpResponse web_indicator(const WebVisitor& v, std::string_view key) const;
    // web_desk.cpp: 单位.
    HttpResponse web_desk(const WebVisitor& v, std::string_view unit) const;
    HttpResponse web_units(const WebVisitor& v) const;
    // web_report.cpp: 填报, and acknowledging an alert.
    /// The form prefilled from `query`; `notice_html` (already escaped) above it.
    HttpResponse web_report_form(const WebVisitor& v, const Query& query, unsigned status = 200,
                                 std::string_view notice_html = {}) const;
    /// A value from the form (`files`: its evidence, the form was multipart/form-data).
    boost::asio::awaitable<HttpResponse> web_report(const WebVisitor& v, const Query& form,
                                                    std::vector<FormPart> files = {});
    // web_alerts.cpp: 提醒, and the office's silences.
    HttpResponse web_alerts(const WebVisitor& v, const Query& query) const;
    boost::asio::awaitable<HttpResponse> web_silence(const WebVisitor& v, std::string_view path,
                                                     const Query& form);
    // web_csv.cpp: a CSV file of values, previewed, then stored all or nothing.
    boost::asio::awaitable<HttpResponse> web_csv(const WebVisitor& v, const Query& form);
    /// An uploaded .xlsx workbook's first sheet as CSV text, for the report page's script to put
    /// into the CSV form (previewed and committed as CSV). Signed-in units, CSRF in a header.
    HttpResponse web_xlsx(const HttpRequest& req, const WebVisitor& v) const;
    /// An indicator page's 催办 section (the form for the office, the chases sent) and its
    /// notifications (each with how its delivery stands).
    void put_chases(std::string& out, const Engine& e, const Indicator& ind,
                    const WebVisitor& v) const;
    void put_notices(std::string& out, const Engine& e, const Indicator& ind) const;
    /// 催办 from an indicator's page: the API's chase handler, then back to the page.
    boost::asio::awaitable<HttpResponse> web_chase(const WebVisitor& v, std::string_view key,
                                                   const Query& form);
    boost::asio::awaitable<HttpResponse> web_acknowledge(const WebVisitor& v,
                                                         std::string_view fingerprint,
                                                         const Query& form);
    // web_review.cpp: 审核, the reviewer's queue and decisions, evidence downloads, the review
    // steps on an indicator's page and the unit's submissions on its report form.
    HttpResponse web_reviews(const WebVisitor& v, unsigned status = 200,
                             std::string_view notice_html = {}) const;
    boost::asio::awaitable<HttpResponse> web_decide(const WebVisitor& v, std::string_view id,
                                                    bool approve, const Query& form);
    HttpResponse web_evidence(const WebVisitor& v, std::string_view id) const;
    void put_review_steps(std::string& out, const Engine& e, const Indicator& ind) const;
    void put_submissions(std::string& out, const Engine& e, const std::string& unit) const;
    /// The comment of the newest submission of `key` for `period` when it was returned (退回).
    std::optional<ReviewStep> returned_step(std::string_view key, std::string_view period) const;
    /// How many values await the visitor's decision; nullopt when it reviews nothing (no 审核 tab).
    std::optional<std::size_t> web_review_count(const WebVisitor& v) const;

    Deps d_;
    std::unique_ptr<WebState> web_;
    /// The Prometheus label text of the plan last scraped (routes_metrics.cpp), rebuilt when a
    /// reload brings another plan.
    mutable std::shared_ptr<const IndicatorLabels> labels_;
};

/// Runs `service.handle(request)` to completion on an io_context of its own and returns the
/// response, its `chunks` (if any) appended to the body: for tests and tools without a server.
/// The Deps' actions must not need another event loop (the App's do: it serves through
/// HttpServer).
HttpResponse handle_request(Service& service, HttpRequest request);

}  // namespace indicatord
