#include "util/magic.hpp"

#include <zip.h>

#include <algorithm>
#include <cctype>

namespace indicatord {

namespace {

constexpr std::string_view kPng = "\x89PNG\r\n\x1a\n";
constexpr std::string_view kZip = "PK\x03\x04";

// Whether the zip archive in `bytes` has an entry `name` (libzip, from memory).
bool zip_has(std::string_view bytes, const char* first, const char* second, bool& second_found) {
    zip_error_t error;
    zip_error_init(&error);
    zip_source_t* source = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &error);
    zip_t* zip = source ? zip_open_from_source(source, ZIP_RDONLY, &error) : nullptr;
    if (source && !zip) zip_source_free(source);
    zip_error_fini(&error);
    if (!zip) return false;
    const bool found = zip_name_locate(zip, first, 0) >= 0;
    second_found = zip_name_locate(zip, second, 0) >= 0;
    zip_discard(zip);
    return found;
}

}  // namespace

FileKind sniff_file(std::string_view b) {
    if (b.starts_with("%PDF-")) return {"application/pdf", "PDF"};
    if (b.starts_with(kPng)) return {"image/png", "PNG"};
    if (b.starts_with("\xFF\xD8\xFF")) return {"image/jpeg", "JPEG"};
    if (b.starts_with(kZip)) {
        bool docx = false;
        const bool xlsx = zip_has(b, "xl/workbook.xml", "word/document.xml", docx);
        if (xlsx)
            return {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"};
        if (docx)
            return {"application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                    "docx"};
    }
    return {};
}

std::string_view accepted_file_kinds() {
    return "PDF, PNG, JPEG, xlsx or docx";
}

std::string describe_unaccepted(std::string_view b) {
    if (b.empty()) return "an empty file";
    if (b.starts_with(kZip)) return "a zip archive that is not an xlsx or docx document";
    std::string head(b.substr(0, std::min<std::size_t>(b.size(), 512)));
    std::transform(head.begin(), head.end(), head.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    for (auto tag : {"<!doctype html", "<html", "<script", "<body", "<head"})
        if (head.find(tag) != std::string::npos) return "HTML";
    if (head.find("<svg") != std::string::npos) return "SVG";
    if (head.starts_with("\xd0\xcf\x11\xe0")) return "an old Office file (save it as xlsx or docx)";
    return "unknown content";
}

}  // namespace indicatord
