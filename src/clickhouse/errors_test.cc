// Specification of how sluice reacts to each ClickHouse response: retry, stop, or split the batch.
#include "clickhouse/errors.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace sluice {
namespace {

using ::testing::HasSubstr;

HttpResponse Response(long status, std::string body = "", std::string code_header = "") {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.exception_code = std::move(code_header);
  return r;
}

// A ClickHouse exception body for `code` as servers of all versions print it.
std::string ExceptionBody(int code, const std::string& what) {
  return "Code: " + std::to_string(code) + ", e.displayText() = DB::Exception: " + what +
         " (version 21.8.15.7)\n";
}

// --- Success -------------------------------------------------------------------------------------

TEST(Classify, Http200WithEmptyBodyIsOk) {
  Classified c = Classify(Response(200));
  EXPECT_EQ(c.cls, ErrorClass::kOk);
  EXPECT_EQ(c.code, 0);
}

TEST(Classify, Http200WithOrdinaryBodyIsOk) {
  EXPECT_EQ(Classify(Response(200, "1\n")).cls, ErrorClass::kOk);
}

// --- Transport -----------------------------------------------------------------------------------

TEST(Classify, TransportErrorIsRetryable) {
  HttpResponse r;
  r.transport_error = true;
  r.transport_message = "Connection refused";
  Classified c = Classify(r);
  EXPECT_EQ(c.cls, ErrorClass::kRetryable);
  EXPECT_EQ(c.message, "Connection refused");
  EXPECT_FALSE(c.reason.empty());
}

// --- A 200 that carries an exception -------------------------------------------------------------

TEST(Classify, Http200CarryingAnExceptionIsAFailure) {
  Classified c = Classify(Response(200, ExceptionBody(252, "Too many parts (300)")));
  EXPECT_EQ(c.cls, ErrorClass::kRetryable);
  EXPECT_EQ(c.code, 252);
  EXPECT_EQ(c.reason, "code_252");
  EXPECT_THAT(c.message, HasSubstr("Too many parts"));
}

TEST(Classify, Http200CarryingARowLevelException) {
  Classified c = Classify(Response(200, ExceptionBody(27, "Cannot parse input")));
  EXPECT_EQ(c.cls, ErrorClass::kRowLevel);
  EXPECT_EQ(c.code, 27);
}

TEST(Classify, ExceptionAfterStreamedOutputIsFound) {
  Classified c = Classify(Response(200, "1\n2\n" + ExceptionBody(241, "Memory limit")));
  EXPECT_EQ(c.cls, ErrorClass::kRetryable);
  EXPECT_EQ(c.code, 241);
}

// --- Codes ---------------------------------------------------------------------------------------

TEST(Classify, UnknownTableIsPermanent) {
  Classified c = Classify(Response(500, ExceptionBody(60, "Table default.t doesn't exist"), "60"));
  EXPECT_EQ(c.cls, ErrorClass::kPermanent);
  EXPECT_EQ(c.code, 60);
  EXPECT_EQ(c.reason, "code_60");
  EXPECT_THAT(c.message, HasSubstr("doesn't exist"));
}

TEST(Classify, HeaderCodeWinsOverTheBody) {
  Classified c = Classify(Response(500, "Code: 252. whatever", "60"));
  EXPECT_EQ(c.code, 60);
  EXPECT_EQ(c.cls, ErrorClass::kPermanent);
}

TEST(Classify, CodeFromTheBodyWhenThereIsNoHeader) {
  Classified c = Classify(Response(500, ExceptionBody(60, "Table default.t doesn't exist")));
  EXPECT_EQ(c.code, 60);
  EXPECT_EQ(c.cls, ErrorClass::kPermanent);
}

TEST(Classify, DataErrorsAreRowLevel) {
  for (int code : {27, 53, 117, 6, 38, 41, 69, 70, 72}) {
    Classified c = Classify(Response(500, ExceptionBody(code, "bad row"), std::to_string(code)));
    EXPECT_EQ(c.cls, ErrorClass::kRowLevel) << code;
    EXPECT_EQ(c.code, code);
  }
}

TEST(Classify, TransientCodesAreRetryable) {
  for (int code : {159, 202, 209, 210, 242, 252, 319}) {
    Classified c = Classify(Response(500, ExceptionBody(code, "transient"), std::to_string(code)));
    EXPECT_EQ(c.cls, ErrorClass::kRetryable) << code;
    EXPECT_EQ(c.reason, "code_" + std::to_string(code));
  }
}

TEST(Classify, TransientCodesAreRetryableEvenOnA200) {
  for (int code : {159, 202, 209, 210, 242, 252, 319})
    EXPECT_EQ(Classify(Response(200, ExceptionBody(code, "transient"))).cls, ErrorClass::kRetryable)
        << code;
}

TEST(Classify, AuthenticationCodesArePermanent) {
  for (int code : {192, 193, 194, 516, 497})
    EXPECT_EQ(Classify(Response(403, ExceptionBody(code, "auth"), std::to_string(code))).cls,
              ErrorClass::kPermanent)
        << code;
}

TEST(Classify, UnknownCodeOn5xxIsRetryable) {
  EXPECT_EQ(Classify(Response(500, ExceptionBody(1001, "std::exception"), "1001")).cls,
            ErrorClass::kRetryable);
}

TEST(Classify, UnknownCodeOn4xxIsPermanent) {
  // Servers answer 400 for BAD_ARGUMENTS (36) and similar: re-sending cannot help.
  Classified c = Classify(Response(400, ExceptionBody(36, "bad arguments"), "36"));
  EXPECT_EQ(c.cls, ErrorClass::kPermanent);
  EXPECT_EQ(c.code, 36);
}

// --- HTTP status without a code ------------------------------------------------------------------

TEST(Classify, Http503WithoutCodeIsRetryable) {
  Classified c = Classify(Response(503, "Service Unavailable"));
  EXPECT_EQ(c.cls, ErrorClass::kRetryable);
  EXPECT_EQ(c.code, 0);
  EXPECT_EQ(c.reason, "http_503");
  EXPECT_EQ(c.message, "Service Unavailable");
}

TEST(Classify, TooManyRequestsAndTimeoutAreRetryable) {
  EXPECT_EQ(Classify(Response(429)).cls, ErrorClass::kRetryable);
  EXPECT_EQ(Classify(Response(408)).cls, ErrorClass::kRetryable);
}

TEST(Classify, UnauthorizedAndForbiddenArePermanent) {
  for (long status : {401L, 403L}) {
    Classified c = Classify(Response(status, "Authentication failed"));
    EXPECT_EQ(c.cls, ErrorClass::kPermanent) << status;
    EXPECT_EQ(c.reason, "http_" + std::to_string(status));
  }
}

TEST(Classify, EmptyErrorBodyStillHasAMessage) {
  EXPECT_EQ(Classify(Response(502)).message, "HTTP 502");
}

TEST(Classify, MessageIsTheFirstLine) {
  Classified c = Classify(Response(500, "\nCode: 60. DB::Exception: first\nstack trace\n", "60"));
  EXPECT_EQ(c.message, "Code: 60. DB::Exception: first");
}

// --- Helpers -------------------------------------------------------------------------------------

TEST(ExtractCode, FindsTheCode) {
  EXPECT_EQ(ExtractCode("Code: 252, e.displayText() = DB::Exception: Too many parts"), 252);
  EXPECT_EQ(ExtractCode("Received exception from server (version 23.8.1):\nCode: 60. DB::"), 60);
}

TEST(ExtractCode, ZeroWithoutACode) {
  EXPECT_EQ(ExtractCode("all good"), 0);
  EXPECT_EQ(ExtractCode("Code: x"), 0);
  EXPECT_EQ(ExtractCode(""), 0);
}

TEST(ClassOfCode, KnownCodesIgnoreTheStatus) {
  EXPECT_EQ(ClassOfCode(252, false), ErrorClass::kRetryable);
  EXPECT_EQ(ClassOfCode(60, true), ErrorClass::kPermanent);
  EXPECT_EQ(ClassOfCode(117, true), ErrorClass::kRowLevel);
}

TEST(ClassOfCode, UnknownCodeDependsOnTheStatus) {
  EXPECT_EQ(ClassOfCode(123456, true), ErrorClass::kRetryable);
  EXPECT_EQ(ClassOfCode(123456, false), ErrorClass::kPermanent);
}

}  // namespace
}  // namespace sluice
