// The bulletin as an Excel workbook through libxlsxwriter: one sheet per table, each with the
// title (plan and date) in row 1, a note in row 2, the header in row 3 (frozen) and the data
// from row 4; numbers are numbers, rates are numbers formatted as percents, statuses are
// coloured. The document's creation time is the bulletin's instant, so the bytes repeat.
#include <unistd.h>
#include <xlsxwriter.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <vector>

#include "report/bulletin_formats.hpp"

namespace indicatord {

namespace {

// A temporary file libxlsxwriter writes the workbook to (version 1.1.4 writes only to files),
// removed when done.
class TempFile {
  public:
    TempFile() {
        const char* dir = std::getenv("TMPDIR");
        path_ = std::string(dir && *dir ? dir : "/tmp") + "/indicatord-bulletin-XXXXXX";
        const int fd = ::mkstemp(path_.data());
        if (fd < 0)
            throw std::runtime_error("cannot create a temporary file for the .xlsx in " +
                                     path_.substr(0, path_.rfind('/')));
        ::close(fd);
    }
    ~TempFile() { ::unlink(path_.c_str()); }
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;
    const std::string& path() const { return path_; }

  private:
    std::string path_;
};

struct Formats {
    lxw_format* title;
    lxw_format* note;
    lxw_format* header;
    lxw_format* text;
    lxw_format* wrap;
    lxw_format* number;
    lxw_format* rate;
    lxw_format* status[std::size(kAllStatuses)];
    lxw_format* progress[std::size(kAllProgress)];
};

lxw_format* bordered(lxw_workbook* wb) {
    lxw_format* f = workbook_add_format(wb);
    format_set_border(f, LXW_BORDER_THIN);
    format_set_align(f, LXW_ALIGN_VERTICAL_TOP);
    return f;
}

lxw_format* coloured(lxw_workbook* wb, lxw_color_t colour) {
    lxw_format* f = bordered(wb);
    if (colour) format_set_bg_color(f, colour);
    return f;
}

Formats make_formats(lxw_workbook* wb) {
    Formats f{};
    f.title = workbook_add_format(wb);
    format_set_bold(f.title);
    format_set_font_size(f.title, 14);
    f.note = workbook_add_format(wb);
    format_set_text_wrap(f.note);
    format_set_align(f.note, LXW_ALIGN_VERTICAL_TOP);
    f.header = bordered(wb);
    format_set_bold(f.header);
    format_set_bg_color(f.header, 0xEEEEEE);
    format_set_text_wrap(f.header);
    f.text = bordered(wb);
    f.wrap = bordered(wb);
    format_set_text_wrap(f.wrap);
    f.number = bordered(wb);
    f.rate = bordered(wb);
    format_set_num_format(f.rate, "0.0%");
    for (auto s : kAllStatuses) {
        lxw_color_t c = 0;
        switch (s) {
            case Status::achieved:
                c = 0xD9EAD3;
                break;
            case Status::on_track:
                c = 0xE8F0FE;
                break;
            case Status::at_risk:
                c = 0xFFF2CC;
                break;
            case Status::missed:
            case Status::overdue:
                c = 0xF4CCCC;
                break;
            default:
                break;
        }
        f.status[static_cast<std::size_t>(s)] = coloured(wb, c);
    }
    f.progress[static_cast<std::size_t>(TaskProgress::completed)] = coloured(wb, 0xD9EAD3);
    f.progress[static_cast<std::size_t>(TaskProgress::on_schedule)] = coloured(wb, 0xE8F0FE);
    f.progress[static_cast<std::size_t>(TaskProgress::behind)] = coloured(wb, 0xF4CCCC);
    f.progress[static_cast<std::size_t>(TaskProgress::not_started)] = coloured(wb, 0);
    return f;
}

constexpr lxw_row_t kHeaderRow = 2;

// A sheet with its title, note, header and column widths; rows are written from kHeaderRow + 1.
class Sheet {
  public:
    Sheet(lxw_workbook* wb, const Formats& f, const Bulletin& b, const char* name,
          const std::vector<std::pair<std::string, double>>& columns, const std::string& note)
        : ws_(workbook_add_worksheet(wb, name)), f_(f) {
        const std::string title =
            b.plan_name + " 督查通报（截至" + day_text(b.as_of_day) + "）" + name;
        const auto last = static_cast<lxw_col_t>(columns.size() - 1);
        worksheet_merge_range(ws_, 0, 0, 0, last, title.c_str(), f.title);
        worksheet_set_row(ws_, 0, 22, nullptr);
        if (!note.empty()) {
            worksheet_merge_range(ws_, 1, 0, 1, last, note.c_str(), f.note);
            // a line of about 60 characters across the merged columns, 16 points each
            std::size_t chars = 0;
            for (const char c : note) chars += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
            worksheet_set_row(ws_, 1, 16.0 * static_cast<double>(1 + chars / 60), nullptr);
        }
        lxw_col_t c = 0;
        for (const auto& [head, width] : columns) {
            worksheet_set_column(ws_, c, c, width, nullptr);
            worksheet_write_string(ws_, kHeaderRow, c++, head.c_str(), f.header);
        }
        worksheet_freeze_panes(ws_, kHeaderRow + 1, 0);
    }
    void text(const std::string& s, lxw_format* fmt = nullptr) {
        worksheet_write_string(ws_, row_, col_++, s.c_str(), fmt ? fmt : f_.text);
    }
    void number(double v, lxw_format* fmt = nullptr) {
        worksheet_write_number(ws_, row_, col_++, v, fmt ? fmt : f_.number);
    }
    void number(const std::optional<double>& v, lxw_format* fmt = nullptr) {
        if (v)
            number(*v, fmt);
        else
            worksheet_write_blank(ws_, row_, col_++, fmt ? fmt : f_.number);
    }
    void next() {
        ++row_;
        col_ = 0;
    }

  private:
    lxw_worksheet* ws_;
    const Formats& f_;
    lxw_row_t row_ = kHeaderRow + 1;
    lxw_col_t col_ = 0;
};

void counts_row(Sheet& s, const Formats& f, const std::string& name, const BulletinCounts& c) {
    s.text(name);
    s.number(c.tasks);
    for (auto p : kAllProgress) s.number(c.of(p), f.progress[static_cast<std::size_t>(p)]);
    s.number(c.indicators);
    for (auto st : kAllStatuses) s.number(c.of(st), f.status[static_cast<std::size_t>(st)]);
    s.next();
}

const std::vector<std::pair<std::string, double>> kCountColumns = {
    {"范围", 28},  {"任务", 7},        {"已完成", 8},   {"序时推进", 9}, {"滞后", 7},
    {"未启动", 8}, {"指标", 7},        {"未到期", 8},   {"正常推进", 9}, {"有风险", 8},
    {"未达标", 8}, {"指标已完成", 11}, {"逾期未报", 9}, {"无数据", 8}};

void write_changes(lxw_workbook* wb, const Formats& f, const Bulletin& b) {
    const auto& c = *b.changes;
    Sheet s(wb, f, b, "变化", {{"变化", 10}, {"单位", 24}, {"任务", 7}, {"指标", 40}, {"期别", 10}},
            "与" + day_text(c.since_day) + "的通报相比：新增逾期未报送、已补报和新完成的目标。");
    const auto row = [&](const char* what, Status colour, const std::string& unit, int task,
                         const std::string& indicator, const std::string& period) {
        s.text(what, f.status[static_cast<std::size_t>(colour)]);
        s.text(unit);
        s.number(task);
        s.text(indicator);
        s.text(period);
        s.next();
    };
    for (const auto& o : c.newly_overdue)
        row("新增逾期", Status::overdue, o.unit_name, o.task, o.indicator_name, o.period.label());
    for (const auto& o : c.newly_resolved)
        row("已补报", Status::on_track, o.unit_name, o.task, o.indicator_name, o.period.label());
    for (const auto& a : c.newly_achieved)
        row("新完成", Status::achieved, a.unit_name, a.task, a.indicator_name, "");
}

void write(lxw_workbook* wb, const Bulletin& b) {
    const Formats f = make_formats(wb);
    {
        Sheet s(wb, f, b, "总体情况", kCountColumns, b.headline);
        counts_row(s, f, "全部", b.counts);
    }
    {
        Sheet s(wb, f, b, "分领域", kCountColumns, "");
        for (const auto& sec : b.sections)
            counts_row(s, f, sec.name.empty() ? "（未分领域）" : sec.name, sec.counts);
    }
    {
        std::vector<std::pair<std::string, double>> heads = {
            {"名次", 6},   {"单位", 24},    {"牵头指标", 9},    {"应报", 7},   {"按时", 7},
            {"迟报", 7},   {"未报", 7},     {"按时报送率", 11}, {"已完成", 8}, {"有风险", 8},
            {"未达标", 8}, {"逾期未报", 9}, {"待审核", 8},      {"被退回", 8}};
        if (b.scoring) heads.emplace_back("考评得分", 9);
        Sheet s(wb, f, b, "单位排名", heads, "排名规则：" + b.ranking_rule);
        for (const auto& u : b.units) {
            if (u.rank)
                s.number(u.rank);
            else
                s.text("—");
            s.text(u.name);
            for (int n : {u.led, u.due, u.on_time, u.late, u.missing}) s.number(n);
            s.number(u.on_time_rate(), f.rate);
            s.number(u.achieved,
                     u.achieved ? f.status[static_cast<std::size_t>(Status::achieved)] : nullptr);
            s.number(u.at_risk,
                     u.at_risk ? f.status[static_cast<std::size_t>(Status::at_risk)] : nullptr);
            s.number(u.missed,
                     u.missed ? f.status[static_cast<std::size_t>(Status::missed)] : nullptr);
            s.number(u.overdue,
                     u.overdue ? f.status[static_cast<std::size_t>(Status::overdue)] : nullptr);
            s.number(u.awaiting_review);
            s.number(u.returned);
            if (b.scoring) s.number(u.score);
            s.next();
        }
    }
    if (b.scoring) {
        // 考评: one column of points per rule, after the score; the counts in the next columns
        std::vector<std::pair<std::string, double>> heads = {
            {"名次", 6}, {"单位", 24}, {"得分", 8}};
        for (const auto& r : b.scoring->rules)
            heads.emplace_back(std::string(score_words(r.on)) + "得分", 11);
        for (const auto& r : b.scoring->rules)
            heads.emplace_back(std::string(score_words(r.on)) + "项数", 11);
        std::string note = "基础分" + bulletin_number(b.scoring->base) + "；";
        for (const auto& r : b.scoring->rules)
            note += std::string(score_words(r.on)) + "每项" + bulletin_number(r.points) + "分" +
                    (r.cap ? "（最多" + bulletin_number(*r.cap) + "分）" : "") + "；";
        Sheet s(wb, f, b, "考评", heads, note);
        for (const auto& u : b.units) {
            if (u.rank)
                s.number(u.rank);
            else
                s.text("—");
            s.text(u.name);
            s.number(u.score);
            for (const auto& l : u.breakdown)
                s.number(l.points,
                         l.capped ? f.status[static_cast<std::size_t>(Status::at_risk)] : nullptr);
            for (const auto& l : u.breakdown) s.number(l.count);
            s.next();
        }
    }
    {
        Sheet s(
            wb, f, b, "逾期未报",
            {{"单位", 24},
             {"任务", 7},
             {"指标", 40},
             {"期别", 10},
             {"应报日", 12},
             {"逾期工作日", 11},
             {"逾期天数", 9}},
            "截至通报日已过报送期限（应报日加宽限期）仍未报送的数据；逾期工作日按工作日历计算。");
        for (const auto& o : b.overdue) {
            s.text(o.unit_name);
            s.number(o.task);
            s.text(o.indicator_name);
            s.text(o.period.label());
            s.text(day_text(date::year_month_day{o.due_day}));
            s.number(o.working_days, f.status[static_cast<std::size_t>(Status::overdue)]);
            s.number(o.calendar_days);
            s.next();
        }
    }
    {
        Sheet s(wb, f, b, "目标预警",
                {{"状态", 9},
                 {"任务", 7},
                 {"指标", 36},
                 {"牵头单位", 20},
                 {"期别", 10},
                 {"数值", 9},
                 {"目标", 9},
                 {"序时进度", 9},
                 {"计量单位", 9},
                 {"原因", 60}},
                "未达标：最终值未达目标或期限已过；有风险：当前值未达目标或落后于序时进度。");
        for (const auto& t : b.targets) {
            s.text(std::string(status_words(t.status)),
                   f.status[static_cast<std::size_t>(t.status)]);
            s.number(t.task);
            s.text(t.indicator_name, f.wrap);
            s.text(t.unit_name);
            s.text(t.period ? t.period->label() : "");
            s.number(t.value);
            s.number(t.target);
            s.number(t.expected);
            s.text(t.measure);
            s.text(t.reason, f.wrap);
            s.next();
        }
    }
    {
        Sheet s(wb, f, b, "任务进展",
                {{"任务", 7},
                 {"牵头单位", 20},
                 {"指标", 36},
                 {"状态", 9},
                 {"期别", 10},
                 {"完成进度(%)", 11},
                 {"最新进展", 60}},
                "");
        for (const auto& o : b.obligations) {
            s.number(o.task);
            s.text(o.unit_name);
            s.text(o.indicator_name, f.wrap);
            s.text(std::string(status_words(o.status)),
                   f.status[static_cast<std::size_t>(o.status)]);
            s.text(o.period ? o.period->label() : "");
            s.number(o.percent);
            s.text(o.progress, f.wrap);
            s.next();
        }
    }
    if (b.changes) write_changes(wb, f, b);
}

}  // namespace

std::string bulletin_xlsx(const Bulletin& b) {
    TempFile file;
    lxw_workbook* wb = workbook_new(file.path().c_str());
    if (!wb) throw std::runtime_error("cannot start the .xlsx in " + file.path());
    std::string title = b.plan_name + " 督查通报（截至" + day_text(b.as_of_day) + "）";
    lxw_doc_properties props{};
    props.title = title.data();
    props.author = const_cast<char*>("indicatord");
    // the bulletin's instant, not the time of writing: a regenerated bulletin is the same file
    props.created = static_cast<time_t>(
        std::chrono::duration_cast<std::chrono::seconds>(b.as_of.time_since_epoch()).count());
    workbook_set_properties(wb, &props);
    write(wb, b);
    if (const lxw_error e = workbook_close(wb); e != LXW_NO_ERROR)
        throw std::runtime_error("cannot write the .xlsx: " + std::string(lxw_strerror(e)));
    std::ifstream in(file.path(), std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), {});
}

}  // namespace indicatord
