#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/clock.hpp"
#include "store/store.hpp"

namespace indicatord {

/// An evidence file (佐证材料) as received: its bytes are checked (util/magic) before this.
struct EvidenceFile {
    std::string name;        ///< the file name as the unit gave it (UTF-8)
    std::string media_type;  ///< from the bytes, not the name
    std::string content;
};

/// A value submitted for review (实绩审核), before it counts.
struct NewSubmission {
    NewObservation value;
    std::string unit;      ///< the reporting unit's id; empty for an admin token
    std::string reviewer;  ///< "office" or a unit id
    TimePoint due_at{};    ///< the review is due by then
};

/// One stored submission with its state.
struct StoredSubmission {
    std::int64_t id = 0;
    std::string indicator;
    std::string period;
    double value = 0;
    std::string note;
    TimePoint reported_at{};
    std::string reporter;
    std::string unit;
    std::string reviewer;
    std::string state;  ///< submitted | approved | returned | superseded
    TimePoint due_at{};
    std::optional<int> revision;  ///< the observation's revision once approved
};

/// One step of a submission's review (留痕).
struct ReviewStep {
    std::int64_t submission = 0;
    std::string period;
    std::string action;  ///< submitted | approved | returned | superseded
    std::string actor;
    std::string comment;
    TimePoint at{};
};

/// An evidence file's description (without its bytes).
struct EvidenceInfo {
    std::int64_t id = 0;
    std::int64_t submission = 0;
    std::string name;
    std::string media_type;
    std::int64_t size = 0;
    std::string sha256;
};

/// The review tables (submission, review_step, evidence) of the Store's file.
///
/// Threads: submit(), approve(), give_back() use the Store's write connection and belong to the
/// Committer's writer thread; they run inside a transaction the caller opened (a failure throws
/// and the caller rolls back). The read methods use the read connection: event loop thread.
class ReviewStore {
  public:
    explicit ReviewStore(Store& store);
    ReviewStore(const ReviewStore&) = delete;
    ReviewStore& operator=(const ReviewStore&) = delete;

    /// Stores a submission, its `submitted` step and its evidence; an earlier submission of the
    /// same period still awaiting review is superseded. Returns the new submission's id.
    std::int64_t submit(const NewSubmission& s, const std::vector<EvidenceFile>& evidence);
    /// Approves a submitted value: appended to the observations (Store::append, dated when it
    /// was submitted) and the step stored. Returns the revision. Throws StorageError when the
    /// submission is not awaiting review any more.
    int approve(std::int64_t id, std::string_view actor, std::string_view comment, TimePoint at);
    /// Returns a submitted value to its unit (退回) with the comment. Throws StorageError when
    /// the submission is not awaiting review any more.
    void give_back(std::int64_t id, std::string_view actor, std::string_view comment, TimePoint at);

    /// Every submission awaiting review, oldest first.
    std::vector<StoredSubmission> pending();
    std::optional<StoredSubmission> find(std::int64_t id);
    /// Every review step of an indicator's submissions, in order.
    std::vector<ReviewStep> steps(std::string_view indicator);
    /// The submissions of an indicator, newest first, at most `limit`.
    std::vector<StoredSubmission> submissions(std::string_view indicator, std::int64_t limit);
    std::vector<EvidenceInfo> evidence_of(std::int64_t submission);
    /// One evidence file with its bytes (`content`), or nullopt.
    std::optional<std::pair<EvidenceInfo, std::string>> evidence(std::int64_t id);

  private:
    std::optional<StoredSubmission> row(sqlite::Statement& s);
    Store& store_;
    // writer connection
    sqlite::Statement supersede_, supersede_steps_, insert_, insert_step_, insert_evidence_,
        lookup_, set_state_;
    // read connection
    sqlite::Statement pending_, find_, steps_, submissions_, evidence_of_, evidence_;
};

class Engine;

/// Marks in `engine` every period with a value awaiting review (start-up and reload, after
/// load_latest). Returns how many.
std::size_t load_awaiting(ReviewStore& reviews, Engine& engine);

}  // namespace indicatord
