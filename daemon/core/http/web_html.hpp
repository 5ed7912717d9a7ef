#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "eval/evaluate.hpp"
#include "http/http_types.hpp"
#include "util/html_escape.hpp"

namespace indicatord {

/// The light a status shows (亮灯), docs/web.md.
enum class Light { green, yellow, red, grey };
/// "green", "yellow", "red", "grey" (CSS classes and filter values).
std::string_view to_string(Light light);
/// 绿灯, 黄灯, 红灯, 灰灯.
std::string_view light_words(Light light);

/// The mapping of `web.lights`, resolved once: status to light, and the "due soon" window.
class Lights {
  public:
    explicit Lights(const WebConfig& config);
    Light of(Status status) const { return by_status_[static_cast<std::size_t>(status)]; }
    const DayOffset& due_soon() const { return due_soon_; }

  private:
    Light by_status_[std::size(kAllStatuses)]{};
    DayOffset due_soon_;
};

/// `<span class="light red">红灯</span> <span class="status">逾期 overdue</span>`
void put_light(std::string& out, Light light, Status status);

/// What the page frame shows around a page's body.
struct PageFrame {
    std::string_view title;      ///< the page's name, in the <title> and its <h1>
    std::string_view nav;        ///< the tab it belongs to: board, desk, report, signin
    std::string_view plan_name;  ///< the plan's name, in the header
    std::string who;   ///< the signed-in unit's name (or 督查室 for admin), empty if none
    std::string csrf;  ///< the session's CSRF token (for the sign-out form), or empty
    std::string now;   ///< the daemon's clock in the plan's zone, "2023-04-10 09:00"
    /// Values awaiting the visitor's review (the 审核 tab and its count); nullopt: no such tab.
    std::optional<std::size_t> reviews{};
};

/// A whole page: the frame (header, navigation, sign-in state) around `body`, as a response with
/// the console's headers (Content-Security-Policy without inline scripts, no sniffing, no
/// framing, not cached).
HttpResponse html_page(unsigned status, const PageFrame& frame, std::string_view body);

/// A 303 to `location` (a path of this server).
HttpResponse see_other(std::string_view location);

/// The console's security headers (also on its static files).
void add_web_headers(HttpResponse& response);

}  // namespace indicatord
