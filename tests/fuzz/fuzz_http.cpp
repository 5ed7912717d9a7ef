// The HTTP request path: the bytes of a connection go through Beast's request parser with the
// daemon's limits (HttpLimits defaults), and each request that parses is handled by the real
// handle_request(Service&, HttpRequest) (http/service.hpp), on a world of its own: the
// tests/data/minimal plan, an Engine, a Store on a scratch SQLite file, a Committer, a
// ManualClock (2023-07-15), two API tokens (the seeds in tests/fuzz/corpus/fuzz_http use them)
// and the alerts of one Alerter step.
// Pipelined requests in one input are handled in turn while the connection stays keep-alive.
//
// Checked besides crashes: no exception escapes Service::handle (the server would answer 500),
// statuses are valid, a JSON response is JSON.

#include <spdlog/spdlog.h>

#include <boost/beast/core/error.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/parse.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <typeinfo>

#include "alerts/alert_actions.hpp"
#include "alerts/alerts.hpp"
#include "config/auth.hpp"
#include "eval/engine.hpp"
#include "fuzz_util.hpp"
#include "http/admin_actions.hpp"
#include "http/http_types.hpp"
#include "http/metrics.hpp"
#include "http/route_label.hpp"
#include "http/service.hpp"
#include "model/clock.hpp"
#include "store/committer.hpp"
#include "store/store.hpp"
#include "util/digest.hpp"

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using namespace indicatord;

// The tokens the seeds use: "Authorization: Bearer idt_ops_fuzzadmin" (admin) and
// "Authorization: Bearer idt_fgw_fuzzunit" (unit fgw, lead of gdp_growth and cpi_growth).
constexpr const char* kAdminToken = "idt_ops_fuzzadmin";
constexpr const char* kUnitToken = "idt_fgw_fuzzunit";
// Inputs after which the world (and its database) starts afresh, so it does not grow forever.
constexpr unsigned kResetEvery = 20000;

TimePoint start_time() {
    return *parse_instant("2023-07-15T09:00:00+08:00");
}

/// The daemon's state behind the HTTP API, as App holds it; App's AlertActions and AdminActions in
/// memory (no persistence of acknowledgements and silences).
struct World final : AlertActions, AdminActions {
    ManualClock clock{start_time()};
    SelfMetrics metrics{"fuzz"};
    std::shared_ptr<const Plan> plan = std::make_shared<const Plan>(fuzz::minimal_plan());
    std::unique_ptr<Store> store;
    std::unique_ptr<Committer> committer;
    std::shared_ptr<Engine> engine;
    Alerter alerter_{AlertingConfig{}};
    std::shared_ptr<const TokenStore> tokens;
    std::unique_ptr<Service> service;
    std::int64_t next_silence = 0;
    bool clock_moved = false;

    World() {
        const auto db = fuzz::scratch_dir() / "fuzz.db";
        for (const char* suffix : {"", "-wal", "-shm"})
            std::filesystem::remove(db.string() + suffix);
        store = std::make_unique<Store>(db);
        std::vector<std::string> keys;
        for (const auto& i : plan->indicators) keys.push_back(i.key);
        store->register_indicators(keys);
        committer = std::make_unique<Committer>(*store);
        engine = std::make_shared<Engine>(plan, nullptr);
        load_latest(*store, *engine);
        engine->evaluate_all(clock.now());
        alerter_.step(*engine, clock.now());  // overdue and at-risk alerts to list and acknowledge
        const auto tokens_file = fuzz::scratch_dir() / "tokens.yaml";
        std::ofstream(tokens_file)
            << "tokens:\n"
            << "  - {id: ops, admin: true, sha256: " << sha256_hex(kAdminToken) << "}\n"
            << "  - {id: fgw, unit: fgw, sha256: " << sha256_hex(kUnitToken) << "}\n";
        tokens = std::make_shared<const TokenStore>(TokenStore::load(tokens_file, plan.get()));
        service = std::make_unique<Service>(Service::Deps{
            .engine = [this]() -> Engine& { return *engine; },
            .store = *store,
            .committer = *committer,
            .metrics = metrics,
            .clock = clock,
            .ready = [] { return true; },
            .tokens = [this] { return tokens.get(); },
            .read_requires_token = false,
            .alerts = [this]() -> AlertActions& { return *this; },
            .engine_snapshot = [this]() -> std::shared_ptr<const Engine> { return engine; },
            .storage_problem = [this] { return store->file_problem(); },
            .admin = [this]() -> AdminActions& { return *this; },
        });
    }
    ~World() override { committer->stop(); }

    const Alerter& alerter() const override { return alerter_; }
    TimePoint now() const override { return clock.now(); }
    boost::asio::awaitable<bool> acknowledge(std::string fingerprint, std::string by,
                                             std::string comment) override {
        AlertState changed;
        co_return alerter_.acknowledge(fingerprint, by, comment, clock.now(), &changed);
    }
    boost::asio::awaitable<std::int64_t> add_silence(Silence s) override {
        if (alerter_.silences().size() >= 64)
            alerter_.load({}, {});  // bounded; a database would not be
        s.id = ++next_silence;
        s.created_at = clock.now();
        alerter_.add_silence(s);
        co_return s.id;
    }
    boost::asio::awaitable<bool> expire_silence(std::int64_t id) override {
        co_return alerter_.expire_silence(id, clock.now());
    }
    boost::asio::awaitable<std::optional<ChaseResult>> chase(std::string, std::string,
                                                             std::string) override {
        co_return ChaseResult{++chases, 0, {}};
    }
    std::int64_t chases = 0;
    boost::asio::awaitable<bool> set_clock(TimePoint t) override {  // as indicatord --test-clock
        clock.set(t);
        clock_moved = true;
        engine->evaluate_all(t);
        alerter_.step(*engine, t);
        co_return true;
    }
    boost::asio::awaitable<std::string> reload()
        override {  // as SIGHUP: a new Engine on the same plan, loaded from the store
        auto fresh = std::make_shared<Engine>(plan, nullptr);
        load_latest(*store, *fresh);
        fresh->evaluate_all(clock.now());
        engine = std::move(fresh);
        co_return std::string();
    }
    /// After an input that moved the clock: back to the start, so inputs do not depend on order.
    void restore_clock() {
        if (!clock_moved) return;
        clock_moved = false;
        clock.set(start_time());
        engine->evaluate_all(clock.now());
    }
};

std::unique_ptr<World> world;
unsigned inputs = 0;
// FUZZ_HTTP_TRACE=1: print each request line and the response (to check what seeds reach).
const bool trace = std::getenv("FUZZ_HTTP_TRACE") != nullptr;

void check_response(const HttpResponse& r) {
    if (r.status < 100 || r.status > 599) fuzz::fail("status " + std::to_string(r.status));
    if (r.content_type != "application/json") return;
    boost::json::parse_options strict;
    boost::system::error_code ec;
    boost::json::parse(r.body, ec, {}, strict);
    if (!ec) return;
    // Structure first; a byte that is not UTF-8 (echoed from a percent-decoded path or a
    // header) is a smaller matter, reported once per run (docs/operations.md, "Fuzzing").
    boost::json::parse_options lax;
    lax.allow_invalid_utf8 = true;
    ec = {};
    boost::json::parse(r.body, ec, {}, lax);
    if (ec) fuzz::fail("a JSON response is not JSON (" + ec.message() + "): " + r.body);
    static bool reported = false;
    if (!reported) {
        reported = true;
        std::fprintf(stderr, "fuzz_http: note: a JSON response has invalid UTF-8 (status %u): %s\n",
                     r.status, r.body.c_str());
    }
}

// The real handle_request (http/service.hpp), as tests and tools call it: Service::handle run to
// completion on an io_context of its own, its chunks appended to the body.
HttpResponse handle(HttpRequest request) {
    try {
        return handle_request(*world->service, std::move(request));
    } catch (const std::exception& e) {
        fuzz::fail(std::string("Service::handle threw ") + typeid(e).name() +
                   " (the server answers 500): " + e.what());
    }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    spdlog::set_level(spdlog::level::warn);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (!world || ++inputs % kResetEvery == 0) {
        world.reset();
        world = std::make_unique<World>();
    }
    const HttpLimits limits;
    std::string_view in(reinterpret_cast<const char*>(data), size);
    for (int n = 0; n < 8 && !in.empty();
         ++n) {  // one connection: requests in turn, as serve() does
        http::request_parser<http::string_body> parser;
        parser.body_limit(limits.body_bytes);
        parser.header_limit(static_cast<std::uint32_t>(limits.header_bytes));
        parser.eager(true);
        beast::error_code ec;
        while (!parser.is_done()) {
            const auto used = parser.put(asio::const_buffer(in.data(), in.size()), ec);
            in.remove_prefix(used);
            if (ec == http::error::need_more && used > 0) {
                ec = {};
                continue;
            }
            if (ec || used == 0) break;
        }
        if (ec == http::error::need_more)
            break;  // the server would wait for the rest, then time out
        if (ec) {   // serve() answers 413, 431 or 400 and closes; Service is not involved
            world->metrics.count_response("other", ec == http::error::body_limit     ? 413
                                                   : ec == http::error::header_limit ? 431
                                                                                     : 400);
            break;
        }
        if (!parser.is_done()) break;
        auto req = parser.release();
        const bool keep_alive = req.keep_alive();
        const std::string route(route_label(req.target()));
        HttpRequest r;
        r.method = std::string(req.method_string());
        r.target = std::string(req.target());
        r.content_type = std::string(req[http::field::content_type]);
        r.authorization = std::string(req[http::field::authorization]);
        r.body = std::move(req.body());
        r.cookie = std::string(req[http::field::cookie]);
        r.remote_address = "127.0.0.1";
        const bool head = r.method == "HEAD";
        const std::string line = trace ? r.method + " " + r.target : std::string();
        HttpResponse response = handle(std::move(r));  // chunks (GET /metrics) already whole
        if (trace)
            std::fprintf(stderr, "%s -> %u %.200s\n", line.c_str(), response.status,
                         response.body.c_str());
        check_response(response);
        if (head) response.body.clear();
        world->metrics.count_response(route, response.status);
        if (!keep_alive) break;
    }
    world->restore_clock();
    return 0;
}
