#include "core/status.h"

namespace sluice {

const char* CodeName(Code c) {
  switch (c) {
    case Code::kOk: return "ok";
    case Code::kInvalidArgument: return "invalid argument";
    case Code::kNotFound: return "not found";
    case Code::kIo: return "i/o error";
    case Code::kRetryable: return "retryable";
    case Code::kPermanent: return "permanent";
    case Code::kRowLevel: return "row-level";
    case Code::kCancelled: return "cancelled";
    case Code::kInternal: return "internal";
  }
  return "?";
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  return std::string(CodeName(code_)) + ": " + message();
}

}  // namespace sluice
