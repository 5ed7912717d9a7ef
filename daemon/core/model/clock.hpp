#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

namespace indicatord {

using TimePoint = std::chrono::sys_time<std::chrono::milliseconds>;

/// Milliseconds since 1970-01-01 UTC: how instants are stored (SQLite) and signed (robots).
inline std::int64_t to_millis(TimePoint t) {
    return t.time_since_epoch().count();
}
inline TimePoint from_millis(std::int64_t ms) {
    return TimePoint(std::chrono::milliseconds(ms));
}

/// The only source of "now" for evaluation, alerts and delivery; tests and replays drive their own.
/// now() may be called from any thread (the delivery thread reads it too).
class Clock {
  public:
    virtual ~Clock() = default;
    virtual TimePoint now() const = 0;
};

class SystemClock final : public Clock {
  public:
    TimePoint now() const override {
        return std::chrono::time_point_cast<std::chrono::milliseconds>(
            std::chrono::system_clock::now());
    }
};

/// Starts at a given instant and advances with real time (indicatord --now).
class OffsetClock final : public Clock {
  public:
    explicit OffsetClock(TimePoint start)
        : offset_(start - std::chrono::time_point_cast<std::chrono::milliseconds>(
                              std::chrono::system_clock::now())) {}
    TimePoint now() const override {
        return std::chrono::time_point_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now()) +
               offset_;
    }

  private:
    std::chrono::milliseconds offset_;
};

/// Moves only when told to (unit tests, replay).
class ManualClock final : public Clock {
  public:
    explicit ManualClock(TimePoint start) : now_(start.time_since_epoch().count()) {}
    TimePoint now() const override { return TimePoint(std::chrono::milliseconds(now_.load())); }
    void set(TimePoint t) { now_ = t.time_since_epoch().count(); }
    void advance(std::chrono::milliseconds d) { now_ += d.count(); }

  private:
    std::atomic<long long> now_;
};

/// Parses an RFC 3339 instant "2023-07-15T09:00:00+08:00" or "...Z"; nullopt if malformed.
std::optional<TimePoint> parse_instant(std::string_view text);

/// Formats as RFC 3339 UTC with milliseconds: "2023-07-15T01:00:00.000Z".
std::string format_instant(TimePoint t);

}  // namespace indicatord
