#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace indicatord::http_client {

struct Response {
    long status = 0;     ///< 0 when no HTTP response came back
    std::string body;
    std::string error;   ///< transport error (connection refused, timeout...), empty otherwise
};

/// One blocking HTTP(S) request over libcurl (curl_global_init runs once, thread-safely).
Response request(const std::string& method, const std::string& url, const std::string& body,
                 const std::vector<std::string>& headers,
                 std::chrono::milliseconds timeout = std::chrono::seconds(30));

}  // namespace indicatord::http_client
