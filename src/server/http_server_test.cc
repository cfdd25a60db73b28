// The monitoring HTTP server over a real loopback socket.
#include "server/http_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

namespace sluice {
namespace {

// Sends `request` raw and returns everything the server wrote until it closed the connection.
std::string Exchange(uint16_t port, const std::string& request) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return "connect failed";
  }
  (void)!::write(fd, request.data(), request.size());
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) out.append(buf, static_cast<size_t>(n));
  ::close(fd);
  return out;
}

std::string Get(uint16_t port, const std::string& path) {
  return Exchange(port, "GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
}

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::map<std::string, HttpServer::Handler> routes;
    routes["/hello"] = [] { return HttpReply{200, "text/plain; version=0.0.4", "hi\n"}; };
    routes["/busy"] = [] { return HttpReply{503, "text/plain", "not yet\n"}; };
    auto s = HttpServer::Start("127.0.0.1", 0, routes);
    ASSERT_TRUE(s.ok()) << s.status().message();
    server_ = std::move(s).value();
    ASSERT_NE(server_->port(), 0);
  }
  std::unique_ptr<HttpServer> server_;
};

TEST_F(HttpServerTest, ServesRoutesWithStatusTypeAndBody) {
  const std::string r = Get(server_->port(), "/hello?x=1");
  EXPECT_EQ(r.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << r;
  EXPECT_NE(r.find("Content-Type: text/plain; version=0.0.4\r\n"), std::string::npos) << r;
  EXPECT_NE(r.find("Content-Length: 3\r\n"), std::string::npos) << r;
  EXPECT_EQ(r.substr(r.size() - 7), "\r\n\r\nhi\n");
  EXPECT_EQ(Get(server_->port(), "/busy").rfind("HTTP/1.1 503 ", 0), 0u);
}

TEST_F(HttpServerTest, UnknownPathsAndMethodsAreRefused) {
  EXPECT_EQ(Get(server_->port(), "/nope").rfind("HTTP/1.1 404 ", 0), 0u);
  const std::string r =
      Exchange(server_->port(),
               "POST /hello HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(r.rfind("HTTP/1.1 405 ", 0), 0u) << r;
}

TEST_F(HttpServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  const std::string one = "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n";
  const std::string r = Exchange(
      server_->port(), one + one + "GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  size_t replies = 0;
  for (size_t at = r.find("HTTP/1.1 200"); at != std::string::npos;
       at = r.find("HTTP/1.1 200", at + 1))
    ++replies;
  EXPECT_EQ(replies, 3u) << r;
}

TEST_F(HttpServerTest, GarbageIsDroppedAndTheServerKeepsServing) {
  Exchange(server_->port(), "\x01\x02 not http\r\n\r\n");
  EXPECT_EQ(Get(server_->port(), "/hello").rfind("HTTP/1.1 200 ", 0), 0u);
}

TEST_F(HttpServerTest, StopClosesTheListener) {
  const uint16_t port = server_->port();
  server_->Stop();
  EXPECT_EQ(Get(port, "/hello"), "connect failed");
  server_.reset();  // a second stop (destructor) is harmless
}

TEST(HttpServer, BusyPortIsAnError) {
  auto first = HttpServer::Start("127.0.0.1", 0, {});
  ASSERT_TRUE(first.ok());
  auto second = HttpServer::Start("127.0.0.1", first.value()->port(), {});
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.status().message().find("Address already in use"), std::string::npos)
      << second.status().message();
  EXPECT_FALSE(HttpServer::Start("not-an-ip", 0, {}).ok());
}

}  // namespace
}  // namespace sluice
