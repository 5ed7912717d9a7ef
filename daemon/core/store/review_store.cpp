#include "store/review_store.hpp"

#include <sqlite3.h>

#include "eval/engine.hpp"
#include "util/digest.hpp"
#include "util/errors.hpp"

namespace indicatord {

namespace {

constexpr std::string_view kColumns =
    "id, indicator, period, value, note, reported_at, reporter, unit, reviewer, state, due_at, "
    "revision";

std::string select(std::string_view rest) {
    return "SELECT " + std::string(kColumns) + " FROM submission " + std::string(rest);
}

}  // namespace

ReviewStore::ReviewStore(Store& store)
    : store_(store),
      supersede_(store.writer(),
                 "UPDATE submission SET state = 'superseded' WHERE indicator = ?1 AND "
                 "period = ?2 AND state = 'submitted'"),
      supersede_steps_(store.writer(),
                       "INSERT INTO review_step (submission, action, actor, comment, at) "
                       "SELECT id, 'superseded', ?3, 'reported again', ?4 FROM submission "
                       "WHERE indicator = ?1 AND period = ?2 AND state = 'submitted'"),
      insert_(store.writer(),
              "INSERT INTO submission (indicator, period, value, note, reported_at, reporter, "
              "unit, reviewer, state, due_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, "
              "'submitted', ?9)"),
      insert_step_(store.writer(),
                   "INSERT INTO review_step (submission, action, actor, comment, at) "
                   "VALUES (?1, ?2, ?3, ?4, ?5)"),
      insert_evidence_(store.writer(),
                       "INSERT INTO evidence (submission, name, media_type, size, sha256, "
                       "content) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"),
      lookup_(store.writer(), select("WHERE id = ?1")),
      set_state_(store.writer(),
                 "UPDATE submission SET state = ?2, revision = ?3 WHERE id = ?1 AND "
                 "state = 'submitted'"),
      pending_(store.reader(), select("WHERE state = 'submitted' ORDER BY reported_at, id")),
      find_(store.reader(), select("WHERE id = ?1")),
      steps_(store.reader(),
             "SELECT s.id, s.period, r.action, r.actor, r.comment, r.at FROM review_step r "
             "JOIN submission s ON s.id = r.submission WHERE s.indicator = ?1 ORDER BY r.id"),
      submissions_(store.reader(), select("WHERE indicator = ?1 ORDER BY id DESC LIMIT ?2")),
      evidence_of_(store.reader(),
                   "SELECT id, submission, name, media_type, size, sha256 FROM evidence "
                   "WHERE submission = ?1 ORDER BY id"),
      evidence_(store.reader(),
                "SELECT id, submission, name, media_type, size, sha256, content FROM evidence "
                "WHERE id = ?1") {}

std::int64_t ReviewStore::submit(const NewSubmission& s, const std::vector<EvidenceFile>& files) {
    const auto& v = s.value;
    {
        sqlite::Reset r(supersede_steps_);
        supersede_steps_.bind(1, v.indicator)
            .bind(2, v.period)
            .bind(3, v.reporter)
            .bind(4, to_millis(v.reported_at))
            .step();
    }
    {
        sqlite::Reset r(supersede_);
        supersede_.bind(1, v.indicator).bind(2, v.period).step();
    }
    {
        sqlite::Reset r(insert_);
        insert_.bind(1, v.indicator)
            .bind(2, v.period)
            .bind(3, v.value)
            .bind(4, v.note)
            .bind(5, to_millis(v.reported_at))
            .bind(6, v.reporter)
            .bind(7, s.unit)
            .bind(8, s.reviewer)
            .bind(9, to_millis(s.due_at))
            .step();
    }
    const std::int64_t id = sqlite3_last_insert_rowid(store_.writer().get());
    {
        sqlite::Reset r(insert_step_);
        insert_step_.bind(1, id)
            .bind(2, std::string_view("submitted"))
            .bind(3, v.reporter)
            .bind(4, v.note)
            .bind(5, to_millis(v.reported_at))
            .step();
    }
    for (const auto& f : files) {
        sqlite::Reset r(insert_evidence_);
        insert_evidence_.bind(1, id)
            .bind(2, f.name)
            .bind(3, f.media_type)
            .bind(4, static_cast<std::int64_t>(f.content.size()))
            .bind(5, sha256_hex(f.content))
            .bind_blob(6, f.content)
            .step();
    }
    return id;
}

int ReviewStore::approve(std::int64_t id, std::string_view actor, std::string_view comment,
                         TimePoint at) {
    std::optional<StoredSubmission> s;
    {
        sqlite::Reset r(lookup_);
        lookup_.bind(1, id);
        s = row(lookup_);
    }
    if (!s) throw StorageError("review " + std::to_string(id) + " does not exist");
    if (s->state != "submitted")
        throw StorageError("review " + std::to_string(id) + " is " + s->state +
                           " already: only a value awaiting review may be approved");
    // dated when the unit submitted it: the report came then (on-time records)
    const int revision = store_.append(
        NewObservation{s->indicator, s->period, s->value, s->note, s->reported_at, s->reporter});
    {
        sqlite::Reset r(set_state_);
        set_state_.bind(1, id)
            .bind(2, std::string_view("approved"))
            .bind(3, std::int64_t{revision});
        set_state_.step();
    }
    sqlite::Reset r(insert_step_);
    insert_step_.bind(1, id)
        .bind(2, std::string_view("approved"))
        .bind(3, actor)
        .bind(4, comment)
        .bind(5, to_millis(at))
        .step();
    return revision;
}

void ReviewStore::give_back(std::int64_t id, std::string_view actor, std::string_view comment,
                            TimePoint at) {
    {
        sqlite::Reset r(set_state_);
        set_state_.bind(1, id).bind(2, std::string_view("returned")).bind_null(3);
        set_state_.step();
    }
    if (sqlite3_changes(store_.writer().get()) != 1)
        throw StorageError("review " + std::to_string(id) +
                           " is not awaiting review: only a submitted value may be returned");
    sqlite::Reset r(insert_step_);
    insert_step_.bind(1, id)
        .bind(2, std::string_view("returned"))
        .bind(3, actor)
        .bind(4, comment)
        .bind(5, to_millis(at))
        .step();
}

std::optional<StoredSubmission> ReviewStore::row(sqlite::Statement& s) {
    if (!s.step()) return std::nullopt;
    StoredSubmission out;
    out.id = s.int64(0);
    out.indicator = s.text(1);
    out.period = s.text(2);
    out.value = s.real(3);
    out.note = s.text(4);
    out.reported_at = from_millis(s.int64(5));
    out.reporter = s.text(6);
    out.unit = s.text(7);
    out.reviewer = s.text(8);
    out.state = s.text(9);
    out.due_at = from_millis(s.int64(10));
    if (!s.is_null(11)) out.revision = static_cast<int>(s.int64(11));
    return out;
}

std::vector<StoredSubmission> ReviewStore::pending() {
    sqlite::Reset r(pending_);
    std::vector<StoredSubmission> out;
    while (auto s = row(pending_)) out.push_back(std::move(*s));
    return out;
}

std::optional<StoredSubmission> ReviewStore::find(std::int64_t id) {
    sqlite::Reset r(find_);
    find_.bind(1, id);
    return row(find_);
}

std::vector<ReviewStep> ReviewStore::steps(std::string_view indicator) {
    sqlite::Reset r(steps_);
    steps_.bind(1, indicator);
    std::vector<ReviewStep> out;
    while (steps_.step())
        out.push_back(ReviewStep{steps_.int64(0), std::string(steps_.text(1)),
                                 std::string(steps_.text(2)), std::string(steps_.text(3)),
                                 std::string(steps_.text(4)), from_millis(steps_.int64(5))});
    return out;
}

std::vector<StoredSubmission> ReviewStore::submissions(std::string_view indicator,
                                                       std::int64_t limit) {
    sqlite::Reset r(submissions_);
    submissions_.bind(1, indicator).bind(2, limit);
    std::vector<StoredSubmission> out;
    while (auto s = row(submissions_)) out.push_back(std::move(*s));
    return out;
}

std::vector<EvidenceInfo> ReviewStore::evidence_of(std::int64_t submission) {
    sqlite::Reset r(evidence_of_);
    evidence_of_.bind(1, submission);
    std::vector<EvidenceInfo> out;
    while (evidence_of_.step())
        out.push_back(EvidenceInfo{evidence_of_.int64(0), evidence_of_.int64(1),
                                   std::string(evidence_of_.text(2)),
                                   std::string(evidence_of_.text(3)), evidence_of_.int64(4),
                                   std::string(evidence_of_.text(5))});
    return out;
}

std::optional<std::pair<EvidenceInfo, std::string>> ReviewStore::evidence(std::int64_t id) {
    sqlite::Reset r(evidence_);
    evidence_.bind(1, id);
    if (!evidence_.step()) return std::nullopt;
    return std::pair{EvidenceInfo{evidence_.int64(0), evidence_.int64(1),
                                  std::string(evidence_.text(2)), std::string(evidence_.text(3)),
                                  evidence_.int64(4), std::string(evidence_.text(5))},
                     std::string(evidence_.blob(6))};
}

std::size_t load_awaiting(ReviewStore& reviews, Engine& engine) {
    std::size_t n = 0;
    for (const auto& s : reviews.pending()) {
        const long i = engine.plan().index_of(s.indicator);
        const auto p = parse_period(s.period);
        if (i < 0 || !p) continue;
        engine.set_awaiting(static_cast<std::size_t>(i), *p, true);
        ++n;
    }
    return n;
}

}  // namespace indicatord
