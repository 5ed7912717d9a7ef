#include "eval/csv_import.hpp"

#include <csv.h>
#include <iconv.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <stdexcept>
#include <system_error>
#include <unordered_map>

#include "util/ascii.hpp"
#include "util/utf8.hpp"

namespace indicatord {

namespace {

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";
constexpr std::string_view kIdeographicSpace = "\xE3\x80\x80";  // U+3000, the full-width space
constexpr std::size_t kMaxNoteBytes = 4000;                     // as for JSON

/// 1-based line of the byte at `offset`; CR LF, LF and a lone CR each end a line.
std::size_t line_at(std::string_view text, std::size_t offset) {
    std::size_t line = 1;
    for (std::size_t i = 0; i < offset && i < text.size(); ++i)
        if (text[i] == '\n' || (text[i] == '\r' && (i + 1 == text.size() || text[i + 1] != '\n')))
            ++line;
    return line;
}

/// "byte 0xB2 at offset 57 (line 3)"; offsets count from 0, as hex dumps do.
std::string where(std::string_view bytes, std::size_t offset) {
    char hex[8];
    std::snprintf(hex, sizeof hex, "0x%02X", static_cast<unsigned char>(bytes[offset]));
    return std::string("byte ") + hex + " at offset " + std::to_string(offset) + " (line " +
           std::to_string(line_at(bytes, offset)) + ")";
}

/// Decodes GB18030 (a superset of GBK and GB2312) to UTF-8 with glibc iconv. On failure returns
/// nullopt with `bad` at the first byte that is not GB18030.
std::optional<std::string> gb18030_to_utf8(std::string_view in, std::size_t& bad) {
    iconv_t cd = iconv_open("UTF-8", "GB18030");
    if (cd == reinterpret_cast<iconv_t>(-1))
        throw std::system_error(errno, std::generic_category(), "iconv_open(UTF-8, GB18030)");
    struct Close {
        iconv_t cd;
        ~Close() { iconv_close(cd); }
    } close{cd};

    std::string out(in.size() + in.size() / 2 + 4, '\0');  // 2 bytes become at most 3
    char* src = const_cast<char*>(in.data());              // iconv does not write to it
    std::size_t src_left = in.size();
    char* dst = out.data();
    std::size_t dst_left = out.size();
    while (src_left > 0) {
        if (iconv(cd, &src, &src_left, &dst, &dst_left) != static_cast<std::size_t>(-1)) break;
        if (errno != E2BIG) {  // EILSEQ, or EINVAL: a character cut off at the end
            bad = static_cast<std::size_t>(src - in.data());
            return std::nullopt;
        }
        const auto used = static_cast<std::size_t>(dst - out.data());
        out.resize(out.size() * 2);
        dst = out.data() + used;
        dst_left = out.size() - used;
    }
    out.resize(static_cast<std::size_t>(dst - out.data()));
    return out;
}

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/// Strips ASCII white space and full-width spaces from both ends.
std::string_view trim(std::string_view s) {
    for (;;) {
        if (!s.empty() && is_space(s.front()))
            s.remove_prefix(1);
        else if (s.starts_with(kIdeographicSpace))
            s.remove_prefix(kIdeographicSpace.size());
        else
            break;
    }
    for (;;) {
        if (!s.empty() && is_space(s.back()))
            s.remove_suffix(1);
        else if (s.ends_with(kIdeographicSpace))
            s.remove_suffix(kIdeographicSpace.size());
        else
            break;
    }
    return s;
}

/// Whether libcsv skips this physical line between rows (only spaces, tabs and line ends).
bool blank(std::string_view line) {
    for (char c : line)
        if (!is_space(c)) return false;
    return true;
}

enum class Column { indicator, period, value, note, reported_at, unnamed };
constexpr std::size_t kColumns = 5;  // named ones
constexpr std::array<std::string_view, kColumns> kColumnNames = {"indicator", "period", "value",
                                                                 "note", "reported_at"};
constexpr std::array<std::string_view, kColumns> kColumnHints = {"指标", "期间", "数值", "备注",
                                                                 "报送时间"};

std::optional<Column> column_named(std::string_view lower) {
    static constexpr std::pair<std::string_view, Column> names[] = {
        {"indicator", Column::indicator},
        {"指标", Column::indicator},
        {"指标名称", Column::indicator},
        {"指标代码", Column::indicator},
        {"period", Column::period},
        {"期间", Column::period},
        {"周期", Column::period},
        {"报告期", Column::period},
        {"value", Column::value},
        {"数值", Column::value},
        {"值", Column::value},
        {"note", Column::note},
        {"备注", Column::note},
        {"说明", Column::note},
        {"reported_at", Column::reported_at},
        {"报送时间", Column::reported_at},
    };
    for (const auto& [name, column] : names)
        if (name == lower) return column;
    return std::nullopt;
}

/// Parses a value cell: a plain decimal number (exponent allowed), no '%', no separators.
std::optional<double> parse_number(std::string_view cell, std::string& reason) {
    const auto text = trim(cell);
    const std::string quoted = "'" + std::string(text) + "'";
    if (text.empty()) {
        reason = "value is empty";
        return std::nullopt;
    }
    if (text.find('%') != std::string_view::npos || text.find("％") != std::string_view::npos) {
        reason = "value " + quoted + " must be a plain number: leave out the '%'";
        return std::nullopt;
    }
    if (text.find(',') != std::string_view::npos) {
        reason = "value " + quoted + " must be a plain number: leave out the thousands separators";
        return std::nullopt;
    }
    double number = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (ec == std::errc::result_out_of_range) {
        reason = "value " + quoted + " is out of range";
        return std::nullopt;
    }
    if (ec != std::errc() || end != text.data() + text.size()) {
        reason = "value " + quoted + " is not a number";
        return std::nullopt;
    }
    return number;
}

/// A libcsv parser (RAII).
class CsvParser {
  public:
    explicit CsvParser(unsigned char options) {
        if (csv_init(&parser_, options) != 0) throw std::runtime_error("csv_init failed");
    }
    ~CsvParser() { csv_free(&parser_); }
    CsvParser(const CsvParser&) = delete;
    CsvParser& operator=(const CsvParser&) = delete;
    csv_parser* get() { return &parser_; }

  private:
    csv_parser parser_{};
};

/// Reads the rows of one file into a batch. libcsv is fed one physical line at a time, so the
/// line where each row starts is known even when quoted fields span lines.
class Reader {
  public:
    Reader(const Plan& plan, const ReportTime& when, CsvBatch& batch)
        : plan_(plan), when_(when), zone_(plan_zone(plan)), batch_(batch) {
        for (std::size_t i = 0; i < plan.indicators.size(); ++i) {
            const auto& ind = plan.indicators[i];
            if (!ind.name.empty() && ind.name != ind.key) by_name_[ind.name].push_back(i);
        }
    }

    void read(std::string_view text) {
        CsvParser parser(CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL);
        std::size_t pos = 0;
        while (pos < text.size() && !stop_) {
            std::size_t end = text.find_first_of("\r\n", pos);
            if (end == std::string_view::npos)
                end = text.size();
            else
                end += text.compare(end, 2, "\r\n") == 0 ? 2 : 1;
            const auto chunk = text.substr(pos, end - pos);
            ++line_;
            if (!in_row_ && !blank(chunk)) {
                in_row_ = true;
                row_line_ = line_;
            }
            const std::size_t used =
                csv_parse(parser.get(), chunk.data(), chunk.size(), on_field, on_row, this);
            if (used != chunk.size()) {
                const int status = csv_error(parser.get());
                fail_file("line " + std::to_string(line_) + ": " +
                          (status == CSV_EPARSE
                               ? std::string("stray '\"' in a field (put the whole field in double "
                                             "quotes and double the quotes inside it)")
                               : std::string(csv_strerror(status))));
                return;
            }
            pos = end;
        }
        if (stop_) return;
        if (csv_fini(parser.get(), on_field, on_row, this) != 0) {
            fail_file("line " + std::to_string(row_line_) +
                      ": a quoted field is not closed (missing '\"')");
            return;
        }
        finish();
    }

    /// The rows of a spreadsheet, each numbered as the sheet shows it.
    void read(const std::vector<SheetRow>& rows) {
        sheet_ = true;
        for (const auto& row : rows) {
            if (stop_) return;
            row_line_ = row.number;
            fields_ = row.cells;
            row_ended();
            fields_.clear();
        }
        finish();
    }

  private:
    void finish() {
        if (stop_) return;
        if (!have_header_)
            fail_file("the file is empty (expected a header row: indicator,period,value)");
        else if (rows_ == 0)
            fail_file("the file has a header but no values");
    }

    static void on_field(void* data, std::size_t size, void* self) {
        auto& reader = *static_cast<Reader*>(self);
        if (reader.stop_) return;
        reader.fields_.emplace_back(data ? static_cast<const char*>(data) : "", data ? size : 0);
    }

    static void on_row(int /*terminator*/, void* self) {
        auto& reader = *static_cast<Reader*>(self);
        reader.in_row_ = false;
        if (!reader.stop_) reader.row_ended();
        reader.fields_.clear();
    }

    void fail_file(std::string error) {
        batch_.error = std::move(error);
        stop_ = true;
    }

    void row_ended() {
        bool empty = true;
        for (const auto& f : fields_) empty = empty && trim(f).empty();
        if (empty) return;  // a blank line, or only separators (",,,")
        if (!have_header_)
            read_header();
        else
            read_row();
    }

    void read_header() {
        columns_.assign(fields_.size(), Column::unnamed);
        std::array<std::size_t, kColumns> at{};  // 1-based position of each column, 0 if absent
        std::string unknown;
        std::size_t unknowns = 0;
        for (std::size_t i = 0; i < fields_.size(); ++i) {
            const auto name = trim(fields_[i]);
            if (name.empty()) continue;  // tolerated while its cells are empty
            const auto column = column_named(ascii_lower(name));
            if (!column) {
                unknown += (unknowns++ ? ", '" : "'") + std::string(name) + "'";
                continue;
            }
            const auto c = static_cast<std::size_t>(*column);
            if (at[c] != 0) {
                fail_file("columns " + std::to_string(at[c]) + " ('" +
                          std::string(trim(fields_[at[c] - 1])) + "') and " +
                          std::to_string(i + 1) + " ('" + std::string(name) + "') are both the " +
                          std::string(kColumnNames[c]) + " column");
                return;
            }
            at[c] = i + 1;
            columns_[i] = *column;
        }
        if (fields_.size() == 1 && fields_[0].find_first_of(";\t") != std::string::npos) {
            fail_file("the header is one column '" + std::string(trim(fields_[0])) +
                      "': separate the columns with commas");
            return;
        }
        if (!unknown.empty()) {
            std::string known, hints;
            for (std::size_t c = 0; c < kColumns; ++c) {
                known += (c ? ", " : "") + std::string(kColumnNames[c]);
                hints += (c ? ", " : "") + std::string(kColumnHints[c]);
            }
            fail_file("unknown column" + std::string(unknowns > 1 ? "s " : " ") + unknown +
                      " (columns are " + known + ", or " + hints + ")");
            return;
        }
        std::string missing;
        std::size_t count = 0;
        for (auto c : {Column::indicator, Column::period, Column::value}) {
            const auto i = static_cast<std::size_t>(c);
            if (at[i] != 0) continue;
            missing += (count++ ? ", " : " ") + std::string(kColumnNames[i]) + " (" +
                       std::string(kColumnHints[i]) + ")";
        }
        if (count) {
            fail_file("missing column" + std::string(count > 1 ? "s" : "") + missing);
            return;
        }
        have_header_ = true;
    }

    void read_row() {
        const std::size_t line = row_line_;
        if (++rows_ > kMaxBatchItems) {
            fail_file("too many rows (more than " + std::to_string(kMaxBatchItems) +
                      " in one file)");
            return;
        }
        auto fail = [&](std::string reason) {
            batch_.row_errors.push_back({line, std::move(reason)});
        };
        // a sheet's row may stop before the header's last column, or hold empty cells past it
        if (sheet_) fields_.resize(std::max(fields_.size(), columns_.size()));
        if (fields_.size() != columns_.size()) {
            fail("has " + std::to_string(fields_.size()) + " fields but the header has " +
                 std::to_string(columns_.size()) +
                 (fields_.size() > columns_.size()
                      ? " (a field with a comma in it must be in double quotes)"
                      : ""));
            return;
        }
        std::array<std::string_view, kColumns> cell{};
        for (std::size_t i = 0; i < fields_.size(); ++i) {
            if (columns_[i] != Column::unnamed) {
                cell[static_cast<std::size_t>(columns_[i])] = fields_[i];
            } else if (!trim(fields_[i]).empty()) {
                fail("column " + std::to_string(i + 1) + " has a value but no name in the header");
                return;
            }
        }
        const auto cell_of = [&](Column c) { return cell[static_cast<std::size_t>(c)]; };

        std::string key(trim(cell_of(Column::indicator)));
        if (key.empty()) {
            fail("indicator is empty");
            return;
        }
        if (plan_.index_of(key) < 0) {
            if (auto it = by_name_.find(key); it != by_name_.end()) {
                if (it->second.size() > 1) {
                    std::string keys;
                    for (auto i : it->second)
                        keys += (keys.empty() ? "" : ", ") + plan_.indicators[i].key;
                    fail("indicator name '" + key + "' is ambiguous (" + keys + "): give the key");
                    return;
                }
                key = plan_.indicators[it->second.front()].key;
            }
        }
        std::string reason;
        const auto number = parse_number(cell_of(Column::value), reason);
        if (!number) {
            fail(std::move(reason));
            return;
        }
        const auto note = cell_of(Column::note);
        if (note.size() > kMaxNoteBytes) {
            fail("note is longer than " + std::to_string(kMaxNoteBytes) + " bytes");
            return;
        }
        CsvValue value;
        if (const auto at = trim(cell_of(Column::reported_at)); !at.empty()) {
            value.item.reported_at = parse_instant(at);
            if (!value.item.reported_at) {
                fail("reported_at '" + std::string(at) +
                     "' is not an RFC 3339 time like 2023-07-15T09:00:00+08:00");
                return;
            }
        }
        reason = check_value(plan_, key, trim(cell_of(Column::period)), *number, value.item);
        if (reason.empty()) reason = check_report_time(plan_, value.item, when_, zone_);
        if (!reason.empty()) {
            fail(std::move(reason));
            return;
        }
        value.item.note = note;
        value.line = line;
        batch_.values.push_back(std::move(value));
    }

    const Plan& plan_;
    const ReportTime& when_;
    const date::time_zone* zone_;
    CsvBatch& batch_;
    std::unordered_map<std::string, std::vector<std::size_t>>
        by_name_;                      ///< indicator name → indexes
    std::vector<std::string> fields_;  ///< of the row being read
    std::vector<Column> columns_;      ///< from the header
    bool have_header_ = false;
    bool sheet_ = false;  ///< rows from a spreadsheet: lines are its row numbers
    bool stop_ = false;
    bool in_row_ = false;
    std::size_t line_ = 0;      ///< physical line being fed to libcsv
    std::size_t row_line_ = 0;  ///< line where the current row started
    std::size_t rows_ = 0;
};

}  // namespace

std::optional<CsvEncoding> parse_encoding(std::string_view name) {
    const auto n = ascii_lower(trim(name));
    if (n == "auto" || n == "detect") return CsvEncoding::detect;
    if (n == "utf-8" || n == "utf8") return CsvEncoding::utf8;
    if (n == "gbk" || n == "gb18030" || n == "gb2312") return CsvEncoding::gbk;
    return std::nullopt;
}

std::optional<std::string> to_utf8(std::string_view bytes, CsvEncoding encoding,
                                   std::string& error) {
    if (bytes.starts_with("\xFF\xFE") || bytes.starts_with("\xFE\xFF")) {
        error = "the file is UTF-16 (Excel \"Unicode Text\"): save it as \"CSV UTF-8\" or \"CSV\"";
        return std::nullopt;
    }
    const bool bom = bytes.starts_with(kUtf8Bom);
    std::optional<std::size_t> bad_utf8;
    if (encoding != CsvEncoding::gbk) {
        const auto body = bom ? bytes.substr(kUtf8Bom.size()) : bytes;
        bad_utf8 = invalid_utf8_at(body);
        if (!bad_utf8) return std::string(body);
        *bad_utf8 += bom ? kUtf8Bom.size() : 0;
        if (encoding == CsvEncoding::utf8 || bom) {  // a byte order mark says UTF-8 too
            error = "not valid UTF-8: " + where(bytes, *bad_utf8);
            return std::nullopt;
        }
    } else if (bom) {
        error = "the file starts with a UTF-8 byte order mark but its encoding was given as GBK";
        return std::nullopt;
    }
    std::size_t bad = 0;
    auto text = gb18030_to_utf8(bytes, bad);
    if (!text) {
        error = bad_utf8 ? "neither UTF-8 (" + where(bytes, *bad_utf8) + ") nor GBK/GB18030 (" +
                               where(bytes, bad) + ")"
                         : "not valid GBK/GB18030: " + where(bytes, bad);
        return std::nullopt;
    }
    if (std::string_view(*text).starts_with(kUtf8Bom))
        text->erase(0, kUtf8Bom.size());  // GB18030 BOM
    return text;
}

CsvBatch parse_values_csv(std::string_view bytes, const Plan& plan, CsvEncoding encoding,
                          const ReportTime& when) {
    CsvBatch batch;
    const auto text = to_utf8(bytes, encoding, batch.error);
    if (!text) return batch;
    Reader(plan, when, batch).read(*text);
    if (!batch.error.empty()) batch.row_errors.clear();
    if (!batch.ok()) batch.values.clear();
    return batch;
}

CsvBatch parse_values_xlsx(std::string_view bytes, const Plan& plan, const ReportTime& when) {
    CsvBatch batch;
    try {
        const auto rows = read_first_sheet(bytes, {.max_rows = kMaxBatchItems + 1000});
        Reader(plan, when, batch).read(rows);
    } catch (const XlsxError& e) {
        batch.error = e.what();
    }
    if (!batch.error.empty()) batch.row_errors.clear();
    if (!batch.ok()) batch.values.clear();
    return batch;
}

std::string sheet_to_csv(const std::vector<SheetRow>& rows) {
    std::string out;
    std::size_t line = 1;
    std::string quoted;
    for (const auto& row : rows) {
        for (; line < row.number; ++line) out += "\r\n";
        for (std::size_t i = 0; i < row.cells.size(); ++i) {
            if (i) out += ',';
            const auto& cell = row.cells[i];
            quoted.resize(cell.size() * 2 + 2);
            quoted.resize(csv_write(quoted.data(), quoted.size(), cell.data(), cell.size()));
            out += quoted;
        }
        out += "\r\n";
        ++line;
    }
    return out;
}

}  // namespace indicatord
