#include "http/multipart.hpp"

#include <algorithm>
#include <boost/beast/http/rfc7230.hpp>
#include <boost/url/decode_view.hpp>
#include <boost/url/pct_string_view.hpp>
#include <cctype>

#include "util/ascii.hpp"

namespace indicatord {

namespace http = boost::beast::http;

namespace {

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

// `filename*=UTF-8''%E4%BD%90...` (RFC 5987): the UTF-8 text, or empty when malformed.
std::string ext_value(std::string_view v) {
    const auto q = v.find("''");
    if (q == std::string_view::npos || !iequals(v.substr(0, v.find('\'')), "utf-8")) return {};
    auto pct = boost::urls::make_pct_string_view(v.substr(q + 2));
    if (!pct) return {};
    std::string out;
    for (char c : pct->decode()) out.push_back(c);
    return out;
}

// The part's header block into `part`; an error text or empty.
std::string read_headers(std::string_view block, FormPart& part) {
    bool disposition = false;
    while (!block.empty()) {
        const auto eol = block.find("\r\n");
        const auto line = block.substr(0, eol);
        block = eol == std::string_view::npos ? std::string_view() : block.substr(eol + 2);
        const auto colon = line.find(':');
        if (colon == std::string_view::npos) return "a part's header line has no ':'";
        const auto name = trim_blanks(line.substr(0, colon));
        const auto value = trim_blanks(line.substr(colon + 1));
        if (iequals(name, "Content-Type")) {
            part.content_type = value;
        } else if (iequals(name, "Content-Disposition")) {
            const auto semi = value.find(';');
            if (!iequals(trim_blanks(value.substr(0, semi)), "form-data"))
                return "a part's Content-Disposition is not form-data";
            disposition = true;
            if (semi == std::string_view::npos) continue;
            std::string star;
            for (const auto& p : http::param_list(value.substr(semi))) {
                if (iequals(p.first, "name")) part.name = p.second;
                if (iequals(p.first, "filename")) {
                    part.filename = p.second;
                    part.is_file = true;
                }
                if (iequals(p.first, "filename*")) {
                    star = ext_value(p.second);
                    part.is_file = true;
                }
            }
            if (!star.empty()) part.filename = star;
        }
    }
    if (!disposition) return "a part has no Content-Disposition: form-data header";
    if (part.name.empty()) return "a part's Content-Disposition has no name";
    return {};
}

}  // namespace

std::variant<std::vector<FormPart>, std::string> parse_multipart(std::string_view body,
                                                                 std::string_view boundary) {
    if (boundary.empty() || boundary.size() > 70)
        return std::string("multipart/form-data needs a boundary parameter of 1 to 70 characters");
    const std::string delimiter = "--" + std::string(boundary);
    const std::string next = "\r\n" + delimiter;
    auto at = body.find(delimiter);
    if (at == std::string_view::npos)
        return "the body has no part delimited by the boundary '" + std::string(boundary) + "'";
    std::vector<FormPart> parts;
    auto rest = body.substr(at + delimiter.size());
    for (;;) {
        if (rest.starts_with("--")) return parts;  // the close delimiter
        const auto eol = rest.find("\r\n");
        if (eol == std::string_view::npos) break;
        rest = rest.substr(eol + 2);  // transport padding, then CRLF
        const auto head_end = rest.find("\r\n\r\n");
        std::string_view head;
        if (rest.starts_with("\r\n")) {
            rest = rest.substr(2);
        } else {
            if (head_end == std::string_view::npos) break;
            head = rest.substr(0, head_end);
            rest = rest.substr(head_end + 4);
        }
        const auto end = rest.find(next);
        if (end == std::string_view::npos) break;
        FormPart part;
        if (auto error = read_headers(head, part); !error.empty()) return error;
        part.body = rest.substr(0, end);
        parts.push_back(std::move(part));
        rest = rest.substr(end + next.size());
    }
    return std::string("the multipart body ends before its closing boundary");
}

}  // namespace indicatord
