#include "alerts/alerts.hpp"

#include <algorithm>
#include <cstdint>
#include <unordered_map>

#include "eval/kinds/registry.hpp"
#include "util/digest.hpp"

namespace indicatord {

std::string_view to_string(AlertKind kind) {
    switch (kind) {
        case AlertKind::reminder:
            return "reminder";
        case AlertKind::overdue:
            return "overdue";
        case AlertKind::at_risk:
            return "at_risk";
        case AlertKind::missed:
            return "missed";
        case AlertKind::chase:
            return "chase";
    }
    return "overdue";
}

std::optional<AlertKind> parse_alert_kind(std::string_view t) {
    for (auto k : {AlertKind::reminder, AlertKind::overdue, AlertKind::at_risk, AlertKind::missed,
                   AlertKind::chase})
        if (to_string(k) == t) return k;
    return std::nullopt;
}

std::string_view to_string(AlertState::Phase p) {
    switch (p) {
        case AlertState::Phase::pending:
            return "pending";
        case AlertState::Phase::firing:
            return "firing";
        case AlertState::Phase::resolved:
            return "resolved";
    }
    return "pending";
}

bool Silence::matches(const std::map<std::string, std::string>& labels) const {
    for (const auto& [k, v] : matchers) {
        auto it = labels.find(k);
        if (it == labels.end() || it->second != v) return false;
    }
    return true;
}

std::vector<std::pair<ReceiverRef, std::string>> route(const Plan& plan, const Indicator& ind,
                                                       const AlertingConfig& config,
                                                       bool escalation) {
    std::vector<std::pair<ReceiverRef, std::string>> out;
    auto add_unit = [&](const std::string& id, const char* why) {
        const Unit* u = plan.find_unit(id);
        if (!u) return;
        for (std::size_t i = 0; i < u->receivers.size(); ++i) {
            ReceiverRef r{id, i};
            bool seen = false;
            for (auto& [x, w] : out) seen = seen || x.key() == r.key();
            if (!seen) out.emplace_back(r, why);
        }
    };
    if (escalation) {
        if (!config.escalation_unit.empty()) add_unit(config.escalation_unit, "escalation");
        return out;
    }
    add_unit(ind.lead_unit, "lead");
    if (ind.notify_co)
        if (const Task* t = plan.task_of(ind))
            for (const auto& c : t->co) add_unit(c, "co");
    return out;
}

std::string Alerter::fingerprint(const std::string& plan, const std::string& indicator,
                                 AlertKind kind) {
    // One buffer and the digest's first 8 bytes in hex: a first start computes 100,000.
    const auto k = to_string(kind);
    std::string in;
    in.reserve(plan.size() + indicator.size() + k.size() + 2);
    in.append(plan).append(1, '\x1f').append(indicator).append(1, '\x1f').append(k);
    return sha256_hex(in, 16);
}

std::map<std::string, std::string> Alerter::labels(const Plan& plan, const Indicator& ind,
                                                   AlertKind kind) {
    static const char* severity[] = {"info", "warning", "warning", "critical", "warning"};
    return {{"alertname", "indicator_" + std::string(to_string(kind))},
            {"plan", plan.id_of(ind)},
            {"task", std::to_string(ind.task)},
            {"indicator", ind.key},
            {"lead_unit", ind.lead_unit},
            {"kind", std::string(to_string(kind))},
            {"severity", severity[static_cast<int>(kind)]}};
}

void Alerter::load(std::unordered_map<std::string, AlertState> alerts,
                   std::vector<Silence> silences) {
    alerts_ = std::move(alerts);
    silences_ = std::move(silences);
}

bool Alerter::silenced(const std::map<std::string, std::string>& labels, TimePoint now) const {
    for (const auto& s : silences_)
        if (s.active(now) && s.matches(labels)) return true;
    return false;
}

bool Alerter::expire_silence(std::int64_t id, TimePoint now) {
    for (auto& s : silences_)
        if (s.id == id && s.ends_at > now) {
            s.ends_at = now;
            return true;
        }
    return false;
}

bool Alerter::expirable(std::int64_t id, TimePoint now) const {
    for (const auto& s : silences_)
        if (s.id == id && s.ends_at > now) return true;
    return false;
}

std::optional<AlertState> Alerter::acknowledged(const std::string& fp, const std::string& by,
                                                const std::string& comment, TimePoint now) const {
    auto it = alerts_.find(fp);
    if (it == alerts_.end() || it->second.phase == AlertState::Phase::resolved) return std::nullopt;
    AlertState a = it->second;
    a.acked_by = by;
    a.ack_comment = comment;
    a.acked_at = now;
    return a;
}

void Alerter::put(AlertState state) {
    auto fp = state.fingerprint;
    alerts_[fp] = std::move(state);
}

bool Alerter::acknowledge(const std::string& fp, const std::string& by, const std::string& comment,
                          TimePoint now, AlertState* changed) {
    auto next = acknowledged(fp, by, comment, now);
    if (!next) return false;
    if (changed) *changed = *next;
    put(std::move(*next));
    return true;
}

namespace {

std::string fmt(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

// The first period of the plan year without a value whose reminder window [remind, due) holds now.
std::optional<Period> reminder_period(const Engine& e, const Indicator& ind, const Series& s,
                                      TimePoint now) {
    if (ind.derived() || ind.schedule.remind.days <= 0) return std::nullopt;
    const int last =
        ind.schedule.cadence == Cadence::once ? e.plan().year_of(ind) : e.plan().last_year_of(ind);
    for (int year = e.plan().year_of(ind); year <= last; ++year)  // a plan may span years
        for (const auto& p : periods_of_year(ind.schedule.cadence, year)) {
            if (s.at(p) || s.awaits(p)) continue;  // a value awaiting review was reported
            const auto due = e.dues().due(p, ind.schedule);
            if (now >= due) continue;
            if (e.dues().remind(p, ind.schedule) <= now) return p;
            return std::nullopt;
        }
    return std::nullopt;
}

// The first 8 bytes of `s` as a big-endian number, zeros past its end: ordering by it agrees
// with std::string's order wherever two keys differ.
std::uint64_t prefix_key(const std::string& s) {
    std::uint64_t key = 0;
    for (std::size_t i = 0; i < 8; ++i)
        key = (key << 8) | (i < s.size() ? static_cast<unsigned char>(s[i]) : 0U);
    return key;
}

}  // namespace

namespace {

Alerter::Undo::Fields fields_of(AlertState& a) {
    return {&a,
            a.period,
            a.phase,
            a.firing_at,
            a.resolved_at,
            a.last_notified_at,
            a.resolved_notified,
            a.escalation_level};
}

}  // namespace

AlertItem Alerter::item(const Engine& engine, const AlertState& a, TimePoint now) const {
    const auto& plan = engine.plan();
    const auto& ind = *plan.find_indicator(a.indicator);
    const auto idx = static_cast<std::size_t>(plan.index_of(a.indicator));
    const auto& ev = engine.evaluation(idx);
    AlertItem it;
    it.fingerprint = a.fingerprint;
    it.firing = a.phase != AlertState::Phase::resolved;
    it.kind = a.kind;
    it.starts_at = a.firing_at.value_or(a.started_at);
    if (!it.firing) it.ends_at = a.resolved_at;
    it.labels = labels(plan, ind, a.kind);
    auto& an = it.annotations;
    an["indicator_name"] = ind.name;
    an["summary"] = describe(ind, ev);
    an["status"] = std::string(to_string(ev.status));
    if (const Task* t = plan.task_of(ind)) {
        an["task_text"] = t->text;
        std::string units;
        // a member's series of a per-member indicator: that member, not the whole group
        const std::vector<std::string> own{ind.lead_unit};
        for (const auto& l : ind.member_of.empty() ? t->leads : own)
            if (const Unit* u = plan.find_unit(l)) units += (units.empty() ? "" : "、") + u->name;
        if (!t->co.empty()) {
            std::string co;
            for (const auto& c : t->co)
                if (const Unit* u = plan.find_unit(c)) co += (co.empty() ? "" : "、") + u->name;
            units += ";协办:" + co;
        }
        if (!ind.leader.empty()) units += ";责任领导:" + ind.leader;
        an["units"] = units;
    }
    if (!ind.leader.empty()) an["leader"] = ind.leader;
    if (ev.value) an["value"] = fmt(*ev.value) + ind.measure;
    if (ev.target) {
        const auto& kind = kinds::of(ind.rule);
        const auto held = kind.target_op ? kind.target_op(ind.rule) : std::nullopt;
        std::string op(to_string(held.value_or(Op::ge)));
        if (op == ">=")
            op = "≥";
        else if (op == "<=")
            op = "≤";
        an["target"] = op + " " + fmt(*ev.target) + ind.measure;
    }
    if (!a.period.empty()) {
        an["period"] = a.period;
        if (auto p = parse_period(a.period);
            p && (a.kind == AlertKind::overdue || a.kind == AlertKind::reminder ||
                  a.kind == AlertKind::chase)) {
            an["due"] = date::format("%F", engine.dues().due_day(*p, ind.schedule));
            const auto due = engine.dues().due(*p, ind.schedule);
            if (now > due)
                an["overdue_by"] =
                    std::to_string(std::chrono::duration_cast<date::days>(now - due).count() + 1);
        }
    }
    an["description"] =
        "任务" + std::to_string(ind.task) + " " + ind.name + "(" + ind.key + "): " + an["summary"];
    return it;
}

Alerter::Step Alerter::step(const Engine& engine, TimePoint now) {
    Step out;
    const auto& plan = engine.plan();
    out.undo.last_flush = last_flush_;
    // A first start raises an alert for nearly every indicator: no rehash as the table grows.
    // Only ever grown here: reserve() of fewer than a grown table holds would rehash it smaller,
    // at every pass.
    const auto expected = plan.indicators.size();
    if (static_cast<double>(alerts_.bucket_count()) * alerts_.max_load_factor() <
        static_cast<double>(expected))
        alerts_.reserve(expected);
    // Pointers into alerts_ (whose elements stay where they are while it grows), sorted and
    // searched, instead of sets of fingerprints: `raised`, the alerts raised (or kept raised) by
    // this step; `touched`, those it changed, repeats allowed until the end. Each change first
    // logs the alert as it was (or that it is new) in out.undo, unless this step changed it
    // already.
    std::vector<const AlertState*> raised;
    std::vector<AlertState*> touched;
    raised.reserve(plan.indicators.size());
    touched.reserve(plan.indicators.size());
    auto raise = [&](const Indicator& ind, AlertKind kind, const std::string& period) {
        auto [it, created] = alerts_.try_emplace(fingerprint(plan.id, ind.key, kind));
        auto& a = it->second;
        raised.push_back(&a);
        if (created || a.phase == AlertState::Phase::resolved) {
            if (created)
                out.undo.added.push_back(it->first);
            else
                out.undo.before.push_back(a);
            AlertState fresh;
            fresh.fingerprint = it->first;
            fresh.indicator = ind.key;
            fresh.kind = kind;
            fresh.period = period;
            fresh.started_at = now;
            if (config_.pending_for.count() == 0) {
                fresh.phase = AlertState::Phase::firing;
                fresh.firing_at = now;
            }
            a = std::move(fresh);
            touched.push_back(&a);
            return;
        }
        const bool moved_on = a.period != period;
        const bool fires =
            a.phase == AlertState::Phase::pending && now - a.started_at >= config_.pending_for;
        if (!moved_on && !fires) return;
        out.undo.fields.push_back(fields_of(a));
        if (moved_on) a.period = period;
        if (fires) {
            a.phase = AlertState::Phase::firing;
            a.firing_at = now;
        }
        touched.push_back(&a);
    };
    for (std::size_t i = 0; i < plan.indicators.size(); ++i) {
        const auto& ind = plan.indicators[i];
        if (ind.rollup()) continue;  // each member's series alerts its member
        const auto& ev = engine.evaluation(i);
        const std::string period = ev.period ? ev.period->label() : "";
        switch (ev.status) {
            case Status::overdue:
                raise(ind, AlertKind::overdue,
                      ev.overdue_period ? ev.overdue_period->label() : period);
                break;
            case Status::missed:
                raise(ind, AlertKind::missed, period);
                break;
            case Status::at_risk:
                raise(ind, AlertKind::at_risk, period);
                break;
            default:
                break;
        }
        if (config_.reminders && ev.status != Status::overdue)
            if (auto p = reminder_period(engine, ind, engine.series(i), now))
                raise(ind, AlertKind::reminder, p->label());
    }
    std::sort(raised.begin(), raised.end());
    std::vector<AlertState*> ended;  // no longer raised: resolved now
    for (auto& [fp, a] : alerts_)
        if (a.phase != AlertState::Phase::resolved &&
            !std::binary_search(raised.begin(), raised.end(), &a))
            ended.push_back(&a);
    out.undo.fields.reserve(out.undo.fields.size() + ended.size());
    for (auto* p : ended) {
        auto& a = *p;
        out.undo.fields.push_back(fields_of(a));
        const bool fired = a.phase == AlertState::Phase::firing;
        a.phase = AlertState::Phase::resolved;
        a.resolved_at = now;
        if (!fired) a.resolved_notified = true;  // never sent: nothing to resolve
        touched.push_back(&a);
    }
    // The changed states, once each, by fingerprint (the order AlertStore::save writes them in).
    auto finish = [&] {
        std::sort(touched.begin(), touched.end());
        touched.erase(std::unique(touched.begin(), touched.end()), touched.end());
        // Sorted on the fingerprint's first 8 bytes, held beside each pointer (the string
        // order, ties compared in full): comparing the strings themselves reached into two
        // alerts of 100,000 scattered ones at every comparison.
        std::vector<std::pair<std::uint64_t, const AlertState*>> order;
        order.reserve(touched.size());
        for (const auto* a : touched) order.emplace_back(prefix_key(a->fingerprint), a);
        std::sort(order.begin(), order.end(), [](const auto& x, const auto& y) {
            if (x.first != y.first) return x.first < y.first;
            return x.second->fingerprint < y.second->fingerprint;
        });
        out.changed.reserve(order.size());
        for (const auto& [key, a] : order) out.changed.push_back(a);
        return std::move(out);
    };

    if (last_flush_ && now - *last_flush_ < config_.group_interval) return finish();
    last_flush_ = now;

    std::map<ReceiverRef, Digest> digests;
    auto add = [&](const ReceiverRef& r, AlertItem item) {
        auto& d = digests[r];
        d.alerts.push_back(std::move(item));
    };
    std::sort(touched.begin(), touched.end());  // searched below: changed before the flush?
    const auto changed_earlier = touched.size();
    for (auto& [fp, a] : alerts_) {
        const Indicator* ind = plan.find_indicator(a.indicator);
        if (!ind) continue;  // removed from the plan by a reload
        // What the flush may change, to log the alert as it was if nothing else changed it.
        const auto notified_at = a.last_notified_at;
        const auto level = a.escalation_level;
        const auto resolved_notified = a.resolved_notified;
        // Labels, and the items' texts below, only when something needs them: at start-up with
        // 100,000 new alerts of units without receivers this loop built them all for nothing.
        const bool quiet = !silences_.empty() && silenced(labels(plan, *ind, a.kind), now);
        bool changed = false;
        if (a.phase == AlertState::Phase::firing && !quiet) {
            const bool first = !a.last_notified_at;
            const bool repeat =
                !first && !a.acked_at && now - *a.last_notified_at >= config_.repeat_interval;
            if (first || repeat) {
                if (auto to = route(plan, *ind, config_, false); !to.empty()) {
                    auto base = item(engine, a, now);
                    base.repeat = repeat;
                    for (auto& [r, why] : to) add(r, base);
                }
                a.last_notified_at = now;
                changed = true;
            }
            if (!config_.escalation_unit.empty() && a.firing_at &&
                a.escalation_level < static_cast<int>(config_.escalation_steps.size())) {
                const auto step =
                    config_.escalation_steps[static_cast<std::size_t>(a.escalation_level)];
                const auto fired_day =
                    date::floor<date::days>(engine.zone()->to_local(*a.firing_at));
                date::sys_days day{fired_day.time_since_epoch()};
                if (step.working_days)  // without a calendar: Monday to Friday, as DueDates
                    day = engine.calendar() ? engine.calendar()->add_working_days(day, step.days)
                                            : WorkCalendar{}.add_working_days(day, step.days);
                else
                    day += date::days(step.days);
                if (now >= engine.dues().end_of(day - date::days(1))) {
                    if (auto to = route(plan, *ind, config_, true); !to.empty()) {
                        auto esc = item(engine, a, now);
                        esc.escalation = true;
                        for (auto& [r, why] : to) add(r, esc);
                    }
                    ++a.escalation_level;
                    changed = true;
                }
            }
        } else if (a.phase == AlertState::Phase::resolved && !a.resolved_notified) {
            a.resolved_notified = true;
            changed = true;
            if (a.last_notified_at && config_.send_resolved && !quiet) {
                auto to = route(plan, *ind, config_, false);
                if (a.escalation_level > 0)
                    for (auto& routed : route(plan, *ind, config_, true)) to.push_back(routed);
                if (!to.empty()) {
                    auto done = item(engine, a, now);
                    for (auto& [r, why] : to) add(r, done);
                }
            }
        }
        if (changed) {
            if (!std::binary_search(touched.begin(),
                                    touched.begin() + static_cast<std::ptrdiff_t>(changed_earlier),
                                    &a)) {
                auto& was = out.undo.fields.emplace_back(fields_of(a));
                was.last_notified_at = notified_at;
                was.escalation_level = level;
                was.resolved_notified = resolved_notified;
            }
            touched.push_back(&a);
        }
    }
    add_still_firing(engine, digests, now);
    for (auto& [r, d] : digests) {
        const Unit* u = plan.find_unit(r.unit);
        d.receiver = r.key();
        d.receiver_name = u ? u->name : r.unit;
        d.plan_id = plan.id;
        d.plan_name = plan.name;
        if (plan.several()) {  // the plans the digest's alerts are about, in the config's order
            d.plan_id.clear();
            d.plan_name.clear();
            for (const auto& info : plan.plans) {
                const bool about =
                    std::any_of(d.alerts.begin(), d.alerts.end(), [&](const auto& a) {
                        const auto l = a.labels.find("plan");
                        return l != a.labels.end() && l->second == info.id;
                    });
                if (!about) continue;
                d.plan_id += (d.plan_id.empty() ? "" : ",") + info.id;
                d.plan_name += (d.plan_name.empty() ? "" : "、") + info.name;
            }
        }
        d.external_url = config_.external_url;
        d.created_at = now;
        d.templates = templates_;
        std::string fps;
        for (const auto& a : d.alerts) fps += a.fingerprint + (a.firing ? "+" : "-");
        d.idempotency_key =
            sha256_hex(d.receiver + "|" + format_instant(now) + "|" + fps).substr(0, 32);
        out.receivers.push_back(r);
        out.digests.push_back(std::move(d));
    }
    return finish();
}

void Alerter::add_still_firing(const Engine& engine, std::map<ReceiverRef, Digest>& digests,
                               TimePoint now) const {
    const auto& plan = engine.plan();
    std::vector<ReceiverRef> whole;  // sorted: the map's order
    for (const auto& [r, d] : digests) {
        const Unit* u = plan.find_unit(r.unit);
        if (u && r.index < u->receivers.size() && !u->receivers[r.index].webhook.empty() &&
            u->receivers[r.index].format == "generic")
            whole.push_back(r);
    }
    if (whole.empty()) return;
    for (const auto& [fp, a] : alerts_) {
        if (a.phase != AlertState::Phase::firing) continue;
        const Indicator* ind = plan.find_indicator(a.indicator);
        if (!ind) continue;
        if (!silences_.empty() && silenced(labels(plan, *ind, a.kind), now)) continue;
        auto to = route(plan, *ind, config_, false);
        if (a.escalation_level > 0)
            for (auto& routed : route(plan, *ind, config_, true)) to.push_back(routed);
        std::optional<AlertItem> it;
        const std::string& key = fp;  // clang 14 (fuzz build): a lambda captures no binding
        for (const auto& [r, why] : to) {
            if (!std::binary_search(whole.begin(), whole.end(), r)) continue;
            auto& d = digests[r];
            if (std::any_of(d.still_firing.begin(), d.still_firing.end(),
                            [&](const AlertItem& x) { return x.fingerprint == key; }))
                continue;
            if (!it) it = item(engine, a, now);
            d.still_firing.push_back(*it);
        }
    }
    for (auto& r : whole) {
        auto& list = digests[r].still_firing;
        std::sort(list.begin(), list.end(), [](const AlertItem& x, const AlertItem& y) {
            return x.fingerprint < y.fingerprint;
        });
    }
}

std::vector<const AlertState*> Alerter::current(
    const Engine& engine, TimePoint now,
    const std::function<bool(const AlertState&)>& keep_resolved) const {
    const auto& plan = engine.plan();
    std::vector<const AlertState*> chosen;
    for (const auto& [fp, a] : alerts_) {
        if (a.kind == AlertKind::chase || a.phase == AlertState::Phase::pending) continue;
        if (a.phase == AlertState::Phase::resolved && !keep_resolved(a)) continue;
        const Indicator* ind = plan.find_indicator(a.indicator);
        if (!ind) continue;  // gone from the plan with a reload
        if (!silences_.empty() && silenced(labels(plan, *ind, a.kind), now)) continue;
        chosen.push_back(&a);
    }
    std::sort(chosen.begin(), chosen.end(), [](const AlertState* x, const AlertState* y) {
        return x->fingerprint < y->fingerprint;
    });
    return chosen;
}

Alerter::Step Alerter::chase(const Engine& engine, std::size_t indicator, const std::string& by,
                             const std::string& comment, TimePoint now) const {
    Step out;
    const auto& plan = engine.plan();
    const auto& ind = plan.indicators[indicator];
    AlertState a;
    a.fingerprint = fingerprint(plan.id, ind.key, AlertKind::chase);
    a.indicator = ind.key;
    a.kind = AlertKind::chase;
    a.phase = AlertState::Phase::firing;
    a.started_at = now;
    a.firing_at = now;
    // the period it is overdue for, when it is: the message then names it and its due day
    if (auto o = alerts_.find(fingerprint(plan.id, ind.key, AlertKind::overdue));
        o != alerts_.end() && o->second.phase != AlertState::Phase::resolved)
        a.period = o->second.period;
    AlertItem it = item(engine, a, now);
    it.annotations["description"] = comment;
    it.annotations["chased_by"] = by;
    for (const auto& [r, why] : route(plan, ind, config_, false)) {
        Digest d;
        const Unit* u = plan.find_unit(r.unit);
        d.receiver = r.key();
        d.receiver_name = u ? u->name : r.unit;
        d.plan_id = plan.id_of(ind);
        d.plan_name = ind.plan < plan.plans.size() ? plan.plans[ind.plan].name : plan.name;
        d.external_url = config_.external_url;
        d.created_at = now;
        d.templates = templates_;
        d.alerts.push_back(it);
        d.idempotency_key =
            sha256_hex(d.receiver + "|" + format_instant(now) + "|" + a.fingerprint + "|" + comment)
                .substr(0, 32);
        out.receivers.push_back(r);
        out.digests.push_back(std::move(d));
    }
    return out;
}

Alerter::Step Alerter::late_reviews(const Engine& engine, const std::vector<LateReview>& late,
                                    TimePoint now) const {
    Step out;
    const auto& plan = engine.plan();
    const auto day = [&](TimePoint t) {
        const auto* zone = engine.zone();
        return zone ? date::format("%F", date::floor<date::days>(zone->to_local(t)))
                    : date::format("%F", date::floor<date::days>(t));
    };
    for (const auto& r : late) {
        const Indicator* ind = plan.find_indicator(r.indicator);
        if (!ind || now < r.due_at) continue;
        const std::string reviewer = r.reviewer == "office" ? config_.escalation_unit : r.reviewer;
        const Unit* rev = plan.find_unit(reviewer);
        if (!rev) continue;
        AlertState a;
        a.fingerprint = fingerprint(plan.id_of(*ind), ind->key, AlertKind::chase);
        a.indicator = ind->key;
        a.kind = AlertKind::chase;
        a.phase = AlertState::Phase::firing;
        a.started_at = r.due_at;
        a.firing_at = r.due_at;
        AlertItem it = item(engine, a, now);
        // an admin token's report (no unit): the indicator's lead unit's value all the same
        const Unit* from = plan.find_unit(r.unit.empty() ? ind->lead_unit : r.unit);
        const auto late_days = std::chrono::duration_cast<date::days>(now - r.due_at).count() + 1;
        const auto value = fmt(r.value) + ind->measure;
        it.annotations["period"] = r.period;
        it.annotations["value"] = value;
        it.annotations["description"] = "请审核" + (from ? from->name : ind->lead_unit) + "报送的" +
                                        ind->name + " " + r.period + " 实绩(" + value + "),提交于" +
                                        day(r.submitted_at) + ",审核期限" + day(r.due_at) +
                                        ",已超期" + std::to_string(late_days) + "天";
        it.annotations["summary"] = it.annotations["description"];
        it.annotations["review"] = std::to_string(r.submission);
        const auto window =
            config_.repeat_interval.count() > 0 ? (now - r.due_at) / config_.repeat_interval : 0;
        for (std::size_t i = 0; i < rev->receivers.size(); ++i) {
            ReceiverRef ref{rev->id, i};
            Digest d;
            d.receiver = ref.key();
            d.receiver_name = rev->name;
            d.plan_id = plan.id_of(*ind);
            d.plan_name = ind->plan < plan.plans.size() ? plan.plans[ind->plan].name : plan.name;
            d.external_url = config_.external_url;
            d.created_at = now;
            d.templates = templates_;
            d.alerts.push_back(it);
            d.idempotency_key =
                sha256_hex("review-due|" + d.receiver + "|" + std::to_string(r.submission) + "|" +
                           std::to_string(window))
                    .substr(0, 32);
            out.receivers.push_back(ref);
            out.digests.push_back(std::move(d));
        }
    }
    return out;
}

void Alerter::undo(Undo u) {
    // A step logs each alert once: in `fields`, `before` or `added`. Newest change first all the
    // same, so that an alert changed twice would end as it was before both.
    for (auto it = u.fields.rbegin(); it != u.fields.rend(); ++it) {
        auto& a = *it->alert;
        a.period = std::move(it->period);
        a.phase = it->phase;
        a.firing_at = it->firing_at;
        a.resolved_at = it->resolved_at;
        a.last_notified_at = it->last_notified_at;
        a.resolved_notified = it->resolved_notified;
        a.escalation_level = it->escalation_level;
    }
    for (auto it = u.before.rbegin(); it != u.before.rend(); ++it) {
        auto found = alerts_.find(it->fingerprint);
        if (found != alerts_.end())
            found->second = std::move(*it);
        else
            alerts_.emplace(it->fingerprint, std::move(*it));
    }
    for (const auto& fp : u.added) alerts_.erase(fp);
    last_flush_ = u.last_flush;
}

}  // namespace indicatord
