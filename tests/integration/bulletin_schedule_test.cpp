// Scheduled bulletins end to end (docs/bulletins.md, "Schedules"): the real daemon on a driven
// clock (--test-clock, POST /-/clock), the real SMTP server (aiosmtpd) and a webhook sink. The
// bulletin due on the 5th working day arrives once, by email with the workbook `indicatorctl
// bulletin` writes for the same instant and by robot as Markdown; a daemon down at the due time
// sends it when it comes back; kill -9 before the delivery was confirmed still sends it once; a
// restart after delivery does not send it again; config errors are named.
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

// June 2023's 5th working day is Wednesday 7 June; July's Friday 7 July (the schedule's 09:00).
constexpr const char* kJulyRun = "2023-07-07T09:00:00+08:00";
constexpr const char* kJuneRun = "2023-06-07T09:00:00+08:00";

struct Setup {
    it::TempDir dir;
    it::SmtpSink smtp;
    it::HttpSink hook{dir, "hook"};
    fs::path config = dir.path() / "indicatord.yaml";

    explicit Setup(std::vector<std::string> smtp_args = {}) : smtp(dir, std::move(smtp_args)) {
        fs::create_directories(dir.path() / "rules");
        std::ofstream(dir.path() / "rules" / "plan.yaml")
            << "plan: {id: sched-2023, name: 丽水市2023年政府工作报告重点工作, year: 2023,\n"
               "       timezone: Asia/Shanghai, defaults: {cadence: quarter, due: 20d}}\n"
               "units:\n"
               "  - {id: fgw, name: 市发改委}\n"
               "  - {id: dcs, name: 市政府督查室, receivers: [{email: dcs@example.org}, {webhook: '"
            << hook.url("/dcs") << "'}, {webhook: '" << hook.url("/ding")
            << "', format: dingtalk}]}\n"
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
                                 "  smtp: {url: '"
                              << smtp.url() << "', from: indicatord@example.org}\n"
                              << "  delivery: {backoff_initial: 1s, backoff_max: 2s}\n"
                                 "bulletins:\n"
                                 "  - {plan: sched-2023, every: month, on: 5wd, at: '09:00', to: "
                                 "[dcs], formats: [xlsx, md]}\n";
    }

    std::unique_ptr<it::Daemon> start(const std::string& now) {
        return std::make_unique<it::Daemon>(dir.path(), config.string(),
                                            std::vector<std::string>{"--test-clock", "--now", now});
    }

    // The workbook indicatorctl writes for the July run (with the changes since June's).
    std::string ctl_workbook(const it::Daemon& d) const {
        const auto out = dir.path() / "ctl.xlsx";
        const auto [code, text] = it::run(
            it::kCtl + " bulletin " + config.string() + " --database " + d.database().string() +
            " --as-of " + kJulyRun + " --since " + kJuneRun + " --format xlsx -o " + out.string());
        INFO(text);
        REQUIRE(code == 0);
        return it::slurp(out);
    }
};

bool outbox_empty(const it::Daemon& d) {
    return it::http("GET", d.url("/metrics")).body.find("indicatord_outbox_pending 0") !=
           std::string::npos;
}

std::vector<json::object> bodies(const it::HttpSink& sink, const std::string& path) {
    std::vector<json::object> out;
    for (auto& r : sink.requests())
        if (r.at("path").as_string() == path)
            out.push_back(json::parse(r.at("body").as_string()).as_object());
    return out;
}

// The attachment of message N: its file name (as Python's email package decodes it), and its
// bytes written to `bytes_file`.
std::string attachment(const Setup& s, int n, const fs::path& bytes_file) {
    const auto script = s.dir.path() / "attachment.py";
    std::ofstream(script)
        << "import email, email.policy, sys\n"
           "m = email.message_from_binary_file(open(sys.argv[1], 'rb'), "
           "policy=email.policy.default)\n"
           "assert m.get_content_type() == 'multipart/mixed', m.get_content_type()\n"
           "parts = list(m.iter_attachments())\n"
           "assert len(parts) == 1, len(parts)\n"
           "a = parts[0]\n"
           "open(sys.argv[2], 'wb').write(a.get_content())\n"
           "print(a.get_content_type())\n"
           "print(a.get_filename())\n"
           "print(a.get_param('name'))\n"
           "print(m.get_body(('plain',)).get_content().strip().splitlines()[0])\n";
    const auto [code, out] =
        it::run(it::kPython + " " + script.string() + " " +
                (s.smtp.dir() / (std::to_string(n) + ".eml")).string() + " " + bytes_file.string());
    INFO(out);
    REQUIRE(code == 0);
    return out;
}

}  // namespace

TEST_CASE(
    "the bulletin due on the 5th working day arrives once: the workbook by email, Markdown "
    "to robots",
    "[bulletin][schedule]") {
    Setup s;
    // a fresh schedule: June's run, due before the daemon first saw it, is not sent
    auto d = s.start("2023-07-01T00:00:00+08:00");
    REQUIRE(it::http("POST", d->url("/api/v1/values"), it::one_value("gdp_growth", "2023-Q2", 6.5))
                .status == 200);
    set_clock(*d, "2023-07-07T08:59:59+08:00");  // the run is queued before /-/clock answers
    REQUIRE(outbox_empty(*d));
    CHECK(s.smtp.messages() == 0);
    CHECK(s.hook.requests().empty());
    const auto runs = [&] { return it::http("GET", d->url("/metrics")).body; };
    CHECK_THAT(runs(), Catch::Contains("indicatord_bulletin_runs_total{result=\"queued\"} 0\n"));

    set_clock(*d, kJulyRun);
    CHECK_THAT(runs(), Catch::Contains("indicatord_bulletin_runs_total{result=\"queued\"} 1\n"));
    CHECK_THAT(runs(), Catch::Contains("indicatord_bulletin_runs_total{result=\"failed\"} 0\n"));
    REQUIRE(it::eventually([&] {
        return s.smtp.messages() == 1 && bodies(s.hook, "/dcs").size() == 1 &&
               bodies(s.hook, "/ding").size() == 1;
    }));
    // the email: the headline as text, the workbook attached under its Chinese name, its bytes
    // those of `indicatorctl bulletin --as-of <the run> --since <the previous run>`
    const auto eml = it::slurp(s.smtp.dir() / "1.eml");
    CHECK_THAT(eml, Catch::Contains("Content-Type: multipart/mixed;"));
    CHECK_THAT(eml, Catch::Contains("filename*0*=UTF-8''%E4%B8%BD%E6%B0%B4"));
    const auto got = s.dir.path() / "got.xlsx";
    const auto info = attachment(s, 1, got);
    CHECK_THAT(info, Catch::StartsWith(
                         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\n"
                         "丽水市2023年政府工作报告重点工作督查通报-2023-07.xlsx\n"
                         "丽水市2023年政府工作报告重点工作督查通报-2023-07.xlsx\n"
                         "截至7月7日，1项任务中"));
    CHECK(it::slurp(got) == s.ctl_workbook(*d));
    CHECK(json::parse(it::slurp(s.smtp.dir() / "1.json")).at("rcpt_tos").as_array()[0] ==
          "dcs@example.org");

    // the robots: the Markdown summary with the link to the console's page of this bulletin
    const auto generic = bodies(s.hook, "/dcs")[0];
    CHECK(generic.at("kind") == "bulletin");
    CHECK(generic.at("period") == "2023-07");
    CHECK(generic.at("as_of") == "2023-07-07T01:00:00.000Z");
    CHECK_THAT(std::string(generic.at("markdown").as_string()), Catch::Contains("截至7月7日"));
    CHECK_THAT(std::string(generic.at("link").as_string()),
               Catch::StartsWith("http://indicatord.example.org/bulletin?plan=sched-2023&as_of="));
    const auto ding = bodies(s.hook, "/ding")[0];
    CHECK(ding.at("msgtype") == "markdown");
    CHECK_THAT(std::string(ding.at("markdown").at("text").as_string()),
               Catch::Contains("[查看通报](http://indicatord.example.org/bulletin?"));

    // later in the month: nothing more
    set_clock(*d, "2023-07-31T18:00:00+08:00");
    REQUIRE(it::eventually([&] { return outbox_empty(*d); }));
    CHECK(s.smtp.messages() == 1);
    CHECK(bodies(s.hook, "/dcs").size() == 1);
}

TEST_CASE(
    "a daemon down at the due time sends the bulletin when back, once across kill -9 "
    "before the delivery was confirmed, and not again after it",
    "[bulletin][schedule][durability]") {
    Setup s({"--fail-first", "1"});  // the first DATA is refused for now (451): not delivered
    {
        auto d = s.start("2023-07-01T00:00:00+08:00");
        d->process().signal(SIGTERM);
        REQUIRE(d->process().wait(5s) == 0);
    }
    {
        // back after the due time: July's run is queued at start, its email refused once and
        // waiting for a retry when the daemon is killed
        auto d = s.start("2023-07-07T10:00:00+08:00");
        // (the robots' messages confirmed: only the email is left in the outbox)
        REQUIRE(it::eventually([&] {
            const auto metrics = it::http("GET", d->url("/metrics")).body;
            return metrics.find(
                       "indicatord_notifications_total{channel=\"email\",result="
                       "\"retry\"} 1") != std::string::npos &&
                   metrics.find("indicatord_outbox_pending 1") != std::string::npos;
        }));
        CHECK(s.smtp.messages() == 0);
        d->process().signal(SIGKILL);
        REQUIRE(d->process().wait(5s));
    }
    {
        // the restart sends the queued email (not a second run of the schedule)
        auto d = s.start("2023-07-07T10:05:00+08:00");
        REQUIRE(it::eventually([&] { return s.smtp.messages() == 1 && outbox_empty(*d); }));
        const auto got = s.dir.path() / "got.xlsx";
        attachment(s, 1, got);
        CHECK(it::slurp(got) == s.ctl_workbook(*d));
        set_clock(*d, "2023-07-08T10:00:00+08:00");
        REQUIRE(it::eventually([&] { return outbox_empty(*d); }));
        d->process().signal(SIGTERM);
        REQUIRE(d->process().wait(5s) == 0);
    }
    {
        // a restart after the delivery sends nothing again
        auto d = s.start("2023-07-10T09:00:00+08:00");
        set_clock(*d, "2023-07-20T09:00:00+08:00");
        REQUIRE(it::eventually([&] { return outbox_empty(*d); }));
        CHECK(s.smtp.messages() == 1);
        CHECK(bodies(s.hook, "/dcs").size() == 1);
        CHECK(bodies(s.hook, "/ding").size() == 1);
    }
}

TEST_CASE("indicatorctl check names the errors of the bulletins: section", "[bulletin][schedule]") {
    Setup s;
    std::ofstream(s.config, std::ios::app)
        << "  - {plan: nope, every: month, on: 30wd, to: [dcs]}\n"
           "  - {every: month, on: 6wd, to: [tjj, dcs/7]}\n";
    const auto [code, out] = it::run(it::kCtl + " check " + s.config.string());
    INFO(out);
    CHECK(code == 1);
    const auto p = s.config.string();
    CHECK_THAT(out, Catch::Contains(p + ":10:36: on must be the Nth working day like '5wd' (1wd "
                                        "to 15wd) or a day like '5' (1 to 28) of the month, got "
                                        "'30wd'"));
    // once the syntax is right, the names are checked against the rules
    std::string text = it::slurp(s.config);
    text.replace(text.find("on: 30wd"), 8, "on: 3wd");
    std::ofstream(s.config) << text;
    const auto [code2, out2] = it::run(it::kCtl + " check " + s.config.string());
    INFO(out2);
    CHECK(code2 == 1);
    CHECK_THAT(out2, Catch::Contains(p + ":10:12: bulletin schedule names plan 'nope', which is "
                                         "not loaded (plan sched-2023)"));
    CHECK_THAT(out2, Catch::Contains(p + ":11:34: bulletin receiver 'tjj': 'tjj' is not a unit"));
    CHECK_THAT(out2, Catch::Contains(p + ":11:39: bulletin receiver 'dcs/7': unit 'dcs' has "
                                         "receivers dcs/0 to dcs/2"));
}
