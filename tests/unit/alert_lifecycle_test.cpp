// alerts/alerts.cpp: the lifecycle of an alert (pending -> firing -> acknowledged -> resolved,
// silences, re-firing, escalation to the supervision office) and its routing (lead unit,
// co-units, office), driven by a ManualClock over a real Engine and the plan of
// tests/data/lifecycle. Pure: no storage, no network.
#include <catch2/catch.hpp>
#include <set>

#include "alerts/alerts.hpp"
#include "test_util.hpp"

using namespace indicatord;
using namespace std::chrono_literals;

namespace {

AlertingConfig alerting() {
    AlertingConfig c;
    c.group_interval = 1min;
    c.repeat_interval = 24h;
    c.reminders = false;  // only the overdue alerts: their dates are the easiest to follow
    c.escalation_unit = "dcs";
    c.escalation_steps = {DayOffset{3, true}};
    c.external_url = "http://indicatord.example.org";
    return c;
}

/// An Alerter over an Engine, both driven by one ManualClock.
struct World {
    std::shared_ptr<const Plan> plan = test::lifecycle_plan();
    Engine engine{plan, nullptr};  // Monday-Friday working days
    ManualClock clock{test::at("2023-04-01T09:00:00+08:00")};
    Alerter alerter;

    explicit World(AlertingConfig config = alerting()) : alerter(std::move(config)) {}

    Alerter::Step step_at(const std::string& now) {
        clock.set(test::at(now));
        return step();
    }
    Alerter::Step step() {
        engine.evaluate_all(clock.now());
        return alerter.step(engine, clock.now());
    }
    void report(const std::string& indicator, const std::string& period, double value) {
        REQUIRE(engine.restore(indicator, period, value, 1, clock.now()));
    }
    const AlertState& state(const std::string& indicator) const {
        const auto fp = Alerter::fingerprint(plan->id, indicator, AlertKind::overdue);
        const auto it = alerter.alerts().find(fp);
        REQUIRE(it != alerter.alerts().end());
        return it->second;
    }
};

/// The digest of one receiver ("fgw/0"), or null.
const Digest* digest_for(const Alerter::Step& s, const std::string& receiver) {
    for (const auto& d : s.digests)
        if (d.receiver == receiver) return &d;
    return nullptr;
}

std::set<std::string> receivers(const Alerter::Step& s) {
    std::set<std::string> out;
    for (const auto& d : s.digests) out.insert(d.receiver);
    return out;
}

/// The alert of `indicator` in a digest, or null.
const AlertItem* item(const Digest& d, const std::string& indicator) {
    for (const auto& a : d.alerts)
        if (a.labels.at("indicator") == indicator) return &a;
    return nullptr;
}

using Route = std::vector<std::pair<std::string, std::string>>;  // receiver, why

Route routed(const Plan& plan, const std::string& indicator, const AlertingConfig& config,
             bool escalation) {
    Route out;
    for (const auto& [r, why] : route(plan, *plan.find_indicator(indicator), config, escalation))
        out.emplace_back(r.key(), why);
    return out;
}

}  // namespace

TEST_CASE(
    "routing: every receiver of the lead unit, co-units only where asked, the office on "
    "escalation",
    "[alerts][routing]") {
    const auto plan = test::lifecycle_plan();
    auto config = alerting();
    // gdp_growth has notify_co: its co-units' receivers too; 莲都区政府 has none
    CHECK(routed(*plan, "gdp_growth", config, false) ==
          Route{{"fgw/0", "lead"}, {"fgw/1", "lead"}, {"tjj/0", "co"}, {"tjj/1", "co"}});
    // industry_growth has co-units but no notify_co: the lead unit alone
    CHECK(routed(*plan, "industry_growth", config, false) ==
          Route{{"fgw/0", "lead"}, {"fgw/1", "lead"}});
    // escalation goes to the office only, never again to the units
    CHECK(routed(*plan, "gdp_growth", config, true) == Route{{"dcs/0", "escalation"}});
    config.escalation_unit.clear();
    CHECK(routed(*plan, "gdp_growth", config, true).empty());
}

TEST_CASE(
    "lifecycle: firing, one digest per receiver, acknowledged, repeated, escalated, "
    "resolved, fired again",
    "[alerts][lifecycle]") {
    World w;
    // Q1 reports are due 04-20, overdue after five days' grace: nothing before that
    auto s = w.step();
    CHECK(s.digests.empty());
    CHECK(w.alerter.alerts().empty());

    s = w.step_at("2023-04-26T09:00:00+08:00");
    CHECK(w.state("gdp_growth").phase == AlertState::Phase::firing);
    CHECK(w.state("industry_growth").phase == AlertState::Phase::firing);
    CHECK(receivers(s) == std::set<std::string>{"fgw/0", "fgw/1", "tjj/0", "tjj/1"});
    REQUIRE(s.receivers.size() == s.digests.size());
    const auto* lead = digest_for(s, "fgw/0");
    REQUIRE(lead);
    CHECK(lead->alerts.size() == 2);  // both indicators in one message
    CHECK(lead->receiver_name == "市发改委");
    CHECK(lead->plan_id == "lifecycle-2023");
    CHECK(lead->created_at == w.clock.now());
    CHECK(lead->idempotency_key.size() == 32);
    CHECK(digest_for(s, "fgw/1")->idempotency_key != lead->idempotency_key);
    const auto* co = digest_for(s, "tjj/0");
    REQUIRE(co);
    REQUIRE(co->alerts.size() == 1);  // industry_growth does not notify its co-units
    const auto& a = co->alerts[0];
    CHECK(a.labels.at("indicator") == "gdp_growth");
    CHECK(a.labels.at("lead_unit") == "fgw");
    CHECK(a.firing);
    CHECK_FALSE(a.repeat);
    CHECK_FALSE(a.escalation);
    CHECK(a.annotations.at("period") == "2023-Q1");
    CHECK(a.annotations.at("due") == "2023-04-20");
    CHECK(a.annotations.at("overdue_by") == "6");

    // within the group interval nothing is sent; after it, nothing new is either
    CHECK(w.step_at("2023-04-26T09:00:30+08:00").digests.empty());
    CHECK(w.step_at("2023-04-26T09:05:00+08:00").digests.empty());

    // acknowledged: gdp_growth is no longer repeated; industry_growth is, after repeat_interval
    const auto gdp = w.state("gdp_growth").fingerprint;
    AlertState changed;
    REQUIRE(w.alerter.acknowledge(gdp, "张三", "已督办", w.clock.now(), &changed));
    CHECK(changed.acked_by == "张三");
    CHECK(w.state("gdp_growth").phase == AlertState::Phase::firing);  // still firing
    s = w.step_at("2023-04-27T09:10:00+08:00");
    CHECK(receivers(s) == std::set<std::string>{"fgw/0", "fgw/1"});
    REQUIRE(digest_for(s, "fgw/0")->alerts.size() == 1);
    CHECK(item(*digest_for(s, "fgw/0"), "industry_growth")->repeat);

    // escalation after 3 working days from 04-26 (Wed): 04-27, 04-28, 05-01; at the start of
    // 05-01 the office gets both alerts, marked as escalations (acknowledged or not)
    s = w.step_at("2023-04-30T23:59:00+08:00");  // industry_growth repeats, nothing escalates
    CHECK(receivers(s) == std::set<std::string>{"fgw/0", "fgw/1"});
    s = w.step_at("2023-05-01T00:01:00+08:00");
    CHECK(receivers(s) == std::set<std::string>{"dcs/0"});
    const auto* office = digest_for(s, "dcs/0");
    REQUIRE(office);
    CHECK(office->receiver_name == "市政府督查室");
    REQUIRE(office->alerts.size() == 2);
    for (const auto& x : office->alerts) CHECK(x.escalation);
    CHECK(w.state("gdp_growth").escalation_level == 1);
    // one step only: no second escalation
    CHECK(w.step_at("2023-05-20T09:00:00+08:00").digests.size() == 2);  // industry repeats
    CHECK(w.state("gdp_growth").escalation_level == 1);

    // the report arrives and meets the target: resolved, to the units and to the office
    w.report("gdp_growth", "2023-Q1", 6.5);
    s = w.step_at("2023-05-21T09:00:00+08:00");
    CHECK(w.state("gdp_growth").phase == AlertState::Phase::resolved);
    CHECK(w.state("gdp_growth").resolved_at == w.clock.now());
    CHECK(receivers(s) == std::set<std::string>{"fgw/0", "fgw/1", "tjj/0", "tjj/1", "dcs/0"});
    const auto* resolved = item(*digest_for(s, "tjj/1"), "gdp_growth");
    REQUIRE(resolved);
    CHECK_FALSE(resolved->firing);
    CHECK(resolved->ends_at == w.clock.now());
    CHECK_FALSE(item(*digest_for(s, "dcs/0"), "gdp_growth")->firing);
    // sent once
    CHECK(w.step_at("2023-05-21T09:02:00+08:00").digests.empty());

    // Q2 overdue: the same alert fires again, as new: not a repeat, no acknowledgement, level 0
    s = w.step_at("2023-07-26T09:00:00+08:00");
    const auto& again = w.state("gdp_growth");
    CHECK(again.phase == AlertState::Phase::firing);
    CHECK(again.acked_by.empty());
    CHECK(again.escalation_level == 0);
    CHECK(again.period == "2023-Q2");
    const auto* refired = item(*digest_for(s, "tjj/0"), "gdp_growth");
    REQUIRE(refired);
    CHECK(refired->firing);
    CHECK_FALSE(refired->repeat);
    CHECK(refired->annotations.at("period") == "2023-Q2");
}

TEST_CASE("a silence holds back firing and resolved messages while it lasts", "[alerts][silence]") {
    World w;
    Silence quiet;
    quiet.id = 1;
    quiet.matchers = {{"indicator", "industry_growth"}};
    quiet.starts_at = test::at("2023-04-01T00:00:00+08:00");
    quiet.ends_at = test::at("2023-04-28T00:00:00+08:00");
    w.alerter.add_silence(quiet);

    auto s = w.step_at("2023-04-26T09:00:00+08:00");
    CHECK(w.state("industry_growth").phase == AlertState::Phase::firing);  // fires, unsent
    CHECK_FALSE(w.state("industry_growth").last_notified_at);
    for (const auto& d : s.digests) CHECK_FALSE(item(d, "industry_growth"));
    CHECK(item(*digest_for(s, "fgw/0"), "gdp_growth"));

    // the silence ends: the alert is sent as a first notification
    s = w.step_at("2023-04-28T00:00:00+08:00");
    const auto* late = item(*digest_for(s, "fgw/0"), "industry_growth");
    REQUIRE(late);
    CHECK_FALSE(late->repeat);

    // expired early by hand, a silence stops matching at once
    Silence gdp;
    gdp.id = 2;
    gdp.matchers = {{"indicator", "gdp_growth"}, {"kind", "overdue"}};
    gdp.starts_at = w.clock.now();
    gdp.ends_at = w.clock.now() + 24h * 30;
    w.alerter.add_silence(gdp);
    CHECK(w.alerter.expirable(2, w.clock.now()));
    w.report("gdp_growth", "2023-Q1", 7);
    s = w.step_at("2023-04-28T09:00:00+08:00");
    CHECK(w.state("gdp_growth").phase == AlertState::Phase::resolved);
    CHECK(s.digests.empty());  // resolved under the silence: not sent, and never later
    CHECK(w.state("gdp_growth").resolved_notified);
    CHECK(w.alerter.expire_silence(2, w.clock.now()));
    CHECK_FALSE(w.alerter.expirable(2, w.clock.now()));
    CHECK(w.step_at("2023-04-28T09:05:00+08:00").digests.empty());
}

TEST_CASE("pending_for: an alert fires only once its condition held that long", "[alerts]") {
    auto config = alerting();
    config.pending_for = 2h;
    World w(config);
    auto s = w.step_at("2023-04-26T09:00:00+08:00");
    CHECK(w.state("gdp_growth").phase == AlertState::Phase::pending);
    CHECK(s.digests.empty());
    s = w.step_at("2023-04-26T10:59:00+08:00");
    CHECK(s.digests.empty());
    s = w.step_at("2023-04-26T11:00:00+08:00");
    CHECK(w.state("gdp_growth").phase == AlertState::Phase::firing);
    CHECK(w.state("gdp_growth").firing_at == w.clock.now());
    CHECK(receivers(s) == std::set<std::string>{"fgw/0", "fgw/1", "tjj/0", "tjj/1"});
}

TEST_CASE("an alert resolved while pending was never sent and sends nothing", "[alerts]") {
    auto config = alerting();
    config.pending_for = 2h;
    World w(config);
    w.step_at("2023-04-26T09:00:00+08:00");
    w.report("gdp_growth", "2023-Q1", 6.1);
    const auto s = w.step_at("2023-04-26T09:30:00+08:00");
    CHECK(w.state("gdp_growth").phase == AlertState::Phase::resolved);
    CHECK(w.state("gdp_growth").resolved_notified);
    CHECK(s.digests.empty());
}

TEST_CASE("without send_resolved, a resolution is recorded but not sent", "[alerts]") {
    auto config = alerting();
    config.send_resolved = false;
    World w(config);
    REQUIRE_FALSE(w.step_at("2023-04-26T09:00:00+08:00").digests.empty());
    w.report("gdp_growth", "2023-Q1", 6.1);
    const auto s = w.step_at("2023-04-26T09:30:00+08:00");
    CHECK(w.state("gdp_growth").phase == AlertState::Phase::resolved);
    CHECK(s.digests.empty());
}
