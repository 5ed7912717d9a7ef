#include "model/calendar.hpp"

#include <algorithm>
#include <catch2/catch.hpp>

#include "test_util.hpp"
#include "util/errors.hpp"

using namespace indicatord;
using namespace date::literals;
using date::sys_days;
using test::expected_error;
using test::kData;

namespace {

const std::string kShipped = kData + "/../../config/calendars";

const WorkCalendar& shipped() {
    static const WorkCalendar calendar = WorkCalendar::load({kShipped});
    return calendar;
}

sys_days day(date::year_month_day ymd) {
    return sys_days{ymd};
}

// The obvious definition, one day at a time, to check the fast paths against.
sys_days naive_add(const WorkCalendar& c, sys_days d, int n) {
    const int step = n < 0 ? -1 : 1;
    for (int left = n < 0 ? -n : n; left > 0;) {
        d += date::days{step};
        if (c.is_working_day(d)) --left;
    }
    return d;
}

}  // namespace

TEST_CASE("the shipped 2023 to 2026 calendars load", "[calendar]") {
    const auto& c = shipped();
    CHECK(c.years() == std::vector<int>{2023, 2024, 2025, 2026});
    CHECK(c.covers(2023));
    CHECK(c.covers(2024));
    CHECK_FALSE(c.covers(2022));
    CHECK_FALSE(c.covers(2027));
    CHECK(c.holidays().size() == 13 + 6 + 7);
    CHECK(c.weekends_only_years().empty());

    // Each file alone loads too.
    CHECK(WorkCalendar::load({kShipped + "/cn-2023.yaml"}).years() == std::vector<int>{2023});
    CHECK(WorkCalendar::load({kShipped + "/cn-2024.yaml"}).years() == std::vector<int>{2024});
}

TEST_CASE("2023: holidays are off, make-up days are on", "[calendar]") {
    const auto& c = shipped();
    CHECK(c.is_working_day(day(2023_y / 1 / 28)));         // Saturday, make-up for 春节
    CHECK(c.is_working_day(day(2023_y / 1 / 29)));         // Sunday, make-up for 春节
    CHECK_FALSE(c.is_working_day(day(2023_y / 1 / 23)));   // Monday, 春节
    CHECK(c.is_working_day(day(2023_y / 10 / 7)));         // Saturday, make-up
    CHECK(c.is_working_day(day(2023_y / 10 / 8)));         // Sunday, make-up
    CHECK_FALSE(c.is_working_day(day(2023_y / 12 / 30)));  // an ordinary Saturday
    CHECK_FALSE(c.is_working_day(day(2023_y / 4 / 5)));    // Wednesday, 清明
    CHECK(c.is_working_day(day(2023_y / 4 / 6)));          // an ordinary Thursday
    CHECK(c.is_working_day(day(2023_y / 4 / 23)));         // Sunday, make-up for 劳动节

    REQUIRE(c.holiday_on(day(2023_y / 1 / 23)));
    CHECK(c.holiday_on(day(2023_y / 1 / 23))->name == "春节");
    CHECK(c.holiday_on(day(2023_y / 1 / 21))->name == "春节");
    CHECK(c.holiday_on(day(2023_y / 1 / 27))->name == "春节");
    CHECK(c.holiday_on(day(2023_y / 1 / 28)) == nullptr);
    CHECK(c.holiday_on(day(2023_y / 1 / 20)) == nullptr);
    CHECK(c.holiday_on(day(2023_y / 10 / 1))->name == "中秋国庆");
    CHECK(c.holiday_on(day(2022_y / 12 / 31))->name == "元旦");  // starts in the year before
    CHECK(c.holiday_on(day(2000_y / 1 / 1)) == nullptr);
    CHECK(c.holiday_on(day(2030_y / 1 / 1)) == nullptr);
}

TEST_CASE("2023: next working day and working-day arithmetic", "[calendar]") {
    const auto& c = shipped();
    CHECK(c.next_working_day(day(2023_y / 4 / 29)) == day(2023_y / 5 / 4));
    CHECK(c.next_working_day(day(2023_y / 9 / 29)) == day(2023_y / 10 / 7));
    CHECK(c.next_working_day(day(2023_y / 1 / 28)) == day(2023_y / 1 / 28));  // already one
    CHECK(c.next_working_day(day(2023_y / 3 / 31)) == day(2023_y / 3 / 31));
    CHECK(c.add_working_days(day(2023_y / 1 / 20), 1) == day(2023_y / 1 / 28));
    CHECK(c.add_working_days(day(2023_y / 1 / 20), 0) == day(2023_y / 1 / 20));
    CHECK(c.add_working_days(day(2023_y / 1 / 21), 0) == day(2023_y / 1 / 21));  // a holiday
    CHECK(c.add_working_days(day(2023_y / 1 / 20), 3) == day(2023_y / 1 / 30));
    // Q3 2023 ends on Saturday 09-30, inside 中秋国庆: 10 working days later is 10-18
    // (10-07, 10-08, 10-09 ... 10-13, then 10-16, 10-17, 10-18).
    CHECK(c.add_working_days(day(2023_y / 9 / 30), 10) == day(2023_y / 10 / 18));
    CHECK(c.add_working_days(day(2023_y / 10 / 7), -1) == day(2023_y / 9 / 28));
}

TEST_CASE("across New Year 2023/2024 and through 2024", "[calendar]") {
    const auto& c = shipped();
    // A period ending on New Year's Eve (a Sunday): 2024-01-01 is 元旦, so the 2nd.
    CHECK(c.next_working_day(day(2023_y / 12 / 31)) == day(2024_y / 1 / 2));
    CHECK(c.add_working_days(day(2023_y / 12 / 31), 1) == day(2024_y / 1 / 2));
    CHECK(c.holiday_on(day(2024_y / 1 / 1))->name == "元旦");
    CHECK(c.is_working_day(day(2024_y / 2 / 29)));        // leap day, a Thursday
    CHECK(c.is_working_day(day(2024_y / 2 / 18)));        // Sunday, make-up for 春节
    CHECK(c.is_working_day(day(2024_y / 2 / 4)));         // Sunday, make-up for 春节
    CHECK(c.is_working_day(day(2024_y / 2 / 9)));         // 除夕 is not a public holiday in 2024
    CHECK(c.is_working_day(day(2024_y / 9 / 29)));        // Sunday, make-up for 国庆
    CHECK(c.is_working_day(day(2024_y / 10 / 12)));       // Saturday, make-up for 国庆
    CHECK_FALSE(c.is_working_day(day(2024_y / 10 / 7)));  // Monday, 国庆
    CHECK_FALSE(c.is_working_day(day(2024_y / 6 / 10)));  // Monday, 端午
    CHECK(c.holiday_on(day(2024_y / 9 / 16))->name == "中秋");
    CHECK(c.next_working_day(day(2024_y / 9 / 15)) == day(2024_y / 9 / 18));
    CHECK(c.next_working_day(day(2024_y / 2 / 10)) == day(2024_y / 2 / 18));
}

TEST_CASE("days outside the loaded years fall back to Monday-Friday", "[calendar]") {
    const auto& c = shipped();
    CHECK(c.is_working_day(day(2027_y / 1 / 1)));        // 元旦 2027 (Friday), but no 2027 file
    CHECK(c.is_working_day(day(2022_y / 10 / 3)));       // 国庆 2022, but no 2022 file
    CHECK_FALSE(c.is_working_day(day(2027_y / 1 / 2)));  // Saturday
    CHECK(c.next_working_day(day(2027_y / 1 / 2)) == day(2027_y / 1 / 4));

    const WorkCalendar plain;  // no files at all
    CHECK(plain.years().empty());
    CHECK_FALSE(plain.covers(2023));
    CHECK_FALSE(plain.is_working_day(day(2023_y / 1 / 28)));
    CHECK(plain.is_working_day(day(2023_y / 1 / 23)));
    CHECK(plain.next_working_day(day(2023_y / 4 / 29)) == day(2023_y / 5 / 1));
    CHECK(plain.add_working_days(day(2023_y / 1 / 6), 5) == day(2023_y / 1 / 13));
    CHECK(plain.add_working_days(day(2023_y / 1 / 6), 6) == day(2023_y / 1 / 16));
    CHECK(plain.add_working_days(day(2023_y / 1 / 7), -1) == day(2023_y / 1 / 6));
    CHECK(plain.holiday_on(day(2023_y / 1 / 23)) == nullptr);
}

TEST_CASE("working-day arithmetic agrees with counting one day at a time", "[calendar]") {
    const WorkCalendar plain;
    for (const auto* c : {&shipped(), &plain}) {
        for (auto d = day(2022_y / 11 / 1); d <= day(2025_y / 2 / 28); d += date::days{1}) {
            INFO(date::year_month_day{d});
            const auto next = c->next_working_day(d);
            CHECK(c->is_working_day(next));
            CHECK((next == d || naive_add(*c, d, 1) == next));
            for (int n : {1, 2, 4, 5, 6, 7, 10, 11, 15, 20, 23, 40, 60}) {
                INFO(n);
                CHECK(c->add_working_days(d, n) == naive_add(*c, d, n));
                CHECK(c->add_working_days(d, -n) == naive_add(*c, d, -n));
            }
        }
    }
}

TEST_CASE("each bad calendar file gives its exact file:line:col error", "[calendar]") {
    std::vector<std::string> files;
    for (const auto& e : std::filesystem::directory_iterator(kData + "/calendars"))
        if (e.is_regular_file() && e.path().extension() == ".yaml") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    CHECK(files.size() >= 16);
    for (const auto& path : files) {
        INFO(path);
        try {
            WorkCalendar::load({path});
            FAIL("no error for " << path);
        } catch (const ConfigError& e) {
            CHECK(std::string(e.what()) == expected_error(path));
        }
    }
}

TEST_CASE("two files for one year are an error naming both", "[calendar]") {
    const auto dir = kData + "/calendars/duplicate_year";
    CHECK_THROWS_WITH(
        WorkCalendar::load({dir}),
        dir + "/b.yaml:2:9: a calendar for 2023 is already loaded from " + dir + "/a.yaml:2:9");
    // Also when the same file is named twice.
    CHECK_THROWS_WITH(
        WorkCalendar::load({dir + "/a.yaml", dir + "/a.yaml"}),
        dir + "/a.yaml:2:9: a calendar for 2023 is already loaded from " + dir + "/a.yaml:2:9");
}

TEST_CASE("holidays of different files must not overlap", "[calendar]") {
    const auto dir = kData + "/calendars/overlap_across";
    CHECK_THROWS_WITH(WorkCalendar::load({dir}),
                      dir +
                          "/cn-2023.yaml:5:7: holiday '元旦' (2022-12-31..2023-01-02) overlaps "
                          "holiday '跨年' (2022-12-30..2022-12-31) at " +
                          dir + "/cn-2022.yaml:5:7");
    // Each alone is fine.
    CHECK(WorkCalendar::load({dir + "/cn-2022.yaml"}).covers(2022));
    CHECK(WorkCalendar::load({dir + "/cn-2023.yaml"}).covers(2023));
}

TEST_CASE("missing calendar files and empty directories are errors", "[calendar]") {
    CHECK_THROWS_WITH(WorkCalendar::load({"/nonexistent/cn-2023.yaml"}),
                      "/nonexistent/cn-2023.yaml: cannot read file: No such file or directory");
    test::TempDir empty;
    CHECK_THROWS_WITH(WorkCalendar::load({empty.path()}),
                      empty.path().string() + ": no calendar files (*.yaml) in directory");
    CHECK(WorkCalendar::load({}).years().empty());
}
