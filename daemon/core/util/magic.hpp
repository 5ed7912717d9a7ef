#pragma once

#include <string>
#include <string_view>

namespace indicatord {

/// The kinds of evidence file (佐证材料) accepted, told by their bytes, never by their name.
struct FileKind {
    std::string_view media_type;  ///< "application/pdf"
    std::string_view label;       ///< "PDF"
};

/// What `bytes` are: PDF (`%PDF-`), PNG (its 8-byte signature), JPEG (`FF D8 FF`), or an Office
/// Open XML document (a zip archive holding `xl/workbook.xml`: xlsx; `word/document.xml`: docx,
/// opened with libzip). nullopt-like empty media_type for anything else.
FileKind sniff_file(std::string_view bytes);

/// The accepted kinds in words, for error messages: "PDF, PNG, JPEG, xlsx or docx".
std::string_view accepted_file_kinds();

/// A short description of what unaccepted bytes look like ("HTML", "a zip archive that is not
/// an xlsx or docx document", "unknown content"), for the refusal.
std::string describe_unaccepted(std::string_view bytes);

}  // namespace indicatord
