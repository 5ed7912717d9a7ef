#include "eval/csv_import.hpp"

#include <date/date.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <iterator>
#include <sstream>

#include "test_util.hpp"

using namespace indicatord;

namespace {

const Plan& plan() {
    static const Plan p = load_plan({test::kData + "/minimal"});
    return p;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    REQUIRE(in);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// After the plan year, as an admin: every period has ended and a reported_at is honoured.
const ReportTime kLater{date::sys_days{date::year{2024} / 6 / 1}, true};

CsvBatch parse(std::string_view csv, CsvEncoding encoding = CsvEncoding::detect) {
    return parse_values_csv(csv, plan(), encoding, kLater);
}

std::string file_error(std::string_view csv, CsvEncoding encoding = CsvEncoding::detect) {
    auto b = parse(csv, encoding);
    CHECK(b.values.empty());
    CHECK(b.row_errors.empty());
    return b.error;
}

/// "line: reason" of each row error.
std::vector<std::string> row_errors(const CsvBatch& b) {
    std::vector<std::string> out;
    for (const auto& e : b.row_errors) out.push_back(std::to_string(e.index) + ": " + e.reason);
    return out;
}

std::string key_of(const CsvValue& v) {
    return plan().indicators[v.item.indicator].key;
}

}  // namespace

TEST_CASE("encoding names", "[csv]") {
    CHECK(parse_encoding("auto") == CsvEncoding::detect);
    CHECK(parse_encoding("detect") == CsvEncoding::detect);
    CHECK(parse_encoding("UTF-8") == CsvEncoding::utf8);
    CHECK(parse_encoding("utf8") == CsvEncoding::utf8);
    CHECK(parse_encoding("GBK") == CsvEncoding::gbk);
    CHECK(parse_encoding("gb18030") == CsvEncoding::gbk);
    CHECK(parse_encoding("gb2312") == CsvEncoding::gbk);
    CHECK_FALSE(parse_encoding("latin1"));
    CHECK_FALSE(parse_encoding(""));
}

TEST_CASE("a UTF-8 file parses into values with their lines", "[csv]") {
    auto b = parse(
        "indicator,period,value,note\n"
        "gdp_growth,2023-Q1,4.9,初步核算\n"
        "cpi_growth,2023-03,-0.5,\n"
        "task068_report_liandu,2023-Q1,1.5E+01,\n");
    REQUIRE(b.ok());
    REQUIRE(b.values.size() == 3);
    CHECK(key_of(b.values[0]) == "gdp_growth");
    CHECK(b.values[0].item.period.label() == "2023-Q1");
    CHECK(b.values[0].item.value == 4.9);
    CHECK(b.values[0].item.note == "初步核算");
    CHECK_FALSE(b.values[0].item.reported_at);
    CHECK(b.values[0].line == 2);
    CHECK(key_of(b.values[1]) == "cpi_growth");
    CHECK(b.values[1].item.value == -0.5);
    CHECK(b.values[1].item.note.empty());
    CHECK(b.values[2].item.value == 15);
    CHECK(b.values[2].line == 4);
}

TEST_CASE("a UTF-8 byte order mark is stripped and CR LF line ends are read", "[csv]") {
    for (auto encoding : {CsvEncoding::detect, CsvEncoding::utf8}) {
        auto b =
            parse("\xEF\xBB\xBFindicator,period,value\r\ngdp_growth,2023-Q1,4.9\r\n", encoding);
        REQUIRE(b.ok());
        REQUIRE(b.values.size() == 1);
        CHECK(key_of(b.values[0]) == "gdp_growth");
        CHECK(b.values[0].line == 2);
    }
}

TEST_CASE("a GBK file from a Chinese Excel: headers and indicator names in Chinese", "[csv]") {
    // values-gbk.csv: `iconv -f UTF-8 -t GBK`, CR LF line ends.
    const auto bytes = read_file(test::kData + "/csv/values-gbk.csv");
    for (auto encoding : {CsvEncoding::detect, CsvEncoding::gbk}) {
        auto b = parse(bytes, encoding);
        REQUIRE(b.ok());
        REQUIRE(b.values.size() == 3);
        CHECK(key_of(b.values[0]) == "gdp_growth");
        CHECK(b.values[0].item.note == "初步核算");
        CHECK(key_of(b.values[1]) == "cpi_growth");
        CHECK(b.values[1].item.period.label() == "2023-03");
        CHECK(b.values[1].item.value == 0.8);
        CHECK(key_of(b.values[2]) == "manufacturing_projects");
        CHECK(b.values[2].item.value == 12);
        CHECK(b.values[2].item.note == "新签约,含续建");
        CHECK(b.values[2].line == 4);
    }
    // 0xD6 0xB8 happens to be UTF-8 too; 0xB1 is not.
    CHECK(file_error(bytes, CsvEncoding::utf8) ==
          "not valid UTF-8: byte 0xB1 at offset 2 (line 1)");
}

TEST_CASE("columns in any order, any case, padded, with their Chinese names", "[csv]") {
    auto b = parse(
        " Value , PERIOD,Indicator ,Reported_At\n"
        "4.9,2023-Q1,gdp_growth,2023-07-15T09:00:00+08:00\n");
    REQUIRE(b.ok());
    CHECK(b.values[0].item.value == 4.9);

    b = parse(
        "指标,期间,值,说明,报送时间\n"
        "生产总值增长,2023-Q1,4.9,按可比价格计算,\n"
        "　居民消费价格涨幅　,2023-03,2,,\n");  // full-width spaces around the name
    REQUIRE(b.ok());
    CHECK(key_of(b.values[0]) == "gdp_growth");
    CHECK(b.values[0].item.note == "按可比价格计算");
    CHECK(key_of(b.values[1]) == "cpi_growth");

    b = parse("指标代码,周期,数值,备注\ngdp_growth,2023-Q2,5.1,\n");
    REQUIRE(b.ok());
    b = parse("指标名称,报告期,数值\n亿元以上制造业项目,2023-Q2,30\n");
    REQUIRE(b.ok());
    CHECK(key_of(b.values[0]) == "manufacturing_projects");
}

TEST_CASE("reported_at is read as an RFC 3339 instant", "[csv]") {
    using namespace std::chrono;
    auto b = parse(
        "indicator,period,value,reported_at\n"
        "gdp_growth,2023-Q1,4.9,2023-07-15T09:00:00+08:00\n"
        "gdp_growth,2023-Q2,5.0,2023-07-15T01:30:00Z\n"
        "cpi_growth,2023-03,2,\n");
    REQUIRE(b.ok());
    REQUIRE(b.values.size() == 3);
    REQUIRE(b.values[0].item.reported_at);
    CHECK(*b.values[0].item.reported_at == date::sys_days{date::year{2023} / 7 / 15} + hours{1});
    CHECK(*b.values[1].item.reported_at ==
          date::sys_days{date::year{2023} / 7 / 15} + hours{1} + minutes{30});
    CHECK_FALSE(b.values[2].item.reported_at);
}

TEST_CASE("quoted fields hold commas, quotes and line breaks, lines stay physical", "[csv]") {
    auto b = parse(
        "indicator,period,value,note\n"                             // 1
        "gdp_growth,2023-Q1,4.9,\"初步核算, 待修订\"\n"             // 2
        "gdp_growth,2023-Q2,5.0,\"他说\"\"好\"\"\"\n"               // 3
        "\n"                                                        // 4
        "cpi_growth,2023-03,2,\"第一行\n第二行\r\n第三行\"\n"       // 5-7
        "  \t \n"                                                   // 8
        ",,,\n"                                                     // 9
        "\"cpi_growth\" , \"2023-04\" ,\" 2.5 \",\"  留空格  \"\n"  // 10
        "manufacturing_projects,2023-Q1,12,\"\"");                  // 11, no line end
    REQUIRE(b.ok());
    REQUIRE(b.values.size() == 5);
    CHECK(b.values[0].item.note == "初步核算, 待修订");
    CHECK(b.values[1].item.note == "他说\"好\"");
    CHECK(b.values[2].item.note == "第一行\n第二行\r\n第三行");
    CHECK(b.values[2].line == 5);
    CHECK(b.values[3].line == 10);
    CHECK(b.values[3].item.period.label() == "2023-04");
    CHECK(b.values[3].item.value == 2.5);
    CHECK(b.values[3].item.note == "  留空格  ");
    CHECK(b.values[4].line == 11);
    CHECK(b.values[4].item.value == 12);
}

TEST_CASE("every bad row is reported with its line and nothing is kept", "[csv]") {
    auto b = parse(
        "indicator,period,value,note\n"          // 1
        "gdp_growth,2023-Q1,4.9,ok\n"            // 2
        "nope,2023-Q1,1,\n"                      // 3
        "gdp_growth,2023-03,1,\n"                // 4
        "\n"                                     // 5
        "gdp_growth,2022-Q4,1,\n"                // 6
        "gdp_growth,2023-Q9,1,\n"                // 7
        "gdp_growth,2023-Q1,abc,\n"              // 8
        "gdp_growth,2023-Q1,12%,\n"              // 9
        "gdp_growth,2023-Q1,\"1,234\",\n"        // 10
        "gdp_growth,2023-Q1,,\n"                 // 11
        "gdp_growth,2023-Q1,1\n"                 // 12
        "gdp_growth,2023-Q1,1,a,b\n"             // 13
        "task068_report_liandu,2023-Q1,120,\n"   // 14
        "gdp_growth,2023-Q1,1,\"两行\n备注\"\n"  // 15-16, fine
        "\"gdp\n_growth\",2023-Q1,1,\n"          // 17-18
        ",2023-Q1,1,\n"                          // 19
        "gdp_growth,2023-Q1,1e999,\n"            // 20
        "gdp_growth,2023-Q1,nan,\n"              // 21
        "生产总值,2023-Q1,1,\n");                // 22
    CHECK(b.values.empty());
    CHECK(b.error.empty());
    CHECK(row_errors(b) ==
          std::vector<std::string>{
              "3: unknown indicator 'nope'",
              "4: period '2023-03' does not match indicator 'gdp_growth' reported by quarter",
              "6: period '2022-Q4' is outside plan test-2023 (2023)",
              "7: period '2023-Q9' is not a period (use 2023, 2023-H1, 2023-Q1 or 2023-03)",
              "8: value 'abc' is not a number",
              "9: value '12%' must be a plain number: leave out the '%'",
              "10: value '1,234' must be a plain number: leave out the thousands separators",
              "11: value is empty",
              "12: has 3 fields but the header has 4",
              "13: has 5 fields but the header has 4 (a field with a comma in it must be in double "
              "quotes)",
              "14: value of report indicator 'task068_report_liandu' is percent complete: 0 to 100",
              "17: unknown indicator 'gdp\n_growth'",
              "19: indicator is empty",
              "20: value '1e999' is out of range",
              "21: value must be a finite number",
              "22: unknown indicator '生产总值'",
          });
}

TEST_CASE("a name shared by several indicators must be given as a key", "[csv]") {
    Plan p = plan();
    Indicator twin = p.indicators[static_cast<std::size_t>(p.index_of("gdp_growth"))];
    twin.key = "gdp_growth_city";
    p.indicator_index[twin.key] = p.indicators.size();
    p.indicators.push_back(twin);

    auto b = parse_values_csv(
        "indicator,period,value\n"
        "生产总值增长,2023-Q1,4.9\n"
        "gdp_growth_city,2023-Q1,4.9\n",
        p, CsvEncoding::utf8, kLater);
    CHECK(row_errors(b) ==
          std::vector<std::string>{"2: indicator name '生产总值增长' is ambiguous (gdp_growth, "
                                   "gdp_growth_city): give the key"});
    CHECK(b.values.empty());
}

TEST_CASE("header errors are errors of the whole file", "[csv]") {
    CHECK(file_error("indicator,period\ngdp_growth,2023-Q1\n") == "missing column value (数值)");
    CHECK(file_error("note\nx\n") ==
          "missing columns indicator (指标), period (期间), value (数值)");
    CHECK(file_error("indicator,period,value,unit,amount\n") ==
          "unknown columns 'unit', 'amount' (columns are indicator, period, value, note, "
          "reported_at, or 指标, 期间, 数值, 备注, 报送时间)");
    CHECK(file_error("indicator,期间,value,单位\ngdp_growth,2023-Q1,1,%\n") ==
          "unknown column '单位' (columns are indicator, period, value, note, reported_at, or "
          "指标, 期间, 数值, 备注, 报送时间)");
    CHECK(file_error("指标,period,数值,value\n") ==
          "columns 3 ('数值') and 4 ('value') are both the value column");
    CHECK(file_error("indicator;period;value\ngdp_growth;2023-Q1;1\n") ==
          "the header is one column 'indicator;period;value': separate the columns with commas");
    CHECK(file_error("") == "the file is empty (expected a header row: indicator,period,value)");
    CHECK(file_error("\n \n,,\n") ==
          "the file is empty (expected a header row: indicator,period,value)");
    CHECK(file_error("indicator,period,value\n\n") == "the file has a header but no values");
}

TEST_CASE("unnamed trailing columns are tolerated while they stay empty", "[csv]") {
    auto b = parse("indicator,period,value,,\ngdp_growth,2023-Q1,4.9,,\n");
    REQUIRE(b.ok());
    CHECK(b.values.size() == 1);
    b = parse("indicator,period,value,\ngdp_growth,2023-Q1,4.9,x\n");
    CHECK(row_errors(b) ==
          std::vector<std::string>{"2: column 4 has a value but no name in the header"});
}

TEST_CASE("reported_at and note cells are checked", "[csv]") {
    auto b = parse(
        "indicator,period,value,note,reported_at\n"
        "gdp_growth,2023-Q1,4.9,,2023/7/15 9:00\n"
        "gdp_growth,2023-Q1,4.9," +
        std::string(4001, 'x') + ",\n");
    CHECK(row_errors(b) ==
          std::vector<std::string>{"2: reported_at '2023/7/15 9:00' is not an RFC 3339 time like "
                                   "2023-07-15T09:00:00+08:00",
                                   "3: note is longer than 4000 bytes"});
}

TEST_CASE("broken quoting stops the file at its line", "[csv]") {
    CHECK(file_error("indicator,period,value,note\n"
                     "gdp_growth,2023-Q1,4.9,ok\n"
                     "gdp_growth,2023-Q1,4.9,他说\"好\"\n") ==
          "line 3: stray '\"' in a field (put the whole field in double quotes and double the "
          "quotes inside it)");
    CHECK(file_error("indicator,period,value,note\n"
                     "gdp_growth,2023-Q1,4.9,\"ok\"x\n") ==
          "line 2: stray '\"' in a field (put the whole field in double quotes and double the "
          "quotes inside it)");
    CHECK(file_error("indicator,period,value,note\n"
                     "nope,2023-Q1,4.9,\n"
                     "gdp_growth,2023-Q1,4.9,\"not closed\n"
                     "cpi_growth,2023-03,1,\n") ==
          "line 3: a quoted field is not closed (missing '\"')");
}

TEST_CASE("encoding errors name the byte offset and line", "[csv]") {
    const std::string gbk_row = "gdp_growth,2023-Q1,4.9,\xB3\xF5\xB2\xBD\n";  // 初步 in GBK
    CHECK(file_error("indicator,period,value,note\n" + gbk_row, CsvEncoding::utf8) ==
          "not valid UTF-8: byte 0xB3 at offset 51 (line 2)");
    CHECK(parse("indicator,period,value,note\n" + gbk_row).values.at(0).item.note == "初步");
    CHECK(file_error("\xEF\xBB\xBFindicator,period,value,note\n" + gbk_row) ==
          "not valid UTF-8: byte 0xB3 at offset 54 (line 2)");
    CHECK(file_error("indicator,period,value\r\ngdp_growth,2023-Q1,\xFF\r\n") ==
          "neither UTF-8 (byte 0xFF at offset 43 (line 2)) nor GBK/GB18030 (byte 0xFF at offset "
          "43 (line 2))");
    CHECK(file_error("indicator,period,value\n\xB3\xF5,2023-Q1,\x80\n", CsvEncoding::gbk) ==
          "not valid GBK/GB18030: byte 0x80 at offset 34 (line 2)");
    CHECK(file_error("\xEF\xBB\xBFindicator,period,value\n", CsvEncoding::gbk) ==
          "the file starts with a UTF-8 byte order mark but its encoding was given as GBK");
    CHECK(file_error(std::string("\xFF\xFEi\0n\0", 6)) ==
          "the file is UTF-16 (Excel \"Unicode Text\"): save it as \"CSV UTF-8\" or \"CSV\"");
}

TEST_CASE("to_utf8 converts and strips byte order marks", "[csv]") {
    std::string error;
    CHECK(to_utf8("\xB3\xF5\xB2\xBD", CsvEncoding::gbk, error) == "初步");
    CHECK(to_utf8("\x84\x31\x95\x33\xB3\xF5", CsvEncoding::gbk, error) == "初");  // GB18030 BOM
    CHECK(to_utf8("\xEF\xBB\xBF初步", CsvEncoding::utf8, error) == "初步");
    CHECK(to_utf8("初步", CsvEncoding::detect, error) == "初步");
    CHECK(error.empty());
    CHECK_FALSE(to_utf8("\xED\xA0\x80", CsvEncoding::utf8, error));  // a surrogate
    CHECK(error == "not valid UTF-8: byte 0xED at offset 0 (line 1)");
    CHECK_FALSE(to_utf8("a\r\nb\rc\n\xF4\x90\x80\x80", CsvEncoding::utf8, error));  // > U+10FFFF
    CHECK(error == "not valid UTF-8: byte 0xF4 at offset 7 (line 4)");
    CHECK_FALSE(to_utf8("ok\xB3", CsvEncoding::gbk, error));  // cut off
    CHECK(error == "not valid GBK/GB18030: byte 0xB3 at offset 2 (line 1)");
}

TEST_CASE("more rows than kMaxBatchItems is an error of the whole file", "[csv]") {
    std::string csv = "indicator,period,value\n";
    csv.reserve(csv.size() + (kMaxBatchItems + 1) * 24);
    for (std::size_t i = 0; i <= kMaxBatchItems; ++i) csv += "gdp_growth,2023-Q1,4.9\n";
    CHECK(file_error(csv) == "too many rows (more than 100000 in one file)");
    csv.resize(csv.size() - 23);  // exactly the limit
    auto b = parse(csv);
    REQUIRE(b.ok());
    CHECK(b.values.size() == kMaxBatchItems);
    CHECK(b.values.back().line == kMaxBatchItems + 1);
}

TEST_CASE("mangled files give a result that is all or nothing", "[csv]") {
    const std::string good =
        "\xEF\xBB\xBFindicator,period,value,note,reported_at\r\n"
        "gdp_growth,2023-Q1,4.9,\"初步, \"\"核算\"\"\n第二行\",2023-04-15T09:00:00+08:00\r\n"
        "生产总值增长,2023-Q2,5.1,,\r\n";
    const std::string noise = ",\"\r\n \t\xB3\xF5\xE5\xFF\x80%";
    std::mt19937 rng(20230415);
    for (int round = 0; round < 3000; ++round) {
        std::string csv = good;
        for (int k = 1 + static_cast<int>(rng() % 4); k > 0; --k) {
            const auto at = rng() % (csv.size() + 1);
            const char c = noise[rng() % noise.size()];
            switch (rng() % 3) {
                case 0:
                    csv.insert(csv.begin() + static_cast<long>(at), c);
                    break;
                case 1:
                    if (at < csv.size()) csv.erase(at, 1);
                    break;
                default:
                    if (at < csv.size()) csv[at] = c;
            }
        }
        const auto b = parse(csv, static_cast<CsvEncoding>(rng() % 3));
        CAPTURE(csv);
        CHECK((b.ok() ? !b.values.empty() : b.values.empty()));
        CHECK((b.error.empty() || b.row_errors.empty()));
        for (const auto& e : b.row_errors) CHECK((e.index >= 2 && !e.reason.empty()));
    }
}
