// Review (实绩审核) and evidence (佐证材料) through the real daemon: a value under review is
// submitted with files, returned with a comment, submitted again and approved; only then does
// it count (docs/review.md).
#include <signal.h>

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <fstream>

#include "harness.hpp"

namespace json = boost::json;

namespace {

std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    return s;
}

std::vector<std::string> bearer(const std::string& token) {
    return {"Authorization: Bearer " + token};
}

struct Part {
    std::string name;
    std::string value;
    std::string filename;  ///< set: a file
};

constexpr const char* kBoundary = "----indicatord-test-8c1f";

std::string multipart(const std::vector<Part>& parts) {
    std::string out;
    for (const auto& p : parts) {
        out += "--" + std::string(kBoundary) + "\r\nContent-Disposition: form-data; name=\"" +
               p.name + "\"";
        if (!p.filename.empty())
            out += "; filename=\"" + p.filename + "\"\r\nContent-Type: application/octet-stream";
        out += "\r\n\r\n" + p.value + "\r\n";
    }
    return out + "--" + kBoundary + "--\r\n";
}

const std::string kMultipartType = std::string("multipart/form-data; boundary=") + kBoundary;

// Small files of each kind, by their first bytes.
const std::string kPdf = "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n";
const std::string kPng = std::string("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16) + "rest-of-a-png";
const std::string kHtml = "<!DOCTYPE html><html><script>alert(1)</script></html>";

struct Office {
    it::TempDir dir;
    std::filesystem::path config = dir.path() / "indicatord.yaml";
    std::string fgw, tjj, dcs, liandu, admin;

    explicit Office(const std::string& extra = {}) {
        std::ofstream(config) << "rules: " << it::kData << "/review\ncalendars: " << it::kData
                              << "/../../config/calendars\nauth:\n  tokens_file: tokens.yaml\n"
                                 "  read_requires_token: true\n  read_scope: unit\n"
                                 "  read_all_units: [dcs]\n"
                              << extra;
        fgw = token("--unit fgw --id fgw-1");
        tjj = token("--unit tjj --id tjj-1");
        dcs = token("--unit dcs --id dcs-1");
        liandu = token("--unit liandu --id liandu-1");
        admin = token("--admin --id ops");
    }
    std::string token(const std::string& args) {
        auto [code, out] = it::run(it::kCtl + " token create " + config.string() + " " + args);
        REQUIRE(code == 0);
        return trim(out);
    }
};

json::value parse(const it::Response& r) {
    INFO(r.body);
    return json::parse(r.body);
}

json::value indicator(const it::Daemon& d, const std::string& key, const std::string& token) {
    auto r = it::http("GET", d.url("/api/v1/indicators/" + key), {}, {}, bearer(token));
    REQUIRE(r.status == 200);
    return json::parse(r.body);
}

}  // namespace

TEST_CASE(
    "review: submitted with a PDF and a photo, returned, submitted again, approved: it "
    "counts only then",
    "[review]") {
    Office o;
    it::Daemon d(o.dir.path(), o.config.string(),
                 {"--test-clock", "--now", "2023-04-10T09:00:00+08:00"});
    // 1. 市发改委 reports Q1 with two files
    auto r = it::http("POST", d.url("/api/v1/values"),
                      multipart({{"indicator", "gdp_growth", ""},
                                 {"period", "2023-Q1", ""},
                                 {"value", "6.5", ""},
                                 {"note", "初步核算", ""},
                                 {"evidence", kPdf, "统计报表.pdf"},
                                 {"evidence", kPng, "photo.png"}}),
                      kMultipartType, bearer(o.fgw));
    REQUIRE(r.status == 200);
    auto v = parse(r).at("values").at(0);
    CHECK(v.at("state").as_string() == "submitted");
    CHECK(v.at("reviewer").as_string() == "tjj");
    CHECK(v.at("evidence").as_int64() == 2);
    const auto first = v.at("review").as_int64();
    // not counted: pending, and the reason says it awaits review
    auto ind = indicator(d, "gdp_growth", o.fgw);
    CHECK(ind.at("status").as_string() == "pending");
    CHECK_THAT(std::string(ind.at("reason").as_string()),
               Catch::Contains("the value for 2023-Q1 awaits review (审核中)"));
    CHECK(it::history(d, "gdp_growth", bearer(o.fgw)).empty());
    // read_scope: unit. The reviewing unit reads the indicator it reviews; another unit does not
    CHECK(it::http("GET", d.url("/api/v1/indicators/gdp_growth"), {}, {}, bearer(o.tjj)).status ==
          200);
    CHECK(
        it::http("GET", d.url("/api/v1/indicators/gdp_growth"), {}, {}, bearer(o.liandu)).status ==
        403);
    // the metrics: one value awaiting 市统计局's review, submitted at 2023-04-10T01:00:00Z
    const auto metrics = it::http("GET", d.url("/metrics")).body;
    CHECK_THAT(metrics, Catch::Contains("indicatord_reviews_pending{reviewer=\"tjj\"} 1\n"));
    CHECK_THAT(metrics, Catch::Contains("indicatord_review_oldest_pending_timestamp_seconds{"
                                        "reviewer=\"tjj\"} 1681088400\n"));
    CHECK_THAT(metrics, Catch::Contains("indicatord_reviews_overdue{reviewer=\"tjj\"} 0\n"));
    // past the due day plus grace (04-20 + 5d): reported on time, so not overdue
    REQUIRE(it::http("POST", d.url("/-/clock"), R"({"now":"2023-05-10T09:00:00+08:00"})",
                     "application/json", bearer(o.admin))
                .status == 200);
    CHECK(indicator(d, "gdp_growth", o.fgw).at("status").as_string() == "pending");

    // 2. the queue of 市统计局, oldest first, with the evidence
    auto queue = parse(it::http("GET", d.url("/api/v1/reviews"), {}, {}, bearer(o.tjj)));
    REQUIRE(queue.at("reviews").as_array().size() == 1);
    const auto& item = queue.at("reviews").at(0);
    CHECK(item.at("id").as_int64() == first);
    CHECK(item.at("value").as_double() == 6.5);
    REQUIRE(item.at("evidence").as_array().size() == 2);
    CHECK(item.at("evidence").at(0).at("name").as_string() == "统计报表.pdf");
    CHECK(item.at("evidence").at(0).at("media_type").as_string() == "application/pdf");
    CHECK(item.at("evidence").at(1).at("media_type").as_string() == "image/png");
    const std::string pdf_url(item.at("evidence").at(0).at("url").as_string());
    // other units see no queue of theirs
    CHECK(parse(it::http("GET", d.url("/api/v1/reviews"), {}, {}, bearer(o.liandu)))
              .at("reviews")
              .as_array()
              .empty());

    // 3. the evidence is served as an attachment, to the reviewer and the unit, not to others
    auto file = it::http("GET", d.url(pdf_url), {}, {}, bearer(o.tjj));
    REQUIRE(file.status == 200);
    CHECK(file.body == kPdf);
    CHECK(file.content_type == "application/pdf");
    CHECK(file.headers["content-disposition"] ==
          "attachment; filename=\"____.pdf\"; "
          "filename*=UTF-8''%E7%BB%9F%E8%AE%A1%E6%8A%A5%E8%A1%A8.pdf");
    CHECK(file.headers["x-content-type-options"] == "nosniff");
    CHECK(it::http("GET", d.url(pdf_url), {}, {}, bearer(o.fgw)).status == 200);
    auto other = it::http("GET", d.url(pdf_url), {}, {}, bearer(o.liandu));
    CHECK(other.status == 403);
    CHECK_THAT(other.body, Catch::Contains("may not read indicator 'gdp_growth'"));

    // 4. only the named reviewer decides
    const auto approve = "/api/v1/reviews/" + std::to_string(first) + "/approve";
    const auto give_back = "/api/v1/reviews/" + std::to_string(first) + "/return";
    auto refused = it::http("POST", d.url(approve), "{}", "application/json", bearer(o.fgw));
    CHECK(refused.status == 403);
    CHECK(parse(refused).at("error").as_string() ==
          "review " + std::to_string(first) +
              " of 'gdp_growth' is for 市统计局 (tjj) to decide; token 'fgw-1' of unit 'fgw' may "
              "not");
    CHECK(it::http("POST", d.url(approve), "{}", "application/json").status == 401);
    // returning needs a comment
    CHECK(it::http("POST", d.url(give_back), "{}", "application/json", bearer(o.tjj)).status ==
          400);
    r = it::http("POST", d.url(give_back), R"({"comment":"请附统计局盖章的季度数据"})",
                 "application/json", bearer(o.tjj));
    REQUIRE(r.status == 200);
    CHECK(parse(r).at("state").as_string() == "returned");
    // the unit is told through the outbox, as a chase quoting the comment (it has no receivers)
    CHECK(parse(r).at("notice").as_int64() == 0);
    // a returned value does not count: the report is owed again, and now overdue
    CHECK(indicator(d, "gdp_growth", o.fgw).at("status").as_string() == "overdue");
    CHECK(it::http("POST", d.url(approve), "{}", "application/json", bearer(o.tjj)).status == 409);

    // 5. reported again (JSON, no files), approved: it counts now
    r = it::http("POST", d.url("/api/v1/values"), it::one_value("gdp_growth", "2023-Q1", 6.8),
                 "application/json", bearer(o.fgw));
    REQUIRE(r.status == 200);
    const auto second = parse(r).at("values").at(0).at("review").as_int64();
    CHECK(indicator(d, "gdp_growth", o.fgw).at("status").as_string() == "pending");
    r = it::http("POST", d.url("/api/v1/reviews/" + std::to_string(second) + "/approve"),
                 R"({"comment":"核实无误"})", "application/json", bearer(o.tjj));
    REQUIRE(r.status == 200);
    CHECK(parse(r).at("revision").as_int64() == 1);
    ind = indicator(d, "gdp_growth", o.fgw);
    CHECK(ind.at("status").as_string() == "on_track");
    CHECK(ind.at("value").as_double() == 6.8);
    CHECK_THAT(std::string(ind.at("reason").as_string()), !Catch::Contains("审核中"));
    const auto stored = it::history(d, "gdp_growth", bearer(o.fgw));
    REQUIRE(stored.size() == 1);
    CHECK(stored[0].value == 6.8);

    // 6. every step, with who, when and the comment
    auto steps = parse(it::http("GET", d.url("/api/v1/indicators/gdp_growth/reviews"), {}, {},
                                bearer(o.fgw)))
                     .at("steps")
                     .as_array();
    REQUIRE(steps.size() == 4);
    CHECK(steps[0].at("action").as_string() == "submitted");
    CHECK(steps[0].at("actor").as_string() == "unit:fgw token:fgw-1");
    CHECK(steps[1].at("action").as_string() == "returned");
    CHECK(steps[1].at("actor").as_string() == "unit:tjj token:tjj-1");
    CHECK(steps[1].at("comment").as_string() == "请附统计局盖章的季度数据");
    CHECK(steps[2].at("action").as_string() == "submitted");
    CHECK(steps[3].at("action").as_string() == "approved");
    CHECK(steps[3].at("comment").as_string() == "核实无误");
    CHECK(steps[3].at("at").as_string() == "2023-05-10T01:00:00.000Z");
}

TEST_CASE("review: the office reviews achievements, a value is never approved by its reporter",
          "[review]") {
    Office o;
    it::Daemon d(o.dir.path(), o.config.string(),
                 {"--test-clock", "--now", "2023-06-10T09:00:00+08:00"});
    auto r = it::http("POST", d.url("/api/v1/values"), it::one_value("scenic_5a", "2023", 1),
                      "application/json", bearer(o.admin));
    REQUIRE(r.status == 200);
    const auto id = parse(r).at("values").at(0).at("review").as_int64();
    const auto approve = "/api/v1/reviews/" + std::to_string(id) + "/approve";
    auto own = it::http("POST", d.url(approve), "{}", "application/json", bearer(o.admin));
    CHECK(own.status == 403);
    CHECK(parse(own).at("error").as_string() ==
          "review " + std::to_string(id) +
              " of 'scenic_5a' was reported by this token itself: a unit never reviews its own "
              "value");
    // 市统计局 is not the office
    CHECK(it::http("POST", d.url(approve), "{}", "application/json", bearer(o.tjj)).status == 403);
    CHECK(indicator(d, "scenic_5a", o.dcs).at("status").as_string() == "pending");
    // the office decides from the command line
    const auto token_file = o.dir.path() / "dcs.token";
    std::ofstream(token_file) << o.dcs << "\n";
    // indicatorctl review VERB CONFIG [ID] [--comment TEXT] --url URL --token-file FILE
    auto command = [&](const std::string& verb, const std::string& rest) {
        return it::run(it::kCtl + " review " + verb + " " + o.config.string() + " " + rest +
                       " --url " + d.url("") + " --token-file " + token_file.string() + " -o json");
    };
    auto [listed, list_out] = command("list", "");
    CHECK(listed == 0);
    CHECK_THAT(list_out, Catch::Contains("\"indicator\": \"scenic_5a\""));
    auto [approved, approve_out] = command("approve", std::to_string(id) + " --comment 已核实");
    CHECK(approved == 0);
    CHECK_THAT(approve_out, Catch::Contains("\"state\": \"approved\""));
    CHECK(indicator(d, "scenic_5a", o.dcs).at("status").as_string() == "achieved");
    // an indicator with review: none counts at once
    r = it::http("POST", d.url("/api/v1/values"), it::one_value("cpi_growth", "2023-Q1", 2.1),
                 "application/json", bearer(o.fgw));
    REQUIRE(r.status == 200);
    CHECK(parse(r).at("values").at(0).at("revision").as_int64() == 1);
    CHECK(indicator(d, "cpi_growth", o.fgw).at("status").as_string() == "on_track");
}

TEST_CASE("evidence: files are judged by their bytes, within the configured limits",
          "[review][evidence]") {
    Office o("evidence:\n  max_file_bytes: 1000\n  max_files: 2\n");
    it::Daemon d(o.dir.path(), o.config.string(),
                 {"--test-clock", "--now", "2023-04-10T09:00:00+08:00"});
    auto post = [&](std::vector<Part> files) {
        std::vector<Part> parts{
            {"indicator", "gdp_growth", ""}, {"period", "2023-Q1", ""}, {"value", "6.5", ""}};
        parts.insert(parts.end(), files.begin(), files.end());
        return it::http("POST", d.url("/api/v1/values"), multipart(parts), kMultipartType,
                        bearer(o.fgw));
    };
    auto html = post({{"evidence", kHtml, "报告.pdf"}});
    CHECK(html.status == 415);
    CHECK(parse(html).at("error").as_string() ==
          "evidence file '报告.pdf' is HTML, not a file of an accepted kind (PDF, PNG, JPEG, xlsx "
          "or docx): files are judged by their content, not by their name");
    auto big = post({{"evidence", kPdf + std::string(1000, ' '), "big.pdf"}});
    CHECK(big.status == 413);
    CHECK(parse(big).at("error").as_string() ==
          "evidence file 'big.pdf' has " + std::to_string(kPdf.size() + 1000) +
              " bytes, more than the limit of 1000 bytes (evidence.max_file_bytes)");
    auto many = post(
        {{"evidence", kPdf, "a.pdf"}, {"evidence", kPdf, "b.pdf"}, {"evidence", kPdf, "c.pdf"}});
    CHECK(many.status == 413);
    CHECK(parse(many).at("error").as_string() ==
          "too many evidence files: at most 2 per value (evidence.max_files)");
    // nothing of the refused requests was stored
    CHECK(parse(it::http("GET", d.url("/api/v1/reviews"), {}, {}, bearer(o.admin)))
              .at("reviews")
              .as_array()
              .empty());
    CHECK(post({{"evidence", kPdf, "a.pdf"}, {"evidence", kPng, "b.png"}}).status == 200);
}

TEST_CASE("evidence: kill -9 right after an acknowledged upload keeps the value and its files",
          "[review][evidence][robustness]") {
    Office o;
    std::string url;
    {
        it::Daemon d(o.dir.path(), o.config.string(),
                     {"--test-clock", "--now", "2023-04-10T09:00:00+08:00"});
        auto r = it::http("POST", d.url("/api/v1/values"),
                          multipart({{"indicator", "gdp_growth", ""},
                                     {"period", "2023-Q1", ""},
                                     {"value", "6.5", ""},
                                     {"evidence", kPdf, "a.pdf"},
                                     {"evidence", kPng, "b.png"}}),
                          kMultipartType, bearer(o.fgw));
        REQUIRE(r.status == 200);
        d.process().signal(SIGKILL);
        REQUIRE(d.process().wait(std::chrono::seconds(10)) == 128 + SIGKILL);
    }
    it::Daemon d(o.dir.path(), o.config.string(),
                 {"--test-clock", "--now", "2023-04-10T09:00:00+08:00"});
    auto queue = parse(it::http("GET", d.url("/api/v1/reviews"), {}, {}, bearer(o.tjj)));
    REQUIRE(queue.at("reviews").as_array().size() == 1);
    const auto& files = queue.at("reviews").at(0).at("evidence").as_array();
    REQUIRE(files.size() == 2);
    CHECK(it::http("GET", d.url(std::string(files[0].at("url").as_string())), {}, {}, bearer(o.tjj))
              .body == kPdf);
    CHECK(it::http("GET", d.url(std::string(files[1].at("url").as_string())), {}, {}, bearer(o.tjj))
              .body == kPng);
    // still awaiting review after the restart
    CHECK_THAT(std::string(indicator(d, "gdp_growth", o.fgw).at("reason").as_string()),
               Catch::Contains("awaits review (审核中)"));
}

TEST_CASE("evidence: kill -9 in the middle of an upload stores neither the value nor a file",
          "[review][evidence][robustness]") {
    Office o;
    // a value with a 1 MB PDF, of which only the first half reaches the daemon before it dies
    const std::string big = kPdf + std::string(1 << 20, 'x');
    const auto body = multipart({{"indicator", "gdp_growth", ""},
                                 {"period", "2023-Q1", ""},
                                 {"value", "6.5", ""},
                                 {"evidence", big, "big.pdf"}});
    {
        it::Daemon d(o.dir.path(), o.config.string(),
                     {"--test-clock", "--now", "2023-04-10T09:00:00+08:00"});
        it::RawClient c(d.port());
        REQUIRE(c.send("POST /api/v1/values HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " +
                       o.fgw + "\r\nContent-Type: " + kMultipartType + "\r\nContent-Length: " +
                       std::to_string(body.size()) + "\r\n\r\n" + body.substr(0, body.size() / 2)));
        d.process().signal(SIGKILL);
        REQUIRE(d.process().wait(std::chrono::seconds(10)) == 128 + SIGKILL);
    }
    it::Daemon d(o.dir.path(), o.config.string(),
                 {"--test-clock", "--now", "2023-04-10T09:00:00+08:00"});
    auto queue = parse(it::http("GET", d.url("/api/v1/reviews"), {}, {}, bearer(o.tjj)));
    CHECK(queue.at("reviews").as_array().empty());
    auto [code, counts] = it::run("sqlite3 " + d.database().string() +
                                  " 'SELECT (SELECT count(*) FROM submission), "
                                  "(SELECT count(*) FROM evidence)'");
    REQUIRE(code == 0);
    CHECK(counts == "0|0\n");
    // and the unit still owes the period: nothing half-reported
    CHECK_THAT(std::string(indicator(d, "gdp_growth", o.fgw).at("reason").as_string()),
               !Catch::Contains("awaits review"));
}
