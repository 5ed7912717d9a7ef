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

std::string json_text(const boost::json::value& value, bool pretty) {
    std::string out;
    write(out, value, pretty, 0);
    return out;
}

}  // namespace indicatord
