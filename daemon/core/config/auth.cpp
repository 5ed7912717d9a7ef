#include "config/auth.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <boost/algorithm/hex.hpp>
#include <cstdio>
#include <regex>

#include "model/plan.hpp"
#include "util/digest.hpp"
#include "util/errors.hpp"
#include "util/yaml_util.hpp"

namespace indicatord {

std::string Principal::reporter() const {
    return (admin ? std::string("admin") : "unit:" + unit) + " token:" + token_id;
}

namespace {
const std::regex kTokenId("[a-z0-9][a-z0-9-]{0,31}");
const std::regex kHex("[0-9a-f]{64}");
}  // namespace

TokenStore TokenStore::load(const std::filesystem::path& file, const Plan* plan) {
    TokenStore store;
    // No file yet: auth is on and nobody may write until `indicatorctl token create` makes one.
    if (!std::filesystem::exists(file)) return store;
    auto root = yaml::load_file(file);
    namespace fs = std::filesystem;
    const auto mode = fs::status(file).permissions() & fs::perms::mask;
    if ((mode & (fs::perms::group_all | fs::perms::others_all)) != fs::perms::none) {
        char octal[8];
        std::snprintf(octal, sizeof octal, "%04o", static_cast<unsigned>(mode));
        store.warnings_.push_back("tokens file " + file.string() + " has mode " + octal +
                                  ": other users may read or change it; run chmod 600 " +
                                  file.string());
    }
    yaml::check_map(file, root, "tokens file", {"tokens"});
    auto list = yaml::required(file, root, "tokens", "tokens file");
    if (!list.IsSequence()) yaml::fail(file, list, "tokens must be a list");
    for (const auto& n : list) {
        yaml::check_map(file, n, "token", {"id", "unit", "admin", "sha256", "created", "note"});
        Entry e;
        e.defined_at = yaml::where(file, n);
        e.id = yaml::scalar(file, yaml::required(file, n, "id", "token"), "token id");
        if (!std::regex_match(e.id, kTokenId))
            yaml::fail(file, n["id"],
                       "token id must match [a-z0-9][a-z0-9-]{0,31}, got '" + e.id + "'");
        if (n["admin"]) e.admin = yaml::boolean(file, n["admin"], "admin");
        if (n["unit"]) e.unit = yaml::scalar(file, n["unit"], "unit");
        if (e.admin == !e.unit.empty())
            yaml::fail(file, n,
                       "token '" + e.id + "' needs exactly one of 'unit: ID' or 'admin: true'");
        if (plan && !e.unit.empty() && !plan->find_unit(e.unit))
            yaml::fail(file, n["unit"], "token '" + e.id + "' names unknown unit '" + e.unit + "'");
        e.sha256 = yaml::scalar(file, yaml::required(file, n, "sha256", "token"), "sha256");
        if (!std::regex_match(e.sha256, kHex))
            yaml::fail(file, n["sha256"], "sha256 must be 64 lower-case hex digits");
        boost::algorithm::unhex(e.sha256, e.digest.begin());
        auto id = e.id;
        auto at = e.defined_at;
        if (auto [it, ok] = store.entries_.emplace(id, std::move(e)); !ok)
            yaml::fail(file, n["id"],
                       "duplicate token id '" + id + "' (first at " + it->second.defined_at + ")");
    }
    return store;
}

std::optional<Principal> TokenStore::authenticate(std::string_view header) const {
    constexpr std::string_view bearer = "Bearer ";
    if (header.size() <= bearer.size() ||
        !std::equal(bearer.begin(), bearer.end(), header.begin(),
                    [](char a, char b) { return std::tolower(a) == std::tolower(b); }))
        return std::nullopt;
    const auto token = header.substr(bearer.size());
    // idt_<id>_<secret>
    if (!token.starts_with("idt_")) return std::nullopt;
    const auto rest = token.substr(4);
    const auto sep = rest.rfind('_');
    if (sep == std::string_view::npos) return std::nullopt;
    auto it = entries_.find(std::string(rest.substr(0, sep)));
    if (it == entries_.end()) return std::nullopt;
    // bytes against bytes: no hex text on every API request
    const auto digest = sha256(token);
    if (CRYPTO_memcmp(digest.data(), it->second.digest.data(), digest.size()) != 0)
        return std::nullopt;
    return Principal{it->second.id, it->second.unit, it->second.admin};
}

std::pair<std::string, TokenStore::Entry> TokenStore::create(std::string_view id,
                                                             std::string_view unit, bool admin) {
    unsigned char bytes[24];
    if (RAND_bytes(bytes, sizeof bytes) != 1)
        throw std::runtime_error("no randomness available for a token");
    const std::string secret =
        to_hex(std::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes));
    const std::string token = "idt_" + std::string(id) + "_" + secret;
    const auto digest = sha256(token);
    Entry e{std::string(id),
            std::string(unit),
            admin,
            to_hex(std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size())),
            {},
            digest};
    return {token, e};
}

bool may_write(const Principal& who, const Plan& /*plan*/, const Indicator& ind) {
    // a per-member indicator's roll-up has no series: each member writes its own
    if (ind.rollup()) return false;
    if (who.admin) return true;
    if (ind.lead_unit == who.unit) return true;
    return std::find(ind.writers.begin(), ind.writers.end(), who.unit) != ind.writers.end();
}

bool may_read(const Principal& who, const Plan& plan, const Indicator& ind) {
    if (who.admin || ind.lead_unit == who.unit) return true;
    // the unit that reviews its values (实绩审核) reads what it decides on
    if (ind.review.by == ReviewRule::By::unit && !who.unit.empty() && ind.review.unit == who.unit)
        return true;
    // a member reads the roll-up of a per-member indicator it reports into
    for (auto m : ind.members)
        if (plan.indicators[m].lead_unit == who.unit) return true;
    const Task* t = plan.task_of(ind);
    if (!t) return false;
    // joint leads (分别牵头) each answer for their own indicator, co-units for all of them
    if (!t->joint && std::find(t->leads.begin(), t->leads.end(), who.unit) != t->leads.end())
        return true;
    return std::find(t->co.begin(), t->co.end(), who.unit) != t->co.end();
}

}  // namespace indicatord
