#pragma once

#include <date/date.h>

#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "alerts/alerts.hpp"
#include "config/config.hpp"
#include "eval/engine.hpp"
#include "http/web_html.hpp"
#include "http/web_session.hpp"

namespace indicatord {

/// What the console keeps between requests: its sessions, the failed sign-ins per address and
/// the light mapping. Owned by Service; event loop thread only.
struct WebState {
    explicit WebState(const WebConfig& config) : lights(config) {}
    WebSessions sessions;
    SignInLimiter limiter;
    Lights lights;
};

/// Who is looking at a page: a signed-in session, or nobody.
struct WebVisitor {
    const WebSession* session = nullptr;
    const Principal* who() const { return session ? &session->who : nullptr; }
};

/// The local day of `t` in the plan's zone.
date::sys_days local_day(const Engine& engine, TimePoint t);
/// `t` in the plan's zone, "2023-04-10 09:00".
std::string local_time_text(const Engine& engine, TimePoint t);
/// Working days after `from` up to and including `to` (0 when `to` is not after `from`), by the
/// plan's calendar (Monday-Friday without one). Counting stops past `limit` (limit + 1 is
/// returned then): a board asks only whether a due day is near.
int working_days_until(const Engine& engine, date::sys_days from, date::sys_days to,
                       int limit = std::numeric_limits<int>::max());

/// The light of indicator `i` at `now`: its status's light, and yellow for a green indicator
/// whose next report is due within `web.lights.due_soon` working days (due_soon set then).
Light light_of(const WebState& web, const Engine& engine, std::size_t i, TimePoint now,
               bool* due_soon = nullptr);

/// One period a unit owes: its indicator, the period, its due day, and how it stands.
struct Owed {
    std::size_t indicator = 0;
    Period period;
    date::sys_days due_day{};
    bool overdue = false;  ///< past the due day and the grace: days_overdue counts from the due day
    bool ended = false;    ///< the period has ended (it may be reported now); else it is the next
    int working_days_left = 0;
    int days_overdue = 0;
};

/// What `unit` owes at `now`, for every indicator it may report (auth's may_write): each ended
/// period of the plan year without a value, then the next period of each indicator. Overdue
/// first, then by due day.
std::vector<Owed> owed_by(const Engine& engine, const std::string& unit, TimePoint now);

/// An alert kind as the console says it: 到期提醒, 逾期, 预警, 未达标, 催办.
std::string_view alert_kind_words(AlertKind kind);

/// The unit's name ("市发改委"), or its id when the plan has no such unit.
std::string unit_name(const Plan& plan, std::string_view id);

/// A number in its shortest form ("4.9", "6"), like the API writes it.
std::string number_text(double value);

/// The alerts `alerts` as a table; each firing or pending alert not yet acknowledged gets an
/// acknowledge-with-comment form when the visitor may acknowledge it (auth's may_write), which
/// comes back to `back` (a path of this server).
void put_alerts(std::string& out, const Engine& engine, std::span<const AlertState* const> alerts,
                const WebVisitor& visitor, std::string_view back);

/// `next` when it is a path of this server ("/units/fgw"), else empty: where to go after a form,
/// never "//host", a URL or a text with a control character (a header's end).
std::string local_path(std::string_view next);

/// An API error body ({"error", "items": [{"index" or "line", "reason"}]}) as an escaped notice
/// for a page: "未保存。", the message and each item's reason (with its CSV line).
std::string api_error_notice(const std::string& body);

/// The value of `key` in a query or form, or empty.
std::string param(const std::vector<std::pair<std::string, std::string>>& query,
                  std::string_view key);

}  // namespace indicatord
