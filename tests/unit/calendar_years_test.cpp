// The shipped calendars for 2025 and 2026 (State Council notices), and weekends_only years.
#include <catch2/catch.hpp>

#include "model/calendar.hpp"
#include "test_util.hpp"

using namespace indicatord;
using namespace date::literals;
using date::sys_days;
using test::kData;

namespace {

const std::string kShipped = kData + "/../../config/calendars";

bool working(const WorkCalendar& c, date::year_month_day d) {
    return c.is_working_day(sys_days{d});
}

}  // namespace

TEST_CASE("2025: 国办发明电〔2024〕12号, day by day", "[calendar]") {
    const auto c = WorkCalendar::load({kShipped + "/cn-2025.yaml"});
    CHECK(c.years() == std::vector<int>{2025});
    CHECK_FALSE(working(c, 2025_y / 1 / 1));  // 元旦, Wednesday
    CHECK(working(c, 2025_y / 1 / 2));
    CHECK(working(c, 2025_y / 1 / 26));  // Sunday, make-up for 春节
    for (auto d = sys_days{2025_y / 1 / 28}; d <= sys_days{2025_y / 2 / 4}; d += date::days{1})
        CHECK_FALSE(c.is_working_day(d));      // 春节, eight days with 除夕
    CHECK(working(c, 2025_y / 2 / 8));         // Saturday, make-up for 春节
    CHECK_FALSE(working(c, 2025_y / 4 / 4));   // 清明, Friday
    CHECK(working(c, 2025_y / 4 / 27));        // Sunday, make-up for 劳动节
    CHECK_FALSE(working(c, 2025_y / 5 / 5));   // 劳动节, Monday
    CHECK_FALSE(working(c, 2025_y / 6 / 2));   // 端午, Monday
    CHECK(working(c, 2025_y / 9 / 28));        // Sunday, make-up for 国庆中秋
    CHECK_FALSE(working(c, 2025_y / 10 / 8));  // 国庆中秋, Wednesday
    CHECK(working(c, 2025_y / 10 / 11));       // Saturday, make-up
    CHECK(working(c, 2025_y / 10 / 9));
    // A report due 10 working days after Q3 ends: 10-09, 10-10, 10-11 (make-up), 10-13 ... 10-21

    CHECK(c.add_working_days(sys_days{2025_y / 9 / 30}, 10) == sys_days{2025_y / 10 / 21});
}

TEST_CASE("2026: the notice of 2025-11-04, day by day", "[calendar]") {
    const auto c = WorkCalendar::load({kShipped + "/cn-2026.yaml"});
    CHECK(c.years() == std::vector<int>{2026});
    CHECK_FALSE(working(c, 2026_y / 1 / 2));  // 元旦, Friday
    CHECK(working(c, 2026_y / 1 / 4));        // Sunday, make-up for 元旦
    CHECK(working(c, 2026_y / 2 / 14));       // Saturday, make-up for 春节
    for (auto d = sys_days{2026_y / 2 / 15}; d <= sys_days{2026_y / 2 / 23}; d += date::days{1})
        CHECK_FALSE(c.is_working_day(d));  // 春节, nine days
    CHECK(working(c, 2026_y / 2 / 24));
    CHECK(working(c, 2026_y / 2 / 28));        // Saturday, make-up for 春节
    CHECK_FALSE(working(c, 2026_y / 4 / 6));   // 清明, Monday
    CHECK(working(c, 2026_y / 5 / 9));         // Saturday, make-up for 劳动节
    CHECK_FALSE(working(c, 2026_y / 6 / 19));  // 端午, Friday
    CHECK(working(c, 2026_y / 9 / 20));        // Sunday, make-up for 国庆
    CHECK_FALSE(working(c, 2026_y / 9 / 25));  // 中秋, Friday
    CHECK_FALSE(working(c, 2026_y / 10 / 7));  // 国庆, Wednesday
    CHECK(working(c, 2026_y / 10 / 10));       // Saturday, make-up for 国庆
    CHECK(c.next_working_day(sys_days{2026_y / 10 / 1}) == sys_days{2026_y / 10 / 8});
}

TEST_CASE("a weekends_only year is covered, Monday to Friday, and says so", "[calendar]") {
    const auto c = WorkCalendar::load({kShipped, kData + "/calendars-provisional"});
    CHECK(c.covers(2027));
    CHECK(c.weekends_only(2027));
    CHECK_FALSE(c.weekends_only(2026));
    CHECK(c.weekends_only_years() == std::vector<int>{2027});
    CHECK(working(c, 2027_y / 1 / 1));  // a Friday: no holiday is known yet
    CHECK_FALSE(working(c, 2027_y / 1 / 2));
    CHECK(working(c, 2026_y / 12 / 31));
    CHECK(c.holidays().size() == 13 + 6 + 7);  // the 2027 file adds none
}
