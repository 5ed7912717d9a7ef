#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace boost::json {
class value;
}

namespace indicatord {

/// A request as the handlers see it: no socket, no Beast types.
struct HttpRequest {
    std::string method;
    std::string target;
    std::string content_type;
    std::string authorization;
    std::string body;
    std::string cookie;          ///< the Cookie header (the web console's session)
    std::string remote_address;  ///< the client's IP address, for per-address limits
    std::string csrf;            ///< X-CSRF-Token: the console's script sends it with a file
};

struct HttpResponse {
    unsigned status = 200;
    /// Empty for application/json, the common case: the 16-character default would be a heap
    /// allocation for every response object, an error's included.
    std::string content_type;
    std::string_view media_type() const {
        return content_type.empty() ? std::string_view("application/json") : content_type;
    }
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
    /// Optional: the rest of the body, produced in parts after `body` and sent with chunked
    /// transfer encoding. Each call appends the next part and returns false after the last.
    std::function<bool(std::string&)> chunks;
};

/// {"error": message} with the status.
HttpResponse json_error(unsigned status, std::string_view message);
/// `v` as JSON (one line and a newline) with the status.
HttpResponse json_ok(const boost::json::value& v, unsigned status = 200);

}  // namespace indicatord
