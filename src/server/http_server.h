// A small HTTP/1.1 server (Boost.Beast) for monitoring endpoints: GET/HEAD of fixed paths, one
// handler per path, keep-alive, on one thread of its own.
//
// Handlers run on the server thread and must be quick and thread-safe with respect to the data
// they read. Requests other than GET/HEAD get 405; unknown paths 404; a request idle or slower
// than a few seconds is dropped. Stop() (or the destructor) closes the listener and every
// connection and joins the thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "core/status.h"

namespace sluice {

struct HttpReply {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

class HttpServer {
 public:
  using Handler = std::function<HttpReply()>;

  // Binds `address` (numeric IPv4/IPv6) and `port` (0: any free port) and starts serving `routes`
  // (path → handler; the query string is ignored).
  static Result<std::unique_ptr<HttpServer>> Start(const std::string& address, uint16_t port,
                                                   std::map<std::string, Handler> routes);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // The port actually bound.
  uint16_t port() const;
  void Stop();

  struct Impl;

 private:
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sluice
