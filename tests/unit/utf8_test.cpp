// util/utf8: the one UTF-8 validator (RFC 3629) that CSV import, template loading, JSON error
// messages and the robot message cutting share.
#include "util/utf8.hpp"

#include <catch2/catch.hpp>

using namespace indicatord;

namespace {
const std::string kReplacement = "\xEF\xBF\xBD";  // U+FFFD
}

TEST_CASE("well-formed UTF-8 passes, up to the edges of each length", "[utf8]") {
    for (const std::string s : {
             "", "ascii", "丽水 2023", "\xC2\x80",  // U+0080, the first two-byte character
             "\xDF\xBF",                            // U+07FF
             "\xE0\xA0\x80",                        // U+0800, the first three-byte character
             "\xED\x9F\xBF",                        // U+D7FF, just below the surrogates
             "\xEE\x80\x80",                        // U+E000, just above them
             "\xEF\xBF\xBF",                        // U+FFFF
             "\xF0\x90\x80\x80",                    // U+10000, the first four-byte character
             "\xF4\x8F\xBF\xBF",                    // U+10FFFF, the last code point
         }) {
        INFO(s);
        CHECK(!invalid_utf8_at(s));
        CHECK(is_valid_utf8(s));
        CHECK(valid_utf8(s) == s);
    }
}

TEST_CASE("overlong forms are refused", "[utf8]") {
    CHECK(invalid_utf8_at("ab\xC0\xAF") == 2u);        // '/' in two bytes
    CHECK(invalid_utf8_at("\xC1\xBF") == 0u);          // U+007F in two bytes
    CHECK(invalid_utf8_at("\xE0\x80\xAF") == 0u);      // '/' in three bytes
    CHECK(invalid_utf8_at("\xE0\x9F\xBF") == 0u);      // U+07FF in three bytes
    CHECK(invalid_utf8_at("\xF0\x80\x80\xAF") == 0u);  // '/' in four bytes
    CHECK(invalid_utf8_at("\xF0\x8F\xBF\xBF") == 0u);  // U+FFFF in four bytes
    CHECK(valid_utf8("\xC0\xAF") == kReplacement + kReplacement);
}

TEST_CASE("surrogates are refused", "[utf8]") {
    CHECK(invalid_utf8_at("x\xED\xA0\x80") == 1u);             // U+D800
    CHECK(invalid_utf8_at("\xED\xBF\xBF") == 0u);              // U+DFFF
    CHECK(invalid_utf8_at("\xED\xA0\xBD\xED\xB8\x80") == 0u);  // a CESU-8 pair
    CHECK(valid_utf8("\xED\xA0\x80") == kReplacement + kReplacement + kReplacement);
}

TEST_CASE("code points above U+10FFFF are refused", "[utf8]") {
    CHECK(invalid_utf8_at("\xF4\x90\x80\x80") == 0u);  // U+110000
    CHECK(invalid_utf8_at("\xF5\x80\x80\x80") == 0u);
    CHECK(invalid_utf8_at("\xF7\xBF\xBF\xBF") == 0u);
    CHECK(invalid_utf8_at("\xF8\x88\x80\x80\x80") == 0u);  // the old five-byte form
    CHECK(invalid_utf8_at("\xFF") == 0u);
    CHECK(valid_utf8("a\xF4\x90\x80\x80z") ==
          "a" + kReplacement + kReplacement + kReplacement + kReplacement + "z");
}

TEST_CASE("truncated sequences and stray continuation bytes are refused", "[utf8]") {
    CHECK(invalid_utf8_at("\xE4\xB8") == 0u);        // 中 without its last byte, at the end
    CHECK(invalid_utf8_at("\xE4\xB8x") == 0u);       // ... and followed by ASCII
    CHECK(invalid_utf8_at("ok\xF0\x9F\x98") == 2u);  // an emoji cut short
    CHECK(invalid_utf8_at("\xC3") == 0u);
    CHECK(invalid_utf8_at("\x80") == 0u);  // a continuation byte alone
    CHECK(invalid_utf8_at("中\xBF") == 3u);
    CHECK(valid_utf8("\xE4\xB8x") == kReplacement + kReplacement + "x");
    CHECK(valid_utf8("/\xFF中") == "/" + kReplacement + "中");
}

TEST_CASE("a prefix never splits a character", "[utf8]") {
    const std::string s = "a中b";  // 1 + 3 + 1 bytes
    CHECK(utf8_prefix(s, 10) == s);
    CHECK(utf8_prefix(s, 5) == s);
    CHECK(utf8_prefix(s, 4) == "a中");
    CHECK(utf8_prefix(s, 3) == "a");
    CHECK(utf8_prefix(s, 2) == "a");
    CHECK(utf8_prefix(s, 1) == "a");
    CHECK(utf8_prefix(s, 0).empty());
}
