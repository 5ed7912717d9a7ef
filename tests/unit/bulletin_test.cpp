// Bulletins (督查通报): the pure computation over values as they stood at an instant, from a real
// SQLite file (store/as_of), and the formats' agreement.
#include "report/bulletin.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "config/scoring.hpp"
#include "report/bulletin_formats.hpp"
#include "report/bulletin_load.hpp"
#include "store/as_of.hpp"
#include "store/store.hpp"
#include "test_util.hpp"
#include "util/errors.hpp"

using namespace indicatord;
namespace json = boost::json;

namespace {

struct Fixture {
    explicit Fixture(std::vector<std::filesystem::path> rules = {test::kData + "/minimal"})
        : plan(std::make_shared<const Plan>(load_plan(rules))) {
        std::vector<std::string> keys;
        for (const auto& i : plan->indicators) keys.push_back(i.key);
        store.register_indicators(keys);
    }
    test::TempDir dir;
    std::shared_ptr<const Plan> plan;
    std::shared_ptr<const WorkCalendar> calendar = std::make_shared<const WorkCalendar>(
        WorkCalendar::load({test::kData + "/../../config/calendars"}));
    Store store{dir.path() / "b.db"};
    std::string report_key(std::string_view unit) const {
        for (const auto& i : plan->indicators)
            if (std::holds_alternative<rule::Report>(i.rule) && i.lead_unit == unit) return i.key;
        FAIL("no report indicator of " << unit);
        return {};
    }
    void put(const std::string& key, const char* period, double value, const char* at,
             const char* note = "") {
        store.begin();
        store.append(NewObservation{key, period, value, note, test::at(at), "test"});
        store.commit();
    }
    Bulletin at(const char* day, const Scoring* scoring = nullptr) {
        const auto zone = date::locate_zone("Asia/Shanghai");
        const auto as_of = parse_as_of(day, zone);
        REQUIRE(as_of);
        return bulletin_from_store(store.reader(), plan, calendar, 0, *as_of, scoring);
    }
    // the values reported by 2023-04-30
    void april() {
        put("gdp_growth", "2023-Q1", 4.9, "2023-04-18T10:00:00+08:00");
        put("manufacturing_projects", "2023-Q1", 30, "2023-04-22T10:00:00+08:00");
        put(report_key("liandu"), "2023-Q1", 50, "2023-04-07T10:00:00+08:00", "慈善信托备案3单");
    }
    // a revision of Q1 GDP in May
    void may() { put("gdp_growth", "2023-Q1", 6.1, "2023-05-10T10:00:00+08:00", "修订"); }
};

const BulletinUnit& unit(const Bulletin& b, std::string_view id) {
    for (const auto& u : b.units)
        if (u.id == id) return u;
    FAIL("no unit " << id);
    return b.units.front();
}

}  // namespace

TEST_CASE("a bulletin counts tasks by progress, units' reports and the overdue list",
          "[bulletin]") {
    Fixture f;
    f.april();
    const auto b = f.at("2023-04-30");
    CHECK(b.plan_id == "test-2023");
    CHECK(format_instant(b.as_of) == "2023-04-30T15:59:59.999Z");
    // gdp at risk (4.9 < 6), cpi overdue, manufacturing ahead, longquan's report overdue
    CHECK(b.counts.tasks == 4);
    CHECK(b.counts.of(TaskProgress::behind) == 3);
    CHECK(b.counts.of(TaskProgress::on_schedule) == 1);
    CHECK(b.counts.indicators == 5);
    CHECK(b.counts.of(Status::overdue) == 2);
    CHECK(b.counts.of(Status::at_risk) == 1);
    CHECK(
        b.headline ==
        "截至4月30日，4项任务中，已完成0项，序时推进1项，滞后3项。5项指标中，已完成0项，有风险1项，"
        "未达标0项，逾期未报2项；逾期未报送4期次。");
    REQUIRE(b.sections.size() == 2);
    CHECK(b.sections[0].name == "一、主要预期目标");
    CHECK(b.sections[0].counts.of(TaskProgress::behind) == 2);

    const auto& fgw = unit(b, "fgw");
    CHECK(fgw.led == 3);
    CHECK(fgw.due == 5);  // gdp Q1, manufacturing Q1, cpi January to March
    CHECK(fgw.on_time == 1);
    CHECK(fgw.late == 1);  // manufacturing Q1 on 04-22, due 04-20
    CHECK(fgw.missing == 3);
    CHECK(fgw.at_risk == 1);
    CHECK(unit(b, "liandu").rank == 1);
    CHECK(fgw.rank == 2);
    CHECK(unit(b, "longquan").rank == 3);

    REQUIRE(b.overdue.size() == 4);
    CHECK(b.overdue[0].indicator == "cpi_growth");
    CHECK(b.overdue[0].period.label() == "2023-01");
    CHECK(date::year_month_day{b.overdue[0].due_day} ==
          date::year_month_day{date::year{2023} / 2 / 15});
    REQUIRE(b.targets.size() == 1);
    CHECK(b.targets[0].indicator == "gdp_growth");
    CHECK(b.targets[0].reason == "4.9 does not meet >= 6 for 2023-Q1");
    REQUIRE(b.obligations.size() == 2);
    const auto& liandu = b.obligations[0].unit == "liandu" ? b.obligations[0] : b.obligations[1];
    CHECK(liandu.percent == 50);
    CHECK(liandu.progress == "慈善信托备案3单");
}

TEST_CASE("a bulletin counts the revisions as they stood at its instant", "[bulletin]") {
    Fixture f;
    f.april();
    const auto before = bulletin_json(f.at("2023-04-30"));
    f.may();
    // regenerated after the revision, the April bulletin is the same bytes
    CHECK(bulletin_json(f.at("2023-04-30")) == before);
    const auto b = f.at("2023-05-31");
    CHECK(b.targets.empty());  // 6.1 meets >= 6
    CHECK(b.counts.of(TaskProgress::on_schedule) == 2);
    CHECK(unit(b, "fgw").on_time == 1);  // the first report of Q1 came on time
    CHECK(unit(b, "fgw").due == 6);      // and cpi April is due on 05-15
}

TEST_CASE("bulletin ranking: equal rates share a rank, the next rank skips", "[bulletin]") {
    Fixture f;
    f.april();
    const auto b = f.at("2023-04-12");
    // liandu 1/1 on time; fgw 0/2 (cpi Jan, Feb) and longquan 0/1, both none achieved: tied
    REQUIRE(b.units.size() == 3);
    CHECK(b.units[0].id == "liandu");
    CHECK(b.units[0].rank == 1);
    CHECK(b.units[1].id == "fgw");
    CHECK(b.units[1].rank == 2);
    CHECK(b.units[2].id == "longquan");
    CHECK(b.units[2].rank == 2);
}

TEST_CASE("working days between two days follow the calendar", "[bulletin]") {
    const auto cal = WorkCalendar::load({test::kData + "/../../config/calendars"});
    using namespace date::literals;
    // 2023-04-29 to 05-03 is 劳动节; 05-06 (Saturday) is a make-up working day
    CHECK(working_days_between(&cal, date::sys_days{2023_y / 4 / 28},
                               date::sys_days{2023_y / 5 / 4}) == 1);
    CHECK(working_days_between(&cal, date::sys_days{2023_y / 5 / 4},
                               date::sys_days{2023_y / 5 / 6}) == 2);
    CHECK(working_days_between(nullptr, date::sys_days{2023_y / 4 / 28},
                               date::sys_days{2023_y / 5 / 4}) == 4);
    CHECK(working_days_between(&cal, date::sys_days{2023_y / 5 / 4},
                               date::sys_days{2023_y / 5 / 4}) == 0);
}

TEST_CASE("a bulletin's formats: JSON schema, HTML escaped, xlsx deterministic", "[bulletin]") {
    Fixture f;
    f.april();
    f.put(f.report_key("longquan"), "2023-Q1", 20, "2023-04-20T10:00:00+08:00",
          "<b>建设中</b> | 未完成");
    const auto b = f.at("2023-04-30");
    const auto doc = json::parse(bulletin_json(b)).as_object();
    CHECK(doc.at("schema").as_int64() == 1);
    CHECK(doc.at("as_of_date").as_string() == "2023-04-30");
    CHECK(doc.at("counts").at("progress").at("behind").as_int64() ==
          b.counts.of(TaskProgress::behind));
    CHECK(doc.at("units").as_array().size() == b.units.size());
    CHECK(doc.at("overdue").as_array().size() == 3);
    const auto html = bulletin_html(b);
    CHECK_THAT(html, Catch::Contains("&lt;b&gt;建设中&lt;/b&gt;"));
    CHECK_THAT(html, !Catch::Contains("<b>建设中"));
    CHECK_THAT(html, Catch::Contains("@page { size: A4"));
    CHECK_THAT(bulletin_markdown(b), Catch::Contains("<b>建设中</b> \\| 未完成"));
    const auto x1 = bulletin_xlsx(b);
    const auto x2 = bulletin_xlsx(b);
    CHECK(x1.substr(0, 2) == "PK");
    CHECK(x1 == x2);
    CHECK(bulletin_file_name(b, BulletinFormat::xlsx) == "督查通报-test-2023-2023-04-30.xlsx");
}

TEST_CASE("as_of: a date is its whole day in the plan's zone, an instant as written",
          "[bulletin]") {
    const auto zone = date::locate_zone("Asia/Shanghai");
    CHECK(format_instant(*parse_as_of("2023-07-31", zone)) == "2023-07-31T15:59:59.999Z");
    CHECK(format_instant(*parse_as_of("2023-07-31T18:00:00+08:00", zone)) ==
          "2023-07-31T10:00:00.000Z");
    CHECK_FALSE(parse_as_of("2023-7-31", zone));
    CHECK_FALSE(parse_as_of("yesterday", zone));
}

TEST_CASE("scoring rules (考评): points per category, caps, the breakdown, ranking by score",
          "[bulletin][scoring]") {
    const std::vector<std::filesystem::path> rules = {test::kData + "/minimal",
                                                      test::kData + "/scoring/scoring.yaml"};
    Fixture f(rules);
    CHECK_FALSE(find_scoring({test::kData + "/minimal"}, "test-2023"));
    const auto scoring = find_scoring(rules, "test-2023");
    REQUIRE(scoring);
    CHECK(scoring->base == 100);
    f.april();
    const auto b = f.at("2023-04-30", &*scoring);
    REQUIRE(b.scoring);
    // fgw: 1 on time (+1), 3 missing (-6), cpi's overdue working days (-0.1 each, capped at 5),
    // gdp at risk (-1.5)
    const auto& fgw = unit(b, "fgw");
    REQUIRE(fgw.breakdown.size() == 4);
    CHECK(fgw.breakdown[0].points == 1);
    CHECK(fgw.breakdown[1].points == -6);
    CHECK(fgw.breakdown[2].points == -5);
    CHECK(fgw.breakdown[2].capped);
    CHECK(fgw.breakdown[3].points == -1.5);
    CHECK(fgw.score == 88.5);
    // longquan: its Q1 report missing (-2), 15 working days overdue 04-10 to 04-30 (the make-up
    // Sunday 04-23 counts, 04-29 and 04-30 are 劳动节) (-1.5)
    const auto& longquan = unit(b, "longquan");
    CHECK(longquan.breakdown[2].count == 15);
    CHECK(longquan.score == 96.5);
    CHECK(unit(b, "liandu").score == 101);
    // ranked by score
    CHECK(b.units[0].id == "liandu");
    CHECK(b.units[1].id == "longquan");
    CHECK(b.units[2].id == "fgw");
    CHECK(b.units[2].rank == 3);
    CHECK_THAT(b.ranking_rule,
               Catch::StartsWith(
                   "按考评得分从高到低排名（得分 = 基础分100，按时报送每项加1分（最多3分）"));
    const auto doc = json::parse(bulletin_json(b));
    CHECK(doc.at("scoring").at("base").to_number<double>() == 100);
    CHECK(doc.at("units").at(2).at("score").to_number<double>() == 88.5);
    CHECK(doc.at("units").at(2).at("score_breakdown").at(2).at("capped").as_bool());
    CHECK_THAT(bulletin_html(b), Catch::Contains("考评得分明细"));
}

TEST_CASE("scoring rules: each error names its place", "[bulletin][scoring]") {
    for (const char* name : {"bad-category", "bad-twice", "bad-cap", "bad-key"}) {
        const auto file = test::kData + "/scoring/" + name + ".yaml";
        INFO(file);
        try {
            load_plan({test::kData + "/minimal", file});
            FAIL("loaded");
        } catch (const ConfigError& e) {
            CHECK(std::string(e.what()) == test::expected_error(file));
        }
    }
}

TEST_CASE("the robots' summary: headline, first ranked, overdue units once, the link",
          "[bulletin]") {
    Fixture f;
    f.april();
    const auto b = f.at("2023-04-30");
    const auto text = bulletin_summary(b, "http://127.0.0.1:9464/api/v1/bulletin?as_of=2023-04-30");
    CHECK(text ==
          "### 测试计划 督查通报（截至2023-04-30）\n\n" + b.headline +
              "\n\n排名第一：莲都区政府\n\n逾期未报送4期次，涉及2个单位：市发改委、龙泉市政府\n\n"
              "[查看通报](http://127.0.0.1:9464/api/v1/bulletin?as_of=2023-04-30)\n");
}

TEST_CASE("changes since an earlier bulletin: newly overdue, resolved, achieved", "[bulletin]") {
    Fixture f;
    f.april();
    // by 05-31: longquan reports Q1 late (resolving its overdue report), cpi April becomes
    // overdue (due 05-15, grace to 05-20); liandu's report reaches 100 % (achieved)
    f.put(f.report_key("longquan"), "2023-Q1", 30, "2023-05-08T10:00:00+08:00");
    f.put(f.report_key("liandu"), "2023-Q2", 100, "2023-05-20T10:00:00+08:00", "全部完成");
    const auto zone = date::locate_zone("Asia/Shanghai");
    const auto b =
        bulletin_since(f.store.reader(), f.plan, f.calendar, 0, *parse_as_of("2023-05-31", zone),
                       *parse_as_of("2023-04-30", zone));
    REQUIRE(b.changes);
    CHECK(day_text(b.changes->since_day) == "2023-04-30");
    REQUIRE(b.changes->newly_overdue.size() == 1);
    CHECK(b.changes->newly_overdue[0].indicator == "cpi_growth");
    CHECK(b.changes->newly_overdue[0].period.label() == "2023-04");
    REQUIRE(b.changes->newly_resolved.size() == 1);
    CHECK(b.changes->newly_resolved[0].unit == "longquan");
    REQUIRE(b.changes->newly_achieved.size() == 1);
    CHECK(b.changes->newly_achieved[0].unit == "liandu");
    CHECK_THAT(b.headline,
               Catch::EndsWith("与4月30日相比，新增逾期未报送1期次，补报1期次，新完成目标1项。"));
    const auto doc = json::parse(bulletin_json(b));
    CHECK(doc.at("changes").at("since_date") == "2023-04-30");
    CHECK(doc.at("changes").at("newly_resolved").as_array().size() == 1);
    CHECK_THAT(bulletin_markdown(b), Catch::Contains("- 已补报：龙泉市政府"));
    CHECK_THAT(bulletin_html(b), Catch::Contains("<tr class=\"change\">"));
    CHECK(bulletin_xlsx(b) == bulletin_xlsx(b));
    // without a since: no changes
    CHECK(json::parse(bulletin_json(f.at("2023-05-31"))).at("changes").is_null());
}
