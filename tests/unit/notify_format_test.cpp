#include <algorithm>
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "notify/alertmanager.hpp"
#include "notify/email.hpp"
#include "notify/templates.hpp"
#include "notify/text.hpp"
#include "notify/webhook_dingtalk.hpp"
#include "notify/webhook_feishu.hpp"
#include "notify/webhook_generic.hpp"
#include "notify/webhook_wecom.hpp"
#include "test_util.hpp"

using namespace indicatord;
namespace json = boost::json;

namespace {

// ---- Independent decoders (not the code under test)
// ----------------------------------------------

std::string b64decode(std::string_view in) {
    static const std::string alphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    unsigned buf = 0;
    int bits = 0;
    for (char c : in) {
        if (c == '=' || c == '\r' || c == '\n') continue;
        const auto v = alphabet.find(c);
        REQUIRE(v != std::string::npos);
        buf = (buf << 6) | static_cast<unsigned>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<char>((buf >> bits) & 0xFF));
        }
    }
    return out;
}

bool is_ascii_only(std::string_view s) {
    return std::all_of(s.begin(), s.end(),
                       [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

bool valid_utf8(std::string_view s) {
    for (std::size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        const std::size_t n = c < 0x80         ? 1
                              : (c >> 5) == 6  ? 2
                              : (c >> 4) == 14 ? 3
                              : (c >> 3) == 30 ? 4
                                               : 0;
        if (n == 0 || i + n > s.size()) return false;
        for (std::size_t j = 1; j < n; ++j)
            if ((static_cast<unsigned char>(s[i + j]) & 0xC0) != 0x80) return false;
        i += n;
    }
    return true;
}

/// Decodes a header value made of "=?UTF-8?B?...?=" words (whitespace between them dropped).
std::string decode_words(std::string_view value) {
    std::string out;
    std::istringstream in{std::string(value)};
    std::string word;
    bool after_encoded = false;
    while (in >> word) {
        const bool encoded = word.rfind("=?UTF-8?B?", 0) == 0;
        if (!out.empty() && !(encoded && after_encoded))
            out += ' ';  // kept unless between two words
        if (encoded) {
            REQUIRE(word.size() <= 75);  // RFC 2047: an encoded-word is at most 75 characters
            REQUIRE(word.substr(word.size() - 2) == "?=");
            const auto bytes = b64decode(word.substr(10, word.size() - 12));
            CHECK(valid_utf8(bytes));  // each word holds whole characters
            out += bytes;
        } else {
            out += word;
        }
        after_encoded = encoded;
    }
    return out;
}

struct Mime {
    std::map<std::string, std::string> headers;  // unfolded
    std::string body;
};

Mime parse_mime(const std::string& text) {
    Mime m;
    const auto end = text.find("\r\n\r\n");
    REQUIRE(end != std::string::npos);
    std::string name;
    std::istringstream in(text.substr(0, end + 2));
    std::string line;
    while (std::getline(in, line)) {
        REQUIRE(!line.empty());
        REQUIRE(line.back() == '\r');
        line.pop_back();
        if (line[0] == ' ' || line[0] == '\t') {
            m.headers[name] += line;  // unfolding keeps the whitespace
            continue;
        }
        const auto colon = line.find(':');
        REQUIRE(colon != std::string::npos);
        name = line.substr(0, colon);
        REQUIRE(m.headers.count(name) == 0);
        auto value = line.substr(colon + 1);
        m.headers[name] = value;
    }
    for (auto& [k, v] : m.headers)
        while (!v.empty() && v.front() == ' ') v.erase(0, 1);
    m.body = text.substr(end + 4);
    return m;
}

TimePoint at(const char* text) {
    return *parse_instant(text);
}

AlertItem item(AlertKind kind, const std::string& indicator, const std::string& task,
               const std::string& name) {
    static const std::map<AlertKind, std::string> alertname{
        {AlertKind::overdue, "IndicatorReportOverdue"},
        {AlertKind::at_risk, "IndicatorAtRisk"},
        {AlertKind::missed, "IndicatorTargetMissed"},
        {AlertKind::reminder, "IndicatorReportDue"}};
    static const std::map<AlertKind, std::string> kind_label{{AlertKind::overdue, "overdue"},
                                                             {AlertKind::at_risk, "at_risk"},
                                                             {AlertKind::missed, "missed"},
                                                             {AlertKind::reminder, "reminder"}};
    AlertItem a;
    a.kind = kind;
    a.fingerprint = "0123456789abcdef";
    a.starts_at = at("2023-10-20T00:00:00+08:00");
    a.labels = {{"alertname", alertname.at(kind)},
                {"plan", "lishui-2023"},
                {"task", task},
                {"indicator", indicator},
                {"lead_unit", "fgw"},
                {"kind", kind_label.at(kind)},
                {"severity", "warning"}};
    a.annotations = {{"indicator_name", name},
                     {"units", "市发改委"},
                     {"period", "2023-Q3"},
                     {"task_text", "任务" + task + "的全文"}};
    return a;
}

Digest sample() {
    Digest d;
    d.receiver = "fgw/0";
    d.receiver_name = "市发改委";
    d.plan_id = "lishui-2023";
    d.plan_name = "2023年丽水市政府工作报告重点工作";
    d.external_url = "http://indicatord.example.org:9464";
    d.idempotency_key = "fgw-0.1697763600000";
    d.created_at = at("2023-10-20T01:00:00Z");

    auto gdp = item(AlertKind::overdue, "gdp_growth", "1", "生产总值增长");
    gdp.fingerprint = "a1b2c3d4e5f60718";
    gdp.annotations["due"] = "2023-10-20";
    gdp.annotations["overdue_by"] = "6";
    gdp.annotations["summary"] = "生产总值增长 2023-Q3 报告逾期 6 天";
    gdp.annotations["description"] = "应于 2023-10-20 报送 2023-Q3 数据。\n已逾期 6 天。";

    auto retail = item(AlertKind::at_risk, "retail_sales_growth", "5", "社会消费品零售总额增长");
    retail.fingerprint = "b1b2c3d4e5f60718";
    retail.annotations["value"] = "4.9%";
    retail.annotations["target"] = "≥ 6%";
    retail.annotations["summary"] = "社会消费品零售总额增长 4.9%,低于进度";
    retail.annotations["description"] = "进度 <b>落后</b> & 需关注";

    auto industry = item(AlertKind::overdue, "industry_value_growth", "2", "规上工业增加值增长");
    industry.fingerprint = "c1b2c3d4e5f60718";
    industry.repeat = true;
    industry.annotations["due"] = "2023-10-20";
    industry.annotations["overdue_by"] = "3";
    industry.annotations["summary"] = "规上工业增加值增长 2023-Q3 报告逾期 3 天";

    auto rd = item(AlertKind::overdue, "rd_intensity", "3", "研发投入强度");
    rd.fingerprint = "d1b2c3d4e5f60718";
    rd.firing = false;
    rd.ends_at = at("2023-10-20T10:30:00+08:00");
    rd.annotations["summary"] = "研发投入强度 2023-Q3 已补报";

    // Deliberately not in display order: resolved first, at_risk before the second overdue.
    d.alerts = {rd, gdp, retail, industry};
    return d;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    REQUIRE(in);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

json::value golden(const std::string& name) {
    return json::parse(read_file(test::kData + "/notify/" + name));
}

}  // namespace

// ---- Text
// ------------------------------------------------------------------------------------------

TEST_CASE("alert lines: one template per kind, firing and resolved", "[notify]") {
    const auto d = sample();
    CHECK(alert_line(d.alerts[1]) ==
          "【逾期】任务1 生产总值增长(gdp_growth):2023-Q3 报告已逾期 6 天,应于 2023-10-20 "
          "报送。牵头单位:市发改委");
    CHECK(alert_line(d.alerts[2]) ==
          "【预警】任务5 社会消费品零售总额增长(retail_sales_growth):2023-Q3 当前 4.9%,目标 ≥ "
          "6%。牵头单位:市发改委");
    CHECK(alert_line(d.alerts[3]) ==
          "【逾期】任务2 规上工业增加值增长(industry_value_growth):2023-Q3 报告已逾期 3 天,应于 "
          "2023-10-20 "
          "报送。牵头单位:市发改委(重复提醒)");
    CHECK(alert_line(d.alerts[0]) ==
          "【已恢复】任务3 研发投入强度(rd_intensity):2023-Q3 "
          "报告已补报,逾期解除。牵头单位:市发改委");

    auto missed = item(AlertKind::missed, "rd_intensity", "3", "研发投入强度");
    missed.annotations["value"] = "2.1%";
    missed.annotations["target"] = "≥ 2.3%";
    CHECK(alert_line(missed) ==
          "【未完成】任务3 研发投入强度(rd_intensity):2023-Q3 未完成目标:实际 2.1%,目标 ≥ "
          "2.3%。牵头单位:市发改委");

    auto reminder = item(AlertKind::reminder, "gdp_growth", "1", "生产总值增长");
    reminder.annotations["due"] = "2023-10-20";
    CHECK(alert_line(reminder) ==
          "【提醒】任务1 生产总值增长(gdp_growth):2023-Q3 报告将于 2023-10-20 "
          "到期。牵头单位:市发改委");
    reminder.firing = false;
    CHECK(alert_line(reminder) ==
          "【已恢复】任务1 生产总值增长(gdp_growth):2023-Q3 到期提醒解除。牵头单位:市发改委");
}

TEST_CASE("alert lines: escalation, repeat and fallbacks", "[notify]") {
    auto a = sample().alerts[1];
    a.escalation = true;
    a.repeat = true;
    CHECK(alert_line(a) ==
          "【督查升级】【逾期】任务1 生产总值增长(gdp_growth):2023-Q3 报告已逾期 6 天,应于 "
          "2023-10-20 报送。牵头单位:市发改委(重复提醒)");

    SECTION("a resolved alert is never a repeat") {
        a.firing = false;
        CHECK(alert_line(a).find("重复提醒") == std::string::npos);
        CHECK(alert_line(a).rfind("【督查升级】【已恢复】", 0) == 0);
    }
    SECTION("a missing annotation of the body: summary as the body") {
        a.escalation = false;
        a.repeat = false;
        a.annotations.erase("overdue_by");
        CHECK(alert_line(a) ==
              "【逾期】任务1 生产总值增长(gdp_growth):生产总值增长 2023-Q3 报告逾期 6 "
              "天。牵头单位:市发改委");
    }
    SECTION("a missing annotation of the line: summary alone") {
        a.escalation = false;
        a.annotations.erase("units");
        CHECK(alert_line(a) == "【逾期】生产总值增长 2023-Q3 报告逾期 6 天(重复提醒)");
    }
    SECTION("no annotations at all: the indicator label") {
        a.escalation = false;
        a.repeat = false;
        a.annotations.clear();
        CHECK(alert_line(a) == "【逾期】gdp_growth");
    }
    SECTION("an empty annotation counts as missing") {
        a.escalation = false;
        a.repeat = false;
        a.annotations["period"] = "";
        CHECK(alert_line(a) ==
              "【逾期】任务1 生产总值增长(gdp_growth):生产总值增长 2023-Q3 报告逾期 6 "
              "天。牵头单位:市发改委");
    }
}

TEST_CASE("subject: counts by kind, escalation, nothing to say", "[notify]") {
    auto d = sample();
    CHECK(digest_subject(d) == "[indicatord] 市发改委:2项逾期、1项预警、1项已恢复");
    d.alerts[1].escalation = true;
    d.receiver_name = "市委督查室";
    CHECK(digest_subject(d) == "[indicatord] 【督查升级】市委督查室:2项逾期、1项预警、1项已恢复");
    d.receiver_name.clear();
    CHECK(digest_subject(d) == "[indicatord] 【督查升级】fgw/0:2项逾期、1项预警、1项已恢复");
    d.alerts.clear();
    CHECK(digest_subject(d) == "[indicatord] fgw/0:无新提醒");
}

TEST_CASE("indicator links", "[notify]") {
    auto d = sample();
    CHECK(indicator_link(d, d.alerts[1]) ==
          "http://indicatord.example.org:9464/indicators/gdp_growth");
    d.external_url += "/";
    CHECK(indicator_link(d, d.alerts[1]) ==
          "http://indicatord.example.org:9464/indicators/gdp_growth");
    d.external_url.clear();
    CHECK(indicator_link(d, d.alerts[1]).empty());
}

// ---- Alertmanager (POST /api/v2/alerts)
// ------------------------------------------------------------------------

TEST_CASE("alertmanager: postable alerts with the labels it routes on", "[notify]") {
    const auto d = sample();
    const auto v = json::parse(render_alertmanager(d.alerts, d.external_url));
    const auto& list = v.as_array();
    REQUIRE(list.size() == 4);
    // resolved: its end; the labels renamed as Alertmanager users expect
    const auto& rd = list[0].as_object();
    CHECK(rd.at("labels") == json::parse(R"({"alertname":"IndicatorOverdue","plan":"lishui-2023",)"
                                         R"("task":"3","indicator":"rd_intensity","unit":"fgw",)"
                                         R"("severity":"warning"})"));
    CHECK(rd.at("startsAt") == "2023-10-19T16:00:00.000Z");
    CHECK(rd.at("endsAt") == "2023-10-20T02:30:00.000Z");
    CHECK(rd.at("generatorURL") == "http://indicatord.example.org:9464/indicators/rd_intensity");
    // firing: no endsAt (Alertmanager ends it after resolve_timeout unless posted again)
    const auto& gdp = list[1].as_object();
    CHECK_FALSE(gdp.contains("endsAt"));
    // summary: the alert's Chinese line as the messages write it; reason: the evaluation's words
    CHECK(gdp.at("annotations").at("summary") == alert_line(d.alerts[1]).c_str());
    CHECK(gdp.at("annotations").at("reason") == "生产总值增长 2023-Q3 报告逾期 6 天");
    CHECK(gdp.at("annotations").at("due") == "2023-10-20");
    CHECK(gdp.at("annotations").at("link") ==
          "http://indicatord.example.org:9464/indicators/gdp_growth");
    CHECK_FALSE(gdp.at("annotations").as_object().contains("task_text"));
    CHECK(list[2].at("labels").at("alertname") == "IndicatorAtRisk");
    CHECK(list[2].at("annotations").at("target") == "≥ 6%");
    CHECK(alertmanager_alertname(AlertKind::missed) == "IndicatorMissed");
    CHECK(alertmanager_alertname(AlertKind::reminder) == "ReportDue");
    // without an external URL: no link, no generatorURL
    const auto bare = json::parse(render_alertmanager(d.alerts, "")).as_array();
    CHECK_FALSE(bare[1].as_object().contains("generatorURL"));
    CHECK_FALSE(bare[1].at("annotations").as_object().contains("link"));
    CHECK(render_alertmanager({}, "") == "[]");
}

// ---- Generic webhook
// --------------------------------------------------------------------------------

TEST_CASE("webhook: Alertmanager v4 payload with every field", "[notify]") {
    const auto d = sample();
    const auto text = render_webhook(d);
    const auto v = json::parse(text);
    const auto& o = v.as_object();

    const std::vector<std::string> keys{
        "version",     "groupKey",     "truncatedAlerts",   "status",      "receiver",
        "groupLabels", "commonLabels", "commonAnnotations", "externalURL", "alerts"};
    REQUIRE(o.size() == keys.size());
    for (const auto& k : keys) CHECK(o.contains(k));
    CHECK(o.at("version") == "4");
    CHECK(o.at("groupKey") == "{}:{plan=\"lishui-2023\", receiver=\"fgw/0\"}");
    CHECK(o.at("truncatedAlerts").as_int64() == 0);
    CHECK(o.at("status") == "firing");
    CHECK(o.at("receiver") == "fgw/0");
    CHECK(o.at("groupLabels") == json::parse(R"({"plan":"lishui-2023"})"));
    CHECK(o.at("commonLabels") ==
          json::parse(R"({"lead_unit":"fgw","plan":"lishui-2023","severity":"warning"})"));
    CHECK(o.at("commonAnnotations") == json::parse(R"({"period":"2023-Q3","units":"市发改委"})"));
    CHECK(o.at("externalURL") == "http://indicatord.example.org:9464");

    const auto& alerts = o.at("alerts").as_array();
    REQUIRE(alerts.size() == 4);  // in Digest order
    const auto& rd = alerts[0].as_object();
    CHECK(rd.size() == 7);
    CHECK(rd.at("status") == "resolved");
    CHECK(rd.at("startsAt") == "2023-10-19T16:00:00.000Z");
    CHECK(rd.at("endsAt") == "2023-10-20T02:30:00.000Z");
    CHECK(rd.at("generatorURL") == "http://indicatord.example.org:9464/indicators/rd_intensity");
    CHECK(rd.at("fingerprint") == "d1b2c3d4e5f60718");
    CHECK(rd.at("labels").as_object().at("alertname") == "IndicatorReportOverdue");
    CHECK(rd.at("labels").as_object().size() == 7);
    CHECK(rd.at("annotations").as_object().at("summary") == "研发投入强度 2023-Q3 已补报");
    const auto& gdp = alerts[1].as_object();
    CHECK(gdp.at("status") == "firing");
    CHECK(gdp.at("endsAt") == "0001-01-01T00:00:00Z");
    CHECK(gdp.at("annotations").as_object().at("description") ==
          "应于 2023-10-20 报送 2023-Q3 数据。\n已逾期 6 天。");

    // Chinese travels as UTF-8, not \u escapes; the whole payload is pinned by a golden file.
    CHECK(text.find("市发改委") != std::string::npos);
    CHECK(v == golden("webhook.json"));
}

TEST_CASE("webhook: all resolved, empty digest", "[notify]") {
    auto d = sample();
    for (auto& a : d.alerts) {
        a.firing = false;
        a.ends_at = at("2023-10-21T00:00:00Z");
    }
    auto o = json::parse(render_webhook(d)).as_object();
    CHECK(o.at("status") == "resolved");
    for (const auto& a : o.at("alerts").as_array())
        CHECK(a.at("endsAt") == "2023-10-21T00:00:00.000Z");

    d.alerts.clear();
    o = json::parse(render_webhook(d)).as_object();
    CHECK(o.at("status") == "resolved");
    CHECK(o.at("alerts").as_array().empty());
    CHECK(o.at("commonLabels").as_object().empty());
    CHECK(o.at("commonAnnotations").as_object().empty());
}

// ---- Email
// ---------------------------------------------------------------------------------------------

TEST_CASE("email: RFC 5322 headers, multipart/alternative, base64 parts", "[notify]") {
    const auto d = sample();
    const auto m = render_email(d, "丽水市指标监测 <indicatord@example.org>",
                                {"fgw@example.org", "\"市发改委 综合处\" <zhc@example.org>"});
    CHECK(m.subject == "[indicatord] 市发改委:2项逾期、1项预警、1项已恢复");

    // CRLF everywhere, no line longer than 76.
    for (std::size_t i = 0; i < m.mime.size(); ++i) {
        if (m.mime[i] == '\n') REQUIRE((i > 0 && m.mime[i - 1] == '\r'));
        if (m.mime[i] == '\r') REQUIRE((i + 1 < m.mime.size() && m.mime[i + 1] == '\n'));
    }
    REQUIRE(m.mime.size() >= 2);
    CHECK(m.mime.substr(m.mime.size() - 2) == "\r\n");
    std::size_t start = 0;
    for (auto nl = m.mime.find("\r\n"); nl != std::string::npos; nl = m.mime.find("\r\n", start)) {
        INFO(m.mime.substr(start, nl - start));
        CHECK(nl - start <= 76);
        start = nl + 2;
    }
    CHECK(is_ascii_only(m.mime));

    const auto mime = parse_mime(m.mime);
    const auto& h = mime.headers;
    CHECK(decode_words(h.at("Subject")) == m.subject);
    CHECK(decode_words(h.at("From")) == "丽水市指标监测 <indicatord@example.org>");
    CHECK(decode_words(h.at("To")) == "fgw@example.org, 市发改委 综合处 <zhc@example.org>");
    CHECK(h.at("Date") == "Fri, 20 Oct 2023 01:00:00 +0000");
    CHECK(h.at("Message-ID") == "<fgw-0.1697763600000@example.org>");  // From's domain
    CHECK(h.at("X-Indicatord-Idempotency-Key") == "fgw-0.1697763600000");
    CHECK(h.at("MIME-Version") == "1.0");
    const auto& ct = h.at("Content-Type");
    REQUIRE(ct.rfind("multipart/alternative;", 0) == 0);
    const auto b = ct.find("boundary=\"");
    REQUIRE(b != std::string::npos);
    const auto boundary = ct.substr(b + 10, ct.find('"', b + 10) - b - 10);

    // Two parts, then the close delimiter.
    std::vector<std::string> parts;
    std::size_t pos = mime.body.find("--" + boundary + "\r\n");
    while (pos != std::string::npos) {
        const auto from = pos + boundary.size() + 4;
        const auto next = mime.body.find("\r\n--" + boundary, from);
        REQUIRE(next != std::string::npos);
        parts.push_back(mime.body.substr(from, next - from + 2));
        pos = mime.body.find("--" + boundary + "\r\n", next + 2);
    }
    REQUIRE(parts.size() == 2);
    CHECK(mime.body.find("--" + boundary + "--\r\n") != std::string::npos);

    const auto plain = parse_mime(parts[0]);
    CHECK(plain.headers.at("Content-Type") == "text/plain; charset=UTF-8");
    CHECK(plain.headers.at("Content-Transfer-Encoding") == "base64");
    const auto text = b64decode(plain.body);
    CHECK(valid_utf8(text));
    CHECK(text.find("市发改委:\r\n") == 0);
    CHECK(text.find(
              "1. 【逾期】任务1 生产总值增长(gdp_growth):2023-Q3 报告已逾期 6 天,应于 2023-10-20 "
              "报送。"
              "牵头单位:市发改委\r\n   应于 2023-10-20 报送 2023-Q3 数据。\r\n   已逾期 6 天。\r\n"
              "   任务内容:任务1的全文\r\n"
              "   详情:http://indicatord.example.org:9464/indicators/gdp_growth\r\n") !=
          std::string::npos);
    // Display order: overdue, overdue (repeat), at_risk, resolved.
    const auto p1 = text.find("1. 【逾期】任务1");
    const auto p2 = text.find("2. 【逾期】任务2");
    const auto p3 = text.find("3. 【预警】任务5");
    const auto p4 = text.find("4. 【已恢复】任务3");
    CHECK((p1 < p2 && p2 < p3 && p3 < p4 && p4 != std::string::npos));
    std::string lf_text = m.text;
    CHECK(lf_text.find('\r') == std::string::npos);

    const auto html_part = parse_mime(parts[1]);
    CHECK(html_part.headers.at("Content-Type") == "text/html; charset=UTF-8");
    CHECK(html_part.headers.at("Content-Transfer-Encoding") == "base64");
    const auto html = b64decode(html_part.body);
    CHECK(valid_utf8(html));
    CHECK(html.find("<html lang=\"zh-CN\">") != std::string::npos);
    CHECK(html.find("生产总值增长(gdp_growth)") != std::string::npos);
    CHECK(html.find("<a "
                    "href=\"http://indicatord.example.org:9464/indicators/gdp_growth\">详情</a>") !=
          std::string::npos);
    CHECK(html.find("进度 &lt;b&gt;落后&lt;/b&gt; &amp; 需关注") != std::string::npos);
    CHECK(html.find("<b>落后") == std::string::npos);

    // Pure: the same digest renders the same bytes (a retried delivery is identical).
    CHECK(render_email(d, "丽水市指标监测 <indicatord@example.org>",
                       {"fgw@example.org", "\"市发改委 综合处\" <zhc@example.org>"})
              .mime == m.mime);
}

TEST_CASE("email: long subjects fold, odd keys, no header injection", "[notify]") {
    auto d = sample();
    d.receiver_name = "丽水市经济技术开发区管理委员会(丽水经济技术开发区党工委)经济发展局综合处";
    d.alerts[1].escalation = true;
    d.idempotency_key = "fgw/0:2023-10-20T01:00:00Z";  // ':' is not allowed in a Message-ID
    const auto m =
        render_email(d, "indicatord@example.org\r\nBcc: evil@example.org", {"a@example.org"});
    const auto mime = parse_mime(m.mime);
    const auto& h = mime.headers;
    CHECK(h.count("Bcc") == 0);
    CHECK(m.mime.find("\r\nBcc:") == std::string::npos);
    CHECK(decode_words(h.at("Subject")) == m.subject);
    CHECK(m.subject.rfind("[indicatord] 【督查升级】丽水市经济技术开发区", 0) == 0);
    std::size_t words = 0;
    for (auto p = h.at("Subject").find("=?UTF-8?B?"); p != std::string::npos;
         p = h.at("Subject").find("=?UTF-8?B?", p + 1))
        ++words;
    CHECK(words >= 3);
    // Hashed, since the key is no dot-atom; the key itself still travels in its own header.
    CHECK(h.at("Message-ID").size() == 1 + 32 + std::string("@example.org>").size());
    CHECK(h.at("Message-ID").find(':') == std::string::npos);
    CHECK(h.at("X-Indicatord-Idempotency-Key") == "fgw/0:2023-10-20T01:00:00Z");
    std::size_t start = 0;
    for (auto nl = m.mime.find("\r\n"); nl != std::string::npos; nl = m.mime.find("\r\n", start)) {
        CHECK(nl - start <= 76);
        start = nl + 2;
    }
}

// ---- DingTalk
// ---------------------------------------------------------------------------------------

TEST_CASE("dingtalk: markdown message", "[notify]") {
    const auto d = sample();
    const auto v = json::parse(render_dingtalk(d));
    CHECK(v.at("msgtype") == "markdown");
    const auto& md = v.at("markdown").as_object();
    CHECK(md.at("title") == "[indicatord] 市发改委:2项逾期、1项预警、1项已恢复");
    const std::string text(md.at("text").as_string());
    CHECK(text.rfind("#### [indicatord] 市发改委:2项逾期、1项预警、1项已恢复\n\n", 0) == 0);
    CHECK(
        text.find("【逾期】任务1 生产总值增长(gdp_growth):2023-Q3 报告已逾期 6 天,应于 2023-10-20 "
                  "报送。牵头单位:"
                  "市发改委 "
                  "[详情](http://indicatord.example.org:9464/indicators/gdp_growth)\n\n") !=
        std::string::npos);
    CHECK(v == golden("dingtalk.json"));
}

TEST_CASE("dingtalk: long digests are cut between alerts", "[notify]") {
    auto d = sample();
    d.alerts.assign(500, d.alerts[1]);
    const auto v = json::parse(render_dingtalk(d));
    const std::string text(v.at("markdown").at("text").as_string());
    CHECK(text.size() <= kDingtalkTextLimit);
    CHECK(text.size() > kDingtalkTextLimit - 400);
    CHECK(valid_utf8(text));
    std::size_t shown = 0;
    for (auto p = text.find("【逾期】"); p != std::string::npos; p = text.find("【逾期】", p + 1))
        ++shown;
    const std::string more = "…(另有 " + std::to_string(500 - shown) + " 项未列出)";
    REQUIRE(text.size() >= more.size());
    CHECK(text.substr(text.size() - more.size()) == more);
}

TEST_CASE("dingtalk: signed URL", "[notify]") {
    // Expected values computed independently:
    // clang-format off
    // python3 -c 'import hmac,hashlib,base64,urllib.parse; s="SEC1f8c5a3d0e6b4f2a9c7d1e5b3a0f8c6d4e2b9a7f5c3e1d0b8a6f4e2c0a9b7d5"; t="1697763600000"; print(urllib.parse.quote_plus(base64.b64encode(hmac.new(s.encode(), (t+"\n"+s).encode(), hashlib.sha256).digest())))'
    // -> u4yQkt%2Bpz50Jf5tR9V1WtHdfqKa5adk%2FAcY5Kg8Sb5c%3D (base64 u4yQkt+pz50Jf5tR9V1WtHdfqKa5adk/AcY5Kg8Sb5c=)
    // clang-format on
    const std::string secret = "SEC1f8c5a3d0e6b4f2a9c7d1e5b3a0f8c6d4e2b9a7f5c3e1d0b8a6f4e2c0a9b7d5";
    CHECK(dingtalk_signed_url("https://oapi.dingtalk.com/robot/send?access_token=abc123", secret,
                              1697763600000) ==
          "https://oapi.dingtalk.com/robot/send?access_token=abc123&timestamp=1697763600000"
          "&sign=u4yQkt%2Bpz50Jf5tR9V1WtHdfqKa5adk%2FAcY5Kg8Sb5c%3D");
    // clang-format off
    // python3 -c 'import hmac,hashlib,base64,urllib.parse; s="this is secret"; t="1697763600000"; print(urllib.parse.quote_plus(base64.b64encode(hmac.new(s.encode(), (t+"\n"+s).encode(), hashlib.sha256).digest())))'
    // -> F91aHmVmm7jV2y0sz29eeG17IQcMRX1gzwHysFacyX4%3D
    // clang-format on
    CHECK(dingtalk_signed_url("http://127.0.0.1:8080/robot", "this is secret", 1697763600000) ==
          "http://127.0.0.1:8080/"
          "robot?timestamp=1697763600000&sign=F91aHmVmm7jV2y0sz29eeG17IQcMRX1gzwHysFacyX4%3D");
    CHECK_THROWS_AS(dingtalk_signed_url("not a url", secret, 1), std::invalid_argument);
}

// ---- WeCom
// ------------------------------------------------------------------------------------------------

TEST_CASE("wecom: markdown message", "[notify]") {
    const auto v = json::parse(render_wecom(sample()));
    CHECK(v.at("msgtype") == "markdown");
    const std::string content(v.at("markdown").at("content").as_string());
    CHECK(content.rfind("**[indicatord] 市发改委:2项逾期、1项预警、1项已恢复**\n", 0) == 0);
    CHECK(content.find("<font color=\"warning\">【逾期】</font>任务1 生产总值增长(gdp_growth)") !=
          std::string::npos);
    CHECK(content.find("<font color=\"info\">【已恢复】</font>任务3") != std::string::npos);
    CHECK(content.find("[详情](http://indicatord.example.org:9464/indicators/gdp_growth)") !=
          std::string::npos);
    CHECK(content.find("另有") == std::string::npos);
    CHECK(v == golden("wecom.json"));
}

TEST_CASE("wecom: at most 4096 bytes, cut between alerts, UTF-8 intact", "[notify]") {
    auto d = sample();
    const auto base = d.alerts[1];
    d.alerts.clear();
    for (int i = 0; i < 200; ++i) {
        auto a = base;
        a.labels["indicator"] = "indicator_" + std::to_string(i);
        a.annotations["indicator_name"] = "丽水市重点工作指标第" + std::to_string(i) + "项";
        d.alerts.push_back(a);
    }
    const auto v = json::parse(render_wecom(d));
    const std::string content(v.at("markdown").at("content").as_string());
    CHECK(content.size() <= 4096);
    CHECK(content.size() > 3500);  // filled, not cut short
    CHECK(valid_utf8(content));
    std::size_t shown = 0;
    for (auto p = content.find("【逾期】"); p != std::string::npos;
         p = content.find("【逾期】", p + 1))
        ++shown;
    REQUIRE(shown > 0);
    REQUIRE(shown < 200);
    const std::string more =
        "<font color=\"comment\">…(另有 " + std::to_string(200 - shown) + " 项未列出)</font>";
    CHECK(content.size() >= more.size());
    CHECK(content.substr(content.size() - more.size()) == more);
    // Every shown line is whole: it ends with its link.
    CHECK(content.find("[详情](http://indicatord.example.org:9464/indicators/indicator_" +
                       std::to_string(shown - 1) + ")\n<font color=\"comment\">") !=
          std::string::npos);
}

TEST_CASE("wecom: one alert longer than the limit is cut at a UTF-8 boundary", "[notify]") {
    auto d = sample();
    auto a = d.alerts[1];
    std::string huge = "x";  // one ASCII byte shifts the 3-byte characters off any round boundary
    for (int i = 0; i < 3000; ++i) huge += "指";
    a.annotations["indicator_name"] = huge;
    for (int extra = 0; extra < 3; ++extra) {  // every alignment of the cut within a character
        d.alerts = {a, a};
        const auto v = json::parse(render_wecom(d));
        const std::string content(v.at("markdown").at("content").as_string());
        CHECK(content.size() <= 4096);
        CHECK(content.size() > 4000);
        CHECK(valid_utf8(content));
        CHECK(content.find("…\n<font color=\"comment\">…(另有 1 项未列出)</font>") !=
              std::string::npos);
        a.annotations["indicator_name"] += "y";
    }
}

// ---- Feishu
// -------------------------------------------------------------------------------------------------

TEST_CASE("feishu: signed post message", "[notify]") {
    // Expected values computed independently (key = timestamp + "\n" + secret, message empty):
    // clang-format off
    // python3 -c 'import hmac,hashlib,base64; s="feishu-test-secret"; t="1697763600"; print(base64.b64encode(hmac.new((t+"\n"+s).encode(), b"", hashlib.sha256).digest()).decode())'
    // -> wyi3vQFjScKe5Py4MS9ijN1DDR3K9hLluj/Yt157wtY=
    // clang-format on
    const auto d = sample();
    const auto text = render_feishu(d, "feishu-test-secret", 1697763600);
    CHECK(text.rfind("{\"timestamp\":\"1697763600\",\"sign\":\"wyi3vQFjScKe5Py4MS9ijN1DDR3K9hLluj/"
                     "Yt157wtY=\",",
                     0) == 0);
    const auto v = json::parse(text);
    CHECK(v.at("msg_type") == "post");
    const auto& zh = v.at("content").at("post").at("zh_cn").as_object();
    CHECK(zh.at("title") == "[indicatord] 市发改委:2项逾期、1项预警、1项已恢复");
    const auto& rows = zh.at("content").as_array();
    REQUIRE(rows.size() == 4);
    CHECK(
        rows[0] ==
        json::parse(
            R"([{"tag":"text","text":"【逾期】任务1 生产总值增长(gdp_growth):2023-Q3 报告已逾期 6 天,应于 2023-10-20 报送。牵头单位:市发改委"},
                                      {"tag":"a","text":"详情","href":"http://indicatord.example.org:9464/indicators/gdp_growth"}])"));
    CHECK(rows[3].at(0).at("text").as_string().starts_with("【已恢复】"));
    CHECK(v == golden("feishu.json"));

    // clang-format off
    // python3 -c 'import hmac,hashlib,base64; s="飞书密钥-测试"; t="1697763600"; print(base64.b64encode(hmac.new((t+"\n"+s).encode(), b"", hashlib.sha256).digest()).decode())'
    // -> Y67qbmLBKs+Adj9vTousIE0v8i07ejgDhyWL/YCz9Zo=
    // clang-format on
    CHECK(json::parse(render_feishu(d, "飞书密钥-测试", 1697763600)).at("sign") ==
          "Y67qbmLBKs+Adj9vTousIE0v8i07ejgDhyWL/YCz9Zo=");
}

TEST_CASE("feishu: no secret, no signature, long digests are cut", "[notify]") {
    auto d = sample();
    auto o = json::parse(render_feishu(d, "", 0)).as_object();
    CHECK(!o.contains("timestamp"));
    CHECK(!o.contains("sign"));
    CHECK(o.begin()->key() == "msg_type");

    const auto base = d.alerts[1];
    d.alerts.assign(500, base);
    const auto text = render_feishu(d, "", 0);
    CHECK(text.size() < 20000);
    const auto v = json::parse(text);
    const auto& rows = v.at("content").at("post").at("zh_cn").at("content").as_array();
    REQUIRE(rows.size() < 500);
    CHECK(rows.back().at(0).at("text").as_string() ==
          "…(另有 " + std::to_string(500 - (rows.size() - 1)) + " 项未列出)");
}
