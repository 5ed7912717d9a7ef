// API tokens (config/auth): the tokens file, the Authorization header, who may write and read.

#include "config/auth.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <thread>

#include "model/plan.hpp"
#include "test_util.hpp"
#include "util/digest.hpp"
#include "util/errors.hpp"

using namespace indicatord;

namespace {

const Plan& plan() {
    static const Plan p = load_plan({test::kData + "/minimal"});
    return p;
}

const Indicator& indicator(std::string_view key) {
    const auto* i = plan().find_indicator(key);
    REQUIRE(i);
    return *i;
}

/// A tokens file in `dir` (mode 0600) with `text`; returns its path.
std::filesystem::path tokens_file(const test::TempDir& dir, const std::string& text) {
    const auto path = dir.path() / "tokens.yaml";
    std::ofstream(path) << text;
    std::filesystem::permissions(
        path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    return path;
}

std::string load_error(const std::string& text) {
    test::TempDir dir;
    const auto path = tokens_file(dir, text);
    try {
        TokenStore::load(path, &plan());
    } catch (const ConfigError& e) {
        std::string msg = e.what();
        for (auto at = msg.find(path.string()); at != std::string::npos;
             at = msg.find(path.string(), at + 4))
            msg.replace(at, path.string().size(), "FILE");
        return msg;
    }
    return "no error";
}

const std::string kOps = "idt_ops_0123456789abcdef";
const std::string kFgw = "idt_fgw_fedcba9876543210";

TokenStore two_tokens(const test::TempDir& dir) {
    return TokenStore::load(
        tokens_file(dir, "tokens:\n  - {id: ops, admin: true, sha256: " + sha256_hex(kOps) +
                             "}\n  - {id: fgw, unit: fgw, sha256: " + sha256_hex(kFgw) + "}\n"),
        &plan());
}

}  // namespace

TEST_CASE("auth: a Bearer token names its principal", "[auth]") {
    test::TempDir dir;
    const auto store = two_tokens(dir);
    REQUIRE(store.size() == 2);
    CHECK(store.warnings().empty());

    auto admin = store.authenticate("Bearer " + kOps);
    REQUIRE(admin);
    CHECK(admin->admin);
    CHECK(admin->token_id == "ops");
    CHECK(admin->unit.empty());
    CHECK(admin->reporter() == "admin token:ops");

    auto unit = store.authenticate("bearer " + kFgw);  // the scheme is case-insensitive
    REQUIRE(unit);
    CHECK(!unit->admin);
    CHECK(unit->unit == "fgw");
    CHECK(unit->reporter() == "unit:fgw token:fgw");
}

TEST_CASE("auth: malformed and wrong tokens are refused", "[auth]") {
    test::TempDir dir;
    const auto store = two_tokens(dir);
    CHECK(!store.authenticate(""));
    CHECK(!store.authenticate("Bearer "));
    CHECK(!store.authenticate("Basic " + kOps));
    CHECK(!store.authenticate(kOps));                                  // no scheme
    CHECK(!store.authenticate("Bearer ops_0123456789abcdef"));         // no idt_ prefix
    CHECK(!store.authenticate("Bearer idt_0123456789abcdef"));         // no id
    CHECK(!store.authenticate("Bearer idt_nobody_0123456789abcdef"));  // unknown id
    CHECK(!store.authenticate("Bearer idt_fgw_0123456789abcdef"));     // ops' secret, fgw's id
    CHECK(!store.authenticate("Bearer " + kOps + " "));
}

TEST_CASE("auth: the hash is compared whole (constant time, every byte)", "[auth]") {
    test::TempDir dir;
    const auto store = two_tokens(dir);
    // secrets whose hashes differ from the stored one in any position are refused alike: the
    // comparison (CRYPTO_memcmp) does not stop at a prefix
    for (std::size_t i = 0; i < 16; ++i) {
        std::string token = kOps;
        token[token.size() - 1 - i] = token[token.size() - 1 - i] == 'x' ? 'y' : 'x';
        CHECK(!store.authenticate("Bearer " + token));
    }
    CHECK(!store.authenticate("Bearer " + kOps.substr(0, kOps.size() - 1)));
    CHECK(!store.authenticate("Bearer " + kOps + "0"));
}

TEST_CASE("auth: created tokens are random, hashed, and authenticate", "[auth]") {
    auto [token, entry] = TokenStore::create("ci", "tjj", false);
    CHECK(token.starts_with("idt_ci_"));
    CHECK(token.size() == std::string("idt_ci_").size() + 48);  // 24 random bytes in hex
    CHECK(token.find_first_not_of("0123456789abcdef", 7) == std::string::npos);
    CHECK(entry.sha256 == sha256_hex(token));
    CHECK(entry.unit == "tjj");
    auto [other, other_entry] = TokenStore::create("ci", "tjj", false);
    CHECK(other != token);

    test::TempDir dir;
    const auto store = TokenStore::load(
        tokens_file(dir, "tokens:\n  - {id: ci, unit: tjj, sha256: " + entry.sha256 + "}\n"),
        &plan());
    auto who = store.authenticate("Bearer " + token);
    REQUIRE(who);
    CHECK(who->unit == "tjj");
}

TEST_CASE("auth: who may write, per unit", "[auth]") {
    const Principal fgw{"t", "fgw", false}, tjj{"t", "tjj", false}, liandu{"t", "liandu", false},
        admin{"ops", "", true};
    const auto& gdp = indicator("gdp_growth");
    CHECK(may_write(fgw, plan(), gdp));      // lead unit
    CHECK(may_write(tjj, plan(), gdp));      // a writer of the indicator
    CHECK(!may_write(liandu, plan(), gdp));  // neither
    CHECK(may_write(admin, plan(), gdp));
    const auto& cpi = indicator("cpi_growth");
    CHECK(may_write(fgw, plan(), cpi));
    CHECK(!may_write(tjj, plan(), cpi));  // a writer of gdp_growth only
}

TEST_CASE("auth: who may read under read_scope unit", "[auth]") {
    const Principal fgw{"t", "fgw", false}, tjj{"t", "tjj", false}, liandu{"t", "liandu", false},
        admin{"ops", "", true};
    const auto& gdp = indicator("gdp_growth");
    CHECK(may_read(fgw, plan(), gdp));      // lead
    CHECK(may_read(tjj, plan(), gdp));      // co-unit of task 1
    CHECK(!may_read(liandu, plan(), gdp));  // not responsible
    CHECK(may_read(admin, plan(), gdp));
    CHECK(!may_read(tjj, plan(), indicator("cpi_growth")));  // task 8 has no co-units
}

TEST_CASE("auth: tokens file errors name file:line:col", "[auth]") {
    const std::string hash = sha256_hex("x");
    CHECK(load_error("tokens:\n  - {id: Bad_Id, admin: true, sha256: " + hash + "}\n") ==
          "FILE:2:10: token id must match [a-z0-9][a-z0-9-]{0,31}, got 'Bad_Id'");
    CHECK(load_error("tokens:\n  - {id: a, admin: true, unit: fgw, sha256: " + hash + "}\n") ==
          "FILE:2:5: token 'a' needs exactly one of 'unit: ID' or 'admin: true'");
    CHECK(load_error("tokens:\n  - {id: a, sha256: " + hash + "}\n") ==
          "FILE:2:5: token 'a' needs exactly one of 'unit: ID' or 'admin: true'");
    CHECK(load_error("tokens:\n  - {id: a, unit: nope, sha256: " + hash + "}\n") ==
          "FILE:2:19: token 'a' names unknown unit 'nope'");
    CHECK(load_error("tokens:\n  - {id: a, admin: true, sha256: ABC}\n") ==
          "FILE:2:34: sha256 must be 64 lower-case hex digits");
    CHECK(load_error("tokens:\n  - {id: a, admin: true, sha256: " + hash +
                     "}\n  - {id: a, unit: fgw, sha256: " + hash + "}\n") ==
          "FILE:3:10: duplicate token id 'a' (first at FILE:2:5)");
    CHECK(load_error("tokens:\n  - {id: a, admin: true, sha256: " + hash + ", colour: red}\n") ==
          "FILE:2:100: unknown key 'colour' in token (allowed: id, unit, admin, sha256, created, "
          "note)");
    CHECK(load_error("tokens: {}\n") == "FILE:1:9: tokens must be a list");
    CHECK(load_error("tokens:\n  - {admin: true, sha256: " + hash + "}\n") != "no error");
}

TEST_CASE("auth: a missing file is an empty store, a readable one a warning", "[auth]") {
    test::TempDir dir;
    const auto missing = TokenStore::load(dir.path() / "none.yaml", &plan());
    CHECK(missing.empty());
    CHECK(!missing.authenticate("Bearer " + kOps));

    const auto path =
        tokens_file(dir, "tokens:\n  - {id: ops, admin: true, sha256: " + sha256_hex(kOps) + "}\n");
    std::filesystem::permissions(
        path, std::filesystem::perms::group_read | std::filesystem::perms::others_read,
        std::filesystem::perm_options::add);
    const auto store = TokenStore::load(path, &plan());
    REQUIRE(store.warnings().size() == 1);
    CHECK(store.warnings()[0] == "tokens file " + path.string() +
                                     " has mode 0644: other users may read or change it; run "
                                     "chmod 600 " +
                                     path.string());
    CHECK(store.authenticate("Bearer " + kOps));
}

TEST_CASE("SHA-256 gives the standard digests, call after call and on any thread", "[auth]") {
    // FIPS 180-2's examples; the context each thread reuses must start afresh every time
    const std::string abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    const std::string empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    for (int i = 0; i < 3; ++i) {
        CHECK(sha256_hex("abc") == abc);
        CHECK(sha256_hex("") == empty);
    }
    CHECK(sha256_hex("abc", 16) == abc.substr(0, 16));
    std::string on_thread;
    std::thread([&] { on_thread = sha256_hex("abc"); }).join();
    CHECK(on_thread == abc);
}
