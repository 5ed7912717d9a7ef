// Robots: per-robot pacing (RobotPacer's windows on the Clock's instants), merging of queued
// messages, DingTalk `at` mentions and the keyword check of the templates.
#include <unistd.h>

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <functional>

#include "notify/robot_pacing.hpp"
#include "notify/templates.hpp"
#include "notify/webhook_dingtalk.hpp"
#include "notify/webhook_feishu.hpp"
#include "notify/webhook_wecom.hpp"
#include "util/errors.hpp"

using namespace indicatord;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

TimePoint t0() {
    return TimePoint(std::chrono::milliseconds(1697763600000));
}

Digest digest(const std::string& receiver, const std::string& indicator) {
    Digest d;
    d.receiver = receiver;
    d.receiver_name = "单位" + receiver;
    AlertItem a;
    a.fingerprint = "0123456789abcdef";
    a.labels = {{"task", "1"}, {"indicator", indicator}};
    a.annotations = {{"indicator_name", "指标" + indicator},
                     {"period", "2023-Q3"},
                     {"due", "2023-10-20"},
                     {"overdue_by", "6"},
                     {"units", "单位" + receiver},
                     {"summary", "s"}};
    d.alerts.push_back(a);
    return d;
}

Plan plan_with(std::vector<Receiver> receivers) {
    Plan p;
    Unit u;
    u.id = "fgw";
    u.receivers = std::move(receivers);
    p.units.push_back(u);
    return p;
}

Receiver robot(const std::string& url, const std::string& format = "dingtalk") {
    Receiver r;
    r.webhook = url;
    r.format = format;
    r.defined_at = "units.yaml:4:7";
    return r;
}

std::string error_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "(no error)";
}

}  // namespace

TEST_CASE("pacing: DingTalk takes 20 posts in any minute, the 21st waits", "[robots]") {
    RobotPacer p;
    const std::string url = "https://oapi.dingtalk.com/robot/send?access_token=a";
    CHECK(p.limit("dingtalk", url) == RobotLimit{0, 20});
    for (int i = 0; i < 20; ++i) {
        const auto now = t0() + std::chrono::seconds(i);
        REQUIRE(p.room("dingtalk", url, now).posts == 20 - i);
        p.record(url, now);
    }
    auto r = p.room("dingtalk", url, t0() + 30s);
    CHECK(r.posts == 0);
    CHECK(r.next == t0() + 60s);  // when the first post leaves the minute
    CHECK(p.room("dingtalk", url, t0() + 59999ms).posts == 0);
    CHECK(p.room("dingtalk", url, t0() + 60s).posts == 1);
    CHECK(p.room("dingtalk", url, t0() + 65s).posts == 6);
    // another robot has its own count
    CHECK(p.room("dingtalk", url + "b", t0() + 30s).posts == 20);
}

TEST_CASE("pacing: Feishu 5 a second and 100 a minute, configured limits", "[robots]") {
    RobotPacer p;
    const std::string url = "https://open.feishu.cn/open-apis/bot/v2/hook/x";
    CHECK(p.limit("feishu", url) == RobotLimit{5, 100});
    for (int i = 0; i < 5; ++i) p.record(url, t0() + std::chrono::milliseconds(100 * i));
    auto r = p.room("feishu", url, t0() + 500ms);
    CHECK(r.posts == 0);
    CHECK(r.next == t0() + 1s);
    CHECK(p.room("feishu", url, t0() + 1s).posts == 1);
    CHECK(p.room("feishu", url, t0() + 1500ms).posts == 5);
    // generic webhooks and email are not paced
    CHECK(p.limit("generic", url).none());

    // receivers sharing a robot: the smallest setting wins
    auto a = robot("https://oapi.dingtalk.com/robot/send?access_token=a");
    auto b = a;
    b.rate_per_minute = 10;
    auto f = robot(url, "feishu");
    f.rate_per_second = 2;
    const auto limits = robot_limits(plan_with({a, b, f, robot("http://h/g", "generic")}));
    CHECK(limits.size() == 2);
    CHECK(limits.at(a.webhook) == RobotLimit{0, 10});
    CHECK(limits.at(url) == RobotLimit{2, 100});
    p.set_limits(limits);
    CHECK(p.limit("dingtalk", a.webhook) == RobotLimit{0, 10});
}

TEST_CASE("merging: queued DingTalk messages become one post with every text", "[robots]") {
    const auto one = render_dingtalk(digest("fgw/0", "gdp_growth"), {{"13800000001"}, {}, false});
    const auto two = render_dingtalk(digest("jxw/0", "industry"), {{"13800000002"}, {"u1"}, true});
    auto [merged, taken] = merge_robot_messages("dingtalk", {one, two});
    CHECK(taken == 2);
    const auto m = json::parse(merged).as_object();
    const std::string text(m.at("markdown").at("text").as_string());
    CHECK(text.find("指标gdp_growth") != std::string::npos);
    CHECK(text.find("指标industry") != std::string::npos);
    CHECK(m.at("markdown").at("title") == json::parse(one).at("markdown").at("title"));
    CHECK(m.at("at") ==
          json::parse(R"({"atMobiles":["13800000001","13800000002"],"atUserIds":["u1"],)"
                      R"("isAtAll":true})"));

    // no more than one post holds: the rest stay for the next post
    std::vector<std::string> many(100, one);
    auto [big, fit] = merge_robot_messages("dingtalk", many);
    CHECK(fit > 1);
    CHECK(fit < 100);
    CHECK(std::string(json::parse(big).at("markdown").at("text").as_string()).size() <=
          kDingtalkTextLimit);

    // WeCom and Feishu
    auto [w, wt] = merge_robot_messages(
        "wecom", {render_wecom(digest("fgw/0", "a1")), render_wecom(digest("jxw/0", "b2"))});
    CHECK(wt == 2);
    CHECK(w.find("指标a1") != std::string::npos);
    CHECK(w.find("指标b2") != std::string::npos);
    auto [fs, ft] = merge_robot_messages("feishu", {render_feishu(digest("fgw/0", "a1"), "", 0),
                                                    render_feishu(digest("jxw/0", "b2"), "", 0)});
    CHECK(ft == 2);
    CHECK(fs.find("指标a1") != std::string::npos);
    CHECK(fs.find("指标b2") != std::string::npos);
    // one message: as it is
    CHECK(merge_robot_messages("dingtalk", {one}) == std::make_pair(one, std::size_t{1}));
}

TEST_CASE("DingTalk at: atMobiles, atUserIds, isAtAll and the names in the text", "[robots]") {
    const auto plain = json::parse(render_dingtalk(digest("fgw/0", "gdp_growth"))).as_object();
    CHECK_FALSE(plain.contains("at"));
    const auto o =
        json::parse(render_dingtalk(digest("fgw/0", "gdp_growth"),
                                    {{"13800000001", "13800000002"}, {"manager01"}, false}))
            .as_object();
    CHECK(o.at("at") == json::parse(R"({"atMobiles":["13800000001","13800000002"],)"
                                    R"("atUserIds":["manager01"],"isAtAll":false})"));
    const std::string text(o.at("markdown").at("text").as_string());
    CHECK(text.rfind("@13800000001 @13800000002 @manager01") == text.size() - 36);
    const auto all = json::parse(render_dingtalk(digest("fgw/0", "g"), {{}, {}, true})).as_object();
    CHECK(all.at("at").at("isAtAll") == true);
}

TEST_CASE("DingTalk keyword: templates that would drop it are refused with file:line:col",
          "[robots]") {
    auto r = robot("https://oapi.dingtalk.com/robot/send?access_token=a");
    r.keyword = "indicatord";
    r.keyword_at = "units.yaml:5:18";
    CHECK_NOTHROW(check_dingtalk_keywords(plan_with({r}), nullptr));  // the defaults carry it

    r.keyword = "督办";
    CHECK(error_of([&] { check_dingtalk_keywords(plan_with({r}), nullptr); }) ==
          "units.yaml:5:18: keyword '督办' is not in the default template 'subject' "
          "([indicatord] {escalation}{receiver_name}:{counts}), so DingTalk would refuse every "
          "message: set alerting.templates with a 'subject' that contains it");

    const auto dir =
        std::filesystem::temp_directory_path() / ("robots-test-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const auto file = dir / "templates.yaml";
    std::ofstream(file) << "templates:\n"
                           "  subject: '【督办】{receiver_name}:{counts}'\n"
                           "  subject_fallback: '【督办】{counts}'\n";
    auto t = load_templates(file);
    CHECK_NOTHROW(check_dingtalk_keywords(plan_with({r}), &t));
    // in a placeholder only is not enough: the value may not carry it
    std::ofstream(file) << "templates:\n"
                           "  subject_fallback: '【督办】{counts}'\n"
                           "  subject: '{receiver_name}:{counts}'\n";
    t = load_templates(file);
    r.keyword = "receiver_name";
    CHECK(error_of([&] { check_dingtalk_keywords(plan_with({r}), &t); }) ==
          file.string() +
              ":3:12: template 'subject' drops the keyword: the DingTalk robot of unit fgw "
              "(units.yaml:4:7) has keyword 'receiver_name', and DingTalk refuses a message "
              "whose text lacks it; write it into the template's text (outside {...})");
    // WeCom and Feishu have no keyword
    auto w = robot("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k", "wecom");
    CHECK_NOTHROW(check_dingtalk_keywords(plan_with({w}), &t));
    std::filesystem::remove_all(dir);
}
