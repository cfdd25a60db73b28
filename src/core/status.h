// Status and Result<T>: the error currency at every component edge.
//
// A Status is either OK or carries a Code and a human-readable message. Result<T> holds a T or a
// non-OK Status. Both are [[nodiscard]]: an ignored error is a compile-time warning (-Werror in
// CI). Thread-safety: values; no shared state.
#pragma once

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace sluice {

enum class Code {
  kOk = 0,
  kInvalidArgument,  // bad input from a user (config, data)
  kNotFound,         // table, column, file missing
  kIo,               // local file or network failure
  kRetryable,        // transient remote failure; try again
  kPermanent,        // remote refused for good (syntax, auth, unknown table)
  kRowLevel,         // remote refused some rows of a batch (bad data)
  kCancelled,        // shutdown requested
  kInternal,         // broken invariant that we chose not to abort on
};

const char* CodeName(Code c);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Code code, std::string message)
      : code_(code), message_(std::make_shared<const std::string>(std::move(message))) {}

  static Status Ok() { return {}; }
  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const {
    static const std::string kEmpty;
    return message_ ? *message_ : kEmpty;
  }
  std::string ToString() const;

  // Prefixes the message with context ("reading x: " + message); keeps the code.
  Status Context(const std::string& ctx) const {
    return ok() ? *this : Status(code_, ctx + ": " + message());
  }

 private:
  Code code_ = Code::kOk;
  // Null when OK: an OK Status is two words to create and destroy — it is returned on every value
  // the JSON reader converts.
  std::shared_ptr<const std::string> message_;
};

inline Status InvalidArgument(std::string m) {
  return {Code::kInvalidArgument, std::move(m)};
}
inline Status NotFound(std::string m) {
  return {Code::kNotFound, std::move(m)};
}
inline Status IoError(std::string m) {
  return {Code::kIo, std::move(m)};
}
inline Status Internal(std::string m) {
  return {Code::kInternal, std::move(m)};
}

// `text` with `prefix` put before each of its lines: one problem per line gets its config path.
inline std::string PrefixEachLine(std::string_view prefix, std::string_view text) {
  std::string out;
  for (size_t b = 0; b < text.size();) {
    const size_t e = std::min(text.find('\n', b), text.size());
    if (!out.empty()) out += '\n';
    out.append(prefix).append(text.substr(b, e - b));
    b = e + 1;
  }
  return out;
}

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {
    if (std::get<Status>(v_).ok()) {
      std::fprintf(stderr, "Result constructed from OK status\n");
      std::abort();
    }
  }
  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return Checked(); }
  const T& value() const& { return const_cast<Result*>(this)->Checked(); }
  T&& value() && { return std::move(Checked()); }
  T* operator->() { return &Checked(); }
  const T* operator->() const { return &const_cast<Result*>(this)->Checked(); }
  T& operator*() { return Checked(); }

 private:
  T& Checked() {
    if (!ok()) {
      std::fprintf(stderr, "Result::value() on error: %s\n",
                   std::get<Status>(v_).message().c_str());
      std::abort();
    }
    return std::get<T>(v_);
  }
  std::variant<T, Status> v_;
};

#define SLUICE_CONCAT_INNER(a, b) a##b
#define SLUICE_CONCAT(a, b) SLUICE_CONCAT_INNER(a, b)

// Returns the Status from the enclosing function if `expr` is not OK.
#define RETURN_IF_ERROR(expr)      \
  do {                             \
    ::sluice::Status _st = (expr); \
    if (!_st.ok()) return _st;     \
  } while (0)

// `ASSIGN_OR_RETURN(auto x, F())` — unwraps a Result or returns its Status.
#define ASSIGN_OR_RETURN(lhs, expr)                                                         \
  auto SLUICE_CONCAT(_res_, __LINE__) = (expr);                                             \
  if (!SLUICE_CONCAT(_res_, __LINE__).ok()) return SLUICE_CONCAT(_res_, __LINE__).status(); \
  lhs = std::move(SLUICE_CONCAT(_res_, __LINE__)).value()

// A broken invariant: abort loudly with where and why.
#define SLUICE_CHECK(cond)                                                              \
  do {                                                                                  \
    if (!(cond)) {                                                                      \
      std::fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                     \
    }                                                                                   \
  } while (0)

}  // namespace sluice
