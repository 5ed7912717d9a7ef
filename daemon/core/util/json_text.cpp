#include "util/json_text.hpp"

#include <boost/json.hpp>
#include <charconv>
#include <cmath>

namespace indicatord {

namespace {

void write(std::string& out, const boost::json::value& v, bool pretty, int depth) {
    auto newline = [&](int d) {
        if (!pretty) return;
        out.push_back('\n');
        out.append(static_cast<std::size_t>(d) * 2, ' ');
    };
    switch (v.kind()) {
        case boost::json::kind::object: {
            const auto& o = v.get_object();
            out.push_back('{');
            bool first = true;
            for (const auto& kv : o) {
                if (!first) out.push_back(',');
                newline(depth + 1);
                out += boost::json::serialize(boost::json::string_view(kv.key()));
                out += pretty ? ": " : ":";
                write(out, kv.value(), pretty, depth + 1);
                first = false;
            }
            if (!o.empty()) newline(depth);
            out.push_back('}');
            break;
        }
        case boost::json::kind::array: {
            const auto& a = v.get_array();
            out.push_back('[');
            bool first = true;
            for (const auto& x : a) {
                if (!first) out.push_back(',');
                newline(depth + 1);
                write(out, x, pretty, depth + 1);
                first = false;
            }
            if (!a.empty()) newline(depth);
            out.push_back(']');
            break;
        }
        case boost::json::kind::double_: {
            const double d = v.get_double();
            if (!std::isfinite(d)) {
                out += "null";
                break;
            }
            char buf[32];
            auto [p, ec] = std::to_chars(buf, buf + sizeof buf, d);
            out.append(buf, p);
            break;
        }
        default:
            out += boost::json::serialize(v);
    }
}

}  // namespace

std::string valid_utf8(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    std::size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        std::size_t len = c < 0x80           ? 1
                          : (c >> 5) == 0x6  ? 2
                          : (c >> 4) == 0xE  ? 3
                          : (c >> 3) == 0x1E ? 4
                                             : 0;
        bool ok = len > 0 && i + len <= s.size();
        for (std::size_t k = 1; ok && k < len; ++k)
            ok = (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
        if (ok && len > 1) {
            // no overlong forms, surrogates or code points past U+10FFFF
            std::uint32_t cp = c & (0x7F >> len);
            for (std::size_t k = 1; k < len; ++k)
                cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
            static constexpr std::uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
            ok = cp >= min[len] && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF);
        }
        if (ok) {
            out.append(s.substr(i, len));
            i += len;
        } else {
            out += "\xEF\xBF\xBD";
            ++i;
        }
    }
    return out;
}

std::string json_text(const boost::json::value& value, bool pretty) {
    std::string out;
    write(out, value, pretty, 0);
    return out;
}

}  // namespace indicatord
