#include "http/metrics.hpp"

#include <prometheus/text_serializer.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <sstream>

#include "eval/engine.hpp"
#include "eval/members.hpp"

namespace indicatord {

std::string escape_label(std::string_view v) {
    std::string out;
    out.reserve(v.size());
    for (char c : v) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '"')
            out += "\\\"";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

// With several plans the `indicator` label is the key within its plan (`plan` says which).
IndicatorLabels::IndicatorLabels(std::shared_ptr<const Plan> plan) : plan_(std::move(plan)) {
    labels_.reserve(plan_->indicators.size());
    for (const auto& ind : plan_->indicators)
        labels_.push_back("{plan=\"" + escape_label(plan_->id_of(ind)) + "\",task=\"" +
                          std::to_string(ind.task) + "\",indicator=\"" +
                          escape_label(local_key(ind.key)) + "\",unit=\"" +
                          escape_label(ind.lead_unit) + "\"");
}

SelfMetrics::SelfMetrics(std::string_view version)
    : checkpoints_(prometheus::BuildCounter()
                       .Name("indicatord_wal_checkpoints_total")
                       .Help("Checkpoints of SQLite's write-ahead log by who ran them: the "
                             "checkpointer thread, or the writer past 16,000 pages in the log.")
                       .Register(*registry_)),
      values_accepted(prometheus::BuildCounter()
                          .Name("indicatord_values_ingested_total")
                          .Help("Reported values by result: accepted (committed) or rejected (bad "
                                "input or storage failure).")
                          .Register(*registry_)
                          .Add({{"result", "accepted"}})),
      values_rejected(prometheus::BuildCounter()
                          .Name("indicatord_values_ingested_total")
                          .Help("Reported values by result: accepted (committed) or rejected (bad "
                                "input or storage failure).")
                          .Register(*registry_)
                          .Add({{"result", "rejected"}})),
      requests_rejected(
          prometheus::BuildCounter()
              .Name("indicatord_ingest_requests_rejected_total")
              .Help("Ingest requests rejected as a whole (bad JSON, bad items, storage failure).")
              .Register(*registry_)
              .Add({})),
      evaluation_duration(prometheus::BuildHistogram()
                              .Name("indicatord_evaluation_duration_seconds")
                              .Help("Time to evaluate every indicator of the plan once.")
                              .Register(*registry_)
                              .Add({}, prometheus::Histogram::BucketBoundaries{0.0001, 0.001, 0.01,
                                                                               0.1, 0.5, 1, 5})),
      indicators(prometheus::BuildGauge()
                     .Name("indicatord_indicators")
                     .Help("Indicators in the loaded plan.")
                     .Register(*registry_)
                     .Add({})),
      commits(prometheus::BuildCounter()
                  .Name("indicatord_commits_total")
                  .Help("SQLite transactions committed by the group-commit writer.")
                  .Register(*registry_)
                  .Add({})),
      checkpoints_background(checkpoints_.Add({{"by", "checkpointer"}})),
      checkpoints_on_writer(checkpoints_.Add({{"by", "writer"}})),
      reload_success(prometheus::BuildGauge()
                         .Name("indicatord_config_last_reload_successful")
                         .Help("1 if the last configuration load succeeded.")
                         .Register(*registry_)
                         .Add({})),
      reload_time(prometheus::BuildGauge()
                      .Name("indicatord_config_last_reload_success_timestamp_seconds")
                      .Help("Time of the last successful configuration load.")
                      .Register(*registry_)
                      .Add({})),
      outbox_depth(prometheus::BuildGauge()
                       .Name("indicatord_outbox_pending")
                       .Help("Notifications waiting in the outbox (queued or being retried).")
                       .Register(*registry_)
                       .Add({})),
      outbox_oldest_pending(
          prometheus::BuildGauge()
              .Name("indicatord_outbox_oldest_pending_timestamp_seconds")
              .Help("When the oldest notification still waiting in the outbox was queued (Unix "
                    "time); 0 when none is waiting.")
              .Register(*registry_)
              .Add({})),
      bulletin_runs_queued(prometheus::BuildCounter()
                               .Name("indicatord_bulletin_runs_total")
                               .Help("Scheduled bulletins by result: queued (in the outbox) or "
                                     "failed (tried again at the next evaluation).")
                               .Register(*registry_)
                               .Add({{"result", "queued"}})),
      bulletin_runs_failed(prometheus::BuildCounter()
                               .Name("indicatord_bulletin_runs_total")
                               .Help("Scheduled bulletins by result: queued (in the outbox) or "
                                     "failed (tried again at the next evaluation).")
                               .Register(*registry_)
                               .Add({{"result", "failed"}})),
      http_requests_(
          prometheus::BuildCounter()
              .Name("indicatord_http_requests_total")
              .Help("HTTP responses sent, by route (the path's template) and status code.")
              .Register(*registry_)),
      web_requests_(prometheus::BuildCounter()
                        .Name("indicatord_web_requests_total")
                        .Help("Responses of the web console, by page and status code (also "
                              "counted in indicatord_http_requests_total).")
                        .Register(*registry_)),
      notifications_(prometheus::BuildCounter()
                         .Name("indicatord_notifications_total")
                         .Help("Notification delivery attempts by channel and result (delivered, "
                               "retry, give_up).")
                         .Register(*registry_)),
      alerts_(prometheus::BuildGauge()
                  .Name("indicatord_alerts")
                  .Help("Alerts by state (pending, firing, resolved) and kind (reminder, overdue, "
                        "at_risk, missed).")
                  .Register(*registry_)),
      weekends_only_(
          prometheus::BuildGauge()
              .Name("indicatord_calendar_weekends_only")
              .Help("1 for the plan year when its working-day calendar is weekends_only (the "
                    "State Council's notice is not out yet: Monday to Friday, no holidays).")
              .Register(*registry_)) {
    prometheus::BuildGauge()
        .Name("indicatord_build_info")
        .Help("Build information; the value is always 1.")
        .Register(*registry_)
        .Add({{"version", std::string(version)}})
        .Set(1);
}

void SelfMetrics::set_weekends_only_years(const std::vector<int>& years) {
    for (auto* g : weekends_only_years_) weekends_only_.Remove(g);
    weekends_only_years_.clear();
    for (int y : years) {
        auto& g = weekends_only_.Add({{"year", std::to_string(y)}});
        g.Set(1);
        weekends_only_years_.push_back(&g);
    }
}

void SelfMetrics::count_response(std::string_view route, unsigned status) {
    std::lock_guard lock(response_counters_mutex_);
    for (const auto& c : response_counters_)
        if (c.status == status && c.route == route) {
            c.counter->Increment();
            return;
        }
    auto& counter =
        http_requests_.Add({{"route", std::string(route)}, {"code", std::to_string(status)}});
    response_counters_.push_back({std::string(route), status, &counter});
    counter.Increment();
}

void SelfMetrics::count_web_response(std::string_view page, unsigned status) {
    web_requests_.Add({{"page", std::string(page)}, {"code", std::to_string(status)}}).Increment();
}

void SelfMetrics::count_notification(const std::string& channel, int outcome) {
    static const char* names[] = {"delivered", "retry", "give_up"};
    notifications_.Add({{"channel", channel}, {"result", names[outcome % 3]}}).Increment();
}

void SelfMetrics::set_alert_counts(
    const std::map<std::pair<std::string, std::string>, int>& counts) {
    for (const char* state : {"pending", "firing", "resolved"})
        for (const char* kind : {"reminder", "overdue", "at_risk", "missed"}) {
            auto it = counts.find({state, kind});
            alerts_.Add({{"state", state}, {"kind", kind}})
                .Set(it == counts.end() ? 0 : it->second);
        }
}

std::string SelfMetrics::serialize() const {
    std::ostringstream out;
    prometheus::TextSerializer{}.Serialize(out, registry_->Collect());
    return out.str();
}

namespace {

void append_number(std::string& out, double v) {
    char buf[32];
    auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, p);
}

void header(std::string& out, std::string_view name, std::string_view help) {
    out.append("# HELP ")
        .append(name)
        .append(" ")
        .append(help)
        .append("\n# TYPE ")
        .append(name)
        .append(" gauge\n");
}

// Lines of one per-indicator family for indicators [from, to); the header comes with from == 0.
template <typename Get>
void family(std::string& out, const IndicatorLabels& labels, std::string_view name,
            std::string_view help, std::size_t from, std::size_t to, Get get) {
    if (from == 0) header(out, name, help);
    for (std::size_t i = from; i < to; ++i) {
        const std::optional<double> v = get(i);
        if (!v) continue;
        out.append(name).append(labels[i]).append("} ");
        append_number(out, *v);
        out.push_back('\n');
    }
}

double seconds(TimePoint t) {
    return static_cast<double>(t.time_since_epoch().count()) / 1000.0;
}

}  // namespace

namespace {

using FamilyWriter = void (*)(std::string&, const Engine&, const IndicatorLabels&, TimePoint,
                              std::size_t, std::size_t);

// When the overdue report was due (absent when none is overdue).
std::optional<double> overdue_since(const Engine& e, std::size_t i) {
    const auto& ev = e.evaluation(i);
    if (ev.status != Status::overdue || !ev.overdue_period) return std::nullopt;
    return seconds(e.dues().due(*ev.overdue_period, e.plan().indicators[i].schedule));
}

// The per-indicator families, in exposition order.
constexpr FamilyWriter kFamilies[] = {
    // What a dashboard shows beside the numbers: the Chinese name and the measure unit (values of
    // different units share indicator_value), the cadence and the rule kind. Always 1.
    [](std::string& out, const Engine& e, const IndicatorLabels& l, TimePoint, std::size_t a,
       std::size_t b) {
        if (a == 0)
            header(out, "indicator_info",
                   "Indicator metadata (name, measure unit, cadence, rule kind); always 1.");
        const auto& inds = e.plan().indicators;
        for (std::size_t i = a; i < b; ++i) {
            const auto& ind = inds[i];
            out.append("indicator_info").append(l[i]).append(",name=\"");
            out.append(escape_label(ind.name)).append("\",measure=\"");
            out.append(escape_label(ind.measure)).append("\",cadence=\"");
            out.append(to_string(ind.schedule.cadence)).append("\",kind=\"");
            out.append(kind_name(ind.rule)).append("\"} 1\n");
        }
    },
    [](std::string& out, const Engine& e, const IndicatorLabels& l, TimePoint, std::size_t a,
       std::size_t b) {
        family(out, l, "indicator_value",
               "Latest reported value (newest revision of the latest period) of the indicator.", a,
               b, [&](std::size_t i) { return e.evaluation(i).value; });
    },
    [](std::string& out, const Engine& e, const IndicatorLabels& l, TimePoint, std::size_t a,
       std::size_t b) {
        family(out, l, "indicator_target", "Target the latest value is held against.", a, b,
               [&](std::size_t i) { return e.evaluation(i).target; });
    },
    [](std::string& out, const Engine& e, const IndicatorLabels& l, TimePoint, std::size_t a,
       std::size_t b) {
        family(out, l, "indicator_expected",
               "Expected-to-date value on the indicator's trajectory.", a, b,
               [&](std::size_t i) { return e.evaluation(i).expected; });
    },
    [](std::string& out, const Engine& e, const IndicatorLabels& l, TimePoint, std::size_t a,
       std::size_t b) {
        if (a == 0)
            header(out, "indicator_status",
                   "Current status of the indicator: 1 for the status it has, 0 for the others.");
        for (std::size_t i = a; i < b; ++i) {
            const auto current = e.evaluation(i).status;
            for (auto s : kAllStatuses) {
                out.append("indicator_status")
                    .append(l[i])
                    .append(",status=\"")
                    .append(to_string(s));
                out.append(s == current ? "\"} 1\n" : "\"} 0\n");
            }
        }
    },
    [](std::string& out, const Engine& e, const IndicatorLabels& l, TimePoint, std::size_t a,
       std::size_t b) {
        family(out, l, "indicator_last_report_timestamp_seconds",
               "When the latest counted value was reported (Unix time).", a, b,
               [&](std::size_t i) -> std::optional<double> {
                   const auto* last = e.series(i).latest();
                   return last ? std::optional<double>(seconds(last->reported_at)) : std::nullopt;
               });
    },
    [](std::string& out, const Engine& e, const IndicatorLabels& l, TimePoint, std::size_t a,
       std::size_t b) {
        family(out, l, "indicator_next_due_timestamp_seconds",
               "When the next report of the indicator is due (Unix time).", a, b,
               [&](std::size_t i) -> std::optional<double> {
                   const auto& d = e.evaluation(i).next_due;
                   return d ? std::optional<double>(seconds(*d)) : std::nullopt;
               });
    },
    [](std::string& out, const Engine& e, const IndicatorLabels& l, TimePoint, std::size_t a,
       std::size_t b) {
        family(out, l, "indicator_overdue",
               "1 if a report of the indicator is past its due date plus grace.", a, b,
               [&](std::size_t i) -> std::optional<double> {
                   return e.evaluation(i).status == Status::overdue ? 1.0 : 0.0;
               });
    },
    [](std::string& out, const Engine& e, const IndicatorLabels& l, TimePoint, std::size_t a,
       std::size_t b) {
        family(out, l, "indicator_overdue_since_timestamp_seconds",
               "When the overdue report was due (Unix time); absent while none is overdue.", a, b,
               [&](std::size_t i) { return overdue_since(e, i); });
    },
};

void write_unit_families(std::string& out, const Engine& e);
void write_member_family(std::string& out, const Engine& e, const IndicatorLabels& labels);

}  // namespace

IndicatorMetricsWriter::IndicatorMetricsWriter(std::shared_ptr<const Engine> engine, TimePoint now)
    : IndicatorMetricsWriter(engine, std::make_shared<const IndicatorLabels>(engine->plan_ptr()),
                             now) {}

IndicatorMetricsWriter::IndicatorMetricsWriter(std::shared_ptr<const Engine> engine,
                                               std::shared_ptr<const IndicatorLabels> labels,
                                               TimePoint now)
    : engine_(std::move(engine)), labels_(std::move(labels)), now_(now) {}

bool IndicatorMetricsWriter::next(std::string& out, std::size_t budget) {
    const Engine& e = *engine_;
    const auto n = e.plan().indicators.size();
    const auto start = out.size();
    constexpr std::size_t kStep = 1024;  // indicators per call of a family writer
    while (family_ < std::size(kFamilies)) {
        if (out.size() - start >= budget) return true;
        const auto to = std::min(n, index_ + kStep);
        kFamilies[family_](out, e, *labels_, now_, index_, to);
        index_ = to;
        if (index_ >= n) {
            ++family_;
            index_ = 0;
        }
    }
    if (!units_done_) {
        write_unit_families(out, e);
        write_member_family(out, e, *labels_);
        units_done_ = true;
    }
    return false;
}

void write_indicator_metrics(std::string& out, const Engine& e, TimePoint now) {
    out.reserve(out.size() + e.plan().indicators.size() * 1200);
    // a non-owning handle: the caller keeps `e` alive for this call
    IndicatorMetricsWriter w(std::shared_ptr<const Engine>(std::shared_ptr<const Engine>(), &e),
                             now);
    while (w.next(out, SIZE_MAX)) {
    }
}

namespace {

// The roll-up of each per-member indicator (各县(市、区)分别): its members by status, with the
// labels of the roll-up's own series (lead_unit is the group). Absent when the plan has none.
void write_member_family(std::string& out, const Engine& e, const IndicatorLabels& labels) {
    const auto& inds = e.plan().indicators;
    bool first = true;
    for (std::size_t i = 0; i < inds.size(); ++i) {
        if (!inds[i].rollup()) continue;
        if (first)
            header(out, "indicator_members",
                   "Members of a per-member indicator (one series per member) by their current "
                   "status.");
        first = false;
        const auto counts = count_members(inds[i], e.evaluations());
        for (auto st : kAllStatuses) {
            out.append("indicator_members").append(labels[i]);
            out.append(",status=\"").append(to_string(st)).append("\"} ");
            append_number(out, counts.of(st));
            out.push_back('\n');
        }
    }
}

// Per plan and lead unit: indicators by status, and overdue reports.
void write_unit_families(std::string& out, const Engine& e) {
    const auto& plan = e.plan();
    const auto n = plan.indicators.size();
    const auto& units = plan.units;
    const std::size_t plans = std::max<std::size_t>(plan.plans.size(), 1);
    using Counts = std::array<int, std::size(kAllStatuses)>;
    std::vector<Counts> counts(plans * units.size());  // [plan * units + unit]
    for (auto& c : counts) c.fill(0);
    for (std::size_t i = 0; i < n; ++i) {
        const auto& ind = plan.indicators[i];
        if (ind.rollup()) continue;  // its members count, each for itself
        auto it = plan.unit_index.find(ind.lead_unit);
        if (it != plan.unit_index.end() && ind.plan < plans)
            ++counts[ind.plan * units.size() + it->second]
                    [static_cast<std::size_t>(e.evaluation(i).status)];
    }
    std::vector<std::string> plan_labels;
    for (std::size_t p = 0; p < plans; ++p)
        plan_labels.push_back(escape_label(plan.plans.empty() ? plan.id : plan.plans[p].id));
    const auto total = [](const Counts& c) {
        int t = 0;
        for (int x : c) t += x;
        return t;
    };
    header(out, "indicator_unit_indicators", "Indicators a unit leads, by current status.");
    for (std::size_t p = 0; p < plans; ++p)
        for (std::size_t u = 0; u < units.size(); ++u) {
            const auto& c = counts[p * units.size() + u];
            if (total(c) == 0) continue;
            for (auto st : kAllStatuses) {
                out.append("indicator_unit_indicators{plan=\"")
                    .append(plan_labels[p])
                    .append("\",unit=\"")
                    .append(escape_label(units[u].id));
                out.append("\",status=\"").append(to_string(st)).append("\"} ");
                append_number(out, c[static_cast<std::size_t>(st)]);
                out.push_back('\n');
            }
        }
    header(out, "indicator_unit_overdue_reports",
           "Reports a unit owes that are past their due date plus grace.");
    for (std::size_t p = 0; p < plans; ++p)
        for (std::size_t u = 0; u < units.size(); ++u) {
            const auto& c = counts[p * units.size() + u];
            if (total(c) == 0) continue;
            out.append("indicator_unit_overdue_reports{plan=\"")
                .append(plan_labels[p])
                .append("\",unit=\"")
                .append(escape_label(units[u].id))
                .append("\"} ");
            append_number(out, c[static_cast<std::size_t>(Status::overdue)]);
            out.push_back('\n');
        }
}

}  // namespace

}  // namespace indicatord
