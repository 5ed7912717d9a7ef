// GET /api/v1/indicators, /api/v1/indicators/{key} and /api/v1/indicators/{key}/values: the
// plan's indicators, their evaluations and their stored history.
#include <boost/algorithm/hex.hpp>
#include <boost/json.hpp>
#include <charconv>
#include <iterator>

#include "eval/engine.hpp"
#include "eval/members.hpp"
#include "http/plan_json.hpp"
#include "http/service.hpp"
#include "store/store.hpp"
#include "util/digest.hpp"

namespace indicatord {

namespace json = boost::json;

namespace {

json::object summary(const Engine& e, std::size_t i) {
    const auto& ind = e.plan().indicators[i];
    const auto& ev = e.evaluation(i);
    json::object o;
    o["key"] = ind.key;
    if (e.plan().several()) o["plan"] = e.plan().id_of(ind);
    o["name"] = ind.name;
    o["task"] = ind.task;
    o["kind"] = kind_name(ind.rule);
    o["measure"] = ind.measure;
    o["cadence"] = to_string(ind.schedule.cadence);
    o["lead_unit"] = ind.lead_unit;
    o["status"] = to_string(ev.status);
    o["reason"] = describe(ind, ev);
    if (ev.value) o["value"] = *ev.value;
    if (ev.period) o["period"] = ev.period->label();
    if (ev.target) o["target"] = *ev.target;
    if (ev.expected) o["expected"] = *ev.expected;
    if (ev.next_due) o["next_due"] = format_instant(*ev.next_due);
    if (ind.rollup()) {
        // a per-member indicator: its members by status (the roll-up)
        const auto counts = count_members(ind, e.evaluations());
        json::object by_status;
        for (auto s : kAllStatuses) by_status[to_string(s)] = counts.of(s);
        by_status["total"] = counts.total;
        o["member_counts"] = std::move(by_status);
        o["reason"] = describe_members(counts);
    }
    if (!ind.member_of.empty()) o["member_of"] = ind.member_of;
    return o;
}

}  // namespace

HttpResponse Service::list_indicators(const Query& query, const Principal* who) const {
    const Engine& e = d_.engine();
    std::string plan, task, unit, status;
    for (const auto& [k, v] : query) {
        if (k == "task")
            task = v;
        else if (k == "unit")
            unit = v;
        else if (k == "status")
            status = v;
        else if (k == "plan")
            plan = v;
        else
            return json_error(
                400, "unknown query parameter '" + k + "' (allowed: plan, task, unit, status)");
    }
    json::array out;
    for (std::size_t i = 0; i < e.plan().indicators.size(); ++i) {
        const auto& ind = e.plan().indicators[i];
        if (!plan.empty() && e.plan().id_of(ind) != plan) continue;
        if (!task.empty() && std::to_string(ind.task) != task) continue;
        if (!unit.empty() && ind.lead_unit != unit) continue;
        if (!status.empty() && to_string(e.evaluation(i).status) != status) continue;
        if (!reads_all(who) && !may_read(*who, e.plan(), ind)) continue;
        out.push_back(summary(e, i));
    }
    return json_ok(json::object{{"plan", e.plan().id}, {"indicators", std::move(out)}});
}

HttpResponse Service::get_indicator(std::string_view key, const Principal* who) const {
    const Engine& e = d_.engine();
    const long idx = e.plan().index_of(key);
    if (idx < 0) return json_error(404, e.plan().unknown(key));
    const auto i = static_cast<std::size_t>(idx);
    if (auto refusal = refuse_read(who, i)) return std::move(*refusal);
    const auto& ind = e.plan().indicators[i];
    json::object o = indicator_to_json(ind, &e.plan());
    for (auto& kv : summary(e, i)) o[kv.key()] = kv.value();
    if (const auto* t = e.plan().task_of(ind)) o["task_text"] = t->text;
    if (ind.rollup()) {
        json::array members;
        for (auto m : ind.members)
            members.push_back(json::object{{"unit", e.plan().indicators[m].lead_unit},
                                           {"key", e.plan().indicators[m].key},
                                           {"status", to_string(e.evaluation(m).status)}});
        o["members"] = std::move(members);
    }
    json::array periods;
    for (const auto& obs : e.series(i).periods)
        periods.push_back(json::object{{"period", obs.period.label()},
                                       {"value", obs.value},
                                       {"revision", obs.revision},
                                       {"reported_at", format_instant(obs.reported_at)}});
    o["latest"] = std::move(periods);
    return json_ok(o);
}

namespace {

// A page cursor is the hex of "<period>\n<revision>" of the page's last row: opaque to clients,
// and the next page is a keyset read after it (no offset scan, no duplicates across pages).
std::string encode_cursor(const StoredRevision& last) {
    return to_hex(last.period + "\n" + std::to_string(last.revision));
}

// The period and revision of a cursor, or why it is not one (the 400 says which).
struct Cursor {
    std::string period;
    int revision = 0;
    std::string error;
};

Cursor decode_cursor(std::string_view text) {
    if (text.size() > 256) return {{}, 0, "it is longer than 256 characters"};
    std::string plain;
    try {
        boost::algorithm::unhex(text.begin(), text.end(), std::back_inserter(plain));
    } catch (const boost::algorithm::non_hex_input&) {
        return {{}, 0, "it is not hexadecimal"};
    } catch (const boost::algorithm::not_enough_input&) {
        return {{}, 0, "it has an odd number of hex digits"};
    }
    const auto nl = plain.find('\n');
    int revision = 0;
    if (nl != std::string::npos && nl > 0) {
        const char* first = plain.data() + nl + 1;
        const char* last = plain.data() + plain.size();
        auto [p, ec] = std::from_chars(first, last, revision);
        if (ec == std::errc{} && p == last && revision >= 1)
            return {plain.substr(0, nl), revision, {}};
    }
    return {{}, 0, "it does not hold a period and a revision"};
}

}  // namespace

HttpResponse Service::get_values(std::string_view key, const Query& query,
                                 const Principal* who) const {
    const long idx = d_.engine().plan().index_of(key);
    if (idx < 0) return json_error(404, d_.engine().plan().unknown(key));
    if (auto refusal = refuse_read(who, static_cast<std::size_t>(idx))) return std::move(*refusal);
    std::size_t limit = kDefaultPageSize;
    std::pair<std::string, int> after{"", 0};
    for (const auto& [k, v] : query) {
        if (k == "limit") {
            std::size_t n = 0;
            auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
            if (v.empty() || ec != std::errc{} || p != v.data() + v.size() || n < 1 ||
                n > kMaxPageSize)
                return json_error(400, "limit must be a whole number from 1 to " +
                                           std::to_string(kMaxPageSize) + ", got '" + v + "'");
            limit = n;
        } else if (k == "cursor") {
            auto c = decode_cursor(v);
            if (!c.error.empty())
                return json_error(400,
                                  "cursor '" + v + "' is not valid (" + c.error +
                                      "): pass the next_cursor of the previous page unchanged");
            after = {std::move(c.period), c.revision};
        } else {
            return json_error(400, "unknown query parameter '" + k + "' (allowed: limit, cursor)");
        }
    }
    // One row more than the page tells whether another page follows.
    auto rows =
        d_.store.history(key, after.first, after.second, static_cast<std::int64_t>(limit + 1));
    std::optional<std::string> next;
    if (rows.size() > limit) {
        rows.resize(limit);
        next = encode_cursor(rows.back());
    }
    json::array out;
    out.reserve(rows.size());
    for (const auto& r : rows)
        out.push_back(json::object{{"period", r.period},
                                   {"revision", r.revision},
                                   {"value", r.value},
                                   {"note", r.note},
                                   {"reported_at", format_instant(r.reported_at)},
                                   {"reporter", r.reporter}});
    json::object body{{"indicator", key}, {"values", std::move(out)}};
    if (next) body["next_cursor"] = *next;
    return json_ok(body);
}

}  // namespace indicatord
