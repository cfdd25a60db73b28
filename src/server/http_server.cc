#include "server/http_server.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <thread>

#include "core/thread_name.h"

namespace sluice {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

// A request must arrive completely within this time (also the keep-alive idle limit).
constexpr auto kRequestTimeout = std::chrono::seconds(10);

using Routes = std::map<std::string, HttpServer::Handler>;

http::response<http::string_body> Respond(const Routes& routes,
                                          const http::request<http::string_body>& req) {
  HttpReply reply;
  const std::string_view target(req.target().data(), req.target().size());
  const std::string path(target.substr(0, target.find('?')));
  if (req.method() != http::verb::get && req.method() != http::verb::head) {
    reply = {405, "text/plain; charset=utf-8", "method not allowed\n"};
  } else if (auto it = routes.find(path); it == routes.end()) {
    reply = {404, "text/plain; charset=utf-8", "not found\n"};
  } else {
    try {
      reply = it->second();
    } catch (const std::exception& e) {
      reply = {500, "text/plain; charset=utf-8", fmt::format("error: {}\n", e.what())};
    }
  }
  http::response<http::string_body> res{static_cast<http::status>(reply.status), req.version()};
  res.set(http::field::server, "sluice");
  res.set(http::field::content_type, reply.content_type);
  if (reply.status == 405) res.set(http::field::allow, "GET, HEAD");
  res.keep_alive(req.keep_alive());
  res.content_length(reply.body.size());
  if (req.method() != http::verb::head) res.body() = std::move(reply.body);
  return res;
}

// One connection: read a request, write the reply, repeat while the client keeps it alive.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, const Routes& routes) : stream_(std::move(socket)), routes_(routes) {}

  void Read() {
    req_ = {};
    stream_.expires_after(kRequestTimeout);
    http::async_read(
        stream_, buffer_, req_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->OnRead(ec); });
  }

 private:
  void OnRead(beast::error_code ec) {
    if (ec) {  // closed by the client, timed out, or a malformed request: drop the connection
      beast::error_code ignored;
      stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
      return;
    }
    auto res = std::make_shared<http::response<http::string_body>>(Respond(routes_, req_));
    http::async_write(stream_, *res,
                      [self = shared_from_this(), res](beast::error_code ec, size_t) {
                        if (ec) return;
                        if (!res->keep_alive()) {
                          beast::error_code ignored;
                          self->stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
                          return;
                        }
                        self->Read();
                      });
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> req_;
  const Routes& routes_;
};

}  // namespace

struct HttpServer::Impl {
  Routes routes;
  asio::io_context io{1};
  tcp::acceptor acceptor{io};
  asio::steady_timer backoff{io};
  uint16_t port = 0;
  std::thread thread;

  void Accept() {
    acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted) return;
      if (ec) {  // e.g. out of file descriptors: try again shortly instead of spinning
        spdlog::warn("metrics endpoint: accept failed: {}", ec.message());
        backoff.expires_after(std::chrono::milliseconds(100));
        backoff.async_wait([this](beast::error_code e) {
          if (!e) Accept();
        });
        return;
      }
      std::make_shared<Session>(std::move(socket), routes)->Read();
      Accept();
    });
  }
};

Result<std::unique_ptr<HttpServer>> HttpServer::Start(const std::string& address, uint16_t port,
                                                      std::map<std::string, Handler> routes) {
  auto impl = std::make_unique<Impl>();
  impl->routes = std::move(routes);
  beast::error_code ec;
  const auto ip = asio::ip::make_address(address, ec);
  if (ec) return InvalidArgument(fmt::format("'{}' is not an IP address", address));
  const tcp::endpoint endpoint(ip, port);
  auto failed = [&](const char* what) {
    return IoError(
        fmt::format("cannot listen on {} port {}: {}: {}", address, port, what, ec.message()));
  };
  if (impl->acceptor.open(endpoint.protocol(), ec); ec) return failed("open");
  if (impl->acceptor.set_option(asio::socket_base::reuse_address(true), ec); ec)
    return failed("setsockopt");
  if (impl->acceptor.bind(endpoint, ec); ec) return failed("bind");
  if (impl->acceptor.listen(asio::socket_base::max_listen_connections, ec); ec)
    return failed("listen");
  impl->port = impl->acceptor.local_endpoint(ec).port();
  impl->Accept();
  Impl* raw = impl.get();
  impl->thread = std::thread([raw] {
    NameThisThread("http");
    raw->io.run();
  });
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() {
  Stop();
}

uint16_t HttpServer::port() const {
  return impl_->port;
}

void HttpServer::Stop() {
  if (!impl_->thread.joinable()) return;
  impl_->io.stop();  // pending handlers, and the connections they own, go with the io_context
  impl_->thread.join();
  beast::error_code ignored;
  impl_->acceptor.close(ignored);
}

}  // namespace sluice
