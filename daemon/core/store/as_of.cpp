#include "store/as_of.hpp"

#include <string>

#include "util/errors.hpp"

namespace indicatord {

void for_each_as_of(sqlite::Database& db, TimePoint as_of,
                    const std::function<void(const PeriodAsOf&)>& fn,
                    const std::set<RevisionKey>& skip) {
    // The UNIQUE (indicator, period, revision) index gives the order; revisions recorded after
    // the instant are skipped, so the last row of each group is the revision that stood then.
    sqlite::Statement rows(db,
                           "SELECT indicator, period, revision, value, note, reported_at "
                           "FROM observation WHERE reported_at <= ?1 "
                           "ORDER BY indicator, period, revision");
    rows.bind(1, to_millis(as_of));
    std::string indicator, period, note;
    PeriodAsOf cur;
    bool open = false;
    const auto flush = [&] {
        if (!open) return;
        cur.indicator = indicator;
        cur.period = period;
        cur.note = note;
        fn(cur);
    };
    while (rows.step()) {
        const auto key = rows.text(0);
        const auto per = rows.text(1);
        const TimePoint at{std::chrono::milliseconds(rows.int64(5))};
        if (!skip.empty() &&
            skip.contains({std::string(key), std::string(per), static_cast<int>(rows.int64(2))}))
            continue;
        if (!open || key != indicator || per != period) {
            flush();
            indicator.assign(key);
            period.assign(per);
            cur.first_reported = at;
            open = true;
        }
        cur.revision = static_cast<int>(rows.int64(2));
        cur.value = rows.real(3);
        note.assign(rows.text(4));
        cur.reported_at = at;
        // imports of history may carry an older reported_at on a later revision
        if (at < cur.first_reported) cur.first_reported = at;
    }
    flush();
}

SubmissionsAsOf submissions_as_of(sqlite::Database& db, TimePoint as_of) {
    SubmissionsAsOf out;
    sqlite::Statement table(
        db, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'submission'");
    table.step();
    if (table.int64(0) == 0) return out;
    const auto at = to_millis(as_of);
    // Each submission's last step by the instant (a submission has its 'submitted' step at its
    // reported_at); its revision when it was approved, at any time.
    sqlite::Statement rows(
        db,
        "SELECT s.indicator, s.period, s.value, s.note, s.unit, s.reported_at, s.revision, "
        "  (SELECT r.action FROM review_step r WHERE r.submission = s.id AND r.at <= ?1 "
        "   ORDER BY r.at DESC, r.id DESC LIMIT 1), s.state "
        "FROM submission s WHERE s.reported_at <= ?1 ORDER BY s.id");
    rows.bind(1, at);
    while (rows.step()) {
        SubmissionAsOf s;
        s.indicator = rows.text(0);
        s.period = rows.text(1);
        s.value = rows.real(2);
        s.note = rows.text(3);
        s.unit = rows.text(4);
        s.reported_at = from_millis(rows.int64(5));
        s.state = rows.is_null(7) ? "submitted" : std::string(rows.text(7));
        if (std::string_view(rows.text(8)) == "approved" && s.state != "approved" &&
            !rows.is_null(6))
            out.approved_later.emplace(s.indicator, s.period, static_cast<int>(rows.int64(6)));
        out.submissions.push_back(std::move(s));
    }
    return out;
}

sqlite::Database open_for_reading(const std::filesystem::path& file) {
    std::error_code ec;
    if (!std::filesystem::exists(file, ec))
        throw StorageError("database " + file.string() +
                           " does not exist (the config's database: is this the daemon's "
                           "config, and has the daemon run?)");
    sqlite::Database db(file, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX);
    db.exec("PRAGMA query_only=ON;");
    sqlite::Statement table(
        db, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'observation'");
    table.step();
    if (table.int64(0) == 0)
        throw StorageError("database " + file.string() +
                           " has no observation table: not "
                           "indicatord's database");
    return db;
}

}  // namespace indicatord
