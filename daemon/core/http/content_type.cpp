#include "http/content_type.hpp"

#include <boost/beast/http/rfc7230.hpp>

namespace indicatord {

namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

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

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

}  // namespace

std::optional<std::string> ContentType::param(std::string_view name) const {
    for (const auto& [k, v] : params)
        if (k == name) return v;
    return std::nullopt;
}

std::optional<ContentType> parse_content_type(std::string_view header) {
    const auto semi = header.find(';');
    const auto type = trim(header.substr(0, semi));
    const auto slash = type.find('/');
    if (slash == std::string_view::npos || !is_token(type.substr(0, slash)) ||
        !is_token(type.substr(slash + 1)))
        return std::nullopt;
    ContentType out{lower(type), {}};
    if (semi == std::string_view::npos) return out;
    for (const auto& [name, value] : boost::beast::http::param_list(header.substr(semi)))
        out.params.emplace_back(lower(name), std::string(value));
    return out;
}

}  // namespace indicatord
