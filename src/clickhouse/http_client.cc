#include "clickhouse/http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

namespace sluice {
namespace {

struct CurlGlobal {
  CurlGlobal() { curl_global_init(CURL_GLOBAL_DEFAULT); }
};

size_t OnBody(char* data, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  std::string_view line(data, size * n);
  constexpr std::string_view kCode = "X-ClickHouse-Exception-Code:";
  if (line.size() > kCode.size() && strncasecmp(line.data(), kCode.data(), kCode.size()) == 0) {
    std::string_view v = line.substr(kCode.size());
    while (!v.empty() && (v.front() == ' ')) v.remove_prefix(1);
    while (!v.empty() && (v.back() == '\r' || v.back() == '\n' || v.back() == ' '))
      v.remove_suffix(1);
    *static_cast<std::string*>(user) = std::string(v);
  }
  return size * n;
}

// The body being sent by a BodySource Post, and how far curl has read it.
struct SourceCursor {
  const BodySource* source;
  size_t at = 0;
};

size_t OnRead(char* buffer, size_t size, size_t n, void* user) {
  auto* cursor = static_cast<SourceCursor*>(user);
  const size_t k = std::min(size * n, cursor->source->size() - cursor->at);
  cursor->source->CopyTo(cursor->at, buffer, k);
  cursor->at += k;
  return k;
}

// curl rewinds the body before sending it again on the same request (e.g. after a redirect).
int OnSeek(void* user, curl_off_t offset, int origin) {
  auto* cursor = static_cast<SourceCursor*>(user);
  if (origin != SEEK_SET || offset < 0 || static_cast<size_t>(offset) > cursor->source->size())
    return CURL_SEEKFUNC_CANTSEEK;
  cursor->at = static_cast<size_t>(offset);
  return CURL_SEEKFUNC_OK;
}

}  // namespace

std::string UrlEncode(std::string_view s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size() * 3);
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

HttpConnection::HttpConnection(const HttpEndpoint& endpoint) : endpoint_(endpoint) {
  static CurlGlobal global;
  curl_ = curl_easy_init();
  SLUICE_CHECK(curl_ != nullptr);
  curl_easy_setopt(static_cast<CURL*>(curl_), CURLOPT_UPLOAD_BUFFERSIZE, 1L << 20);
}

HttpConnection::~HttpConnection() {
  curl_easy_cleanup(static_cast<CURL*>(curl_));
}

HttpResponse HttpConnection::Post(const std::string& query_params, std::string_view body,
                                  const std::vector<std::string>& extra_headers) {
  CURL* c = static_cast<CURL*>(curl_);
  curl_easy_setopt(c, CURLOPT_POST, 1L);
  // A null POSTFIELDS would make curl read the body from its read function instead.
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data() != nullptr ? body.data() : "");
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  return Perform(query_params, extra_headers);
}

HttpResponse HttpConnection::Post(const std::string& query_params, const BodySource& body,
                                  const std::vector<std::string>& extra_headers) {
  CURL* c = static_cast<CURL*>(curl_);
  SourceCursor cursor{&body};
  curl_easy_setopt(c, CURLOPT_POST, 1L);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, nullptr);
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(c, CURLOPT_READFUNCTION, OnRead);
  curl_easy_setopt(c, CURLOPT_READDATA, &cursor);
  curl_easy_setopt(c, CURLOPT_SEEKFUNCTION, OnSeek);
  curl_easy_setopt(c, CURLOPT_SEEKDATA, &cursor);
  HttpResponse r = Perform(query_params, extra_headers);
  // The cursor dies with this call: the handle must not keep pointing at it.
  curl_easy_setopt(c, CURLOPT_READFUNCTION, nullptr);  // curl's defaults: fread from stdin
  curl_easy_setopt(c, CURLOPT_READDATA, stdin);
  curl_easy_setopt(c, CURLOPT_SEEKFUNCTION, nullptr);
  curl_easy_setopt(c, CURLOPT_SEEKDATA, nullptr);
  return r;
}

HttpResponse HttpConnection::Perform(const std::string& query_params,
                                     const std::vector<std::string>& extra_headers) {
  CURL* c = static_cast<CURL*>(curl_);
  HttpResponse r;
  std::string url = endpoint_.url + "/?" + query_params;
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &r.body);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &r.exception_code);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(endpoint_.connect_timeout.count()));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(endpoint_.request_timeout.count()));
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
  struct curl_slist* headers = nullptr;
  // Credentials go in ClickHouse's own headers: never in the URL, so never in a log line.
  std::string user = "X-ClickHouse-User: " + endpoint_.user;
  std::string key = "X-ClickHouse-Key: " + endpoint_.password;
  headers = curl_slist_append(headers, user.c_str());
  if (!endpoint_.password.empty()) headers = curl_slist_append(headers, key.c_str());
  headers = curl_slist_append(headers, "Expect:");
  headers = curl_slist_append(headers, "Content-Type: application/octet-stream");
  for (const auto& h : extra_headers) headers = curl_slist_append(headers, h.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  CURLcode rc = curl_easy_perform(c);
  curl_slist_free_all(headers);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, nullptr);
  if (rc != CURLE_OK) {
    r.transport_error = true;
    r.transport_message = curl_easy_strerror(rc);
    return r;
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
  return r;
}

std::unique_ptr<HttpConnection> HttpPool::Acquire() {
  {
    std::lock_guard lock(mu_);
    if (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      return c;
    }
  }
  return std::make_unique<HttpConnection>(endpoint_);
}

void HttpPool::Release(std::unique_ptr<HttpConnection> c) {
  std::lock_guard lock(mu_);
  idle_.push_back(std::move(c));
}

}  // namespace sluice
