// Scalar conversions shared by the input formats: text or numbers → one value appended to a
// column of a given ClickHouse type, with range checks. Errors say what was wrong with the value;
// the caller adds which column.
#pragma once

#include <cstdint>
#include <string_view>
#include <unordered_map>

#include "core/column.h"

namespace date {
class time_zone;
}

namespace sluice {

// Time zones of the DateTime/DateTime64 nodes of column types (nullptr = UTC: no lookup needed).
class TimeZones {
 public:
  // Resolves the zones used by `type` (its own or `server_default`). Fails on an unknown zone.
  Status Prepare(const DataType& type, const std::string& server_default);
  const date::time_zone* For(const DataType& type) const;

 private:
  std::unordered_map<const DataType*, const date::time_zone*> zones_;
};

// Appends an integer to an integer-like column ((U)Int*, Enum by value, Date as day number or
// epoch seconds, DateTime as epoch seconds, IPv4 as number, Bool 0/1), checking the range.
Status PutInteger(__int128 value, const DataType& t, Column& col, const TimeZones& zones);
Status PutFloat(double value, const DataType& t, Column& col);
// Converts text into a scalar (or String/FixedString) column. `from_number` says the text is a
// JSON number token (so String columns keep it as written).
Status ConvertText(std::string_view s, const DataType& t, Column& col, const TimeZones& zones,
                   bool from_number);

// Date/time text → seconds since epoch plus nanoseconds. Accepts epoch seconds ("1700000000",
// "1700000000.25"), "YYYY-MM-DD", "YYYY-MM-DD hh:mm:ss[.f]" (local to `zone`), and ISO 8601
// "YYYY-MM-DDThh:mm:ss[.f](Z|±hh:mm|±hhmm)".
bool ParseDateTime(std::string_view s, const date::time_zone* zone, int64_t* seconds,
                   int64_t* nanos);
// 10^0 … 10^18, every power that fits an int64.
inline constexpr int64_t kPow10[19] = {1,
                                       10,
                                       100,
                                       1000,
                                       10000,
                                       100000,
                                       1000000,
                                       10000000,
                                       100000000,
                                       1000000000,
                                       10000000000,
                                       100000000000,
                                       1000000000000,
                                       10000000000000,
                                       100000000000000,
                                       1000000000000000,
                                       10000000000000000,
                                       100000000000000000,
                                       1000000000000000000};

// ParseDecimal's usual case, unsigned "digits[.digits]" with whole digits + scale ≤ 18, in one
// pass: fraction digits past `scale` truncated, zeros added up to it. False for any other shape
// (an exponent, more digits) and for more than `precision` digits; ParseLongDecimal decides those.
inline bool ShortDecimal(std::string_view s, uint32_t precision, uint32_t scale, int64_t* out) {
  const char* q = s.data();
  const char* const end = q + s.size();
  uint64_t v = 0;  // may wrap on a long number, which the digit count then rejects
  size_t whole = 0;
  for (; q < end && static_cast<unsigned>(*q - '0') <= 9; ++q, ++whole)
    v = v * 10 + static_cast<unsigned>(*q - '0');
  bool any = whole > 0;
  uint32_t kept = 0;
  if (q < end && *q == '.') {
    for (++q; q < end && static_cast<unsigned>(*q - '0') <= 9; ++q, any = true) {
      if (kept < scale) {
        v = v * 10 + static_cast<unsigned>(*q - '0');
        ++kept;
      }
    }
  }
  if (q != end || !any || whole + scale > 18) return false;
  v *= static_cast<uint64_t>(kPow10[scale - kept]);
  if (precision < 18 && v >= static_cast<uint64_t>(kPow10[precision])) return false;
  *out = static_cast<int64_t>(v);
  return true;
}

// ParseDecimal beyond ShortDecimal: exponents, more digits, 128-bit values.
bool ParseLongDecimal(std::string_view s, uint32_t precision, uint32_t scale, __int128* out);

// Exact decimal text → integer scaled by 10^scale (extra fraction digits are truncated). Fails on
// more than `precision` significant integer+scale digits. Inline: the usual shape costs no call.
inline bool ParseDecimal(std::string_view s, uint32_t precision, uint32_t scale, __int128* out) {
  const bool negative = !s.empty() && s[0] == '-';
  const size_t sign = !s.empty() && (s[0] == '-' || s[0] == '+') ? 1 : 0;
  if (int64_t v;
      ShortDecimal(std::string_view(s.data() + sign, s.size() - sign), precision, scale, &v)) {
    *out = negative ? -v : v;
    return true;
  }
  return ParseLongDecimal(s, precision, scale, out);
}

}  // namespace sluice
