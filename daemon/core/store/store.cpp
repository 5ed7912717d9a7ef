#include "store/store.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "eval/engine.hpp"
#include "util/errors.hpp"

namespace indicatord {

namespace {

// Each entry moves the schema from version i to i+1. Never edit a released entry: append.
constexpr std::string_view kMigrations[] = {
    R"sql(
CREATE TABLE indicator (
    key        TEXT PRIMARY KEY,
    created_at INTEGER NOT NULL DEFAULT (unixepoch())
) WITHOUT ROWID;
CREATE TABLE observation (
    id          INTEGER PRIMARY KEY,
    indicator   TEXT NOT NULL REFERENCES indicator(key),
    period      TEXT NOT NULL,
    revision    INTEGER NOT NULL,
    value       REAL NOT NULL,
    note        TEXT NOT NULL DEFAULT '',
    reported_at INTEGER NOT NULL,  -- unix milliseconds
    reporter    TEXT NOT NULL DEFAULT '',
    UNIQUE (indicator, period, revision)
);
)sql",
    R"sql(
CREATE TABLE alert (
    fingerprint       TEXT PRIMARY KEY,
    indicator         TEXT NOT NULL,
    kind              TEXT NOT NULL,
    phase             TEXT NOT NULL,      -- pending | firing | resolved
    period            TEXT NOT NULL DEFAULT '',
    started_at        INTEGER NOT NULL,   -- unix milliseconds, plan clock
    firing_at         INTEGER,
    resolved_at       INTEGER,
    last_notified_at  INTEGER,
    resolved_notified INTEGER NOT NULL DEFAULT 0,
    escalation_level  INTEGER NOT NULL DEFAULT 0,
    acked_by          TEXT NOT NULL DEFAULT '',
    ack_comment       TEXT NOT NULL DEFAULT '',
    acked_at          INTEGER
) WITHOUT ROWID;
CREATE TABLE silence (
    id         INTEGER PRIMARY KEY,
    matchers   TEXT NOT NULL,             -- JSON object label -> value
    starts_at  INTEGER NOT NULL,
    ends_at    INTEGER NOT NULL,
    author     TEXT NOT NULL,
    comment    TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    receiver        TEXT NOT NULL,        -- unit id / receiver index
    channel         TEXT NOT NULL,        -- email | generic | dingtalk | wecom | feishu
    target          TEXT NOT NULL,        -- address or URL
    secret_file     TEXT NOT NULL DEFAULT '',
    idempotency_key TEXT NOT NULL UNIQUE,
    payload         TEXT NOT NULL,
    created_at      INTEGER NOT NULL,     -- unix milliseconds, wall clock
    next_attempt_at INTEGER NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    state           TEXT NOT NULL DEFAULT 'pending',  -- pending | delivered | failed
    last_error      TEXT NOT NULL DEFAULT '',
    delivered_at    INTEGER
);
CREATE INDEX outbox_pending ON outbox (state, next_attempt_at);
)sql",
    // The newest revision of every (indicator, period), kept apart so that start-up reads one row
    // per period instead of seeking through every stored revision (docs/benchmarks.md). Written
    // in the same transaction as each observation (Store::append). An existing database gets it
    // filled from its observations here: of each group, MAX(revision) makes SQLite take the bare
    // columns from the row holding the maximum.
    R"sql(
CREATE TABLE latest (
    indicator   TEXT NOT NULL,
    period      TEXT NOT NULL,
    revision    INTEGER NOT NULL,
    value       REAL NOT NULL,
    reported_at INTEGER NOT NULL,  -- unix milliseconds
    PRIMARY KEY (indicator, period)
) WITHOUT ROWID;
INSERT INTO latest (indicator, period, revision, value, reported_at)
SELECT indicator, period, MAX(revision), value, reported_at FROM observation
GROUP BY indicator, period;
)sql",
    // What each notification was about (an indicator page lists the notifications sent about
    // it), and the office's chases (催办), each written in the transaction of its outbox rows.
    R"sql(
CREATE TABLE notice (
    outbox_id INTEGER NOT NULL REFERENCES outbox (id) ON DELETE CASCADE,
    indicator TEXT NOT NULL,
    kind      TEXT NOT NULL,      -- reminder | overdue | at_risk | missed | chase
    PRIMARY KEY (indicator, outbox_id)
) WITHOUT ROWID;
CREATE TABLE chase (
    id         INTEGER PRIMARY KEY,
    indicator  TEXT NOT NULL,
    period     TEXT NOT NULL DEFAULT '',
    author     TEXT NOT NULL,
    comment    TEXT NOT NULL,
    created_at INTEGER NOT NULL    -- unix milliseconds, the daemon's clock
);
CREATE INDEX chase_indicator ON chase (indicator, created_at);
)sql",
    // The runs of the scheduled bulletins (`bulletins:` in the config, docs/bulletins.md): one row
    // per schedule and period, written in the transaction of the run's outbox rows, so that a run
    // is queued once whatever the daemon's restarts. `sent` 0: the run was due before the
    // schedule was first seen and is not sent.
    R"sql(
CREATE TABLE bulletin_run (
    schedule   TEXT NOT NULL,     -- plan/every/on, e.g. lishui-2023/month/5wd
    period     TEXT NOT NULL,     -- 2023-07, 2023-Q3, 2023-W27
    as_of      INTEGER NOT NULL,  -- unix milliseconds: the scheduled instant
    sent       INTEGER NOT NULL,
    created_at INTEGER NOT NULL,  -- unix milliseconds, the daemon's clock
    PRIMARY KEY (schedule, period)
) WITHOUT ROWID;
)sql",
    // Review (实绩审核) and evidence (佐证材料), docs/review.md: a value of an indicator under
    // review is a submission until approved (then it is appended to observation); every step
    // with who, when and comment; evidence files as blobs in the submission's transaction.
    R"sql(
CREATE TABLE submission (
    id          INTEGER PRIMARY KEY,
    indicator   TEXT NOT NULL,
    period      TEXT NOT NULL,
    value       REAL NOT NULL,
    note        TEXT NOT NULL DEFAULT '',
    reported_at INTEGER NOT NULL,     -- unix milliseconds, the daemon's clock
    reporter    TEXT NOT NULL,
    unit        TEXT NOT NULL DEFAULT '',  -- the reporting unit's id ('' admin)
    reviewer    TEXT NOT NULL,        -- 'office' or a unit id
    state       TEXT NOT NULL,        -- submitted | approved | returned | superseded
    due_at      INTEGER NOT NULL,     -- the review is due by then
    revision    INTEGER               -- the observation's revision, once approved
);
CREATE INDEX submission_state ON submission (state, reported_at);
CREATE INDEX submission_indicator ON submission (indicator, period);
CREATE TABLE review_step (
    id         INTEGER PRIMARY KEY,
    submission INTEGER NOT NULL REFERENCES submission (id),
    action     TEXT NOT NULL,         -- submitted | approved | returned | superseded
    actor      TEXT NOT NULL,
    comment    TEXT NOT NULL DEFAULT '',
    at         INTEGER NOT NULL
);
CREATE INDEX review_step_submission ON review_step (submission);
CREATE TABLE evidence (
    id         INTEGER PRIMARY KEY,
    submission INTEGER NOT NULL REFERENCES submission (id),
    name       TEXT NOT NULL,
    media_type TEXT NOT NULL,
    size       INTEGER NOT NULL,
    sha256     TEXT NOT NULL,
    content    BLOB NOT NULL
);
CREATE INDEX evidence_submission ON evidence (submission);
)sql",
};

int open_flags() {
    return SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
}

sqlite::Database open_writer(const std::filesystem::path& file) {
    sqlite::Database db(file, open_flags());
    // WAL with synchronous=FULL: a committed transaction is on disk (the WAL is fsynced at
    // each commit) and survives kill -9 and power loss; group commit pays for the fsync.
    // temp_store=MEMORY keeps statement journals (an INSERT checking a foreign key has one)
    // off disk.
    db.exec(
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA "
        "temp_store=MEMORY;");
    return db;
}

sqlite::Database open_reader(const std::filesystem::path& file) {
    sqlite::Database db(file, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX);
    db.exec("PRAGMA foreign_keys=ON; PRAGMA query_only=ON;");
    return db;
}

sqlite::Database& migrated(sqlite::Database& db) {
    sqlite::Statement version(db, "PRAGMA user_version");
    version.step();
    const auto current = version.int64(0);
    version.reset();
    constexpr int target = static_cast<int>(std::size(kMigrations));
    if (current > target)
        throw StorageError("database schema version " + std::to_string(current) +
                           " is newer than this indicatord understands (" + std::to_string(target) +
                           ")");
    for (auto v = current; v < target; ++v) {
        db.exec("BEGIN IMMEDIATE");
        try {
            db.exec(kMigrations[v]);
            db.exec("PRAGMA user_version=" + std::to_string(v + 1));
            db.exec("COMMIT");
        } catch (...) {
            db.exec("ROLLBACK");
            throw;
        }
    }
    return db;
}

}  // namespace

Store::Store(const std::filesystem::path& file)
    : file_(file),
      writer_(open_writer(file)),
      reader_((migrated(writer_), open_reader(file))),
      // Two plain statements, not one INSERT ... SELECT ... RETURNING: a RETURNING statement
      // gets a statement journal of every page it touches (docs/benchmarks.md).
      next_revision_(writer_,
                     "SELECT COALESCE(MAX(revision), 0) + 1 FROM latest "
                     "WHERE indicator = ?1 AND period = ?2"),
      insert_(writer_,
              "INSERT INTO observation (indicator, period, revision, value, note, reported_at, "
              "reporter) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"),
      // Revisions only grow (the observation's UNIQUE key refuses a repeated one before this
      // runs), so the row replaced is always an older revision.
      upsert_latest_(writer_,
                     "INSERT INTO latest (indicator, period, revision, value, reported_at) "
                     "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (indicator, period) DO UPDATE SET "
                     "revision = excluded.revision, value = excluded.value, "
                     "reported_at = excluded.reported_at"),
      register_(writer_, "INSERT OR IGNORE INTO indicator (key) VALUES (?)"),
      begin_(writer_, "BEGIN IMMEDIATE"),
      commit_(writer_, "COMMIT"),
      rollback_(writer_, "ROLLBACK"),
      // The newest revision of each (indicator, period): one scan of the latest table (backwards,
      // as the index walk it replaced went; as cheap as forwards).
      latest_(reader_,
              "SELECT indicator, period, value, revision, reported_at FROM latest "
              "ORDER BY indicator DESC, period DESC"),
      history_(reader_,
               "SELECT period, revision, value, note, reported_at, reporter FROM observation "
               "WHERE indicator = ?1 AND (period, revision) > (?2, ?3) ORDER BY period, revision "
               "LIMIT ?4") {
    // The file SQLite has open now; file_problem() compares the path's file with it.
    struct stat st {};
    if (::stat(file_.c_str(), &st) != 0)
        throw StorageError(file_.string() +
                           ": cannot stat the database just opened: " + std::strerror(errno));
    device_ = st.st_dev;
    inode_ = st.st_ino;
}

std::string Store::file_problem() const {
    struct stat st {};
    std::string problem;
    if (::stat(file_.c_str(), &st) != 0)
        problem = "database file " + file_.string() + " is gone (" + std::strerror(errno) +
                  "): it was deleted or moved while the daemon runs, and what is written now would "
                  "be lost; "
                  "restore it (docs/operations.md, Backups) and restart the daemon";
    else if (st.st_dev != device_ || st.st_ino != inode_)
        problem =
            "database file " + file_.string() +
            " was replaced by another file while the daemon runs; restart the daemon to use it";
    if (!problem.empty() && !problem_logged_.exchange(true))
        spdlog::error("{}; refusing writes", problem);
    return problem;
}

int Store::schema_version() {
    sqlite::Statement version(reader_, "PRAGMA user_version");
    version.step();
    return static_cast<int>(version.int64(0));
}

void Store::register_indicators(const std::vector<std::string>& keys) {
    begin();
    try {
        for (const auto& k : keys) {
            sqlite::Reset r(register_);
            register_.bind(1, k).step();
        }
        commit();
    } catch (...) {
        rollback();
        throw;
    }
}

namespace {
void run(sqlite::Statement& s) {
    sqlite::Reset r(s);
    s.step();
}
}  // namespace

void Store::begin() {
    run(begin_);
}
void Store::commit() {
    run(commit_);
}
void Store::rollback() {
    // The cache may hold revisions of the transaction being undone (also when SQLite ended it
    // itself): forget them all, the file says again what is stored.
    revisions_.clear();
    if (!sqlite3_get_autocommit(writer_.get())) run(rollback_);
}

int Store::append(const NewObservation& o) {
    revision_key_.assign(o.indicator).append(1, '\n').append(o.period);
    auto cached = revisions_.find(revision_key_);
    std::int64_t revision = 0;
    if (cached != revisions_.end()) {
        revision = cached->second + 1;
    } else {
        sqlite::Reset r(next_revision_);
        next_revision_.bind_static(1, o.indicator).bind_static(2, o.period);
        if (!next_revision_.step()) throw StorageError("database: no next revision");
        revision = next_revision_.int64(0);
        ++revision_reads_;
    }
    sqlite::Reset r(insert_);
    // The observation outlives the statements' resets: its text is bound without copies.
    insert_.bind_static(1, o.indicator)
        .bind_static(2, o.period)
        .bind(3, revision)
        .bind(4, o.value)
        .bind_static(5, o.note)
        .bind(6, to_millis(o.reported_at))
        .bind_static(7, o.reporter);
    insert_.step();
    {
        sqlite::Reset l(upsert_latest_);
        upsert_latest_.bind_static(1, o.indicator)
            .bind_static(2, o.period)
            .bind(3, revision)
            .bind(4, o.value)
            .bind(5, to_millis(o.reported_at));
        upsert_latest_.step();
    }
    // Only once the rows are in: a failed INSERT leaves the cache as the file is.
    if (cached != revisions_.end())
        cached->second = revision;
    else
        revisions_.emplace(revision_key_, revision);
    return static_cast<int>(revision);
}

void Store::for_each_latest(
    const std::function<void(std::string_view, std::string_view, double, int, TimePoint)>& fn) {
    // One statement, so one read transaction: a consistent snapshot of the latest table, which
    // the writer keeps in step with the observations (a row per stored period: 400,000 for
    // 100,000 quarterly indicators, whatever the number of revisions).
    sqlite::Reset r(latest_);
    while (latest_.step())
        fn(latest_.text(0), latest_.text(1), latest_.real(2), static_cast<int>(latest_.int64(3)),
           from_millis(latest_.int64(4)));
}

std::vector<StoredRevision> Store::history(std::string_view key, std::string_view after_period,
                                           int after_revision, std::int64_t limit) {
    sqlite::Reset r(history_);
    history_.bind(1, key)
        .bind(2, after_period.data()
                     ? after_period
                     : std::string_view(""))  // never NULL: NULL compares to nothing
        .bind(3, static_cast<std::int64_t>(after_revision))
        .bind(4, limit);
    std::vector<StoredRevision> out;
    while (history_.step()) {
        out.push_back(StoredRevision{std::string(history_.text(0)),
                                     static_cast<int>(history_.int64(1)), history_.real(2),
                                     std::string(history_.text(3)), from_millis(history_.int64(4)),
                                     std::string(history_.text(5))});
    }
    return out;
}

std::vector<std::pair<std::string, TimePoint>> Store::first_reports(std::string_view key) {
    sqlite::Statement q(reader_,
                        "SELECT period, MIN(reported_at) FROM observation WHERE indicator = ? "
                        "GROUP BY period ORDER BY period");
    q.bind(1, key);
    std::vector<std::pair<std::string, TimePoint>> out;
    while (q.step()) out.emplace_back(std::string(q.text(0)), from_millis(q.int64(1)));
    return out;
}

std::vector<StoredNotice> Store::notices(std::string_view key, std::int64_t limit) {
    sqlite::Statement q(reader_,
                        "SELECT n.kind, o.receiver, o.channel, o.state, o.attempts, o.last_error, "
                        "o.created_at, o.delivered_at FROM notice n JOIN outbox o ON o.id = "
                        "n.outbox_id WHERE n.indicator = ? ORDER BY n.outbox_id DESC LIMIT ?");
    q.bind(1, key).bind(2, limit);
    std::vector<StoredNotice> out;
    while (q.step()) {
        StoredNotice n{std::string(q.text(0)),       std::string(q.text(1)),
                       std::string(q.text(2)),       std::string(q.text(3)),
                       static_cast<int>(q.int64(4)), std::string(q.text(5)),
                       from_millis(q.int64(6)),      std::nullopt};
        if (!q.is_null(7)) n.delivered_at = from_millis(q.int64(7));
        out.push_back(std::move(n));
    }
    return out;
}

std::vector<StoredChase> Store::chases(std::string_view key, std::int64_t limit) {
    sqlite::Statement q(reader_,
                        "SELECT id, indicator, period, author, comment, created_at FROM chase "
                        "WHERE indicator = ? ORDER BY created_at DESC, id DESC LIMIT ?");
    q.bind(1, key).bind(2, limit);
    std::vector<StoredChase> out;
    while (q.step())
        out.push_back(StoredChase{q.int64(0), std::string(q.text(1)), std::string(q.text(2)),
                                  std::string(q.text(3)), std::string(q.text(4)),
                                  from_millis(q.int64(5))});
    return out;
}

std::filesystem::path DatabaseLock::path_for(const std::filesystem::path& database) {
    return database.string() + ".lock";
}

DatabaseLock::DatabaseLock(const std::filesystem::path& database) {
    const auto file = path_for(database);
    fd_ = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd_ < 0)
        throw StorageError(file.string() +
                           ": cannot open the database's lock file: " + std::strerror(errno));
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
        const int err = errno;
        std::string holder;
        char buf[32] = {};
        if (const auto n = ::pread(fd_, buf, sizeof buf - 1, 0); n > 0)
            holder = std::string(buf, static_cast<std::size_t>(n));
        while (!holder.empty() && (holder.back() == '\n' || holder.back() == ' '))
            holder.pop_back();
        ::close(fd_);
        fd_ = -1;
        if (err == EWOULDBLOCK)
            throw StorageError(
                "database " + database.string() + " is in use by another indicatord" +
                (holder.empty() ? std::string() : " (pid " + holder + ")") + ", which holds " +
                file.string() +
                "; two daemons on one database would each keep their own view of it. "
                "Stop the other one, or give this one its own --database");
        throw StorageError(file.string() + ": cannot lock: " + std::strerror(err));
    }
    const auto pid = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd_, 0) != 0 ||
        ::pwrite(fd_, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size()))
        spdlog::warn("{}: cannot write the pid into the lock file: {}", file.string(),
                     std::strerror(errno));
}

DatabaseLock::~DatabaseLock() {
    if (fd_ >= 0)
        ::close(fd_);  // releases the lock; the file stays (removing it would race a starter)
}

namespace {

void fsync_path(const std::filesystem::path& p, int flags) {
    const int fd = ::open(p.c_str(), flags | O_CLOEXEC);
    if (fd < 0) throw StorageError(p.string() + ": cannot open to fsync: " + std::strerror(errno));
    const int rc = ::fsync(fd);
    const int err = errno;
    ::close(fd);
    if (rc != 0) throw StorageError(p.string() + ": fsync failed: " + std::strerror(err));
}

// Removes a half-written copy (and SQLite's side files) unless released.
class TempCopy {
  public:
    explicit TempCopy(std::filesystem::path p) : path_(std::move(p)) { clear(); }
    ~TempCopy() {
        if (!released_) clear();
    }
    TempCopy(const TempCopy&) = delete;
    TempCopy& operator=(const TempCopy&) = delete;
    const std::filesystem::path& path() const { return path_; }
    void release() { released_ = true; }

  private:
    void clear() {
        std::error_code ec;
        for (const char* suffix : {"", "-journal", "-wal", "-shm"})
            std::filesystem::remove(path_.string() + suffix, ec);
    }
    std::filesystem::path path_;
    bool released_ = false;
};

}  // namespace

std::int64_t backup_database(const std::filesystem::path& from, const std::filesystem::path& to,
                             bool overwrite) {
    if (!std::filesystem::exists(from)) throw StorageError(from.string() + ": no such database");
    if (!overwrite && std::filesystem::exists(to))
        throw StorageError(to.string() + " exists; refusing to overwrite it (--force replaces it)");
    auto dir = to.parent_path();
    if (dir.empty()) dir = ".";
    TempCopy tmp(dir / ("." + to.filename().string() + ".tmp-" + std::to_string(::getpid())));
    std::int64_t observations = 0;
    {
        // A reader like the daemon's own: WAL lets it read one snapshot while the daemon writes.
        sqlite::Database src(from, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX);
        src.exec("PRAGMA query_only=ON");
        sqlite::Database dst(tmp.path(),
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX);
        sqlite3_backup* b = sqlite3_backup_init(dst.get(), "main", src.get(), "main");
        if (!b) throw StorageError("backup of " + from.string() + ": " + dst.error());
        // All pages in one step, i.e. in one read transaction: one consistent snapshot. (Steps of
        // a few pages would restart whenever the daemon commits in between.)
        int rc = sqlite3_backup_step(b, -1);
        for (int tries = 0; (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) && tries < 100; ++tries) {
            sqlite3_sleep(50);
            rc = sqlite3_backup_step(b, -1);
        }
        sqlite3_backup_finish(b);
        if (rc != SQLITE_DONE)
            throw StorageError("backup of " + from.string() + " failed: " + sqlite3_errstr(rc) +
                               " (" + dst.error() + ")");
        // The copied header says WAL; a backup is one self-contained file.
        dst.exec("PRAGMA journal_mode=DELETE");
        sqlite::Statement check(dst, "PRAGMA quick_check");
        if (!check.step() || check.text(0) != "ok")
            throw StorageError("backup of " + from.string() +
                               ": the copy fails its check: " + std::string(check.text(0)));
        sqlite::Statement count(dst, "SELECT count(*) FROM observation");
        count.step();
        observations = count.int64(0);
    }
    fsync_path(tmp.path(), O_RDONLY);
    if (overwrite) {
        if (::rename(tmp.path().c_str(), to.c_str()) != 0)
            throw StorageError(to.string() +
                               ": cannot move the copy into place: " + std::strerror(errno));
    } else if (::renameat2(AT_FDCWD, tmp.path().c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) !=
               0) {
        const int err = errno;
        if (err == EEXIST)
            throw StorageError(to.string() +
                               " exists; refusing to overwrite it (--force replaces it)");
        throw StorageError(to.string() +
                           ": cannot move the copy into place: " + std::strerror(err));
    }
    tmp.release();
    fsync_path(dir, O_RDONLY | O_DIRECTORY);
    return observations;
}

std::size_t load_latest(Store& store, Engine& engine) {
    std::size_t loaded = 0, skipped = 0;
    store.for_each_latest([&](std::string_view key, std::string_view period, double value,
                              int revision, TimePoint at) {
        ++(engine.restore(key, period, value, revision, at) ? loaded : skipped);
    });
    spdlog::info("loaded {} stored period values ({} of indicators not in the plan)", loaded,
                 skipped);
    return loaded;
}

}  // namespace indicatord

namespace indicatord {

std::size_t qualify_stored_keys(Store& store, const Plan& plan) {
    if (!plan.several()) return 0;
    auto& db = store.writer();
    std::vector<std::string> bare;
    {
        sqlite::Statement keys(db, "SELECT key FROM indicator WHERE instr(key, ':') = 0");
        while (keys.step()) bare.emplace_back(keys.text(0));
    }
    // the plan whose series a bare key's value of `year` belongs to: the plan of that year with
    // the key, else the plan of the year after (a value reported as its previous_year baseline)
    const auto target = [&](const std::string& key, int year) -> std::string {
        for (const int y : {year, year + 1}) {
            std::string found;
            int n = 0;
            for (const auto& p : plan.plans)
                if (y >= p.year && y <= p.last_year && plan.find_indicator(p.id + ":" + key)) {
                    found = p.id + ":" + key;
                    ++n;
                }
            if (n == 1) return found;
            if (n > 1) return {};
        }
        return {};
    };
    sqlite::Statement years(
        db,
        "SELECT DISTINCT CAST(substr(period, 1, 4) AS INTEGER) FROM observation "
        "WHERE indicator = ?1");
    sqlite::Statement taken(db,
                            "SELECT 1 FROM observation WHERE indicator = ?1 AND "
                            "CAST(substr(period, 1, 4) AS INTEGER) = ?2 LIMIT 1");
    sqlite::Statement move(db,
                           "UPDATE observation SET indicator = ?1 WHERE indicator = ?2 AND "
                           "CAST(substr(period, 1, 4) AS INTEGER) = ?3");
    sqlite::Statement move_latest(db,
                                  "UPDATE latest SET indicator = ?1 WHERE indicator = ?2 AND "
                                  "CAST(substr(period, 1, 4) AS INTEGER) = ?3");
    std::size_t moved = 0;
    store.begin();
    try {
        for (const auto& key : bare) {
            std::vector<std::int64_t> ys;
            years.bind(1, std::string_view(key));
            while (years.step()) ys.push_back(years.int64(0));
            years.reset();
            for (const auto y : ys) {
                const auto to = target(key, static_cast<int>(y));
                if (to.empty()) {
                    spdlog::warn(
                        "stored values of '{}' for {} stay under that key: no one plan "
                        "of {} has it (name the plan in a re-report: plan:key)",
                        key, y, y);
                    continue;
                }
                taken.bind(1, std::string_view(to)).bind(2, y);
                const bool clash = taken.step();
                taken.reset();
                if (clash) {
                    spdlog::warn(
                        "stored values of '{}' for {} stay under that key: {} has "
                        "values for {} already",
                        key, y, to, y);
                    continue;
                }
                move.bind(1, std::string_view(to)).bind(2, std::string_view(key)).bind(3, y);
                move.step();
                move.reset();
                moved += static_cast<std::size_t>(sqlite3_changes(db.get()));
                // the newest revisions move with them (start-up reads them from `latest`)
                move_latest.bind(1, std::string_view(to)).bind(2, std::string_view(key)).bind(3, y);
                move_latest.step();
                move_latest.reset();
            }
        }
        store.commit();
    } catch (...) {
        store.rollback();
        throw;
    }
    if (moved > 0)
        spdlog::info("moved {} stored values of bare keys to their plans' keys (several plans)",
                     moved);
    return moved;
}

}  // namespace indicatord
