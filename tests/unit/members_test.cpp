// Per-member targets (各县(市、区)分别), an indicator's lead among its task's units, the
// responsible leader (责任领导) and task references: the loader's expansion and its errors, the
// roll-up and a member's report routed to its own series.
#include "eval/members.hpp"

#include <catch2/catch.hpp>
#include <fstream>

#include "http/plan_json.hpp"
#include "test_util.hpp"
#include "util/errors.hpp"

using namespace indicatord;

namespace {

constexpr const char* kUnits =
    R"(plan: {id: m-2023, name: 分别, year: 2023, timezone: Asia/Shanghai}
units:
  - {id: fgw, name: 市发改委}
  - {id: tjj, name: 市统计局}
  - {id: liandu, name: 莲都区政府}
  - {id: longquan, name: 龙泉市政府}
  - {id: qingtian, name: 青田县政府}
  - {id: counties, name: 各县(市、区)政府, kind: group, members: [liandu, longquan, qingtian]}
  - {id: vague, name: 有关县(市、区)政府, kind: group, members: []}
)";

/// A plan of kUnits and `tasks` (a `tasks:` section), written to plan.yaml in `dir`.
std::string write_plan(const test::TempDir& dir, const std::string& tasks) {
    const auto path = dir.path() / "plan.yaml";
    std::ofstream(path) << kUnits << tasks;
    return path.string();
}

std::string load_error(const std::string& tasks) {
    test::TempDir dir;
    const auto path = write_plan(dir, tasks);
    try {
        load_plan({path});
    } catch (const ConfigError& e) {
        std::string msg = e.what();
        for (auto at = msg.find(path); at != std::string::npos; at = msg.find(path, at))
            msg.replace(at, path.size(), "FILE");
        return msg;
    }
    return "no error";
}

}  // namespace

TEST_CASE("a per-member task gives each member its own series and the group a roll-up",
          "[members]") {
    test::TempDir dir;
    const auto plan = load_plan({write_plan(dir, R"(tasks:
  - number: 1
    text: 各县(市、区)分别完成新增就业。
    lead: 各县(市、区)政府
    per_member: true          # 各县(市、区)分别
    co: [市统计局]
    leader: 张副市长
    indicators:
      - {key: new_jobs, name: 新增就业, kind: threshold, op: ">=", target: 100}
  - number: 2
    text: 各县(市、区)分别报告进展。
    lead: 各县(市、区)政府
    per_member: true
)")});
    const auto* rollup = plan.find_indicator("new_jobs");
    REQUIRE(rollup);
    CHECK(rollup->rollup());
    CHECK(rollup->lead_unit == "counties");
    CHECK(rollup->writers.empty());
    CHECK(rollup->leader == "张副市长");
    REQUIRE(rollup->members.size() == 3);
    const char* members[] = {"liandu", "longquan", "qingtian"};
    for (std::size_t i = 0; i < 3; ++i) {
        const auto& m = plan.indicators[rollup->members[i]];
        CHECK(m.key == std::string("new_jobs@") + members[i]);
        CHECK(m.lead_unit == members[i]);
        CHECK(m.member_of == "new_jobs");
        CHECK(m.task == 1);
        CHECK(m.leader == "张副市长");
        CHECK_FALSE(m.rollup());
        CHECK(std::get<rule::Threshold>(m.rule).target == 100);
        CHECK(plan.find_indicator(m.key) == &m);
    }
    CHECK(plan.find_indicator("new_jobs@liandu")->name == "新增就业(莲都区政府)");
    const auto* t1 = plan.find_task(1);
    CHECK(t1->per_member);
    CHECK_FALSE(t1->joint);
    CHECK(t1->leads == std::vector<std::string>{"counties"});
    CHECK(t1->indicators.size() == 4);
    // the implicit progress report too: one per member
    const auto* report = plan.find_indicator("task002_report");
    REQUIRE(report);
    CHECK(report->members.size() == 3);
    CHECK(plan.find_indicator("task002_report@qingtian")->lead_unit == "qingtian");
}

TEST_CASE("an indicator may be per member on its own, with a group of its task's co-units",
          "[members]") {
    test::TempDir dir;
    const auto plan = load_plan({write_plan(dir, R"(tasks:
  - number: 1
    text: 市发改委牵头,各县(市、区)政府配合。
    lead: 市发改委
    co: [各县(市、区)政府, 市统计局]
    writers: [各县(市、区)政府]
    indicators:
      - {key: total, kind: value}
      - {key: by_county, kind: value, lead: 各县(市、区)政府, per_member: true}
      - {key: from_tjj, kind: value, lead: 市统计局, leader: 李局长}
)")});
    CHECK(plan.find_indicator("total")->lead_unit == "fgw");
    const auto* by_county = plan.find_indicator("by_county");
    REQUIRE(by_county->members.size() == 3);
    // a member writes only its own series: the task's writers lose the other members
    CHECK(plan.find_indicator("by_county@liandu")->writers.empty());
    // a co-unit that delivers the figure may own it (item 10)
    CHECK(plan.find_indicator("from_tjj")->lead_unit == "tjj");
    CHECK(plan.find_indicator("from_tjj")->leader == "李局长");
    CHECK(plan.find_indicator("total")->leader.empty());
}

TEST_CASE("a group as owner without per_member is a load error naming the fix", "[members]") {
    CHECK(load_error(R"(tasks:
  - number: 1
    text: 各县(市、区)政府牵头。
    lead: 各县(市、区)政府
    indicators:
      - {key: x, kind: value}
)") == "FILE:13:11: lead '各县(市、区)政府' is a group of 3 units (liandu, longquan, qingtian): "
       "write 'per_member: true' if each of them owes its own figures (各县(市、区)分别), "
       "'joint_leads: [各县(市、区)政府]' if each leads its own part of the task (分别牵头), or "
       "name as lead the one unit that collects the figures");
    CHECK(load_error(R"(tasks:
  - number: 1
    text: x
    lead: 市发改委
    co: [各县(市、区)政府]
    indicators:
      - {key: x, kind: value, lead: 各县(市、区)政府}
)") == "FILE:16:37: indicator lead '各县(市、区)政府' is a group of 3 units (liandu, longquan, "
       "qingtian): write 'per_member: true' if each of them owes its own figures "
       "(各县(市、区)分别), 'joint_leads: [各县(市、区)政府]' if each leads its own part of the "
       "task (分别牵头), or name as lead the one unit that collects the figures");
    CHECK(load_error(R"(tasks:
  - number: 1
    text: x
    lead: 市发改委
    per_member: true
)") == "FILE:14:17: per_member: true needs a lead that is a group with members; '市发改委' is "
       "not a group");
    CHECK(load_error(R"(tasks:
  - number: 1
    text: x
    lead: 有关县(市、区)政府
    per_member: true
)") == "FILE:14:17: per_member: true needs a lead that is a group with members; "
       "'有关县(市、区)政府' lists no members yet");
    CHECK(load_error(R"(tasks:
  - number: 1
    text: x
    lead: 市发改委
    indicators:
      - {key: x, kind: value, per_member: true}
)") == "FILE:15:43: per_member: true needs a lead that is a group with members; '市发改委' is "
       "not (name the group with 'lead:')");
    CHECK(load_error(R"(tasks:
  - number: 1
    text: x
    lead: 各县(市、区)政府
    per_member: true
    indicators:
      - {key: x, kind: expression, expr: "1 > 0"}
)") == "FILE:16:9: an expression indicator cannot be per member: give each member a series "
       "of its own kind (threshold, cumulative...) instead");
}

TEST_CASE("an indicator's lead is any unit of its task, not another", "[members]") {
    CHECK(load_error(R"(tasks:
  - number: 1
    text: x
    lead: 市发改委
    co: [市统计局]
    indicators:
      - {key: x, kind: value, lead: 莲都区政府}
)") == "FILE:16:37: indicator lead '莲都区政府' is not a unit of task 1 (one of its leads or "
       "co-units)");
    CHECK(load_error(R"(tasks:
  - number: 1
    text: x
    lead: 市发改委
    leader: ""
)") == "FILE:14:13: leader must not be empty (omit the key instead)");
}

TEST_CASE("a task's ref is kept and its number, when omitted, is its place in the plan",
          "[members]") {
    test::TempDir dir;
    const auto plan = load_plan({write_plan(dir, R"(tasks:
  - {ref: "四-1", text: a, lead: 市发改委}
  - {ref: "(三)5", text: b, lead: 市统计局, indicators: [{key: b, kind: value}]}
  - {number: 7, ref: "2020-1", text: c, lead: 市发改委}
)")});
    REQUIRE(plan.tasks.size() == 3);
    CHECK(plan.find_task(1)->ref == "四-1");
    CHECK(plan.find_task(2)->ref == "(三)5");
    CHECK(plan.find_task(7)->ref == "2020-1");
    CHECK(plan.find_indicator("b")->task == 2);
    CHECK(plan.find_indicator("task001_report"));

    CHECK(load_error(R"(tasks:
  - {ref: "四-1", text: a, lead: 市发改委}
  - {ref: "四-1", text: b, lead: 市发改委}
)") == "FILE:12:11: duplicate task ref '四-1' (first at FILE:11:11)");
    CHECK(load_error(R"(tasks:
  - {number: 2, text: a, lead: 市发改委}
  - {text: b, lead: 市发改委}
)") == "FILE:12:5: duplicate task number 2 (this task has no 'number': it takes its place "
       "in the plan; give it a number) (first at FILE:11:5)");
}

TEST_CASE("the roll-up counts its members and takes the least favourable status", "[members]") {
    test::TempDir dir;
    const auto plan = load_plan({write_plan(dir, R"(tasks:
  - number: 1
    text: x
    lead: 各县(市、区)政府
    per_member: true
    indicators:
      - {key: jobs, kind: threshold, op: ">=", target: 1}
)")});
    const auto& rollup = *plan.find_indicator("jobs");
    std::vector<Evaluation> evs(plan.indicators.size());
    evs[rollup.members[0]].status = Status::achieved;
    evs[rollup.members[1]].status = Status::achieved;
    evs[rollup.members[2]].status = Status::overdue;
    auto counts = count_members(rollup, evs);
    CHECK(counts.total == 3);
    CHECK(counts.of(Status::achieved) == 2);
    CHECK(counts.of(Status::overdue) == 1);
    CHECK(evaluate_rollup(rollup, evs).status == Status::overdue);
    CHECK(describe_members(counts) == "3 members: 2 achieved, 1 overdue");
    evs[rollup.members[2]].status = Status::achieved;
    CHECK(evaluate_rollup(rollup, evs).status == Status::achieved);
    evs[rollup.members[0]].status = Status::pending;
    CHECK(evaluate_rollup(rollup, evs).status == Status::pending);
}

TEST_CASE("a member's report of the roll-up's key goes to its own series", "[members]") {
    test::TempDir dir;
    const auto plan = load_plan({write_plan(dir, R"(tasks:
  - number: 1
    text: x
    lead: 各县(市、区)政府
    per_member: true
    indicators:
      - {key: jobs, kind: value}
)")});
    IngestItem item;
    REQUIRE(check_value(plan, "jobs", "2023-Q1", 5, item).empty());
    CHECK(assign_member(plan, "longquan", item).empty());
    CHECK(plan.indicators[item.indicator].key == "jobs@longquan");
    // another member's own key stays as it is (the write check refuses it: 403)
    REQUIRE(check_value(plan, "jobs@liandu", "2023-Q1", 5, item).empty());
    CHECK(assign_member(plan, "longquan", item).empty());
    CHECK(plan.indicators[item.indicator].key == "jobs@liandu");
    // an admin names the member
    REQUIRE(check_value(plan, "jobs", "2023-Q1", 5, item).empty());
    CHECK(assign_member(plan, "", item) ==
          "indicator 'jobs' is reported per member: report 'jobs@<member unit id>' "
          "('jobs@liandu', 'jobs@longquan', 'jobs@qingtian'), or 'jobs' with a member's token");
}

TEST_CASE("the plan JSON shows refs, leaders, per-member tasks and the member keys", "[members]") {
    test::TempDir dir;
    const auto plan = load_plan({write_plan(dir, R"(tasks:
  - ref: "(三)5"
    text: x
    lead: 各县(市、区)政府
    per_member: true
    leader: 王副市长
    indicators:
      - {key: jobs, kind: value}
)")});
    const auto task = plan_to_json(plan).at("tasks").at(0).as_object();
    CHECK(task.at("number") == 1);
    CHECK(task.at("ref") == "(三)5");
    CHECK(task.at("per_member") == true);
    CHECK(task.at("leader") == "王副市长");
    CHECK(task.at("lead") == boost::json::array{"counties"});
    const auto& inds = task.at("indicators").as_array();
    REQUIRE(inds.size() == 4);
    CHECK(inds[0].at("key") == "jobs");
    CHECK(inds[0].at("task_ref") == "(三)5");
    CHECK(inds[0].at("leader") == "王副市长");
    CHECK(inds[0].at("members").at(2) ==
          boost::json::object{{"unit", "qingtian"}, {"key", "jobs@qingtian"}});
    CHECK(inds[1].at("member_of") == "jobs");
    CHECK(inds[1].at("lead_unit") == "liandu");
}

TEST_CASE("a second plan section says how to run several plans", "[members]") {
    test::TempDir dir;
    std::ofstream(dir.path() / "a.yaml") << "plan: {id: a-2023, name: A, year: 2023}\n";
    std::ofstream(dir.path() / "b.yaml") << "plan: {id: b-2024, name: B, year: 2024}\n";
    const auto a = (dir.path() / "a.yaml").string();
    const auto b = (dir.path() / "b.yaml").string();
    CHECK_THROWS_WITH(load_plan({dir.path()}),
                      b + ":1:7: second 'plan' section (first at " + a +
                          ":1:7): the files of one rules directory make one plan; for several "
                          "plans put each in a "
                          "directory of its own and list the directories under 'rules:' in the "
                          "config (units they share go in a file each plan names in 'include:')");
}
