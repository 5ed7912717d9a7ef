// 指标, one indicator: its definition and rule, its light and reason, a chart of the values per
// period against the target (SVG drawn here, no script), the revision history, the review steps
// (web_review.cpp) and its alerts.
#include <algorithm>
#include <boost/json.hpp>
#include <cmath>

#include "alerts/alert_actions.hpp"
#include "config/auth.hpp"
#include "eval/engine.hpp"
#include "eval/members.hpp"
#include "http/plan_json.hpp"
#include "http/service.hpp"
#include "http/web_view.hpp"
#include "store/store.hpp"
#include "util/json_text.hpp"
#include "util/percent_encoding.hpp"

namespace indicatord {

namespace json = boost::json;

namespace {

constexpr std::int64_t kHistoryRows = 500;

// The rule's targets in words: ">= 6 %", "<= 3 % (by 2023-06-30)".
std::string targets_text(const json::object& rule, std::string_view measure) {
    std::string out;
    if (const auto* ts = rule.if_contains("targets"); ts && ts->is_array()) {
        for (const auto& t : ts->as_array()) {
            if (!t.is_object()) continue;
            const auto& o = t.as_object();
            if (!out.empty()) out += ";";
            if (const auto* op = o.if_contains("op"); op && op->is_string()) {
                out += std::string(op->as_string());
                out += " ";
            }
            if (const auto* val = o.if_contains("value"); val && val->is_number())
                out += number_text(val->to_number<double>());
            out += measure;
            if (const auto* by = o.if_contains("by"); by && by->is_string())
                out += "(" + std::string(by->as_string()) + " 前)";
        }
    }
    return out;
}

std::optional<double> first_target(const json::object& rule) {
    const auto* ts = rule.if_contains("targets");
    if (!ts || !ts->is_array() || ts->as_array().empty()) return std::nullopt;
    const auto& t = ts->as_array().front();
    if (!t.is_object()) return std::nullopt;
    const auto* v = t.as_object().if_contains("value");
    if (!v || !v->is_number()) return std::nullopt;
    return v->to_number<double>();
}

// Bars of the values per period of the plan year, a dashed line at the target, a dot at the
// expected-to-date value. Only numbers and period labels reach the SVG.
void put_chart(std::string& out, const Engine& e, std::size_t i, std::optional<double> target) {
    const auto& plan = e.plan();
    const auto& ind = plan.indicators[i];
    const auto& ev = e.evaluation(i);
    // A relation (同步, 快于) charts its subject's values against the indicator it is held to.
    std::size_t bars_of = i;
    const Series* reference = nullptr;
    std::string reference_name;
    ReportSchedule schedule = ind.schedule;
    if (const auto* rel = std::get_if<rule::Relation>(&ind.rule)) {
        const long subject = plan.index_of(rel->subject);
        const long of = plan.index_of(rel->of);
        if (subject >= 0) bars_of = static_cast<std::size_t>(subject);
        if (of >= 0) {
            reference = &e.series(static_cast<std::size_t>(of));
            reference_name = plan.indicators[static_cast<std::size_t>(of)].name;
        }
        schedule = rel->subject_shape.schedule;
    }
    // milestones and trajectories written in the plan, as points per period
    std::vector<std::pair<Period, double>> planned;
    if (const auto* c = std::get_if<rule::Cumulative>(&ind.rule)) planned = c->trajectory;
    const auto periods = periods_of_year(schedule.cadence, plan.year);
    const auto& series = e.series(bars_of);
    double lo = 0, hi = 0;
    auto widen = [&](double x) {
        lo = std::min(lo, x);
        hi = std::max(hi, x);
    };
    for (const auto& p : periods) {
        if (const auto* o = series.at(p)) widen(o->value);
        if (reference)
            if (const auto* o = reference->at(p)) widen(o->value);
    }
    for (const auto& [p, v] : planned) widen(v);
    if (target) widen(*target);
    if (ev.expected) widen(*ev.expected);
    if (hi == lo) hi = lo + 1;
    const double span = (hi - lo) * 1.15;
    constexpr double W = 640, H = 240, left = 48, right = 12, top = 12, bottom = 28;
    const double plot_w = W - left - right, plot_h = H - top - bottom;
    auto y = [&](double v) { return top + plot_h - (v - lo) / span * plot_h; };
    const double slot = plot_w / static_cast<double>(std::max<std::size_t>(periods.size(), 1));
    auto num = [](double v) { return number_text(std::round(v * 10) / 10); };
    out +=
        "<figure class=\"chart\" id=\"chart\"><svg xmlns=\"http://www.w3.org/2000/svg\" "
        "viewBox=\"0 0 640 240\" role=\"img\" aria-label=\"各期数值与目标\">";
    out += "<line class=\"axis\" x1=\"" + num(left) + "\" y1=\"" + num(y(0)) + "\" x2=\"" +
           num(W - right) + "\" y2=\"" + num(y(0)) + "\"/>";
    out += "<text x=\"4\" y=\"" + num(top + 10) + "\">" + num(lo + span) +
           "</text><text x=\"4\" y=\"" + num(y(0)) + "\">0</text>";
    for (std::size_t k = 0; k < periods.size(); ++k) {
        const double x = left + slot * static_cast<double>(k);
        const auto label = periods[k].label();
        out += "<text x=\"" + num(x + 2) + "\" y=\"" + num(H - 8) + "\">" +
               escaped(label.substr(label.find('-') == std::string::npos ? 0 : 5)) + "</text>";
        const auto* o = series.at(periods[k]);
        if (!o) continue;
        const double y0 = y(0), y1 = y(o->value);
        out += "<rect class=\"bar\" x=\"" + num(x + slot * 0.15) + "\" y=\"" +
               num(std::min(y0, y1)) + "\" width=\"" + num(slot * 0.7) + "\" height=\"" +
               num(std::max(std::abs(y0 - y1), 1.0)) + "\"><title>" + escaped(label) + ": " +
               escaped(number_text(o->value)) + "</title></rect>";
        out += "<text x=\"" + num(x + slot * 0.2) + "\" y=\"" + num(std::min(y0, y1) - 3) + "\">" +
               escaped(number_text(o->value)) + "</text>";
    }
    auto slot_of = [&](const Period& p) -> std::optional<double> {
        const auto at = std::find(periods.begin(), periods.end(), p);
        if (at == periods.end()) return std::nullopt;
        return left + slot * (static_cast<double>(at - periods.begin()) + 0.5);
    };
    if (reference) {
        std::string points;
        for (const auto& p : periods)
            if (const auto* o = reference->at(p); o && slot_of(p))
                points += num(*slot_of(p)) + "," + num(y(o->value)) + " ";
        if (!points.empty())
            out += "<polyline class=\"reference\" points=\"" + points + "\"><title>" +
                   escaped(reference_name) + "</title></polyline>";
    }
    for (const auto& [p, v] : planned)
        if (const auto x = slot_of(p))
            out += "<circle class=\"planned\" cx=\"" + num(*x) + "\" cy=\"" + num(y(v)) +
                   "\" r=\"4\"><title>" + escaped(p.label()) + " 计划 " + escaped(number_text(v)) +
                   "</title></circle>";
    if (target)
        out += "<line class=\"target\" x1=\"" + num(left) + "\" y1=\"" + num(y(*target)) +
               "\" x2=\"" + num(W - right) + "\" y2=\"" + num(y(*target)) + "\"><title>目标 " +
               escaped(number_text(*target)) + "</title></line>";
    if (ev.expected && ev.period) {
        const auto at = std::find(periods.begin(), periods.end(), *ev.period);
        if (at != periods.end()) {
            const double x = left + slot * (static_cast<double>(at - periods.begin()) + 0.5);
            out += "<circle class=\"expected\" cx=\"" + num(x) + "\" cy=\"" + num(y(*ev.expected)) +
                   "\" r=\"5\"><title>应达 " + escaped(number_text(*ev.expected)) +
                   "</title></circle>";
        }
    }
    out += "</svg><figcaption class=\"muted\">柱:各期上报值(最新修订";
    if (bars_of != i) out += "," + escaped(plan.indicators[bars_of].name);
    out += ");红色虚线:目标";
    if (ev.expected) out += ";黄点:应达进度";
    if (!planned.empty()) out += ";蓝圈:计划进度";
    if (reference) out += ";折线:" + escaped(reference_name);
    out += "</figcaption></figure>";
}

}  // namespace

void Service::put_chases(std::string& out, const Engine& e, const Indicator& ind,
                         const WebVisitor& v) const {
    out += "<h2 id=\"chases\">催办</h2>";
    if (const auto* who = v.who(); who && who->admin) {
        out += "<form method=\"post\" class=\"chase\" id=\"chase-form\" action=\"/indicators/" +
               percent_encode(ind.key) + "/chase\">";
        out += "<input type=\"hidden\" name=\"csrf\" value=\"";
        put_escaped(out, v.session->csrf);
        out +=
            "\"><label>催办内容<textarea name=\"comment\" rows=\"2\" required "
            "placeholder=\"请于本周五前报送一季度数据\"></textarea></label>"
            "<button type=\"submit\">发送催办</button> <span class=\"muted\">发给牵头单位"
            "的提醒渠道(与提醒相同,经持久化发件箱发送)。</span></form>";
    }
    const auto rows = d_.store.chases(ind.key, 100);
    if (rows.empty()) {
        out += "<p class=\"muted\" id=\"chases-empty\">尚无催办。</p>";
        return;
    }
    out +=
        "<table class=\"stack\" id=\"chase-list\"><thead><tr><th>时间</th><th>期别</th>"
        "<th>催办人</th><th>内容</th></tr></thead><tbody>";
    for (const auto& c : rows) {
        out += "<tr class=\"chase-row\"><td>";
        put_escaped(out, local_time_text(e, c.created_at));
        out += "</td><td>";
        put_escaped(out, c.period);
        out += "</td><td>";
        put_escaped(out, c.author);
        out += "</td><td><pre class=\"note\">";
        put_escaped(out, c.comment);
        out += "</pre></td></tr>";
    }
    out += "</tbody></table>";
}

void Service::put_notices(std::string& out, const Engine& e, const Indicator& ind) const {
    out += "<h2 id=\"notices\">通知记录</h2>";
    const auto rows = d_.store.notices(ind.key, 100);
    if (rows.empty()) {
        out += "<p class=\"muted\" id=\"notices-empty\">尚未发送通知。</p>";
        return;
    }
    out +=
        "<table class=\"stack\" id=\"notice-list\"><thead><tr><th>时间</th><th>类型</th>"
        "<th>接收方</th><th>渠道</th><th>状态</th></tr></thead><tbody>";
    const auto& plan = e.plan();
    for (const auto& n : rows) {
        out += "<tr class=\"notice-row\"><td>";
        put_escaped(out, local_time_text(e, n.created_at));
        out += "</td><td>";
        const auto kind = parse_alert_kind(n.kind);
        put_escaped(out, kind ? alert_kind_words(*kind) : n.kind);
        out += "</td><td>";
        put_escaped(out, unit_name(plan, n.receiver.substr(0, n.receiver.find('/'))));
        out += "</td><td>";
        put_escaped(out, n.channel);
        out += "</td><td>";
        if (n.state == "delivered") {
            out += "已送达";
            if (n.delivered_at) {
                out += " ";
                put_escaped(out, local_time_text(e, *n.delivered_at));
            }
        } else if (n.state == "failed") {
            out += "<span class=\"light red\">发送失败</span> ";
            put_escaped(out, n.last_error);
        } else {
            out += "待发送";
            if (n.attempts > 0) {
                out += "(已重试 " + std::to_string(n.attempts) + " 次:";
                put_escaped(out, n.last_error);
                out += ")";
            }
        }
        out += "<span class=\"status\"> " + escaped(n.state) + "</span></td></tr>";
    }
    out += "</tbody></table>";
}

HttpResponse Service::web_indicator(const WebVisitor& v, std::string_view key) const {
    const Engine& e = web_plan();
    const Plan& plan = e.plan();
    const long idx = plan.index_of(key);
    if (idx < 0) return web_message(404, v, "指标", "unknown indicator '" + std::string(key) + "'");
    const auto i = static_cast<std::size_t>(idx);
    // the API's check and its words (403 "token ... may not read indicator ...")
    if (auto refusal = refuse_read(v.who(), i)) {
        std::string message;
        try {
            message = json::parse(refusal->body).as_object().at("error").as_string().c_str();
        } catch (const std::exception&) {
            message = refusal->body;
        }
        return web_message(refusal->status, v, "指标", message);
    }
    const auto& ind = plan.indicators[i];
    const auto& ev = e.evaluation(i);
    const auto now = d_.clock.now();
    const auto rule = rule_to_json(ind);
    const auto* task = plan.find_task(ind.task);

    std::string out;
    bool soon = false;
    const auto light = light_of(*web_, e, i, now, &soon);
    out += "<p class=\"headline\" id=\"indicator-status\" data-status=\"";
    out += to_string(ev.status);
    out += "\"><b>";
    put_escaped(out, ind.name);
    out += "</b> <code>";
    put_escaped(out, ind.key);
    out += "</code> ";
    put_light(out, light, ev.status);
    if (soon) out += " <span class=\"muted\">(即将到期)</span>";
    out += "</p><p class=\"reason\" id=\"reason\">";
    put_escaped(out, ind.rollup() ? describe_members(count_members(ind, e.evaluations()))
                                  : describe(ind, ev));
    out += "</p>";
    if (v.session && !ind.derived() && !ind.rollup() && may_write(*v.who(), plan, ind))
        out += "<p><a id=\"report-link\" href=\"/report?indicator=" + percent_encode(ind.key) +
               "\">填报本指标</a></p>";

    out += "<h2>定义</h2><dl class=\"def\"><dt>任务</dt><dd>";
    if (task) {
        out += std::to_string(task->number);
        if (!task->ref.empty()) out += "(" + escaped(task->ref) + ")";
        out += " ";
        put_escaped(out, task->text);
        out += "<br><span class=\"muted\">";
        put_escaped(out, task->section);
        out += "</span>";
    }
    out += "</dd><dt>牵头单位</dt><dd><a href=\"/units/" + percent_encode(ind.lead_unit) + "\">";
    put_escaped(out, unit_name(plan, ind.lead_unit));
    out += "</a></dd>";
    if (task && !task->co.empty()) {
        out += "<dt>配合单位</dt><dd>";
        for (std::size_t k = 0; k < task->co.size(); ++k) {
            if (k) out += "、";
            put_escaped(out, unit_name(plan, task->co[k]));
        }
        out += "</dd>";
    }
    if (!ind.leader.empty()) {
        out += "<dt>责任领导</dt><dd>";
        put_escaped(out, ind.leader);
        out += "</dd>";
    }
    out += "<dt>规则</dt><dd>";
    put_escaped(out, kind_name(ind.rule));
    if (const auto t = targets_text(rule, ind.measure); !t.empty()) {
        out += ":";
        put_escaped(out, t);
    }
    out += "<br><span class=\"muted\">";
    put_escaped(out, json_text(rule));
    out += "</span></dd><dt>报送</dt><dd>";
    put_escaped(out, to_string(ind.schedule.cadence));
    if (ind.ytd) out += "(累计值)";
    out += ",期末后 " + escaped(ind.schedule.due.text()) + " 内报送,宽限 " +
           escaped(ind.schedule.grace.text()) + "</dd>";
    if (ev.next_due)
        out += "<dt>下次报送截止</dt><dd>" + escaped(local_time_text(e, *ev.next_due)) + " 前</dd>";
    if (!ind.note.empty()) {
        out += "<dt>说明</dt><dd>";
        put_escaped(out, ind.note);
        out += "</dd>";
    }
    out += "</dl>";

    if (ind.rollup()) {
        out +=
            "<h2>各成员</h2><table class=\"stack\"><thead><tr><th>单位</th><th>亮灯</th>"
            "</tr></thead><tbody>";
        for (auto m : ind.members) {
            const auto& mi = plan.indicators[m];
            out += "<tr><td><a href=\"/indicators/" + percent_encode(mi.key) + "\">";
            put_escaped(out, unit_name(plan, mi.lead_unit));
            out += "</a></td><td>";
            put_light(out, light_of(*web_, e, m, now), e.evaluation(m).status);
            out += "</td></tr>";
        }
        out += "</tbody></table>";
    } else {
        out += "<h2>各期数值</h2>";
        auto target = ev.target ? ev.target : first_target(rule);
        put_chart(out, e, i, target);
        out += "<h2>修订记录</h2>";
        const auto rows = d_.store.history(ind.key, {}, 0, kHistoryRows + 1);
        if (rows.empty()) {
            out += "<p class=\"muted\" id=\"history-empty\">尚无上报。</p>";
        } else {
            out +=
                "<table class=\"stack\" id=\"history\"><thead><tr><th>期别</th><th>修订</th>"
                "<th class=\"num\">数值</th><th>说明</th><th>报送时间</th><th>报送人</th>"
                "</tr></thead><tbody>";
            for (std::size_t k = 0; k < rows.size() && k < static_cast<std::size_t>(kHistoryRows);
                 ++k) {
                const auto& r = rows[k];
                out += "<tr class=\"revision\"><td>";
                put_escaped(out, r.period);
                out += "</td><td>" + std::to_string(r.revision) + "</td><td class=\"num\">";
                put_escaped(out, number_text(r.value));
                out += "</td><td><pre class=\"note\">";
                put_escaped(out, r.note);
                out += "</pre></td><td>";
                put_escaped(out, local_time_text(e, r.reported_at));
                out += "</td><td>";
                put_escaped(out, r.reporter);
                out += "</td></tr>";
            }
            out += "</tbody></table>";
            if (rows.size() > static_cast<std::size_t>(kHistoryRows))
                out += "<p class=\"muted\">只显示前 " + std::to_string(kHistoryRows) +
                       " 条;完整记录见 <code>/api/v1/indicators/" + escaped(ind.key) +
                       "/values</code>。</p>";
        }
    }

    put_review_steps(out, e, ind);  // web_review.cpp: 审核记录, every step with its files

    out += "<h2 id=\"alerts\">提醒</h2>";
    std::vector<const AlertState*> alerts;
    for (const auto& [fp, a] : d_.alerts().alerter().alerts())
        if (a.indicator == ind.key || (!ind.member_of.empty() && a.indicator == ind.member_of))
            alerts.push_back(&a);
    std::sort(alerts.begin(), alerts.end(), [](auto* x, auto* y) {
        return std::tie(x->started_at, x->fingerprint) < std::tie(y->started_at, y->fingerprint);
    });
    put_alerts(out, e, alerts, v, "/indicators/" + percent_encode(ind.key));
    put_chases(out, e, ind, v);
    put_notices(out, e, ind);
    return html_page(200, web_frame(ind.name, "board", v), out);
}

}  // namespace indicatord
