// What the console's pages share: local days and times, lights, what a unit owes.
#include "http/web_view.hpp"

#include <date/tz.h>

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>

#include "config/auth.hpp"
#include "util/percent_encoding.hpp"

namespace indicatord {

using date::sys_days;
namespace json = boost::json;

namespace {

date::local_time<std::chrono::milliseconds> local(const Engine& e, TimePoint t) {
    if (!e.zone()) return date::local_time<std::chrono::milliseconds>{t.time_since_epoch()};
    return e.zone()->to_local(t);
}

bool working_day(const Engine& e, sys_days d) {
    if (const auto* c = e.calendar()) return c->is_working_day(d);
    const date::weekday wd{d};
    return wd != date::Saturday && wd != date::Sunday;
}

}  // namespace

sys_days local_day(const Engine& e, TimePoint t) {
    return sys_days{date::floor<date::days>(local(e, t)).time_since_epoch()};
}

std::string local_time_text(const Engine& e, TimePoint t) {
    return date::format("%Y-%m-%d %H:%M", date::floor<std::chrono::minutes>(local(e, t)));
}

int working_days_until(const Engine& e, sys_days from, sys_days to, int limit) {
    int n = 0;
    for (auto d = from + date::days{1}; d <= to && n <= limit; d += date::days{1})
        if (working_day(e, d)) ++n;
    return n;
}

Light light_of(const WebState& web, const Engine& e, std::size_t i, TimePoint now, bool* soon) {
    const auto& ev = e.evaluation(i);
    Light light = web.lights.of(ev.status);
    if (soon) *soon = false;
    const auto window = web.lights.due_soon().days;
    if (light == Light::green && window > 0 && ev.next_due && *ev.next_due > now) {
        // next_due is the end of the due day (the next local midnight)
        const auto due_day = local_day(e, *ev.next_due - std::chrono::milliseconds(1));
        if (working_days_until(e, local_day(e, now), due_day, window) <= window) {
            light = Light::yellow;
            if (soon) *soon = true;
        }
    }
    return light;
}

std::vector<Owed> owed_by(const Engine& e, const std::string& unit, TimePoint now) {
    const auto& plan = e.plan();
    const Principal as_unit{"", unit, false};
    const auto today = local_day(e, now);
    std::vector<Owed> out;
    for (std::size_t i = 0; i < plan.indicators.size(); ++i) {
        const auto& ind = plan.indicators[i];
        if (ind.derived() || ind.rollup() || !may_write(as_unit, plan, ind)) continue;
        const auto& series = e.series(i);
        for (const auto& p : periods_of_year(ind.schedule.cadence, plan.year)) {
            if (ind.schedule.cadence == Cadence::month && ind.schedule.skips(p.index)) continue;
            const bool ended = sys_days{p.last_day()} < today;
            if (ended && (series.at(p) || series.awaits(p))) continue;  // awaiting review
            Owed o;
            o.indicator = i;
            o.period = p;
            o.ended = ended;
            o.due_day = e.dues().due_day(p, ind.schedule);
            o.overdue = ended && e.dues().overdue(p, ind.schedule) <= now;
            if (o.overdue)
                o.days_overdue = static_cast<int>((today - o.due_day).count());
            else
                o.working_days_left = working_days_until(e, today, o.due_day);
            out.push_back(o);
            if (!ended) break;  // only the next period of the year
        }
    }
    std::stable_sort(out.begin(), out.end(), [](const Owed& a, const Owed& b) {
        if (a.overdue != b.overdue) return a.overdue;
        if (a.ended != b.ended) return a.ended;
        return a.due_day < b.due_day;
    });
    return out;
}

std::string_view alert_kind_words(AlertKind kind) {
    switch (kind) {
        case AlertKind::reminder:
            return "到期提醒";
        case AlertKind::overdue:
            return "逾期";
        case AlertKind::at_risk:
            return "预警";
        case AlertKind::missed:
            return "未达标";
        case AlertKind::chase:
            return "催办";
    }
    return "提醒";
}

std::string unit_name(const Plan& plan, std::string_view id) {
    const auto* u = plan.find_unit(id);
    return u ? u->name : std::string(id);
}

std::string number_text(double value) {
    char buf[32];
    auto [p, ec] = std::to_chars(buf, buf + sizeof buf, value);
    return ec == std::errc{} ? std::string(buf, p) : std::string("?");
}

void put_alerts(std::string& out, const Engine& e, std::span<const AlertState* const> alerts,
                const WebVisitor& v, std::string_view back) {
    if (alerts.empty()) {
        out += "<p class=\"muted\">没有提醒。</p>";
        return;
    }
    const Plan& plan = e.plan();
    out +=
        "<table class=\"stack alerts\"><thead><tr><th>指标</th><th>提醒</th><th>期别</th>"
        "<th>开始</th><th>确认</th></tr></thead><tbody>";
    for (const auto* a : alerts) {
        const auto* ind = plan.find_indicator(a->indicator);
        out += "<tr class=\"alert\" data-fingerprint=\"";
        put_escaped(out, a->fingerprint);
        out += "\"><td><a href=\"/indicators/" + percent_encode(a->indicator) + "\">";
        put_escaped(out, ind ? ind->name : a->indicator);
        out += "</a></td><td>";
        out += alert_kind_words(a->kind);
        out += " ";
        out += "<span class=\"status\">";
        put_escaped(out, to_string(a->kind));
        out += " ";
        put_escaped(out, to_string(a->phase));
        out += "</span></td><td>";
        put_escaped(out, a->period);
        out += "</td><td>";
        put_escaped(out, local_time_text(e, a->started_at));
        out += "</td><td>";
        if (a->acked_at) {
            out += "<span class=\"ack\">已确认:";
            put_escaped(out, a->ack_comment);
            out += " <span class=\"muted\">(";
            put_escaped(out, a->acked_by);
            out += ",";
            put_escaped(out, local_time_text(e, *a->acked_at));
            out += ")</span></span>";
        } else if (a->phase != AlertState::Phase::resolved && v.session && ind &&
                   may_write(*v.who(), plan, *ind)) {
            out += "<form method=\"post\" class=\"ack-form\" action=\"/alerts/";
            out += percent_encode(a->fingerprint);
            out += "/ack\"><input type=\"hidden\" name=\"csrf\" value=\"";
            put_escaped(out, v.session->csrf);
            out += "\"><input type=\"hidden\" name=\"back\" value=\"";
            put_escaped(out, back);
            out +=
                "\"><input type=\"text\" name=\"comment\" placeholder=\"说明\" required> "
                "<button type=\"submit\">确认</button></form>";
        } else {
            out += "<span class=\"muted\">未确认</span>";
        }
        out += "</td></tr>";
    }
    out += "</tbody></table>";
}

std::string local_path(std::string_view next) {
    if (!next.starts_with('/') || next.starts_with("//") ||
        next.find('\\') != std::string_view::npos)
        return {};
    for (unsigned char c : next)
        if (c < 0x20 || c == 0x7f) return {};
    return std::string(next);
}

std::string api_error_notice(const std::string& body) {
    std::string out = "<div class=\"notice error\" id=\"message\"><b>未保存。</b> ";
    try {
        const auto doc = json::parse(body).as_object();
        if (const auto* e = doc.if_contains("error"); e && e->is_string())
            put_escaped(out, e->as_string());
        if (const auto* items = doc.if_contains("items"); items && items->is_array()) {
            out += "<ul>";
            for (const auto& it : items->as_array()) {
                const auto* reason =
                    it.is_object() ? it.as_object().if_contains("reason") : nullptr;
                if (!reason || !reason->is_string()) continue;
                out += "<li class=\"item-error\">";
                if (const auto* line = it.as_object().if_contains("line");
                    line && line->is_number())
                    out += "第 " + std::to_string(line->to_number<long long>()) + " 行:";
                put_escaped(out, reason->as_string());
                out += "</li>";
            }
            out += "</ul>";
        }
    } catch (const std::exception&) {
        put_escaped(out, body);
    }
    out += "</div>";
    return out;
}

std::string param(const std::vector<std::pair<std::string, std::string>>& query,
                  std::string_view key) {
    for (const auto& [k, v] : query)
        if (k == key) return v;
    return {};
}

}  // namespace indicatord
