// util/ascii: lower case and trimming for protocol text, the same in every locale.
#include "util/ascii.hpp"

#include <catch2/catch.hpp>

using namespace indicatord;

TEST_CASE("ascii_lower changes A-Z only", "[ascii]") {
    CHECK(ascii_lower("Text/CSV; Charset=GBK") == "text/csv; charset=gbk");
    CHECK(ascii_lower("丽水 ÀB") == "丽水 Àb");  // UTF-8 bytes untouched
    CHECK(ascii_lower("") == "");
}

TEST_CASE("trim_blanks takes spaces and tabs, or the bytes asked for, from both ends", "[ascii]") {
    CHECK(trim_blanks(" \t form-data \t") == "form-data");
    CHECK(trim_blanks("a b") == "a b");
    CHECK(trim_blanks(" \t ").empty());
    CHECK(trim_blanks("").empty());
    CHECK(trim_blanks("Service Unavailable\r\n", " \t\r\n") == "Service Unavailable");
    CHECK(trim_blanks("\r\nkept\r\n") == "\r\nkept\r\n");  // CR and LF only when asked
}
