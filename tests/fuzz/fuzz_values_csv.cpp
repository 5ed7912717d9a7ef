// parse_values_csv (a values CSV file, as `indicatorctl import` and POST text/csv read it) with
// each CsvEncoding, against tests/data/minimal. Also checks to_utf8: its output is valid UTF-8,
// and valid UTF-8 input without a byte order mark comes back unchanged when read as UTF-8.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "eval/csv_import.hpp"
#include "fuzz_util.hpp"

namespace {

bool valid_utf8(std::string_view s) {
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    std::size_t i = 0;
    while (i < s.size()) {
        const unsigned c = p[i];
        std::size_t len;
        std::uint32_t cp;
        if (c < 0x80)
            len = 1, cp = c;
        else if ((c & 0xE0) == 0xC0)
            len = 2, cp = c & 0x1F;
        else if ((c & 0xF0) == 0xE0)
            len = 3, cp = c & 0x0F;
        else if ((c & 0xF8) == 0xF0)
            len = 4, cp = c & 0x07;
        else
            return false;
        if (s.size() - i < len) return false;
        for (std::size_t k = 1; k < len; ++k) {
            if ((p[i + k] & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (p[i + k] & 0x3F);
        }
        static constexpr std::uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < min[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
        i += len;
    }
    return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace indicatord;
    const Plan& plan = fuzz::minimal_plan();
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);

    for (auto encoding : {CsvEncoding::detect, CsvEncoding::utf8, CsvEncoding::gbk}) {
        std::string error;
        const auto text = to_utf8(bytes, encoding, error);
        if (text) {
            if (!valid_utf8(*text)) fuzz::fail("to_utf8 returned invalid UTF-8");
        } else if (error.empty()) {
            fuzz::fail("to_utf8 failed without an error");
        }
        if (encoding == CsvEncoding::utf8 && valid_utf8(bytes) &&
            !bytes.starts_with("\xEF\xBB\xBF") && (!text || *text != bytes))
            fuzz::fail("valid UTF-8 did not come back unchanged");

        const CsvBatch batch =
            parse_values_csv(bytes, plan, encoding, ReportTime{TimePoint::max(), true});
        if (!batch.error.empty() && (!batch.values.empty() || !batch.row_errors.empty()))
            fuzz::fail("a file refused as a whole still has values or row errors");
        if (!batch.ok() && !batch.values.empty()) fuzz::fail("a refused file still has values");
        if (batch.ok() && batch.values.empty()) fuzz::fail("an accepted file has no values");
        if (!text && batch.error.empty())
            fuzz::fail("parse_values_csv accepted bytes to_utf8 refused");
        for (const auto& e : batch.row_errors)
            if (e.reason.empty() || e.index == 0)
                fuzz::fail("a row error without a reason or a line");
        std::size_t last_line = 0;
        for (const auto& v : batch.values) {
            if (v.item.indicator >= plan.indicators.size())
                fuzz::fail("value indicator index out of range");
            if (!std::isfinite(v.item.value)) fuzz::fail("value not finite");
            if (v.line <= last_line) fuzz::fail("value lines not increasing");
            last_line = v.line;
            if (!valid_utf8(v.item.note)) fuzz::fail("a note is not valid UTF-8");
            if (!v.item.period.fits(plan.indicators[v.item.indicator].schedule.cadence))
                fuzz::fail("period does not fit its indicator's cadence");
        }
    }
    return 0;
}
