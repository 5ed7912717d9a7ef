// Email headers as a real SMTP server receives them: Message-ID in the From address's domain and
// Auto-Submitted (RFC 3834), so that out-of-office replies do not answer alerts.
#include <catch2/catch.hpp>
#include <fstream>
#include <regex>

#include "harness.hpp"
#include "receivers.hpp"

namespace fs = std::filesystem;

TEST_CASE("email: Message-ID in the From domain and Auto-Submitted: auto-generated", "[email]") {
    it::TempDir dir;
    it::SmtpSink smtp{dir};
    fs::create_directories(dir.path() / "rules");
    std::ofstream(dir.path() / "rules" / "plan.yaml")
        << "plan: {id: mail-2023, name: 邮件测试, year: 2023, timezone: Asia/Shanghai,\n"
           "       defaults: {cadence: quarter, due: 20d, grace: 5d, remind: 3d}}\n"
           "units:\n"
           "  - {id: fgw, name: 市发改委, receivers: [{email: fgw@example.org}]}\n"
           "tasks:\n"
           "  - number: 1\n"
           "    text: 生产总值增长6%以上。\n"
           "    lead: 市发改委\n"
           "    indicators:\n"
           "      - {key: gdp_growth, name: 生产总值增长, kind: threshold, measure: '%', op: "
           "'>=', target: 6, ytd: true}\n";
    const auto config = dir.path() / "indicatord.yaml";
    std::ofstream(config) << "rules: rules\ncalendars: " << it::kData
                          << "/../../config/calendars\nevaluation_interval: 1h\n"
                             "alerting:\n  group_interval: 1m\n  smtp: {url: '"
                          << smtp.url() << "', from: alerts@lishui.example.gov.cn}\n";
    // 3 days before the due date (2023-04-20) the lead unit is reminded by email
    it::Daemon d(dir.path(), config.string(),
                 {"--test-clock", "--now", "2023-04-01T09:00:00+08:00"});
    REQUIRE(it::http("POST", d.url("/-/clock"), R"({"now":"2023-04-17T09:00:00+08:00"})").status ==
            200);
    REQUIRE(it::eventually([&] { return smtp.messages() == 1; }));
    const auto eml = it::slurp(smtp.dir() / "1.eml");
    INFO(eml.substr(0, 1200));
    CHECK(std::regex_search(
        eml, std::regex("\r?\nMessage-ID: <[^@>\r\n]+@lishui\\.example\\.gov\\.cn>\r?\n")));
    CHECK(std::regex_search(eml, std::regex("\r?\nAuto-Submitted: auto-generated\r?\n")));
}
