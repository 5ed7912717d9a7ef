#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace indicatord {

/// One file of daemon/web/ compiled into the binary (the source is generated at build time by
/// daemon/web/embed.cmake).
struct EmbeddedAsset {
    std::string_view name;  ///< "console.css"
    std::string_view body;
};

/// Every file of the console compiled into the binary.
std::span<const EmbeddedAsset> embedded_web_assets();

/// A console file to serve: its bytes and Content-Type.
struct WebAsset {
    std::string body;
    std::string content_type;
};

/// The file `name` of the console: read from `assets_dir` when given (so an office can restyle
/// the console without a rebuild), else the copy compiled in. Only the names compiled in are
/// served either way (no path from a request reaches the file system); nullopt for another name,
/// or for a file missing from `assets_dir` (its error names the path). Any thread.
std::optional<WebAsset> find_web_asset(std::string_view name,
                                       const std::optional<std::string>& assets_dir,
                                       std::string& error);

}  // namespace indicatord
