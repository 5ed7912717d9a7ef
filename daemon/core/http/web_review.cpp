// 审核, the reviewer's side of review (实绩审核) and evidence (佐证材料) in the console
// (docs/review.md, docs/web.md): the queue of values awaiting the signed-in reviewer, oldest
// first, with their evidence files and the approve / return forms, which go through the API's
// decide_review (the same checks: only the named reviewer, never the unit that reported); the
// evidence downloads through the API's get_evidence (the same read checks); the review steps
// on an indicator's page; the unit's submissions on its report form.
#include "http/service.hpp"
// GCC 12 inlines Asio's recycling allocator for coroutine frames into one path and then reports
// its matching operator new/delete pair as mismatched (GCC PR 109224): a false positive.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
#include <algorithm>
#include <boost/json.hpp>
#include <map>
#include <set>

#include "config/auth.hpp"
#include "eval/engine.hpp"
#include "http/web_view.hpp"
#include "store/review_store.hpp"
#include "util/json_text.hpp"
#include "util/percent_encoding.hpp"

namespace indicatord {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

// "市统计局" for a unit id, "督查室(office)" for the office.
std::string reviewer_name(const Plan& plan, std::string_view reviewer) {
    if (reviewer == "office") return "督查室(office)";
    return unit_name(plan, reviewer);
}

std::string_view step_words(std::string_view action) {
    if (action == "submitted") return "提交";
    if (action == "approved") return "通过";
    if (action == "returned") return "退回";
    if (action == "superseded") return "被新报送取代";
    return action;
}

std::string size_text(std::int64_t bytes) {
    if (bytes < 1024) return std::to_string(bytes) + " B";
    if (bytes < 1024 * 1024)
        return number_text(static_cast<double>(bytes * 10 / 1024) / 10) + " KB";
    return number_text(static_cast<double>(bytes * 10 / (1024 * 1024)) / 10) + " MB";
}

// The error text of an API answer, or its body.
std::string api_error_text(const std::string& body) {
    try {
        return json::parse(body).as_object().at("error").as_string().c_str();
    } catch (const std::exception&) {
        return body;
    }
}

// The files of a submission as download links (the console's /evidence/{id}: get_evidence's
// checks), in a list of class "evidence".
void put_evidence_links(std::string& out, const std::vector<EvidenceInfo>& files) {
    if (files.empty()) {
        out += "<span class=\"muted\">无</span>";
        return;
    }
    out += "<ul class=\"evidence\">";
    for (const auto& f : files) {
        out += "<li><a class=\"evidence-link\" href=\"/evidence/" + std::to_string(f.id) +
               "\" download>";
        put_escaped(out, f.name);
        out += "</a> <span class=\"muted\">";
        put_escaped(out, f.media_type.substr(f.media_type.find('/') + 1));
        out += ",";
        out += size_text(f.size);
        out += "</span></li>";
    }
    out += "</ul>";
}

}  // namespace

std::optional<std::size_t> Service::web_review_count(const WebVisitor& v) const {
    const auto* who = v.who();
    if (!who || !d_.reviews) return std::nullopt;
    const Plan& plan = web_plan().plan();
    bool reviews = who->admin || std::find(d_.read_all_units.begin(), d_.read_all_units.end(),
                                           who->unit) != d_.read_all_units.end();
    if (!reviews)
        reviews = std::any_of(plan.indicators.begin(), plan.indicators.end(), [&](auto& i) {
            return i.review.by == ReviewRule::By::unit && i.review.unit == who->unit;
        });
    std::size_t count = 0;
    for (const auto& s : d_.reviews->pending()) {
        if (!may_review(who, s.reviewer)) continue;
        if ((!who->unit.empty() && who->unit == s.unit) || who->reporter() == s.reporter) continue;
        ++count;
    }
    if (!reviews && count == 0) return std::nullopt;
    return count;
}

HttpResponse Service::web_reviews(const WebVisitor& v, unsigned status,
                                  std::string_view notice_html) const {
    if (!d_.reviews) return web_message(404, v, "审核", "review is not available in this daemon");
    const Engine& e = web_plan();
    const Plan& plan = e.plan();
    const Principal& who = *v.who();
    const auto now = d_.clock.now();
    std::string out(notice_html);
    out +=
        "<p class=\"muted\">待本单位审核的报送,最早提交的在前。审核通过后数值才计入评价;"
        "退回须写明意见,报送单位会收到通知并重新报送。</p>";
    std::vector<StoredSubmission> queue;
    for (auto& s : d_.reviews->pending())
        if (may_review(&who, s.reviewer)) queue.push_back(std::move(s));
    if (queue.empty()) {
        out += "<p class=\"muted\" id=\"queue-empty\">没有待审核的报送。</p>";
        return html_page(status, web_frame("审核", "reviews", v), out);
    }
    out +=
        "<table class=\"stack\" id=\"review-queue\"><thead><tr><th>报送单位</th><th>指标</th>"
        "<th>期别</th><th class=\"num\">数值</th><th>说明</th><th>提交</th><th>等待</th>"
        "<th>佐证材料</th><th>审核</th></tr></thead><tbody>";
    for (const auto& s : queue) {
        const long idx = plan.index_of(s.indicator);
        const Indicator* ind = idx >= 0 ? &plan.indicators[static_cast<std::size_t>(idx)] : nullptr;
        out += "<tr class=\"review-row\" data-id=\"" + std::to_string(s.id) + "\" data-key=\"";
        put_escaped(out, s.indicator);
        out += "\" data-period=\"";
        put_escaped(out, s.period);
        out += "\"><td>";
        put_escaped(out, s.unit.empty() ? std::string("管理员") : unit_name(plan, s.unit));
        out += "</td><td>";
        // a link only for those who may read the indicator's page
        const bool readable = idx >= 0 && !refuse_read(&who, static_cast<std::size_t>(idx));
        if (readable) out += "<a href=\"/indicators/" + percent_encode(s.indicator) + "\">";
        put_escaped(out, ind ? ind->name : s.indicator);
        if (readable) out += "</a>";
        out += " <code>";
        put_escaped(out, s.indicator);
        out += "</code></td><td>";
        put_escaped(out, s.period);
        out += "</td><td class=\"num\">";
        put_escaped(out, number_text(s.value));
        if (ind && !ind->measure.empty()) put_escaped(out, ind->measure);
        out += "</td><td><pre class=\"note\">";
        put_escaped(out, s.note);
        out += "</pre></td><td>";
        put_escaped(out, local_time_text(e, s.reported_at));
        out += "<br><span class=\"muted\">";
        put_escaped(out, s.reporter);
        out += "</span></td><td class=\"waiting\">";
        const auto waited = (local_day(e, now) - local_day(e, s.reported_at)).count();
        out += "已等待 " + std::to_string(std::max<long>(waited, 0)) + " 天<br>";
        if (s.due_at <= now) {
            const auto late = (local_day(e, now) - local_day(e, s.due_at)).count();
            out += "<span class=\"light red\">超过审核时限 " +
                   std::to_string(std::max<long>(late, 0)) + " 天</span>";
        } else {
            out += "<span class=\"muted\">时限 ";
            put_escaped(out, local_time_text(e, s.due_at));
            out += "</span>";
        }
        out += "</td><td>";
        put_evidence_links(out, d_.reviews->evidence_of(s.id));
        out += "</td><td>";
        if ((!who.unit.empty() && who.unit == s.unit) || who.reporter() == s.reporter) {
            out += "<span class=\"muted own\">本单位报送,不能自审</span>";
        } else {
            const std::string action = "/reviews/" + std::to_string(s.id);
            out += "<form method=\"post\" class=\"approve-form\" action=\"" + action +
                   "/approve\"><input type=\"hidden\" name=\"csrf\" value=\"";
            put_escaped(out, v.session->csrf);
            out +=
                "\"><input type=\"text\" name=\"comment\" maxlength=\"4000\" "
                "placeholder=\"审核意见(可选)\"><button type=\"submit\">通过</button></form>"
                "<form method=\"post\" class=\"return-form\" action=\"" +
                action + "/return\"><input type=\"hidden\" name=\"csrf\" value=\"";
            put_escaped(out, v.session->csrf);
            out +=
                "\"><textarea name=\"comment\" rows=\"2\" maxlength=\"4000\" required "
                "placeholder=\"退回意见:请写明需要更正或补充的内容\"></textarea>"
                "<button type=\"submit\" class=\"plain\">退回</button></form>";
        }
        out += "</td></tr>";
    }
    out += "</tbody></table>";
    return html_page(status, web_frame("审核", "reviews", v), out);
}

asio::awaitable<HttpResponse> Service::web_decide(const WebVisitor& v, std::string_view id,
                                                  bool approve, const Query& form) {
    HttpRequest api;
    api.method = "POST";
    api.target = "/api/v1/reviews/" + std::string(id) + (approve ? "/approve" : "/return");
    api.content_type = "application/json";
    api.body = json_text(json::object{{"comment", param(form, "comment")}});
    const auto answer = co_await decide_review(id, approve, api, v.who());
    if (answer.status != 200) {
        std::string notice = "<div class=\"notice error\" id=\"message\"><b>";
        notice += approve ? "未通过。" : "未退回。";
        notice += "</b> ";
        put_escaped(notice, api_error_text(answer.body));
        notice += "</div>";
        co_return web_reviews(v, answer.status, notice);
    }
    // decided and committed: say what happened and how the indicator stands now
    std::string notice = "<div class=\"notice ok\" id=\"message\"><b>";
    try {
        const auto doc = json::parse(answer.body).as_object();
        const std::string key(doc.at("indicator").as_string());
        notice += approve ? "已通过。" : "已退回。";
        notice += "</b> ";
        put_escaped(notice, key);
        notice += " ";
        put_escaped(notice, doc.at("period").as_string());
        if (approve && doc.contains("revision"))
            notice += "(第 " + std::to_string(doc.at("revision").to_number<long long>()) +
                      " 次修订,已计入评价)";
        if (!approve) {
            notice += ",报送单位将收到退回意见";
            if (const auto* n = doc.if_contains("notice"); n && n->is_number())
                notice += "(" + std::to_string(n->to_number<long long>()) + " 条通知)";
        }
        if (const auto* st = doc.if_contains("status"); st && st->is_string()) {
            notice += ",现在 ";
            const Engine& e = web_plan();
            const long idx = e.plan().index_of(key);
            if (idx >= 0) {
                const auto i = static_cast<std::size_t>(idx);
                put_light(notice, light_of(*web_, e, i, d_.clock.now()), e.evaluation(i).status);
                notice += ":";
                put_escaped(notice, describe(e.plan().indicators[i], e.evaluation(i)));
            } else {
                put_escaped(notice, st->as_string());
            }
        }
        if (const auto* err = doc.if_contains("notice_error"); err && err->is_string()) {
            notice += " ";
            put_escaped(notice, err->as_string());
        }
    } catch (const std::exception&) {
        put_escaped(notice, answer.body);
    }
    notice += "</div>";
    co_return web_reviews(v, 200, notice);
}

HttpResponse Service::web_evidence(const WebVisitor& v, std::string_view id) const {
    auto r = get_evidence(id, v.who());
    if (r.status != 200) return web_message(r.status, v, "佐证材料", api_error_text(r.body));
    return r;  // an attachment with the API's headers (nosniff, CSP sandbox, not cached)
}

std::optional<ReviewStep> Service::returned_step(std::string_view key,
                                                 std::string_view period) const {
    if (!d_.reviews) return std::nullopt;
    for (const auto& s : d_.reviews->submissions(key, 200)) {  // newest first
        if (s.period != period) continue;
        if (s.state != "returned") return std::nullopt;
        std::optional<ReviewStep> found;
        for (auto& st : d_.reviews->steps(key))
            if (st.submission == s.id && st.action == "returned") found = std::move(st);
        return found;
    }
    return std::nullopt;
}

void Service::put_submissions(std::string& out, const Engine& e, const std::string& unit) const {
    if (!d_.reviews || unit.empty()) return;
    const Plan& plan = e.plan();
    const Principal as_unit{"", unit, false};
    std::string rows;
    for (const auto& ind : plan.indicators) {
        if (!ind.review.required() || ind.derived() || ind.rollup()) continue;
        if (!may_write(as_unit, plan, ind)) continue;
        std::set<std::string> seen;  // the newest submission of each period only
        std::vector<ReviewStep> steps;
        bool steps_read = false;
        for (const auto& s : d_.reviews->submissions(ind.key, 200)) {
            if (!seen.insert(s.period).second) continue;
            if (s.state != "submitted" && s.state != "returned") continue;
            rows += "<tr class=\"submission " + s.state + "\" data-key=\"";
            put_escaped(rows, ind.key);
            rows += "\" data-period=\"";
            put_escaped(rows, s.period);
            rows += "\"><td><a href=\"/indicators/" + percent_encode(ind.key) + "\">";
            put_escaped(rows, ind.name);
            rows += "</a></td><td>";
            put_escaped(rows, s.period);
            rows += "</td><td class=\"num\">";
            put_escaped(rows, number_text(s.value));
            rows += "</td><td>";
            put_escaped(rows, local_time_text(e, s.reported_at));
            rows += "</td><td>";
            if (s.state == "submitted") {
                rows += "<span class=\"light yellow\">待审核</span> <span class=\"muted\">";
                put_escaped(rows, reviewer_name(plan, s.reviewer));
                rows += "</span>";
            } else {
                if (!steps_read) {
                    steps = d_.reviews->steps(ind.key);
                    steps_read = true;
                }
                rows += "<span class=\"light red\">已退回</span>";
                for (const auto& st : steps)
                    if (st.submission == s.id && st.action == "returned") {
                        rows += "<div class=\"returned-comment\">退回意见:<pre class=\"note\">";
                        put_escaped(rows, st.comment);
                        rows += "</pre><span class=\"muted\">";
                        put_escaped(rows, st.actor);
                        rows += ",";
                        put_escaped(rows, local_time_text(e, st.at));
                        rows += "</span></div>";
                    }
            }
            rows += "</td><td>";
            put_evidence_links(rows, d_.reviews->evidence_of(s.id));
            rows += "</td></tr>";
        }
    }
    if (rows.empty()) return;
    out +=
        "<h2>送审情况</h2><table class=\"stack\" id=\"submissions\"><thead><tr><th>指标</th>"
        "<th>期别</th><th class=\"num\">数值</th><th>提交时间</th><th>状态</th><th>佐证材料</th>"
        "</tr></thead><tbody>";
    out += rows;
    out += "</tbody></table>";
}

void Service::put_review_steps(std::string& out, const Engine& e, const Indicator& ind) const {
    if (!d_.reviews) return;
    auto subs = d_.reviews->submissions(ind.key, 1000);
    if (!ind.review.required() && subs.empty()) return;
    out += "<h2 id=\"reviews\">审核记录</h2>";
    if (ind.review.required()) {
        out += "<p class=\"muted\">本指标的数值须经 ";
        put_escaped(out, reviewer_name(e.plan(), ind.review.text()));
        out += " 审核通过后才计入评价。</p>";
    }
    const auto steps = d_.reviews->steps(ind.key);
    if (steps.empty()) {
        out += "<p class=\"muted\" id=\"review-steps-empty\">尚无送审。</p>";
        return;
    }
    std::map<std::int64_t, const StoredSubmission*> by_id;
    for (const auto& s : subs) by_id[s.id] = &s;
    out +=
        "<table class=\"stack\" id=\"review-steps\"><thead><tr><th>时间</th><th>期别</th>"
        "<th>步骤</th><th class=\"num\">数值</th><th>操作人</th><th>意见</th><th>佐证材料</th>"
        "</tr></thead><tbody>";
    for (const auto& st : steps) {
        const auto it = by_id.find(st.submission);
        const StoredSubmission* s = it == by_id.end() ? nullptr : it->second;
        out += "<tr class=\"review-step " + escaped(st.action) + "\" data-review=\"" +
               std::to_string(st.submission) + "\"><td>";
        put_escaped(out, local_time_text(e, st.at));
        out += "</td><td>";
        put_escaped(out, st.period);
        out += "</td><td class=\"action\">";
        put_escaped(out, step_words(st.action));
        out += "</td><td class=\"num\">";
        if (s) put_escaped(out, number_text(s->value));
        out += "</td><td>";
        put_escaped(out, st.actor);
        out += "</td><td><pre class=\"note\">";
        // a submission's own words are its note; the reviewer's are the step's comment
        put_escaped(out,
                    st.comment.empty() && s && st.action == "submitted" ? s->note : st.comment);
        out += "</pre></td><td>";
        if (st.action == "submitted")
            put_evidence_links(out, d_.reviews->evidence_of(st.submission));
        out += "</td></tr>";
    }
    out += "</tbody></table>";
}

}  // namespace indicatord
