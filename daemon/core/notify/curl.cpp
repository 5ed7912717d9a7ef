#include "notify/curl.hpp"

#include <mutex>

namespace indicatord::curl {

Easy easy() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    return Easy(curl_easy_init());
}

List list(const std::vector<std::string>& lines, bool* ok) {
    List head;
    for (const auto& line : lines) {
        // appends at the end and returns the head; null, the list untouched, when out of memory
        curl_slist* grown = curl_slist_append(head.get(), line.c_str());
        if (!grown) {
            if (ok) *ok = false;
            return {};
        }
        if (!head) head.reset(grown);
    }
    if (ok) *ok = true;
    return head;
}

}  // namespace indicatord::curl
