// POST /api/v1/values: reported values in, as JSON or CSV, committed before they count.
#include "http/service.hpp"
// GCC 12 inlines Asio's recycling allocator for coroutine frames into one path and then reports
// its matching operator new/delete pair as mismatched (GCC PR 109224): a false positive.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
#include <algorithm>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <boost/json/monotonic_resource.hpp>

#include "eval/csv_import.hpp"
#include "eval/engine.hpp"
#include "eval/ingest.hpp"
#include "eval/members.hpp"
#include "http/content_type.hpp"
#include "http/metrics.hpp"
#include "store/committer.hpp"
#include "store/review_store.hpp"
#include "util/xlsx.hpp"

namespace indicatord {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

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

/// After the commit: the values into the engine, their indicators re-evaluated at `eval_now`,
/// and the answer. Not a coroutine, so that the answer's JSON is built in a buffer on the
/// thread's stack: a single value's answer takes no allocation but its text (a coroutine's
/// locals live in its frame, and a larger frame is a larger heap block per request).
HttpResponse count_stored(Engine& engine, const Plan& plan, const IngestBatch& batch,
                          const std::vector<int>& revisions, TimePoint now, TimePoint eval_now) {
    // The plan may have been reloaded while the batch was committed: then re-resolve by key.
    const bool same_plan = &engine.plan() == &plan;
    std::vector<std::size_t> touched;
    touched.reserve(batch.items.size());
    alignas(std::max_align_t) unsigned char buffer[4096];
    json::monotonic_resource memory(buffer, sizeof buffer);
    json::array stored(&memory);
    stored.reserve(batch.items.size());
    for (std::size_t i = 0; i < batch.items.size(); ++i) {
        const auto& it = batch.items[i];
        const auto& key = plan.indicators[it.indicator].key;
        const long idx = same_plan ? static_cast<long>(it.indicator) : engine.plan().index_of(key);
        if (idx >= 0) {
            engine.record(
                static_cast<std::size_t>(idx),
                Observation{it.period, it.value, revisions[i], it.reported_at.value_or(now)});
            touched.push_back(static_cast<std::size_t>(idx));
        }
        stored.push_back(json::object(
            {{"indicator", key}, {"period", it.period.label()}, {"revision", revisions[i]}},
            &memory));
    }
    std::sort(touched.begin(), touched.end());
    touched.erase(std::unique(touched.begin(), touched.end()), touched.end());
    json::object status(&memory);
    for (auto idx : touched) {
        engine.evaluate_one(idx, eval_now);
        status[engine.plan().indicators[idx].key] = to_string(engine.evaluation(idx).status);
    }
    return json_ok(json::object({{"accepted", batch.items.size()},
                                 {"values", std::move(stored)},
                                 {"status", std::move(status)}},
                                &memory));
}

}  // namespace

asio::awaitable<HttpResponse> Service::post_values(const HttpRequest& req, const Principal* who) {
    auto plan = d_.engine().plan_ptr();
    IngestBatch batch;
    const char* index_name = "index";
    std::vector<std::size_t> positions;  ///< CSV: each item's line
    std::vector<EvidenceFile> files;     ///< multipart/form-data: the value's evidence
    // A reported_at is honoured for admin tokens (imports of history) and when auth is off.
    const ReportTime when{d_.clock.now(), !who || who->admin};
    const auto type = parse_content_type(req.content_type);
    if (type && type->media_type == "application/json") {
        batch = parse_values_json(req.body, *plan, when);
    } else if (type && type->media_type == "text/csv") {
        // charset=gbk / gb18030 / utf-8 from the header; otherwise detected
        auto encoding = CsvEncoding::detect;
        if (const auto charset = type->param("charset")) {
            auto e = parse_encoding(*charset);
            if (!e) {
                d_.metrics.requests_rejected.Increment();
                co_return json_error(415,
                                     "unsupported charset '" + *charset + "' (use utf-8 or gbk)");
            }
            encoding = *e;
        }
        auto csv = parse_values_csv(req.body, *plan, encoding, when);
        batch.error = std::move(csv.error);
        batch.item_errors = std::move(csv.row_errors);
        for (auto& v : csv.values) {
            batch.items.push_back(std::move(v.item));
            positions.push_back(v.line);
        }
        index_name = "line";
    } else if (type && type->media_type == "multipart/form-data") {
        // one value with its evidence files (routes_review.cpp, docs/review.md)
        std::string fields;
        if (auto refusal =
                read_multipart(req, type->param("boundary").value_or(""), fields, files)) {
            d_.metrics.requests_rejected.Increment();
            co_return std::move(*refusal);
        }
        batch = parse_values_json(fields, *plan, when);
    } else if (type && type->media_type == kXlsxMediaType) {
        auto sheet = parse_values_xlsx(req.body, *plan, when);
        batch.error = std::move(sheet.error);
        batch.item_errors = std::move(sheet.row_errors);
        for (auto& v : sheet.values) {
            batch.items.push_back(std::move(v.item));
            positions.push_back(v.line);
        }
        index_name = "row";
    } else {
        d_.metrics.requests_rejected.Increment();
        co_return json_error(
            415, "Content-Type must be application/json, text/csv, " + std::string(kXlsxMediaType) +
                     " (.xlsx) or multipart/form-data (a value with evidence files), got '" +
                     (req.content_type.empty() ? std::string("none") : req.content_type) + "'");
    }
    // a member reporting a per-member indicator's own key writes its own series
    for (std::size_t i = 0; batch.error.empty() && i < batch.items.size(); ++i)
        if (auto reason = assign_member(*plan, who && !who->admin ? who->unit : std::string(),
                                        batch.items[i]);
            !reason.empty())
            batch.item_errors.push_back({i < positions.size() ? positions[i] : i, reason});
    if (!batch.item_errors.empty()) batch.items.clear();
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
                    json::object{{index_name, i < positions.size() ? positions[i] : i},
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
    // values under review (实绩审核) or with evidence take the review path (routes_review.cpp)
    if (!files.empty() || std::any_of(batch.items.begin(), batch.items.end(), [&](const auto& it) {
            return plan->indicators[it.indicator].review.required();
        }))
        co_return co_await commit_reviewed(plan, batch, who, std::move(files));
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

    co_return count_stored(d_.engine(), *plan, batch, result.revisions, now, d_.clock.now());
}

}  // namespace indicatord
