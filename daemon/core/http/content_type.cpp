#include "http/content_type.hpp"

#include <boost/beast/http/rfc7230.hpp>

#include "util/ascii.hpp"

namespace indicatord {

namespace {

// tchar of RFC 9110 section 5.6.2
bool is_token(std::string_view s) {
    constexpr std::string_view extra = "!#$%&'*+-.^_`|~";
    if (s.empty()) return false;
    for (char c : s)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              extra.find(c) != std::string_view::npos))
            return false;
    return true;
}

}  // namespace

std::optional<std::string> ContentType::param(std::string_view name) const {
    for (const auto& [k, v] : params)
        if (k == name) return v;
    return std::nullopt;
}

std::optional<ContentType> parse_content_type(std::string_view header) {
    const auto semi = header.find(';');
    const auto type = trim_blanks(header.substr(0, semi));
    const auto slash = type.find('/');
    if (slash == std::string_view::npos || !is_token(type.substr(0, slash)) ||
        !is_token(type.substr(slash + 1)))
        return std::nullopt;
    ContentType out{ascii_lower(type), {}};
    if (semi == std::string_view::npos) return out;
    for (const auto& [name, value] : boost::beast::http::param_list(header.substr(semi)))
        out.params.emplace_back(ascii_lower(name), std::string(value));
    return out;
}

}  // namespace indicatord
