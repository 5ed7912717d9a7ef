#include "report/bulletin_formats.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace indicatord {

std::optional<BulletinFormat> parse_bulletin_format(std::string_view text) {
    for (auto f :
         {BulletinFormat::json, BulletinFormat::html, BulletinFormat::md, BulletinFormat::xlsx})
        if (to_string(f) == text) return f;
    return std::nullopt;
}

std::string_view to_string(BulletinFormat f) {
    switch (f) {
        case BulletinFormat::json:
            return "json";
        case BulletinFormat::html:
            return "html";
        case BulletinFormat::md:
            return "md";
        case BulletinFormat::xlsx:
            return "xlsx";
    }
    return "";
}

std::string_view content_type(BulletinFormat f) {
    switch (f) {
        case BulletinFormat::json:
            return "application/json";
        case BulletinFormat::html:
            return "text/html; charset=utf-8";
        case BulletinFormat::md:
            return "text/markdown; charset=utf-8";
        case BulletinFormat::xlsx:
            return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    }
    return "application/octet-stream";
}

std::string bulletin_file_name(const Bulletin& b, BulletinFormat f) {
    return "督查通报-" + b.plan_id + "-" + day_text(b.as_of_day) + "." + std::string(to_string(f));
}

std::string render_bulletin(const Bulletin& b, BulletinFormat f) {
    switch (f) {
        case BulletinFormat::json:
            return bulletin_json(b);
        case BulletinFormat::html:
            return bulletin_html(b);
        case BulletinFormat::md:
            return bulletin_markdown(b);
        case BulletinFormat::xlsx:
            return bulletin_xlsx(b);
    }
    return {};
}

std::string day_text(date::year_month_day d) {
    return date::format("%F", d);
}

std::string percent_text(std::optional<double> rate) {
    if (!rate) return "—";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f%%", std::round(*rate * 1000) / 10);
    return buf;
}

std::string bulletin_number(double value) {
    char buf[32];
    auto [p, ec] = std::to_chars(buf, buf + sizeof buf, value);
    return ec == std::errc{} ? std::string(buf, p) : std::string("?");
}

}  // namespace indicatord
