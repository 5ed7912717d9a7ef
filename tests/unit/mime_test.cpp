// notify/mime: the MIME pieces that the digest emails and the bulletin emails share.
#include "notify/mime.hpp"

#include <catch2/catch.hpp>
#include <locale>

#include "util/digest.hpp"

using namespace indicatord;
using namespace indicatord::mime;

namespace {

std::vector<std::string> lines_of(const std::string& s) {
    std::vector<std::string> out;
    std::size_t at = 0;
    for (auto crlf = s.find("\r\n"); crlf != std::string::npos; crlf = s.find("\r\n", at)) {
        out.push_back(s.substr(at, crlf - at));
        at = crlf + 2;
    }
    if (at < s.size()) out.push_back(s.substr(at));
    return out;
}

}  // namespace

TEST_CASE("encoded-words hold whole UTF-8 characters within their budgets", "[mime]") {
    const std::string text = "丽水市重点工作督查通报";  // 11 characters of 3 bytes
    const auto words = encoded_words(text, 7, 9);
    // 7 bytes take two characters, then 9 bytes three at a time
    REQUIRE(words.size() == 4);
    CHECK(words[0] == "=?UTF-8?B?" + base64("丽水") + "?=");
    CHECK(words[1] == "=?UTF-8?B?" + base64("市重点") + "?=");
    CHECK(words[3] == "=?UTF-8?B?" + base64("查通报") + "?=");
    // a malformed sequence longer than the budget goes a byte at a time instead of looping
    CHECK(encoded_words("\xE4\xB8", 1, 1).size() == 2);
    CHECK(encoded_words("", 39, 39).empty());
}

TEST_CASE("headers fold before the token that would pass 76 characters", "[mime]") {
    CHECK(fold_header("Date", {"Thu, 05 Oct 2023 08:30:00 +0000"}) ==
          "Date: Thu, 05 Oct 2023 08:30:00 +0000\r\n");
    const std::vector<std::string> tokens(5, std::string(30, 'x'));
    const auto folded = lines_of(fold_header("Subject", tokens));
    REQUIRE(folded.size() == 3);
    for (const auto& line : folded) CHECK(line.size() <= 76);
    CHECK(folded[1].front() == ' ');  // a continuation line starts with white space
    // a token longer than a line stays whole, folded right after the colon
    const auto long_token = lines_of(fold_header("To", {std::string(90, 'y')}));
    REQUIRE(long_token.size() == 2);
    CHECK(long_token[0] == "To:");
    CHECK(long_token[1] == " " + std::string(90, 'y'));
}

TEST_CASE("a free-text header: ASCII as is, other text as folded encoded-words, no CR or LF",
          "[mime]") {
    CHECK(text_header("Subject", "Report\r\nBcc: someone@example.org") ==
          "Subject: ReportBcc: someone@example.org\r\n");
    const auto chinese = text_header(
        "Subject", "Lishui 2023: the supervision office's bulletin 丽水市重点工作督查通报");
    CHECK(chinese.starts_with("Subject: =?UTF-8?B?"));
    CHECK(chinese.find('\n') == chinese.find("\r\n") + 1);
    for (const auto& line : lines_of(chinese)) CHECK(line.size() <= 76);
}

TEST_CASE("text bodies get CRLF line ends and base64 lines of 76", "[mime]") {
    CHECK(crlf_text("a\nb\r\nc") == "a\r\nb\r\nc\r\n");
    CHECK(crlf_text("lone\rCR\n") == "loneCR\r\n");  // a lone CR is never sent
    CHECK(crlf_text("") == "\r\n");
    const auto body = base64_lines(std::string(200, 'z'));
    const auto lines = lines_of(body);
    REQUIRE(lines.size() == 4);  // 268 characters of base64
    CHECK(lines[0].size() == 76);
    CHECK(lines[3].size() == 268 - 3 * 76);
    CHECK(body.ends_with("\r\n"));
    std::string joined;
    for (const auto& l : lines) joined += l;
    CHECK(joined == base64(std::string(200, 'z')));
}

TEST_CASE("dates are in English whatever the global locale", "[mime]") {
    const auto t = TimePoint{std::chrono::seconds(1696494600)};  // 2023-10-05 08:30 UTC
    CHECK(rfc5322_date(t) == "Thu, 05 Oct 2023 08:30:00 +0000");
    try {
        const auto before = std::locale::global(std::locale("zh_CN.UTF-8"));
        const auto again = rfc5322_date(t);
        std::locale::global(before);
        CHECK(again == "Thu, 05 Oct 2023 08:30:00 +0000");
    } catch (const std::runtime_error&) {
        // no zh_CN locale installed here: the classic locale was used above anyway
    }
}

TEST_CASE("dot-atoms: what may stand unquoted in a Message-ID or a domain", "[mime]") {
    CHECK(is_dot_atom("bulletin.2023-07.dcs"));
    CHECK(is_dot_atom("a+b=c"));
    CHECK_FALSE(is_dot_atom(""));
    CHECK_FALSE(is_dot_atom(".leading"));
    CHECK_FALSE(is_dot_atom("trailing."));
    CHECK_FALSE(is_dot_atom("two..dots"));
    CHECK_FALSE(is_dot_atom("has space"));
    CHECK_FALSE(is_dot_atom("a<b>"));
    CHECK_FALSE(is_dot_atom("丽水"));
    CHECK(is_ascii("plain text"));
    CHECK_FALSE(is_ascii("丽水"));
}

TEST_CASE("RFC 2231 parameters: percent-encoded, without CR or LF", "[mime]") {
    CHECK(rfc2231_parameter("filename", "report.xlsx") == "filename*=UTF-8''report.xlsx");
    CHECK(rfc2231_parameter("filename", "a b.xlsx") == "filename*=UTF-8''a%20b.xlsx");
    // long names in sections: bulletin_schedule_test.cpp, "an attachment is named by RFC 2231"
    // CR and LF never reach the header
    CHECK(rfc2231_parameter("filename", "a\r\nb") == "filename*=UTF-8''ab");
}
