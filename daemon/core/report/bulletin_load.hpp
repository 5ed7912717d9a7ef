#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "model/calendar.hpp"
#include "model/plan.hpp"
#include "report/bulletin.hpp"
#include "store/sqlite.hpp"

namespace indicatord {

/// The index into Plan::plans of the plan `id`; empty `id`: the first plan. nullopt when the
/// daemon has no such plan.
std::optional<std::size_t> bulletin_plan(const Plan& plan, std::string_view id);

/// The instant a bulletin is "as of": an RFC 3339 instant as written, or a date (2023-07-31) as
/// the last millisecond of that day in `zone` (the whole day counts). nullopt if neither.
std::optional<TimePoint> parse_as_of(std::string_view text, const date::time_zone* zone);

/// The bulletin of plan `plan_index` at `as_of` from the values stored in `db` as they stood at
/// that instant (store/as_of.hpp), evaluated by a fresh engine of `plan` at `as_of`, scored by
/// `scoring` when not null. Runs on the thread owning `db`; throws StorageError.
Bulletin bulletin_from_store(sqlite::Database& db, std::shared_ptr<const Plan> plan,
                             std::shared_ptr<const WorkCalendar> calendar, std::size_t plan_index,
                             TimePoint as_of, const Scoring* scoring = nullptr);

/// bulletin_from_store at `as_of`, with the changes since `since` (an earlier instant: the
/// bulletin there is computed the same way and compared, add_changes()).
Bulletin bulletin_since(sqlite::Database& db, std::shared_ptr<const Plan> plan,
                        std::shared_ptr<const WorkCalendar> calendar, std::size_t plan_index,
                        TimePoint as_of, TimePoint since, const Scoring* scoring = nullptr);

}  // namespace indicatord
