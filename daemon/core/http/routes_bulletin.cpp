// GET /api/v1/bulletin: the bulletin (docs/bulletins.md) of a plan as it stood at an instant, in
// the bytes `indicatorctl bulletin` writes.
#include <algorithm>

#include "eval/engine.hpp"
#include "http/service.hpp"
#include "model/clock.hpp"
#include "report/bulletin_formats.hpp"
#include "report/bulletin_load.hpp"
#include "store/store.hpp"
#include "util/percent_encoding.hpp"

namespace indicatord {

HttpResponse Service::get_bulletin(const Query& query, const Principal* who) const {
    // With auth, the office's (auth.read_all_units) and admin tokens only; authorize() has
    // refused a request without a token.
    if (who && !who->admin &&
        std::find(d_.read_all_units.begin(), d_.read_all_units.end(), who->unit) ==
            d_.read_all_units.end())
        return json_error(403, "token '" + who->token_id + "' of unit '" + who->unit +
                                   "' may not read bulletins: admin tokens and the units of "
                                   "auth.read_all_units may");
    std::string plan_id, as_of_text, since_text, format_text = "json";
    for (const auto& [k, v] : query) {
        if (k == "plan")
            plan_id = v;
        else if (k == "as_of")
            as_of_text = v;
        else if (k == "since")
            since_text = v;
        else if (k == "format")
            format_text = v;
        else
            return json_error(
                400, "unknown query parameter '" + k + "' (allowed: plan, as_of, since, format)");
    }
    const auto engine = d_.engine_snapshot();
    const auto plan = bulletin_plan(engine->plan(), plan_id);
    if (!plan) return json_error(404, "plan '" + plan_id + "': no such plan");
    const auto format = parse_bulletin_format(format_text);
    if (!format)
        return json_error(400, "format must be xlsx, html, md or json, got '" + format_text + "'");
    TimePoint as_of = d_.clock.now();
    if (!as_of_text.empty()) {
        const auto parsed = parse_as_of(as_of_text, engine->zone());
        if (!parsed)
            return json_error(400,
                              "as_of must be a date like 2023-07-31 or an RFC 3339 instant "
                              "like 2023-07-31T18:00:00+08:00, got '" +
                                  as_of_text + "'");
        as_of = *parsed;
    }
    std::optional<TimePoint> since;
    if (!since_text.empty()) {
        since = parse_as_of(since_text, engine->zone());
        if (!since)
            return json_error(400,
                              "since must be a date like 2023-06-30 or an RFC 3339 instant, "
                              "got '" +
                                  since_text + "'");
        if (*since >= as_of)
            return json_error(400, "since " + since_text +
                                       " is not before the bulletin's "
                                       "instant " +
                                       format_instant(as_of));
    }
    // the engine's calendar, kept alive by the engine snapshot
    const std::shared_ptr<const WorkCalendar> calendar(engine, engine->calendar());
    const auto& info = engine->plan().plans;
    const auto scoring = d_.scoring
                             ? d_.scoring(*plan < info.size() ? info[*plan].id : engine->plan().id)
                             : std::nullopt;
    const auto* rules = scoring ? &*scoring : nullptr;
    const auto bulletin = since ? bulletin_since(d_.store.reader(), engine->plan_ptr(), calendar,
                                                 *plan, as_of, *since, rules)
                                : bulletin_from_store(d_.store.reader(), engine->plan_ptr(),
                                                      calendar, *plan, as_of, rules);
    HttpResponse r;
    r.content_type = std::string(content_type(*format));
    r.body = render_bulletin(bulletin, *format);
    if (*format == BulletinFormat::xlsx)
        r.headers.emplace_back("Content-Disposition",
                               "attachment; filename=\"bulletin-" + bulletin.plan_id +
                                   ".xlsx\"; "
                                   "filename*=UTF-8''" +
                                   percent_encode(bulletin_file_name(bulletin, *format)));
    return r;
}

}  // namespace indicatord
