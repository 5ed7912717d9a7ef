#pragma once
// Helpers of the tests that drive the group-commit writer (writer_test, revision_cache_test).

#include <future>
#include <string>

#include "store/committer.hpp"
#include "store/store.hpp"

namespace test {

/// A value as the writer receives it, reported at t = 1 s by "tester".
inline indicatord::NewObservation row(const std::string& key, const std::string& period, double v) {
    return indicatord::NewObservation{
        key, period, v, "", indicatord::TimePoint(std::chrono::milliseconds(1000)), "tester"};
}

/// Holds the writer thread in a posted work item until release(), so that every batch submitted
/// meanwhile is written by the same pass of the writer, as one group.
class HeldWriter {
  public:
    explicit HeldWriter(indicatord::Committer& c) {
        c.post([f = release_.get_future().share()](indicatord::Store&) { f.wait(); },
               [](std::string) {});
    }
    void release() { release_.set_value(); }

  private:
    std::promise<void> release_;
};

}  // namespace test
