#pragma once

#include <string_view>

namespace indicatord {

/// The route a request target belongs to, for indicatord_http_requests_total{route}: the path's
/// template with its variable parts named ("/api/v1/indicators/{key}/values"), "console" for the
/// web console's pages (counted by page in indicatord_web_requests_total), "other" for anything
/// else. A bounded set whatever clients send, so the label cannot grow without limit.
std::string_view route_label(std::string_view target);

}  // namespace indicatord
