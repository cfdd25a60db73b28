// How sluice reacts to each ClickHouse failure: one table, beside the protocol code.
//
//   retryable  → back off with jitter and re-send the same bytes on a new connection, forever
//   permanent  → stop the pipeline with a clear error (the config or the table is wrong)
//   row-level  → some rows are bad: split the batch, dead-letter the bad rows, insert the rest
#pragma once

#include <string>

#include "clickhouse/http_client.h"

namespace sluice {

enum class ErrorClass { kOk, kRetryable, kPermanent, kRowLevel };

struct Classified {
  ErrorClass cls = ErrorClass::kOk;
  int code = 0;         // ClickHouse error code, 0 if none
  std::string reason;   // short label for metrics/logs: "code_252", "http_503", "connect" …
  std::string message;  // the server's message (first line) or the transport error
};

// Classifies a response to an INSERT (or any query). A 200 whose body carries an exception
// (ClickHouse streams it after the headers) is a failure.
Classified Classify(const HttpResponse& r);
// The class of a ClickHouse error code alone (unknown codes: retryable if `http_5xx`).
ErrorClass ClassOfCode(int code, bool http_5xx);
// Extracts "Code: N" from an exception text, or 0.
int ExtractCode(std::string_view body);

}  // namespace sluice
