// Review (实绩审核) and evidence (佐证材料) in the web console over real HTTP against the real
// daemon (docs/review.md "In the console"): the report form sent as multipart/form-data with
// files (its CSRF token among the fields), refused in the API's words (415, 413) and confirmed
// as awaiting review; the reviewer's queue, its decisions (CSRF, a return needs a comment, only
// the reviewer decides), the returned comment on the unit's form, the evidence downloads and
// their read checks, the review steps on the indicator's page. The browser test
// (tests/browser/review_test.py) drives the same pages in Chromium.
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <fstream>
#include <regex>

#include "harness.hpp"

namespace {

std::string create_token(const std::filesystem::path& config, const std::string& args) {
    auto [code, out] = it::run(it::kCtl + " token create " + config.string() + " " + args);
    REQUIRE(code == 0);
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
    return out;
}

std::string cookie_of(const it::Response& r, const std::string& name) {
    const auto& c = r.headers.count("set-cookie") ? r.headers.at("set-cookie") : std::string();
    if (c.rfind(name + "=", 0) != 0) return {};
    return c.substr(name.size() + 1, c.find(';') - name.size() - 1);
}

std::string csrf_of(const std::string& page) {
    static const std::regex re(R"re(name="csrf" value="([0-9a-f]+)")re");
    std::smatch m;
    return std::regex_search(page, m, re) ? std::string(m[1]) : std::string();
}

bool has(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

const std::string kForm = "application/x-www-form-urlencoded";
const std::string kBoundary = "----browserBoundary7MA4YWxk";
const std::string kMultipart = "multipart/form-data; boundary=" + kBoundary;
const std::string kPdf = "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n";
const std::string kPng = std::string("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16) + "rest-of-a-png";
const std::string kHtml = "<!DOCTYPE html><html><script>alert(1)</script></html>";

// A form as a browser sends it: text fields, then files (filename="..." in UTF-8), and an
// empty file field when no file was chosen.
struct Part {
    std::string name, body, filename;
};
std::string multipart(const std::vector<Part>& parts) {
    std::string out;
    for (const auto& p : parts) {
        out += "--" + kBoundary + "\r\nContent-Disposition: form-data; name=\"" + p.name + "\"";
        if (p.name == "file")
            out += "; filename=\"" + p.filename + "\"\r\nContent-Type: application/octet-stream";
        out += "\r\n\r\n" + p.body + "\r\n";
    }
    return out + "--" + kBoundary + "--\r\n";
}

// A signed-in session: its cookie header and CSRF token.
struct Session {
    std::vector<std::string> cookie;
    std::string csrf;
};

Session sign_in(const it::Daemon& d, const std::string& token) {
    auto page = it::http("GET", d.url("/signin"));
    const auto signin = cookie_of(page, "idt_signin");
    auto in = it::http("POST", d.url("/signin"), "csrf=" + signin + "&token=" + token, kForm,
                       {"Cookie: idt_signin=" + signin});
    REQUIRE(in.status == 303);
    Session s{{"Cookie: idt_session=" + cookie_of(in, "idt_session")}, {}};
    s.csrf = csrf_of(it::http("GET", d.url("/report"), {}, {}, s.cookie).body);
    REQUIRE(s.csrf.size() == 64);
    return s;
}

std::string status_of(const it::Daemon& d, const std::string& admin) {
    auto r = it::http("GET", d.url("/api/v1/indicators/gdp_growth"), {}, {},
                      {"Authorization: Bearer " + admin});
    REQUIRE(r.status == 200);
    return std::string(boost::json::parse(r.body).at("status").as_string());
}

}  // namespace

TEST_CASE("web console review: files on the report form, the queue, return, approve",
          "[web][review]") {
    it::TempDir dir;
    const auto config = dir.path() / "indicatord.yaml";
    std::ofstream(config) << "rules: " << it::kData << "/review\ncalendars: " << it::kData
                          << "/../../config/calendars\nauth:\n  tokens_file: tokens.yaml\n"
                          << "  read_requires_token: true\n  read_scope: unit\n"
                          << "  read_all_units: [dcs]\nevidence:\n  max_file_bytes: 1024\n";
    const auto fgw_token = create_token(config, "--unit fgw --id fgw-1");
    const auto tjj_token = create_token(config, "--unit tjj --id tjj-1");
    const auto liandu_token = create_token(config, "--unit liandu --id liandu-1");
    const auto admin = create_token(config, "--admin --id ops");
    it::Daemon d(dir.path(), config.string(),
                 {"--test-clock", "--now", "2023-04-10T09:00:00+08:00"});
    const auto fgw = sign_in(d, fgw_token);
    const auto before = status_of(d, admin);

    // the form: a file field for the reviewed indicator, sent as multipart/form-data
    auto form = it::http("GET", d.url("/report"), {}, {}, fgw.cookie);
    CHECK(has(form.body, "enctype=\"multipart/form-data\" data-max-file-bytes=\"1024\""));
    CHECK(has(form.body, "须经 市统计局 审核"));
    CHECK_FALSE(has(form.body, "id=\"nav-reviews\""));  // fgw reviews nothing

    const std::vector<Part> fields{{"csrf", fgw.csrf, ""},
                                   {"indicator", "gdp_growth", ""},
                                   {"period", "2023-Q1", ""},
                                   {"value", "5.1", ""},
                                   {"note", "初步 <b>", ""}};
    auto with = [&](std::vector<Part> files) {
        auto all = fields;
        all.insert(all.end(), files.begin(), files.end());
        return multipart(all);
    };
    // without the CSRF token, or signed out: refused
    auto no_csrf = multipart({{"indicator", "gdp_growth", ""}, {"file", kPdf, "a.pdf"}});
    CHECK(it::http("POST", d.url("/report"), no_csrf, kMultipart, fgw.cookie).status == 403);
    CHECK(it::http("POST", d.url("/report"), with({}), kMultipart).status == 401);
    // an HTML page named .pdf: the API's 415 in the page, nothing stored
    auto html = it::http("POST", d.url("/report"), with({{"file", kHtml, "报告.pdf"}}), kMultipart,
                         fgw.cookie);
    CHECK(html.status == 415);
    CHECK(html.content_type == "text/html; charset=utf-8");
    CHECK(has(html.body, "未保存。"));
    CHECK(has(html.body, "evidence file &#39;报告.pdf&#39; is HTML"));
    // over evidence.max_file_bytes: 413 naming the limit
    auto big = it::http("POST", d.url("/report"),
                        with({{"file", kPdf + std::string(2000, '0'), "big.pdf"}}), kMultipart,
                        fgw.cookie);
    CHECK(big.status == 413);
    CHECK(has(big.body, "more than the limit of 1024 bytes (evidence.max_file_bytes)"));
    auto queue =
        it::http("GET", d.url("/api/v1/reviews"), {}, {}, {"Authorization: Bearer " + admin});
    CHECK(boost::json::parse(queue.body).at("reviews").as_array().empty());

    // a PDF, a PNG and an empty file field: submitted, awaiting review, the status unchanged
    auto ok = it::http(
        "POST", d.url("/report"),
        with({{"file", kPdf, "统计报表.pdf"}, {"file", kPng, "现场照片.png"}, {"file", "", ""}}),
        kMultipart, fgw.cookie);
    CHECK(ok.status == 200);
    CHECK(has(ok.body, "已提交,待审核。"));
    CHECK(has(ok.body, ">统计报表.pdf</a>"));
    CHECK(has(ok.body, ">现场照片.png</a>"));
    CHECK(status_of(d, admin) == before);
    CHECK(has(ok.body, "<tr class=\"submission submitted\" data-key=\"gdp_growth\""));

    // the reviewer's queue, with the count in the tab and the evidence links
    const auto tjj = sign_in(d, tjj_token);
    auto page = it::http("GET", d.url("/reviews"), {}, {}, tjj.cookie);
    CHECK(page.status == 200);
    CHECK(has(page.body, "id=\"nav-reviews\""));
    CHECK(has(page.body, "审核 <span class=\"count\">1</span>"));
    CHECK(has(page.body, "<pre class=\"note\">初步 &lt;b&gt;</pre>"));
    static const std::regex row_re(R"re(class="review-row" data-id="(\d+)")re");
    static const std::regex file_re(R"re(href="/evidence/(\d+)")re");
    std::smatch m;
    REQUIRE(std::regex_search(page.body, m, row_re));
    const std::string id = m[1];
    REQUIRE(std::regex_search(page.body, m, file_re));
    const std::string file = "/evidence/" + std::string(m[1]);
    auto download = it::http("GET", d.url(file), {}, {}, tjj.cookie);
    CHECK(download.status == 200);
    CHECK(download.body == kPdf);
    CHECK(download.content_type == "application/pdf");
    CHECK(has(download.headers["content-disposition"], "attachment"));
    // another unit may not read it (read_scope: unit); signed out goes to the sign-in page
    const auto liandu = sign_in(d, liandu_token);
    auto refused = it::http("GET", d.url(file), {}, {}, liandu.cookie);
    CHECK(refused.status == 403);
    CHECK(has(refused.body, "may not read indicator &#39;gdp_growth&#39;"));
    CHECK(it::http("GET", d.url(file)).status == 303);

    // decisions: the unit may not decide; a return needs a comment; CSRF
    const auto approve = "/reviews/" + id + "/approve";
    const auto give_back = "/reviews/" + id + "/return";
    auto own = it::http("POST", d.url(approve), "csrf=" + fgw.csrf, kForm, fgw.cookie);
    CHECK(own.status == 403);
    CHECK(has(own.body, "is for 市统计局 (tjj) to decide"));
    CHECK(it::http("POST", d.url(give_back), "comment=x", kForm, tjj.cookie).status == 403);
    auto empty =
        it::http("POST", d.url(give_back), "csrf=" + tjj.csrf + "&comment=+", kForm, tjj.cookie);
    CHECK(empty.status == 400);
    CHECK(has(empty.body, "returning a value needs a comment"));
    auto returned = it::http("POST", d.url(give_back),
                             "csrf=" + tjj.csrf + "&comment=%E8%AF%B7%E7%9B%96%E7%AB%A0+%3Ci%3E",
                             kForm, tjj.cookie);
    CHECK(returned.status == 200);
    CHECK(has(returned.body, "已退回。"));
    CHECK(has(returned.body, "id=\"queue-empty\""));

    // the unit sees the comment on its form, and reports again
    form = it::http("GET", d.url("/report"), {}, {}, fgw.cookie);
    CHECK(has(form.body, "退回意见:<pre class=\"note\">请盖章 &lt;i&gt;</pre>"));
    ok = it::http("POST", d.url("/report"), with({{"file", kPdf, "盖章版.pdf"}}), kMultipart,
                  fgw.cookie);
    CHECK(has(ok.body, "已提交,待审核。"));
    page = it::http("GET", d.url("/reviews"), {}, {}, tjj.cookie);
    REQUIRE(std::regex_search(page.body, m, row_re));
    auto approved = it::http("POST", d.url("/reviews/" + std::string(m[1]) + "/approve"),
                             "csrf=" + tjj.csrf + "&comment=ok", kForm, tjj.cookie);
    CHECK(approved.status == 200);
    CHECK(has(approved.body, "已通过。"));
    CHECK(status_of(d, admin) != before);

    // the indicator's page (admin): every step, with the files of each submission
    const auto ops = sign_in(d, admin);
    auto ind = it::http("GET", d.url("/indicators/gdp_growth"), {}, {}, ops.cookie);
    CHECK(has(ind.body, "id=\"review-steps\""));
    for (const auto* step : {"submitted", "returned", "approved"})
        CHECK(has(ind.body, std::string("<tr class=\"review-step ") + step + "\""));
    CHECK(has(ind.body, "<pre class=\"note\">请盖章 &lt;i&gt;</pre>"));
    CHECK(has(ind.body, ">盖章版.pdf</a>"));
}
