#pragma once

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "model/clock.hpp"

namespace indicatord {

class Engine;
struct Plan;

/// Escapes a Prometheus label value (\\, \", \n).
std::string escape_label(std::string_view value);

/// The Prometheus label set of each indicator of one plan,
/// `{plan="…",task="…",indicator="…",unit="…"` (`unit` the lead unit) (no closing brace: a family
/// may add labels), built once per plan and shared by the scrapes of that plan. Immutable.
class IndicatorLabels {
  public:
    explicit IndicatorLabels(std::shared_ptr<const Plan> plan);
    /// The plan the labels were built from (held, so that its address identifies it).
    const Plan* plan() const { return plan_.get(); }
    const std::string& operator[](std::size_t indicator) const { return labels_[indicator]; }

  private:
    std::shared_ptr<const Plan> plan_;
    std::vector<std::string> labels_;
};

/// The daemon's own metrics (indicatord_*), kept in a prometheus-cpp registry.
/// prometheus-cpp metrics are thread-safe.
class SelfMetrics {
    // Declared first: the metric references below are built from it.
    std::shared_ptr<prometheus::Registry> registry_ = std::make_shared<prometheus::Registry>();
    prometheus::Family<prometheus::Counter>& checkpoints_;  ///< before the counters built on it

  public:
    explicit SelfMetrics(std::string_view version);

    prometheus::Counter& values_accepted;
    prometheus::Counter& values_rejected;
    prometheus::Counter& requests_rejected;
    prometheus::Histogram& evaluation_duration;
    prometheus::Gauge& indicators;
    prometheus::Counter& commits;
    /// WAL checkpoints by who ran them: the checkpointer's thread, or a commit of the writer
    /// past the inline bound (a long reader pins the log, or the thread is behind).
    prometheus::Counter& checkpoints_background;
    prometheus::Counter& checkpoints_on_writer;
    prometheus::Gauge& reload_success;
    prometheus::Gauge& reload_time;

    prometheus::Gauge& outbox_depth;
    /// when the oldest pending notification was queued (Unix time), 0 when none is pending
    prometheus::Gauge& outbox_oldest_pending;
    /// scheduled bulletins (`bulletins:`) queued in the outbox, and runs that failed to be
    /// computed or stored (tried again at the next evaluation)
    prometheus::Counter& bulletin_runs_queued;
    prometheus::Counter& bulletin_runs_failed;

    /// Counts one notification attempt by channel and outcome (delivered, retry, give_up).
    void count_notification(const std::string& channel, int outcome);
    /// Sets indicatord_alerts{state,kind} from counts keyed by (state, kind).
    void set_alert_counts(const std::map<std::pair<std::string, std::string>, int>& counts);
    /// Sets indicatord_calendar_weekends_only{year} to 1 for exactly these years (the loaded
    /// plan's year, when its calendar file says weekends_only), dropping the others.
    void set_weekends_only_years(const std::vector<int>& years);

    /// Counts one HTTP response by route (route_label) and status code.
    void count_response(std::string_view route, unsigned status);
    /// Counts one response of the web console by page (board, indicator, desk, units, report,
    /// report_csv, alerts, silences, ack, signin, signout, static, other) and status code.
    void count_web_response(std::string_view page, unsigned status);

    /// Text exposition of the registry (TextSerializer).
    std::string serialize() const;

  private:
    prometheus::Family<prometheus::Counter>& http_requests_;
    /// The counters count_response found, by route and status: Family::Add builds a label map
    /// and searches the family under its lock, on every request. Routes are route_label's
    /// bounded set; so are the statuses we answer.
    struct ResponseCounter {
        std::string route;
        unsigned status;
        prometheus::Counter* counter;
    };
    std::vector<ResponseCounter> response_counters_;
    std::mutex response_counters_mutex_;
    prometheus::Family<prometheus::Counter>& web_requests_;
    prometheus::Family<prometheus::Counter>& notifications_;
    prometheus::Family<prometheus::Gauge>& alerts_;
    prometheus::Family<prometheus::Gauge>& weekends_only_;
    std::vector<prometheus::Gauge*> weekends_only_years_;
};

/// Appends the per-indicator families (indicator_*) in the Prometheus text format, written
/// straight from the engine's evaluations: no per-series objects.
void write_indicator_metrics(std::string& out, const Engine& engine, TimePoint now);

/// The same text in parts, so that a scrape of many indicators is streamed (chunked) instead of
/// held whole in memory. Holds the engine it writes from until it is done.
class IndicatorMetricsWriter {
  public:
    /// Builds the engine's plan's labels itself.
    IndicatorMetricsWriter(std::shared_ptr<const Engine> engine, TimePoint now);
    /// `labels` must be those of the engine's plan.
    IndicatorMetricsWriter(std::shared_ptr<const Engine> engine,
                           std::shared_ptr<const IndicatorLabels> labels, TimePoint now);
    /// Appends the next part (at least about `budget` bytes unless it is the last); false once
    /// everything has been written.
    bool next(std::string& out, std::size_t budget);

  private:
    std::shared_ptr<const Engine> engine_;
    std::shared_ptr<const IndicatorLabels> labels_;
    TimePoint now_;
    std::size_t family_ = 0;
    std::size_t index_ = 0;
    bool units_done_ = false;
};

}  // namespace indicatord
