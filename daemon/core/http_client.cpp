#include "http_client.hpp"

#include <curl/curl.h>

#include <memory>
#include <mutex>

namespace indicatord::http_client {

namespace {

void init_once() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

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

}  // namespace

Response request(const std::string& method, const std::string& url, const std::string& body,
                 const std::vector<std::string>& headers, std::chrono::milliseconds timeout) {
    init_once();
    Response r;
    std::unique_ptr<CURL, EasyDeleter> c(curl_easy_init());
    if (!c) {
        r.error = "curl_easy_init failed";
        return r;
    }
    curl_slist* raw = nullptr;
    for (const auto& h : headers) raw = curl_slist_append(raw, h.c_str());
    raw = curl_slist_append(raw, "Expect:");
    std::unique_ptr<curl_slist, ListDeleter> list(raw);
    curl_easy_setopt(c.get(), CURLOPT_URL, url.c_str());
    curl_easy_setopt(c.get(), CURLOPT_CUSTOMREQUEST, method.c_str());
    if (!body.empty() || method == "POST") {
        curl_easy_setopt(c.get(), CURLOPT_POSTFIELDS, body.data());
        curl_easy_setopt(c.get(), CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    }
    curl_easy_setopt(c.get(), CURLOPT_HTTPHEADER, list.get());
    curl_easy_setopt(c.get(), CURLOPT_WRITEFUNCTION, append);
    curl_easy_setopt(c.get(), CURLOPT_WRITEDATA, &r.body);
    curl_easy_setopt(c.get(), CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
    curl_easy_setopt(c.get(), CURLOPT_NOSIGNAL, 1L);
    const auto rc = curl_easy_perform(c.get());
    if (rc != CURLE_OK) {
        r.error = curl_easy_strerror(rc);
        return r;
    }
    curl_easy_getinfo(c.get(), CURLINFO_RESPONSE_CODE, &r.status);
    return r;
}

}  // namespace indicatord::http_client
