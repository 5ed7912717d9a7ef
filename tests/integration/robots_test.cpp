// Robots on the real daemon: twelve units and the escalation office share one DingTalk robot (the
// HTTP sink); a burst of alerts, repeated every few seconds of the driven clock, never makes more
// than 20 posts to it in any minute of that clock, and every queued message's text arrives
// (merged posts carry them). The keyword of a DingTalk robot is checked against the templates at
// load, with file:line:col.
#include <sqlite3.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <set>

#include "harness.hpp"
#include "model/clock.hpp"
#include "receivers.hpp"
#include "store/sqlite.hpp"

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace std::chrono_literals;
using indicatord::TimePoint;

namespace {

void set_clock(it::Daemon& d, TimePoint now) {
    REQUIRE(it::http("POST", d.url("/-/clock"),
                     R"({"now":")" + indicatord::format_instant(now) + R"("})")
                .status == 200);
}

std::int64_t count(const fs::path& db, const std::string& sql, std::int64_t arg = 0) {
    indicatord::sqlite::Database c(db, SQLITE_OPEN_READONLY);
    sqlite3_busy_timeout(c.get(), 10000);
    indicatord::sqlite::Statement q(c, sql);
    if (sql.find('?') != std::string::npos) q.bind(1, arg);
    q.step();
    return q.int64(0);
}

/// The paragraphs of DingTalk markdown texts that are alert lines (【…】…).
std::multiset<std::string> alert_lines(const std::string& text) {
    std::multiset<std::string> out;
    std::size_t start = 0;
    for (;;) {
        const auto end = text.find("\n\n", start);
        const auto p = text.substr(start, end == std::string::npos ? end : end - start);
        if (p.find("【") != std::string::npos && p.rfind("####", 0) != 0) out.insert(p);
        if (end == std::string::npos) break;
        start = end + 2;
    }
    return out;
}

std::string markdown_text(const std::string& payload) {
    return std::string(json::parse(payload).at("markdown").at("text").as_string());
}

}  // namespace

TEST_CASE(
    "robots: 13 receivers sharing one DingTalk robot post at most 20 times a minute, "
    "nothing lost",
    "[robots][pacing]") {
    it::TempDir dir;
    it::HttpSink sink(dir, "robot");
    const auto robot = sink.url("/robot/send?access_token=shared");
    fs::create_directories(dir.path() / "rules");
    std::ofstream plan(dir.path() / "rules" / "plan.yaml");
    plan << "plan: {id: robots-2023, name: 机器人测试, year: 2023, timezone: Asia/Shanghai,\n"
            "       defaults: {cadence: quarter, due: 20d, grace: 5d}}\n"
            "units:\n";
    for (int u = 1; u <= 13; ++u) {
        const auto id = u == 13 ? std::string("dcs") : "u" + std::to_string(u);
        const auto name = u == 13 ? std::string("市委督查室") : "单位" + std::to_string(u);
        plan << "  - {id: " << id << ", name: " << name << ", receivers: [{webhook: '" << robot
             << "', format: dingtalk, keyword: indicatord}]}\n";
    }
    plan << "tasks:\n";
    for (int u = 1; u <= 13; ++u)
        plan << "  - number: " << u << "\n    text: 任务" << u << "的全文。\n    lead: "
             << (u == 13 ? std::string("市委督查室") : "单位" + std::to_string(u))
             << "\n    indicators:\n      - {key: ind" << u << ", name: 指标" << u
             << ", kind: threshold, measure: '%', op: '>=', target: 6, ytd: true}\n";
    plan.close();
    const auto config = dir.path() / "indicatord.yaml";
    std::ofstream(config) << "rules: rules\n"
                             "calendars: "
                          << it::kData << "/../../config/calendars\n"
                          << "evaluation_interval: 1h\n"
                             "alerting:\n"
                             "  group_interval: 1s\n"
                             "  repeat_interval: 5s\n"
                             "  escalation: {unit: dcs, after: [3wd]}\n";
    it::Daemon d(dir.path(), config.string(),
                 {"--test-clock", "--now", "2023-04-01T09:00:00+08:00"});
    const auto db = d.database();

    // Posts per step of the clock, once the daemon has sent (or deferred) all that is due.
    std::vector<std::pair<TimePoint, std::size_t>> posts_at;
    std::size_t seen = 0;
    auto step = [&](TimePoint now) {
        set_clock(d, now);
        const auto due_ms = now.time_since_epoch().count();
        REQUIRE(it::eventually([&] {
            return count(db,
                         "SELECT count(*) FROM outbox WHERE state = 'pending' AND "
                         "next_attempt_at <= ?",
                         due_ms) == 0;
        }));
        const auto total = sink.requests().size();
        posts_at.emplace_back(now, total - seen);
        seen = total;
    };

    // every indicator overdue at once, repeated every 5 s for three minutes
    const TimePoint t0 = indicatord::parse_instant("2023-04-26T09:00:00+08:00").value();
    for (int s = 0; s <= 180; s += 5) step(t0 + std::chrono::seconds(s));
    CHECK(count(db, "SELECT count(*) FROM outbox") >= 13 * 30);  // the burst: hundreds queued
    // every unit reports: they resolve, and the repeats stop; then the queue drains
    for (int u = 1; u <= 13; ++u)
        REQUIRE(it::http("POST", d.url("/api/v1/values"),
                         it::one_value("ind" + std::to_string(u), "2023-Q1", 7))
                    .status == 200);
    auto now = t0 + 185s;
    for (int i = 0; i == 0 || (i < 20 && count(db,
                                               "SELECT count(*) FROM outbox WHERE state = "
                                               "'pending'") > 0);
         ++i, now += 20s)
        step(now);
    CHECK(count(db, "SELECT count(*) FROM outbox WHERE state = 'pending'") == 0);
    CHECK(count(db, "SELECT count(*) FROM outbox WHERE state != 'delivered'") == 0);

    // no more than 20 posts in any minute of the driven clock
    std::size_t most = 0;
    for (const auto& [end, n] : posts_at) {
        std::size_t in_minute = 0;
        for (const auto& [t, k] : posts_at)
            if (t > end - 1min && t <= end) in_minute += k;
        most = std::max(most, in_minute);
    }
    CAPTURE(most, seen);
    CHECK(most <= 20);
    CHECK(most >= 15);  // the limit was reached, not merely never approached
    CHECK(seen < count(db, "SELECT count(*) FROM outbox"));  // merged

    // nothing lost: every alert line of every queued message is in a post, as often
    std::multiset<std::string> posted, queued;
    for (const auto& r : sink.requests()) {
        CHECK(r.at("path") == "/robot/send?access_token=shared");
        for (auto& l : alert_lines(markdown_text(std::string(r.at("body").as_string()))))
            posted.insert(l);
    }
    {
        indicatord::sqlite::Database c(db, SQLITE_OPEN_READONLY);
        indicatord::sqlite::Statement q(c, "SELECT payload FROM outbox");
        while (q.step())
            for (auto& l : alert_lines(markdown_text(std::string(q.text(0))))) queued.insert(l);
    }
    REQUIRE(queued.size() >= 13 * 30);
    std::size_t missing = 0;
    for (auto it = queued.begin(); it != queued.end(); it = queued.upper_bound(*it))
        if (posted.count(*it) < queued.count(*it)) {
            ++missing;
            UNSCOPED_INFO("missing: " << *it);
        }
    CHECK(missing == 0);
    // each of the 13 receivers' resolution arrived
    for (int u = 1; u <= 13; ++u) {
        const auto line = std::find_if(posted.begin(), posted.end(), [&](const std::string& l) {
            return l.find("【已恢复】任务" + std::to_string(u) + " ") != std::string::npos;
        });
        CHECK(line != posted.end());
    }
}

TEST_CASE("robots: a DingTalk keyword the templates would drop is refused at load",
          "[robots][keyword]") {
    it::TempDir dir;
    fs::create_directories(dir.path() / "rules");
    std::ofstream(dir.path() / "rules" / "plan.yaml")
        << "plan: {id: kw-2023, name: 关键词测试, year: 2023, timezone: Asia/Shanghai,\n"
           "       defaults: {cadence: quarter, due: 20d, grace: 5d}}\n"
           "units:\n"
           "  - id: fgw\n"
           "    name: 市发改委\n"
           "    receivers:\n"
           "      - {webhook: 'https://oapi.dingtalk.com/robot/send?access_token=x', format: "
           "dingtalk, keyword: 督办, at_mobiles: ['13800000001']}\n"
           "tasks:\n"
           "  - {number: 1, text: 全文, lead: 市发改委, indicators: [{key: g, name: 生产总值增长, "
           "kind: threshold, measure: '%', op: '>=', target: 6}]}\n";
    const auto templates = dir.path() / "templates.yaml";
    std::ofstream(templates) << "templates:\n"
                                "  subject: '{receiver_name}:{counts}'\n";
    const auto config = dir.path() / "indicatord.yaml";
    std::ofstream(config) << "rules: rules\n"
                             "calendars: "
                          << it::kData << "/../../config/calendars\n"
                          << "alerting:\n"
                             "  templates: "
                          << templates.string() << "\n";
    const auto plan_file = (dir.path() / "rules" / "plan.yaml").string();
    auto [status, out] = it::run(it::kDaemon + " --check --config " + config.string() + " 2>&1");
    CHECK(status != 0);
    CHECK(out.find(templates.string() +
                   ":2:12: template 'subject' drops the keyword: the DingTalk robot of unit fgw (" +
                   plan_file +
                   ":7:9) has keyword '督办', and DingTalk refuses a message whose "
                   "text lacks it; write it into the template's text (outside {...})") !=
          std::string::npos);
    INFO(out);

    // with the keyword in the subject, it loads
    std::ofstream(templates) << "templates:\n"
                                "  subject: '【督办】{receiver_name}:{counts}'\n"
                                "  subject_fallback: '【督办】{counts}'\n";
    std::tie(status, out) = it::run(it::kDaemon + " --check --config " + config.string() + " 2>&1");
    INFO(out);
    CHECK(status == 0);

    // an option that does not fit the format names itself
    {
        auto text = it::slurp(plan_file);
        text.replace(text.find("format: dingtalk"), 16, "format: wecom");
        std::ofstream(plan_file) << text;
    }
    std::tie(status, out) = it::run(it::kDaemon + " --check --config " + config.string() + " 2>&1");
    CHECK(status != 0);
    CHECK(out.find(plan_file + ":7:118: at_mobiles is for dingtalk receivers, not format wecom") !=
          std::string::npos);
    INFO(out);
}
