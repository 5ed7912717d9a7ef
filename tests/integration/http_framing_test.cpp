// HTTP framing of the real daemon over raw sockets: Transfer-Encoding and Content-Length
// (request smuggling), trailers, auth before the body, the header limit, HEAD, odd targets and
// hostile JSON bodies. Every answer is counted: one request, one response.
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <fstream>
#include <string>
#include <vector>

#include "harness.hpp"

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

const std::string kRules =
    "rules: " + it::kData + "/minimal\ncalendars: " + it::kData + "/../../config/calendars\n";

/// Small limits: every limit is reached with a few kilobytes.
fs::path small_limits_config(const fs::path& dir) {
    const auto path = dir / "indicatord.yaml";
    std::ofstream(path) << kRules
                        << "http: {idle_timeout: 5s, read_timeout: 5s, header_limit_bytes: 2048, "
                           "body_limit_bytes: 4096}\n";
    return path;
}

/// Auth on (tokens file), the default 8 MB body limit.
fs::path auth_config(const fs::path& dir) {
    const auto path = dir / "indicatord.yaml";
    std::ofstream(path) << kRules << "auth:\n  tokens_file: tokens.yaml\n";
    return path;
}

std::string create_token(const fs::path& config, const std::string& args) {
    auto [code, out] = it::run(it::kCtl + " token create " + config.string() + " " + args);
    REQUIRE(code == 0);
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
    return out;
}

const std::string kValue =
    R"({"values":[{"indicator":"gdp_growth","period":"2023-Q1","value":4.9}]})";
const std::string kHealth = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

std::string hex(std::size_t n) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%zx", n);
    return buf;
}

std::size_t stored(const it::Daemon& d, const std::string& key,
                   const std::vector<std::string>& headers = {}) {
    auto r = it::http("GET", d.url("/api/v1/indicators/" + key + "/values"), {}, {}, headers);
    REQUIRE(r.status == 200);
    return json::parse(r.body).at("values").as_array().size();
}

std::string error_of(const std::string& response) {
    return std::string(json::parse(it::body_of(response)).at("error").as_string());
}

/// Sends `request` on a fresh connection; expects exactly one response with `status`, then the
/// connection closed with nothing more sent.
void one_answer_then_close(const it::Daemon& d, const std::string& request, int status,
                           const std::string& error = {}) {
    it::RawClient c(d.port());
    c.send(request);
    auto r = c.response(5s);
    REQUIRE(r);
    CHECK(it::status_of(*r) == status);
    if (!error.empty()) CHECK(error_of(*r) == error);
    CHECK(c.wait_closed(5s));
    INFO("after the first response: " << c.pending().substr(0, 300));
    CHECK(c.pending().empty());
}

}  // namespace

TEST_CASE(
    "a Transfer-Encoding that does not end in chunked gets 400 and a closed connection, "
    "never a second request from its body",
    "[http][framing]") {
    it::TempDir dir;
    it::Daemon d(dir.path(), small_limits_config(dir.path()).string());
    // The body is a whole request: a server that ignores the coding answers it too.
    const std::string smuggled = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    for (const std::string coding :
         {"xchunked", "identity", "chunked, identity", "chunkedx", "gzip"}) {
        INFO("Transfer-Encoding: " << coding);
        one_answer_then_close(
            d,
            "POST /api/v1/values HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            "Transfer-Encoding: " +
                coding + "\r\n\r\n" + smuggled,
            400,
            "Transfer-Encoding '" + coding +
                "' does not end in chunked: the body's length is unknown (RFC 9112 section 6.3)");
    }
    // Two fields: "identity" then "chunked" is read as "identity, chunked": chunked is last, but
    // identity is no coding this server decodes.
    one_answer_then_close(
        d,
        "POST /api/v1/values HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: identity\r\nTransfer-Encoding: chunked\r\n\r\n" +
            hex(kValue.size()) + "\r\n" + kValue + "\r\n0\r\n\r\n" + smuggled,
        501, "transfer coding 'identity' is not supported (only chunked)");
    one_answer_then_close(
        d,
        "POST /api/v1/values HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: gzip, chunked\r\n\r\n" +
            hex(kValue.size()) + "\r\n" + kValue + "\r\n0\r\n\r\n" + smuggled,
        501, "transfer coding 'gzip' is not supported (only chunked)");
    // HTTP/1.0 has no Transfer-Encoding at all.
    one_answer_then_close(
        d,
        "POST /api/v1/values HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\n\r\n" +
            hex(kValue.size()) + "\r\n" + kValue + "\r\n0\r\n\r\n",
        400, "Transfer-Encoding 'chunked' in an HTTP/1.0 request");
    CHECK(stored(d, "gdp_growth") == 0);

    // Plain chunked still works, and keeps the connection for the next request.
    it::RawClient c(d.port());
    c.send(
        "POST /api/v1/values HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: Chunked\r\n\r\n" +
        hex(kValue.size()) + "\r\n" + kValue + "\r\n0\r\n\r\n" + kHealth);
    auto first = c.response(5s);
    REQUIRE(first);
    CHECK(it::status_of(*first) == 200);
    auto second = c.response(5s);
    REQUIRE(second);
    CHECK(it::status_of(*second) == 200);
    CHECK(stored(d, "gdp_growth") == 1);
}

TEST_CASE(
    "Content-Length with Transfer-Encoding, or twice, gets 400 and a closed connection (held)",
    "[http][framing]") {
    it::TempDir dir;
    it::Daemon d(dir.path(), small_limits_config(dir.path()).string());
    const std::string post =
        "POST /api/v1/values HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n";
    const std::string chunked_body = hex(kValue.size()) + "\r\n" + kValue + "\r\n0\r\n\r\n";
    const std::vector<std::pair<std::string, std::string>> cases{
        {"CL then TE", post + "Content-Length: " + std::to_string(chunked_body.size()) +
                           "\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked_body + kHealth},
        {"TE then CL",
         post + "Transfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n" + chunked_body + kHealth},
        {"two Content-Length", post + "Content-Length: " + std::to_string(kValue.size()) +
                                   "\r\nContent-Length: 4\r\n\r\n" + kValue + kHealth},
        {"a Content-Length list", post + "Content-Length: " + std::to_string(kValue.size()) +
                                      ", 4\r\n\r\n" + kValue + kHealth},
        {"chunked twice", post +
                              "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n" +
                              chunked_body + kHealth},
    };
    for (const auto& [what, request] : cases) {
        INFO(what);
        it::RawClient c(d.port());
        c.send(request);
        auto r = c.response(5s);
        REQUIRE(r);
        CHECK(it::status_of(*r) == 400);
        CHECK_THAT(error_of(*r), Catch::StartsWith("malformed HTTP request"));
        CHECK(c.wait_closed(5s));
        CHECK(c.pending().empty());
    }
    CHECK(stored(d, "gdp_growth") == 0);
}

TEST_CASE("only header fields authenticate: Authorization in a chunked trailer is not a token",
          "[http][framing][auth]") {
    it::TempDir dir;
    const auto config = auth_config(dir.path());
    const auto admin = create_token(config, "--admin --id ops");
    it::Daemon d(dir.path(), config.string());

    it::RawClient c(d.port());
    c.send(
        "POST /api/v1/values HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\nTrailer: Authorization\r\n\r\n" +
        hex(kValue.size()) + "\r\n" + kValue + "\r\n0\r\nAuthorization: Bearer " + admin +
        "\r\n\r\n");
    auto r = c.response(5s);
    REQUIRE(r);
    CHECK(it::status_of(*r) == 401);
    CHECK(error_of(*r) == "writing values needs an API token: send Authorization: Bearer <token>");
    CHECK(c.wait_closed(5s));
    CHECK(stored(d, "gdp_growth") == 0);

    // The same token in the header is accepted; a trailer Content-Type does not change the body's.
    it::RawClient ok(d.port());
    ok.send(
        "POST /api/v1/values HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        "Authorization: Bearer " +
        admin + "\r\nTransfer-Encoding: chunked\r\n\r\n" + hex(kValue.size()) + "\r\n" + kValue +
        "\r\n0\r\nContent-Type: text/csv\r\n\r\n");
    auto accepted = ok.response(5s);
    REQUIRE(accepted);
    CHECK(it::status_of(*accepted) == 200);
    CHECK(stored(d, "gdp_growth") == 1);
}

TEST_CASE(
    "tokens are checked on the header: no 100 Continue and no body read for a refused request",
    "[http][framing][auth]") {
    it::TempDir dir;
    const auto config = auth_config(dir.path());
    const auto admin = create_token(config, "--admin --id ops");
    const auto fgw = create_token(config, "--unit fgw --id fgw-1");
    it::Daemon d(dir.path(), config.string());
    const std::string eight_mb = std::to_string(8 * 1024 * 1024);

    auto head_only = [&](const std::string& path, const std::string& authorization, bool expect) {
        return "POST " + path +
               " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n" +
               (authorization.empty() ? "" : "Authorization: Bearer " + authorization + "\r\n") +
               (expect ? "Expect: 100-continue\r\n" : "") + "Content-Length: " + eight_mb +
               "\r\n\r\n";
    };
    struct Case {
        std::string what, path, token;
        bool expect;
        int status;
        std::string error;
    };
    const std::vector<Case> cases{
        {"anonymous, Expect", "/api/v1/values", "", true, 401,
         "writing values needs an API token: send Authorization: Bearer <token>"},
        {"anonymous, no Expect", "/api/v1/values", "", false, 401,
         "writing values needs an API token: send Authorization: Bearer <token>"},
        {"a wrong token", "/api/v1/values", "idt_ops_0000", true, 401,
         "the API token is not valid"},
        {"a unit token on silences", "/api/v1/silences", fgw, true, 403,
         "only an admin token may create silences"},
        {"a unit token on reload", "/-/reload", fgw, true, 401, "reloading needs an admin token"},
    };
    for (const auto& k : cases) {
        INFO(k.what);
        // The body is never sent: the answer comes from the header alone, and no 100 Continue
        // first.
        it::RawClient c(d.port());
        c.send(head_only(k.path, k.token, k.expect));
        auto r = c.response(5s);
        REQUIRE(r);
        CHECK(it::status_of(*r) == k.status);
        CHECK(error_of(*r) == k.error);
        CHECK(c.wait_closed(5s));
        CHECK(c.pending().empty());
    }

    // A valid token gets 100 Continue, then its body is read.
    it::RawClient c(d.port());
    c.send(
        "POST /api/v1/values HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        "Authorization: Bearer " +
        fgw + "\r\nExpect: 100-continue\r\nContent-Length: " + std::to_string(kValue.size()) +
        "\r\n\r\n");
    auto interim = c.head(5s);
    REQUIRE(interim);
    CHECK(it::status_of(*interim) == 100);
    c.send(kValue);
    auto r = c.response(5s);
    REQUIRE(r);
    CHECK(it::status_of(*r) == 200);
    CHECK(stored(d, "gdp_growth", {"Authorization: Bearer " + admin}) == 1);
}

TEST_CASE("the header limit counts the whole header block: one large field or many small ones",
          "[http][framing][limits]") {
    it::TempDir dir;
    it::Daemon d(dir.path(), small_limits_config(dir.path()).string());
    const std::string start = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n";

    // A request whose header block (request line to the blank line) is exactly `size` bytes.
    auto one_field = [&](std::size_t size) {
        const std::size_t fixed = start.size() + std::string("X-Filler: \r\n\r\n").size();
        return start + "X-Filler: " + std::string(size - fixed, 'x') + "\r\n\r\n";
    };
    auto many_fields = [&](std::size_t size) {
        std::string block = start;
        for (int i = 0; block.size() + 40 + 12 < size; ++i) {
            char name[16];
            std::snprintf(name, sizeof name, "X-H%04d: ", i);
            block += name + std::string(40 - 9 - 2, 'y') + "\r\n";  // 40 bytes a field
        }
        const std::size_t fixed = block.size() + std::string("X-Last: \r\n\r\n").size();
        return block + "X-Last: " + std::string(size - fixed, 'z') + "\r\n\r\n";
    };
    for (const auto& [shape, make] :
         {std::pair{"one field", std::function<std::string(std::size_t)>(one_field)},
          std::pair{"many fields", std::function<std::string(std::size_t)>(many_fields)}}) {
        for (const std::size_t size :
             {std::size_t(2048), std::size_t(2049), std::size_t(3000), std::size_t(6000)}) {
            const auto request = make(size);
            REQUIRE(request.size() == size);
            INFO(shape << ", a header block of " << size << " bytes");
            it::RawClient c(d.port());
            c.send(request);
            auto r = c.response(5s);
            REQUIRE(r);
            if (size <= 2048) {
                CHECK(it::status_of(*r) == 200);
            } else {
                CHECK(it::status_of(*r) == 431);
                CHECK(error_of(*r) == "request headers exceed 2048 bytes");
                CHECK(c.wait_closed(5s));
            }
        }
    }

    // Sent in small pieces, the block is counted the same way.
    it::RawClient slow(d.port());
    const auto request = many_fields(2049);
    for (std::size_t at = 0; at < request.size(); at += 100)
        if (!slow.send(request.substr(at, 100))) break;
    auto r = slow.response(5s);
    REQUIRE(r);
    CHECK(it::status_of(*r) == 431);
}

TEST_CASE("HEAD answers the GET's Content-Length with no body, and the connection goes on",
          "[http][framing]") {
    it::TempDir dir;
    it::Daemon d(dir.path(), small_limits_config(dir.path()).string());
    for (const std::string path : {"/healthz", "/api/v1/indicators",
                                   "/api/v1/indicators/gdp_growth", "/api/v1/indicators/nope"}) {
        INFO(path);
        it::RawClient c(d.port());
        c.send("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        auto get = c.response(5s);
        REQUIRE(get);
        c.send("HEAD " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" + kHealth);
        auto head = c.head(5s);
        REQUIRE(head);
        CHECK(it::status_of(*head) == it::status_of(*get));
        CHECK(it::header_of(*head, "content-length") == std::to_string(it::body_of(*get).size()));
        CHECK(it::header_of(*head, "content-type") == it::header_of(*get, "content-type"));
        // no body bytes: the next thing on the connection is the next response
        auto next = c.response(5s);
        REQUIRE(next);
        CHECK(next->starts_with("HTTP/1.1 200 OK\r\n"));
    }
    // /metrics goes out chunked: HEAD says so, sends no chunk, and keeps the connection.
    it::RawClient c(d.port());
    c.send("HEAD /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" + kHealth);
    auto head = c.head(5s);
    REQUIRE(head);
    CHECK(it::status_of(*head) == 200);
    CHECK(it::header_of(*head, "transfer-encoding") == "chunked");
    auto next = c.response(5s);
    REQUIRE(next);
    CHECK(next->starts_with("HTTP/1.1 200 OK\r\n"));
}

TEST_CASE("traversal and absolute-form targets reach no file and no other host (held)",
          "[http][framing]") {
    it::TempDir dir;
    it::Daemon d(dir.path(), small_limits_config(dir.path()).string());
    const std::vector<std::pair<std::string, std::vector<int>>> targets{
        {"/../../../../etc/passwd", {404}},
        {"/api/v1/indicators/../../../../etc/passwd", {404}},
        {"/api/v1/indicators/%2e%2e%2f%2e%2e%2fetc%2fpasswd", {404}},
        {"/api/v1/indicators/..%2f..%2f..%2fetc%2fpasswd/values", {404}},
        {"http://example.org/api/v1/indicators", {400}},
        {"http://127.0.0.1/etc/passwd", {400}},
        {"//example.org/healthz", {404}},
        {"*", {400}},
        {"example.org:443", {400}},
    };
    for (const auto& [target, statuses] : targets) {
        INFO(target);
        it::RawClient c(d.port());
        c.send("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        auto r = c.response(5s);
        REQUIRE(r);
        CHECK(std::find(statuses.begin(), statuses.end(), it::status_of(*r)) != statuses.end());
        CHECK(r->find("root:") == std::string::npos);
        CHECK(it::header_of(*r, "content-type") == "application/json");
    }
    it::RawClient c(d.port());
    c.send("CONNECT example.org:443 HTTP/1.1\r\nHost: example.org:443\r\n\r\n");
    auto r = c.response(5s);
    if (r)
        CHECK((it::status_of(*r) == 400 || it::status_of(*r) == 404 || it::status_of(*r) == 405));
    CHECK(it::http("GET", d.url("/healthz")).status == 200);
}

TEST_CASE(
    "10,000-deep JSON, 100,001 values and invalid UTF-8 get 400, and nothing is stored (held)",
    "[http][framing][ingest]") {
    it::TempDir dir;
    const auto config = dir.path() / "indicatord.yaml";
    std::ofstream(config) << kRules;
    it::Daemon d(dir.path(), config.string());
    auto post = [&](const std::string& body, const std::string& type = "application/json") {
        return it::http("POST", d.url("/api/v1/values"), body, type);
    };
    auto refused = [&](const it::Response& r) {
        INFO(r.body.substr(0, 300));
        CHECK(r.status == 400);
        CHECK(r.content_type == "application/json");
        // the error is valid JSON (and so valid UTF-8) with a message
        boost::system::error_code ec;
        auto doc = json::parse(r.body, ec);
        REQUIRE(!ec);
        CHECK(!doc.at("error").as_string().empty());
    };

    const std::string deep =
        "{\"values\":" + std::string(10000, '[') + std::string(10000, ']') + "}";
    refused(post(deep));
    refused(post(std::string(10000, '{')));

    std::string many = "{\"values\":[";
    for (int i = 0; i < 100001; ++i)
        many += std::string(i ? "," : "") +
                R"({"indicator":"gdp_growth","period":"2023-Q1","value":1})";
    many += "]}";
    auto too_many = post(many);
    refused(too_many);
    CHECK(json::parse(too_many.body).at("error").as_string() ==
          "too many values in one request (100001 > 100000)");

    refused(
        post("{\"values\":[{\"indicator\":\"gdp\xff\xfe_growth\",\"period\":\"2023-Q1\",\"value\":"
             "1}]}"));
    refused(
        post("{\"values\":[{\"indicator\":\"gdp_growth\",\"period\":\"2023-Q1\",\"value\":1,"
             "\"note\":\"\xc3\x28\"}]}"));
    refused(
        post("{\"values\":[{\"indicator\":\"gdp_growth\",\"period\":\"2023-Q1\",\"value\":1,"
             "\"note\":\"\xed\xa0\x80\"}]}"));
    auto csv = post("indicator,period,value\ngdp_growth,2023-Q1,1\n\xff\xfe\xfd,2023-Q1,2\n",
                    "text/csv; charset=utf-8");
    refused(csv);

    CHECK(stored(d, "gdp_growth") == 0);
    CHECK(it::http("GET", d.url("/healthz")).status == 200);
    CHECK(post(kValue).status == 200);
}
