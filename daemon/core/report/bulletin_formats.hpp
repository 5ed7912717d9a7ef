#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "report/bulletin.hpp"

namespace indicatord {

/// The formats of a bulletin (docs/bulletins.md).
enum class BulletinFormat { json, html, md, xlsx };
std::optional<BulletinFormat> parse_bulletin_format(std::string_view text);
std::string_view to_string(BulletinFormat format);
/// The HTTP Content-Type of a format.
std::string_view content_type(BulletinFormat format);
/// "督查通报-lishui-2023-2023-07-31.xlsx".
std::string bulletin_file_name(const Bulletin& bulletin, BulletinFormat format);

/// The bulletin in `format`; the same bulletin gives the same bytes. Throws std::runtime_error
/// when the .xlsx cannot be written (its temporary file).
std::string render_bulletin(const Bulletin& bulletin, BulletinFormat format);

/// JSON (schema in docs/bulletins.md), indented, ending in a newline. report/bulletin_json.cpp.
std::string bulletin_json(const Bulletin& bulletin);
/// A printable HTML page (A4 print stylesheet). report/bulletin_html.cpp.
std::string bulletin_html(const Bulletin& bulletin);
/// Markdown for people and robots: the whole bulletin. report/bulletin_md.cpp.
std::string bulletin_markdown(const Bulletin& bulletin);
/// A short Markdown summary for DingTalk, WeCom and Feishu robots: the headline, the counts
/// that need action and `link` when not empty. report/bulletin_md.cpp.
std::string bulletin_summary(const Bulletin& bulletin, std::string_view link);
/// An Excel workbook (libxlsxwriter): one sheet per table. report/bulletin_xlsx.cpp.
std::string bulletin_xlsx(const Bulletin& bulletin);

/// "2023-07-31".
std::string day_text(date::year_month_day day);
/// A rate as a percent with one decimal ("87.5%"), or "—" for none.
std::string percent_text(std::optional<double> rate);
/// A number in its shortest round-trip form ("4.9", "6").
std::string bulletin_number(double value);

}  // namespace indicatord
