#include "alerts/bulletin_runs.hpp"

namespace indicatord {

BulletinRuns::BulletinRuns(sqlite::Database& writer)
    : db_(writer),
      find_run_(writer, "SELECT 1 FROM bulletin_run WHERE schedule = ? AND period = ?"),
      find_schedule_(writer, "SELECT 1 FROM bulletin_run WHERE schedule = ? LIMIT 1"),
      insert_run_(writer,
                  "INSERT OR IGNORE INTO bulletin_run (schedule, period, as_of, sent, created_at) "
                  "VALUES (?,?,?,?,?)"),
      insert_outbox_(writer,
                     "INSERT OR IGNORE INTO outbox (receiver, channel, target, secret_file, "
                     "idempotency_key, payload, created_at, next_attempt_at) VALUES "
                     "(?,?,?,?,?,?,?,?)") {}

BulletinRuns::Known BulletinRuns::known(const std::string& schedule, const std::string& period) {
    Known k;
    {
        sqlite::Reset r(find_run_);
        k.run = find_run_.bind(1, schedule).bind(2, period).step();
    }
    sqlite::Reset r(find_schedule_);
    k.schedule = find_schedule_.bind(1, schedule).step();
    return k;
}

bool BulletinRuns::record(const BulletinRun& run, const std::vector<OutboxEntry>& outbox,
                          TimePoint now) {
    db_.exec("BEGIN IMMEDIATE");
    try {
        {
            sqlite::Reset r(insert_run_);
            insert_run_.bind(1, run.schedule)
                .bind(2, run.period)
                .bind(3, to_millis(run.as_of))
                .bind(4, static_cast<std::int64_t>(run.sent))
                .bind(5, to_millis(now));
            insert_run_.step();
        }
        if (sqlite3_changes(db_.get()) != 1) {
            db_.exec("ROLLBACK");
            return false;
        }
        for (const auto& o : outbox) {
            sqlite::Reset r(insert_outbox_);
            insert_outbox_.bind(1, o.receiver)
                .bind(2, o.channel)
                .bind(3, o.target)
                .bind(4, o.secret_file)
                .bind(5, o.idempotency_key)
                .bind(6, o.payload)
                .bind(7, to_millis(now))
                .bind(8, to_millis(now));
            insert_outbox_.step();
        }
        db_.exec("COMMIT");
        return true;
    } catch (...) {
        if (!sqlite3_get_autocommit(db_.get())) {
            try {
                db_.exec("ROLLBACK");
            } catch (...) {
            }
        }
        throw;
    }
}

}  // namespace indicatord
