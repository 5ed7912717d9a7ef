// The console's static files: compiled in, or from web.assets_dir.
#include "http/web_assets.hpp"

#include <fstream>
#include <sstream>

namespace indicatord {

namespace {

std::string_view content_type_of(std::string_view name) {
    if (name.ends_with(".css")) return "text/css; charset=utf-8";
    if (name.ends_with(".js")) return "text/javascript; charset=utf-8";
    if (name.ends_with(".svg")) return "image/svg+xml";
    if (name.ends_with(".png")) return "image/png";
    return "application/octet-stream";
}

}  // namespace

std::optional<WebAsset> find_web_asset(std::string_view name,
                                       const std::optional<std::string>& assets_dir,
                                       std::string& error) {
    for (const auto& a : embedded_web_assets()) {
        if (a.name != name) continue;
        if (!assets_dir) return WebAsset{std::string(a.body), std::string(content_type_of(name))};
        const std::string path = *assets_dir + "/" + std::string(name);
        std::ifstream in(path, std::ios::binary);
        if (!in) {
            error = "web.assets_dir: cannot read " + path;
            return std::nullopt;
        }
        std::ostringstream s;
        s << in.rdbuf();
        return WebAsset{s.str(), std::string(content_type_of(name))};
    }
    error = "no such file of the console: '" + std::string(name) + "'";
    return std::nullopt;
}

}  // namespace indicatord
