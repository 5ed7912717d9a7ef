// The bulletin as Markdown: the whole of it (`--format md`), and the short summary robots get.
#include <algorithm>

#include "report/bulletin_formats.hpp"

namespace indicatord {

namespace {

// Markdown table cells: no pipe or line break may end the cell early.
std::string md(std::string_view text) {
    std::string out;
    for (char c : text) {
        if (c == '|')
            out += "\\|";
        else if (c == '\n' || c == '\r')
            out += ' ';
        else
            out += c;
    }
    return out;
}

}  // namespace

std::string bulletin_markdown(const Bulletin& b) {
    std::string out = "# " + md(b.plan_name) + " 督查通报（截至" + day_text(b.as_of_day) + "）\n\n";
    out += md(b.headline) + "\n\n## 分领域情况\n\n";
    out += "| 领域 | 任务 | 已完成 | 序时推进 | 滞后 | 未启动 |\n|---|---:|---:|---:|---:|---:|\n";
    for (const auto& s : b.sections) {
        out += "| " + md(s.name.empty() ? "（未分领域）" : s.name) + " | " +
               std::to_string(s.counts.tasks);
        for (auto p : kAllProgress) out += " | " + std::to_string(s.counts.of(p));
        out += " |\n";
    }
    out += "\n## 单位报送与排名\n\n排名规则：" + md(b.ranking_rule) + "\n\n";
    out +=
        "| 名次 | 单位 | 牵头指标 | 应报 | 按时 | 迟报 | 未报 | 按时报送率 | 已完成 | 有风险 | "
        "未达标 | 待审核 | 被退回 |";
    out += b.scoring ? " 得分 |\n" : "\n";
    out += "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|";
    out += b.scoring ? "---:|\n" : "\n";
    for (const auto& u : b.units) {
        out += "| " + (u.rank ? std::to_string(u.rank) : "—") + " | " + md(u.name);
        for (int n : {u.led, u.due, u.on_time, u.late, u.missing}) out += " | " + std::to_string(n);
        out += " | " + percent_text(u.on_time_rate());
        for (int n : {u.achieved, u.at_risk, u.missed, u.awaiting_review, u.returned})
            out += " | " + std::to_string(n);
        if (u.score) out += " | " + bulletin_number(*u.score);
        out += " |\n";
    }
    out += "\n## 逾期未报送\n\n";
    if (b.overdue.empty()) out += "无。\n";
    for (const auto& o : b.overdue)
        out += "- " + md(o.unit_name) + "：" + md(o.indicator_name) + "（任务" +
               std::to_string(o.task) + "）" + o.period.label() + "，应报日" +
               day_text(date::year_month_day{o.due_day}) + "，逾期" +
               std::to_string(o.working_days) + "个工作日\n";
    out += "\n## 未达标与有风险的目标\n\n";
    if (b.targets.empty()) out += "无。\n";
    for (const auto& t : b.targets)
        out += "- 【" + std::string(status_words(t.status)) + "】" + md(t.indicator_name) + "（" +
               md(t.unit_name) + "，任务" + std::to_string(t.task) + "）：" + md(t.reason) + "\n";
    out += "\n## 工作任务进展\n\n";
    if (b.obligations.empty()) out += "无。\n";
    for (const auto& o : b.obligations)
        out += "- 任务" + std::to_string(o.task) + "（" + md(o.unit_name) + "）" +
               std::string(status_words(o.status)) +
               (o.percent ? "，" + o.period->label() + "完成" + bulletin_number(*o.percent) + "%"
                          : std::string("，尚未报送")) +
               (o.progress.empty() ? "" : "：" + md(o.progress)) + "\n";
    if (const auto& c = b.changes) {
        out += "\n## 与" + day_text(c->since_day) + "相比\n\n";
        for (const auto& o : c->newly_overdue)
            out += "- 新增逾期：" + md(o.unit_name) + "，" + md(o.indicator_name) + "（任务" +
                   std::to_string(o.task) + "）" + o.period.label() + "\n";
        for (const auto& o : c->newly_resolved)
            out += "- 已补报：" + md(o.unit_name) + "，" + md(o.indicator_name) + "（任务" +
                   std::to_string(o.task) + "）" + o.period.label() + "\n";
        for (const auto& a : c->newly_achieved)
            out += "- 新完成：" + md(a.unit_name) + "，" + md(a.indicator_name) + "（任务" +
                   std::to_string(a.task) + "）\n";
        if (c->newly_overdue.empty() && c->newly_resolved.empty() && c->newly_achieved.empty())
            out += "无变化。\n";
    }
    return out;
}

std::string bulletin_summary(const Bulletin& b, std::string_view link) {
    std::string out =
        "### " + md(b.plan_name) + " 督查通报（截至" + day_text(b.as_of_day) + "）\n\n";
    out += md(b.headline) + "\n\n";
    int top = 0;
    for (const auto& u : b.units)
        if (u.rank == 1) {
            out += (top++ ? "、" : "排名第一：") + md(u.name);
        }
    if (top) out += "\n\n";
    if (!b.overdue.empty()) {
        // the units with overdue reports, most working days overdue first, each once
        std::vector<std::string_view> names;
        for (const auto& o : b.overdue)
            if (std::find(names.begin(), names.end(), o.unit_name) == names.end())
                names.push_back(o.unit_name);
        out += "逾期未报送" + std::to_string(b.overdue.size()) + "期次，涉及" +
               std::to_string(names.size()) + "个单位：";
        for (std::size_t i = 0; i < names.size() && i < 5; ++i)
            out += (i ? "、" : "") + md(names[i]);
        out += names.size() > 5 ? "等\n\n" : "\n\n";
    }
    if (!link.empty()) out += "[查看通报](" + std::string(link) + ")\n";
    return out;
}

}  // namespace indicatord
