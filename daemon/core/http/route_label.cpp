// Route templates for the request counters: a fixed table, matched segment by segment.
#include "http/route_label.hpp"

#include <array>

#include "http/service.hpp"

namespace indicatord {

namespace {

// Each template's segments; "{…}" matches any one non-empty segment.
constexpr std::array kRoutes = {
    std::string_view("/healthz"),
    std::string_view("/readyz"),
    std::string_view("/-/healthy"),
    std::string_view("/-/ready"),
    std::string_view("/metrics"),
    std::string_view("/-/reload"),
    std::string_view("/-/clock"),
    std::string_view("/api/v1/values"),
    std::string_view("/api/v1/indicators"),
    std::string_view("/api/v1/indicators/{key}"),
    std::string_view("/api/v1/indicators/{key}/values"),
    std::string_view("/api/v1/indicators/{key}/chase"),
    std::string_view("/api/v1/alerts"),
    std::string_view("/api/v1/alerts/{fingerprint}/ack"),
    std::string_view("/api/v1/silences"),
    std::string_view("/api/v1/silences/{id}"),
    std::string_view("/api/v1/bulletin"),
};

// The next segment of `s` after its leading '/', and `s` advanced past it.
std::string_view next_segment(std::string_view& s) {
    s.remove_prefix(1);
    const auto end = s.find('/');
    const auto seg = s.substr(0, end);
    s = end == std::string_view::npos ? std::string_view() : s.substr(end);
    return seg;
}

bool matches(std::string_view route, std::string_view path) {
    while (!route.empty() && !path.empty()) {
        const auto want = next_segment(route);
        const auto got = next_segment(path);
        if (want.starts_with('{') ? got.empty() : want != got) return false;
    }
    return route.empty() && path.empty();
}

}  // namespace

std::string_view route_label(std::string_view target) {
    const auto path = target.substr(0, target.find_first_of("?#"));
    if (path.empty() || path.front() != '/') return "other";
    for (auto route : kRoutes)
        if (matches(route, path)) return route;
    if (Service::web_path(path)) return "console";
    return "other";
}

}  // namespace indicatord
