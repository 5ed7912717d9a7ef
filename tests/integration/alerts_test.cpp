// Alerts end to end: the real daemon on a driven clock (--test-clock, POST /-/clock), a real
// SMTP server and a real webhook receiver; reminders, overdue, escalation on working days,
// resolution, acknowledgement, silences, retries, 4xx give-up and kill -9 between send and confirm.
#include <signal.h>

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <fstream>
#include <set>

#include "harness.hpp"
#include "receivers.hpp"

namespace json = boost::json;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

struct Setup {
    it::TempDir dir;
    it::SmtpSink smtp{dir};
    it::HttpSink hook{dir, "hook"};
    fs::path config = dir.path() / "indicatord.yaml";

    Setup() {
        fs::create_directories(dir.path() / "rules");
        std::ofstream(dir.path() / "rules" / "plan.yaml")
            << "plan: {id: alert-2023, name: 告警测试, year: 2023, timezone: Asia/Shanghai,\n"
               "       defaults: {cadence: quarter, due: 20d, grace: 5d, remind: 3d}}\n"
               "units:\n"
               "  - {id: fgw, name: 市发改委, receivers: [{email: fgw@example.org}, {webhook: '"
            << hook.url("/fgw") << "', format: generic}]}\n"
            << "  - {id: dcs, name: 市政府督查室, receivers: [{webhook: '" << hook.url("/dcs")
            << "'}]}\n"
            << "tasks:\n"
               "  - number: 1\n"
               "    text: 生产总值增长6%以上。\n"
               "    lead: 市发改委\n"
               "    indicators:\n"
               "      - {key: gdp_growth, name: 生产总值增长, kind: threshold, measure: '%', op: "
               "'>=', target: 6, ytd: true}\n";
        std::ofstream(config) << "rules: rules\n"
                                 "calendars: "
                              << it::kData << "/../../config/calendars\n"
                              << "evaluation_interval: 1h\n"
                                 "alerting:\n"
                                 "  external_url: http://indicatord.example.org\n"
                                 "  group_interval: 1m\n"
                                 "  repeat_interval: 30d\n"
                                 "  escalation: {unit: dcs, after: [3wd]}\n"
                                 "  smtp: {url: '"
                              << smtp.url() << "', from: indicatord@example.org}\n"
                              << "  delivery: {backoff_initial: 1s, backoff_max: 2s}\n";
    }

    std::unique_ptr<it::Daemon> start(const std::string& now = "2023-04-01T09:00:00+08:00") {
        return std::make_unique<it::Daemon>(dir.path(), config.string(),
                                            std::vector<std::string>{"--test-clock", "--now", now});
    }
};

// Webhook requests to `path`, parsed.
std::vector<json::object> bodies(const it::HttpSink& sink, const std::string& path) {
    std::vector<json::object> out;
    for (auto& r : sink.requests())
        if (r.at("path").as_string() == path)
            out.push_back(json::parse(r.at("body").as_string()).as_object());
    return out;
}

bool has_alert(const json::object& payload, const std::string& alertname,
               const std::string& status) {
    for (const auto& a : payload.at("alerts").as_array())
        if (a.at("labels").at("alertname").as_string() == alertname &&
            a.at("status").as_string() == status)
            return true;
    return false;
}

}  // namespace

TEST_CASE("reminder, overdue, escalation after 3 working days, resolution: email and webhook",
          "[alerts]") {
    Setup s;
    auto d = s.start();
    CHECK(bodies(s.hook, "/fgw").empty());

    // 3 days before the due date (2023-04-20) the lead unit is reminded, by email and webhook
    set_clock(*d, "2023-04-17T09:00:00+08:00");
    REQUIRE(it::eventually(
        [&] { return bodies(s.hook, "/fgw").size() == 1 && s.smtp.messages() == 1; }));
    auto first = bodies(s.hook, "/fgw")[0];
    CHECK(first.at("version").as_string() == "4");
    CHECK(first.at("status").as_string() == "firing");
    CHECK(first.at("receiver").as_string() == "fgw/1");
    CHECK(has_alert(first, "indicator_reminder", "firing"));
    auto alert = first.at("alerts").as_array()[0].as_object();
    CHECK(alert.at("labels").at("indicator").as_string() == "gdp_growth");
    CHECK(alert.at("labels").at("lead_unit").as_string() == "fgw");
    CHECK(alert.at("fingerprint").as_string().size() == 16);
    const auto eml = it::slurp(s.smtp.dir() / "1.eml");
    CHECK_THAT(eml, Catch::Contains("To: fgw@example.org"));
    CHECK_THAT(eml, Catch::Contains("X-Indicatord-Idempotency-Key: "));

    // past due plus grace: overdue fires, the reminder resolves; one digest per receiver
    set_clock(*d, "2023-04-26T09:00:00+08:00");
    REQUIRE(it::eventually([&] { return bodies(s.hook, "/fgw").size() == 2; }));
    auto second = bodies(s.hook, "/fgw")[1];
    CHECK(has_alert(second, "indicator_overdue", "firing"));
    CHECK(has_alert(second, "indicator_reminder", "resolved"));
    CHECK(bodies(s.hook, "/dcs").empty());

    // escalation after 3 working days: 04-27, 04-28, then 劳动节 (04-29..05-03), so 05-04
    set_clock(*d, "2023-05-03T23:00:00+08:00");
    auto alerts = json::parse(it::http("GET", d->url("/api/v1/alerts?state=firing")).body)
                      .at("alerts")
                      .as_array();
    REQUIRE(alerts.size() == 1);
    CHECK(alerts[0].at("escalation_level").to_number<int>() == 0);
    CHECK(bodies(s.hook, "/dcs").empty());
    set_clock(*d, "2023-05-04T09:00:00+08:00");
    REQUIRE(it::eventually([&] { return bodies(s.hook, "/dcs").size() == 1; }));
    CHECK(has_alert(bodies(s.hook, "/dcs")[0], "indicator_overdue", "firing"));

    // the report arrives and meets the target: resolved to the unit and to the supervision office
    REQUIRE(it::http("POST", d->url("/api/v1/values"),
                     R"({"values":[{"indicator":"gdp_growth","period":"2023-Q1","value":6.5}]})")
                .status == 200);
    set_clock(*d, "2023-05-05T09:00:00+08:00");
    REQUIRE(it::eventually(
        [&] { return bodies(s.hook, "/dcs").size() == 2 && bodies(s.hook, "/fgw").size() == 3; }));
    CHECK(has_alert(bodies(s.hook, "/fgw")[2], "indicator_overdue", "resolved"));
    CHECK(bodies(s.hook, "/fgw")[2].at("status").as_string() == "resolved");
    CHECK(has_alert(bodies(s.hook, "/dcs")[1], "indicator_overdue", "resolved"));
    REQUIRE(it::eventually([&] { return s.smtp.messages() == 3; }));

    // The sink has a request before the daemon has read its answer and counted it: poll.
    const std::string delivered =
        "indicatord_notifications_total{channel=\"generic\",result=\"delivered\"} 5";
    CHECK(it::eventually([&] {
        return it::http("GET", d->url("/metrics")).body.find(delivered) != std::string::npos;
    }));
    auto metrics = it::http("GET", d->url("/metrics")).body;
    CHECK_THAT(metrics, Catch::Contains(delivered));
    CHECK_THAT(metrics,
               Catch::Contains("indicatord_alerts{kind=\"overdue\",state=\"resolved\"} 1"));
}

TEST_CASE("acknowledgement and silences over the API", "[alerts]") {
    Setup s;
    auto d = s.start();
    // a silence for the indicator, then the overdue time: nothing is sent
    auto bad =
        it::http("POST", d->url("/api/v1/silences"), R"({"matchers":{"indicator":"gdp_growth"}})");
    CHECK(bad.status == 400);
    CHECK(json::parse(bad.body).at("error").as_string() ==
          "a silence needs ends_at after starts_at");
    auto created =
        it::http("POST", d->url("/api/v1/silences"),
                 R"({"matchers":{"indicator":"gdp_growth"},"ends_at":"2023-05-01T00:00:00+08:00",
                                "author":"督查室","comment":"已电话督办"})");
    REQUIRE(created.status == 200);
    const auto id = json::parse(created.body).at("id").to_number<int>();
    set_clock(*d, "2023-04-26T09:00:00+08:00");
    auto firing = json::parse(it::http("GET", d->url("/api/v1/alerts?state=firing")).body)
                      .at("alerts")
                      .as_array();
    REQUIRE(firing.size() == 1);  // recorded...
    CHECK(firing[0].at("kind").as_string() == "overdue");
    CHECK(
        bodies(s.hook, "/fgw").empty());  // ...but not sent (the tick ran before /-/clock answered)
    CHECK(s.smtp.messages() == 0);

    // acknowledge it
    const std::string fp(firing[0].at("fingerprint").as_string());
    auto ack = it::http("POST", d->url("/api/v1/alerts/" + fp + "/ack"),
                        R"({"comment":"正在核算","author":"王科长"})");
    REQUIRE(ack.status == 200);
    CHECK(json::parse(ack.body).at("acknowledged").at("comment").as_string() == "正在核算");
    CHECK(it::http("POST", d->url("/api/v1/alerts/0000000000000000/ack"), "{}").status == 404);

    // expiring the silence lets the alert out at the next flush
    CHECK(it::http("DELETE", d->url("/api/v1/silences/" + std::to_string(id))).status == 200);
    CHECK(it::http("DELETE", d->url("/api/v1/silences/" + std::to_string(id))).status == 404);
    set_clock(*d, "2023-04-27T09:00:00+08:00");
    REQUIRE(it::eventually([&] { return bodies(s.hook, "/fgw").size() == 1; }));
    CHECK(has_alert(bodies(s.hook, "/fgw")[0], "indicator_overdue", "firing"));
    auto silences =
        json::parse(it::http("GET", d->url("/api/v1/silences")).body).at("silences").as_array();
    REQUIRE(silences.size() == 1);
    CHECK(silences[0].at("active").as_bool() == false);
}

TEST_CASE(
    "a receiver that fails is retried, kill -9 before confirm resends once, confirmed ones never",
    "[alerts][durability]") {
    Setup s;
    s.hook.answer(503, "busy");
    std::string key;
    {
        auto d = s.start();
        set_clock(*d, "2023-04-26T09:00:00+08:00");
        // retried with backoff (on the daemon's clock) while the receiver answers 503
        REQUIRE(it::eventually([&] { return bodies(s.hook, "/fgw").size() == 1; }));
        // the sink sees the request before the daemon records the failure and the next attempt
        // (the backoff counts from then, on the daemon's clock): move the clock only after that
        REQUIRE(it::eventually([&] {
            return it::http("GET", d->url("/metrics"))
                       .body.find(
                           "indicatord_notifications_total{channel=\"generic\",result="
                           "\"retry\"} 1") != std::string::npos;
        }));
        set_clock(*d, "2023-04-26T09:00:05+08:00");
        REQUIRE(it::eventually([&] { return bodies(s.hook, "/fgw").size() >= 2; }));
        auto reqs = s.hook.requests();
        for (auto& r : reqs)
            if (r.at("path").as_string() == "/fgw")
                key = it::header(r, "X-Indicatord-Idempotency-Key");
        CHECK(key.size() == 32);
        for (auto& r : reqs)
            if (r.at("path").as_string() == "/fgw")
                CHECK(it::header(r, "X-Indicatord-Idempotency-Key") == key);
        d->process().signal(SIGKILL);
        REQUIRE(d->process().wait(5s));
    }
    s.hook.answer(200, "ok");
    const auto before = bodies(s.hook, "/fgw").size();
    {
        auto d = s.start("2023-04-26T09:01:00+08:00");  // past the last backoff
        // the pending notification goes out after the restart, with the same key
        REQUIRE(it::eventually([&] { return bodies(s.hook, "/fgw").size() > before; }));
        REQUIRE(it::eventually([&] {
            return it::http("GET", d->url("/metrics")).body.find("indicatord_outbox_pending 0") !=
                   std::string::npos;
        }));
        auto reqs = s.hook.requests();
        CHECK(it::header(reqs.back(), "X-Indicatord-Idempotency-Key") == key);
        d->process().signal(SIGTERM);
        REQUIRE(d->process().wait(5s) == 0);
    }
    const auto delivered = bodies(s.hook, "/fgw").size();
    {
        // a third start: the alert is still firing but was notified, and the delivery was confirmed
        auto d = s.start("2023-04-26T10:00:00+08:00");
        set_clock(*d, "2023-04-26T10:05:00+08:00");
        REQUIRE(it::eventually([&] {
            return it::http("GET", d->url("/metrics")).body.find("indicatord_outbox_pending 0") !=
                   std::string::npos;
        }));
        CHECK(bodies(s.hook, "/fgw").size() == delivered);
    }
}

TEST_CASE("a 4xx answer gives up with the reason logged", "[alerts]") {
    Setup s;
    s.hook.answer(400, "bad payload");
    auto d = s.start();
    set_clock(*d, "2023-04-26T09:00:00+08:00");
    REQUIRE(it::eventually([&] {
        return it::http("GET", d->url("/metrics"))
                   .body.find(
                       "indicatord_notifications_total{channel=\"generic\",result=\"give_up\"} "
                       "1") != std::string::npos;
    }));
    CHECK_THAT(d->process().err(), Catch::Contains("giving up generic notification"));
    CHECK_THAT(d->process().err(), Catch::Contains("HTTP 400"));
    CHECK(bodies(s.hook, "/fgw").size() == 1);  // not retried
}

TEST_CASE("indicatorctl alerts, ack and silence talk to the running daemon", "[alerts][ctl]") {
    Setup s;
    auto d = s.start();
    const auto ctl = it::kCtl + " ";
    const auto cfg = s.config.string() + " --url " + d->url("") + " -o json";
    auto [code, out] = it::run(
        ctl + "silence add " + cfg +
        " --match indicator=gdp_growth --match kind=overdue --until 2023-05-01T00:00:00+08:00"
        " --author 督查室 --comment 已电话督办");
    INFO(out);
    REQUIRE(code == 0);
    CHECK(json::parse(out).at("matchers").at("kind").as_string() == "overdue");
    auto listed = it::run(ctl + "silence list " + cfg);
    CHECK(json::parse(listed.second).at("silences").as_array().size() == 1);

    set_clock(*d, "2023-04-26T09:00:00+08:00");
    auto alerts = it::run(ctl + "alerts " + cfg + " --state firing --kind overdue");
    REQUIRE(alerts.first == 0);
    auto list = json::parse(alerts.second).at("alerts").as_array();
    REQUIRE(list.size() == 1);
    const std::string fp(list[0].at("fingerprint").as_string());
    auto ack = it::run(ctl + "ack " + cfg + " " + fp + " --comment 正在核算");
    CHECK(ack.first == 0);
    CHECK(json::parse(ack.second).at("acknowledged").at("comment").as_string() == "正在核算");
    auto expired = it::run(ctl + "silence expire " + cfg + " 1");
    CHECK(expired.first == 0);
    auto again = it::run(ctl + "silence expire " + cfg + " 1");
    CHECK(again.first == 1);
    CHECK(again.second == "indicatorctl: 404: no active silence with id 1\n");
    auto usage = it::run(ctl + "silence add " + cfg + " --until 2023-05-01T00:00:00+08:00");
    CHECK(usage.first == 2);
}

TEST_CASE("the bundled Lishui plan on a driven clock: reminders, overdue and escalation by email",
          "[alerts][lishui]") {
    it::TempDir dir;
    it::SmtpSink smtp(dir);
    const auto config = dir.path() / "lishui.yaml";
    const auto root = it::kData + "/../..";
    std::ofstream(config)
        << "rules: " << root << "/rules/lishui-2023\ncalendars: " << root << "/config/calendars\n"
        << "evaluation_interval: 1h\nalerting:\n  group_interval: 1m\n  repeat_interval: 30d\n"
        << "  escalation: {unit: dcs, after: [3wd]}\n  smtp: {url: '" << smtp.url()
        << "', from: indicatord@example.org}\n";
    it::Daemon d(dir.path(), config.string(),
                 {"--test-clock", "--now", "2023-04-01T09:00:00+08:00"});
    auto subjects = [&] {
        std::vector<std::string> out;
        for (const auto& e : fs::directory_iterator(smtp.dir()))
            if (e.path().extension() == ".eml") out.push_back(it::slurp(e.path()));
        return out;
    };
    // 2023-04-07: quarterly progress reports (due 04-10, remind 3 days ahead) -> reminders
    set_clock(d, "2023-04-07T09:00:00+08:00");
    REQUIRE(it::eventually([&] { return smtp.messages() >= 50; }, 60s));
    const auto after_reminders = smtp.messages();
    auto firing =
        json::parse(it::http("GET", d.url("/api/v1/alerts?state=firing&kind=reminder")).body)
            .at("alerts")
            .as_array();
    CHECK(firing.size() >= 100);
    // every reminder email went to a unit's address
    for (const auto& m : subjects()) CHECK_THAT(m, Catch::Contains("@example.org"));

    // 2023-04-16: the progress reports are past due plus grace -> overdue alerts to the units
    set_clock(d, "2023-04-16T09:00:00+08:00");
    REQUIRE(it::eventually([&] { return smtp.messages() >= after_reminders + 50; }, 60s));
    auto overdue =
        json::parse(it::http("GET", d.url("/api/v1/alerts?state=firing&kind=overdue")).body)
            .at("alerts")
            .as_array();
    CHECK(overdue.size() >= 100);

    // fired on Sunday 04-16; three working days later (04-17, 04-18, 04-19): from 04-19 00:00
    // escalated to 市政府督查室 (dcs@example.org)
    auto levels_of_0416 = [&] {
        std::set<int> levels;
        const auto doc =
            json::parse(it::http("GET", d.url("/api/v1/alerts?state=firing&kind=overdue")).body);
        for (const auto& a : doc.at("alerts").as_array())
            if (a.at("started_at").as_string() == "2023-04-16T01:00:00.000Z")
                levels.insert(a.at("escalation_level").to_number<int>());
        return levels;
    };
    set_clock(d, "2023-04-18T23:00:00+08:00");
    CHECK(levels_of_0416() == std::set<int>{0});
    set_clock(d, "2023-04-19T09:00:00+08:00");
    CHECK(levels_of_0416() == std::set<int>{1});
    REQUIRE(it::eventually(
        [&] {
            for (const auto& e : fs::directory_iterator(smtp.dir()))
                if (e.path().extension() == ".json" &&
                    it::slurp(e.path()).find("dcs@example.org") != std::string::npos)
                    return true;
            return false;
        },
        60s));
    // and the outbox drains: nothing left pending, nothing given up
    REQUIRE(it::eventually(
        [&] {
            return it::http("GET", d.url("/metrics")).body.find("indicatord_outbox_pending 0") !=
                   std::string::npos;
        },
        60s));
    CHECK(it::http("GET", d.url("/metrics")).body.find("result=\"give_up\"") == std::string::npos);
}
