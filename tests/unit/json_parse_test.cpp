// parse_json's duplicate-key check after issue 10's allocation cuts: the keys of an object are
// scanned in one shared list for the first 16, then hashed, and nested objects keep their own.
#include "util/json_parse.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <string>

using namespace indicatord;

namespace {

// {"k0":0,"k1":1,...} with `n` keys, then `extra` appended inside the braces.
std::string object(int n, const std::string& extra = {}) {
    std::string s = "{";
    for (int i = 0; i < n; ++i)
        s += (i ? "," : "") + ("\"k" + std::to_string(i) + "\":") + std::to_string(i);
    return s + extra + "}";
}

}  // namespace

TEST_CASE("a repeated key is found among the first keys of an object and past them",
          "[json][ingest]") {
    std::string error;
    for (int n : {1, 15, 16, 17, 40, 20000}) {
        INFO(n << " keys");
        auto ok = parse_json(object(n), error);
        REQUIRE(ok);
        CHECK(ok->as_object().size() == static_cast<std::size_t>(n));
        // the first key again, and the last
        CHECK_FALSE(parse_json(object(n, ",\"k0\":1"), error));
        CHECK(error == "duplicate key 'k0' in the body: each key may appear only once");
        CHECK_FALSE(parse_json(object(n, ",\"k" + std::to_string(n - 1) + "\":1"), error));
        CHECK(error == "duplicate key 'k" + std::to_string(n - 1) +
                           "' in the body: each key may appear only once");
    }
}

TEST_CASE("nested objects have keys of their own, also next to a large parent", "[json][ingest]") {
    std::string error;
    // the parent's keys k0..k19 do not count inside the child, nor the child's in the parent
    const auto nested = object(20, ",\"child\":" + object(20) + ",\"after\":1");
    auto v = parse_json(nested, error);
    REQUIRE(v);
    CHECK(*v == boost::json::parse(nested));
    CHECK_FALSE(parse_json(object(20, ",\"child\":" + object(20) + ",\"k3\":1"), error));
    CHECK(error == "duplicate key 'k3' in the body: each key may appear only once");
    CHECK_FALSE(parse_json(object(3, ",\"child\":" + object(18, ",\"k17\":0")), error));
    CHECK(error == "duplicate key 'k17' in child: each key may appear only once");
}
