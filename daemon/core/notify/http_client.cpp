#include "notify/http_client.hpp"

#include <algorithm>
#include <cctype>

#include "notify/curl.hpp"
#include "util/ascii.hpp"

namespace indicatord::http_client {

namespace {

size_t append(char* p, size_t size, size_t n, void* user) {
    static_cast<std::string*>(user)->append(p, size * n);
    return size * n;
}

std::string trim(std::string_view s) {
    return std::string(trim_blanks(s, " \t\r\n"));
}

/// Header lines of every response arrive here (interim 1xx ones too): a status line starts a new
/// response, so the reason and headers kept are those of the last one.
size_t on_header(char* p, size_t size, size_t n, void* user) {
    auto& r = *static_cast<Response*>(user);
    const std::string line(p, size * n);
    if (line.rfind("HTTP/", 0) == 0) {
        r.headers.clear();
        r.reason.clear();
        // "HTTP/1.1 503 Service Unavailable\r\n"
        const auto code = line.find(' ');
        const auto text = code == std::string::npos ? code : line.find(' ', code + 1);
        if (text != std::string::npos) r.reason = trim(line.substr(text + 1));
        return size * n;
    }
    const auto colon = line.find(':');
    if (colon != std::string::npos) {
        r.headers[ascii_lower(line.substr(0, colon))] = trim(line.substr(colon + 1));
    }
    return size * n;
}

}  // namespace

Response request(const std::string& method, const std::string& url, const std::string& body,
                 const std::vector<std::string>& headers, std::chrono::milliseconds timeout) {
    Response r;
    auto lines = headers;
    lines.emplace_back("Expect:");  // no "100 Continue" round trip before a large body
    bool listed = false;
    const auto list = curl::list(lines, &listed);
    const auto c = curl::easy();
    if (!c || !listed) {
        r.error = c ? "out of memory for the request's headers" : "curl_easy_init failed";
        r.transport_code = c ? CURLE_OUT_OF_MEMORY : CURLE_FAILED_INIT;
        return r;
    }
    char errbuf[CURL_ERROR_SIZE] = {};
    curl_easy_setopt(c.get(), CURLOPT_URL, url.c_str());
    curl_easy_setopt(c.get(), CURLOPT_CUSTOMREQUEST, method.c_str());
    if (!body.empty() || method == "POST") {
        curl_easy_setopt(c.get(), CURLOPT_POSTFIELDS, body.data());
        curl_easy_setopt(c.get(), CURLOPT_POSTFIELDSIZE_LARGE,
                         static_cast<curl_off_t>(body.size()));
    }
    curl_easy_setopt(c.get(), CURLOPT_HTTPHEADER, list.get());
    curl_easy_setopt(c.get(), CURLOPT_WRITEFUNCTION, append);
    curl_easy_setopt(c.get(), CURLOPT_WRITEDATA, &r.body);
    curl_easy_setopt(c.get(), CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c.get(), CURLOPT_HEADERDATA, &r);
    curl_easy_setopt(c.get(), CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(c.get(), CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
    curl_easy_setopt(c.get(), CURLOPT_NOSIGNAL, 1L);
    const auto rc = curl_easy_perform(c.get());
    if (rc != CURLE_OK) {
        r.error = errbuf[0] ? errbuf : curl_easy_strerror(rc);
        r.transport_code = rc;
        r.status = 0;
        return r;
    }
    curl_easy_getinfo(c.get(), CURLINFO_RESPONSE_CODE, &r.status);
    return r;
}

}  // namespace indicatord::http_client
