#include "clickhouse/errors.h"

#include <fmt/format.h>

#include <charconv>

namespace sluice {
namespace {

struct CodeRule {
  int code;
  ErrorClass cls;
  const char* name;
};

// ClickHouse error codes (src/Common/ErrorCodes.cpp) and what a batch writer must do about them.
constexpr CodeRule kRules[] = {
    // Transient: the server or cluster will recover; the same bytes will succeed later.
    {3, ErrorClass::kRetryable, "UNEXPECTED_END_OF_FILE"},  // body cut in transit
    {159, ErrorClass::kRetryable, "TIMEOUT_EXCEEDED"},
    {164, ErrorClass::kPermanent, "READONLY"},
    {202, ErrorClass::kRetryable, "TOO_MANY_SIMULTANEOUS_QUERIES"},
    {203, ErrorClass::kRetryable, "NO_FREE_CONNECTION"},
    {209, ErrorClass::kRetryable, "SOCKET_TIMEOUT"},
    {210, ErrorClass::kRetryable, "NETWORK_ERROR"},
    {216, ErrorClass::kRetryable, "QUERY_WITH_SAME_ID_IS_ALREADY_RUNNING"},
    {225, ErrorClass::kRetryable, "NO_ZOOKEEPER"},
    {241, ErrorClass::kRetryable, "MEMORY_LIMIT_EXCEEDED"},
    {242, ErrorClass::kRetryable, "TABLE_IS_READ_ONLY"},
    {252, ErrorClass::kRetryable, "TOO_MANY_PARTS"},
    {285, ErrorClass::kRetryable, "TOO_FEW_LIVE_REPLICAS"},
    {319, ErrorClass::kRetryable, "UNKNOWN_STATUS_OF_INSERT"},
    {394, ErrorClass::kRetryable, "QUERY_WAS_CANCELLED"},
    {425, ErrorClass::kRetryable, "SYSTEM_ERROR"},
    {999, ErrorClass::kRetryable, "KEEPER_EXCEPTION"},
    // Permanent: the request can never succeed as configured.
    {10, ErrorClass::kPermanent, "NOT_FOUND_COLUMN_IN_BLOCK"},
    // Re-sending the same bytes cannot fix a checksum the server computes differently.
    {40, ErrorClass::kPermanent, "CHECKSUM_DOESNT_MATCH"},
    {16, ErrorClass::kPermanent, "NO_SUCH_COLUMN_IN_TABLE"},
    {44, ErrorClass::kPermanent, "ILLEGAL_COLUMN"},
    {47, ErrorClass::kPermanent, "UNKNOWN_IDENTIFIER"},
    {50, ErrorClass::kPermanent, "UNKNOWN_TYPE"},
    {60, ErrorClass::kPermanent, "UNKNOWN_TABLE"},
    {62, ErrorClass::kPermanent, "SYNTAX_ERROR"},
    {81, ErrorClass::kPermanent, "UNKNOWN_DATABASE"},
    {115, ErrorClass::kPermanent, "UNKNOWN_SETTING"},
    {192, ErrorClass::kPermanent, "UNKNOWN_USER"},
    {193, ErrorClass::kPermanent, "WRONG_PASSWORD"},
    {194, ErrorClass::kPermanent, "REQUIRED_PASSWORD"},
    {195, ErrorClass::kPermanent, "IP_ADDRESS_NOT_ALLOWED"},
    {497, ErrorClass::kPermanent, "ACCESS_DENIED"},
    {516, ErrorClass::kPermanent, "AUTHENTICATION_FAILED"},
    // Row-level: the data of some rows is bad; isolate them.
    {6, ErrorClass::kRowLevel, "CANNOT_PARSE_TEXT"},
    {27, ErrorClass::kRowLevel, "CANNOT_PARSE_INPUT_ASSERTION_FAILED"},
    {38, ErrorClass::kRowLevel, "CANNOT_PARSE_DATE"},
    {41, ErrorClass::kRowLevel, "CANNOT_PARSE_DATETIME"},
    {53, ErrorClass::kRowLevel, "TYPE_MISMATCH"},
    {69, ErrorClass::kRowLevel, "ARGUMENT_OUT_OF_BOUND"},
    {70, ErrorClass::kRowLevel, "CANNOT_CONVERT_TYPE"},
    {72, ErrorClass::kRowLevel, "CANNOT_PARSE_NUMBER"},
    {117, ErrorClass::kRowLevel, "INCORRECT_DATA"},
};

std::string FirstLine(std::string_view s) {
  while (!s.empty() && (s.front() == '\n' || s.front() == ' ')) s.remove_prefix(1);
  auto nl = s.find('\n');
  return std::string(s.substr(0, std::min<size_t>(nl, 500)));
}

}  // namespace

int ExtractCode(std::string_view body) {
  auto p = body.find("Code: ");
  if (p == std::string_view::npos) return 0;
  int code = 0;
  const char* b = body.data() + p + 6;
  std::from_chars(b, body.data() + body.size(), code);
  return code;
}

ErrorClass ClassOfCode(int code, bool http_5xx) {
  for (const auto& r : kRules)
    if (r.code == code) return r.cls;
  return http_5xx ? ErrorClass::kRetryable : ErrorClass::kPermanent;
}

Classified Classify(const HttpResponse& r) {
  Classified c;
  if (r.transport_error) {
    c.cls = ErrorClass::kRetryable;
    c.reason = "transport";
    c.message = r.transport_message;
    return c;
  }
  int code = 0;
  if (!r.exception_code.empty()) std::from_chars(r.exception_code.data(),
                                                 r.exception_code.data() + r.exception_code.size(), code);
  const bool body_exception = r.body.find("DB::Exception") != std::string::npos ||
                              r.body.rfind("Code: ", 0) == 0;
  if (code == 0 && body_exception) code = ExtractCode(r.body);
  if (r.status == 200 && code == 0 && !body_exception) return c;  // success
  c.code = code;
  c.message = FirstLine(r.body);
  if (code != 0) {
    // Unknown codes: a 5xx (or an exception streamed after a 200) may be transient; a 4xx is not.
    c.cls = ClassOfCode(code, r.status >= 500 || r.status == 200);
    c.reason = fmt::format("code_{}", code);
  } else if (r.status >= 500 || r.status == 200 || r.status == 408 || r.status == 429) {
    c.cls = ErrorClass::kRetryable;
    c.reason = fmt::format("http_{}", r.status);
  } else {
    c.cls = ErrorClass::kPermanent;
    c.reason = fmt::format("http_{}", r.status);
  }
  if (c.message.empty()) c.message = fmt::format("HTTP {}", r.status);
  return c;
}

}  // namespace sluice
