#include "http/http_server.hpp"

#include <spdlog/spdlog.h>

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <memory_resource>

#include "http/metrics.hpp"
#include "http/route_label.hpp"
#include "http/service.hpp"

namespace indicatord {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {
constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);

/// The header fields of a request and of its answer live in the connection's arena (`Arena`),
/// not in an allocation per field: a request and its answer were a dozen of them.
using Alloc = std::pmr::polymorphic_allocator<char>;
using Fields = http::basic_fields<Alloc>;
using RequestParser = http::request_parser<http::string_body, Alloc>;
using Response = http::response<http::string_body, Fields>;

/// A connection's memory for the header fields of one exchange at a time: a buffer in the
/// connection's coroutine frame, reset before each request (a header larger than the buffer
/// takes blocks from the heap, freed at the reset).
class Arena {
  public:
    Arena() : resource_(buffer_.data(), buffer_.size()) {}
    Arena(const Arena&) = delete;
    Arena& operator=(const Arena&) = delete;
    /// Only once the previous exchange's parser and answer are gone.
    void reset() { resource_.release(); }
    Alloc alloc() { return Alloc(&resource_); }

  private:
    std::array<std::byte, 4096> buffer_;
    std::pmr::monotonic_buffer_resource resource_;
};

/// `head`: the answer to a HEAD request, with the Content-Length the GET would have and no body.
Response to_beast(HttpResponse&& r, unsigned version, bool keep_alive, bool head, Alloc alloc) {
    Response res{std::piecewise_construct, std::make_tuple(), std::make_tuple(alloc)};
    res.result(static_cast<http::status>(r.status));
    res.version(version);
    res.set(http::field::server, "indicatord");
    res.set(http::field::content_type, r.media_type());
    for (auto& [k, v] : r.headers) res.set(k, v);
    res.keep_alive(keep_alive);
    if (head) {
        res.content_length(r.body.size());
    } else {
        res.body() = std::move(r.body);
        res.prepare_payload();
    }
    return res;
}

/// Why a request's Transfer-Encoding cannot be served, or empty. RFC 9112 §6.3: when chunked is
/// not the final coding the length is unknown (400, close); §6.1: an unknown coding gets 501.
std::pair<unsigned, std::string> refuse_transfer_encoding(const RequestParser& parser) {
    const auto& hdr = parser.get();
    if (hdr.count(http::field::transfer_encoding) == 0) return {};
    const auto [first, last] = hdr.equal_range(http::field::transfer_encoding);
    std::string codings;
    for (auto f = first; f != last; ++f)
        codings += (codings.empty() ? "" : ", ") + std::string(f->value());
    if (hdr.version() < 11)
        return {400, "Transfer-Encoding '" + codings + "' in an HTTP/1.0 request"};
    if (!parser.chunked())
        return {
            400,
            "Transfer-Encoding '" + codings +
                "' does not end in chunked: the body's length is unknown (RFC 9112 section 6.3)"};
    for (auto f = first; f != last; ++f)
        for (auto coding : http::token_list{f->value()})
            if (!beast::iequals(coding, "chunked"))
                return {501, "transfer coding '" + std::string(coding) +
                                 "' is not supported (only chunked)"};
    return {};
}
}  // namespace

struct HttpServer::Session {
    tcp::socket* socket = nullptr;  ///< the connection's socket, while its stream lives
    bool busy = false;
    /// Refused before its body was read (413, 431, 400): the client may still be sending, and
    /// closing with its bytes unread would reset the connection and lose the answer.
    bool linger = false;
    /// The peer's address, read once per connection (a system call per request before).
    std::string remote_address;
};

namespace {

// Lingering close (as nginx's lingering_close): after the answer and our FIN, the bytes a client
// still sends are read and dropped, for at most 5 s, so that its TCP stack does not get a reset
// that discards the answer before it is read.
asio::awaitable<void> linger(beast::tcp_stream& stream) {
    stream.expires_after(std::chrono::seconds(5));
    std::array<char, 16384> scratch;
    for (;;) {
        auto [ec, n] = co_await stream.async_read_some(asio::buffer(scratch), nothrow);
        if (ec || n == 0) break;
    }
}

}  // namespace

HttpServer::HttpServer(asio::io_context& io, Service& service, SelfMetrics& metrics,
                       HttpLimits limits)
    : io_(io), service_(service), metrics_(metrics), limits_(limits), acceptor_(io) {}

HttpServer::~HttpServer() = default;

void HttpServer::enable_tls(const std::filesystem::path& cert_file,
                            const std::filesystem::path& key_file) {
    auto ctx = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
    ctx->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                     asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                     asio::ssl::context::no_tlsv1_1 | asio::ssl::context::single_dh_use);
    ctx->use_certificate_chain_file(cert_file.string());
    ctx->use_private_key_file(key_file.string(), asio::ssl::context::pem);
    tls_ = std::move(ctx);
}

std::uint16_t HttpServer::listen(const std::string& host, std::uint16_t port) {
    tcp::endpoint ep{asio::ip::make_address(host), port};
    acceptor_.open(ep.protocol());
    acceptor_.set_option(asio::socket_base::reuse_address(true));
    acceptor_.bind(ep);
    acceptor_.listen(asio::socket_base::max_listen_connections);
    return acceptor_.local_endpoint().port();
}

void HttpServer::start() {
    asio::co_spawn(io_, accept_loop(), asio::detached);
}

void HttpServer::drain(std::function<void()> drained) {
    draining_ = true;
    drained_ = std::move(drained);
    boost::system::error_code ec;
    acceptor_.close(ec);
    for (auto* s : sessions_)
        if (!s->busy && s->socket) s->socket->close(ec);
    check_drained();
}

void HttpServer::check_drained() {
    if (draining_ && sessions_.empty() && drained_) {
        auto f = std::move(drained_);
        drained_ = nullptr;
        f();
    }
}

asio::awaitable<void> HttpServer::accept_loop() {
    while (acceptor_.is_open()) {
        auto [ec, socket] = co_await acceptor_.async_accept(nothrow);
        if (ec) {
            if (ec == asio::error::operation_aborted || !acceptor_.is_open()) break;
            spdlog::warn("accept failed: {}", ec.message());
            continue;
        }
        if (sessions_.size() >= limits_.max_connections) {
            spdlog::warn("connection refused: {} connections open (http.max_connections)",
                         sessions_.size());
            boost::system::error_code ignored;
            socket.close(ignored);
            continue;
        }
        asio::co_spawn(io_, serve(std::move(socket)), asio::detached);
    }
}

asio::awaitable<void> HttpServer::serve(tcp::socket socket) {
    Session session;
    sessions_.push_back(&session);
    auto self = std::prev(sessions_.end());
    boost::system::error_code ec;
    try {
        if (tls_) {
            beast::ssl_stream<beast::tcp_stream> stream(beast::tcp_stream(std::move(socket)),
                                                        *tls_);
            auto& lowest = beast::get_lowest_layer(stream);
            session.socket = &lowest.socket();
            lowest.expires_after(limits_.read_timeout);
            auto [hec] = co_await stream.async_handshake(asio::ssl::stream_base::server, nothrow);
            if (!hec) {
                co_await exchange(stream, session);
                lowest.expires_after(std::chrono::seconds(1));
                co_await stream.async_shutdown(nothrow);
            }
            lowest.socket().shutdown(tcp::socket::shutdown_send, ec);
            lowest.socket().close(ec);
        } else {
            beast::tcp_stream stream(std::move(socket));
            session.socket = &stream.socket();
            co_await exchange(stream, session);
            stream.socket().shutdown(tcp::socket::shutdown_send, ec);
            if (session.linger && !draining_) co_await linger(stream);
            stream.socket().close(ec);
        }
    } catch (const std::exception& e) {
        spdlog::warn("connection error: {}", e.what());
    }
    session.socket = nullptr;
    sessions_.erase(self);
    check_drained();
}

template <typename Stream>
asio::awaitable<void> HttpServer::exchange(Stream& stream, Session& session) {
    auto& lowest = beast::get_lowest_layer(stream);
    beast::flat_buffer buffer;
    Arena arena;
    for (;;) {
        arena.reset();
        RequestParser parser{std::piecewise_construct, std::make_tuple(),
                             std::make_tuple(arena.alloc())};
        parser.body_limit(limits_.body_bytes);
        parser.header_limit(static_cast<std::uint32_t>(limits_.header_bytes));
        session.busy = false;
        if (draining_) break;
        // idle_timeout until the request's first byte (unless a pipelined one is already
        // buffered), then read_timeout for the rest of it: a slow header is not idleness.
        if (buffer.size() == 0) {
            lowest.expires_after(limits_.idle_timeout);
            auto [ec, n] = co_await stream.async_read_some(buffer.prepare(1024), nothrow);
            if (ec) break;  // closed, reset, idle too long or drained: nothing to answer
            buffer.commit(n);
        }
        lowest.expires_after(limits_.read_timeout);
        auto [ec, header_size] = co_await http::async_read_header(stream, buffer, parser, nothrow);
        if (ec == http::error::end_of_stream || ec == asio::error::eof ||
            ec == asio::error::operation_aborted || ec == beast::error::timeout ||
            ec == asio::error::connection_reset || ec == asio::error::bad_descriptor)
            break;
        session.busy = true;
        HttpResponse error;
        bool fatal = false;
        if (ec == http::error::body_limit) {
            // the header is not complete here, so its Content-Length cannot be read back
            error = json_error(413, "request body exceeds the limit of " +
                                        std::to_string(limits_.body_bytes) + " bytes");
            fatal = true;
        } else if (ec == http::error::header_limit) {
            error = json_error(
                431, "request headers exceed " + std::to_string(limits_.header_bytes) + " bytes");
            fatal = true;
        } else if (ec) {
            error = json_error(400, "malformed HTTP request: " + ec.message());
            fatal = true;
        } else if (header_size > limits_.header_bytes) {
            // Beast bounds the request line and the fields each, not always their sum: the whole
            // header block (request line, fields, blank line) counts against the one limit.
            error = json_error(
                431, "request headers exceed " + std::to_string(limits_.header_bytes) + " bytes");
            fatal = true;
        } else if (auto [status, why] = refuse_transfer_encoding(parser); status) {
            error = json_error(status, why);
            fatal = true;
        } else if (auto len = parser.content_length(); len && *len > limits_.body_bytes) {
            error = json_error(413, "request body of " + std::to_string(*len) +
                                        " bytes exceeds the limit of " +
                                        std::to_string(limits_.body_bytes) + " bytes");
            fatal = true;
        }
        // Only the header's fields count: Beast merges a chunked body's trailer fields into the
        // same message, so Authorization and Content-Type are taken before the body is read.
        HttpRequest head;
        if (!fatal) {
            const auto& hdr = parser.get();
            head = HttpRequest{std::string(hdr.method_string()),
                               std::string(hdr.target()),
                               std::string(hdr[http::field::content_type]),
                               std::string(hdr[http::field::authorization]),
                               {},
                               std::string(hdr[http::field::cookie]),
                               {},
                               std::string(hdr["X-CSRF-Token"])};
            if (session.remote_address.empty()) {
                boost::system::error_code peer_ec;
                const auto peer = lowest.socket().remote_endpoint(peer_ec);
                if (!peer_ec) session.remote_address = peer.address().to_string();
            }
            head.remote_address = session.remote_address;
            // Token checks on the head, before 100 Continue and before any body byte is read.
            // A body already in the buffer (a small request, sent whole) costs nothing more to
            // read: handle() checks the token then, and a request pays for one check, not two
            // (each is a SHA-256).
            const auto length = parser.content_length();
            const bool body_buffered = !parser.chunked() && length && buffer.size() >= *length;
            if (!parser.is_done() && !body_buffered) {
                if (auto refusal = service_.refuse_head(head)) {
                    error = std::move(*refusal);
                    fatal = true;
                }
            }
        }
        if (!fatal) {
            auto& hdr = parser.get();
            if (beast::iequals(hdr[http::field::expect], "100-continue")) {
                http::response<http::empty_body> cont{http::status::continue_, 11};
                auto [wec, wn] = co_await http::async_write(stream, cont, nothrow);
                if (wec) break;
            }
            lowest.expires_after(limits_.read_timeout);
            auto [rec, rn] = co_await http::async_read(stream, buffer, parser, nothrow);
            if (rec == http::error::body_limit) {
                error = json_error(413, "request body exceeds the limit of " +
                                            std::to_string(limits_.body_bytes) + " bytes");
                fatal = true;
            } else if (rec) {
                break;
            }
        }
        const unsigned version = parser.get().version();
        const std::string_view route = route_label(head.target);
        HttpResponse response;
        bool keep_alive = false;
        bool head_request = false;
        if (fatal) {
            response = std::move(error);
            session.linger = true;
        } else {
            auto req = parser.release();
            keep_alive = req.keep_alive();
            HttpRequest r = std::move(head);
            r.body = std::move(req.body());
            head_request = r.method == "HEAD";
            try {
                response = co_await service_.handle(std::move(r));
            } catch (const std::exception& e) {
                spdlog::error("request failed: {}", e.what());
                response = json_error(500, std::string("internal error: ") + e.what());
            }
        }
        metrics_.count_response(route, response.status);
        keep_alive = keep_alive && !draining_;
        if (response.chunks && version < 11) {
            // HTTP/1.0 has no chunked encoding: produce it whole.
            while (response.chunks(response.body)) {
            }
            response.chunks = nullptr;
        }
        if (response.chunks) {
            auto chunks = std::move(response.chunks);
            http::response<http::empty_body> res{static_cast<http::status>(response.status),
                                                 version};
            res.set(http::field::server, "indicatord");
            res.set(http::field::content_type, response.media_type());
            for (auto& [k, v] : response.headers) res.set(k, v);
            res.keep_alive(keep_alive);
            res.chunked(true);
            http::response_serializer<http::empty_body> sr{res};
            lowest.expires_after(limits_.read_timeout);
            auto [hec, hn] = co_await http::async_write_header(stream, sr, nothrow);
            if (hec) break;
            // HEAD: the GET's header (Transfer-Encoding: chunked), no body and no parts produced.
            if (head_request) {
                if (!keep_alive) break;
                continue;
            }
            std::string part = std::move(response.body);
            bool more = true;
            bool failed = false;
            while (!failed) {
                if (!part.empty()) {
                    lowest.expires_after(limits_.read_timeout);
                    auto [cec, cn] = co_await asio::async_write(
                        stream, http::make_chunk(asio::buffer(part)), nothrow);
                    failed = static_cast<bool>(cec);
                }
                if (!more || failed) break;
                part.clear();
                more = chunks(part);
            }
            if (failed) break;
            lowest.expires_after(limits_.read_timeout);
            auto [lec, ln] = co_await asio::async_write(stream, http::make_chunk_last(), nothrow);
            if (lec || !keep_alive) break;
            continue;
        }
        auto msg = to_beast(std::move(response), version ? version : 11, keep_alive, head_request,
                            arena.alloc());
        lowest.expires_after(limits_.read_timeout);
        auto [wec, wn] = co_await http::async_write(stream, msg, nothrow);
        if (wec || !keep_alive) break;
    }
}

}  // namespace indicatord
