#pragma once

// A thin RAII wrapper over libcurl's handles, for its two users in the core: the HTTP client
// (http_client.cpp: webhooks, robots, Alertmanager) and SMTP (channels.cpp).

#include <curl/curl.h>

#include <memory>
#include <string>
#include <vector>

namespace indicatord::curl {

struct EasyCleanup {
    void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct ListFree {
    void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

/// An easy handle, cleaned up when it goes.
using Easy = std::unique_ptr<CURL, EasyCleanup>;
/// A string list (headers, SMTP recipients), freed when it goes.
using List = std::unique_ptr<curl_slist, ListFree>;

/// curl_global_init, once per process and thread-safely, then a new easy handle; null when
/// libcurl cannot make one.
Easy easy();

/// A list of `lines` in order; null when `lines` is empty or libcurl ran out of memory (`ok`
/// then tells which).
List list(const std::vector<std::string>& lines, bool* ok = nullptr);

}  // namespace indicatord::curl
