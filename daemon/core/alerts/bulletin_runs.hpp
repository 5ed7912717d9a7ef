#pragma once

#include <string>
#include <vector>

#include "alerts/alert_store.hpp"
#include "model/clock.hpp"
#include "store/sqlite.hpp"

namespace indicatord {

/// A run of a scheduled bulletin to record (docs/bulletins.md, "Schedules").
struct BulletinRun {
    std::string schedule;  ///< schedule_key(): "lishui-2023/month/5wd"
    std::string period;    ///< "2023-07"
    TimePoint as_of{};     ///< the scheduled instant
    bool sent = true;      ///< false: due before the schedule was first seen, not sent
};

/// The `bulletin_run` table, on the Store's write connection: which runs of the schedules were
/// queued. Threads: the writer thread only (work passed to Committer::post / async_run).
class BulletinRuns {
  public:
    explicit BulletinRuns(sqlite::Database& writer);

    struct Known {
        bool run = false;       ///< this run is recorded
        bool schedule = false;  ///< some run of the schedule is recorded
    };
    Known known(const std::string& schedule, const std::string& period);
    /// In one transaction: the run and its notifications, created and due at `now`. false (and
    /// nothing written) when the run was recorded before.
    bool record(const BulletinRun& run, const std::vector<OutboxEntry>& outbox, TimePoint now);

  private:
    sqlite::Database& db_;
    sqlite::Statement find_run_;
    sqlite::Statement find_schedule_;
    sqlite::Statement insert_run_;
    sqlite::Statement insert_outbox_;
};

}  // namespace indicatord
