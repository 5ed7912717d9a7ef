#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "alerts/alerts.hpp"
#include "store/sqlite.hpp"

namespace indicatord {

/// A notification ready for the outbox: rendered payload for one channel and target.
struct OutboxEntry {
    std::string receiver;
    std::string channel;  ///< email | generic | dingtalk | wecom | feishu
    std::string target;   ///< email address or webhook URL
    std::string secret_file;
    std::string idempotency_key;
    std::string payload;
    /// What the message is about: (indicator key, alert kind) of each alert it carries, kept in
    /// the notice table so that an indicator's page lists the notifications sent about it.
    std::vector<std::pair<std::string, std::string>> about;
};

/// A chase (催办) to store: the indicator, the period it was overdue for (or empty), who and why.
struct NewChase {
    std::string indicator;
    std::string period;
    std::string author;
    std::string comment;
    TimePoint created_at{};
};

/// Alert, silence and outbox tables, on the Store's write connection. Threads: the load
/// methods only before the Committer's writer thread starts (App::run, start-up); every other
/// method only on the writer thread (work passed to Committer::post / async_run).
class AlertStore {
  public:
    explicit AlertStore(sqlite::Database& writer);

    /// Every stored alert, by fingerprint (the Alerter's table: built once, not from a vector).
    std::unordered_map<std::string, AlertState> load_alerts();
    std::vector<Silence> load_silences();

    /// In one transaction: the changed alert states and the notifications they queue, the
    /// notifications created and due at `now` (the daemon's Clock, which delivery reads too).
    /// The states are read where they are (Alerter::Step::changed): nothing may change them
    /// until save returns.
    void save(const std::vector<const AlertState*>& changed, const std::vector<OutboxEntry>& outbox,
              TimePoint now);
    /// In one transaction: the chase and the notifications it queues; returns the chase's id.
    std::int64_t add_chase(const NewChase& chase, const std::vector<OutboxEntry>& outbox);
    /// Inserts a silence; returns its id.
    std::int64_t add_silence(const Silence& s);
    void update_silence_end(std::int64_t id, TimePoint ends_at);

  private:
    /// The outbox rows and their notice rows (inside the caller's transaction).
    void insert_outbox(const std::vector<OutboxEntry>& outbox, TimePoint now);

    sqlite::Database& db_;
    sqlite::Statement upsert_alert_;
    sqlite::Statement insert_outbox_;
    sqlite::Statement insert_notice_;
    sqlite::Statement insert_chase_;
};

}  // namespace indicatord
