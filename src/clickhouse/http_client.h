// HTTP client for ClickHouse's HTTP interface (libcurl), with a keep-alive connection pool.
//
// Each Connection wraps one curl easy handle, which keeps its TCP connection alive between
// requests. After any failure the connection is discarded, so a retry always goes out on a fresh
// connection (the clickhouse-go bug of seed 000 — re-sending on a broken connection — cannot
// happen). Passwords travel in headers, never in URLs or logs.
// Thread-safety: Pool is thread-safe; a Connection is used by one thread at a time.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"

namespace sluice {

struct HttpEndpoint {
  std::string url;  // http://host:port (no path)
  std::string user;
  std::string password;
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds request_timeout{300000};
};

struct HttpResponse {
  long status = 0;  // 0 if no response arrived
  std::string body;
  std::string exception_code;    // X-ClickHouse-Exception-Code header, if any
  bool transport_error = false;  // connection refused/reset, timeout …
  std::string transport_message;
};

// A request body that is read in order and whose size is known before its first byte, so it is
// sent with a Content-Length (never chunked: a proxy that drops a chunked body could turn an
// INSERT into a silent empty one).
class BodySource {
 public:
  virtual ~BodySource() = default;
  virtual size_t size() const = 0;
  // Copies bytes [at, at + n) of the body to dst. REQUIRES at + n <= size(). Called by the
  // requesting thread, usually with `at` where the previous call ended.
  virtual void CopyTo(size_t at, char* dst, size_t n) const = 0;
};

class HttpConnection {
 public:
  explicit HttpConnection(const HttpEndpoint& endpoint);
  ~HttpConnection();
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  // POSTs `body` to `/?<query_params>`; `query_params` must already be URL-encoded.
  HttpResponse Post(const std::string& query_params, std::string_view body,
                    const std::vector<std::string>& extra_headers = {});
  // The same with a body that curl copies piece by piece into its own upload buffer as it sends
  // (the body need not be one contiguous string). `body` must outlive the call.
  HttpResponse Post(const std::string& query_params, const BodySource& body,
                    const std::vector<std::string>& extra_headers = {});

 private:
  HttpResponse Perform(const std::string& query_params,
                       const std::vector<std::string>& extra_headers);

  const HttpEndpoint& endpoint_;
  void* curl_;
};

class HttpPool {
 public:
  explicit HttpPool(HttpEndpoint endpoint) : endpoint_(std::move(endpoint)) {}
  // Takes an idle connection or makes a new one.
  std::unique_ptr<HttpConnection> Acquire();
  // Returns a healthy connection for reuse. Broken ones are simply destroyed instead.
  void Release(std::unique_ptr<HttpConnection> c);
  const HttpEndpoint& endpoint() const { return endpoint_; }

 private:
  HttpEndpoint endpoint_;
  std::mutex mu_;
  std::vector<std::unique_ptr<HttpConnection>> idle_;
};

// Percent-encodes a value for a URL query string.
std::string UrlEncode(std::string_view s);

}  // namespace sluice
