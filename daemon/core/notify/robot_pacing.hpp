#pragma once

// Per-robot pacing: every delivery to one robot URL (DingTalk, WeCom, Feishu) counts against that
// robot's rate limit, whichever receiver it comes from; messages that queue up for a robot are
// merged into one post. docs/notifications.md, "Robot pacing".

#include <cstddef>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "model/clock.hpp"
#include "model/plan.hpp"

namespace indicatord {

/// Posts a robot accepts: per second and per minute (0: no limit of that span).
struct RobotLimit {
    int per_second = 0;
    int per_minute = 0;
    bool none() const { return per_second == 0 && per_minute == 0; }
    bool operator==(const RobotLimit&) const = default;
};

/// The platform's limit for a channel: DingTalk and WeCom 20 a minute; Feishu 5 a second and 100
/// a minute; none for the generic webhook and email.
RobotLimit default_robot_limit(std::string_view channel);

/// The limit of every robot URL the plan's receivers post to: the format's default, lowered by a
/// receiver's rate_per_minute / rate_per_second (the smallest of the receivers sharing the URL).
std::map<std::string, RobotLimit> robot_limits(const Plan& plan);

/// Counts the posts to each robot URL in sliding windows of one second and one minute, on the
/// instants of the injected Clock. Thread-safe: the delivery thread asks and records, a reload
/// sets the limits.
class RobotPacer {
  public:
    /// Replaces the limits by URL; a URL not listed gets its channel's default.
    void set_limits(std::map<std::string, RobotLimit> by_url);
    RobotLimit limit(std::string_view channel, const std::string& url) const;

    struct Room {
        int posts = 0;     ///< how many posts the robot takes now (a large number: no limit)
        TimePoint next{};  ///< posts == 0: when the next one is allowed
    };
    /// How many posts `url` may take at `now`, in no window of a second or a minute more than
    /// its limit.
    Room room(std::string_view channel, const std::string& url, TimePoint now);
    /// A post (successful or not: the robot counted it) to `url` at `now`.
    void record(const std::string& url, TimePoint now);

  private:
    mutable std::mutex mutex_;
    std::map<std::string, RobotLimit> limits_;
    std::map<std::string, std::deque<TimePoint>> sent_;
};

/// Folds messages queued for one robot (payloads as to_outbox renders them for `channel`) into
/// one post, in order, as many as fit the channel's size limit (the first always): DingTalk
/// joins the markdown texts under the first title and unites the `at` mentions; WeCom joins the
/// markdown contents; Feishu appends the post rows under the first title. Returns the payload and
/// how many messages it took (1 and the first payload unchanged when nothing can be merged).
std::pair<std::string, std::size_t> merge_robot_messages(std::string_view channel,
                                                         const std::vector<std::string>& payloads);

}  // namespace indicatord
