// 单位, a unit's desk: what it leads, jointly leads and co-leads; what it owes now and next with
// due dates and working days left; overdue reports with days overdue; its alerts; its on-time
// record. And the list of units (for the office and anonymous readers).
#include <algorithm>

#include "alerts/alert_actions.hpp"
#include "config/auth.hpp"
#include "eval/engine.hpp"
#include "http/service.hpp"
#include "http/web_view.hpp"
#include "model/period.hpp"
#include "store/store.hpp"
#include "util/percent_encoding.hpp"

namespace indicatord {

namespace {

std::string day_text(date::sys_days d) {
    return date::format("%Y-%m-%d", d);
}

}  // namespace

HttpResponse Service::web_units(const WebVisitor& v) const {
    const Engine& e = web_plan();
    const Plan& plan = e.plan();
    std::string out =
        "<table class=\"stack\" id=\"units\"><thead><tr><th>单位</th><th "
        "class=\"num\">牵头任务</th><th class=\"num\">应报</th><th "
        "class=\"num\">逾期</th></tr></thead><tbody>";
    const auto now = d_.clock.now();
    for (const auto& u : plan.units) {
        if (u.kind == UnitKind::group) continue;
        std::size_t leads = 0;
        for (const auto& t : plan.tasks)
            if (std::find(t.leads.begin(), t.leads.end(), u.id) != t.leads.end()) ++leads;
        const auto owed = owed_by(e, u.id, now);
        if (leads == 0 && owed.empty()) continue;
        const auto overdue =
            std::count_if(owed.begin(), owed.end(), [](auto& o) { return o.overdue; });
        const auto due_now =
            std::count_if(owed.begin(), owed.end(), [](auto& o) { return o.ended; });
        out += "<tr><td><a href=\"/units/" + percent_encode(u.id) + "\">";
        put_escaped(out, u.name);
        out += "</a></td><td class=\"num\">" + std::to_string(leads) + "</td><td class=\"num\">" +
               std::to_string(due_now) + "</td><td class=\"num\">" + std::to_string(overdue) +
               "</td></tr>";
    }
    out += "</tbody></table>";
    return html_page(200, web_frame("单位", "desk", v), out);
}

HttpResponse Service::web_desk(const WebVisitor& v, std::string_view id) const {
    const Engine& e = web_plan();
    const Plan& plan = e.plan();
    const auto* unit = plan.find_unit(id);
    if (!unit) return web_message(404, v, "单位", "unknown unit '" + std::string(id) + "'");
    const Principal* who = v.who();
    if (who && !reads_all(who) && who->unit != id)
        return web_message(403, v, "单位",
                           "token '" + who->token_id + "' of unit '" + who->unit +
                               "' may not read the desk of unit '" + std::string(id) +
                               "': auth.read_scope is unit");
    const auto now = d_.clock.now();
    const Principal as_unit{"", std::string(id), false};
    const bool may_report = who && (who->admin || who->unit == id);

    std::string out;
    out += "<p id=\"unit-name\"><b>";
    put_escaped(out, unit->name);
    out += "</b> <span class=\"muted\">";
    put_escaped(out, unit->id);
    out += " · ";
    put_escaped(out, to_string(unit->kind));
    out += "</span></p>";

    // what it owes
    const auto owed = owed_by(e, unit->id, now);
    out += "<h2>应报</h2>";
    if (owed.empty()) {
        out += "<p class=\"muted\">本年度没有待报事项。</p>";
    } else {
        out +=
            "<table class=\"stack\" id=\"owed\"><thead><tr><th>指标</th><th>期别</th><th>截止</th>"
            "<th>情况</th><th></th></tr></thead><tbody>";
        for (const auto& o : owed) {
            const auto& ind = plan.indicators[o.indicator];
            out += "<tr class=\"owed";
            out += o.overdue ? " overdue" : o.ended ? " now" : " next";
            out += "\" data-key=\"";
            put_escaped(out, ind.key);
            out += "\" data-period=\"" + escaped(o.period.label()) +
                   "\"><td><a href=\"/indicators/" + percent_encode(ind.key) + "\">";
            put_escaped(out, ind.name);
            out += "</a></td><td>" + escaped(o.period.label()) + "</td><td>" + day_text(o.due_day) +
                   "</td><td>";
            if (o.overdue)
                out += "<span class=\"light red\">逾期 " + std::to_string(o.days_overdue) +
                       " 天</span>";
            else if (o.ended)
                out += "应报,剩 " + std::to_string(o.working_days_left) + " 个工作日";
            else
                out += "<span class=\"muted\">下期,距截止 " + std::to_string(o.working_days_left) +
                       " 个工作日</span>";
            out += "</td><td>";
            if (may_report && o.ended)
                out += "<a href=\"/report?indicator=" + percent_encode(ind.key) +
                       "&amp;period=" + percent_encode(o.period.label()) + "\">填报</a>";
            out += "</td></tr>";
        }
        out += "</tbody></table>";
    }

    // its tasks by role
    struct Role {
        const char* words;
        std::vector<const Task*> tasks;
    };
    Role roles[] = {{"牵头", {}}, {"分别牵头", {}}, {"配合", {}}};
    for (const auto& t : plan.tasks) {
        const bool lead = std::find(t.leads.begin(), t.leads.end(), id) != t.leads.end();
        if (lead && !t.joint)
            roles[0].tasks.push_back(&t);
        else if (lead)
            roles[1].tasks.push_back(&t);
        else if (std::find(t.co.begin(), t.co.end(), id) != t.co.end())
            roles[2].tasks.push_back(&t);
    }
    for (const auto& role : roles) {
        if (role.tasks.empty()) continue;
        out += "<h2>";
        out += role.words;
        out += "(" + std::to_string(role.tasks.size()) +
               ")</h2><table class=\"stack\"><thead><tr>"
               "<th>编号</th><th>任务</th><th>指标</th></tr></thead><tbody>";
        for (const auto* t : role.tasks) {
            out += "<tr><td>" + std::to_string(t->number) + "</td><td>";
            put_escaped(out, t->text);
            out += "</td><td>";
            for (auto i : t->indicators) {
                const auto& ind = plan.indicators[i];
                if (!ind.member_of.empty() || !may_read(as_unit, plan, ind)) continue;
                out += "<div class=\"ind\">";
                put_light(out, light_of(*web_, e, i, now), e.evaluation(i).status);
                out += " <a href=\"/indicators/" + percent_encode(ind.key) + "\">";
                put_escaped(out, ind.name);
                out += "</a></div>";
            }
            out += "</td></tr>";
        }
        out += "</tbody></table>";
    }

    // its alerts
    out += "<h2 id=\"alerts\">提醒</h2>";
    std::vector<const AlertState*> alerts;
    for (const auto& [fp, a] : d_.alerts().alerter().alerts()) {
        if (a.phase == AlertState::Phase::resolved) continue;
        const auto* ind = plan.find_indicator(a.indicator);
        if (ind && may_read(as_unit, plan, *ind)) alerts.push_back(&a);
    }
    std::sort(alerts.begin(), alerts.end(), [](auto* x, auto* y) {
        return std::tie(x->started_at, x->fingerprint) < std::tie(y->started_at, y->fingerprint);
    });
    put_alerts(out, e, alerts, v, "/units/" + percent_encode(unit->id));

    // its on-time record: each reported period of its indicators, by its first revision (a
    // report made on time and revised later was on time; as the bulletins count it)
    std::size_t on_time = 0, reported = 0;
    for (std::size_t i = 0; i < plan.indicators.size(); ++i) {
        const auto& ind = plan.indicators[i];
        if (ind.derived() || ind.rollup() || !may_write(as_unit, plan, ind)) continue;
        if (e.series(i).periods.empty()) continue;
        for (const auto& [label, first] : d_.store.first_reports(ind.key)) {
            const auto period = parse_period(label);
            if (!period) continue;
            ++reported;
            if (first <= e.dues().due(*period, ind.schedule)) ++on_time;
        }
    }
    out += "<h2>按时上报</h2><p id=\"on-time\">已报 " + std::to_string(reported) + " 期,其中按时 " +
           std::to_string(on_time) + " 期(以首次报送的时间计,之后的修订不改变)。</p>";
    return html_page(200, web_frame(unit->name, "desk", v), out);
}

}  // namespace indicatord
