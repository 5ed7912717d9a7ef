#include "util/xlsx.hpp"

#include <expat.h>
#include <zip.h>

#include <charconv>
#include <memory>
#include <optional>

namespace indicatord {

namespace {

/// An opened zip archive over a buffer (libzip), read-only.
class Archive {
  public:
    Archive(std::string_view bytes, std::size_t max_part_bytes) : max_part_(max_part_bytes) {
        zip_error_t error;
        zip_error_init(&error);
        zip_source_t* source = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &error);
        if (source) {
            zip_ = zip_open_from_source(source, ZIP_RDONLY, &error);
            if (!zip_) zip_source_free(source);
        }
        const bool failed = !zip_;
        zip_error_fini(&error);
        if (failed)
            throw XlsxError(
                "the file is not an Excel .xlsx workbook (not a zip archive; an old .xls file must "
                "be saved as .xlsx, or as CSV)");
    }
    ~Archive() { zip_discard(zip_); }
    Archive(const Archive&) = delete;
    Archive& operator=(const Archive&) = delete;

    /// The part's bytes, or nullopt when the archive has no such part.
    std::optional<std::string> part(const std::string& name) const {
        zip_stat_t st;
        zip_stat_init(&st);
        if (zip_stat(zip_, name.c_str(), ZIP_FL_NOCASE, &st) != 0) return std::nullopt;
        if (!(st.valid & ZIP_STAT_SIZE) || st.size > max_part_)
            throw XlsxError("part '" + name + "' of the workbook is larger than " +
                            std::to_string(max_part_ >> 20) + " MiB unpacked");
        std::unique_ptr<zip_file_t, int (*)(zip_file_t*)> file(
            zip_fopen(zip_, name.c_str(), ZIP_FL_NOCASE), zip_fclose);
        if (!file) throw XlsxError("part '" + name + "' of the workbook cannot be opened");
        std::string out(static_cast<std::size_t>(st.size), '\0');
        std::size_t have = 0;
        while (have < out.size()) {
            const auto n = zip_fread(file.get(), out.data() + have, out.size() - have);
            if (n <= 0) throw XlsxError("part '" + name + "' of the workbook is damaged");
            have += static_cast<std::size_t>(n);
        }
        return out;
    }

  private:
    zip_t* zip_ = nullptr;
    std::size_t max_part_;
};

/// The local part of an XML name ("x:row" -> "row").
std::string_view local(const XML_Char* name) {
    std::string_view n(name);
    const auto colon = n.rfind(':');
    return colon == std::string_view::npos ? n : n.substr(colon + 1);
}

const XML_Char* attribute(const XML_Char** attrs, std::string_view name) {
    for (std::size_t i = 0; attrs[i]; i += 2)
        if (local(attrs[i]) == name) return attrs[i + 1];
    return nullptr;
}

/// Parses one XML part with expat, calling the handler's start(name, attrs), end(name) and
/// text(chars). Throws XlsxError naming the part and line when it is not well-formed.
template <class Handler>
void parse_xml(const std::string& part_name, const std::string& xml, Handler& handler) {
    std::unique_ptr<std::remove_pointer_t<XML_Parser>, void (*)(XML_Parser)> parser(
        XML_ParserCreate("UTF-8"), XML_ParserFree);
    if (!parser) throw XlsxError("out of memory reading the workbook");
    XML_SetUserData(parser.get(), &handler);
    XML_SetElementHandler(
        parser.get(),
        [](void* h, const XML_Char* name, const XML_Char** attrs) {
            static_cast<Handler*>(h)->start(local(name), attrs);
        },
        [](void* h, const XML_Char* name) { static_cast<Handler*>(h)->end(local(name)); });
    XML_SetCharacterDataHandler(parser.get(), [](void* h, const XML_Char* s, int len) {
        static_cast<Handler*>(h)->text(std::string_view(s, static_cast<std::size_t>(len)));
    });
    if (XML_Parse(parser.get(), xml.data(), static_cast<int>(xml.size()), 1) != XML_STATUS_OK)
        throw XlsxError("part '" + part_name + "' of the workbook is not well-formed XML (line " +
                        std::to_string(XML_GetCurrentLineNumber(parser.get())) +
                        "): " + XML_ErrorString(XML_GetErrorCode(parser.get())));
    handler.finish();
}

/// `_rels/….rels`: each relationship's id, type and target.
struct Relationships {
    struct Rel {
        std::string id, type, target;
    };
    std::vector<Rel> rels;
    void start(std::string_view name, const XML_Char** attrs) {
        if (name != "Relationship") return;
        Rel r;
        if (auto v = attribute(attrs, "Id")) r.id = v;
        if (auto v = attribute(attrs, "Type")) r.type = v;
        if (auto v = attribute(attrs, "Target")) r.target = v;
        rels.push_back(std::move(r));
    }
    void end(std::string_view) {}
    void text(std::string_view) {}
    void finish() {}
};

/// A relationship's target as a part name: relative to `folder` ("xl/"), or absolute ("/xl/…");
/// "." and ".." segments resolved.
std::string resolve(std::string_view folder, std::string_view target) {
    const std::string joined = target.starts_with('/') ? std::string(target.substr(1))
                                                       : std::string(folder) + std::string(target);
    std::vector<std::string_view> segments;
    std::string_view rest(joined);
    while (!rest.empty()) {
        const auto slash = rest.find('/');
        const auto seg = rest.substr(0, slash);
        if (seg == "..") {
            if (!segments.empty()) segments.pop_back();
        } else if (!seg.empty() && seg != ".") {
            segments.push_back(seg);
        }
        rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
    }
    std::string path;
    for (auto seg : segments) path += (path.empty() ? "" : "/") + std::string(seg);
    return path;
}

/// `workbook.xml`: the relationship id of the first sheet.
struct Workbook {
    std::string first_sheet_rel;
    void start(std::string_view name, const XML_Char** attrs) {
        if (name != "sheet" || !first_sheet_rel.empty()) return;
        if (auto v = attribute(attrs, "id")) first_sheet_rel = v;
    }
    void end(std::string_view) {}
    void text(std::string_view) {}
    void finish() {}
};

/// `sharedStrings.xml`: each `si`'s text (its `t` runs; phonetic `rPh` runs left out).
struct SharedStrings {
    std::vector<std::string> strings;
    std::size_t max_bytes;
    std::size_t bytes = 0;
    bool in_si = false, in_t = false;
    int in_phonetic = 0;
    void start(std::string_view name, const XML_Char**) {
        if (name == "si") {
            in_si = true;
            strings.emplace_back();
        } else if (name == "rPh") {
            ++in_phonetic;
        } else if (name == "t" && in_si && !in_phonetic) {
            in_t = true;
        }
    }
    void end(std::string_view name) {
        if (name == "si")
            in_si = false;
        else if (name == "rPh")
            --in_phonetic;
        else if (name == "t")
            in_t = false;
    }
    void text(std::string_view s) {
        if (!in_t) return;
        if ((bytes += s.size()) > max_bytes) throw XlsxError("the workbook's strings are too long");
        strings.back() += s;
    }
    void finish() {}
};

/// "C12" -> column 2 (0-based); nullopt when the reference has no letters.
std::optional<std::size_t> column_of(std::string_view ref) {
    std::size_t col = 0, letters = 0;
    for (char c : ref) {
        if (c >= 'A' && c <= 'Z') {
            col = col * 26 + static_cast<std::size_t>(c - 'A' + 1);
            if (++letters > 3) return std::nullopt;
        } else {
            break;
        }
    }
    if (!letters) return std::nullopt;
    return col - 1;
}

/// A worksheet's rows, cells resolved against the shared strings.
struct Sheet {
    const std::vector<std::string>& shared;
    const XlsxLimits& limits;
    std::vector<SheetRow> rows;
    // the cell being read
    std::string type, value;
    std::size_t column = 0, next_column = 0;
    bool in_cell = false, capture = false, in_inline = false;
    int in_phonetic = 0;

    void start(std::string_view name, const XML_Char** attrs) {
        if (name == "row") {
            std::size_t number = rows.empty() ? 1 : rows.back().number + 1;
            if (auto r = attribute(attrs, "r")) {
                std::string_view s(r);
                std::from_chars(s.data(), s.data() + s.size(), number);
            }
            if (rows.size() >= limits.max_rows)
                throw XlsxError("the sheet has more than " + std::to_string(limits.max_rows) +
                                " rows");
            rows.push_back({number, {}});
            next_column = 0;
        } else if (name == "c" && !rows.empty()) {
            in_cell = true;
            value.clear();
            type.clear();
            if (auto t = attribute(attrs, "t")) type = t;
            column = next_column;
            if (auto r = attribute(attrs, "r"))
                if (auto c = column_of(r)) column = *c;
            if (column >= limits.max_columns)
                throw XlsxError("row " + std::to_string(rows.back().number) +
                                " has a cell beyond column " + std::to_string(limits.max_columns));
            next_column = column + 1;
        } else if (in_cell && name == "v") {
            capture = true;
        } else if (in_cell && name == "is") {
            in_inline = true;
        } else if (in_inline && name == "rPh") {
            ++in_phonetic;
        } else if (in_inline && name == "t" && !in_phonetic) {
            capture = true;
        }
    }
    void end(std::string_view name) {
        if (name == "v" || name == "t") {
            capture = false;
        } else if (name == "rPh" && in_phonetic) {
            --in_phonetic;
        } else if (name == "is") {
            in_inline = false;
        } else if (name == "c" && in_cell) {
            in_cell = false;
            put();
        }
    }
    void text(std::string_view s) {
        if (!capture) return;
        if (value.size() + s.size() > 32767)  // Excel's own limit of a cell
            throw XlsxError("a cell of row " + std::to_string(rows.back().number) +
                            " is longer than Excel allows");
        value += s;
    }
    void put() {
        std::string text;
        if (type == "s") {
            std::size_t i = 0;
            auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), i);
            if (ec != std::errc{} || i >= shared.size())
                throw XlsxError("row " + std::to_string(rows.back().number) +
                                " refers to a shared string the workbook does not have");
            text = shared[i];
        } else if (type == "b") {
            text = value == "1" ? "TRUE" : "FALSE";
        } else {
            text = std::move(value);  // n, str (a formula's result), inlineStr, e ("#DIV/0!")
        }
        auto& cells = rows.back().cells;
        if (text.empty()) return;
        if (cells.size() <= column) cells.resize(column + 1);
        cells[column] = std::move(text);
    }
    void finish() {
        std::erase_if(rows, [](const SheetRow& r) { return r.cells.empty(); });
    }
};

}  // namespace

std::vector<SheetRow> read_first_sheet(std::string_view bytes, const XlsxLimits& limits) {
    Archive zip(bytes, limits.max_part_bytes);

    std::string workbook_part = "xl/workbook.xml";
    if (auto rels = zip.part("_rels/.rels")) {
        Relationships r;
        parse_xml("_rels/.rels", *rels, r);
        for (const auto& rel : r.rels)
            if (rel.type.ends_with("/officeDocument")) workbook_part = resolve("", rel.target);
    }
    const auto folder = workbook_part.substr(0, workbook_part.rfind('/') + 1);
    const auto workbook_xml = zip.part(workbook_part);
    if (!workbook_xml)
        throw XlsxError("the file is a zip archive but not an Excel workbook (no " + workbook_part +
                        ")");
    Workbook book;
    parse_xml(workbook_part, *workbook_xml, book);

    // the first sheet's part and the shared strings, through the workbook's relationships
    std::string sheet_part, strings_part;
    const auto rels_part = folder + "_rels/" + workbook_part.substr(folder.size()) + ".rels";
    if (auto rels_xml = zip.part(rels_part)) {
        Relationships r;
        parse_xml(rels_part, *rels_xml, r);
        for (const auto& rel : r.rels) {
            if (rel.id == book.first_sheet_rel && !book.first_sheet_rel.empty())
                sheet_part = resolve(folder, rel.target);
            if (rel.type.ends_with("/sharedStrings")) strings_part = resolve(folder, rel.target);
        }
    }
    if (sheet_part.empty()) throw XlsxError("the workbook has no sheet");

    SharedStrings strings{{}, limits.max_part_bytes};
    if (!strings_part.empty())
        if (auto xml = zip.part(strings_part)) parse_xml(strings_part, *xml, strings);

    const auto sheet_xml = zip.part(sheet_part);
    if (!sheet_xml) throw XlsxError("the workbook's first sheet (" + sheet_part + ") is missing");
    Sheet sheet{strings.strings, limits, {}, {}, {}};
    parse_xml(sheet_part, *sheet_xml, sheet);
    return std::move(sheet.rows);
}

}  // namespace indicatord
