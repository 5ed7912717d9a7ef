// GET /metrics: the daemon's own metrics, then the per-indicator families streamed in parts.
#include "eval/engine.hpp"
#include "http/metrics.hpp"
#include "http/review_metrics.hpp"
#include "http/service.hpp"

namespace indicatord {

HttpResponse Service::get_metrics() const {
    HttpResponse r;
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = d_.metrics.serialize();
    if (d_.reviews) r.body += review_metrics(*d_.reviews, d_.clock.now());  // docs/review.md
    // The per-indicator families go out in parts of about 1 MB: a scrape of 100,000 indicators
    // (~120 MB of text) never sits in memory whole.
    auto engine = d_.engine_snapshot();
    // The label text is built once per plan, not per scrape.
    if (!labels_ || labels_->plan() != &engine->plan())
        labels_ = std::make_shared<const IndicatorLabels>(engine->plan_ptr());
    auto writer =
        std::make_shared<IndicatorMetricsWriter>(std::move(engine), labels_, d_.clock.now());
    r.chunks = [writer](std::string& out) { return writer->next(out, 1 << 20); };
    return r;
}

}  // namespace indicatord
