#include "eval/ingest.hpp"

#include <boost/json.hpp>
#include <cmath>

#include "eval/kinds/registry.hpp"
#include "util/json_parse.hpp"

namespace indicatord {

namespace json = boost::json;

bool may_report_early(const Rule& rule) {
    return !kinds::of(rule).statistic;
}

TimePoint period_end(const Period& period, const date::time_zone* zone) {
    const auto next = date::sys_days{period.last_day()} + date::days(1);
    if (!zone) return std::chrono::time_point_cast<std::chrono::milliseconds>(next);
    return std::chrono::time_point_cast<std::chrono::milliseconds>(
        zone->to_sys(date::local_days{next.time_since_epoch()}, date::choose::earliest));
}

const date::time_zone* plan_zone(const Plan& plan) {
    try {
        return date::locate_zone(plan.timezone);
    } catch (const std::exception&) {
        return nullptr;
    }
}

std::string check_report_time(const Plan& plan, const IngestItem& item, const ReportTime& when,
                              const date::time_zone* zone) {
    const auto& ind = plan.indicators[item.indicator];
    if (item.reported_at) {
        if (!when.may_date)
            return "reported_at may only be given with an admin token (an import of history); a "
                   "unit's values "
                   "are dated when they arrive: leave it out";
        if (when.now < *item.reported_at)
            return "reported_at " + format_instant(*item.reported_at) +
                   " is in the future (now is " + format_instant(when.now) + ")";
    }
    if (may_report_early(ind.rule)) return {};
    const auto at = item.reported_at.value_or(when.now);
    const auto end = period_end(item.period, zone);
    if (at < end) {
        const auto last = item.period.last_day();
        return "period " + item.period.label() + " of " + std::string(kind_name(ind.rule)) +
               " indicator '" + ind.key + "' has not ended " +
               (item.reported_at ? "at its reported_at" : "yet") + ": it ends with " +
               date::format("%F", last) + " (" +
               (zone ? std::string(zone->name()) : std::string("UTC")) +
               "); report it after that (only report, achievement and milestones values may come "
               "early)";
    }
    return {};
}

std::string check_value(const Plan& plan, std::string_view key, std::string_view period_text,
                        double value, IngestItem& out) {
    auto period = parse_period(period_text);
    long idx = plan.index_of(key);
    if (idx < 0 && period) idx = plan.resolve(key, period->year);  // the plan of that year
    if (idx < 0) return plan.unknown(key);
    const auto& ind = plan.indicators[static_cast<std::size_t>(idx)];
    if (ind.derived())
        return "indicator '" + ind.key +
               "' is computed from other indicators and cannot be reported";
    if (!period)
        return "period '" + std::string(period_text) +
               "' is not a period (use 2023, 2023-H1, 2023-Q1 or 2023-03)";
    if (!period->fits(ind.schedule.cadence))
        return "period '" + std::string(period_text) + "' does not match indicator '" + ind.key +
               "' reported by " + std::string(to_string(ind.schedule.cadence)) +
               (ind.schedule.cadence == Cadence::once
                    ? " (use the year, e.g. " + std::to_string(plan.year_of(ind)) + ")"
                    : "");
    if (period->cadence == Cadence::month && ind.schedule.skips(period->index)) {
        const Period next{Cadence::month, period->year, period->index + 1};
        return "period '" + std::string(period_text) + "' has no separate report for indicator '" +
               ind.key + "' (skip: it is published with the next month): report the combined " +
               "figure for " + next.label();
    }
    const auto& kind = kinds::of(ind.rule);
    const int year = plan.year_of(ind), last = plan.last_year_of(ind);
    const int first_year = kind.first_year ? kind.first_year(ind.rule, year) : year;
    if (period->year < first_year || period->year > last)
        return "period '" + std::string(period_text) + "' is outside plan " + plan.id_of(ind) +
               " (" + std::to_string(year) + (last != year ? "-" + std::to_string(last) : "") + ")";
    if (!std::isfinite(value)) return "value must be a finite number";
    if (kind.check_value)
        if (auto reason = kind.check_value(ind, value); !reason.empty()) return reason;
    out.indicator = static_cast<std::size_t>(idx);
    out.period = *period;
    out.value = value;
    return {};
}

IngestBatch parse_values_json(std::string_view body, const Plan& plan, const ReportTime& when) {
    IngestBatch batch;
    std::string parse_error;
    // A request of a few values parses into this buffer; a batch goes on in blocks from the heap
    // (the items copy what they keep out of the document).
    alignas(std::max_align_t) unsigned char buffer[4096];
    boost::json::monotonic_resource memory(buffer, sizeof buffer);
    const auto doc = parse_json(body, parse_error, &memory);
    if (!doc) {
        batch.error = "body is not valid JSON: " + parse_error;
        return batch;
    }
    const auto* root = doc->if_object();
    if (!root) {
        batch.error = "body must be a JSON object {\"values\": [...]}";
        return batch;
    }
    for (const auto& kv : *root)
        if (kv.key() != "values") {
            batch.error = "unknown key '" + std::string(kv.key()) + "' (expected only \"values\")";
            return batch;
        }
    const auto* values_v = root->if_contains("values");
    const auto* values = values_v ? values_v->if_array() : nullptr;
    if (!values) {
        batch.error = "\"values\" must be an array of {indicator, period, value, note}";
        return batch;
    }
    if (values->empty()) {
        batch.error = "\"values\" is empty";
        return batch;
    }
    if (values->size() > kMaxBatchItems) {
        batch.error = "too many values in one request (" + std::to_string(values->size()) + " > " +
                      std::to_string(kMaxBatchItems) + ")";
        return batch;
    }
    const auto* zone = plan_zone(plan);
    batch.items.reserve(values->size());
    for (std::size_t i = 0; i < values->size(); ++i) {
        auto fail = [&](std::string reason) {
            batch.item_errors.push_back({i, std::move(reason)});
        };
        const auto* item = (*values)[i].if_object();
        if (!item) {
            fail("must be an object {indicator, period, value, note}");
            continue;
        }
        std::string unknown;
        for (const auto& kv : *item)
            if (kv.key() != "indicator" && kv.key() != "period" && kv.key() != "value" &&
                kv.key() != "note" && kv.key() != "reported_at")
                unknown = kv.key();
        if (!unknown.empty()) {
            fail("unknown key '" + unknown +
                 "' (allowed: indicator, period, value, note, reported_at)");
            continue;
        }
        const auto* key = item->if_contains("indicator");
        const auto* period = item->if_contains("period");
        const auto* value = item->if_contains("value");
        const auto* note = item->if_contains("note");
        const auto* reported_at = item->if_contains("reported_at");
        if (!key || !key->is_string()) {
            fail("\"indicator\" must be a string");
            continue;
        }
        if (!period || !period->is_string()) {
            fail("\"period\" must be a string like \"2023-Q1\"");
            continue;
        }
        if (!value || !value->is_number()) {
            fail("\"value\" must be a number");
            continue;
        }
        if (note && !note->is_string()) {
            fail("\"note\" must be a string");
            continue;
        }
        if (note && note->as_string().size() > 4000) {
            fail("\"note\" is longer than 4000 bytes");
            continue;
        }
        IngestItem out;
        if (reported_at) {
            out.reported_at =
                reported_at->is_string() ? parse_instant(reported_at->as_string()) : std::nullopt;
            if (!out.reported_at) {
                fail("\"reported_at\" must be an RFC 3339 time like \"2023-07-15T09:00:00+08:00\"");
                continue;
            }
        }
        auto reason = check_value(plan, key->as_string(), period->as_string(),
                                  value->to_number<double>(), out);
        if (reason.empty()) reason = check_report_time(plan, out, when, zone);
        if (!reason.empty()) {
            fail(std::move(reason));
            continue;
        }
        if (note) out.note = note->as_string();
        batch.items.push_back(std::move(out));
    }
    if (!batch.item_errors.empty()) batch.items.clear();
    return batch;
}

}  // namespace indicatord
