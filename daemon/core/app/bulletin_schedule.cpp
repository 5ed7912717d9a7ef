// The scheduled bulletins (`bulletins:` in the config, docs/bulletins.md "Schedules"): on each
// tick, the latest run of every schedule that is due by the daemon's clock and not yet recorded
// is computed as of its scheduled instant and queued in the outbox, in the transaction that
// records the run.
#include "report/bulletin_schedule.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/use_awaitable.hpp>

#include "alerts/bulletin_runs.hpp"
#include "app/app.hpp"
#include "config/scoring.hpp"
#include "eval/engine.hpp"
#include "http/metrics.hpp"
#include "notify/bulletin_mail.hpp"
#include "notify/deliverer.hpp"
#include "report/bulletin_load.hpp"
#include "store/store.hpp"
#include "util/percent_encoding.hpp"

namespace indicatord {

namespace asio = boost::asio;

asio::awaitable<void> App::run_bulletins() {
    if (config_.bulletins.empty()) co_return;
    auto guard = co_await lock_alerts();  // one pass at a time (tick, POST /-/clock)
    const std::shared_ptr<const Engine> engine = engine_;
    const auto& plan = engine->plan();
    const std::shared_ptr<const WorkCalendar> calendar(engine, engine->calendar());
    const auto now = clock_->now();
    for (const auto& s : config_.bulletins) {
        const auto index = bulletin_plan(plan, s.plan);
        if (!index) continue;  // load_rules refused it
        const bool several = *index < plan.plans.size();
        const auto plan_id = several ? plan.plans[*index].id : plan.id;
        const ScheduleYears years{several ? plan.plans[*index].year : plan.year,
                                  several ? plan.plans[*index].last_year : plan.end_year()};
        const auto run = latest_due_run(s, now, years, *calendar, engine->zone());
        if (!run) continue;
        const auto key = schedule_key(s, plan_id);
        if (bulletin_runs_done_.count(key + "\n" + run->period)) continue;
        std::string error;
        try {
            auto known = std::make_shared<BulletinRuns::Known>();
            std::function<void(Store&)> look = [this, known, key, period = run->period](Store&) {
                *known = bulletin_runs_->known(key, period);
            };
            co_await write(std::move(look));
            if (known->run) {
                bulletin_runs_done_.insert(key + "\n" + run->period);
                continue;
            }
            // A schedule seen for the first time starts with the runs after it: the one already
            // due is recorded as not sent (docs/bulletins.md, the catch-up rule).
            const BulletinRun record{key, run->period, run->at, known->schedule};
            std::vector<OutboxEntry> outbox;
            if (record.sent) {
                const auto scoring = find_scoring(config_.rules, plan_id);
                const auto* rules = scoring ? &*scoring : nullptr;
                const auto previous = previous_run(s, *run, years, *calendar, engine->zone());
                const auto bulletin =
                    previous ? bulletin_since(store_->reader(), engine->plan_ptr(), calendar,
                                              *index, run->at, previous->at, rules)
                             : bulletin_from_store(store_->reader(), engine->plan_ptr(), calendar,
                                                   *index, run->at, rules);
                BulletinSending sending;
                sending.schedule = key;
                sending.period = run->period;
                sending.to = s.to;
                sending.formats = s.formats;
                sending.link = config_.alerting.external_url +
                               "/bulletin?plan=" + percent_encode(plan_id) +
                               "&as_of=" + percent_encode(format_instant(run->at));
                if (previous)
                    sending.link += "&since=" + percent_encode(format_instant(previous->at));
                sending.smtp_from =
                    config_.alerting.smtp.url.empty() ? std::string() : config_.alerting.smtp.from;
                sending.created_at = now;
                outbox = bulletin_outbox(plan, bulletin, sending);
            }
            auto recorded = std::make_shared<bool>(false);
            std::function<void(Store&)> save = [this, record, outbox, recorded, now](Store&) {
                *recorded = bulletin_runs_->record(record, outbox, now);
            };
            co_await write(std::move(save));
            bulletin_runs_done_.insert(key + "\n" + run->period);
            if (!record.sent)
                spdlog::info(
                    "bulletin schedule {} begins: its run of {} was due at {}, before the schedule "
                    "was first seen, and is not sent; the next one is",
                    key, run->period, format_instant(run->at));
            else {
                metrics_->bulletin_runs_queued.Increment();
                spdlog::info("bulletin {} of {} as of {} queued for {} receiver(s)", key,
                             run->period, format_instant(run->at), outbox.size());
            }
            if (!outbox.empty()) deliverer_->wake();
        } catch (const std::exception& e) {
            error = e.what();
        }
        if (!error.empty()) {
            metrics_->bulletin_runs_failed.Increment();
            spdlog::error("bulletin {} of {}: {} (tried again at the next evaluation)", key,
                          run->period, error);
        }
    }
}

}  // namespace indicatord
