// Review (实绩审核) and evidence (佐证材料): the plan's `review:` keys, evaluation with values
// awaiting review, files told by their bytes, multipart bodies, the review tables.
#include <catch2/catch.hpp>
#include <fstream>
#include <variant>

#include "eval/engine.hpp"
#include "eval/evaluate.hpp"
#include "http/multipart.hpp"
#include "store/review_store.hpp"
#include "test_util.hpp"
#include "util/errors.hpp"
#include "util/magic.hpp"

using namespace indicatord;

namespace {

std::string load_error(const std::string& yaml, std::filesystem::path& file) {
    static test::TempDir dir;
    file = dir.path() / "plan.yaml";
    std::ofstream(file) << yaml;
    try {
        load_plan({file});
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "no error";
}

const std::string kHead = R"(plan:
  id: r-2023
  name: 审核
  year: 2023
  defaults:
    review: 市统计局
units:
  - {id: fgw, name: 市发改委}
  - {id: tjj, name: 市统计局}
tasks:
  - number: 1
    text: 生产总值增长6%以上。
    lead: 市发改委
    indicators:
)";

}  // namespace

TEST_CASE("review: the plan's default and an indicator's own", "[review][plan]") {
    const auto plan = load_plan({test::kData + "/review"});
    const auto* gdp = plan.find_indicator("gdp_growth");
    REQUIRE(gdp);
    CHECK(gdp->review.by == ReviewRule::By::unit);
    CHECK(gdp->review.unit == "tjj");
    CHECK(gdp->review.due_days == 3);
    CHECK(gdp->review.due_working_days);
    CHECK(plan.find_indicator("scenic_5a")->review.by == ReviewRule::By::office);
    CHECK_FALSE(plan.find_indicator("cpi_growth")->review.required());
}

TEST_CASE("review: an unknown reviewer and a unit reviewing itself are errors with their place",
          "[review][plan]") {
    std::filesystem::path f;
    auto error = load_error(kHead + R"(      - key: gdp
        kind: threshold
        op: ">="
        target: 6
        review: 市财政局
)",
                            f);
    CHECK(error == f.string() +
                       ":19:17: review must be none, office or a unit's name, got '市财政局': no "
                       "such unit (add it, or an alias, to the unit registry)");
    error = load_error(kHead + R"(      - key: gdp
        kind: threshold
        op: ">="
        target: 6
        review: 市发改委
)",
                       f);
    CHECK(error == f.string() +
                       ":19:17: indicator 'gdp' is reviewed by its own lead unit 'fgw': a unit "
                       "never reviews its own values (name another unit, or review: office)");
    error = load_error(kHead + R"(      - key: gdp
        kind: threshold
        op: ">="
        target: 6
        review_due: 3x
)",
                       f);
    CHECK(error == f.string() +
                       ":19:21: review_due must be days like '20d' or working days like '10wd', "
                       "got '3x'");
}

TEST_CASE("review: a value awaiting review is reported on time but does not count",
          "[review][evaluate]") {
    auto plan = std::make_shared<const Plan>(load_plan({test::kData + "/review"}));
    auto calendar = std::make_shared<const WorkCalendar>(
        WorkCalendar::load({test::kData + "/../../config/calendars"}));
    Engine engine(plan, calendar);
    const auto i = static_cast<std::size_t>(plan->index_of("gdp_growth"));
    const auto q1 = *parse_period("2023-Q1");
    // past Q1's due day plus grace: overdue without a value
    const auto late = test::at("2023-05-10T09:00:00+08:00");
    engine.evaluate_one(i, late);
    CHECK(engine.evaluation(i).status == Status::overdue);
    engine.set_awaiting(i, q1, true);
    engine.evaluate_one(i, late);
    CHECK(engine.evaluation(i).status == Status::pending);
    CHECK(engine.evaluation(i).reason == Reason::awaiting_review);
    CHECK(describe(plan->indicators[i], engine.evaluation(i)) ==
          "nothing approved yet; the value for 2023-Q1 awaits review (审核中)");
    // approved: it counts
    engine.set_awaiting(i, q1, false);
    engine.record(i, Observation{q1, 6.5, 1, late});
    engine.evaluate_one(i, late);
    CHECK(engine.evaluation(i).status == Status::on_track);
}

TEST_CASE("magic: files are told by their bytes", "[review][evidence]") {
    CHECK(sniff_file("%PDF-1.7\n...").media_type == "application/pdf");
    CHECK(sniff_file(std::string("\x89PNG\r\n\x1a\n\0\0", 10)).media_type == "image/png");
    CHECK(sniff_file("\xFF\xD8\xFF\xE0....JFIF").media_type == "image/jpeg");
    CHECK(sniff_file("<!DOCTYPE html><html>").media_type.empty());
    CHECK(describe_unaccepted("  <HTML><body>") == "HTML");
    CHECK(sniff_file("PK\x03\x04 not really a zip").media_type.empty());
    CHECK(describe_unaccepted("PK\x03\x04 x") ==
          "a zip archive that is not an xlsx or docx document");
}

TEST_CASE("multipart: fields and files, RFC 5987 file names", "[review][evidence]") {
    const std::string body =
        "--XyZ\r\nContent-Disposition: form-data; name=\"indicator\"\r\n\r\ngdp_growth\r\n"
        "--XyZ\r\nContent-Disposition: form-data; name=\"evidence\"; filename=\"a.pdf\"; "
        "filename*=UTF-8''%E6%8A%A5%E8%A1%A8.pdf\r\nContent-Type: application/pdf\r\n\r\n"
        "%PDF-1.4\r\n\r\nbody\r\n--XyZ--\r\n";
    auto parsed = parse_multipart(body, "XyZ");
    REQUIRE(std::holds_alternative<std::vector<FormPart>>(parsed));
    const auto& parts = std::get<std::vector<FormPart>>(parsed);
    REQUIRE(parts.size() == 2);
    CHECK(parts[0].name == "indicator");
    CHECK(parts[0].body == "gdp_growth");
    CHECK_FALSE(parts[0].is_file);
    CHECK(parts[1].is_file);
    CHECK(parts[1].filename == "报表.pdf");
    CHECK(parts[1].body == "%PDF-1.4\r\n\r\nbody");
    auto cut = parse_multipart(body.substr(0, 60), "XyZ");
    REQUIRE(std::holds_alternative<std::string>(cut));
    CHECK(std::get<std::string>(cut) == "the multipart body ends before its closing boundary");
}

TEST_CASE("review store: submit, supersede, return, approve, the steps kept", "[review][store]") {
    test::TempDir dir;
    Store store(dir.path() / "r.db");
    store.register_indicators({"gdp_growth"});
    ReviewStore reviews(store);
    const auto t = test::at("2023-04-10T09:00:00+08:00");
    auto submit = [&](double v) {
        store.begin();
        const auto id = reviews.submit(
            NewSubmission{NewObservation{"gdp_growth", "2023-Q1", v, "", t, "unit:fgw"}, "fgw",
                          "tjj", t},
            {EvidenceFile{"a.pdf", "application/pdf", "%PDF-1"}});
        store.commit();
        return id;
    };
    const auto a = submit(6.1);
    const auto b = submit(6.2);  // supersedes a
    CHECK(reviews.find(a)->state == "superseded");
    REQUIRE(reviews.pending().size() == 1);
    CHECK(reviews.pending()[0].id == b);
    store.begin();
    reviews.give_back(b, "unit:tjj", "请核实", t);
    store.commit();
    CHECK(reviews.pending().empty());
    store.begin();
    CHECK_THROWS_AS(reviews.approve(b, "unit:tjj", "", t), StorageError);
    store.rollback();
    const auto c = submit(6.3);
    store.begin();
    CHECK(reviews.approve(c, "unit:tjj", "ok", t) == 1);
    store.commit();
    CHECK(store.history("gdp_growth").size() == 1);
    CHECK(store.history("gdp_growth")[0].value == 6.3);
    const auto steps = reviews.steps("gdp_growth");
    REQUIRE(steps.size() == 6);  // submitted, superseded, submitted, returned, submitted, approved
    CHECK(steps[1].action == "superseded");
    CHECK(steps[3].comment == "请核实");
    CHECK(steps[5].action == "approved");
    const auto files = reviews.evidence_of(c);
    REQUIRE(files.size() == 1);
    CHECK(reviews.evidence(files[0].id)->second == "%PDF-1");
}
