#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "eval/ingest.hpp"
#include "model/clock.hpp"
#include "model/plan.hpp"
#include "util/xlsx.hpp"

namespace indicatord {

/// The text encoding of an uploaded CSV file. `gbk` is decoded as GB18030, its superset.
enum class CsvEncoding { detect, utf8, gbk };

/// "auto" or "detect", "utf-8" or "utf8", "gbk", "gb18030" or "gb2312" (any case); nullopt
/// otherwise.
std::optional<CsvEncoding> parse_encoding(std::string_view name);

/// Converts to UTF-8 and strips a leading byte order mark. `detect`: valid UTF-8 is kept as it
/// is, anything else is decoded as GB18030 (glibc iconv). Returns nullopt and sets `error`
/// (naming the byte offset and line) if the bytes are not valid in the chosen encoding.
std::optional<std::string> to_utf8(std::string_view bytes, CsvEncoding encoding,
                                   std::string& error);

/// One row of a values CSV file.
struct CsvValue {
    IngestItem item;       ///< item.reported_at from the optional reported_at column
    std::size_t line = 0;  ///< 1-based physical line where the row starts
};

/// A parsed CSV file: all rows valid, or `error`/`row_errors` say why not (nothing to store).
struct CsvBatch {
    std::vector<CsvValue> values;
    std::string error;  ///< the file as a whole is wrong (encoding, header, quoting, size)
    std::vector<IngestError> row_errors;  ///< per bad row, `index` = its line; empty if `error`
    bool ok() const { return error.empty() && row_errors.empty(); }
};

/// Parses a values CSV file (libcsv, RFC 4180 quoting). The first non-empty row is a header
/// naming the columns in any order, case-insensitive: indicator (指标, 指标名称, 指标代码),
/// period (期间, 周期, 报告期), value (数值, 值), and optionally note (备注, 说明) and
/// reported_at (报送时间). The indicator cell is a key or an indicator's name. Every row is
/// checked as check_value() and check_report_time() check a JSON item; rows whose cells are
/// all empty are skipped. At most kMaxBatchItems rows.
CsvBatch parse_values_csv(std::string_view bytes, const Plan& plan, CsvEncoding encoding,
                          const ReportTime& when);

/// Parses the first sheet of an Excel .xlsx workbook (util/xlsx) as parse_values_csv parses a
/// file: the same header names, checks and all-or-nothing result, each row's `line` being its
/// row number in the sheet. Cells are read as Excel stores them: a period must be text
/// ("2023-05", "2023-Q1"), not a date Excel converted.
CsvBatch parse_values_xlsx(std::string_view bytes, const Plan& plan, const ReportTime& when);

/// The rows of a sheet as CSV text (every field quoted, libcsv): row N of the sheet on line N,
/// blank lines for the rows it skips, so that parse_values_csv names the sheet's row numbers
/// (while no cell holds a line break).
std::string sheet_to_csv(const std::vector<SheetRow>& rows);

}  // namespace indicatord
