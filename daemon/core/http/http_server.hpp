#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <list>
#include <memory>
#include <string>

#include "config/config.hpp"

namespace boost::asio::ssl {
class context;
}

namespace indicatord {

class Service;
class SelfMetrics;

/// HTTP/1.1 on Beast with C++20 coroutines: one coroutine per connection on a single-threaded
/// io_context; limits from HttpLimits. Handling is delegated to Service.
class HttpServer {
  public:
    HttpServer(boost::asio::io_context& io, Service& service, SelfMetrics& metrics,
               HttpLimits limits);
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    /// Serves HTTPS with this certificate chain and key (PEM files). Throws on unreadable files.
    void enable_tls(const std::filesystem::path& cert_file, const std::filesystem::path& key_file);
    /// Binds and listens; returns the bound port (useful with port 0). Throws on failure.
    std::uint16_t listen(const std::string& host, std::uint16_t port);
    void start();
    /// Stops accepting; idle connections are closed, busy ones finish their request and close.
    /// `drained` runs once no connection is left.
    void drain(std::function<void()> drained);
    std::size_t connections() const { return sessions_.size(); }

  private:
    struct Session;
    boost::asio::awaitable<void> accept_loop();
    boost::asio::awaitable<void> serve(boost::asio::ip::tcp::socket socket);
    /// The request/response loop of one connection over a plain or TLS stream.
    template <typename Stream>
    boost::asio::awaitable<void> exchange(Stream& stream, Session& session);
    void check_drained();

    boost::asio::io_context& io_;
    Service& service_;
    SelfMetrics& metrics_;
    HttpLimits limits_;
    boost::asio::ip::tcp::acceptor acceptor_;
    std::list<Session*> sessions_;
    bool draining_ = false;
    std::function<void()> drained_;
    std::unique_ptr<boost::asio::ssl::context> tls_;
};

}  // namespace indicatord
