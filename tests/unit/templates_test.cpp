#include <catch2/catch.hpp>

#include "errors.hpp"
#include "notify_format.hpp"
#include "test_util.hpp"

using namespace indicatord;

namespace {
Digest digest() {
    Digest d;
    d.receiver = "fgw/0";
    d.receiver_name = "市发改委";
    AlertItem a;
    a.fingerprint = "0123456789abcdef";
    a.kind = AlertKind::overdue;
    a.labels = {{"task", "1"}, {"indicator", "gdp_growth"}};
    a.annotations = {{"indicator_name", "生产总值增长"}, {"period", "2023-Q3"}, {"due", "2023-10-20"},
                     {"overdue_by", "6"}, {"units", "市发改委"}, {"summary", "s"}};
    d.alerts.push_back(a);
    return d;
}
}  // namespace

TEST_CASE("the shipped example templates are the defaults", "[templates]") {
    auto t = load_templates(test::kData + "/../../config/templates.example.yaml");
    auto d = digest();
    const auto plain = digest_subject(d);
    d.templates = std::make_shared<const MessageTemplates>(t);
    CHECK(digest_subject(d) == plain);
    CHECK(alert_line(d.alerts[0], &t) == alert_line(d.alerts[0]));
}

TEST_CASE("an operator's templates change the text, what they omit keeps its default", "[templates]") {
    auto t = std::make_shared<const MessageTemplates>(load_templates(test::kData + "/templates/custom.yaml"));
    auto d = digest();
    d.templates = t;
    CHECK(digest_subject(d) == "督办通知 市发改委:1项超期");
    CHECK(alert_line(d.alerts[0], t.get()) ==
          "【超期】任务1 生产总值增长(gdp_growth):2023-Q3 未按时报送(应于 2023-10-20)。牵头单位:市发改委");
    CHECK(alert_line(d.alerts[0]) ==
          "【逾期】任务1 生产总值增长(gdp_growth):2023-Q3 报告已逾期 6 天,应于 2023-10-20 报送。牵头单位:市发改委");
    CHECK(render_email(d, "a@example.org", {"fgw@example.org"}).subject == "督办通知 市发改委:1项超期");
}

TEST_CASE("bad template files give file:line:col errors", "[templates]") {
    for (std::string name : {"unclosed", "unknown_kind"}) {
        const auto path = test::kData + "/templates/" + name + ".yaml";
        INFO(path);
        try {
            load_templates(path);
            FAIL("no error");
        } catch (const ConfigError& e) {
            CHECK(std::string(e.what()) == test::expected_error(path));
        }
    }
}
