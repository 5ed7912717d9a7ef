#pragma once

#include <boost/unordered/unordered_flat_map.hpp>
#include <functional>
#include <string>
#include <string_view>

namespace indicatord {

/// Hashes a std::string and a std::string_view alike, so a StringMap is looked up by a view
/// without building a string.
struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
        return std::hash<std::string_view>{}(s);
    }
};

/// A hash map keyed by strings for the hot lookups (an indicator's key on every reported value,
/// the writer's newest revision of a period): Boost's open-addressing table keeps the entries in
/// one array, so a lookup touches one or two cache lines instead of walking a bucket's chain of
/// separately allocated nodes, and 100,000 entries are two allocations, not 100,000. Unlike
/// std::unordered_map, an insertion may move the entries: keep no pointer or iterator into it
/// across one. Looked up by `std::string_view` (or anything that converts to one).
template <typename Value>
using StringMap = boost::unordered_flat_map<std::string, Value, StringHash, std::equal_to<>>;

}  // namespace indicatord
