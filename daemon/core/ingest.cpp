#include "ingest.hpp"

#include <boost/json.hpp>

#include <cmath>

namespace indicatord {

namespace json = boost::json;

std::string check_value(const Plan& plan, std::string_view key, std::string_view period_text,
                        double value, IngestItem& out) {
    const long idx = plan.index_of(key);
    if (idx < 0) return "unknown indicator '" + std::string(key) + "'";
    const auto& ind = plan.indicators[static_cast<std::size_t>(idx)];
    if (ind.derived())
        return "indicator '" + ind.key + "' is computed from other indicators and cannot be reported";
    auto period = parse_period(period_text);
    if (!period)
        return "period '" + std::string(period_text) +
               "' is not a period (use 2023, 2023-H1, 2023-Q1 or 2023-03)";
    if (!period->fits(ind.schedule.cadence))
        return "period '" + std::string(period_text) + "' does not match indicator '" + ind.key +
               "' reported by " + std::string(to_string(ind.schedule.cadence)) +
               (ind.schedule.cadence == Cadence::once ? " (use the year, e.g. " + std::to_string(plan.year) + ")" : "");
    int first_year = plan.year;
    if (const auto* b = std::get_if<rule::Baseline>(&ind.rule); b && !b->baseline) first_year = plan.year - 1;
    if (period->year < first_year || period->year > plan.year)
        return "period '" + std::string(period_text) + "' is outside plan " + plan.id + " (" +
               std::to_string(plan.year) + ")";
    if (!std::isfinite(value)) return "value must be a finite number";
    if (std::holds_alternative<rule::Report>(ind.rule) && (value < 0 || value > 100))
        return "value of report indicator '" + ind.key + "' is percent complete: 0 to 100";
    if (std::holds_alternative<rule::Achievement>(ind.rule) && value != 0 && value != 1)
        return "value of achievement indicator '" + ind.key + "' must be 1 (achieved) or 0 (not yet)";
    if (std::holds_alternative<rule::Rank>(ind.rule) && (value < 1 || value != std::floor(value)))
        return "value of rank indicator '" + ind.key + "' must be a whole number >= 1";
    out.indicator = static_cast<std::size_t>(idx);
    out.period = *period;
    out.value = value;
    return {};
}

IngestBatch parse_values_json(std::string_view body, const Plan& plan) {
    IngestBatch batch;
    boost::system::error_code ec;
    json::value doc = json::parse(body, ec);
    if (ec) {
        batch.error = "body is not valid JSON: " + ec.message();
        return batch;
    }
    const auto* root = doc.if_object();
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
    batch.items.reserve(values->size());
    for (std::size_t i = 0; i < values->size(); ++i) {
        auto fail = [&](std::string reason) { batch.item_errors.push_back({i, std::move(reason)}); };
        const auto* item = (*values)[i].if_object();
        if (!item) {
            fail("must be an object {indicator, period, value, note}");
            continue;
        }
        std::string unknown;
        for (const auto& kv : *item)
            if (kv.key() != "indicator" && kv.key() != "period" && kv.key() != "value" && kv.key() != "note")
                unknown = kv.key();
        if (!unknown.empty()) {
            fail("unknown key '" + unknown + "' (allowed: indicator, period, value, note)");
            continue;
        }
        const auto* key = item->if_contains("indicator");
        const auto* period = item->if_contains("period");
        const auto* value = item->if_contains("value");
        const auto* note = item->if_contains("note");
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
        auto reason = check_value(plan, key->as_string(), period->as_string(), value->to_number<double>(), out);
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
