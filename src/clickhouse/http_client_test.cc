// HttpConnection::Post against a one-connection HTTP server on a loopback socket: what goes over
// the wire for a BodySource (a Content-Length, never chunked, and the exact bytes) and for a
// plain string, one after the other on the same kept-alive connection.
#include "clickhouse/http_client.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace sluice {
namespace {

struct Request {
  std::string head;  // request line and headers
  std::string body;
};

// Accepts one connection and answers each request on it with 200 and "ok" until the client
// closes it, keeping what it received.
class OneConnectionServer {
 public:
  OneConnectionServer() {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    EXPECT_EQ(::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(::listen(listener_, 1), 0);
    socklen_t len = sizeof addr;
    EXPECT_EQ(::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len), 0);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~OneConnectionServer() {
    if (thread_.joinable()) thread_.join();
    ::close(listener_);
  }
  int port() const { return port_; }
  // Valid once the client closed its connection (after the HttpConnection is destroyed).
  const std::vector<Request>& requests() {
    if (thread_.joinable()) thread_.join();
    return requests_;
  }

 private:
  void Serve() {
    const int fd = ::accept(listener_, nullptr, nullptr);
    ASSERT_GE(fd, 0);
    std::string in;
    char buf[1 << 16];
    auto fill = [&] {
      const ssize_t n = ::read(fd, buf, sizeof buf);
      if (n > 0) in.append(buf, static_cast<size_t>(n));
      return n > 0;
    };
    while (true) {
      size_t end;
      while ((end = in.find("\r\n\r\n")) == std::string::npos)
        if (!fill()) {
          ::close(fd);
          return;
        }
      Request r;
      r.head = in.substr(0, end + 2);
      in.erase(0, end + 4);
      std::string lower = r.head;
      std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
      const size_t cl = lower.find("content-length: ");
      const size_t size = cl == std::string::npos ? 0 : std::stoul(lower.substr(cl + 16));
      while (in.size() < size)
        if (!fill()) break;
      r.body = in.substr(0, size);
      in.erase(0, std::min(size, in.size()));
      requests_.push_back(std::move(r));
      const std::string reply = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
      ASSERT_EQ(::write(fd, reply.data(), reply.size()), static_cast<ssize_t>(reply.size()));
    }
  }

  int listener_ = -1;
  int port_ = 0;
  std::thread thread_;
  std::vector<Request> requests_;
};

// A body read piece by piece from a string, counting the pieces asked for.
class StringSource : public BodySource {
 public:
  explicit StringSource(std::string s) : s_(std::move(s)) {}
  size_t size() const override { return s_.size(); }
  void CopyTo(size_t at, char* dst, size_t n) const override {
    ASSERT_LE(at + n, s_.size());
    s_.copy(dst, n, at);
    ++calls_;
  }
  mutable int calls_ = 0;

 private:
  std::string s_;
};

TEST(HttpClient, SourceBodyGoesOutWithContentLengthThenAStringBodyOnTheSameConnection) {
  OneConnectionServer server;
  HttpEndpoint endpoint;
  endpoint.url = "http://127.0.0.1:" + std::to_string(server.port());
  endpoint.user = "u";
  // 3 MB: more than curl's upload buffer, so it is read in several pieces.
  std::string big(3'000'000, '\0');
  std::mt19937 rng(7);
  for (auto& c : big) c = static_cast<char>(rng());
  StringSource source(big);
  {
    HttpConnection conn(endpoint);
    HttpResponse r1 = conn.Post("query=a", source);
    EXPECT_FALSE(r1.transport_error) << r1.transport_message;
    EXPECT_EQ(r1.status, 200);
    EXPECT_EQ(r1.body, "ok");
    HttpResponse r2 = conn.Post("query=b", std::string_view("small body"));
    EXPECT_FALSE(r2.transport_error) << r2.transport_message;
    EXPECT_EQ(r2.status, 200);
  }
  EXPECT_GT(source.calls_, 1);
  const auto& requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_NE(requests[0].head.find("POST /?query=a "), std::string::npos) << requests[0].head;
  EXPECT_NE(requests[0].head.find("Content-Length: 3000000\r\n"), std::string::npos)
      << requests[0].head;
  EXPECT_EQ(requests[0].head.find("chunked"), std::string::npos) << requests[0].head;
  EXPECT_TRUE(requests[0].body == big);
  EXPECT_NE(requests[1].head.find("POST /?query=b "), std::string::npos) << requests[1].head;
  EXPECT_EQ(requests[1].body, "small body");
}

}  // namespace
}  // namespace sluice
