// util/percent_encoding: the one percent-encoder (Boost.URL, RFC 3986 unreserved set) of the
// indicator links, the DingTalk signature and indicatorctl's URLs.
#include "util/percent_encoding.hpp"

#include <catch2/catch.hpp>

using namespace indicatord;

TEST_CASE("percent-encoding keeps exactly RFC 3986's unreserved characters", "[percent]") {
    CHECK(percent_encode("") == "");
    CHECK(percent_encode("AZaz09-._~") == "AZaz09-._~");  // '~' stays as it is
    CHECK(percent_encode(" ") == "%20");                  // not '+'
    CHECK(percent_encode("+") == "%2B");
    CHECK(percent_encode("/") == "%2F");
    CHECK(percent_encode("=") == "%3D");
    CHECK(percent_encode("a b+c/d=~") == "a%20b%2Bc%2Fd%3D~");
    CHECK(percent_encode("?&#%:@") == "%3F%26%23%25%3A%40");
}

TEST_CASE("percent-encoding writes UTF-8 bytes in upper-case hex", "[percent]") {
    CHECK(percent_encode("中") == "%E4%B8%AD");
    CHECK(percent_encode("gdp_增长") == "gdp_%E5%A2%9E%E9%95%BF");
    CHECK(percent_encode(std::string("\x00\xFF", 2)) == "%00%FF");
}

TEST_CASE("a DingTalk signature is encoded whole", "[percent]") {
    // base64 uses '+', '/' and '=': all three must be escaped in the sign parameter.
    CHECK(percent_encode("ab+/cd==") == "ab%2B%2Fcd%3D%3D");
}
