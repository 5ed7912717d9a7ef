// Values from Excel workbooks (.xlsx): POST /api/v1/values with the .xlsx media type,
// `indicatorctl import FILE.xlsx`, and the console's upload (/report/xlsx), against workbooks
// written by openpyxl (Debian's python3-openpyxl, as Excel writes them: shared strings) and one
// written by hand with inline strings, prefixed XML names and absolute part names.
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <fstream>
#include <regex>

#include "harness.hpp"

namespace {

const std::string kXlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const std::string kNow = "2023-05-10T09:00:00+08:00";

std::string read_bytes(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Runs a Python script with Debian's python3 (openpyxl), writing `out`.
void python(const std::filesystem::path& dir, const std::string& script) {
    const auto file = dir / "make.py";
    std::ofstream(file) << script;
    auto [code, out] = it::run("/usr/bin/python3 " + file.string());
    INFO(out);
    REQUIRE(code == 0);
}

// A workbook of values in its first sheet (row 3 left empty), a second sheet that is not read.
std::filesystem::path good_workbook(const std::filesystem::path& dir, const std::string& name,
                                    double gdp) {
    const auto path = dir / name;
    python(dir, R"(import openpyxl
wb = openpyxl.Workbook()
ws = wb.active
ws.title = "填报"
ws.append(["指标", "期间", "数值", "备注"])
ws.append(["gdp_growth", "2023-Q1", )" +
                    std::to_string(gdp) +
                    R"(, 'note, with "quotes"'])
ws.cell(row=4, column=1, value="居民消费价格涨幅")
ws.cell(row=4, column=2, value="2023-04")
ws.cell(row=4, column=3, value=2.1)
other = wb.create_sheet("说明")
other.append(["这一页不读", "x", "y"])
wb.save(")" + path.string() +
                    R"(")
)");
    return path;
}

}  // namespace

TEST_CASE("values from an .xlsx workbook: API and indicatorctl import, all or nothing", "[xlsx]") {
    it::TempDir dir;
    const auto config = it::kData + "/minimal.yaml";
    it::Daemon d(dir.path(), config, {"--now", kNow});

    // the first sheet is read, by the same column names as a CSV file, names for keys
    const auto good = read_bytes(good_workbook(dir.path(), "good.xlsx", 6.2));
    auto r = it::http("POST", d.url("/api/v1/values"), good, kXlsx);
    INFO(r.body);
    REQUIRE(r.status == 200);
    const auto gdp = it::history(d, "gdp_growth");
    REQUIRE(gdp.size() == 1);
    CHECK(gdp[0].value == 6.2);
    CHECK_THAT(it::http("GET", d.url("/api/v1/indicators/gdp_growth/values")).body,
               Catch::Contains(R"("note":"note, with \"quotes\"")"));
    REQUIRE(it::history(d, "cpi_growth").size() == 1);

    // a bad row names its row in the sheet; nothing of the workbook is stored
    python(dir.path(), R"(import openpyxl
wb = openpyxl.Workbook()
ws = wb.active
ws.append(["indicator", "period", "value"])
ws.append(["cpi_growth", "2023-03", 2.0])
ws.append(["cpi_growth", "2023-13", 2.0])
wb.save(")" + (dir.path() / "bad.xlsx").string() +
                           R"(")
)");
    r = it::http("POST", d.url("/api/v1/values"), read_bytes(dir.path() / "bad.xlsx"), kXlsx);
    CHECK(r.status == 400);
    const auto body = boost::json::parse(r.body).as_object();
    REQUIRE(body.at("items").as_array().size() == 1);
    CHECK(body.at("items").as_array()[0].at("row").as_int64() == 3);
    CHECK(it::history(d, "cpi_growth").size() == 1);  // 2023-03 of row 2 was not stored either

    // not a workbook
    r = it::http("POST", d.url("/api/v1/values"), "indicator,period,value\n", kXlsx);
    CHECK(r.status == 400);
    CHECK_THAT(r.body, Catch::Contains("not an Excel .xlsx workbook"));
    r = it::http("POST", d.url("/api/v1/values"), "x", "application/vnd.ms-excel");
    CHECK(r.status == 415);
    CHECK_THAT(r.body, Catch::Contains("(.xlsx)"));

    // indicatorctl import knows a workbook by its bytes and names the sheet's rows
    auto [code, out] = it::run(it::kCtl + " import " + config + " " +
                               (dir.path() / "bad.xlsx").string() + " --url " + d.url(""));
    CHECK(code == 1);
    CHECK_THAT(out, Catch::Contains("bad.xlsx:3: ") && Catch::Contains("nothing was imported"));
    const auto again = good_workbook(dir.path(), "again.xlsx", 6.4);
    std::tie(code, out) =
        it::run(it::kCtl + " import " + config + " " + again.string() + " --url " + d.url(""));
    INFO(out);
    CHECK(code == 0);
    CHECK_THAT(out, Catch::Contains("imported 2 value(s)"));
    CHECK(it::history(d, "gdp_growth").size() == 2);
}

TEST_CASE("a workbook with inline strings, prefixed names and absolute part names is read",
          "[xlsx]") {
    it::TempDir dir;
    it::Daemon d(dir.path(), it::kData + "/minimal.yaml", {"--now", kNow});
    // written by hand as other tools write it: no shared strings, `x:` prefixes, cells without
    // `r` references, a formula's cached number, an absolute target
    python(dir.path(), R"(import zipfile
ns = 'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
parts = {
 "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
 "_rels/.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="book/wb.xml"/></Relationships>',
 "book/wb.xml": '<?xml version="1.0"?><x:workbook ' + ns + '><x:sheets><x:sheet name="数据" sheetId="7" r:id="rId9"/></x:sheets></x:workbook>',
 "book/_rels/wb.xml.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="/sheets/s.xml"/></Relationships>',
 "sheets/s.xml": '<?xml version="1.0"?><x:worksheet ' + ns + '><x:sheetData>'
   '<x:row r="2"><x:c t="inlineStr"><x:is><x:t>indicator</x:t></x:is></x:c><x:c t="inlineStr"><x:is><x:t>period</x:t></x:is></x:c><x:c t="inlineStr"><x:is><x:t>value</x:t></x:is></x:c></x:row>'
   '<x:row r="3"><x:c t="inlineStr"><x:is><x:r><x:t>gdp_</x:t></x:r><x:r><x:t>growth</x:t></x:r></x:is></x:c><x:c t="str"><x:f>"2023-"&amp;"Q1"</x:f><x:v>2023-Q1</x:v></x:c><x:c><x:f>3+2.5</x:f><x:v>5.5</x:v></x:c></x:row>'
   '</x:sheetData></x:worksheet>',
}
with zipfile.ZipFile(")" + (dir.path() / "hand.xlsx").string() +
                           R"(", "w", zipfile.ZIP_DEFLATED) as z:
    for name, text in parts.items():
        z.writestr(name, text)
)");
    auto r = it::http("POST", d.url("/api/v1/values"), read_bytes(dir.path() / "hand.xlsx"), kXlsx);
    INFO(r.body);
    REQUIRE(r.status == 200);
    const auto gdp = it::history(d, "gdp_growth");
    REQUIRE(gdp.size() == 1);
    CHECK(gdp[0].value == 5.5);
    CHECK(gdp[0].period == "2023-Q1");
}

TEST_CASE("the console turns an uploaded workbook into the CSV form's text, signed in with CSRF",
          "[xlsx][web]") {
    it::TempDir dir;
    const auto config = dir.path() / "indicatord.yaml";
    std::ofstream(config) << "rules: " << it::kData << "/minimal\ncalendars: " << it::kData
                          << "/../../config/calendars\nauth:\n  tokens_file: tokens.yaml\n";
    auto [code, token] =
        it::run(it::kCtl + " token create " + config.string() + " --unit fgw --id fgw-1");
    REQUIRE(code == 0);
    while (!token.empty() && token.back() == '\n') token.pop_back();
    it::Daemon d(dir.path(), config.string(), {"--now", kNow});
    const auto workbook = read_bytes(good_workbook(dir.path(), "good.xlsx", 6.2));

    // signed out: refused
    CHECK(it::http("POST", d.url("/report/xlsx"), workbook, kXlsx).status == 401);
    auto page = it::http("GET", d.url("/signin"));
    const auto& set = page.headers["set-cookie"];
    const auto signin = set.substr(11, set.find(';') - 11);  // "idt_signin=..."
    auto in = it::http("POST", d.url("/signin"), "csrf=" + signin + "&token=" + token,
                       "application/x-www-form-urlencoded", {"Cookie: idt_signin=" + signin});
    REQUIRE(in.status == 303);
    const auto& s = in.headers["set-cookie"];
    const std::string cookie = "Cookie: " + s.substr(0, s.find(';'));
    const auto form = it::http("GET", d.url("/report"), {}, {}, {cookie});
    std::smatch m;
    static const std::regex re(R"re(name="csrf" value="([0-9a-f]+)")re");
    REQUIRE(std::regex_search(form.body, m, re));
    const std::string csrf = m[1];
    CHECK_THAT(form.body, Catch::Contains("accept=\".csv,text/csv,.xlsx"));

    // without the CSRF header: refused
    CHECK(it::http("POST", d.url("/report/xlsx"), workbook, kXlsx, {cookie}).status == 403);
    auto r =
        it::http("POST", d.url("/report/xlsx"), workbook, kXlsx, {cookie, "X-CSRF-Token: " + csrf});
    INFO(r.body);
    REQUIRE(r.status == 200);
    CHECK(r.content_type == "text/csv; charset=utf-8");
    // the sheet's row 4 is the text's line 4: the preview names the rows the clerk sees
    CHECK(r.body ==
          "\"指标\",\"期间\",\"数值\",\"备注\"\r\n\"gdp_growth\",\"2023-Q1\",\"6.2\",\"note, "
          "with \"\"quotes\"\"\"\r\n\r\n\"居民消费价格涨幅\",\"2023-04\",\"2.1\"\r\n");
    // not a workbook: the reason in words, as text for the page's script
    r = it::http("POST", d.url("/report/xlsx"), "PK\x03\x04junk", kXlsx,
                 {cookie, "X-CSRF-Token: " + csrf});
    CHECK(r.status == 400);
    CHECK_THAT(r.body, Catch::Contains("not an Excel .xlsx workbook"));
    // nothing was stored by the conversion
    CHECK(it::history(d, "gdp_growth").empty());
}
