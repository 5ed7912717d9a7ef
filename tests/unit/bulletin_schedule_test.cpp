// The scheduled bulletins' config (`bulletins:`), their checks against the rules, the schedule
// arithmetic on the working-day calendar and the email with its attachment.
#include "report/bulletin_schedule.hpp"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>

#include "app/rules.hpp"
#include "config/config.hpp"
#include "notify/bulletin_mail.hpp"
#include "notify/mime.hpp"
#include "test_util.hpp"
#include "util/digest.hpp"
#include "util/errors.hpp"
#include "util/utf8.hpp"

using namespace indicatord;
namespace fs = std::filesystem;

namespace {

// A config of the minimal plan with `bulletins` appended (line 4 on), in a temporary folder.
struct ConfigFile {
    fs::path dir = fs::temp_directory_path() / ("bulletin-schedule-" + std::to_string(::getpid()));
    fs::path file = dir / "indicatord.yaml";
    explicit ConfigFile(const std::string& bulletins) {
        fs::create_directories(dir);
        std::ofstream(file) << "rules: " << test::kData << "/minimal\n"
                            << "calendars: " << test::kData << "/../../config/calendars\n"
                            << "database: x.db\n"
                            << bulletins;
    }
    ~ConfigFile() { fs::remove_all(dir); }
    std::string error() const {
        try {
            load_rules(load_config(file));
        } catch (const ConfigError& e) {
            return e.what();
        }
        return "no error";
    }
};

TimePoint instant(const std::string& text) {
    auto t = parse_instant(text);
    REQUIRE(t);
    return *t;
}

BulletinScheduleConfig schedule(BulletinScheduleConfig::Every every, int on, bool wd = true) {
    BulletinScheduleConfig s;
    s.every = every;
    s.on = on;
    s.on_working_days = wd;
    return s;
}

const WorkCalendar& calendar() {
    static const WorkCalendar c =
        WorkCalendar::load({fs::path(test::kData) / "../../config/calendars"});
    return c;
}

const date::time_zone* shanghai() {
    return date::locate_zone("Asia/Shanghai");
}

}  // namespace

TEST_CASE("a bulletins: section loads with its defaults", "[bulletin][schedule][config]") {
    ConfigFile f(
        "bulletins:\n"
        "  - {plan: test-2023, every: month, on: 5wd, to: [fgw]}\n"
        "  - {every: quarter, on: '10', at: '16:30', to: [fgw/0], formats: [xlsx, html, md]}\n");
    const auto c = load_config(f.file);
    REQUIRE(c.bulletins.size() == 2);
    CHECK(c.bulletins[0].plan == "test-2023");
    CHECK(c.bulletins[0].every == BulletinScheduleConfig::Every::month);
    CHECK(c.bulletins[0].on == 5);
    CHECK(c.bulletins[0].on_working_days);
    CHECK(c.bulletins[0].at == std::chrono::minutes(9 * 60));
    CHECK(c.bulletins[0].formats == std::vector<std::string>{"xlsx", "md"});
    CHECK(c.bulletins[1].on == 10);
    CHECK_FALSE(c.bulletins[1].on_working_days);
    CHECK(c.bulletins[1].at == std::chrono::minutes(16 * 60 + 30));
    CHECK(on_text(c.bulletins[1]) == "10");
    CHECK(f.error() == "no error");
}

TEST_CASE("every error of the bulletins: section is named at its place, all in one run",
          "[bulletin][schedule][config]") {
    ConfigFile f(
        "bulletins:\n"
        "  - {every: fortnight, to: [fgw]}\n"
        "  - {every: month, on: 30wd, to: [fgw]}\n"
        "  - {every: week, on: 8, to: [fgw]}\n"
        "  - {every: month, at: '9am', to: [fgw]}\n"
        "  - {every: month, to: []}\n"
        "  - {every: month, to: [fgw], formats: [xlsx, pdf]}\n"
        "  - {every: month, to: [fgw], formats: [md, md]}\n"
        "  - {every: month, to: [fgw], color: red}\n");
    const auto p = f.file.string();
    try {
        load_config(f.file);
        FAIL("no error");
    } catch (const ConfigError& e) {
        const std::string text = e.what();
        CHECK_THAT(text, Catch::Contains(p + ":5:13: every must be week, month or quarter, got "
                                             "'fortnight'"));
        CHECK_THAT(text, Catch::Contains(p + ":6:24: on must be the Nth working day like '5wd' "
                                             "(1wd to 15wd) or a day like '5' (1 to 28) of the "
                                             "month, got '30wd'"));
        CHECK_THAT(text, Catch::Contains(p + ":7:23: on must be the Nth working day like '5wd' "
                                             "(1wd to 5wd) or a day like '5' (1 to 7) of the week, "
                                             "got '8'"));
        CHECK_THAT(text, Catch::Contains(p + ":8:24: at must be a time of day like \"09:00\", got "
                                             "'9am'"));
        CHECK_THAT(text, Catch::Contains(p + ":9:24: to must be a non-empty list of units (or "
                                             "unit/receiver), like [dcs]"));
        CHECK_THAT(text, Catch::Contains(p + ":10:47: unknown bulletin format 'pdf' (allowed: "
                                             "xlsx, html, json, md)"));
        CHECK_THAT(text, Catch::Contains(p + ":11:45: format 'md' is listed twice"));
        CHECK_THAT(text,
                   Catch::Contains(p + ":12:31: unknown key 'color' in bulletin schedule (allowed: "
                                       "plan, every, on, at, to, formats)"));
    }
}

TEST_CASE("the plan and the receivers of a schedule are checked against the rules",
          "[bulletin][schedule][config]") {
    ConfigFile f(
        "bulletins:\n"
        "  - {plan: lishui-2023, every: month, to: [fgw]}\n"
        "  - {every: month, to: [dcs, tjj, fgw/1, fgw/0]}\n"
        "  - {every: month, on: 5wd, to: [fgw]}\n");
    const auto p = f.file.string();
    const auto text = f.error();
    CHECK_THAT(text, Catch::Contains(p + ":5:12: bulletin schedule names plan 'lishui-2023', "
                                         "which is not loaded (plan test-2023)"));
    CHECK_THAT(text,
               Catch::Contains(p + ":6:25: bulletin receiver 'dcs': 'dcs' is not a unit of plan "
                                   "test-2023"));
    CHECK_THAT(text, Catch::Contains(p + ":6:30: bulletin receiver 'tjj': unit 'tjj' has no "
                                         "receivers"));
    CHECK_THAT(text, Catch::Contains(p + ":6:35: bulletin receiver 'fgw/1': unit 'fgw' has "
                                         "receivers fgw/0 to fgw/0"));
    CHECK_THAT(text, Catch::Contains(p +
                                     ":7:5: a second bulletin schedule of plan 'test-2023' "
                                     "every month on 5wd (the first is at " +
                                     p + ":6:5)"));
    CHECK_THAT(text, !Catch::Contains("fgw/0'"));
}

TEST_CASE("the Nth working day of a period follows the calendar's holidays and make-up days",
          "[bulletin][schedule]") {
    using E = BulletinScheduleConfig::Every;
    const auto month = schedule(E::month, 5);
    // July 2023: Monday 3rd to Friday 7th
    auto july =
        scheduled_run(month, date::sys_days{date::year{2023} / 7 / 1}, calendar(), shanghai());
    CHECK(july.period == "2023-07");
    CHECK(format_instant(july.at) == "2023-07-07T01:00:00.000Z");  // 09:00 in Shanghai
    // October 2023: 国庆 to the 6th, then the make-up Saturday 7th and Sunday 8th work
    auto october =
        scheduled_run(month, date::sys_days{date::year{2023} / 10 / 1}, calendar(), shanghai());
    CHECK(format_instant(october.at) == "2023-10-11T01:00:00.000Z");
    auto first = scheduled_run(schedule(E::month, 1), date::sys_days{date::year{2023} / 10 / 1},
                               calendar(), shanghai());
    CHECK(format_instant(first.at) == "2023-10-07T01:00:00.000Z");
    // a plain day number ignores the calendar
    auto plain = scheduled_run(schedule(E::month, 5, false),
                               date::sys_days{date::year{2023} / 10 / 1}, calendar(), shanghai());
    CHECK(format_instant(plain.at) == "2023-10-05T01:00:00.000Z");
    auto quarter = scheduled_run(schedule(E::quarter, 5), date::sys_days{date::year{2023} / 7 / 1},
                                 calendar(), shanghai());
    CHECK(quarter.period == "2023-Q3");
    CHECK(format_instant(quarter.at) == "2023-07-07T01:00:00.000Z");
    auto week = scheduled_run(schedule(E::week, 1), date::sys_days{date::year{2023} / 7 / 3},
                              calendar(), shanghai());
    CHECK(week.period == "2023-W27");
    CHECK(format_instant(week.at) == "2023-07-03T01:00:00.000Z");
    // ISO weeks: 2023-01-01 is a Sunday, in 2022's week 52
    auto new_year = scheduled_run(schedule(E::week, 1), date::sys_days{date::year{2022} / 12 / 26},
                                  calendar(), shanghai());
    CHECK(new_year.period == "2022-W52");
}

TEST_CASE("the latest due run, the one before it and the years a schedule runs for",
          "[bulletin][schedule]") {
    using E = BulletinScheduleConfig::Every;
    const auto month = schedule(E::month, 5);
    const ScheduleYears years{2023, 2023};
    // just before July's run: June's is the latest
    auto before =
        latest_due_run(month, instant("2023-07-07T08:59:59+08:00"), years, calendar(), shanghai());
    REQUIRE(before);
    CHECK(before->period == "2023-06");
    auto at =
        latest_due_run(month, instant("2023-07-07T09:00:00+08:00"), years, calendar(), shanghai());
    REQUIRE(at);
    CHECK(at->period == "2023-07");
    auto previous = previous_run(month, *at, years, calendar(), shanghai());
    REQUIRE(previous);
    CHECK(previous->period == "2023-06");
    // before the plan year's first run: nothing; January's has no previous one
    CHECK_FALSE(
        latest_due_run(month, instant("2023-01-05T00:00:00+08:00"), years, calendar(), shanghai()));
    auto january =
        latest_due_run(month, instant("2023-01-31T00:00:00+08:00"), years, calendar(), shanghai());
    REQUIRE(january);
    CHECK(january->period == "2023-01");
    CHECK_FALSE(previous_run(month, *january, years, calendar(), shanghai()));
    // after the year: the run of next January (the year's end) is the last one
    auto later =
        latest_due_run(month, instant("2024-06-30T00:00:00+08:00"), years, calendar(), shanghai());
    REQUIRE(later);
    CHECK(later->period == "2024-01");
    CHECK(schedule_key(month, "lishui-2023") == "lishui-2023/month/5wd");
}

TEST_CASE("an attachment is named by RFC 2231 and RFC 2047 and its bytes survive base64",
          "[bulletin][schedule][email]") {
    CHECK(mime::rfc2231_parameter("filename", "a b.xlsx") == "filename*=UTF-8''a%20b.xlsx");
    const std::string name = "丽水市政府工作报告重点工作责任分解(2023年)督查通报-2023-07.xlsx";
    const auto param = mime::rfc2231_parameter("filename", name);
    CHECK_THAT(param, Catch::StartsWith("filename*0*=UTF-8''%E4%B8%BD%E6%B0%B4"));
    CHECK_THAT(param, Catch::Contains(";\r\n filename*1*="));
    // each section holds whole characters: decoded alone, it is valid UTF-8; together, the name
    std::string joined;
    for (std::size_t at = 0; at < param.size();) {
        auto end = param.find(";\r\n ", at);
        if (end == std::string::npos) end = param.size();
        auto section = param.substr(at, end - at);
        section = section.substr(section.find('=') + 1);
        if (section.starts_with("UTF-8''")) section = section.substr(7);
        std::string decoded;
        for (std::size_t i = 0; i < section.size(); ++i)
            if (section[i] == '%') {
                decoded += static_cast<char>(std::stoi(section.substr(i + 1, 2), nullptr, 16));
                i += 2;
            } else {
                decoded += section[i];
            }
        CHECK(is_valid_utf8(decoded));
        joined += decoded;
        at = end + 4;
    }
    CHECK(joined == name);
    for (std::size_t at = 0, nl; at < param.size(); at = nl + 2) {
        nl = param.find("\r\n", at);
        if (nl == std::string::npos) nl = param.size();
        CHECK(nl - at <= 76);
    }
    AttachedMail m;
    m.from = "indicatord@example.org";
    m.to = {"dcs@example.org"};
    m.subject = "督查通报";
    m.text = "截至7月7日，3项任务中。";
    m.idempotency_key = "k1";
    m.attachments.push_back({name,
                             "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                             std::string("PK\x03\x04\x00\xff", 6)});
    const auto mime = render_attached_mail(m);
    CHECK_THAT(mime, Catch::Contains("Content-Type: multipart/mixed;\r\n boundary="));
    CHECK_THAT(mime, Catch::Contains("Content-Type: application/vnd.openxmlformats-officedocument."
                                     "spreadsheetml.sheet;\r\n name=\"=?UTF-8?B?"));
    CHECK_THAT(mime, Catch::Contains("Content-Disposition: attachment;\r\n filename*0*=UTF-8''"));
    CHECK_THAT(mime, Catch::Contains(base64(std::string("PK\x03\x04\x00\xff", 6))));
    CHECK_THAT(mime, Catch::Contains("Message-ID: <k1@indicatord>"));
    for (std::size_t at = 0, nl; (nl = mime.find("\r\n", at)) != std::string::npos; at = nl + 2)
        CHECK(nl - at <= 998);
}
