// Evaluation and /metrics cost at 10k, 100k and 1M synthetic indicators, on one core, in one run.
// Not a test: see docs/benchmarks.md. Usage: eval_bench CALENDARS_DIR [max_indicators]
// (bench/smoke.sh runs it with max_indicators 10000). Checks, exit status 1 when one fails: every
// indicator is rendered once per family, the values recorded show up, and the indicators left
// without values (every seventh) are overdue while others are not.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "eval/engine.hpp"
#include "http/metrics.hpp"
#include "model/calendar.hpp"

using namespace indicatord;

namespace {

// A plan of n indicators of mixed kinds, in tasks of 10, led by 100 units.
std::shared_ptr<const Plan> synthetic_plan(std::size_t n) {
    auto plan = std::make_shared<Plan>();
    plan->id = "bench";
    plan->name = "bench";
    plan->year = 2023;
    plan->timezone = "Asia/Shanghai";
    for (int u = 0; u < 100; ++u) {
        Unit unit;
        unit.id = "u" + std::to_string(u);
        unit.name = unit.id;
        plan->unit_index[unit.id] = plan->units.size();
        plan->units.push_back(unit);
    }
    for (std::size_t i = 0; i < n; ++i) {
        if (i % 10 == 0) {
            Task t;
            t.number = static_cast<int>(i / 10 + 1);
            t.leads = {"u" + std::to_string((i / 10) % 100)};
            plan->task_index[t.number] = plan->tasks.size();
            plan->tasks.push_back(t);
        }
        Indicator ind;
        ind.key = "i" + std::to_string(i);
        ind.name = ind.key;
        ind.task = static_cast<int>(i / 10 + 1);
        ind.lead_unit = plan->tasks.back().leads.front();
        ind.schedule.cadence = Cadence::quarter;
        ind.ytd = true;
        switch (i % 20) {
            case 0:
            case 1:
            case 2:
            case 3:
            case 4:
            case 5:
            case 6:
            case 7:
                ind.rule = rule::Threshold{Op::ge, 6, 0};
                break;
            case 8:
            case 9:
            case 10:
            case 11:
                ind.rule = rule::Cumulative{100, {}, 10};
                break;
            case 12:
            case 13: {
                rule::Milestones m;
                m.milestones = {{date::year{2023} / 3 / 31, Op::ge, 30},
                                {date::year{2023} / 6 / 30, Op::ge, 60},
                                {date::year{2023} / 9 / 30, Op::ge, 85}};
                ind.rule = m;
                break;
            }
            case 14:
            case 15:
                ind.rule = rule::Achievement{date::year{2023} / 12 / 31};
                ind.schedule.cadence = Cadence::once;
                break;
            case 16:
            case 17:
            case 18:
                ind.rule = rule::Report{};
                break;
            default: {
                // an expression over the two thresholds before it
                rule::Expression e;
                e.expr = "i" + std::to_string(i - 19) + " > i" + std::to_string(i - 18);
                e.inputs = {"i" + std::to_string(i - 19), "i" + std::to_string(i - 18)};
                std::sort(e.inputs.begin(), e.inputs.end());
                // what the loader fills in (eval/kinds/expression.cpp): each input's shape
                for (const auto& in : e.inputs) {
                    const auto& input = plan->indicators[plan->indicator_index.at(in)];
                    e.shapes.push_back(SeriesShape{input.schedule, input.ytd});
                }
                ind.rule = e;
            }
        }
        plan->tasks.back().indicators.push_back(plan->indicators.size());
        plan->indicator_index[ind.key] = plan->indicators.size();
        plan->indicators.push_back(std::move(ind));
    }
    return plan;
}

long rss_kb() {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
    return 0;
}

double seconds_since(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

// Lines of `text` that start with `prefix`.
std::size_t count_lines(const std::string& text, std::string_view prefix) {
    std::size_t n = 0;
    for (std::size_t pos = 0; pos < text.size();) {
        if (std::string_view(text).substr(pos, prefix.size()) == prefix) ++n;
        const auto end = text.find('\n', pos);
        if (end == std::string::npos) break;
        pos = end + 1;
    }
    return n;
}

int failures = 0;
void check(bool ok, std::size_t n, const std::string& what) {
    if (ok) return;
    std::fprintf(stderr, "eval_bench: CHECK FAILED at %zu indicators: %s\n", n, what.c_str());
    ++failures;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: eval_bench CALENDARS_DIR [max_indicators]\n");
        return 2;
    }
    const auto calendar = std::make_shared<const WorkCalendar>(WorkCalendar::load({argv[1]}));
    const std::size_t max = argc > 2 ? std::stoul(argv[2]) : 1000000;
    const auto now = *parse_instant("2023-10-25T09:00:00+08:00");
    std::printf("%-12s %14s %14s %12s %14s %12s\n", "indicators", "tick (ms)", "ns/indicator",
                "metrics (ms)", "metrics (MB)", "RSS (MB)");
    for (std::size_t n : {std::size_t{10000}, std::size_t{100000}, std::size_t{1000000}}) {
        if (n > max) break;
        const long rss_before = rss_kb();
        Engine engine(synthetic_plan(n), calendar);
        // a year of values: Q1..Q3 for most, skipping some so that overdue shows up
        for (std::size_t i = 0; i < n; ++i) {
            const auto& ind = engine.plan().indicators[i];
            if (ind.derived() || i % 7 == 0) continue;
            if (ind.schedule.cadence == Cadence::once) {
                if (i % 3 == 0)
                    engine.record(i, Observation{Period{Cadence::year, 2023, 0}, 1, 1, now});
                continue;
            }
            for (int q = 1; q <= 3; ++q)
                engine.record(i, Observation{Period{Cadence::quarter, 2023, q},
                                             static_cast<double>((i % 100) + q * 10), 1, now});
        }
        engine.evaluate_all(now);  // warm-up (due-date memo)
        std::vector<double> ticks;
        for (int r = 0; r < 5; ++r) {
            const auto t = std::chrono::steady_clock::now();
            engine.evaluate_all(now + std::chrono::minutes(r));
            ticks.push_back(seconds_since(t));
        }
        std::sort(ticks.begin(), ticks.end());
        const double tick = ticks[ticks.size() / 2];
        std::string text;
        const auto t = std::chrono::steady_clock::now();
        write_indicator_metrics(text, engine, now);
        const double metrics = seconds_since(t);
        const long rss = rss_kb() - rss_before;
        std::size_t overdue = 0, overdue_expected = 0;
        for (std::size_t i = 0; i < n; ++i) {
            overdue += engine.evaluation(i).status == Status::overdue;
            overdue_expected += i % 7 == 0 &&
                                engine.plan().indicators[i].schedule.cadence == Cadence::quarter &&
                                !engine.plan().indicators[i].derived();
        }
        check(count_lines(text, "indicator_overdue{") == n, n,
              "indicator_overdue series != indicators");
        check(count_lines(text, "indicator_status{") == n * std::size(kAllStatuses), n,
              "indicator_status series != indicators x statuses");
        check(count_lines(text, "indicator_value{") > n / 2, n,
              "fewer indicator_value series than values recorded");
        check(overdue >= overdue_expected && overdue < n, n,
              "overdue " + std::to_string(overdue) + ", expected at least " +
                  std::to_string(overdue_expected) +
                  " (quarterly indicators without values) and not all");
        std::printf("%-12zu %14.1f %14.1f %12.1f %14.1f %12.1f\n", n, tick * 1e3,
                    tick * 1e9 / static_cast<double>(n), metrics * 1e3,
                    static_cast<double>(text.size()) / 1e6, static_cast<double>(rss) / 1024.0);
    }
    return failures ? 1 : 0;
}
