#pragma once

#include <string>
#include <utility>
#include <vector>

namespace indicatord {

/// A request as the handlers see it: no socket, no Beast types.
struct HttpRequest {
    std::string method;
    std::string target;
    std::string content_type;
    std::string authorization;
    std::string body;
};

struct HttpResponse {
    unsigned status = 200;
    std::string content_type = "application/json";
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
};

/// {"error": message} with the status.
HttpResponse json_error(unsigned status, std::string_view message);

}  // namespace indicatord
