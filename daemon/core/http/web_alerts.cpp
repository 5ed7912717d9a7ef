// 提醒, the alerts page: the alerts the visitor may read (the API's read checks), with
// acknowledge-with-comment for the responsible unit; silences for the office: listed for
// admins and auth.read_all_units, created and expired by admins through the API's handlers.
#include "http/service.hpp"
// GCC 12 inlines Asio's recycling allocator for coroutine frames into one path and then reports
// its matching operator new/delete pair as mismatched (GCC PR 109224): a false positive.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
#include <algorithm>
#include <boost/json.hpp>

#include "alerts/alert_actions.hpp"
#include "config/auth.hpp"
#include "eval/engine.hpp"
#include "http/web_view.hpp"
#include "util/json_text.hpp"

namespace indicatord {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

constexpr const char* kSilenceLabels[] = {"indicator", "lead_unit", "task", "kind"};

std::string error_of(const HttpResponse& r) {
    try {
        return std::string(json::parse(r.body).as_object().at("error").as_string());
    } catch (const std::exception&) {
        return r.body;
    }
}

}  // namespace

HttpResponse Service::web_alerts(const WebVisitor& v, const Query& query) const {
    const Engine& e = web_plan();
    const Plan& plan = e.plan();
    const Principal* who = v.who();
    const auto state = param(query, "state");
    if (!state.empty() && state != "pending" && state != "firing" && state != "resolved" &&
        state != "all")
        return web_message(400, v, "提醒",
                           "state must be pending, firing, resolved or all, got '" + state + "'");
    std::vector<const AlertState*> list;
    for (const auto& [fp, a] : d_.alerts().alerter().alerts()) {
        const auto phase = std::string(to_string(a.phase));
        if (state.empty() ? a.phase == AlertState::Phase::resolved
                          : state != "all" && phase != state)
            continue;
        const auto* ind = plan.find_indicator(a.indicator);
        if (!reads_all(who) && (!ind || !may_read(*who, plan, *ind))) continue;
        list.push_back(&a);
    }
    std::sort(list.begin(), list.end(), [](auto* x, auto* y) {
        return std::tie(x->started_at, x->fingerprint) < std::tie(y->started_at, y->fingerprint);
    });
    std::string out = "<p>";
    for (const auto& [s, words] :
         std::initializer_list<std::pair<std::string, const char*>>{{"", "未解除"},
                                                                    {"firing", "已触发"},
                                                                    {"pending", "待触发"},
                                                                    {"resolved", "已解除"},
                                                                    {"all", "全部"}}) {
        out += s == state ? "<b>" : "<a href=\"/alerts" + (s.empty() ? "" : "?state=" + s) + "\">";
        out += words;
        out += s == state ? "</b> " : "</a> ";
    }
    out += "</p><p class=\"muted\" id=\"alert-count\">" + std::to_string(list.size()) + " 条</p>";
    put_alerts(out, e, list, v, "/alerts");

    if (reads_all(who) && (who || !d_.tokens || !d_.tokens())) {
        const auto now = d_.clock.now();
        out += "<h2 id=\"silences\">静默</h2>";
        const auto& silences = d_.alerts().alerter().silences();
        if (silences.empty())
            out += "<p class=\"muted\">没有静默。</p>";
        else {
            out +=
                "<table class=\"stack\" id=\"silence-list\"><thead><tr><th>编号</th><th>匹配</th>"
                "<th>至</th><th>说明</th><th></th></tr></thead><tbody>";
            for (const auto& s : silences) {
                out += "<tr class=\"silence\"><td>" + std::to_string(s.id) + "</td><td>";
                for (const auto& [k, val] : s.matchers) {
                    put_escaped(out, k);
                    out += "=";
                    put_escaped(out, val);
                    out += " ";
                }
                out += "</td><td>";
                put_escaped(out, local_time_text(e, s.ends_at));
                out += "</td><td>";
                put_escaped(out, s.comment);
                out += " <span class=\"muted\">";
                put_escaped(out, s.author);
                out += "</span></td><td>";
                if (s.active(now) && who && who->admin) {
                    out += "<form method=\"post\" action=\"/alerts/silences/" +
                           std::to_string(s.id) +
                           "/expire\"><input type=\"hidden\" "
                           "name=\"csrf\" value=\"" +
                           escaped(v.session->csrf) +
                           "\"><button class=\"plain\" type=\"submit\">解除</button></form>";
                } else {
                    out += s.active(now) ? "生效中" : "<span class=\"muted\">已结束</span>";
                }
                out += "</td></tr>";
            }
            out += "</tbody></table>";
        }
        if (who && who->admin) {
            out +=
                "<form method=\"post\" action=\"/alerts/silences\" id=\"silence-form\" "
                "class=\"report-row\"><input type=\"hidden\" name=\"csrf\" value=\"" +
                escaped(v.session->csrf) + "\"><select name=\"label\">";
            for (const char* l : kSilenceLabels)
                out += std::string("<option value=\"") + l + "\">" + l + "</option>";
            out +=
                "</select><input type=\"text\" name=\"value\" required placeholder=\"gdp_growth\">"
                "<input type=\"text\" name=\"for\" required placeholder=\"3d\" size=\"6\">"
                "<input type=\"text\" name=\"comment\" required placeholder=\"说明\">"
                "<button type=\"submit\">静默</button></form>";
        }
    }
    return html_page(200, web_frame("提醒", "alerts", v), out);
}

asio::awaitable<HttpResponse> Service::web_silence(const WebVisitor& v, std::string_view path,
                                                   const Query& form) {
    const Principal* who = v.who();
    HttpResponse answer;
    if (path == "/alerts/silences") {
        const auto length = parse_duration(param(form, "for"));
        if (!length || length->count() == 0)
            co_return web_message(
                400, v, "提醒",
                "for must be a duration like 2h or 3d, got '" + param(form, "for") + "'");
        HttpRequest api;
        api.method = "POST";
        api.target = "/api/v1/silences";
        api.content_type = "application/json";
        api.body = json_text(
            json::object{{"matchers", json::object{{param(form, "label"), param(form, "value")}}},
                         {"ends_at", format_instant(d_.clock.now() + *length)},
                         {"author", who->admin ? "admin" : who->unit},
                         {"comment", param(form, "comment")}});
        answer = co_await add_silence(api, who);
    } else {
        // /alerts/silences/{id}/expire
        auto id = path.substr(std::string_view("/alerts/silences/").size());
        id.remove_suffix(std::string_view("/expire").size());
        answer = co_await expire_silence(id, who);
    }
    if (answer.status != 200) co_return web_message(answer.status, v, "提醒", error_of(answer));
    co_return see_other("/alerts#silences");
}

}  // namespace indicatord
