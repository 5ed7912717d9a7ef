// POST /-/reload (re-read the configuration, like SIGHUP) and POST /-/clock (move a test clock).
#include "http/service.hpp"
// GCC 12 inlines Asio's recycling allocator for coroutine frames into one path and then reports
// its matching operator new/delete pair as mismatched (GCC PR 109224): a false positive.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
#include <boost/json.hpp>

#include "eval/engine.hpp"
#include "http/admin_actions.hpp"
#include "util/json_parse.hpp"

namespace indicatord {

namespace asio = boost::asio;
namespace json = boost::json;

asio::awaitable<HttpResponse> Service::reload() {
    if (!d_.admin) co_return json_error(404, "reloading is not available here");
    if (auto error = co_await d_.admin().reload(); !error.empty())
        co_return json_error(422, "reload failed, the running configuration stays: " + error);
    co_return json_ok(json::object{{"status", "reloaded"},
                                   {"plan", d_.engine().plan().id},
                                   {"indicators", d_.engine().plan().indicators.size()}});
}

asio::awaitable<HttpResponse> Service::set_clock(const HttpRequest& req) {
    std::string parse_error;
    const auto body = parse_json(req.body, parse_error);
    const auto* now = body && body->is_object() ? body->as_object().if_contains("now") : nullptr;
    auto t = now && now->is_string() ? parse_instant(now->as_string()) : std::nullopt;
    if (!t)
        co_return json_error(400, "body must be {\"now\": \"<RFC 3339 instant>\"}" +
                                      (body ? "" : ": " + parse_error));
    if (!d_.admin || !co_await d_.admin().set_clock(*t))
        co_return json_error(404, "the clock is not under test control (start with --test-clock)");
    co_return json_ok(json::object{{"now", format_instant(*t)}});
}

}  // namespace indicatord
