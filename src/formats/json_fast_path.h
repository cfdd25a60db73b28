// The JSON reader's fast path: for each column, its usual JSON shape, chosen once when the reader
// is created, and read in place — strings straight from the input (no unescaping copy unless
// they hold an escape), integers with a precomputed range, no second dispatch on the type. Any
// other shape returns false and takes JsonReader's general conversion.
// Everything here is inline: it runs for every value of every row.
// Thread-safety: a FastPlan belongs to one reader (its DateTime memo changes as rows are read).
#pragma once

#include <simdjson.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <fmt/format.h>

#include "core/column.h"
#include "formats/native_writer.h"
#include "formats/value_parse.h"

namespace sluice {
namespace json_fast {

namespace ond = simdjson::ondemand;

// How a column's value is read on the fast path, resolved once per column at Create: the usual
// JSON shape for its type, read in place (no unescaping copy) and without dispatching on the type
// again per value. Any other shape goes through Convert, the general path.
enum class Fast : uint8_t {
  kNone,
  kUInt,  // (U)Int* from a JSON integer, range-checked
  kInt,
  kFloat64,
  kString,  // String from a string without escapes
  kUuid,
  kDateTime,        // DateTime from date/time text
  kEnum,            // Enum8/16 from a label
  kDecimal,         // Decimal from a number, parsed exactly from its text
  kNullableString,  // Nullable(String) from a string
  kArrayOfString,   // Array(String) from an array of strings
};

// The mask of a 16-byte comparison's first n bytes (bit i for byte i), n ≤ 16.
constexpr unsigned FirstBytesMask(size_t n) {
  return n >= 16 ? 0xffffu : (1u << n) - 1;
}

// True if a and b agree on every byte whose bit is set in `need` (FirstBytesMask of some n):
// one vector compare. REQUIRES 16 readable bytes at both (the input's padding, or a 16-byte
// buffer).
[[gnu::always_inline]] inline bool SameMasked(const char* a, const char* b, unsigned need) {
#if defined(__SSE2__)
  const __m128i eq = _mm_cmpeq_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(a)),
                                    _mm_loadu_si128(reinterpret_cast<const __m128i*>(b)));
  return (static_cast<unsigned>(_mm_movemask_epi8(eq)) & need) == need;
#else
  return std::memcmp(a, b, static_cast<size_t>(__builtin_popcount(need))) == 0;
#endif
}

// True if a[0, n) equals b[0, n), for n ≤ 16. REQUIRES 16 readable bytes at both.
[[gnu::always_inline]] inline bool SameFirst(const char* a, const char* b, size_t n) {
  return SameMasked(a, b, FirstBytesMask(n));
}

// SameFirst against a fixed `text`, its mask worked out once (for whoever compares against the
// same bytes many times). REQUIRES 16 readable bytes at the compared text.
struct FirstBytes {
  alignas(16) char text[16] = {};
  unsigned need = 0;  // 0: not set

  void Set(const char* b, size_t n) {
    std::memcpy(text, b, n);
    need = FirstBytesMask(n);
  }
  [[gnu::always_inline]] bool At(const char* a) const { return SameMasked(a, text, need); }
};

// kDateTime's memo: the last two distinct texts converted and their values. Events arrive roughly
// in time order, many per second, and with some jitter, so a text is nearly always one of the
// last two seconds seen; comparing costs a few instructions, converting about two hundred.
class TextMemo {
 public:
  // True, with *out, if `s` is a remembered text. REQUIRES 32 readable bytes at s.data() (the
  // input's padding guarantees them).
  [[gnu::always_inline]] bool Find(std::string_view s, uint32_t* out) const {
    for (const Entry& e : entries_) {
      if (e.Is(s)) {
        *out = e.value;
        return true;
      }
    }
    return false;
  }
  // Remembers `s` in place of the older entry (a text over 32 bytes is not remembered).
  void Remember(std::string_view s, uint32_t value) {
    if (s.size() > sizeof(Entry::text)) return;
    Entry& e = entries_[older_];
    std::memcpy(e.text, s.data(), s.size());
    e.size = static_cast<uint8_t>(s.size());
    e.value = value;
    older_ ^= 1;
  }

 private:
  struct Entry {
    alignas(16) char text[32] = {};
    uint8_t size = 0;  // 0: empty
    uint32_t value = 0;

    [[gnu::always_inline]] bool Is(std::string_view s) const {
      if (s.size() != size || size == 0) return false;
      if (size <= 16) return SameFirst(s.data(), text, size);
      // 17..32 bytes: the first 16 and the last 16 (overlapping).
      return SameFirst(s.data(), text, 16) && SameFirst(s.data() + size - 16, text + size - 16, 16);
    }
  };
  Entry entries_[2];
  unsigned older_ = 0;
};

// An Enum label of up to 16 bytes, zero-padded for one vector compare against the input.
struct EnumLabel {
  alignas(16) char text[16] = {};
  uint8_t size = 0;
  int16_t value = 0;
};

struct FastPlan {
  Fast kind = Fast::kNone;
  uint8_t width = 0;  // bytes per stored value
  int64_t min = 0;    // integer range
  uint64_t max = 0;
  const date::time_zone* zone = nullptr;
  const DataType* type = nullptr;  // the storage type
  mutable TextMemo memo;           // kDateTime
  // kEnum: every label, when each is at most 16 bytes (else empty: compared as strings).
  std::vector<EnumLabel> labels;
};

inline FastPlan PlanFor(const DataType& type, const TimeZones& zones) {
  const DataType& t = type.storage();
  FastPlan p;
  p.type = &t;
  p.width = static_cast<uint8_t>(t.value_width());
  switch (t.id) {
    case TypeId::kUInt8:
    case TypeId::kUInt16:
    case TypeId::kUInt32:
    case TypeId::kUInt64:
      p.kind = Fast::kUInt;
      p.max = p.width == 8 ? UINT64_MAX : (uint64_t{1} << (8 * p.width)) - 1;
      break;
    case TypeId::kInt8:
    case TypeId::kInt16:
    case TypeId::kInt32:
    case TypeId::kInt64:
      p.kind = Fast::kInt;
      p.max = p.width == 8 ? INT64_MAX : (uint64_t{1} << (8 * p.width - 1)) - 1;
      p.min = -static_cast<int64_t>(p.max) - 1;
      break;
    case TypeId::kFloat64:
      p.kind = Fast::kFloat64;
      break;
    case TypeId::kString:
      p.kind = Fast::kString;
      break;
    case TypeId::kUUID:
      p.kind = Fast::kUuid;
      break;
    case TypeId::kDateTime:
      p.kind = Fast::kDateTime;
      p.zone = zones.For(t);
      break;
    case TypeId::kEnum8:
    case TypeId::kEnum16:
      p.kind = Fast::kEnum;
      for (const auto& [name, value] : t.enum_values) {
        if (name.size() > sizeof(EnumLabel::text)) {
          p.labels.clear();
          break;
        }
        EnumLabel& l = p.labels.emplace_back();
        std::memcpy(l.text, name.data(), name.size());
        l.size = static_cast<uint8_t>(name.size());
        l.value = value;
      }
      break;
    case TypeId::kDecimal:
      p.kind = Fast::kDecimal;
      break;
    case TypeId::kNullable:
      if (t.children[0]->id == TypeId::kString) p.kind = Fast::kNullableString;
      break;
    case TypeId::kArray:
      if (t.children[0]->storage().id == TypeId::kString) p.kind = Fast::kArrayOfString;
      break;
    default:
      break;
  }
  return p;
}

// True if p[0, n) holds a backslash. REQUIRES 16 readable bytes past p + n (input padding):
// blocks are compared whole, without a memchr call per value.
[[gnu::always_inline]] inline bool HasBackslash(const char* p, size_t n) {
#if defined(__SSE2__)
  const __m128i backslash = _mm_set1_epi8('\\');
  for (size_t i = 0; i < n; i += 16) {
    const __m128i block = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    unsigned hits = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(block, backslash)));
    if (n - i < 16) hits &= (1u << (n - i)) - 1;
    if (hits != 0) return true;
  }
  return false;
#else
  return std::memchr(p, '\\', n) != nullptr;
#endif
}

// The text of a JSON string value as it is written, when it has no escape sequence (the norm):
// no copy, no unescaping, and the value stays unconsumed. False for anything else. Callers whose
// parser rejects a backslash anyway (UUID, date/time text) pass check_escapes = false: an escaped
// value then fails their parse and takes the general path, which unescapes it.
[[gnu::always_inline]] inline bool RawString(ond::value& v, std::string_view* out,
                                             bool check_escapes = true) {
  const std::string_view tok = v.raw_json_token();  // up to the next structural character
  const char* const p = tok.data();
  size_t n = tok.size();
  if (n < 2 || p[0] != '"') return false;
  while (p[n - 1] != '"') {  // whitespace before the next structural character
    const char c = p[n - 1];
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return false;
    if (--n < 2) return false;
  }
  if (check_escapes && HasBackslash(p + 1, n - 2)) return false;
  *out = std::string_view(p + 1, n - 2);
  return true;
}

// A value's raw token without the whitespace simdjson leaves after it.
[[gnu::always_inline]] inline std::string_view NumberToken(ond::value& v) {
  std::string_view x = v.raw_json_token();
  while (!x.empty() &&
         (x.back() == ' ' || x.back() == '\t' || x.back() == '\r' || x.back() == '\n'))
    x.remove_suffix(1);
  return x;
}

// The value of 8 ASCII digits loaded little-endian (first digit in the low byte), or false if any
// byte is not a digit: adjacent digits are combined pairwise, then pairs of pairs, then halves,
// three multiplies in all.
[[gnu::always_inline]] inline bool EightDigits(uint64_t chunk, uint64_t* out) {
  const uint64_t high = chunk & 0xf0f0f0f0f0f0f0f0ULL;
  const uint64_t carry = (chunk + 0x0606060606060606ULL) & 0xf0f0f0f0f0f0f0f0ULL;
  if (high != 0x3030303030303030ULL || carry != 0x3030303030303030ULL) return false;
  uint64_t v = chunk & 0x0f0f0f0f0f0f0f0fULL;
  v = (v * (10 << 8 | 1)) >> 8 & 0x00ff00ff00ff00ffULL;     // 2-digit groups
  v = (v * (100 << 16 | 1)) >> 16 & 0x0000ffff0000ffffULL;  // 4-digit groups
  *out = (v * (10000ULL << 32 | 1)) >> 32;                  // 8 digits
  return true;
}

// A JSON integer token of 1..19 digits (no sign, no leading zero) without simdjson's general
// number parser; false for anything else, which simdjson then decides (its grammar and errors).
// Eight digits at a time; the last 1..7 are loaded as 8 bytes and shifted so that the bytes past
// the token fall off and '0's lead. REQUIRES 8 readable bytes past the token (input padding).
[[gnu::always_inline]] inline bool ShortUnsigned(std::string_view s, uint64_t* out) {
  const size_t n = s.size();
  if (n == 0 || n > 19 || (s[0] == '0' && n > 1)) return false;
  uint64_t v = 0, eight;
  size_t i = 0;
  for (; n - i >= 8; i += 8) {
    uint64_t chunk;
    std::memcpy(&chunk, s.data() + i, 8);
    if (!EightDigits(chunk, &eight)) return false;
    v = v * 100000000 + eight;
  }
  if (const size_t rest = n - i; rest != 0) {
    uint64_t chunk;
    std::memcpy(&chunk, s.data() + i, 8);
    chunk = chunk << (8 * (8 - rest)) | 0x3030303030303030ULL >> (8 * rest);
    if (!EightDigits(chunk, &eight)) return false;
    v = v * static_cast<uint64_t>(kPow10[rest]) + eight;
  }
  *out = v;  // below 10^19 < 2^64
  return true;
}

// ShortUnsigned with an optional '-', within int64's range.
[[gnu::always_inline]] inline bool ShortSigned(std::string_view s, int64_t* out) {
  const bool negative = !s.empty() && s[0] == '-';
  uint64_t v;
  if (!ShortUnsigned(std::string_view(s.data() + negative, s.size() - negative), &v)) return false;
  if (v > static_cast<uint64_t>(INT64_MAX) + (negative ? 1 : 0)) return false;
  *out = negative ? static_cast<int64_t>(0 - v) : static_cast<int64_t>(v);
  return true;
}

[[gnu::always_inline]] inline void PutUnsigned(Column& col, uint8_t width, uint64_t x) {
  switch (width) {
    case 1:
      col.AppendFixed(static_cast<uint8_t>(x));
      break;
    case 2:
      col.AppendFixed(static_cast<uint16_t>(x));
      break;
    case 4:
      col.AppendFixed(static_cast<uint32_t>(x));
      break;
    default:
      col.AppendFixed(x);
      break;
  }
}

// A string-shaped column's value (kString, kEnum, kNullableString, kUuid, kDateTime) from the
// text of a JSON string, as written. False, with `col` untouched, if it is not the column's usual
// shape. REQUIRES 32 readable bytes at text.data() (input padding).
[[gnu::always_inline]] inline bool PutText(const FastPlan& p, std::string_view text, Column& col) {
  switch (p.kind) {
    case Fast::kString:
      col.AppendStringPadded(text);
      return true;
    case Fast::kNullableString:
      PushBack<uint8_t>(col.nulls, 0);
      col.children[0].AppendStringPadded(text);
      return true;
    case Fast::kUuid: {
      uint8_t bytes[16];
      if (!ParseUuid(text, bytes)) return false;
      col.AppendBytes(bytes, 16);
      return true;
    }
    case Fast::kDateTime: {
      uint32_t value;
      if (!p.memo.Find(text, &value)) {
        int64_t sec, ns;
        if (!ParseDateTime(text, p.zone, &sec, &ns) || sec < 0 || sec > UINT32_MAX) return false;
        value = static_cast<uint32_t>(sec);
        p.memo.Remember(text, value);
      }
      col.AppendFixed(value);
      return true;
    }
    case Fast::kEnum:
      if (!p.labels.empty()) {
        if (text.size() > sizeof(EnumLabel::text)) return false;
        for (const EnumLabel& l : p.labels) {
          if (l.size != text.size() || !SameFirst(text.data(), l.text, l.size)) continue;
          PutUnsigned(col, p.width, static_cast<uint64_t>(static_cast<int64_t>(l.value)));
          return true;
        }
        return false;
      }
      for (const auto& [name, value] : p.type->enum_values) {
        if (name != text) continue;
        PutUnsigned(col, p.width, static_cast<uint64_t>(static_cast<int64_t>(value)));
        return true;
      }
      return false;
    default:
      return false;
  }
}

// A kDecimal column's value from a number's text. False, with `col` untouched, for another shape.
[[gnu::always_inline]] inline bool PutDecimal(const FastPlan& p, std::string_view x, Column& col) {
  if (x.empty() || !(x[0] == '-' || (x[0] >= '0' && x[0] <= '9'))) return false;
  __int128 d;
  if (!ParseDecimal(x, p.type->precision, p.type->scale, &d)) return false;
  if (p.width == 16)
    col.AppendFixed(d);
  else
    PutUnsigned(col, p.width, static_cast<uint64_t>(static_cast<int64_t>(d)));
  return true;
}

// The column's planned fast path. Returns false, with `col` and `v` untouched, when the value has
// another shape; true when it took the value, with *st saying whether it converted. Elements of
// an array that are not plain strings go through convert_element(value, type, column) -> Status.
template <typename ConvertElement>
bool ConvertFast(const FastPlan& p, ond::value& v, Column& col, const TimeZones& zones, Status* st,
                 ConvertElement&& convert_element) {
  std::string_view text;
  switch (p.kind) {
    case Fast::kUInt: {
      uint64_t x;
      if (!ShortUnsigned(NumberToken(v), &x) && v.get_uint64().get(x)) return false;
      if (x > p.max)
        *st = PutInteger(x, *p.type, col, zones);  // the range error
      else
        PutUnsigned(col, p.width, x);
      return true;
    }
    case Fast::kInt: {
      int64_t x;
      if (!ShortSigned(NumberToken(v), &x) && v.get_int64().get(x)) return false;
      if (x < p.min || x > static_cast<int64_t>(p.max))
        *st = PutInteger(x, *p.type, col, zones);  // the range error
      else
        PutUnsigned(col, p.width, static_cast<uint64_t>(x));
      return true;
    }
    case Fast::kFloat64: {
      double x;
      if (v.get_double().get(x)) return false;
      col.AppendFixed(x);
      return true;
    }
    case Fast::kString:
    case Fast::kEnum:
    case Fast::kNullableString:
      return RawString(v, &text) && PutText(p, text, col);
    case Fast::kUuid:
    case Fast::kDateTime:  // their parsers reject a backslash
      return RawString(v, &text, /*check_escapes=*/false) && PutText(p, text, col);
    case Fast::kDecimal:
      return PutDecimal(p, NumberToken(v), col);
    case Fast::kArrayOfString: {
      ond::array arr;
      if (v.get_array().get(arr)) return false;
      Column& elements = col.children[0];
      for (auto el : arr) {
        ond::value ev;
        if (auto err = el.get(ev); err) {
          *st = InvalidArgument(fmt::format("malformed JSON: {}", simdjson::error_message(err)));
          return true;
        }
        if (RawString(ev, &text)) {
          elements.AppendStringPadded(text);
        } else if (Status es = convert_element(ev, *p.type->children[0], elements); !es.ok()) {
          *st = std::move(es);
          return true;
        }
      }
      PushBack<uint64_t>(col.offsets, elements.offsets.size());  // elements are Strings
      return true;
    }
    case Fast::kNone:
      return false;
  }
  return false;
}

// --- The line layout path: values read straight from a line's bytes (JsonReader::AppendLines,
// for lines whose keys follow the learnt order), where simdjson's structural index is not built.
// Each reader accepts only the plainest spelling of a value and returns nullptr for anything else,
// which simdjson then parses; so both paths give the same values and the same errors.

// The first byte in [q, end) that is neither a space nor a tab (the JSON whitespace a line can
// hold besides a final '\r'), or end.
[[gnu::always_inline]] inline const char* SkipSpaces(const char* q, const char* end) {
  while (q < end && (*q == ' ' || *q == '\t')) ++q;
  return q;
}

// The first byte in [p, end) that is not an ASCII digit, or end. Eight bytes a step: after the
// xor a digit is 0..9, and adding 0x76 sets the high bit of any other byte (a carry out of a
// non-digit byte can only reach the bytes after it, past the first). REQUIRES 8 readable bytes
// past end.
[[gnu::always_inline]] inline const char* DigitsEnd(const char* p, const char* end) {
  for (; p < end; p += 8) {
    uint64_t chunk;
    std::memcpy(&chunk, p, 8);
    const uint64_t x = chunk ^ 0x3030303030303030ULL;
    const uint64_t other = ((x + 0x7676767676767676ULL) | x) & 0x8080808080808080ULL;
    if (other != 0) return std::min(end, p + (__builtin_ctzll(other) >> 3));
  }
  return end;
}

// The closing quote of a JSON string whose text starts at p, if it closes before end and holds
// no backslash and no control character (which JSON forbids unescaped); else nullptr. Sets *high
// if a byte >= 0x80 was seen (possibly past the string): UTF-8 for the caller to validate.
// REQUIRES 16 readable bytes past end.
[[gnu::always_inline]] inline const char* StringEnd(const char* p, const char* end, bool* high) {
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\');
  const __m128i space = _mm_set1_epi8(' ');
  for (; p < end; p += 16) {
    const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const unsigned top = static_cast<unsigned>(_mm_movemask_epi8(b));  // bytes >= 0x80
    // Signed, bytes >= 0x80 are below ' ' too: taken out again with `top`.
    const __m128i stops =
        _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(b, quote), _mm_cmpeq_epi8(b, backslash)),
                     _mm_cmplt_epi8(b, space));
    const unsigned stop = static_cast<unsigned>(_mm_movemask_epi8(stops)) & ~top;
    *high |= top != 0;
    if (stop != 0) {
      const char* q = p + __builtin_ctz(stop);
      return q < end && *q == '"' ? q : nullptr;
    }
  }
  return nullptr;
#else
  for (; p < end; ++p) {
    const auto c = static_cast<unsigned char>(*p);
    *high |= c >= 0x80;
    if (c == '"') return p;
    if (c == '\\' || c < 0x20) return nullptr;
  }
  return nullptr;
#endif
}

// Reads the value at `at` (a line's bytes, ending at end) into the column, the plan's usual
// shape only: returns the end of the value, or nullptr with possibly part of an array appended
// (the caller rolls the row back). Sets *high as StringEnd does. REQUIRES 32 readable bytes past
// end (input padding).
[[gnu::always_inline]] inline const char* LayoutValue(const FastPlan& p, const char* at,
                                                      const char* end, Column& col, bool* high) {
  switch (p.kind) {
    case Fast::kUInt: {
      const char* q = DigitsEnd(at, end);
      uint64_t x;
      if (!ShortUnsigned(std::string_view(at, static_cast<size_t>(q - at)), &x) || x > p.max)
        return nullptr;
      PutUnsigned(col, p.width, x);
      return q;
    }
    case Fast::kInt: {
      const char* q = DigitsEnd(at + (*at == '-'), end);
      int64_t x;
      if (!ShortSigned(std::string_view(at, static_cast<size_t>(q - at)), &x) || x < p.min ||
          x > static_cast<int64_t>(p.max))
        return nullptr;
      PutUnsigned(col, p.width, static_cast<uint64_t>(x));
      return q;
    }
    case Fast::kDecimal: {
      const char* q = DigitsEnd(at + (*at == '-'), end);
      if (q < end && *q == '.') q = DigitsEnd(q + 1, end);
      return PutDecimal(p, std::string_view(at, static_cast<size_t>(q - at)), col) ? q : nullptr;
    }
    case Fast::kNullableString:
      if (end - at >= 4 && std::memcmp(at, "null", 4) == 0) {
        PushBack<uint8_t>(col.nulls, 1);
        col.children[0].AppendDefault();
        return at + 4;
      }
      [[fallthrough]];
    case Fast::kString:
    case Fast::kEnum:
    case Fast::kUuid:
    case Fast::kDateTime: {
      if (*at != '"') return nullptr;
      const char* q = StringEnd(at + 1, end, high);
      if (q == nullptr ||
          !PutText(p, std::string_view(at + 1, static_cast<size_t>(q - at - 1)), col))
        return nullptr;
      return q + 1;
    }
    case Fast::kArrayOfString: {
      if (*at != '[') return nullptr;
      Column& elements = col.children[0];
      const char* q = at + 1;
      q = SkipSpaces(q, end);
      if (q < end && *q != ']') {
        for (;;) {
          if (*q != '"') return nullptr;
          const char* close = StringEnd(q + 1, end, high);
          if (close == nullptr) return nullptr;
          elements.AppendStringPadded(std::string_view(q + 1, static_cast<size_t>(close - q - 1)));
          q = close + 1;
          q = SkipSpaces(q, end);
          if (q >= end || *q == ']') break;
          if (*q != ',') return nullptr;
          ++q;
          q = SkipSpaces(q, end);
        }
      }
      if (q >= end) return nullptr;
      PushBack<uint64_t>(col.offsets, elements.offsets.size());
      return q + 1;
    }
    default:
      return nullptr;
  }
}

// The end of a JSON number at p in strict JSON grammar (-?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?
// [0-9]+)?), or nullptr. REQUIRES 8 readable bytes past end.
inline const char* NumberEnd(const char* p, const char* end) {
  if (p < end && *p == '-') ++p;
  if (p >= end || static_cast<unsigned>(*p - '0') > 9) return nullptr;
  p = *p == '0' ? p + 1 : DigitsEnd(p, end);
  if (p < end && *p == '.') {
    const char* digits = p + 1;
    p = DigitsEnd(digits, end);
    if (p == digits) return nullptr;
  }
  if (p < end && (*p == 'e' || *p == 'E')) {
    ++p;
    if (p < end && (*p == '+' || *p == '-')) ++p;
    const char* digits = p;
    p = DigitsEnd(digits, end);
    if (p == digits) return nullptr;
  }
  return p;
}

// Steps over the JSON value at `at` (a field no column wants): its end, or nullptr if it is not
// plainly valid JSON — a string with an escape, anything nested deeper than a few levels, any
// malformation — which simdjson then decides. Sets *high as StringEnd does. REQUIRES 16 readable
// bytes past end.
inline const char* SkipValue(const char* at, const char* end, bool* high, int depth = 0) {
  if (at >= end) return nullptr;
  switch (*at) {
    case '"': {
      const char* q = StringEnd(at + 1, end, high);
      return q == nullptr ? nullptr : q + 1;
    }
    case 't':
      return end - at >= 4 && std::memcmp(at, "true", 4) == 0 ? at + 4 : nullptr;
    case 'f':
      return end - at >= 5 && std::memcmp(at, "false", 5) == 0 ? at + 5 : nullptr;
    case 'n':
      return end - at >= 4 && std::memcmp(at, "null", 4) == 0 ? at + 4 : nullptr;
    case '[':
    case '{': {
      if (depth >= 8) return nullptr;
      const bool object = *at == '{';
      const char close = object ? '}' : ']';
      const char* q = SkipSpaces(at + 1, end);
      if (q < end && *q == close) return q + 1;
      for (;;) {
        if (object) {
          if (q >= end || *q != '"') return nullptr;
          q = StringEnd(q + 1, end, high);
          if (q == nullptr) return nullptr;
          q = SkipSpaces(q + 1, end);
          if (q >= end || *q != ':') return nullptr;
          q = SkipSpaces(q + 1, end);
        }
        q = SkipValue(q, end, high, depth + 1);
        if (q == nullptr) return nullptr;
        q = SkipSpaces(q, end);
        if (q >= end) return nullptr;
        if (*q == close) return q + 1;
        if (*q != ',') return nullptr;
        q = SkipSpaces(q + 1, end);
      }
    }
    default:
      return NumberEnd(at, end);
  }
}

// True if LayoutValue reads this plan's columns.
inline bool InLayout(const FastPlan& p) {
  return p.kind != Fast::kNone && p.kind != Fast::kFloat64;
}

}  // namespace json_fast
}  // namespace sluice
