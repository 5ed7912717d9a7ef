// Message templates against the real daemon: a template with a placeholder its renderer does not
// provide is refused by `indicatorctl check`, at start and by a reload (which keeps the running
// templates), instead of crashing the daemon at the first notification (issue 9, finding 1).
#include <signal.h>

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <fstream>

#include "harness.hpp"
#include "receivers.hpp"

namespace json = boost::json;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

struct Setup {
    it::TempDir dir;
    it::HttpSink hook{dir, "hook"};
    fs::path config = dir.path() / "indicatord.yaml";
    fs::path templates = dir.path() / "templates.yaml";

    Setup() {
        fs::create_directories(dir.path() / "rules");
        std::ofstream(dir.path() / "rules" / "plan.yaml")
            << "plan: {id: tpl-2023, name: 模板测试, year: 2023, timezone: Asia/Shanghai,\n"
               "       defaults: {cadence: quarter, due: 20d, grace: 5d}}\n"
               "units:\n"
               "  - {id: fgw, name: 市发改委, receivers: [{webhook: '"
            << hook.url("/fgw") << "', format: dingtalk}]}\n"
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
                                 "  group_interval: 1m\n"
                                 "  templates: templates.yaml\n"
                                 "  delivery: {backoff_initial: 1s, backoff_max: 2s}\n";
        write_templates("templates:\n  head: \"〔{tag}〕\"\n");
    }
    void write_templates(const std::string& text) const { std::ofstream(templates) << text; }
    std::unique_ptr<it::Daemon> start() {
        return std::make_unique<it::Daemon>(
            dir.path(), config.string(),
            std::vector<std::string>{"--test-clock", "--now", "2023-04-01T09:00:00+08:00"});
    }
};

// The markdown text of every DingTalk message received.
std::vector<std::string> texts(const it::HttpSink& sink) {
    std::vector<std::string> out;
    for (auto& r : sink.requests())
        out.emplace_back(
            json::parse(r.at("body").as_string()).at("markdown").at("text").as_string());
    return out;
}

const std::string kHeadError =
    "template 'head' has an unknown placeholder {plan_id}; valid here: {escalation}, {repeat}, "
    "{tag}";

}  // namespace

TEST_CASE("indicatorctl check and a start refuse a template with an unknown placeholder",
          "[templates][ctl]") {
    Setup s;
    auto ok = it::run(it::kCtl + " check " + s.config.string());
    INFO(ok.second);
    CHECK(ok.first == 0);

    for (const auto& [text, error] : std::vector<std::pair<std::string, std::string>>{
             {"templates:\n  head: \"{plan_id}\"\n", ":2:9: " + kHeadError},
             {"templates:\n  more: \"…{x}\"\n",
              ":2:9: template 'more' has an unknown placeholder {x}; valid here: {n}"},
             {"templates:\n  subject: \"[indicatord] {plan_id}\"\n",
              ":2:12: template 'subject' has an unknown placeholder {plan_id}; valid here: "
              "{counts}, {escalation}, {n}, "
              "{plan_name}, {receiver_name}"},
             {"templates:\n  subject: \"{indicator}\"\n",
              ":2:12: template 'subject' has an unknown placeholder {indicator}; valid here: "
              "{counts}, {escalation}, "
              "{n}, {plan_name}, {receiver_name}"}}) {
        s.write_templates(text);
        auto bad = it::run(it::kCtl + " check " + s.config.string());
        INFO(bad.second);
        CHECK(bad.first != 0);
        CHECK_THAT(bad.second, Catch::Contains(s.templates.string() + error));
    }

    // the daemon does not start with it (and so cannot crash later)
    it::Process daemon({it::kDaemon, "--config", s.config.string(), "--listen", "127.0.0.1:0",
                        "--database", (s.dir.path() / "indicatord.db").string()},
                       s.dir.path());
    const auto code = daemon.wait(10s);
    REQUIRE(code);
    CHECK(*code != 0);
    CHECK(*code < 128);  // an exit, not a signal
    CHECK_THAT(daemon.err(), Catch::Contains(s.templates.string() + ":2:12: template 'subject'"));
}

TEST_CASE("a reload with a bad template keeps the running templates, and they are used",
          "[templates][reload]") {
    Setup s;
    auto d = s.start();
    s.write_templates("templates:\n  head: \"{plan_id}\"\n");
    d->process().signal(SIGHUP);
    REQUIRE(it::eventually(
        [&] { return d->process().err().find("reload failed") != std::string::npos; }));
    CHECK_THAT(d->process().err(), Catch::Contains(s.templates.string() + ":2:9: " + kHeadError));
    CHECK_THAT(it::http("GET", d->url("/metrics")).body,
               Catch::Contains("indicatord_config_last_reload_successful 0"));

    // the same through the API
    auto failed = it::http("POST", d->url("/-/reload"));
    CHECK(failed.status == 422);
    CHECK_THAT(failed.body,
               Catch::Contains("template 'head' has an unknown placeholder {plan_id}"));

    // the first notification: sent with the templates loaded before, the daemon alive
    REQUIRE(it::http("POST", d->url("/-/clock"), R"({"now":"2023-04-26T09:00:00+08:00"})").status ==
            200);
    REQUIRE(it::eventually([&] { return !texts(s.hook).empty(); }));
    CHECK_THAT(texts(s.hook).front(), Catch::Contains("〔逾期〕任务1 生产总值增长(gdp_growth)"));
    CHECK(d->process().running());
    CHECK(it::http("GET", d->url("/healthz")).status == 200);

    // fixed: the reload succeeds
    s.write_templates("templates:\n  head: \"«{tag}»\"\n");
    REQUIRE(it::http("POST", d->url("/-/reload")).status == 200);
    d->process().signal(SIGTERM);
    CHECK(d->process().wait(10s) == 0);
}
