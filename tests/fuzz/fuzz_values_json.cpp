// parse_values_json (the body of POST /api/v1/values) against tests/data/minimal.
// Besides crashes and sanitizer reports, checks what a batch promises: valid items only when
// nothing is wrong, indexes within the plan and the batch, periods that print back as parsed.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "eval/ingest.hpp"
#include "fuzz_util.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace indicatord;
    const Plan& plan = fuzz::minimal_plan();
    const std::string_view body(reinterpret_cast<const char*>(data), size);
    const IngestBatch batch = parse_values_json(body, plan, ReportTime{TimePoint::max(), true});

    if (!batch.error.empty() && (!batch.items.empty() || !batch.item_errors.empty()))
        fuzz::fail("a batch refused as a whole still has items or item errors");
    if (!batch.ok() && !batch.items.empty()) fuzz::fail("a refused batch still has items");
    if (batch.ok() && batch.items.empty()) fuzz::fail("an accepted batch has no items");
    if (batch.items.size() > kMaxBatchItems) fuzz::fail("more items than kMaxBatchItems");
    std::size_t last = 0;
    for (std::size_t i = 0; i < batch.item_errors.size(); ++i) {
        const auto& e = batch.item_errors[i];
        if (e.reason.empty()) fuzz::fail("an item error without a reason");
        if (i > 0 && e.index <= last) fuzz::fail("item errors out of order");
        if (e.index >= kMaxBatchItems) fuzz::fail("item error index beyond the batch limit");
        last = e.index;
    }
    for (const auto& it : batch.items) {
        if (it.indicator >= plan.indicators.size()) fuzz::fail("item indicator index out of range");
        if (!std::isfinite(it.value)) fuzz::fail("item value not finite");
        if (it.note.size() > 4000) fuzz::fail("item note longer than 4000 bytes");
        const auto label = it.period.label();
        const auto again = parse_period(label);
        if (!again || *again != it.period)
            fuzz::fail("period label '" + label + "' does not parse back");
        if (!it.period.fits(plan.indicators[it.indicator].schedule.cadence))
            fuzz::fail("period " + label + " does not fit its indicator's cadence");
    }
    return 0;
}
