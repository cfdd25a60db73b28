#include "formats/value_parse.h"

#include <date/date.h>
#include <date/tz.h>
#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <cstring>

#include "formats/native_writer.h"

namespace sluice {
namespace {

std::string Int128ToString(__int128 v) {
  if (v == 0) return "0";
  bool neg = v < 0;
  unsigned __int128 u =
      neg ? -static_cast<unsigned __int128>(v) : static_cast<unsigned __int128>(v);
  std::string s;
  while (u > 0) {
    s.push_back(static_cast<char>('0' + static_cast<int>(u % 10)));
    u /= 10;
  }
  if (neg) s.push_back('-');
  return {s.rbegin(), s.rend()};
}

bool Digits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

bool ParseIntegerText(std::string_view s, __int128* out) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty()) return false;
  bool neg = false;
  if (s.front() == '-') {
    neg = true;
    s.remove_prefix(1);
  }
  if (s.empty() || s.size() > 30) return false;
  __int128 v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = neg ? -v : v;
  return true;
}

template <typename T>
void Put(Column& col, T v) {
  col.AppendFixed<T>(v);
}

}  // namespace

Status TimeZones::Prepare(const DataType& type, const std::string& server_default) {
  if (type.id == TypeId::kDateTime || type.id == TypeId::kDateTime64) {
    const std::string& name = type.timezone.empty() ? server_default : type.timezone;
    if (name.empty() || name == "UTC" || name == "Etc/UTC" || name == "UCT") {
      zones_[&type] = nullptr;
    } else {
      try {
        zones_[&type] = date::locate_zone(name);
      } catch (const std::exception& e) {
        return InvalidArgument(fmt::format("unknown time zone '{}': {}", name, e.what()));
      }
    }
  }
  for (const auto& c : type.children) RETURN_IF_ERROR(Prepare(*c, server_default));
  return Status::Ok();
}

const date::time_zone* TimeZones::For(const DataType& type) const {
  auto it = zones_.find(&type);
  return it == zones_.end() ? nullptr : it->second;
}

namespace {
// Local wall-clock seconds in `zone` (nullptr = UTC) → seconds since the epoch.
bool FromLocal(int64_t local, const date::time_zone* zone, int64_t* seconds) {
  if (zone == nullptr) {
    *seconds = local;
    return true;
  }
  try {
    auto sys =
        zone->to_sys(date::local_seconds{std::chrono::seconds{local}}, date::choose::earliest);
    *seconds = sys.time_since_epoch().count();
  } catch (const std::exception&) {
    return false;
  }
  return true;
}
}  // namespace

bool ParseDateTime(std::string_view s, const date::time_zone* zone, int64_t* seconds,
                   int64_t* nanos) {
  *nanos = 0;
  if (s.empty()) return false;
  // Epoch seconds, possibly fractional.
  if (s.size() <= 4 || s[4] != '-') {
    size_t dot = s.find('.');
    std::string_view ip = s.substr(0, dot);
    __int128 v;
    if (!ParseIntegerText(ip, &v) || v < 0 || v > (static_cast<__int128>(1) << 62)) return false;
    *seconds = static_cast<int64_t>(v);
    if (dot != std::string_view::npos) {
      std::string_view frac = s.substr(dot + 1);
      int64_t ns = 0, scale = 100000000;
      for (char c : frac) {
        if (c < '0' || c > '9') return false;
        ns += (c - '0') * scale;
        scale /= 10;
      }
      *nanos = ns;
    }
    return true;
  }
  int y, mo, d, h = 0, mi = 0, se = 0;
  if (s.size() == 19 && (s[10] == ' ' || s[10] == 'T') && s[13] == ':' && s[16] == ':') {
    // "YYYY-MM-DD hh:mm:ss", the common shape: its digits at fixed places, checked in one pass.
    static constexpr int kAt[14] = {0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18};
    int v[14];
    unsigned bad = s[7] != '-';
    for (int i = 0; i < 14; ++i) {
      v[i] = s[kAt[i]] - '0';
      bad |= static_cast<unsigned>(v[i]) > 9;
    }
    if (bad) return false;
    y = v[0] * 1000 + v[1] * 100 + v[2] * 10 + v[3];
    mo = v[4] * 10 + v[5];
    d = v[6] * 10 + v[7];
    h = v[8] * 10 + v[9];
    mi = v[10] * 10 + v[11];
    se = v[12] * 10 + v[13];
    const date::year_month_day ymd{date::year{y}, date::month{static_cast<unsigned>(mo)},
                                   date::day{static_cast<unsigned>(d)}};
    if (!ymd.ok() || h > 23 || mi > 59 || se > 60) return false;
    const int64_t days = date::sys_days(ymd).time_since_epoch().count();  // int: widen first
    return FromLocal(days * 86400 + h * 3600 + mi * 60 + se, zone, seconds);
  }
  if (!Digits(s, 0, 4, &y) || s[4] != '-' || !Digits(s, 5, 2, &mo) || s.size() < 10 ||
      s[7] != '-' || !Digits(s, 8, 2, &d))
    return false;
  const date::year_month_day ymd{date::year{y}, date::month{static_cast<unsigned>(mo)},
                                 date::day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return false;
  size_t p = 10;
  bool has_offset = false;
  int64_t offset = 0;
  if (p < s.size()) {
    if (s[p] != ' ' && s[p] != 'T') return false;
    if (!Digits(s, p + 1, 2, &h) || p + 3 >= s.size() || s[p + 3] != ':' ||
        !Digits(s, p + 4, 2, &mi))
      return false;
    p += 6;
    if (p < s.size() && s[p] == ':') {
      if (!Digits(s, p + 1, 2, &se)) return false;
      p += 3;
    }
    if (h > 23 || mi > 59 || se > 60) return false;
    if (p < s.size() && (s[p] == '.' || s[p] == ',')) {
      ++p;
      int64_t scale = 100000000;
      size_t start = p;
      while (p < s.size() && s[p] >= '0' && s[p] <= '9') {
        *nanos += (s[p] - '0') * scale;
        scale /= 10;
        ++p;
      }
      if (p == start) return false;
    }
    if (p < s.size()) {
      if (s[p] == 'Z' && p + 1 == s.size()) {
        has_offset = true;
      } else if (s[p] == '+' || s[p] == '-') {
        int oh, om = 0;
        const int sign = s[p] == '-' ? -1 : 1;
        if (!Digits(s, p + 1, 2, &oh)) return false;
        size_t q = p + 3;
        if (q < s.size() && s[q] == ':') ++q;
        if (q < s.size()) {
          if (!Digits(s, q, 2, &om) || q + 2 != s.size()) return false;
        }
        has_offset = true;
        offset = sign * (oh * 3600 + om * 60);
      } else {
        return false;
      }
    }
  }
  const int64_t days = date::sys_days(ymd).time_since_epoch().count();
  const int64_t local = days * 86400 + h * 3600 + mi * 60 + se;
  if (has_offset) {
    *seconds = local - offset;
    return true;
  }
  return FromLocal(local, zone, seconds);
}

bool ParseLongDecimal(std::string_view s, uint32_t precision, uint32_t scale, __int128* out) {
  if (s.empty()) return false;
  bool neg = false;
  size_t p = 0;
  if (s[p] == '-' || s[p] == '+') neg = s[p++] == '-';
  // The mantissa's digits are s[first…] with the '.' (if any) skipped: no copy.
  const size_t first = p;
  int n_digits = 0;
  int point = -1;
  for (; p < s.size(); ++p) {
    char c = s[p];
    if (c >= '0' && c <= '9') {
      ++n_digits;
    } else if (c == '.' && point < 0) {
      point = n_digits;
    } else {
      break;
    }
  }
  if (n_digits == 0) return false;
  const int dot_digits = point;  // digits before the '.', or -1 without one
  auto digit = [&](int i) {
    return s[first + static_cast<size_t>(i) + (dot_digits >= 0 && i >= dot_digits ? 1 : 0)] - '0';
  };
  if (point < 0) point = n_digits;
  if (p < s.size()) {
    if (s[p] != 'e' && s[p] != 'E') return false;
    __int128 e;
    if (!ParseIntegerText(s.substr(p + 1), &e) || e > 100 || e < -100) return false;
    point += static_cast<int>(e);
  }
  // Value = digits * 10^(point - len); scaled = digits shifted to `scale` fraction digits.
  const int want = point + static_cast<int>(scale);  // digits to keep
  if (want <= 18) {
    // The common case fits 64 bits whatever the digits (10^18 < 2^63): no 128-bit multiplies,
    // and the precision check is one compare (v has more than P digits iff v >= 10^P).
    int64_t v = 0;
    for (int i = 0; i < want; ++i) v = v * 10 + (i < n_digits && i >= 0 ? digit(i) : 0);
    if (precision < 18) {
      int64_t limit = 1;
      for (uint32_t i = 0; i < precision; ++i) limit *= 10;
      if (v >= limit) return false;
    }
    *out = neg ? -v : v;
    return true;
  }
  __int128 v = 0;
  int significant = 0;
  for (int i = 0; i < want; ++i) {
    int d = i < n_digits && i >= 0 ? digit(i) : 0;
    if (significant > 0 || d != 0) ++significant;
    if (significant > static_cast<int>(precision) || significant > 38) return false;
    v = v * 10 + d;
  }
  *out = neg ? -v : v;
  return true;
}

Status PutInteger(__int128 v, const DataType& t, Column& col, const TimeZones& zones) {
  auto range = [&](__int128 lo, __int128 hi) -> Status {
    if (v < lo || v > hi)
      return InvalidArgument(
          fmt::format("value {} is out of range for {}", Int128ToString(v), t.name));
    return Status::Ok();
  };
  switch (t.id) {
    case TypeId::kUInt8:
      RETURN_IF_ERROR(range(0, UINT8_MAX));
      Put<uint8_t>(col, v);
      break;
    case TypeId::kUInt16:
      RETURN_IF_ERROR(range(0, UINT16_MAX));
      Put<uint16_t>(col, v);
      break;
    case TypeId::kUInt32:
      RETURN_IF_ERROR(range(0, UINT32_MAX));
      Put<uint32_t>(col, v);
      break;
    case TypeId::kUInt64:
      RETURN_IF_ERROR(range(0, UINT64_MAX));
      Put<uint64_t>(col, v);
      break;
    case TypeId::kInt8:
      RETURN_IF_ERROR(range(INT8_MIN, INT8_MAX));
      Put<int8_t>(col, v);
      break;
    case TypeId::kInt16:
      RETURN_IF_ERROR(range(INT16_MIN, INT16_MAX));
      Put<int16_t>(col, v);
      break;
    case TypeId::kInt32:
      RETURN_IF_ERROR(range(INT32_MIN, INT32_MAX));
      Put<int32_t>(col, v);
      break;
    case TypeId::kInt64:
      RETURN_IF_ERROR(range(INT64_MIN, INT64_MAX));
      Put<int64_t>(col, v);
      break;
    case TypeId::kBool:
      RETURN_IF_ERROR(range(0, 1));
      Put<uint8_t>(col, v);
      break;
    case TypeId::kFloat32:
      Put<float>(col, static_cast<float>(v));
      break;
    case TypeId::kFloat64:
      Put<double>(col, static_cast<double>(v));
      break;
    case TypeId::kIPv4:
      RETURN_IF_ERROR(range(0, UINT32_MAX));
      Put<uint32_t>(col, v);
      break;
    case TypeId::kDate:
      // ClickHouse reads a small number as a day number and a large one as epoch seconds.
      if (v > 65535) v /= 86400;
      RETURN_IF_ERROR(range(0, 65535));
      Put<uint16_t>(col, v);
      break;
    case TypeId::kDateTime:
      RETURN_IF_ERROR(range(0, UINT32_MAX));
      Put<uint32_t>(col, v);
      break;
    case TypeId::kDateTime64: {
      int64_t mul = 1;
      for (uint32_t i = 0; i < t.precision; ++i) mul *= 10;
      RETURN_IF_ERROR(range(INT64_MIN / mul, INT64_MAX / mul));
      Put<int64_t>(col, static_cast<int64_t>(v) * mul);
      break;
    }
    case TypeId::kEnum8:
    case TypeId::kEnum16: {
      for (const auto& [name, value] : t.enum_values) {
        if (value == v) {
          if (t.id == TypeId::kEnum8)
            Put<int8_t>(col, static_cast<int8_t>(value));
          else
            Put<int16_t>(col, value);
          return Status::Ok();
        }
      }
      return InvalidArgument(fmt::format("{} is not a value of {}", Int128ToString(v), t.name));
    }
    case TypeId::kDecimal:
      return ConvertText(Int128ToString(v), t, col, zones, true);
    case TypeId::kString:
      col.AppendString(Int128ToString(v));
      break;
    default:
      return InvalidArgument(fmt::format("cannot put a number into {}", t.name));
  }
  return Status::Ok();
}

Status PutFloat(double d, const DataType& t, Column& col) {
  if (t.id == TypeId::kFloat32) {
    if (std::isfinite(d) && std::fabs(d) > std::numeric_limits<float>::max())
      return InvalidArgument(fmt::format("value {} is out of range for Float32", d));
    Put<float>(col, static_cast<float>(d));
  } else {
    Put<double>(col, d);
  }
  return Status::Ok();
}

Status ConvertText(std::string_view s, const DataType& t, Column& col, const TimeZones& zones,
                   bool from_number) {
  auto bad = [&](const char* what) {
    return InvalidArgument(fmt::format("cannot parse '{}' as {}{}", s.substr(0, 64), t.name, what));
  };
  switch (t.id) {
    case TypeId::kString:
      col.AppendString(s);
      return Status::Ok();
    case TypeId::kFixedString:
      if (s.size() > t.fixed_size)
        return InvalidArgument(fmt::format("{} bytes do not fit {}", s.size(), t.name));
      col.AppendBytes(s.data(), s.size());
      col.data.resize(col.data.size() + (t.fixed_size - s.size()), 0);
      return Status::Ok();
    case TypeId::kUInt8:
    case TypeId::kUInt16:
    case TypeId::kUInt32:
    case TypeId::kUInt64:
    case TypeId::kInt8:
    case TypeId::kInt16:
    case TypeId::kInt32:
    case TypeId::kInt64: {
      __int128 v;
      if (ParseIntegerText(s, &v)) return PutInteger(v, t, col, zones);
      double d;
      auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
      if (ec == std::errc() && ptr == s.data() + s.size() && std::trunc(d) == d &&
          std::fabs(d) < 1.8e19)
        return PutInteger(static_cast<__int128>(d), t, col, zones);
      return bad("");
    }
    case TypeId::kFloat32:
    case TypeId::kFloat64: {
      double d;
      std::string_view x = s;
      if (!x.empty() && x.front() == '+') x.remove_prefix(1);
      auto [ptr, ec] = std::from_chars(x.data(), x.data() + x.size(), d);
      if (ec != std::errc() || ptr != x.data() + x.size() || x.empty()) return bad("");
      return PutFloat(d, t, col);
    }
    case TypeId::kBool:
      if (s == "true" || s == "1") return PutInteger(1, t, col, zones);
      if (s == "false" || s == "0") return PutInteger(0, t, col, zones);
      return bad("");
    case TypeId::kDate: {
      __int128 v;
      if (ParseIntegerText(s, &v)) return PutInteger(v, t, col, zones);
      int64_t sec, ns;
      if (!ParseDateTime(s, nullptr, &sec, &ns) || sec < 0) return bad("");
      // A date is taken as written (its calendar day), with any offset applied.
      return PutInteger(sec / 86400, t, col, zones);
    }
    case TypeId::kDateTime: {
      int64_t sec, ns;
      if (!ParseDateTime(s, zones.For(t), &sec, &ns)) return bad("");
      if (sec < 0 || sec > UINT32_MAX)
        return InvalidArgument(fmt::format("'{}' is out of range for {}", s, t.name));
      col.AppendFixed<uint32_t>(static_cast<uint32_t>(sec));
      return Status::Ok();
    }
    case TypeId::kDateTime64: {
      int64_t sec, ns;
      if (!ParseDateTime(s, zones.For(t), &sec, &ns)) return bad("");
      int64_t mul = 1;
      for (uint32_t i = 0; i < t.precision; ++i) mul *= 10;
      const __int128 ticks = static_cast<__int128>(sec) * mul + ns / (1000000000 / mul);
      if (ticks < INT64_MIN || ticks > INT64_MAX)
        return InvalidArgument(fmt::format("'{}' is out of range for {}", s.substr(0, 64), t.name));
      col.AppendFixed<int64_t>(static_cast<int64_t>(ticks));
      return Status::Ok();
    }
    case TypeId::kUUID: {
      uint8_t bytes[16];
      if (!ParseUuid(s, bytes)) return bad("");
      col.AppendBytes(bytes, 16);
      return Status::Ok();
    }
    case TypeId::kIPv4: {
      uint32_t ip;
      __int128 v;
      if (ParseIntegerText(s, &v)) return PutInteger(v, t, col, zones);
      if (!ParseIPv4(s, &ip)) return bad("");
      col.AppendFixed<uint32_t>(ip);
      return Status::Ok();
    }
    case TypeId::kIPv6: {
      uint8_t bytes[16];
      if (!ParseIPv6(s, bytes)) return bad("");
      col.AppendBytes(bytes, 16);
      return Status::Ok();
    }
    case TypeId::kEnum8:
    case TypeId::kEnum16: {
      for (const auto& [name, value] : t.enum_values) {
        if (name == s) {
          if (t.id == TypeId::kEnum8)
            col.AppendFixed<int8_t>(static_cast<int8_t>(value));
          else
            col.AppendFixed<int16_t>(value);
          return Status::Ok();
        }
      }
      __int128 v;
      if (ParseIntegerText(s, &v)) return PutInteger(v, t, col, zones);
      return InvalidArgument(fmt::format("'{}' is not a value of {}", s.substr(0, 64), t.name));
    }
    case TypeId::kDecimal: {
      __int128 v;
      if (!ParseDecimal(s, t.precision, t.scale, &v))
        return InvalidArgument(fmt::format("'{}' does not fit {}", s.substr(0, 64), t.name));
      switch (t.value_width()) {
        case 4:
          col.AppendFixed<int32_t>(static_cast<int32_t>(v));
          break;
        case 8:
          col.AppendFixed<int64_t>(static_cast<int64_t>(v));
          break;
        case 16:
          col.AppendFixed<__int128>(v);
          break;
        default: {
          col.AppendFixed<__int128>(v);
          col.AppendFixed<__int128>(v < 0 ? -1 : 0);  // sign extension to 256 bits
        }
      }
      return Status::Ok();
    }
    default:
      (void)from_number;
      return InvalidArgument(fmt::format("cannot put a string into {}", t.name));
  }
}

}  // namespace sluice
