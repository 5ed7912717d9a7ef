// 总览, the plan board: counts by status and light, by section, and the task list with each
// indicator's light, exact status and reason; filters and search; pages of tasks.
#include <algorithm>
#include <charconv>

#include "config/auth.hpp"
#include "eval/engine.hpp"
#include "eval/members.hpp"
#include "http/service.hpp"
#include "http/web_view.hpp"
#include "util/percent_encoding.hpp"

namespace indicatord {

namespace {

// A page ends after 250 tasks or before its indicators pass 600, so that a page stays under
// 300 KB however many indicators its tasks have (docs/web.md).
constexpr std::size_t kTasksPerPage = 250;
constexpr std::size_t kIndicatorsPerPage = 600;

// The worse of two statuses, as an office reads them (a task shows its worst indicator).
int severity(Status s) {
    switch (s) {
        case Status::overdue:
            return 6;
        case Status::missed:
            return 5;
        case Status::at_risk:
            return 4;
        case Status::no_data:
            return 3;
        case Status::pending:
            return 2;
        case Status::on_track:
            return 1;
        case Status::achieved:
            return 0;
    }
    return 0;
}

int severity(Light l) {
    switch (l) {
        case Light::red:
            return 3;
        case Light::yellow:
            return 2;
        case Light::grey:
            return 1;
        case Light::green:
            return 0;
    }
    return 0;
}

void option(std::string& out, std::string_view value, std::string_view words,
            std::string_view chosen) {
    out += "<option value=\"";
    put_escaped(out, value);
    out += value == chosen ? "\" selected>" : "\">";
    put_escaped(out, words);
    out += "</option>";
}

struct Filters {
    std::string plan, section, unit, status, kind, light, q;
    std::size_t page = 1;
};

constexpr std::size_t kAllPlans = static_cast<std::size_t>(-1);

// With several plans, the board shows one: the first (in `rules:` order) whose years hold
// today, else the latest; `plan=all` shows every plan together.
std::size_t default_plan(const Plan& plan, int today_year) {
    for (std::size_t p = 0; p < plan.plans.size(); ++p) {
        const auto& info = plan.plans[p];
        if (info.year <= today_year && today_year <= std::max(info.year, info.last_year)) return p;
    }
    std::size_t latest = 0;
    for (std::size_t p = 1; p < plan.plans.size(); ++p)
        if (plan.plans[p].year > plan.plans[latest].year) latest = p;
    return latest;
}

bool contains(std::string_view text, std::string_view part) {
    return text.find(part) != std::string_view::npos;
}

}  // namespace

HttpResponse Service::web_board(const WebVisitor& v, const Query& query) const {
    const Engine& e = web_plan();
    const Plan& plan = e.plan();
    const auto now = d_.clock.now();
    const Principal* who = v.who();
    const bool all = reads_all(who);

    Filters f;
    for (const auto& [k, val] : query) {
        if (k == "plan")
            f.plan = val;
        else if (k == "section")
            f.section = val;
        else if (k == "unit")
            f.unit = val;
        else if (k == "status")
            f.status = val;
        else if (k == "kind")
            f.kind = val;
        else if (k == "light")
            f.light = val;
        else if (k == "q")
            f.q = val;
        else if (k == "page") {
            auto [p, ec] = std::from_chars(val.data(), val.data() + val.size(), f.page);
            if (ec != std::errc{} || p != val.data() + val.size() || f.page < 1)
                return web_message(400, v, "总览",
                                   "page must be a whole number from 1, got '" + val + "'");
        } else {
            return web_message(
                400, v, "总览",
                "unknown query parameter '" + k +
                    "' (allowed: plan, section, unit, status, kind, light, q, page)");
        }
    }
    std::size_t chosen = kAllPlans;  // the plan shown: all of them with one plan
    if (plan.several()) {
        if (f.plan.empty()) {
            chosen = default_plan(plan, int(date::year_month_day(local_day(e, now)).year()));
        } else if (f.plan != "all") {
            const auto it = std::find_if(plan.plans.begin(), plan.plans.end(),
                                         [&](const PlanInfo& p) { return p.id == f.plan; });
            if (it == plan.plans.end()) {
                std::string ids;
                for (const auto& p : plan.plans) ids += (ids.empty() ? "" : ", ") + p.id;
                return web_message(400, v, "总览",
                                   "unknown plan '" + f.plan + "' (plans: " + ids + ", all)");
            }
            chosen = static_cast<std::size_t>(it - plan.plans.begin());
        }
    } else if (!f.plan.empty() && f.plan != "all" && f.plan != plan.id) {
        return web_message(400, v, "总览",
                           "unknown plan '" + f.plan + "' (plans: " + plan.id + ", all)");
    }
    if (!f.status.empty() && !parse_status(f.status))
        return web_message(400, v, "总览", "unknown status '" + f.status + "'");

    // Each indicator the visitor may read: its light (once), counted by status, light, section.
    std::vector<Light> lights(plan.indicators.size(), Light::grey);
    std::vector<char> visible(plan.indicators.size(), 0);
    std::size_t by_status[std::size(kAllStatuses)]{};
    std::size_t by_light[4]{};
    std::size_t shown = 0;
    for (std::size_t i = 0; i < plan.indicators.size(); ++i) {
        const auto& ind = plan.indicators[i];
        if (!ind.member_of.empty()) continue;  // a member's series shows in its roll-up
        if (chosen != kAllPlans && ind.plan != chosen) continue;
        if (!all && !may_read(*who, plan, ind)) continue;
        visible[i] = 1;
        lights[i] = light_of(*web_, e, i, now);
        ++by_status[static_cast<std::size_t>(e.evaluation(i).status)];
        ++by_light[static_cast<std::size_t>(lights[i])];
        ++shown;
    }
    struct SectionCount {
        std::string name;
        std::size_t tasks = 0;
        std::size_t lights[4]{};
    };
    std::vector<SectionCount> sections;
    std::size_t task_by_status[std::size(kAllStatuses)]{};
    std::vector<std::string> kinds;
    // The tasks that pass the filters, each with the indicators shown under it.
    struct Row {
        const Task* task;
        std::vector<std::size_t> indicators;
    };
    std::vector<Row> rows;
    for (const auto& t : plan.tasks) {
        if (chosen != kAllPlans && t.plan != chosen) continue;
        std::vector<std::size_t> mine;
        for (auto i : t.indicators)
            if (visible[i]) mine.push_back(i);
        if (mine.empty()) continue;
        auto sec = std::find_if(sections.begin(), sections.end(),
                                [&](const auto& s) { return s.name == t.section; });
        if (sec == sections.end()) sec = sections.insert(sections.end(), SectionCount{t.section});
        ++sec->tasks;
        Status worst = e.evaluation(mine.front()).status;
        for (auto i : mine) {
            ++sec->lights[static_cast<std::size_t>(lights[i])];
            if (severity(e.evaluation(i).status) > severity(worst)) worst = e.evaluation(i).status;
            const auto kind = std::string(kind_name(plan.indicators[i].rule));
            if (std::find(kinds.begin(), kinds.end(), kind) == kinds.end()) kinds.push_back(kind);
        }
        ++task_by_status[static_cast<std::size_t>(worst)];

        if (!f.section.empty() && t.section != f.section) continue;
        if (!f.unit.empty() && std::find(t.leads.begin(), t.leads.end(), f.unit) == t.leads.end() &&
            std::find(t.co.begin(), t.co.end(), f.unit) == t.co.end() &&
            std::none_of(mine.begin(), mine.end(),
                         [&](auto i) { return plan.indicators[i].lead_unit == f.unit; }))
            continue;
        const bool task_matches_q = f.q.empty() || std::to_string(t.number) == f.q ||
                                    (!t.ref.empty() && t.ref == f.q) || contains(t.text, f.q);
        std::vector<std::size_t> kept;
        for (auto i : mine) {
            const auto& ind = plan.indicators[i];
            if (!f.status.empty() && to_string(e.evaluation(i).status) != f.status) continue;
            if (!f.kind.empty() && kind_name(ind.rule) != f.kind) continue;
            if (!f.light.empty() && to_string(lights[i]) != f.light) continue;
            if (!task_matches_q && !contains(ind.key, f.q) && !contains(ind.name, f.q)) continue;
            kept.push_back(i);
        }
        if (!kept.empty()) rows.push_back({&t, std::move(kept)});
    }
    std::sort(kinds.begin(), kinds.end());

    std::string out;
    out.reserve(256 * 1024);
    // The other filters, as a link's query (the plan switcher and the pages keep them).
    std::string plan_query;  // "plan=ID&" with several plans, so links stay on this board
    if (plan.several())
        plan_query =
            "plan=" +
            percent_encode(chosen == kAllPlans ? std::string("all") : plan.plans[chosen].id) + "&";
    std::string kept_query;
    for (const auto& [k, val] : query)
        if (k != "page" && k != "plan")
            kept_query += percent_encode(k) + "=" + percent_encode(val) + "&";
    if (plan.several()) {
        out += "<nav class=\"plans\" id=\"plans\"><span class=\"muted\">计划:</span>";
        for (std::size_t p = 0; p <= plan.plans.size(); ++p) {
            const bool every = p == plan.plans.size();
            const std::string id = every ? std::string("all") : plan.plans[p].id;
            out += "<a href=\"/?" + escaped(kept_query) + "plan=" + percent_encode(id) + "\"";
            if ((every && chosen == kAllPlans) || (!every && chosen == p))
                out += " class=\"current\" aria-current=\"page\"";
            out += ">";
            if (every) {
                out += "全部计划";
            } else {
                put_escaped(out, plan.plans[p].name.empty() ? id : plan.plans[p].name);
                out += " <span class=\"muted\">";
                put_escaped(out, id);
                out += "</span>";
            }
            out += "</a>";
        }
        out += "</nav>";
    }
    if (!all) out += "<p class=\"muted\">只显示本单位负责的指标(auth.read_scope: unit)。</p>";
    // counts
    out += "<section id=\"counts\"><h2>亮灯</h2><div class=\"cards\">";
    for (auto l : {Light::green, Light::yellow, Light::red, Light::grey}) {
        out += "<a class=\"card\" href=\"/?" + escaped(plan_query) + "light=";
        out += to_string(l);
        out += "\"><span class=\"light ";
        out += to_string(l);
        out += "\">";
        out += light_words(l);
        out += "</span><b id=\"count-light-";
        out += to_string(l);
        out += "\">";
        out += std::to_string(by_light[static_cast<std::size_t>(l)]);
        out += "</b></a>";
    }
    out +=
        "</div><h2>按状态</h2><table class=\"stack\"><thead><tr><th>状态</th><th "
        "class=\"num\">指标</th><th class=\"num\">任务(按最差指标)</th></tr></thead><tbody>";
    for (auto s : kAllStatuses) {
        out += "<tr><td><a href=\"/?" + escaped(plan_query) + "status=";
        out += to_string(s);
        out += "\">";
        out += status_words(s);
        out += "</a> <span class=\"status\">";
        out += to_string(s);
        out += "</span></td><td class=\"num\" id=\"count-";
        out += to_string(s);
        out += "\">";
        out += std::to_string(by_status[static_cast<std::size_t>(s)]);
        out += "</td><td class=\"num\">";
        out += std::to_string(task_by_status[static_cast<std::size_t>(s)]);
        out += "</td></tr>";
    }
    out +=
        "<tr><th>合计</th><th class=\"num\">" + std::to_string(shown) + "</th><th class=\"num\">";
    std::size_t tasks_total = 0;
    for (const auto& s : sections) tasks_total += s.tasks;
    out += std::to_string(tasks_total) + "</th></tr></tbody></table>";
    out +=
        "<h2>按部分</h2><table class=\"stack\"><thead><tr><th>部分</th><th "
        "class=\"num\">任务</th><th class=\"num\">绿灯</th><th class=\"num\">黄灯</th><th "
        "class=\"num\">红灯</th><th class=\"num\">灰灯</th></tr></thead><tbody>";
    for (const auto& s : sections) {
        out += "<tr><td><a href=\"/?" + escaped(plan_query) + "section=" + percent_encode(s.name) +
               "\">";
        put_escaped(out, s.name.empty() ? std::string("(未分部分)") : s.name);
        out += "</a></td><td class=\"num\">" + std::to_string(s.tasks) + "</td>";
        for (std::size_t l = 0; l < 4; ++l)
            out += "<td class=\"num\">" + std::to_string(s.lights[l]) + "</td>";
        out += "</tr>";
    }
    out += "</tbody></table></section>";

    // filters (GET: the page's address is the filter, to bookmark or send)
    out += "<h2>任务</h2><form class=\"filters\" method=\"get\" action=\"/\">";
    if (plan.several()) {
        out += "<input type=\"hidden\" name=\"plan\" value=\"";
        put_escaped(out, chosen == kAllPlans ? std::string("all") : plan.plans[chosen].id);
        out += "\">";
    }
    out += "<label>部分<select name=\"section\">";
    option(out, "", "全部", f.section);
    for (const auto& s : sections) option(out, s.name, s.name, f.section);
    out += "</select></label><label>单位<select name=\"unit\">";
    option(out, "", "全部", f.unit);
    for (const auto& u : plan.units) option(out, u.id, u.name, f.unit);
    out += "</select></label><label>状态<select name=\"status\">";
    option(out, "", "全部", f.status);
    for (auto s : kAllStatuses)
        option(out, to_string(s), std::string(status_words(s)) + " " + std::string(to_string(s)),
               f.status);
    out += "</select></label><label>亮灯<select name=\"light\">";
    option(out, "", "全部", f.light);
    for (auto l : {Light::green, Light::yellow, Light::red, Light::grey})
        option(out, to_string(l), light_words(l), f.light);
    out += "</select></label><label>类型<select name=\"kind\">";
    option(out, "", "全部", f.kind);
    for (const auto& k : kinds) option(out, k, k, f.kind);
    out += "</select></label><label>搜索<input type=\"search\" name=\"q\" id=\"q\" value=\"";
    put_escaped(out, f.q);
    out +=
        "\" placeholder=\"任务编号或文字\"></label><button type=\"submit\">筛选</button> <a "
        "href=\"/";
    if (plan.several())
        out += "?plan=" +
               percent_encode(chosen == kAllPlans ? std::string("all") : plan.plans[chosen].id);
    out += "\">清除</a></form>";

    std::vector<std::size_t> starts{0};  // the first row of each page
    for (std::size_t r = 0, tasks = 0, shown_here = 0; r < rows.size(); ++r) {
        const auto n = rows[r].indicators.size();
        if (tasks > 0 && (tasks == kTasksPerPage || shown_here + n > kIndicatorsPerPage)) {
            starts.push_back(r);
            tasks = 0;
            shown_here = 0;
        }
        ++tasks;
        shown_here += n;
    }
    const std::size_t pages = starts.size();
    const std::size_t page = std::min(f.page, pages);
    out += "<p class=\"muted\" id=\"task-count\">" + std::to_string(rows.size()) + " 项任务";
    if (pages > 1) out += ",第 " + std::to_string(page) + "/" + std::to_string(pages) + " 页";
    out += "</p>";
    out +=
        "<table class=\"stack\" id=\"tasks\"><thead><tr><th>编号</th><th>亮灯</th><th>任务</th>"
        "<th>牵头单位</th><th>指标(亮灯、状态、原因)</th></tr></thead><tbody>";
    const auto first = starts[page - 1];
    const auto end = page < pages ? starts[page] : rows.size();
    for (std::size_t r = first; r < end; ++r) {
        const Task& t = *rows[r].task;
        Light task_light = Light::green;
        Status task_status = e.evaluation(rows[r].indicators.front()).status;
        for (auto i : rows[r].indicators) {
            if (severity(lights[i]) > severity(task_light)) task_light = lights[i];
            if (severity(e.evaluation(i).status) > severity(task_status))
                task_status = e.evaluation(i).status;
        }
        out += "<tr id=\"task-" + std::to_string(t.number) + "\"><td>" + std::to_string(t.number);
        if (!t.ref.empty()) {
            out += "<br><span class=\"muted\">";
            put_escaped(out, t.ref);
            out += "</span>";
        }
        out += "</td><td>";
        put_light(out, task_light, task_status);
        out += "</td><td>";
        put_escaped(out, t.text);
        out += "</td><td>";
        for (std::size_t k = 0; k < t.leads.size(); ++k) {
            if (k) out += "、";
            out += "<a href=\"/units/" + percent_encode(t.leads[k]) + "\">";
            put_escaped(out, unit_name(plan, t.leads[k]));
            out += "</a>";
        }
        if (t.joint) out += "(分别牵头)";
        if (!t.co.empty()) {
            out += "<br><span class=\"muted\">配合:";
            for (std::size_t k = 0; k < t.co.size(); ++k) {
                if (k) out += "、";
                put_escaped(out, unit_name(plan, t.co[k]));
            }
            out += "</span>";
        }
        out += "</td><td>";
        for (auto i : rows[r].indicators) {
            const auto& ind = plan.indicators[i];
            const auto& ev = e.evaluation(i);
            out += "<div class=\"ind\" data-key=\"";
            put_escaped(out, ind.key);
            out += "\">";
            put_light(out, lights[i], ev.status);
            out += " <a href=\"/indicators/" + percent_encode(ind.key) + "\">";
            put_escaped(out, ind.name);
            out += "</a><br><span class=\"reason\">";
            put_escaped(out, ind.rollup() ? describe_members(count_members(ind, e.evaluations()))
                                          : describe(ind, ev));
            out += "</span></div>";
        }
        out += "</td></tr>";
    }
    out += "</tbody></table>";
    if (pages > 1) {
        out += "<div class=\"pages\">";
        std::string base = "/?";
        for (const auto& [k, val] : query)
            if (k != "page") base += percent_encode(k) + "=" + percent_encode(val) + "&";
        if (page > 1)
            out +=
                "<a href=\"" + escaped(base) + "page=" + std::to_string(page - 1) + "\">上一页</a>";
        if (page < pages)
            out +=
                "<a href=\"" + escaped(base) + "page=" + std::to_string(page + 1) + "\">下一页</a>";
        out += "</div>";
    }
    return html_page(200, web_frame("总览", "board", v), out);
}

}  // namespace indicatord
