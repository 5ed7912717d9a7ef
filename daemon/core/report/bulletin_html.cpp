// The bulletin as one printable HTML page: no script, no external file, an A4 print stylesheet
// (tables repeat their header on each page, rows do not split).
#include "report/bulletin_formats.hpp"
#include "util/html_escape.hpp"

namespace indicatord {

namespace {

constexpr std::string_view kStyle = R"css(
body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; margin: 2em; color: #111; }
h1 { font-size: 1.5em; text-align: center; }
h2 { font-size: 1.15em; border-bottom: 1px solid #999; margin-top: 1.5em; }
p.headline { font-size: 1.05em; line-height: 1.7; }
table { border-collapse: collapse; width: 100%; font-size: 0.9em; }
th, td { border: 1px solid #999; padding: 0.25em 0.5em; text-align: left; vertical-align: top; }
th { background: #eee; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
td.s-achieved, td.p-completed { background: #d9ead3; }
td.s-on_track, td.p-on_schedule { background: #e8f0fe; }
td.s-at_risk { background: #fff2cc; }
td.s-missed, td.s-overdue, td.p-behind { background: #f4cccc; }
p.rule { color: #444; font-size: 0.85em; }
@page { size: A4; margin: 15mm 12mm; }
@media print {
  body { margin: 0; font-size: 10pt; }
  thead { display: table-header-group; }
  tr { break-inside: avoid; }
  h2 { break-after: avoid; }
}
)css";

void cell(std::string& out, std::string_view text, std::string_view cls = {}) {
    out += cls.empty() ? "<td>" : "<td class=\"" + std::string(cls) + "\">";
    put_escaped(out, text);
    out += "</td>";
}

void num(std::string& out, int n) {
    out += "<td class=\"n\">" + std::to_string(n) + "</td>";
}

void head(std::string& out, std::initializer_list<std::string_view> names) {
    out += "<table><thead><tr>";
    for (auto n : names)
        if (!n.empty()) out += "<th>" + std::string(n) + "</th>";
    out += "</tr></thead><tbody>";
}

void counts_row(std::string& out, std::string_view name, const BulletinCounts& c) {
    out += "<tr>";
    cell(out, name);
    num(out, c.tasks);
    for (auto p : kAllProgress) num(out, c.of(p));
    num(out, c.indicators);
    for (auto s : kAllStatuses) num(out, c.of(s));
    out += "</tr>";
}

}  // namespace

std::string bulletin_html(const Bulletin& b) {
    std::string out = "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>";
    const std::string title = b.plan_name + " 督查通报（截至" + day_text(b.as_of_day) + "）";
    put_escaped(out, title);
    out += "</title><style>" + std::string(kStyle) + "</style></head><body>\n<h1>";
    put_escaped(out, title);
    out += "</h1>\n<p class=\"headline\" id=\"headline\">";
    put_escaped(out, b.headline);
    out += "</p>\n";

    out += "<h2>总体情况</h2>\n";
    head(out, {"范围", "任务", "已完成", "序时推进", "滞后", "未启动", "指标", "未到期", "正常推进",
               "有风险", "未达标", "已完成", "逾期未报", "无数据"});
    out += "</tbody><tbody id=\"counts\">";
    counts_row(out, "全部", b.counts);
    out += "</tbody></table>\n";

    out += "<h2>分领域情况</h2>\n";
    head(out, {"领域", "任务", "已完成", "序时推进", "滞后", "未启动", "指标", "未到期", "正常推进",
               "有风险", "未达标", "已完成", "逾期未报", "无数据"});
    for (const auto& s : b.sections)
        counts_row(out, s.name.empty() ? "（未分领域）" : s.name, s.counts);
    out += "</tbody></table>\n";

    out += "<h2>单位报送与排名</h2>\n<p class=\"rule\">排名规则：";
    put_escaped(out, b.ranking_rule);
    out += "</p>\n";
    head(out, {"名次", "单位", "牵头指标", "应报", "按时", "迟报", "未报", "按时报送率", "已完成",
               "有风险", "未达标", "待审核", "被退回", b.scoring ? "得分" : ""});
    for (const auto& u : b.units) {
        out += "<tr class=\"unit\">";
        cell(out, u.rank ? std::to_string(u.rank) : "—", "n");
        cell(out, u.name);
        for (int n : {u.led, u.due, u.on_time, u.late, u.missing}) num(out, n);
        cell(out, percent_text(u.on_time_rate()), "n");
        for (int n : {u.achieved, u.at_risk, u.missed, u.awaiting_review, u.returned}) num(out, n);
        if (b.scoring) cell(out, u.score ? bulletin_number(*u.score) : "", "n");
        out += "</tr>";
    }
    out += "</tbody></table>\n";

    if (b.scoring) {
        out += "<h2>考评得分明细</h2>\n<table><thead><tr><th>单位</th><th>得分</th>";
        for (const auto& r : b.scoring->rules) {
            out += "<th>";
            put_escaped(out, std::string(score_words(r.on)) + "（" + bulletin_number(r.points) +
                                 "分/项" +
                                 (r.cap ? "，最多" + bulletin_number(*r.cap) + "分" : "") + "）");
            out += "</th>";
        }
        out += "</tr></thead><tbody>";
        for (const auto& u : b.units) {
            out += "<tr class=\"score\">";
            cell(out, u.name);
            cell(out, u.score ? bulletin_number(*u.score) : "", "n");
            for (const auto& l : u.breakdown)
                cell(out,
                     bulletin_number(l.count) + "项 " + bulletin_number(l.points) + "分" +
                         (l.capped ? "（封顶）" : ""),
                     "n");
            out += "</tr>";
        }
        out += "</tbody></table>\n";
    }

    out += "<h2>逾期未报送</h2>\n";
    if (b.overdue.empty())
        out += "<p>无。</p>\n";
    else {
        head(out, {"单位", "任务", "指标", "期别", "应报日", "逾期工作日", "逾期天数"});
        for (const auto& o : b.overdue) {
            out += "<tr class=\"overdue\">";
            cell(out, o.unit_name);
            num(out, o.task);
            cell(out, o.indicator_name);
            cell(out, o.period.label());
            cell(out, day_text(date::year_month_day{o.due_day}));
            num(out, o.working_days);
            num(out, o.calendar_days);
            out += "</tr>";
        }
        out += "</tbody></table>\n";
    }

    out += "<h2>未达标与有风险的目标</h2>\n";
    if (b.targets.empty())
        out += "<p>无。</p>\n";
    else {
        head(out, {"状态", "任务", "指标", "牵头单位", "期别", "数值", "目标", "序时进度", "原因"});
        for (const auto& t : b.targets) {
            out += "<tr class=\"target\">";
            cell(out, status_words(t.status), "s-" + std::string(to_string(t.status)));
            num(out, t.task);
            cell(out, t.indicator_name);
            cell(out, t.unit_name);
            cell(out, t.period ? t.period->label() : "");
            for (const auto& v : {t.value, t.target, t.expected})
                cell(out, v ? bulletin_number(*v) + t.measure : "", "n");
            cell(out, t.reason);
            out += "</tr>";
        }
        out += "</tbody></table>\n";
    }

    out += "<h2>工作任务进展</h2>\n";
    if (b.obligations.empty())
        out += "<p>无。</p>\n";
    else {
        head(out, {"任务", "牵头单位", "状态", "期别", "完成进度", "最新进展"});
        for (const auto& o : b.obligations) {
            out += "<tr class=\"obligation\">";
            num(out, o.task);
            cell(out, o.unit_name);
            cell(out, status_words(o.status), "s-" + std::string(to_string(o.status)));
            cell(out, o.period ? o.period->label() : "");
            cell(out, o.percent ? bulletin_number(*o.percent) + "%" : "", "n");
            cell(out, o.progress);
            out += "</tr>";
        }
        out += "</tbody></table>\n";
    }
    if (const auto& c = b.changes) {
        out += "<h2>与";
        put_escaped(out, day_text(c->since_day));
        out += "相比</h2>\n";
        head(out, {"变化", "单位", "任务", "指标", "期别"});
        const auto row = [&](std::string_view what, std::string_view cls, const std::string& unit,
                             int task, const std::string& indicator, const std::string& period) {
            out += "<tr class=\"change\">";
            cell(out, what, cls);
            cell(out, unit);
            num(out, task);
            cell(out, indicator);
            cell(out, period);
            out += "</tr>";
        };
        for (const auto& o : c->newly_overdue)
            row("新增逾期", "s-overdue", o.unit_name, o.task, o.indicator_name, o.period.label());
        for (const auto& o : c->newly_resolved)
            row("已补报", "s-on_track", o.unit_name, o.task, o.indicator_name, o.period.label());
        for (const auto& a : c->newly_achieved)
            row("新完成", "s-achieved", a.unit_name, a.task, a.indicator_name, "");
        out += "</tbody></table>\n";
    }
    out += "</body></html>\n";
    return out;
}

}  // namespace indicatord
