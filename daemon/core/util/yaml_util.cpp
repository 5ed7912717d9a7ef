#include "util/yaml_util.hpp"

#include <sys/stat.h>
#include <yaml-cpp/exceptions.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <regex>
#include <unordered_map>

#include "util/errors.hpp"

namespace indicatord::yaml {

std::string where(const std::filesystem::path& file, const YAML::Mark& mark) {
    if (mark.is_null()) return file.string();
    return file.string() + ":" + std::to_string(mark.line + 1) + ":" +
           std::to_string(mark.column + 1);
}

std::string where(const std::filesystem::path& file, const Node& node) {
    return where(file, node.Mark());
}

void fail(const std::filesystem::path& file, const Node& node, std::string_view message) {
    throw ConfigError(where(file, node) + ": " + std::string(message));
}

namespace {

// An unquoted comparison operator as a value (`op: >=`) starts a YAML block scalar and fails
// to parse: name the fix.
std::string operator_hint(const std::string& text, const YAML::Mark& mark) {
    if (mark.is_null() || mark.line < 0) return {};
    std::size_t begin = 0;
    for (int line = 0; line < mark.line && begin != std::string::npos; ++line) {
        begin = text.find('\n', begin);
        if (begin != std::string::npos) ++begin;
    }
    if (begin == std::string::npos) return {};
    const auto end = text.find('\n', begin);
    const auto line = text.substr(begin, end == std::string::npos ? end : end - begin);
    static const std::regex unquoted(R"(^\s*(-\s+)?([A-Za-z_]+):\s+([<>]=?|==)\s*(#.*)?$)");
    std::smatch m;
    if (!std::regex_match(line, m, unquoted)) return {};
    return " (the operator must be quoted: write " + m[2].str() + ": \"" + m[3].str() + "\")";
}

}  // namespace

Document load_file(const std::filesystem::path& file) {
    // Read here, not by YAML::LoadFile: when reading fails after the open (a directory, EIO),
    // libstdc++ throws std::ios_base::failure from inside yaml-cpp's stream constructor, which
    // names no file and leaks the stream's 2 KB prefetch buffer.
    std::string text;
    {
        errno = 0;
        std::unique_ptr<std::FILE, int (*)(std::FILE*)> in(std::fopen(file.c_str(), "rb"),
                                                           &std::fclose);
        if (!in) throw ConfigError(file.string() + ": cannot read file: " + std::strerror(errno));
        // Sized once: grown by appends, a 16.7 MB plan was copied through every doubling, and
        // each new block's pages faulted in (costly on a VM).
        struct stat st {};
        if (::fstat(::fileno(in.get()), &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0)
            text.reserve(static_cast<std::size_t>(st.st_size));
        char buffer[1 << 16];
        std::size_t n = 0;
        while ((n = std::fread(buffer, 1, sizeof buffer, in.get())) > 0) text.append(buffer, n);
        if (std::ferror(in.get()))
            throw ConfigError(file.string() +
                              ": cannot read file: " + std::strerror(errno ? errno : EIO));
    }
    return parse(file, std::move(text));
}

Document parse(const std::filesystem::path& file, std::string text) {
    try {
        // Not moved: the text is needed again to name the fix of a syntax error (operator_hint).
        return Document::parse(std::string_view(text));
    } catch (const YAML::ParserException& e) {
        throw ConfigError(where(file, e.mark) + ": YAML syntax error: " + e.msg +
                          operator_hint(text, e.mark));
    }
}

void check_map(const std::filesystem::path& file, const Node& node, std::string_view what,
               std::initializer_list<std::string_view> allowed) {
    check_map(file, node, what, std::span<const std::string_view>(allowed.begin(), allowed.size()));
}

void check_map(const std::filesystem::path& file, const Node& node, std::string_view what,
               std::span<const std::string_view> allowed) {
    if (!node.IsMap()) fail(file, node, std::string(what) + " must be a mapping");
    // The mappings are small: a duplicate is looked for among the keys before, without a copy;
    // a large one (a hand-written list of many keys) uses a hash set.
    constexpr std::size_t kScan = 32;
    std::unordered_map<std::string_view, Node> seen;
    std::size_t n = 0;
    for (auto it = node.begin(); it != node.end(); ++it, ++n) {
        const auto key = it->first.scalar_view();
        bool known = false;
        for (auto a : allowed) known = known || a == key;
        if (!known) {
            std::string list;
            for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
            fail(file, it->first,
                 "unknown key '" + std::string(key) + "' in " + std::string(what) +
                     " (allowed: " + list + ")");
        }
        Node first;
        if (node.size() <= kScan) {
            for (auto before = node.begin(); before != it; ++before)
                if (before->first.scalar_view() == key) {
                    first = before->first;
                    break;
                }
        } else if (auto [at, inserted] = seen.emplace(key, it->first); !inserted) {
            first = at->second;
        }
        if (first) {
            fail(file, it->first,
                 "duplicate key '" + std::string(key) + "' in " + std::string(what) +
                     " (first at " + where(file, first) + ")");
        }
    }
}

std::string scalar(const std::filesystem::path& file, const Node& node, std::string_view what) {
    if (!node.IsScalar()) fail(file, node, std::string(what) + " must be a string");
    return std::string(node.scalar_view());
}

double number(const std::filesystem::path& file, const Node& node, std::string_view what) {
    if (node.IsScalar()) {
        const auto s = node.scalar_view();
        double v = 0;
        auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
        if (ec == std::errc{} && ptr == s.data() + s.size() && std::isfinite(v)) return v;
    }
    fail(file, node, std::string(what) + " must be a number");
}

long long integer(const std::filesystem::path& file, const Node& node, std::string_view what) {
    if (node.IsScalar()) {
        const auto s = node.scalar_view();
        long long v = 0;
        auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
        if (ec == std::errc{} && ptr == s.data() + s.size()) return v;
    }
    fail(file, node, std::string(what) + " must be an integer");
}

bool boolean(const std::filesystem::path& file, const Node& node, std::string_view what) {
    if (node.IsScalar()) {
        const auto s = node.scalar_view();
        if (s == "true") return true;
        if (s == "false") return false;
    }
    fail(file, node, std::string(what) + " must be true or false");
}

Node required(const std::filesystem::path& file, const Node& map, std::string_view key,
              std::string_view what) {
    auto n = map[key];
    if (!n)
        fail(file, map, std::string(what) + " is missing required key '" + std::string(key) + "'");
    return n;
}

}  // namespace indicatord::yaml
