#include "notify/mime.hpp"

#include <date/date.h>

#include <algorithm>
#include <cctype>
#include <locale>

#include "util/digest.hpp"
#include "util/utf8.hpp"

namespace indicatord::mime {

namespace {

constexpr std::size_t kLineLimit = 76;

/// RFC 2231 attr-char: ALPHA / DIGIT / "!" / "#" / "$" / "&" / "+" / "-" / "." / "^" / "_" /
/// "`" / "|" / "~"; every other byte is %XX. One token per character, its bytes together.
std::vector<std::string> percent_tokens(std::string_view value) {
    static constexpr std::string_view plain = "!#$&+-.^_`|~";
    static constexpr char hex[] = "0123456789ABCDEF";
    std::vector<std::string> out;
    for (char c : value) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x80 && (std::isalnum(u) || plain.find(c) != plain.npos))
            out.emplace_back(1, c);
        else if ((u & 0xC0) == 0x80 && !out.empty())  // a character stays in one section
            out.back() += std::string{'%', hex[u >> 4], hex[u & 15]};
        else
            out.push_back(std::string{'%', hex[u >> 4], hex[u & 15]});
    }
    return out;
}

}  // namespace

std::string without_crlf(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (char c : s)
        if (c != '\r' && c != '\n') out.push_back(c);
    return out;
}

bool is_ascii(std::string_view s) {
    return std::all_of(s.begin(), s.end(),
                       [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

bool is_dot_atom(std::string_view s) {
    static constexpr std::string_view special = "!#$%&'*+-/=?^_`{|}~";
    if (s.empty() || s.front() == '.' || s.back() == '.' || s.find("..") != s.npos) return false;
    return std::all_of(s.begin(), s.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u < 0x80 && (std::isalnum(u) || c == '.' || special.find(c) != special.npos);
    });
}

std::vector<std::string> encoded_words(std::string_view text, std::size_t first_bytes,
                                       std::size_t max_bytes) {
    std::vector<std::string> words;
    std::size_t budget = first_bytes;
    while (!text.empty()) {
        auto chunk = utf8_prefix(text, budget);
        if (chunk.empty()) chunk = text.substr(0, 1);
        words.push_back("=?UTF-8?B?" + base64(chunk) + "?=");
        text.remove_prefix(chunk.size());
        budget = max_bytes;
    }
    return words;
}

std::string fold_header(std::string_view name, const std::vector<std::string>& tokens) {
    std::string out(name);
    out += ':';
    std::size_t line = out.size();
    for (const auto& t : tokens) {
        if (line + 1 + t.size() > kLineLimit && line > 0) {
            out += "\r\n";
            line = 0;
        }
        out += ' ';
        out += t;
        line += 1 + t.size();
    }
    out += "\r\n";
    return out;
}

std::string text_header(std::string_view name, std::string_view value) {
    const auto v = without_crlf(value);
    if (is_ascii(v)) return std::string(name) + ": " + v + "\r\n";
    return fold_header(name, encoded_words(v, 39, 39));
}

std::string crlf_text(std::string_view text) {
    std::string out;
    out.reserve(text.size() + text.size() / 32 + 2);
    for (char c : text) {
        if (c == '\r') continue;
        if (c == '\n') out += '\r';
        out += c;
    }
    if (!out.ends_with("\r\n")) out += "\r\n";
    return out;
}

std::string base64_lines(std::string_view bytes) {
    const auto encoded = base64(bytes);
    std::string out;
    out.reserve(encoded.size() + encoded.size() / kLineLimit * 2 + 2);
    for (std::size_t i = 0; i < encoded.size(); i += kLineLimit) {
        out.append(encoded, i, kLineLimit);
        out += "\r\n";
    }
    return out;
}

std::string rfc5322_date(TimePoint t) {
    return date::format(std::locale::classic(), "%a, %d %b %Y %T %z",
                        std::chrono::floor<std::chrono::seconds>(t));
}

std::string rfc2231_parameter(std::string_view attribute, std::string_view value) {
    constexpr std::size_t kChunk = 60;
    const auto tokens = percent_tokens(without_crlf(value));
    std::string whole = "UTF-8''";
    for (const auto& t : tokens) whole += t;
    if (whole.size() <= kChunk) return std::string(attribute) + "*=" + whole;
    std::vector<std::string> chunks{"UTF-8''"};
    for (const auto& t : tokens) {
        if (chunks.back().size() + t.size() > kChunk) chunks.emplace_back();
        chunks.back() += t;
    }
    std::string out;
    for (std::size_t i = 0; i < chunks.size(); ++i) {
        if (i) out += ";\r\n ";
        out += std::string(attribute) + "*" + std::to_string(i) + "*=" + chunks[i];
    }
    return out;
}

}  // namespace indicatord::mime
