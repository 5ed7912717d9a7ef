#pragma once
// Reading the first sheet of an Excel .xlsx workbook: a thin wrapper over libzip (the workbook is
// a zip of XML parts) and expat (the XML). Cells come back as the text Excel stores: numbers in
// their stored form ("6.1"), shared and inline strings as written, booleans as "TRUE"/"FALSE",
// a formula's cached result. Styles are not read: a date typed into a cell is its serial number.
#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace indicatord {

/// The workbook cannot be read: not a zip, a part missing, XML not well-formed, too large.
struct XlsxError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// One row of a sheet that has at least one cell: its number as Excel shows it (1-based) and its
/// cells from column A, empty strings where a cell is absent.
struct SheetRow {
    std::size_t number = 0;
    std::vector<std::string> cells;
};

/// The media type of .xlsx files.
inline constexpr std::string_view kXlsxMediaType =
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Limits on what one workbook may unpack to (a zip bomb stops here, not in memory).
struct XlsxLimits {
    std::size_t max_part_bytes = 64u << 20;  ///< uncompressed size of one XML part
    std::size_t max_rows = 100000;
    std::size_t max_columns = 256;
};

/// The rows of the workbook's first sheet (in the workbook's sheet order). Throws XlsxError
/// with a message a clerk can act on.
std::vector<SheetRow> read_first_sheet(std::string_view bytes, const XlsxLimits& limits = {});

}  // namespace indicatord
