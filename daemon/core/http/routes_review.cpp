// Review (实绩审核) and evidence (佐证材料), docs/review.md: values submitted for review, the
// reviewer's queue and decisions, the evidence files.
#include "http/service.hpp"
// GCC 12 inlines Asio's recycling allocator for coroutine frames into one path and then reports
// its matching operator new/delete pair as mismatched (GCC PR 109224): a false positive.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
#include <date/tz.h>

#include <algorithm>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <charconv>
#include <map>

#include "alerts/alert_actions.hpp"
#include "eval/engine.hpp"
#include "eval/ingest.hpp"
#include "http/metrics.hpp"
#include "http/multipart.hpp"
#include "http/review_metrics.hpp"
#include "store/committer.hpp"
#include "store/review_store.hpp"
#include "util/errors.hpp"
#include "util/json_parse.hpp"
#include "util/magic.hpp"
#include "util/percent_encoding.hpp"

namespace indicatord {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

constexpr std::size_t kMaxComment = 4000;  // as a value's note

std::optional<std::int64_t> parse_id(std::string_view text) {
    std::int64_t id = 0;
    const auto* end = text.data() + text.size();
    auto [p, ec] = std::from_chars(text.data(), end, id);
    if (ec != std::errc() || p != end || id <= 0) return std::nullopt;
    return id;
}

// The end of the local day `days` (working) days after `now`'s local day.
TimePoint review_due(const Engine& e, const ReviewRule& rule, TimePoint now) {
    auto day = date::floor<date::days>(now);
    if (const auto* zone = e.zone())
        day = date::sys_days{date::floor<date::days>(zone->to_local(now)).time_since_epoch()};
    date::sys_days due = day + date::days(rule.due_days);
    if (rule.due_working_days) {
        if (e.calendar())
            due = e.calendar()->add_working_days(day, rule.due_days);
        else
            due = WorkCalendar{}.add_working_days(day, rule.due_days);
    }
    return e.dues().end_of(due);
}

// "市统计局 (tjj)" / "the office (office)".
std::string reviewer_words(const Plan& plan, std::string_view reviewer) {
    if (reviewer == "office") return "the office (review: office)";
    const Unit* u = plan.find_unit(reviewer);
    return (u ? u->name : std::string(reviewer)) + " (" + std::string(reviewer) + ")";
}

json::array evidence_json(std::vector<EvidenceInfo> files) {
    json::array out;
    for (const auto& f : files)
        out.push_back(json::object{{"id", f.id},
                                   {"name", f.name},
                                   {"media_type", f.media_type},
                                   {"size", f.size},
                                   {"sha256", f.sha256},
                                   {"url", "/api/v1/evidence/" + std::to_string(f.id)}});
    return out;
}

json::object submission_json(const StoredSubmission& s) {
    json::object o{{"id", s.id},
                   {"indicator", s.indicator},
                   {"period", s.period},
                   {"value", s.value},
                   {"note", s.note},
                   {"state", s.state},
                   {"reporter", s.reporter},
                   {"unit", s.unit},
                   {"reviewer", s.reviewer},
                   {"submitted_at", format_instant(s.reported_at)},
                   {"due_at", format_instant(s.due_at)}};
    if (s.revision) o["revision"] = *s.revision;
    return o;
}

// `Content-Disposition: attachment` with an ASCII fallback name and the UTF-8 one (RFC 6266,
// RFC 5987): the fallback keeps letters, digits and . - _ and the extension.
std::string disposition(std::string_view name) {
    std::string ascii;
    for (unsigned char c : name) {
        if ((c & 0xC0) == 0x80) continue;  // one '_' per UTF-8 character, not per byte
        ascii.push_back(std::isalnum(c) || c == '.' || c == '-' || c == '_' ? static_cast<char>(c)
                                                                            : '_');
    }
    if (ascii.empty()) ascii = "evidence";
    return "attachment; filename=\"" + ascii + "\"; filename*=UTF-8''" + percent_encode(name);
}

}  // namespace

bool Service::may_review(const Principal* who, std::string_view reviewer) const {
    if (!who || who->admin) return true;
    if (reviewer == "office")
        return std::find(d_.read_all_units.begin(), d_.read_all_units.end(), who->unit) !=
               d_.read_all_units.end();
    return who->unit == reviewer;
}

std::optional<HttpResponse> Service::read_multipart(const HttpRequest& req,
                                                    std::string_view boundary, std::string& out,
                                                    std::vector<EvidenceFile>& files) const {
    auto parsed = parse_multipart(req.body, boundary);
    if (auto* error = std::get_if<std::string>(&parsed))
        return json_error(400, "multipart/form-data body: " + *error);
    json::object value;
    for (auto& part : std::get<std::vector<FormPart>>(parsed)) {
        if (part.is_file) {
            if (files.size() == d_.evidence.max_files)
                return json_error(413, "too many evidence files: at most " +
                                           std::to_string(d_.evidence.max_files) +
                                           " per value (evidence.max_files)");
            if (part.body.size() > d_.evidence.max_file_bytes)
                return json_error(413, "evidence file '" + part.filename + "' has " +
                                           std::to_string(part.body.size()) +
                                           " bytes, more than the limit of " +
                                           std::to_string(d_.evidence.max_file_bytes) +
                                           " bytes (evidence.max_file_bytes)");
            const auto kind = sniff_file(part.body);
            if (kind.media_type.empty())
                return json_error(415, "evidence file '" + part.filename + "' is " +
                                           describe_unaccepted(part.body) +
                                           ", not a file of an accepted kind (" +
                                           std::string(accepted_file_kinds()) +
                                           "): files are judged by their content, not by "
                                           "their name");
            std::string name = part.filename.empty() ? "evidence" : part.filename;
            // only the last path segment of what a browser sends
            if (auto slash = name.find_last_of("/\\"); slash != std::string::npos)
                name = name.substr(slash + 1);
            files.push_back(
                EvidenceFile{std::move(name), std::string(kind.media_type), std::move(part.body)});
            continue;
        }
        if (part.name == "value") {
            double v = 0;
            const auto* end = part.body.data() + part.body.size();
            auto [p, ec] = std::from_chars(part.body.data(), end, v);
            if (ec != std::errc() || p != end)
                return json_error(400, "form field 'value' is not a number: '" + part.body + "'");
            value["value"] = v;
        } else if (part.name == "indicator" || part.name == "period" || part.name == "note" ||
                   part.name == "reported_at") {
            if (value.contains(part.name))
                return json_error(400, "form field '" + part.name + "' is given twice");
            value[part.name] = part.body;
        } else {
            return json_error(400, "unknown form field '" + part.name +
                                       "' (fields: indicator, period, value, note, reported_at, "
                                       "and files)");
        }
    }
    out = json::serialize(json::object{{"values", json::array{value}}});
    return std::nullopt;
}

asio::awaitable<HttpResponse> Service::commit_reviewed(std::shared_ptr<const Plan> plan,
                                                       const IngestBatch& batch,
                                                       const Principal* who,
                                                       std::vector<EvidenceFile> files) {
    if (!d_.reviews) co_return json_error(503, "review is not available in this daemon");
    std::string reporter = "anonymous";
    std::string unit;
    if (who) {
        reporter = who->reporter();
        unit = who->unit;
    }
    const auto now = d_.clock.now();
    const Engine& engine = d_.engine();
    struct Row {
        NewSubmission sub;
        bool reviewed = false;
        std::int64_t review = 0;
        int revision = 0;
    };
    auto rows = std::make_shared<std::vector<Row>>();
    for (const auto& it : batch.items) {
        const auto& ind = plan->indicators[it.indicator];
        Row r;
        r.sub.value = NewObservation{
            ind.key, it.period.label(), it.value, it.note, it.reported_at.value_or(now), reporter};
        r.sub.unit = unit;
        r.reviewed = ind.review.required();
        r.sub.reviewer = ind.review.by == ReviewRule::By::unit ? ind.review.unit : "office";
        r.sub.due_at = review_due(engine, ind.review, now);
        rows->push_back(std::move(r));
    }
    auto evidence = std::make_shared<std::vector<EvidenceFile>>(std::move(files));
    ReviewStore* reviews = d_.reviews;
    Committer::Work work = [rows, evidence, reviews, now](Store& store) {
        store.begin();
        try {
            for (auto& r : *rows) {
                if (r.reviewed) {
                    r.review = reviews->submit(r.sub, *evidence);
                } else if (!evidence->empty()) {
                    // files on a value nobody reviews: kept with it, approved at once
                    r.review = reviews->submit(r.sub, *evidence);
                    r.revision = reviews->approve(r.review, "review: none", "", now);
                } else {
                    r.revision = store.append(r.sub.value);
                }
            }
            store.commit();
        } catch (...) {
            store.rollback();
            throw;
        }
    };
    const std::string error =
        co_await async_run(d_.committer, std::move(work), asio::use_awaitable);
    if (!error.empty()) {
        d_.metrics.requests_rejected.Increment();
        co_return json_error(503, "values not stored: " + error);
    }
    d_.metrics.values_accepted.Increment(static_cast<double>(rows->size()));
    Engine& current = d_.engine();
    const auto eval_now = d_.clock.now();
    json::array stored;
    std::vector<std::size_t> touched;
    for (std::size_t i = 0; i < rows->size(); ++i) {
        const auto& r = (*rows)[i];
        const auto& it = batch.items[i];
        const long idx = current.plan().index_of(r.sub.value.indicator);
        json::object o{{"indicator", r.sub.value.indicator}, {"period", it.period.label()}};
        if (r.reviewed) {
            o["review"] = r.review;
            o["state"] = "submitted";
            o["reviewer"] = r.sub.reviewer;
            if (idx >= 0) current.set_awaiting(static_cast<std::size_t>(idx), it.period, true);
        } else {
            o["revision"] = r.revision;
            if (r.review) o["review"] = r.review;
            if (idx >= 0)
                current.record(
                    static_cast<std::size_t>(idx),
                    Observation{it.period, it.value, r.revision, r.sub.value.reported_at});
        }
        if (!evidence->empty()) o["evidence"] = evidence->size();
        if (idx >= 0) touched.push_back(static_cast<std::size_t>(idx));
        stored.push_back(std::move(o));
    }
    std::sort(touched.begin(), touched.end());
    touched.erase(std::unique(touched.begin(), touched.end()), touched.end());
    json::object status;
    for (auto idx : touched) {
        current.evaluate_one(idx, eval_now);
        status[current.plan().indicators[idx].key] = to_string(current.evaluation(idx).status);
    }
    co_return json_ok(json::object{
        {"accepted", rows->size()}, {"values", std::move(stored)}, {"status", std::move(status)}});
}

HttpResponse Service::list_reviews(const Principal* who) const {
    if (!d_.reviews) return json_error(404, "review is not available in this daemon");
    const auto& plan = d_.engine().plan();
    json::array out;
    for (const auto& s : d_.reviews->pending()) {
        if (!may_review(who, s.reviewer)) continue;
        auto o = submission_json(s);
        o["reviewer_name"] = reviewer_words(plan, s.reviewer);
        if (const auto* ind = plan.find_indicator(s.indicator)) o["name"] = ind->name;
        o["evidence"] = evidence_json(d_.reviews->evidence_of(s.id));
        out.push_back(std::move(o));
    }
    return json_ok(json::object{{"reviews", std::move(out)}});
}

HttpResponse Service::get_review(std::string_view id_text, const Principal* who) const {
    if (!d_.reviews) return json_error(404, "review is not available in this daemon");
    const auto id = parse_id(id_text);
    if (!id) return json_error(404, "no review '" + std::string(id_text) + "'");
    const auto s = d_.reviews->find(*id);
    if (!s) return json_error(404, "no review " + std::string(id_text));
    const auto& plan = d_.engine().plan();
    const long i = plan.index_of(s->indicator);
    if (i >= 0 && !may_review(who, s->reviewer))
        if (auto refusal = refuse_read(who, static_cast<std::size_t>(i))) return *refusal;
    auto o = submission_json(*s);
    o["evidence"] = evidence_json(d_.reviews->evidence_of(s->id));
    json::array steps;
    for (const auto& st : d_.reviews->steps(s->indicator))
        if (st.submission == s->id)
            steps.push_back(json::object{{"action", st.action},
                                         {"actor", st.actor},
                                         {"comment", st.comment},
                                         {"at", format_instant(st.at)}});
    o["steps"] = std::move(steps);
    return json_ok(o);
}

HttpResponse Service::get_indicator_reviews(std::string_view key, const Principal* who) const {
    if (!d_.reviews) return json_error(404, "review is not available in this daemon");
    const auto& plan = d_.engine().plan();
    const long i = plan.index_of(key);
    if (i < 0) return json_error(404, plan.unknown(std::string(key)));
    const auto& ind = plan.indicators[static_cast<std::size_t>(i)];
    const std::string reviewer =
        ind.review.by == ReviewRule::By::unit ? ind.review.unit : std::string("office");
    if (!ind.review.required() || !may_review(who, reviewer))
        if (auto refusal = refuse_read(who, static_cast<std::size_t>(i))) return *refusal;
    json::array subs;
    auto list = d_.reviews->submissions(ind.key, 1000);
    std::reverse(list.begin(), list.end());
    for (const auto& s : list) {
        auto o = submission_json(s);
        o["evidence"] = evidence_json(d_.reviews->evidence_of(s.id));
        subs.push_back(std::move(o));
    }
    json::array steps;
    for (const auto& st : d_.reviews->steps(ind.key))
        steps.push_back(json::object{{"review", st.submission},
                                     {"period", st.period},
                                     {"action", st.action},
                                     {"actor", st.actor},
                                     {"comment", st.comment},
                                     {"at", format_instant(st.at)}});
    return json_ok(json::object{{"indicator", ind.key},
                                {"review", ind.review.text()},
                                {"submissions", std::move(subs)},
                                {"steps", std::move(steps)}});
}

asio::awaitable<HttpResponse> Service::decide_review(std::string_view id_text, bool approve,
                                                     const HttpRequest& req, const Principal* who) {
    if (!d_.reviews) co_return json_error(404, "review is not available in this daemon");
    const auto id = parse_id(id_text);
    if (!id) co_return json_error(404, "no review '" + std::string(id_text) + "'");
    std::string comment;
    if (!req.body.empty()) {
        std::string parse_error;
        const auto body = parse_json(req.body, parse_error);
        if (!body || !body->is_object())
            co_return json_error(400, "body must be a JSON object {\"comment\": \"...\"}" +
                                          (body ? "" : ": " + parse_error));
        for (const auto& kv : body->as_object()) {
            if (kv.key() == "comment" && kv.value().is_string())
                comment = kv.value().as_string();
            else
                co_return json_error(400, "unknown or malformed key '" + std::string(kv.key()) +
                                              "' (allowed: comment)");
        }
    }
    if (comment.size() > kMaxComment)
        co_return json_error(400,
                             "comment is longer than " + std::to_string(kMaxComment) + " bytes");
    if (!approve && comment.find_first_not_of(" \t\r\n") == std::string::npos)
        co_return json_error(400,
                             "returning a value needs a comment: what the unit must correct "
                             "(退回意见)");
    const auto s = d_.reviews->find(*id);
    if (!s) co_return json_error(404, "no review " + std::to_string(*id));
    const auto& plan = d_.engine().plan();
    if (!may_review(who, s->reviewer))
        co_return json_error(403, "review " + std::to_string(*id) + " of '" + s->indicator +
                                      "' is for " + reviewer_words(plan, s->reviewer) +
                                      " to decide; token '" + who->token_id + "' of unit '" +
                                      who->unit + "' may not");
    if (who && ((!who->unit.empty() && who->unit == s->unit) || who->reporter() == s->reporter))
        co_return json_error(
            403, "review " + std::to_string(*id) + " of '" + s->indicator + "' was reported by " +
                     (who->unit.empty() ? "this token" : "unit '" + who->unit + "'") +
                     " itself: a unit never reviews its own value");
    if (s->state != "submitted")
        co_return json_error(409, "review " + std::to_string(*id) + " is " + s->state +
                                      " already: only a value awaiting review may be " +
                                      (approve ? "approved" : "returned"));
    std::string actor = "anonymous";
    if (who) actor = who->reporter();
    const auto now = d_.clock.now();
    auto revision = std::make_shared<int>(0);
    ReviewStore* reviews = d_.reviews;
    const std::int64_t sid = *id;
    Committer::Work work = [reviews, sid, approve, actor, comment, now, revision](Store& store) {
        store.begin();
        try {
            if (approve)
                *revision = reviews->approve(sid, actor, comment, now);
            else
                reviews->give_back(sid, actor, comment, now);
            store.commit();
        } catch (...) {
            store.rollback();
            throw;
        }
    };
    const std::string error =
        co_await async_run(d_.committer, std::move(work), asio::use_awaitable);
    if (!error.empty()) co_return json_error(503, "review not stored: " + error);
    json::object notice;
    if (!approve && d_.alerts) {
        // the unit is told through the alert outbox, as a chase (催办) that quotes the comment
        std::string text = "退回 " + s->period + " 的实绩,请重新报送:" + comment;
        try {
            auto sent = co_await d_.alerts().chase(s->indicator, actor, std::move(text));
            notice["notice"] = sent ? static_cast<std::int64_t>(sent->messages) : 0;
        } catch (const std::exception& e) {
            notice["notice_error"] = std::string("the unit was not notified: ") + e.what();
        }
    }
    Engine& engine = d_.engine();
    const long idx = engine.plan().index_of(s->indicator);
    json::object out{{"review", sid},
                     {"indicator", s->indicator},
                     {"period", s->period},
                     {"state", approve ? "approved" : "returned"}};
    if (approve) out["revision"] = *revision;
    for (auto& kv : notice) out[kv.key()] = kv.value();
    if (const auto p = parse_period(s->period); p && idx >= 0) {
        const auto i = static_cast<std::size_t>(idx);
        engine.set_awaiting(i, *p, false);
        if (approve) engine.record(i, Observation{*p, s->value, *revision, s->reported_at});
        engine.evaluate_one(i, d_.clock.now());
        out["status"] = to_string(engine.evaluation(i).status);
        out["reason"] = describe(engine.plan().indicators[i], engine.evaluation(i));
    }
    co_return json_ok(out);
}

HttpResponse Service::get_evidence(std::string_view id_text, const Principal* who) const {
    if (!d_.reviews) return json_error(404, "review is not available in this daemon");
    const auto id = parse_id(id_text);
    if (!id) return json_error(404, "no evidence file '" + std::string(id_text) + "'");
    auto file = d_.reviews->evidence(*id);
    if (!file) return json_error(404, "no evidence file " + std::string(id_text));
    const auto s = d_.reviews->find(file->first.submission);
    if (!s) return json_error(404, "no evidence file " + std::string(id_text));
    const auto& plan = d_.engine().plan();
    const long i = plan.index_of(s->indicator);
    const bool reviewer = s->state == "submitted" && may_review(who, s->reviewer);
    if (i >= 0 && !reviewer)
        if (auto refusal = refuse_read(who, static_cast<std::size_t>(i))) return *refusal;
    if (i < 0 && !reads_all(who))
        return json_error(403, "evidence file " + std::string(id_text) +
                                   " belongs to an indicator the plan no longer has");
    HttpResponse r;
    r.content_type = file->first.media_type;
    r.body = std::move(file->second);
    r.headers.emplace_back("Content-Disposition", disposition(file->first.name));
    r.headers.emplace_back("X-Content-Type-Options", "nosniff");
    r.headers.emplace_back("Content-Security-Policy", "sandbox");
    r.headers.emplace_back("Cache-Control", "private, no-store");
    return r;
}

}  // namespace indicatord

namespace indicatord {

std::string review_metrics(ReviewStore& reviews, TimePoint now) {
    struct Counts {
        std::size_t pending = 0, overdue = 0;
        TimePoint oldest = TimePoint::max();
    };
    std::map<std::string, Counts> by;
    for (const auto& s : reviews.pending()) {
        auto& c = by[s.reviewer];
        ++c.pending;
        if (s.due_at <= now) ++c.overdue;
        c.oldest = std::min(c.oldest, s.reported_at);
    }
    std::string out =
        "# HELP indicatord_reviews_pending Values submitted and awaiting review, per reviewer.\n"
        "# TYPE indicatord_reviews_pending gauge\n";
    for (const auto& [reviewer, c] : by)
        out += "indicatord_reviews_pending{reviewer=\"" + reviewer + "\"} " +
               std::to_string(c.pending) + "\n";
    out +=
        "# HELP indicatord_reviews_overdue Values awaiting review past their review_due, per "
        "reviewer.\n"
        "# TYPE indicatord_reviews_overdue gauge\n";
    for (const auto& [reviewer, c] : by)
        out += "indicatord_reviews_overdue{reviewer=\"" + reviewer + "\"} " +
               std::to_string(c.overdue) + "\n";
    out +=
        "# HELP indicatord_review_oldest_pending_timestamp_seconds When the oldest value still "
        "awaiting review was submitted, per reviewer (unix time).\n"
        "# TYPE indicatord_review_oldest_pending_timestamp_seconds gauge\n";
    for (const auto& [reviewer, c] : by)
        out += "indicatord_review_oldest_pending_timestamp_seconds{reviewer=\"" + reviewer +
               "\"} " +
               std::to_string(
                   std::chrono::duration_cast<std::chrono::seconds>(c.oldest.time_since_epoch())
                       .count()) +
               "\n";
    return out;
}

}  // namespace indicatord
