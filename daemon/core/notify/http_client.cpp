#include "notify/http_client.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <mutex>

namespace indicatord::http_client {

namespace {

struct EasyDeleter {
    void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct ListDeleter {
    void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

size_t append(char* p, size_t size, size_t n, void* user) {
    static_cast<std::string*>(user)->append(p, size * n);
    return size * n;
}

std::string trim(std::string s) {
    const auto not_space = [](unsigned char c) { return !std::isspace(c); };
    s.erase(s.begin(), std::find_if(s.begin(), s.end(), not_space));
    s.erase(std::find_if(s.rbegin(), s.rend(), not_space).base(), s.end());
    return s;
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
        auto name = line.substr(0, colon);
        std::transform(name.begin(), name.end(), name.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        r.headers[name] = trim(line.substr(colon + 1));
    }
    return size * n;
}

}  // namespace

void init_libcurl() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

Response request(const std::string& method, const std::string& url, const std::string& body,
                 const std::vector<std::string>& headers, std::chrono::milliseconds timeout) {
    init_libcurl();
    Response r;
    std::unique_ptr<CURL, EasyDeleter> c(curl_easy_init());
    if (!c) {
        r.error = "curl_easy_init failed";
        r.transport_code = CURLE_FAILED_INIT;
        return r;
    }
    curl_slist* raw = nullptr;
    for (const auto& h : headers) raw = curl_slist_append(raw, h.c_str());
    raw = curl_slist_append(raw, "Expect:");
    std::unique_ptr<curl_slist, ListDeleter> list(raw);
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
