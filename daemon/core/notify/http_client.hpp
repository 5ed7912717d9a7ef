#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace indicatord::http_client {

struct Response {
    long status = 0;  ///< 0 when no HTTP response came back
    std::string
        reason;  ///< reason phrase of the status line ("Service Unavailable"); empty on HTTP/2
    /// headers of the final response, names in lower case (a repeated header keeps its last value)
    std::map<std::string, std::string> headers;
    std::string body;
    std::string error;       ///< transport error (connection refused, timeout...), empty otherwise
    int transport_code = 0;  ///< the CURLcode behind `error`; 0 when the transfer succeeded
};

/// One blocking HTTP(S) request over libcurl. Thread-safe (one easy handle per call, no
/// signals); redirects are not followed.
Response request(const std::string& method, const std::string& url, const std::string& body,
                 const std::vector<std::string>& headers,
                 std::chrono::milliseconds timeout = std::chrono::seconds(30));

}  // namespace indicatord::http_client
