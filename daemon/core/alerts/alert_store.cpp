#include "alerts/alert_store.hpp"

#include <algorithm>
#include <boost/json.hpp>

#include "util/errors.hpp"
#include "util/json_text.hpp"

namespace indicatord {

namespace {

void bind_opt(sqlite::Statement& s, int i, const std::optional<TimePoint>& t) {
    if (t)
        s.bind(i, to_millis(*t));
    else
        s.bind_null(i);
}

std::optional<TimePoint> opt(sqlite::Statement& s, int col) {
    if (s.is_null(col)) return std::nullopt;
    return from_millis(s.int64(col));
}

}  // namespace

AlertStore::AlertStore(sqlite::Database& writer)
    : db_(writer),
      // An upsert, not INSERT OR REPLACE: the row is updated where it is instead of deleted and
      // inserted again (a restart resolving 100,000 alerts rewrites them all).
      upsert_alert_(writer,
                    "INSERT INTO alert (fingerprint, indicator, kind, phase, period, "
                    "started_at, firing_at, "
                    "resolved_at, last_notified_at, resolved_notified, escalation_level, acked_by, "
                    "ack_comment, acked_at) "
                    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (fingerprint) DO UPDATE SET "
                    "indicator = excluded.indicator, kind = excluded.kind, phase = excluded.phase, "
                    "period = excluded.period, started_at = excluded.started_at, "
                    "firing_at = excluded.firing_at, resolved_at = excluded.resolved_at, "
                    "last_notified_at = excluded.last_notified_at, "
                    "resolved_notified = excluded.resolved_notified, "
                    "escalation_level = excluded.escalation_level, acked_by = excluded.acked_by, "
                    "ack_comment = excluded.ack_comment, acked_at = excluded.acked_at"),
      insert_outbox_(writer,
                     "INSERT OR IGNORE INTO outbox (receiver, channel, target, secret_file, "
                     "idempotency_key, payload, "
                     "created_at, next_attempt_at) VALUES (?,?,?,?,?,?,?,?)"),
      insert_notice_(writer,
                     "INSERT OR IGNORE INTO notice (outbox_id, indicator, kind) VALUES (?,?,?)"),
      insert_chase_(writer,
                    "INSERT INTO chase (indicator, period, author, comment, created_at) VALUES "
                    "(?,?,?,?,?)") {}

std::unordered_map<std::string, AlertState> AlertStore::load_alerts() {
    std::unordered_map<std::string, AlertState> out;
    {
        // Sized first: no rehash as 100,000 alerts go in. (They went into a vector first, grown
        // as it was read, then moved into the Alerter's table: 15 % of a restart's CPU.)
        sqlite::Statement count(db_, "SELECT count(*) FROM alert");
        count.step();
        out.reserve(static_cast<std::size_t>(count.int64(0)));
    }
    sqlite::Statement q(
        db_,
        "SELECT fingerprint, indicator, kind, phase, period, started_at, firing_at, resolved_at, "
        "last_notified_at, resolved_notified, escalation_level, acked_by, ack_comment, acked_at "
        "FROM alert");
    while (q.step()) {
        auto& a = out.try_emplace(std::string(q.text(0))).first->second;
        a.fingerprint = q.text(0);
        a.indicator = q.text(1);
        a.kind = parse_alert_kind(q.text(2)).value_or(AlertKind::overdue);
        const auto phase = q.text(3);
        a.phase = phase == "firing"     ? AlertState::Phase::firing
                  : phase == "resolved" ? AlertState::Phase::resolved
                                        : AlertState::Phase::pending;
        a.period = q.text(4);
        a.started_at = from_millis(q.int64(5));
        a.firing_at = opt(q, 6);
        a.resolved_at = opt(q, 7);
        a.last_notified_at = opt(q, 8);
        a.resolved_notified = q.int64(9) != 0;
        a.escalation_level = static_cast<int>(q.int64(10));
        a.acked_by = q.text(11);
        a.ack_comment = q.text(12);
        a.acked_at = opt(q, 13);
    }
    return out;
}

std::vector<Silence> AlertStore::load_silences() {
    sqlite::Statement q(
        db_, "SELECT id, matchers, starts_at, ends_at, author, comment, created_at FROM silence");
    std::vector<Silence> out;
    while (q.step()) {
        Silence s;
        s.id = q.int64(0);
        boost::system::error_code ec;
        auto m = boost::json::parse(q.text(1), ec);
        if (!ec && m.is_object())
            for (const auto& kv : m.as_object())
                if (kv.value().is_string()) s.matchers[kv.key()] = kv.value().as_string();
        s.starts_at = from_millis(q.int64(2));
        s.ends_at = from_millis(q.int64(3));
        s.author = q.text(4);
        s.comment = q.text(5);
        s.created_at = from_millis(q.int64(6));
        out.push_back(std::move(s));
    }
    return out;
}

void AlertStore::save(const std::vector<const AlertState*>& changed,
                      const std::vector<OutboxEntry>& outbox, TimePoint now) {
    if (changed.empty() && outbox.empty()) return;
    // In the order given: Alerter::step gives them by fingerprint, so that 100,000 upserts (a
    // start that raises an alert for every indicator) go to the table's B-tree in key order,
    // touching far fewer pages. Checking that order here read 100,000 scattered alerts (a fifth
    // of this save's time); any order stores the same rows, the later of two changes of one alert
    // last.
    db_.exec("BEGIN IMMEDIATE");
    try {
        for (const auto* p : changed) {
            const auto& a = *p;
            sqlite::Reset r(upsert_alert_);
            // Not copied: the alert and its strings outlive the statement's reset (r).
            upsert_alert_.bind_static(1, a.fingerprint)
                .bind_static(2, a.indicator)
                .bind_static(3, to_string(a.kind))
                .bind_static(4, to_string(a.phase))
                .bind_static(5, a.period)
                .bind(6, to_millis(a.started_at));
            bind_opt(upsert_alert_, 7, a.firing_at);
            bind_opt(upsert_alert_, 8, a.resolved_at);
            bind_opt(upsert_alert_, 9, a.last_notified_at);
            upsert_alert_.bind(10, static_cast<std::int64_t>(a.resolved_notified))
                .bind(11, static_cast<std::int64_t>(a.escalation_level))
                .bind(12, a.acked_by)
                .bind(13, a.ack_comment);
            bind_opt(upsert_alert_, 14, a.acked_at);
            upsert_alert_.step();
        }
        insert_outbox(outbox, now);
        db_.exec("COMMIT");
    } catch (...) {
        // SQLite may have rolled back already (a full disk does): a ROLLBACK would then fail with
        // "no transaction is active" and hide the real cause, which is what propagates.
        if (!sqlite3_get_autocommit(db_.get())) {
            try {
                db_.exec("ROLLBACK");
            } catch (...) {
            }
        }
        throw;
    }
}

void AlertStore::insert_outbox(const std::vector<OutboxEntry>& outbox, TimePoint now) {
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
        if (sqlite3_changes(db_.get()) != 1) continue;  // queued before (same idempotency key)
        const auto id = sqlite3_last_insert_rowid(db_.get());
        for (const auto& [indicator, kind] : o.about) {
            sqlite::Reset n(insert_notice_);
            insert_notice_.bind(1, static_cast<std::int64_t>(id)).bind(2, indicator).bind(3, kind);
            insert_notice_.step();
        }
    }
}

std::int64_t AlertStore::add_chase(const NewChase& c, const std::vector<OutboxEntry>& outbox) {
    db_.exec("BEGIN IMMEDIATE");
    try {
        {
            sqlite::Reset r(insert_chase_);
            insert_chase_.bind(1, c.indicator)
                .bind(2, c.period)
                .bind(3, c.author)
                .bind(4, c.comment)
                .bind(5, to_millis(c.created_at));
            insert_chase_.step();
        }
        const auto id = sqlite3_last_insert_rowid(db_.get());
        insert_outbox(outbox, c.created_at);
        db_.exec("COMMIT");
        return id;
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

std::int64_t AlertStore::add_silence(const Silence& s) {
    boost::json::object m;
    for (const auto& [k, v] : s.matchers) m[k] = v;
    sqlite::Statement q(db_,
                        "INSERT INTO silence (matchers, starts_at, ends_at, author, comment, "
                        "created_at) VALUES (?,?,?,?,?,?)");
    q.bind(1, json_text(m))
        .bind(2, to_millis(s.starts_at))
        .bind(3, to_millis(s.ends_at))
        .bind(4, s.author)
        .bind(5, s.comment)
        .bind(6, to_millis(s.created_at));
    q.step();
    return sqlite3_last_insert_rowid(db_.get());
}

void AlertStore::update_silence_end(std::int64_t id, TimePoint ends_at) {
    sqlite::Statement q(db_, "UPDATE silence SET ends_at = ? WHERE id = ?");
    q.bind(1, to_millis(ends_at)).bind(2, id);
    q.step();
}

}  // namespace indicatord
