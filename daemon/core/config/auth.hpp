#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "util/digest.hpp"

namespace indicatord {

struct Plan;
struct Indicator;

/// Who made a request, once its token checked out.
struct Principal {
    std::string token_id;
    std::string unit;  ///< unit id; empty for an admin token
    bool admin = false;
    /// "unit:fgw token:t1" / "admin token:ops"; recorded with every observation revision.
    std::string reporter() const;
};

/// API tokens, stored only as SHA-256 hashes. A token reads "idt_<id>_<secret>"; the id picks
/// the entry and the secret's hash is compared in constant time.
class TokenStore {
  public:
    struct Entry {
        std::string id;
        std::string unit;
        bool admin = false;
        std::string sha256;  ///< lower-case hex of SHA-256(whole token)
        std::string defined_at;
        Sha256 digest{};  ///< the same hash as bytes, compared with each request's
    };

    /// Loads a tokens file ({tokens: [{id, unit | admin: true, sha256}]}); checks each unit id
    /// against `plan` when given. Throws ConfigError with file:line:col.
    static TokenStore load(const std::filesystem::path& file, const Plan* plan);

    bool empty() const { return entries_.empty(); }
    std::size_t size() const { return entries_.size(); }
    bool has(const std::string& id) const { return entries_.count(id) > 0; }
    /// What load() found questionable but not wrong (a file other users may read), to be logged.
    const std::vector<std::string>& warnings() const { return warnings_; }

    /// The principal for an "Authorization: Bearer <token>" header value, if valid.
    std::optional<Principal> authenticate(std::string_view authorization) const;

    /// A new random token for `unit` (or admin) with its file entry (hash only).
    static std::pair<std::string, Entry> create(std::string_view id, std::string_view unit,
                                                bool admin);

  private:
    std::unordered_map<std::string, Entry> entries_;
    std::vector<std::string> warnings_;
};

/// Whether `who` may report values of `indicator` (and acknowledge its alerts): admins always;
/// a unit when it is the indicator's lead unit (its own joint lead, in a 分别牵头 task) or one
/// of the indicator's `writers` (from the plan). Co-units and the other joint leads may not.
bool may_write(const Principal& who, const Plan& plan, const Indicator& indicator);

/// Whether `who` may read `indicator` under `auth.read_scope: unit`: admins always; a unit when
/// it is responsible for the indicator: its lead unit, its task's lead (a joint lead only for
/// its own indicator) or one of its task's co-units, or the unit that reviews its values
/// (`review: 市统计局`). `auth.read_all_units` is the caller's matter.
bool may_read(const Principal& who, const Plan& plan, const Indicator& indicator);

}  // namespace indicatord
