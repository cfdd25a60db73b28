// The binder (names → columns and functions, type checks, implicit conversions, constant folding)
// and the kernels of every function.
//
// Type rules (a simplification of ClickHouse's, stated once here):
// - Literals: an integer is the smallest UInt8/16/32/64 that holds it (a negative one the smallest
//   Int8..64); a float is Float64; 'text' is String; NULL is Nullable(Nothing); true/false are
//   UInt8 1/0 (as on 18.16).
// - Arithmetic result types are ClickHouse's (see ArithResult: UInt8 + UInt8 → UInt16, UInt32 -
//   UInt8 → Int64, intDiv(UInt64, …) → UInt64), except that any float gives Float64 (ClickHouse
//   keeps some Float32 results). Values are computed in 64 bits; 64-bit overflow wraps. `/` is
//   Float64. Division by zero in intDiv and % is a row error, as in ClickHouse.
// - if / multiIf / coalesce / greatest / least take ClickHouse's least supertype: the wider of two
//   same-signed ints, a signed int wide enough for a mixed pair (UInt64 with a signed int has
//   none: an error), Float64 when a float is involved, DateTime for Date with DateTime.
// - Comparisons and IN: numbers compare by value across signedness (-1 < toUInt64(1)); Date with
//   DateTime as DateTime; a constant string compared with a Date, DateTime, Enum, UUID, IPv4 or
//   number is converted to that type at compile time ('mobile' becomes the Enum's value; an
//   unknown label is an error); a non-constant String with a Date/DateTime is parsed per row;
//   an Enum or IPv4 compared with a non-constant String compares as text.
// - NULL: NULL in, NULL out, except isNull/isNotNull, IS [NOT] NULL, coalesce/ifNull, if/multiIf
//   (a NULL condition is false), AND/OR (three-valued: NULL AND 0 = 0, NULL OR 1 = 1), IN (a NULL
//   value is not IN any list, so NOT IN gives 1, as on ClickHouse 18.16), has.
// - Conversions: toIntN/toUIntN of a number wrap like ClickHouse; of a float out of range, or of
//   text that is not an integer in range, fail the row (…OrZero gives 0, …OrNull gives NULL).
//   Dates and times are UTC (a DateTime column's own time zone is not applied).
#include <arpa/inet.h>
#include <fmt/format.h>
#include <re2/re2.h>
#include <xxhash.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <map>
#include <utility>

#include "expr/expr_internal.h"
#include "formats/value_parse.h"

namespace sluice::expr_internal {
namespace {

using BoundPtr = std::unique_ptr<Bound>;
using Args = std::vector<BoundPtr>;

Status ErrorAt(size_t pos, const std::string& what) {
  return InvalidArgument(fmt::format("at {}: {}", pos, what));
}

bool NullAt(const uint8_t* nulls, size_t i) {
  return nulls != nullptr && nulls[i];
}

// Evaluates a call whose arguments are all constants once, now, into a constant.
Result<BoundPtr> Finish(BoundPtr node) {
  if (!node->deterministic) return node;
  for (const auto& a : node->args)
    if (a->kind != Bound::Kind::kConst) return node;
  EvalCtx ctx;
  ctx.rows = 1;
  ASSIGN_OR_RETURN(Vals v, Eval(*node, ctx));
  v.is_const = true;
  auto c = std::make_unique<Bound>();
  c->kind = Bound::Kind::kConst;
  c->pos = node->pos;
  c->name = node->name;
  c->type = node->type;
  c->value = std::move(v);
  return c;
}

BoundPtr NewCall(const std::string& name, size_t pos, DataTypePtr type, Args args, Kernel k) {
  auto b = std::make_unique<Bound>();
  b->kind = Bound::Kind::kCall;
  b->name = name;
  b->pos = pos;
  b->type = std::move(type);
  b->args = std::move(args);
  b->kernel = std::move(k);
  return b;
}

BoundPtr NewConst(size_t pos, DataTypePtr type, Vals v) {
  auto c = std::make_unique<Bound>();
  c->kind = Bound::Kind::kConst;
  c->pos = pos;
  c->type = std::move(type);
  v.is_const = true;
  c->value = std::move(v);
  return c;
}

BoundPtr NullConst(size_t pos) {
  Vals v;
  v.rep = Rep::kU64;
  v.u64 = {0};
  v.nulls = {1};
  return NewConst(pos, MakeNullable(TypeNamed("Nothing")), std::move(v));
}

BoundPtr StringConst(size_t pos, std::string_view s) {
  Vals v;
  v.rep = Rep::kStr;
  v.AddStr(s);
  return NewConst(pos, TypeNamed("String"), std::move(v));
}

bool IsConst(const Bound& b) {
  return b.kind == Bound::Kind::kConst;
}
bool IsNothing(const DataType& t) {
  return Base(t).id == TypeId::kNothing;
}
bool AnyNullable(const Args& args) {
  for (const auto& a : args)
    if (IsNullable(*a->type)) return true;
  return false;
}
DataTypePtr WithNullability(const DataTypePtr& base, bool nullable) {
  return nullable ? MakeNullable(base) : base;
}

// ---- Integer type facts ------------------------------------------------------------------------

struct IntInfo {
  int bits;
  bool is_signed;
};
IntInfo InfoOf(const DataType& b) {
  switch (b.id) {
    case TypeId::kInt8:
      return {8, true};
    case TypeId::kInt16:
      return {16, true};
    case TypeId::kInt32:
      return {32, true};
    case TypeId::kInt64:
      return {64, true};
    case TypeId::kUInt16:
      return {16, false};
    case TypeId::kUInt32:
      return {32, false};
    case TypeId::kUInt64:
      return {64, false};
    default:
      return {8, false};  // UInt8, Bool, Nothing
  }
}
DataTypePtr IntType(int bits, bool is_signed) {
  return TypeNamed(fmt::format("{}Int{}", is_signed ? "" : "U", bits));
}

// Wraps an integer into the range of a (U)IntN as ClickHouse's conversions do.
__int128 WrapTo(__int128 v, IntInfo info) {
  if (info.bits == 64) {
    if (info.is_signed) return static_cast<int64_t>(v);
    return static_cast<uint64_t>(v);
  }
  const uint64_t mask = (uint64_t{1} << info.bits) - 1;
  const uint64_t u = static_cast<uint64_t>(v) & mask;
  if (info.is_signed && (u >> (info.bits - 1))) return static_cast<__int128>(u) - (mask + 1);
  return u;
}
bool InRange(__int128 v, IntInfo info) {
  return WrapTo(v, info) == v;
}

// ---- Conversions -------------------------------------------------------------------------------

enum class Mode { kThrow, kOrZero, kOrNull };

// Integer text: optional sign, then digits only.
bool ParseInt128(std::string_view s, __int128* out) {
  if (s.empty()) return false;
  bool neg = false;
  size_t i = 0;
  if (s[0] == '-' || s[0] == '+') {
    neg = s[0] == '-';
    i = 1;
  }
  if (i == s.size() || s.size() - i > 20) return false;
  __int128 v = 0;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = neg ? -v : v;
  return true;
}

bool ParseDouble(std::string_view s, double* out) {
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

bool ParseIPv4Text(std::string_view s, uint32_t* out) {
  char buf[INET_ADDRSTRLEN];
  if (s.size() >= sizeof(buf)) return false;
  std::memcpy(buf, s.data(), s.size());
  buf[s.size()] = '\0';
  in_addr a;
  if (inet_pton(AF_INET, buf, &a) != 1) return false;
  *out = ntohl(a.s_addr);
  return true;
}

std::string FormatIPv4(uint32_t ip) {
  return fmt::format("{}.{}.{}.{}", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255);
}

// One value of any numeric rep as a double / int128.
double AsDouble(const Vals& v, size_t i) {
  switch (v.rep) {
    case Rep::kI64:
      return static_cast<double>(v.i64[v.Index(i)]);
    case Rep::kU64:
      return static_cast<double>(v.u64[v.Index(i)]);
    default:
      return v.f64[v.Index(i)];
  }
}
__int128 AsInt(const Vals& v, size_t i) {
  return v.rep == Rep::kI64 ? static_cast<__int128>(v.i64[v.Index(i)])
                            : static_cast<__int128>(v.u64[v.Index(i)]);
}

// Sets value i of `out` (numeric rep) from an integer / a double.
void PutInt(Vals& out, size_t i, __int128 x) {
  if (out.rep == Rep::kI64)
    out.i64[i] = static_cast<int64_t>(x);
  else if (out.rep == Rep::kU64)
    out.u64[i] = static_cast<uint64_t>(x);
  else
    out.f64[i] = static_cast<double>(x);
}
void Resize(Vals& out, size_t n) {
  switch (out.rep) {
    case Rep::kI64:
      out.i64.assign(n, 0);
      break;
    case Rep::kU64:
      out.u64.assign(n, 0);
      break;
    case Rep::kF64:
      out.f64.assign(n, 0);
      break;
    case Rep::kStr:
      out.ends.reserve(n);
      break;
  }
}

// A failed conversion of row i: an error, a zero, or a NULL, by mode.
Status ConversionFailed(EvalCtx& ctx, const Bound& node, Mode mode, size_t i, Vals& out,
                        const std::string& problem) {
  if (mode == Mode::kThrow) return ctx.RowError(i, node, problem);
  if (mode == Mode::kOrNull) out.nulls[i] = 1;  // sized by the kernel's prepare()
  return Status::Ok();
}

std::string Shorten(std::string_view s) {
  return std::string(s.substr(0, 64)) + (s.size() > 64 ? "…" : "");
}

// Builds the kernel converting values of `from` (a base type) into `to` (a base type); an error
// message (without position) if there is no such conversion.
Result<Kernel> ConvertKernel(const DataTypePtr& from, const DataTypePtr& to, Mode mode) {
  const DataType& f = *from;
  const DataType& t = *to;
  const TypeId fid = f.id, tid = t.id;
  const bool from_int = IsInteger(f) || fid == TypeId::kDate || fid == TypeId::kDateTime ||
                        fid == TypeId::kEnum8 || fid == TypeId::kEnum16 || fid == TypeId::kIPv4;
  const bool from_float = fid == TypeId::kFloat32 || fid == TypeId::kFloat64;
  const bool from_str = fid == TypeId::kString;
  auto bad = [&]() -> Status {
    return InvalidArgument(fmt::format("cannot convert {} to {}", f.name, t.name));
  };
  // Prepares `out` for n values; NULL-producing modes need a null map of n flags.
  auto prepare = [mode](Vals& out, size_t n) {
    Resize(out, n);
    if (mode == Mode::kOrNull) out.nulls.assign(n, 0);
  };

  if (fid == TypeId::kNothing) {
    return Kernel(
        [prepare](EvalCtx&, const Bound&, std::vector<Vals>&, size_t n, const uint8_t*, Vals& out) {
          prepare(out, n);
          if (out.rep == Rep::kStr)
            for (size_t i = 0; i < n; ++i) out.AddStr("");
          return Status::Ok();
        });
  }

  if (t.is_numeric_int() || tid == TypeId::kBool) {
    const IntInfo info = InfoOf(t);
    if (!(from_int || from_float || from_str)) return bad();
    return Kernel([=](EvalCtx& ctx, const Bound& node, std::vector<Vals>& args, size_t n,
                      const uint8_t* nulls, Vals& out) -> Status {
      prepare(out, n);
      const Vals& a = args[0];
      for (size_t i = 0; i < n; ++i) {
        if (NullAt(nulls, i)) continue;
        __int128 v;
        if (from_int) {
          v = AsInt(a, i);
        } else if (from_float) {
          const double d = std::trunc(a.f64[a.Index(i)]);
          if (!(d >= -9.3e18 && d <= 1.85e19) || !InRange(static_cast<__int128>(d), info)) {
            RETURN_IF_ERROR(ConversionFailed(
                ctx, node, mode, i, out,
                fmt::format("{} is out of range for {}", FormatFloat(a.f64[a.Index(i)]), t.name)));
            continue;
          }
          v = static_cast<__int128>(d);
        } else {
          const std::string_view s = a.Str(i);
          if (!ParseInt128(s, &v)) {
            RETURN_IF_ERROR(
                ConversionFailed(ctx, node, mode, i, out,
                                 fmt::format("cannot parse '{}' as {}", Shorten(s), t.name)));
            continue;
          }
          if (!InRange(v, info)) {
            RETURN_IF_ERROR(
                ConversionFailed(ctx, node, mode, i, out,
                                 fmt::format("'{}' is out of range for {}", Shorten(s), t.name)));
            continue;
          }
        }
        v = WrapTo(v, info);
        if (tid == TypeId::kBool) v = v != 0;
        PutInt(out, i, v);
      }
      return Status::Ok();
    });
  }

  if (tid == TypeId::kFloat32 || tid == TypeId::kFloat64) {
    if (!(from_int || from_float || from_str)) return bad();
    const bool f32 = tid == TypeId::kFloat32;
    return Kernel([=](EvalCtx& ctx, const Bound& node, std::vector<Vals>& args, size_t n,
                      const uint8_t* nulls, Vals& out) -> Status {
      prepare(out, n);
      const Vals& a = args[0];
      for (size_t i = 0; i < n; ++i) {
        if (NullAt(nulls, i)) continue;
        double d;
        if (from_str) {
          const std::string_view s = a.Str(i);
          if (!ParseDouble(s, &d)) {
            RETURN_IF_ERROR(
                ConversionFailed(ctx, node, mode, i, out,
                                 fmt::format("cannot parse '{}' as {}", Shorten(s), t.name)));
            continue;
          }
        } else {
          d = AsDouble(a, i);
        }
        out.f64[i] = f32 ? static_cast<double>(static_cast<float>(d)) : d;
      }
      return Status::Ok();
    });
  }

  if (tid == TypeId::kDate || tid == TypeId::kDateTime) {
    const bool to_date = tid == TypeId::kDate;
    if (!(from_str || fid == TypeId::kDate || fid == TypeId::kDateTime || IsInteger(f) ||
          from_float))
      return bad();
    return Kernel([=](EvalCtx& ctx, const Bound& node, std::vector<Vals>& args, size_t n,
                      const uint8_t* nulls, Vals& out) -> Status {
      prepare(out, n);
      const Vals& a = args[0];
      for (size_t i = 0; i < n; ++i) {
        if (NullAt(nulls, i)) continue;
        // Seconds since the epoch, or days when the source is a day count.
        __int128 secs = 0;
        bool is_days = false;
        if (from_str) {
          const std::string_view s = a.Str(i);
          int64_t sec, ns;
          if (!ParseDateTime(s, nullptr, &sec, &ns)) {
            RETURN_IF_ERROR(
                ConversionFailed(ctx, node, mode, i, out,
                                 fmt::format("cannot parse '{}' as {}", Shorten(s), t.name)));
            continue;
          }
          secs = sec;
        } else if (fid == TypeId::kDate) {
          secs = AsInt(a, i);
          is_days = true;
        } else if (fid == TypeId::kDateTime) {
          secs = AsInt(a, i);
        } else {
          const __int128 v =
              from_float
                  ? static_cast<__int128>(std::trunc(std::clamp(a.f64[a.Index(i)], -1e19, 1e19)))
                  : AsInt(a, i);
          // toDate(n): a day number below 65536, otherwise a Unix time (ClickHouse's rule).
          if (to_date && v >= 0 && v < 65536) {
            is_days = true;
          }
          secs = v;
        }
        __int128 result;
        if (to_date) {
          result = is_days ? secs : (secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400));
        } else {
          result = is_days ? secs * 86400 : secs;
        }
        const __int128 hi = to_date ? 65535 : 4294967295;
        if (result < 0 || result > hi) {
          RETURN_IF_ERROR(
              ConversionFailed(ctx, node, mode, i, out,
                               fmt::format("{} is out of range for {}",
                                           from_str ? "'" + Shorten(a.Str(i)) + "'"
                                                    : fmt::format("{}", static_cast<int64_t>(secs)),
                                           t.name)));
          continue;
        }
        out.u64[i] = static_cast<uint64_t>(result);
      }
      return Status::Ok();
    });
  }

  if (tid == TypeId::kString) {
    if (Base(f).id == TypeId::kArray) return bad();
    return Kernel([=](EvalCtx&, const Bound&, std::vector<Vals>& args, size_t n, const uint8_t*,
                      Vals& out) -> Status {
      const Vals& a = args[0];
      out.ends.reserve(n);
      for (size_t i = 0; i < n; ++i) {
        switch (fid) {
          case TypeId::kString:
          case TypeId::kUUID:
            out.AddStr(a.Str(i));
            break;
          case TypeId::kFloat32:
            out.AddStr(FormatFloat32(static_cast<float>(a.f64[a.Index(i)])));
            break;
          case TypeId::kFloat64:
            out.AddStr(FormatFloat(a.f64[a.Index(i)]));
            break;
          case TypeId::kDate:
            out.AddStr(FormatDate(static_cast<int64_t>(a.u64[a.Index(i)])));
            break;
          case TypeId::kDateTime:
            out.AddStr(FormatDateTime(static_cast<int64_t>(a.u64[a.Index(i)])));
            break;
          case TypeId::kBool:
            out.AddStr(a.u64[a.Index(i)] ? "true" : "false");
            break;
          case TypeId::kIPv4:
            out.AddStr(FormatIPv4(static_cast<uint32_t>(a.u64[a.Index(i)])));
            break;
          case TypeId::kEnum8:
          case TypeId::kEnum16: {
            const int64_t v = a.i64[a.Index(i)];
            std::string_view label;
            bool found = false;
            for (const auto& [name, value] : f.enum_values) {
              if (value == v) {
                label = name;
                found = true;
                break;
              }
            }
            if (found)
              out.AddStr(label);
            else
              out.AddStr(fmt::format("{}", v));
            break;
          }
          default:
            if (a.rep == Rep::kI64)
              out.AddStr(fmt::format("{}", a.i64[a.Index(i)]));
            else
              out.AddStr(fmt::format("{}", a.u64[a.Index(i)]));
            break;
        }
      }
      return Status::Ok();
    });
  }

  if ((tid == TypeId::kEnum8 || tid == TypeId::kEnum16) && from_str) {
    return Kernel([=](EvalCtx& ctx, const Bound& node, std::vector<Vals>& args, size_t n,
                      const uint8_t* nulls, Vals& out) -> Status {
      prepare(out, n);
      for (size_t i = 0; i < n; ++i) {
        if (NullAt(nulls, i)) continue;
        const std::string_view s = args[0].Str(i);
        bool found = false;
        for (const auto& [name, value] : t.enum_values) {
          if (name == s) {
            out.i64[i] = value;
            found = true;
            break;
          }
        }
        if (!found)
          RETURN_IF_ERROR(
              ConversionFailed(ctx, node, mode, i, out,
                               fmt::format("'{}' is not a value of {}", Shorten(s), t.name)));
      }
      return Status::Ok();
    });
  }

  if (tid == TypeId::kUUID && from_str) {
    return Kernel([=](EvalCtx& ctx, const Bound& node, std::vector<Vals>& args, size_t n,
                      const uint8_t* nulls, Vals& out) -> Status {
      prepare(out, n);
      for (size_t i = 0; i < n; ++i) {
        std::string canon;
        if (!NullAt(nulls, i) && !ParseUuidText(args[0].Str(i), &canon)) {
          canon.clear();
          RETURN_IF_ERROR(
              ConversionFailed(ctx, node, mode, i, out,
                               fmt::format("cannot parse '{}' as UUID", Shorten(args[0].Str(i)))));
        }
        out.AddStr(canon.empty() ? "00000000-0000-0000-0000-000000000000" : canon);
      }
      return Status::Ok();
    });
  }

  if (tid == TypeId::kIPv4 && from_str) {
    return Kernel([=](EvalCtx& ctx, const Bound& node, std::vector<Vals>& args, size_t n,
                      const uint8_t* nulls, Vals& out) -> Status {
      prepare(out, n);
      for (size_t i = 0; i < n; ++i) {
        uint32_t ip = 0;
        if (!NullAt(nulls, i) && !ParseIPv4Text(args[0].Str(i), &ip))
          RETURN_IF_ERROR(
              ConversionFailed(ctx, node, mode, i, out,
                               fmt::format("cannot parse '{}' as IPv4", Shorten(args[0].Str(i)))));
        out.u64[i] = ip;
      }
      return Status::Ok();
    });
  }
  return bad();
}

// Wraps `arg` in a conversion to `to_base` (keeping its nullability; OrNull makes it Nullable).
// `fname` names the conversion in messages. Constants are converted now (errors at `pos`).
Result<BoundPtr> Convert(BoundPtr arg, const DataTypePtr& to_base, Mode mode,
                         const std::string& fname, size_t pos) {
  const DataTypePtr from = BasePtr(arg->type);
  if (from->name == to_base->name && mode != Mode::kOrNull) return arg;
  auto k = ConvertKernel(from, to_base, mode);
  if (!k.ok()) return ErrorAt(pos, fname + ": " + k.status().message());
  const bool nullable = IsNullable(*arg->type) || mode == Mode::kOrNull;
  Args args;
  args.push_back(std::move(arg));
  return Finish(NewCall(fname, pos, WithNullability(to_base, nullable), std::move(args),
                        std::move(k).value()));
}

// Implicit conversion for an operator or function argument. Widening within one representation
// (UInt32 → UInt64, Int8 → Int16, Float32 → Float64) changes no value, so it costs nothing: the
// argument is returned as it is (kernels read the representation, not the type).
Result<BoundPtr> Coerce(BoundPtr arg, const DataTypePtr& to_base, const std::string& fname) {
  const DataType& from = Base(*arg->type);
  const bool ints = from.is_numeric_int() && to_base->is_numeric_int();
  const bool floats = from.id == TypeId::kFloat32 && to_base->id == TypeId::kFloat64;
  if ((ints && RepOf(from) == RepOf(*to_base) && InfoOf(from).bits <= InfoOf(*to_base).bits) ||
      floats)
    return arg;
  const size_t pos = arg->pos;
  return Convert(std::move(arg), to_base, Mode::kThrow, fname, pos);
}

// ---- Supertypes --------------------------------------------------------------------------------

// ClickHouse's least supertype of the base types of `args` (NULL literals ignored); Nothing if all
// are NULL.
Result<DataTypePtr> CommonBase(const Args& args, const std::string& fname, size_t pos) {
  std::vector<DataTypePtr> ts;
  for (const auto& a : args)
    if (!IsNothing(*a->type)) ts.push_back(BasePtr(a->type));
  if (ts.empty()) return TypeNamed("Nothing");
  auto fail = [&]() -> Status {
    std::string names;
    for (const auto& t : ts) names += (names.empty() ? "" : ", ") + t->name;
    return ErrorAt(pos, fmt::format("{} has no common type for {}", fname, names));
  };
  bool all_same = true;
  for (const auto& t : ts) all_same &= t->name == ts[0]->name;
  if (all_same) return ts[0];
  bool numbers = true, any_float = false, all_f32 = true, dates = true;
  int max_signed = 0, max_unsigned = 0;
  for (const auto& t : ts) {
    numbers &= IsNumber(*t);
    dates &= t->id == TypeId::kDate || t->id == TypeId::kDateTime;
    if (t->id == TypeId::kFloat32 || t->id == TypeId::kFloat64) {
      any_float = true;
      all_f32 &= t->id == TypeId::kFloat32;
    } else {
      all_f32 = false;
      const IntInfo info = InfoOf(*t);
      (info.is_signed ? max_signed : max_unsigned) =
          std::max(info.is_signed ? max_signed : max_unsigned, info.bits);
    }
  }
  if (dates) return TypeNamed("DateTime");
  if (!numbers) return fail();
  if (any_float) return TypeNamed(all_f32 ? "Float32" : "Float64");
  if (max_signed == 0) return IntType(max_unsigned, false);
  if (max_unsigned == 0) return IntType(max_signed, true);
  const int need = std::max(max_signed, max_unsigned * 2);
  if (need > 64) return fail();
  return IntType(need, true);
}

// ---- Argument checks ---------------------------------------------------------------------------

enum Accept : unsigned {
  kNum = 1,       // ints, floats, Bool
  kStr = 2,       // String
  kDate = 4,      // Date
  kDateTime = 8,  // DateTime
  kEnum = 16,
  kUuid = 32,
  kIPv4 = 64,
  kAnyScalar = 127,
};

bool Accepts(unsigned accept, const DataType& b) {
  if (b.id == TypeId::kNothing) return true;
  if (IsNumber(b)) return accept & kNum;
  switch (b.id) {
    case TypeId::kString:
      return accept & kStr;
    case TypeId::kDate:
      return accept & kDate;
    case TypeId::kDateTime:
      return accept & kDateTime;
    case TypeId::kEnum8:
    case TypeId::kEnum16:
      return accept & kEnum;
    case TypeId::kUUID:
      return accept & kUuid;
    case TypeId::kIPv4:
      return accept & kIPv4;
    default:
      return false;
  }
}

Status CheckArg(const std::string& fname, const Bound& arg, unsigned accept, const char* expected) {
  if (Accepts(accept, Base(*arg.type))) return Status::Ok();
  return ErrorAt(arg.pos,
                 fmt::format("{} expects {} argument, got {}", fname, expected, arg.type->name));
}

// ---- Comparisons -------------------------------------------------------------------------------

enum class Cmp { kEq, kNe, kLt, kLe, kGt, kGe };

template <typename A, typename B>
inline bool Less(A a, B b) {
  if constexpr (std::is_integral_v<A> && std::is_integral_v<B>)
    return std::cmp_less(a, b);
  else
    return static_cast<double>(a) < static_cast<double>(b);
}
template <typename A, typename B>
inline bool Equal(A a, B b) {
  if constexpr (std::is_integral_v<A> && std::is_integral_v<B>)
    return std::cmp_equal(a, b);
  else
    return static_cast<double>(a) == static_cast<double>(b);
}
template <typename A, typename B>
inline bool Compare(Cmp op, A a, B b) {
  switch (op) {
    case Cmp::kEq:
      return Equal(a, b);
    case Cmp::kNe:
      return !Equal(a, b);
    case Cmp::kLt:
      return Less(a, b);
    case Cmp::kLe:
      return !Less(b, a);
    case Cmp::kGt:
      return Less(b, a);
    default:
      return !Less(a, b);
  }
}

template <typename A, typename B, Cmp op>
void CompareLoop(const Vals& a, const Vals& b, size_t n, uint64_t* out) {
  const A* pa = a.Vec<A>().data();
  const B* pb = b.Vec<B>().data();
  const size_t sa = a.is_const ? 0 : 1, sb = b.is_const ? 0 : 1;
  for (size_t i = 0; i < n; ++i) out[i] = Compare(op, pa[i * sa], pb[i * sb]);
}

template <typename F>
auto WithNum(Rep r, F&& f) {
  switch (r) {
    case Rep::kI64:
      return f(int64_t{});
    case Rep::kU64:
      return f(uint64_t{});
    default:
      return f(double{});
  }
}

template <Cmp op>
void CompareAny(const Vals& a, const Vals& b, size_t n, uint64_t* out) {
  if (a.rep == Rep::kStr) {
    for (size_t i = 0; i < n; ++i) {
      const int c = a.Str(i).compare(b.Str(i));
      out[i] = Compare(op, c, 0);
    }
    return;
  }
  WithNum(a.rep, [&](auto ta) {
    WithNum(b.rep, [&](auto tb) { CompareLoop<decltype(ta), decltype(tb), op>(a, b, n, out); });
  });
}

Kernel CompareKernel(Cmp op) {
  return
      [op](EvalCtx&, const Bound&, std::vector<Vals>& args, size_t n, const uint8_t*, Vals& out) {
        out.u64.resize(n);
        uint64_t* o = out.u64.data();
        switch (op) {
          case Cmp::kEq:
            CompareAny<Cmp::kEq>(args[0], args[1], n, o);
            break;
          case Cmp::kNe:
            CompareAny<Cmp::kNe>(args[0], args[1], n, o);
            break;
          case Cmp::kLt:
            CompareAny<Cmp::kLt>(args[0], args[1], n, o);
            break;
          case Cmp::kLe:
            CompareAny<Cmp::kLe>(args[0], args[1], n, o);
            break;
          case Cmp::kGt:
            CompareAny<Cmp::kGt>(args[0], args[1], n, o);
            break;
          case Cmp::kGe:
            CompareAny<Cmp::kGe>(args[0], args[1], n, o);
            break;
        }
        return Status::Ok();
      };
}

// A constant string compared with a number: the number it spells.
Result<BoundPtr> StringConstToNumber(BoundPtr s, const std::string& fname) {
  const std::string text(s->value.Str(0));
  __int128 v;
  double d;
  Vals out;
  if (ParseInt128(text, &v) && v >= INT64_MIN && v <= static_cast<__int128>(UINT64_MAX)) {
    if (v < 0) {
      out.rep = Rep::kI64;
      out.i64 = {static_cast<int64_t>(v)};
      return NewConst(s->pos, TypeNamed("Int64"), std::move(out));
    }
    out.rep = Rep::kU64;
    out.u64 = {static_cast<uint64_t>(v)};
    return NewConst(s->pos, TypeNamed("UInt64"), std::move(out));
  }
  if (ParseDouble(text, &d)) {
    out.rep = Rep::kF64;
    out.f64 = {d};
    return NewConst(s->pos, TypeNamed("Float64"), std::move(out));
  }
  return ErrorAt(s->pos, fmt::format("{}: cannot parse '{}' as a number", fname, Shorten(text)));
}

// Brings two operands of a comparison to comparable representations (see "Type rules").
Status CoerceForCompare(BoundPtr& a, BoundPtr& b, const std::string& fname, size_t pos) {
  const DataType& ta = Base(*a->type);
  const DataType& tb = Base(*b->type);
  if (ta.id == TypeId::kNothing || tb.id == TypeId::kNothing) return Status::Ok();
  const bool sa = RepOf(ta) == Rep::kStr, sb = RepOf(tb) == Rep::kStr;
  auto mismatch = [&]() {
    return ErrorAt(
        pos, fmt::format("{} cannot compare {} with {}", fname, a->type->name, b->type->name));
  };
  if (sa && sb) {
    // UUID vs String: a constant string is checked and made canonical (lower case).
    if (ta.id == TypeId::kUUID && tb.id == TypeId::kString && IsConst(*b)) {
      ASSIGN_OR_RETURN(b, Coerce(std::move(b), BasePtr(a->type), fname));
    } else if (tb.id == TypeId::kUUID && ta.id == TypeId::kString && IsConst(*a)) {
      ASSIGN_OR_RETURN(a, Coerce(std::move(a), BasePtr(b->type), fname));
    }
    return Status::Ok();
  }
  if (sa || sb) {
    BoundPtr& s = sa ? a : b;
    BoundPtr& x = sa ? b : a;
    const DataType& tx = Base(*x->type);
    if (Base(*s->type).id == TypeId::kUUID) return mismatch();
    const bool enum_or_ip =
        tx.id == TypeId::kEnum8 || tx.id == TypeId::kEnum16 || tx.id == TypeId::kIPv4;
    const bool date = tx.id == TypeId::kDate || tx.id == TypeId::kDateTime;
    if (IsConst(*s) && !IsNothing(*s->type)) {
      if (IsNumber(tx)) {
        ASSIGN_OR_RETURN(s, StringConstToNumber(std::move(s), fname));
        return Status::Ok();
      }
      if (enum_or_ip || date) {
        ASSIGN_OR_RETURN(s, Coerce(std::move(s), BasePtr(x->type), fname));
        return Status::Ok();
      }
      return mismatch();
    }
    if (date) {
      ASSIGN_OR_RETURN(s, Coerce(std::move(s), BasePtr(x->type), fname));
      return Status::Ok();
    }
    if (enum_or_ip) {
      ASSIGN_OR_RETURN(x, Coerce(std::move(x), TypeNamed("String"), fname));
      return Status::Ok();
    }
    return mismatch();
  }
  // Both numeric representations.
  if (ta.id == TypeId::kDate && tb.id == TypeId::kDateTime) {
    ASSIGN_OR_RETURN(a, Coerce(std::move(a), BasePtr(b->type), fname));
  } else if (tb.id == TypeId::kDate && ta.id == TypeId::kDateTime) {
    ASSIGN_OR_RETURN(b, Coerce(std::move(b), BasePtr(a->type), fname));
  } else if ((ta.id == TypeId::kEnum8 || ta.id == TypeId::kEnum16) &&
             (tb.id == TypeId::kEnum8 || tb.id == TypeId::kEnum16) && ta.name != tb.name) {
    ASSIGN_OR_RETURN(a, Coerce(std::move(a), TypeNamed("String"), fname));
    ASSIGN_OR_RETURN(b, Coerce(std::move(b), TypeNamed("String"), fname));
  }
  return Status::Ok();
}

// ---- The binder --------------------------------------------------------------------------------

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const bool same = std::tolower(static_cast<unsigned char>(a[i - 1])) ==
                        std::tolower(static_cast<unsigned char>(b[j - 1]));
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (same ? 0 : 1)});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string Suggest(std::string_view name, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_d = std::max<size_t>(2, name.size() / 3) + 1;
  for (const auto& c : candidates) {
    const size_t d = EditDistance(name, c);
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  return best.empty() ? "" : fmt::format(" (did you mean '{}'?)", best);
}

class Binder;
using BindFn = Result<BoundPtr> (*)(Binder& b, const Ast& call, Args args);

struct FnDef {
  const char* name;
  int min_args;
  int max_args;  // -1: any number
  BindFn bind;
  bool null_literal_is_null = true;  // a NULL literal argument makes the result NULL
  bool takes_arrays = false;
};

const std::vector<FnDef>& Functions();

class Binder {
 public:
  explicit Binder(const Schema& schema) : schema_(schema) {}

  Result<BoundPtr> BindAst(const Ast& a) {
    switch (a.kind) {
      case Ast::Kind::kLiteral:
        return BindLiteral(a);
      case Ast::Kind::kColumn:
        return BindColumn(a);
      case Ast::Kind::kCall:
        return BindCall(a);
    }
    return Internal("unreachable");
  }

 private:
  Result<BoundPtr> BindLiteral(const Ast& a) {
    Vals v;
    switch (a.lit) {
      case Ast::Lit::kNull:
        return NullConst(a.pos);
      case Ast::Lit::kString:
        return StringConst(a.pos, a.text);
      case Ast::Lit::kBool:
        v.rep = Rep::kU64;
        v.u64 = {a.bool_value ? 1u : 0u};
        return NewConst(a.pos, TypeNamed("UInt8"), std::move(v));
      case Ast::Lit::kFloat:
        v.rep = Rep::kF64;
        v.f64 = {a.float_value};
        return NewConst(a.pos, TypeNamed("Float64"), std::move(v));
      case Ast::Lit::kInt: {
        const __int128 x = a.int_value;
        if (x >= 0) {
          v.rep = Rep::kU64;
          v.u64 = {static_cast<uint64_t>(x)};
          const int bits = x <= 0xff ? 8 : x <= 0xffff ? 16 : x <= 0xffffffffLL ? 32 : 64;
          return NewConst(a.pos, IntType(bits, false), std::move(v));
        }
        v.rep = Rep::kI64;
        v.i64 = {static_cast<int64_t>(x)};
        const int bits = x >= -128 ? 8 : x >= -32768 ? 16 : x >= INT32_MIN ? 32 : 64;
        return NewConst(a.pos, IntType(bits, true), std::move(v));
      }
    }
    return Internal("unreachable");
  }

  Result<BoundPtr> BindColumn(const Ast& a) {
    const int idx = schema_.IndexOf(a.name);
    if (idx < 0) {
      std::vector<std::string> names;
      for (const auto& c : schema_.columns) names.push_back(c.name);
      return ErrorAt(a.pos, fmt::format("unknown column '{}'{}", a.name, Suggest(a.name, names)));
    }
    const DataType& storage = schema_.columns[idx].type->storage();
    std::string why;
    if (!Readable(storage, &why))
      return ErrorAt(a.pos, fmt::format("column '{}': {}", a.name, why));
    auto b = std::make_unique<Bound>();
    b->kind = Bound::Kind::kColumn;
    b->pos = a.pos;
    b->name = a.name;
    b->column = idx;
    b->type = ExprTypeOfColumn(storage);
    return b;
  }

  Result<BoundPtr> BindCall(const Ast& a) {
    const FnDef* def = nullptr;
    std::string lower;
    for (char c : a.name)
      lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    std::vector<std::string> names;
    for (const auto& f : Functions()) {
      std::string fl;
      for (const char* p = f.name; *p; ++p) fl.push_back(static_cast<char>(std::tolower(*p)));
      if (fl == lower) def = &f;
      names.push_back(f.name);
    }
    if (def == nullptr)
      return ErrorAt(a.pos, fmt::format("unknown function '{}'{}", a.name, Suggest(a.name, names)));
    const std::string fname = a.op.empty() ? std::string(def->name) : a.op;
    const int n = static_cast<int>(a.args.size());
    if (n < def->min_args || (def->max_args >= 0 && n > def->max_args)) {
      std::string want = def->min_args == def->max_args ? fmt::format("{}", def->min_args)
                         : def->max_args < 0
                             ? fmt::format("at least {}", def->min_args)
                             : fmt::format("{} to {}", def->min_args, def->max_args);
      return ErrorAt(a.pos, fmt::format("{} expects {} argument{}, got {}", fname, want,
                                        want == "1" ? "" : "s", n));
    }
    Args args;
    for (const auto& arg : a.args) {
      ASSIGN_OR_RETURN(BoundPtr b, BindAst(*arg));
      args.push_back(std::move(b));
    }
    if (def->null_literal_is_null) {
      for (const auto& arg : args)
        if (IsNothing(*arg->type)) return NullConst(a.pos);
    }
    // Arrays are only read by the functions that take them; others usually reject them with
    // their own "expects …" message, and this catches the rest (if, coalesce …).
    const DataType* array = nullptr;
    size_t array_pos = 0;
    for (const auto& arg : args) {
      if (Base(*arg->type).id == TypeId::kArray && array == nullptr) {
        array = arg->type.get();
        array_pos = arg->pos;
      }
    }
    ASSIGN_OR_RETURN(BoundPtr node, def->bind(*this, a, std::move(args)));
    if (array != nullptr && !def->takes_arrays)
      return ErrorAt(array_pos, fmt::format("{} does not accept {} (arrays work with length, "
                                            "empty, notEmpty and has)",
                                            fname, array->name));
    return node;
  }

 public:
  const Schema& schema_;
};

// Name shown in messages: the operator as written, or the function name.
std::string Fn(const Ast& call) {
  return call.op.empty() ? call.name : call.op;
}

// ---- Arithmetic --------------------------------------------------------------------------------

// ClickHouse's result types of arithmetic on numbers (its NumberTraits): + and * widen to the
// next size (UInt8 + UInt8 → UInt16, UInt32 * Int8 → Int64), - also makes it signed, intDiv keeps
// the dividend's size and % the divisor's, negate widens unsigned types, abs makes them unsigned.
// A float anywhere gives Float64. Values are computed in 64 bits and fit the result by construction
// (only 64-bit results can overflow; they wrap, as on ClickHouse).
enum class ArithOp { kAddMul, kSub, kIntDiv, kMod, kNegate, kAbs, kSame };

DataTypePtr ArithResult(ArithOp op, const Args& args) {
  int max_bits = 8;
  bool any_signed = false, any_float = false;
  for (const auto& a : args) {
    const DataType& b = Base(*a->type);
    if (b.id == TypeId::kFloat32 || b.id == TypeId::kFloat64) {
      any_float = true;
      continue;
    }
    const IntInfo info = InfoOf(b);
    max_bits = std::max(max_bits, info.bits);
    any_signed |= info.is_signed;
  }
  if (any_float) return TypeNamed("Float64");
  const IntInfo first = InfoOf(Base(*args[0]->type));
  switch (op) {
    case ArithOp::kAddMul:
      return IntType(std::min(64, max_bits * 2), any_signed);
    case ArithOp::kSub:
      return IntType(std::min(64, max_bits * 2), true);
    case ArithOp::kIntDiv:
      return IntType(first.bits, any_signed);
    case ArithOp::kMod:
      return IntType(InfoOf(Base(*args.back()->type)).bits, any_signed);
    case ArithOp::kNegate:
      return IntType(first.is_signed ? first.bits : std::min(64, first.bits * 2), true);
    case ArithOp::kAbs:
      return IntType(first.bits, false);
    case ArithOp::kSame:
      return IntType(first.bits, first.is_signed);
  }
  return TypeNamed("Int64");
}

// The 64-bit type whose representation values of `result` are computed in.
DataTypePtr ComputeType(const DataType& result) {
  switch (RepOf(result)) {
    case Rep::kF64:
      return TypeNamed("Float64");
    case Rep::kI64:
      return TypeNamed("Int64");
    default:
      return TypeNamed("UInt64");
  }
}

Status CheckNumbers(const Ast& call, const Args& args) {
  for (const auto& a : args) RETURN_IF_ERROR(CheckArg(Fn(call), *a, kNum, "a numeric"));
  return Status::Ok();
}

// Coerces every argument to `t` and builds the call.
Result<BoundPtr> CallWith(const Ast& call, Args args, const DataTypePtr& arg_type,
                          const DataTypePtr& result_base, Kernel k) {
  const bool nullable = AnyNullable(args);
  for (auto& a : args) {
    ASSIGN_OR_RETURN(a, Coerce(std::move(a), arg_type, Fn(call)));
  }
  return Finish(NewCall(Fn(call), call.pos, WithNullability(result_base, nullable), std::move(args),
                        std::move(k)));
}

template <typename T, typename Op>
Kernel Binary(Op op) {
  return
      [op](EvalCtx&, const Bound&, std::vector<Vals>& args, size_t n, const uint8_t*, Vals& out) {
        const T* a = args[0].Vec<T>().data();
        const T* b = args[1].Vec<T>().data();
        const size_t sa = args[0].is_const ? 0 : 1, sb = args[1].is_const ? 0 : 1;
        auto& o = out.Vec<T>();
        o.resize(n);
        for (size_t i = 0; i < n; ++i) o[i] = op(a[i * sa], b[i * sb]);
        return Status::Ok();
      };
}

// + - * with wrapping integer overflow.
template <char kOp>
Result<BoundPtr> BindArith(Binder&, const Ast& call, Args args) {
  RETURN_IF_ERROR(CheckNumbers(call, args));
  const DataTypePtr rt = ArithResult(kOp == '-' ? ArithOp::kSub : ArithOp::kAddMul, args);
  const DataTypePtr t = ComputeType(*rt);
  auto op = [](auto a, auto b) {
    using T = decltype(a);
    if constexpr (std::is_same_v<T, double>) {
      return kOp == '+' ? a + b : kOp == '-' ? a - b : a * b;
    } else {
      const uint64_t x = static_cast<uint64_t>(a), y = static_cast<uint64_t>(b);
      return static_cast<T>(kOp == '+' ? x + y : kOp == '-' ? x - y : x * y);
    }
  };
  Kernel k = t->id == TypeId::kFloat64  ? Binary<double>(op)
             : t->id == TypeId::kUInt64 ? Binary<uint64_t>(op)
                                        : Binary<int64_t>(op);
  return CallWith(call, std::move(args), t, rt, std::move(k));
}

Result<BoundPtr> BindDivide(Binder&, const Ast& call, Args args) {
  RETURN_IF_ERROR(CheckNumbers(call, args));
  const DataTypePtr t = TypeNamed("Float64");
  return CallWith(call, std::move(args), t, t,
                  Binary<double>([](double a, double b) { return a / b; }));
}

// intDiv and %: integer division by zero fails the row.
template <bool kModulo>
Result<BoundPtr> BindIntDiv(Binder&, const Ast& call, Args args) {
  RETURN_IF_ERROR(CheckNumbers(call, args));
  DataTypePtr result_t = ArithResult(kModulo ? ArithOp::kMod : ArithOp::kIntDiv, args);
  const bool is_float = result_t->id == TypeId::kFloat64;
  if (is_float && !kModulo) result_t = TypeNamed("Int64");  // intDiv(7.5, 2) is an Int64
  const DataTypePtr arg_t = is_float ? TypeNamed("Float64") : ComputeType(*result_t);
  Kernel k = [is_float](EvalCtx& ctx, const Bound& node, std::vector<Vals>& args, size_t n,
                        const uint8_t* nulls, Vals& out) -> Status {
    auto run = [&](auto zero) -> Status {
      using T = decltype(zero);
      const auto& a = args[0].Vec<T>();
      const auto& b = args[1].Vec<T>();
      const size_t sa = args[0].is_const ? 0 : 1, sb = args[1].is_const ? 0 : 1;
      for (size_t i = 0; i < n; ++i) {
        const T x = a[i * sa], y = b[i * sb];
        if constexpr (std::is_same_v<T, double>) {
          if (kModulo) {
            out.f64[i] = std::fmod(x, y);
            continue;
          }
          if (NullAt(nulls, i)) continue;
          const double q = std::trunc(x / y);
          if (y == 0 || !(q >= -9.2e18 && q <= 9.2e18)) {
            RETURN_IF_ERROR(ctx.RowError(i, node,
                                         y == 0 ? "division by zero"
                                                : fmt::format("{} / {} is out of range "
                                                              "for Int64",
                                                              FormatFloat(x), FormatFloat(y))));
            continue;
          }
          out.i64[i] = static_cast<int64_t>(q);
        } else {
          if (y == 0) {
            if (!NullAt(nulls, i)) RETURN_IF_ERROR(ctx.RowError(i, node, "division by zero"));
            continue;
          }
          if constexpr (std::is_signed_v<T>) {
            if (y == -1) {  // INT64_MIN / -1 overflows: wrap like the other operators
              out.Vec<T>()[i] = kModulo ? 0 : static_cast<T>(0 - static_cast<uint64_t>(x));
              continue;
            }
          }
          out.Vec<T>()[i] = kModulo ? x % y : x / y;
        }
      }
      return Status::Ok();
    };
    Resize(out, n);
    if (is_float) return run(double{});
    return args[0].rep == Rep::kU64 ? run(uint64_t{}) : run(int64_t{});
  };
  return CallWith(call, std::move(args), arg_t, result_t, std::move(k));
}

Result<BoundPtr> BindNegate(Binder&, const Ast& call, Args args) {
  RETURN_IF_ERROR(CheckNumbers(call, args));
  const DataTypePtr rt = ArithResult(ArithOp::kNegate, args);
  const bool is_float = rt->id == TypeId::kFloat64;
  const DataTypePtr t = ComputeType(*rt);
  Kernel k = [is_float](EvalCtx&, const Bound&, std::vector<Vals>& args, size_t n, const uint8_t*,
                        Vals& out) {
    Resize(out, n);
    for (size_t i = 0; i < n; ++i) {
      if (is_float)
        out.f64[i] = -args[0].f64[args[0].Index(i)];
      else
        out.i64[i] = static_cast<int64_t>(0 - static_cast<uint64_t>(args[0].i64[args[0].Index(i)]));
    }
    return Status::Ok();
  };
  return CallWith(call, std::move(args), t, rt, std::move(k));
}

Result<BoundPtr> BindAbs(Binder&, const Ast& call, Args args) {
  RETURN_IF_ERROR(CheckNumbers(call, args));
  const DataTypePtr rt = ArithResult(ArithOp::kAbs, args);
  const bool is_float = rt->id == TypeId::kFloat64;
  // Computed in the argument's own 64-bit representation.
  const DataTypePtr at = ComputeType(*ArithResult(ArithOp::kSame, args));
  Kernel k = [is_float](EvalCtx&, const Bound&, std::vector<Vals>& args, size_t n, const uint8_t*,
                        Vals& out) {
    Resize(out, n);
    const Vals& a = args[0];
    for (size_t i = 0; i < n; ++i) {
      if (is_float) {
        out.f64[i] = std::fabs(a.f64[a.Index(i)]);
      } else if (a.rep == Rep::kU64) {
        out.u64[i] = a.u64[a.Index(i)];
      } else {
        const int64_t v = a.i64[a.Index(i)];
        out.u64[i] = v < 0 ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
      }
    }
    return Status::Ok();
  };
  return CallWith(call, std::move(args), at, rt, std::move(k));
}

// round(x[, N]): half away from zero, N (a constant) decimal places; negative N rounds integers
// to tens, hundreds ….
Result<BoundPtr> BindRound(Binder&, const Ast& call, Args args) {
  RETURN_IF_ERROR(CheckNumbers(call, args));
  int64_t places = 0;
  if (args.size() == 2) {
    if (!IsConst(*args[1]) || !IsInteger(Base(*args[1]->type)))
      return ErrorAt(args[1]->pos, "round expects a constant integer number of places");
    places = static_cast<int64_t>(AsInt(args[1]->value, 0));
    if (places < -18 || places > 18)
      return ErrorAt(args[1]->pos, "round: places must be between -18 and 18");
    args.pop_back();
  }
  const DataTypePtr rt = ArithResult(ArithOp::kSame, args);
  const DataTypePtr t = ComputeType(*rt);
  const bool is_float = t->id == TypeId::kFloat64;
  Kernel k = [is_float, places](EvalCtx&, const Bound&, std::vector<Vals>& args, size_t n,
                                const uint8_t*, Vals& out) {
    Resize(out, n);
    const Vals& a = args[0];
    __int128 p = 1;
    for (int64_t j = 0; j < -places; ++j) p *= 10;
    const double scale = std::pow(10.0, static_cast<double>(places));
    for (size_t i = 0; i < n; ++i) {
      if (is_float) {
        out.f64[i] = std::round(a.f64[a.Index(i)] * scale) / scale;
      } else if (places >= 0) {
        PutInt(out, i, AsInt(a, i));
      } else {
        const __int128 v = AsInt(a, i);
        const __int128 r = (v >= 0 ? v + p / 2 : v - p / 2) / p * p;
        PutInt(out, i, r);
      }
    }
    return Status::Ok();
  };
  return CallWith(call, std::move(args), t, rt, std::move(k));
}

// ---- Comparison, logic, IN, LIKE ---------------------------------------------------------------

template <Cmp op>
Result<BoundPtr> BindCompare(Binder&, const Ast& call, Args args) {
  for (const auto& a : args) RETURN_IF_ERROR(CheckArg(Fn(call), *a, kAnyScalar, "a scalar"));
  RETURN_IF_ERROR(CoerceForCompare(args[0], args[1], Fn(call), call.pos));
  const bool nullable = AnyNullable(args);
  return Finish(NewCall(Fn(call), call.pos, WithNullability(TypeNamed("UInt8"), nullable),
                        std::move(args), CompareKernel(op)));
}

// Truth of value i: 0 false, 1 true, 2 NULL.
inline uint8_t Truth(const Vals& v, size_t i) {
  if (v.IsNull(i)) return 2;
  switch (v.rep) {
    case Rep::kI64:
      return v.i64[v.Index(i)] != 0;
    case Rep::kU64:
      return v.u64[v.Index(i)] != 0;
    default:
      return v.f64[v.Index(i)] != 0;
  }
}

// Arguments from, from + step, … before `end` are conditions.
Status CheckConditions(const std::string& fname, const Args& args, size_t from, size_t step,
                       size_t end) {
  for (size_t i = from; i < end; i += step) {
    if (!Accepts(kNum, Base(*args[i]->type)))
      return ErrorAt(args[i]->pos, fmt::format("{} expects a number as a condition, got {}", fname,
                                               args[i]->type->name));
  }
  return Status::Ok();
}

// AND / OR with three-valued logic.
template <bool kAnd>
Result<BoundPtr> BindLogic(Binder&, const Ast& call, Args args) {
  RETURN_IF_ERROR(CheckConditions(Fn(call), args, 0, 1, args.size()));
  const bool nullable = AnyNullable(args);
  Kernel k = [nullable](EvalCtx&, const Bound&, std::vector<Vals>& args, size_t n, const uint8_t*,
                        Vals& out) {
    out.u64.assign(n, kAnd ? 1 : 0);
    if (nullable) out.nulls.assign(n, 0);
    for (size_t i = 0; i < n; ++i) {
      bool any_null = false, decided = false;
      for (const Vals& a : args) {
        const uint8_t t = Truth(a, i);
        if (t == 2) {
          any_null = true;
        } else if ((t == 0) == kAnd) {
          decided = true;  // a false operand of AND, a true one of OR
          break;
        }
      }
      if (decided)
        out.u64[i] = kAnd ? 0 : 1;
      else if (any_null)
        out.nulls[i] = 1;
    }
    return Status::Ok();
  };
  auto node = NewCall(Fn(call), call.pos, WithNullability(TypeNamed("UInt8"), nullable),
                      std::move(args), std::move(k));
  node->null_in_null_out = false;
  return Finish(std::move(node));
}
Result<BoundPtr> BindNot(Binder&, const Ast& call, Args args) {
  RETURN_IF_ERROR(CheckConditions(Fn(call), args, 0, 1, 1));
  const bool nullable = AnyNullable(args);
  Kernel k = [](EvalCtx&, const Bound&, std::vector<Vals>& args, size_t n, const uint8_t*,
                Vals& out) {
    out.u64.resize(n);
    for (size_t i = 0; i < n; ++i) out.u64[i] = Truth(args[0], i) == 0;
    return Status::Ok();
  };
  return Finish(NewCall(Fn(call), call.pos, WithNullability(TypeNamed("UInt8"), nullable),
                        std::move(args), std::move(k)));
}

// x BETWEEN lo AND hi → x >= lo AND x <= hi (x is evaluated twice).
Result<BoundPtr> BindBetween(Binder& b, const Ast& call, bool negated) {
  Args both;
  for (int side = 0; side < 2; ++side) {
    ASSIGN_OR_RETURN(BoundPtr x, b.BindAst(*call.args[0]));
    ASSIGN_OR_RETURN(BoundPtr bound, b.BindAst(*call.args[side + 1]));
    Args pair;
    pair.push_back(std::move(x));
    pair.push_back(std::move(bound));
    Ast cmp;
    cmp.pos = call.pos;
    cmp.op = call.op;
    if (IsNothing(*pair[0]->type) || IsNothing(*pair[1]->type)) {
      both.push_back(NullConst(call.pos));
      continue;
    }
    ASSIGN_OR_RETURN(BoundPtr c, side == 0
                                     ? (negated ? BindCompare<Cmp::kLt>(b, cmp, std::move(pair))
                                                : BindCompare<Cmp::kGe>(b, cmp, std::move(pair)))
                                     : (negated ? BindCompare<Cmp::kGt>(b, cmp, std::move(pair))
                                                : BindCompare<Cmp::kLe>(b, cmp, std::move(pair))));
    both.push_back(std::move(c));
  }
  Ast logic;
  logic.pos = call.pos;
  logic.op = call.op;
  return negated ? BindLogic<false>(b, logic, std::move(both))
                 : BindLogic<true>(b, logic, std::move(both));
}

template <bool kNegated>
Result<BoundPtr> BindIn(Binder&, const Ast& call, Args args) {
  const std::string fname = Fn(call);
  BoundPtr x = std::move(args[0]);
  RETURN_IF_ERROR(CheckArg(fname, *x, kAnyScalar, "a scalar"));
  // The list, converted to x's representation (constants that can never be equal drop out).
  auto ints = std::make_shared<std::vector<int64_t>>();
  auto uints = std::make_shared<std::vector<uint64_t>>();
  auto floats = std::make_shared<std::vector<double>>();
  auto strs = std::make_shared<std::vector<std::string>>();
  for (size_t i = 1; i < args.size(); ++i) {
    BoundPtr c = std::move(args[i]);
    if (!IsConst(*c))
      return ErrorAt(c->pos, fmt::format("{} expects constants in its list", fname));
    if (IsNothing(*c->type)) continue;  // NULL is never IN (as on ClickHouse)
    RETURN_IF_ERROR(CheckArg(fname, *c, kAnyScalar, "a scalar"));
    BoundPtr probe = std::make_unique<Bound>();  // stands for x during coercion
    probe->kind = Bound::Kind::kColumn;
    probe->pos = x->pos;
    probe->type = x->type;
    RETURN_IF_ERROR(CoerceForCompare(probe, c, fname, c->pos));
    if (probe->kind != Bound::Kind::kColumn)
      return ErrorAt(
          c->pos, fmt::format("{} cannot compare {} with {}", fname, x->type->name, c->type->name));
    const Vals& v = c->value;
    const Rep xr = RepOf(Base(*x->type));
    if (xr == Rep::kStr) {
      strs->emplace_back(v.Str(0));
    } else if (v.rep == Rep::kF64) {
      const double d = v.f64[0];
      if (xr == Rep::kF64)
        floats->push_back(d);
      else if (d == std::trunc(d) && d >= -9.2e18 && d < 1.8e19) {
        if (xr == Rep::kI64 && d < 9.2e18) ints->push_back(static_cast<int64_t>(d));
        if (xr == Rep::kU64 && d >= 0) uints->push_back(static_cast<uint64_t>(d));
      }
    } else {
      const __int128 iv = AsInt(v, 0);
      if (xr == Rep::kF64)
        floats->push_back(static_cast<double>(iv));
      else if (xr == Rep::kI64 && iv >= INT64_MIN && iv <= INT64_MAX)
        ints->push_back(static_cast<int64_t>(iv));
      else if (xr == Rep::kU64 && iv >= 0)
        uints->push_back(static_cast<uint64_t>(iv));
    }
  }
  std::sort(ints->begin(), ints->end());
  std::sort(uints->begin(), uints->end());
  std::sort(floats->begin(), floats->end());
  std::sort(strs->begin(), strs->end());
  Kernel k = [=](EvalCtx&, const Bound&, std::vector<Vals>& a, size_t n, const uint8_t*,
                 Vals& out) {
    out.u64.resize(n);
    const Vals& v = a[0];
    for (size_t i = 0; i < n; ++i) {
      bool found;
      if (v.IsNull(i)) {
        out.u64[i] = kNegated;
        continue;
      }
      switch (v.rep) {
        case Rep::kI64:
          found = std::binary_search(ints->begin(), ints->end(), v.i64[v.Index(i)]);
          break;
        case Rep::kU64:
          found = std::binary_search(uints->begin(), uints->end(), v.u64[v.Index(i)]);
          break;
        case Rep::kF64:
          found = std::binary_search(floats->begin(), floats->end(), v.f64[v.Index(i)]);
          break;
        default:
          found = std::binary_search(strs->begin(), strs->end(), v.Str(i), std::less<>());
          break;
      }
      out.u64[i] = found != kNegated;
    }
    return Status::Ok();
  };
  Args one;
  one.push_back(std::move(x));
  auto node = NewCall(fname, call.pos, TypeNamed("UInt8"), std::move(one), std::move(k));
  node->null_in_null_out = false;
  return Finish(std::move(node));
}

// The constant string argument `i` (a pattern, a CIDR …).
Result<std::string> ConstString(const Args& args, size_t i, const std::string& fname,
                                const char* what) {
  if (!IsConst(*args[i]) || Base(*args[i]->type).id != TypeId::kString)
    return ErrorAt(args[i]->pos,
                   fmt::format("{} expects a constant String {}, got {}", fname, what,
                               IsConst(*args[i]) ? args[i]->type->name : "an expression"));
  return std::string(args[i]->value.Str(0));
}

Status CheckStrings(const std::string& fname, const Args& args, size_t count) {
  for (size_t i = 0; i < count && i < args.size(); ++i)
    RETURN_IF_ERROR(CheckArg(fname, *args[i], kStr, "a String"));
  return Status::Ok();
}

Result<BoundPtr> UInt8Call(const Ast& call, Args args, Kernel k) {
  const bool nullable = AnyNullable(args);
  return Finish(NewCall(Fn(call), call.pos, WithNullability(TypeNamed("UInt8"), nullable),
                        std::move(args), std::move(k)));
}

// A kernel testing one string per row.
template <typename Pred>
Kernel StringTest(Pred pred) {
  return
      [pred](EvalCtx&, const Bound&, std::vector<Vals>& args, size_t n, const uint8_t*, Vals& out) {
        out.u64.resize(n);
        for (size_t i = 0; i < n; ++i) out.u64[i] = pred(args[0].Str(i));
        return Status::Ok();
      };
}

Result<BoundPtr> MatchWith(const Ast& call, Args args, const std::string& regex, bool negated,
                           bool whole) {
  RE2::Options opts;
  opts.set_log_errors(false);
  opts.set_dot_nl(true);
  auto re = std::make_shared<RE2>(regex, opts);
  if (!re->ok())
    return ErrorAt(args[1]->pos,
                   fmt::format("{}: invalid regular expression: {}", Fn(call), re->error()));
  args.pop_back();
  return UInt8Call(call, std::move(args), StringTest([re, negated, whole](std::string_view s) {
                     const bool m = whole ? RE2::FullMatch(s, *re) : RE2::PartialMatch(s, *re);
                     return m != negated;
                   }));
}

Result<BoundPtr> BindMatch(Binder&, const Ast& call, Args args) {
  RETURN_IF_ERROR(CheckStrings(Fn(call), args, 1));
  ASSIGN_OR_RETURN(std::string re, ConstString(args, 1, Fn(call), "regular expression"));
  return MatchWith(call, std::move(args), re, false, false);
}

// LIKE: % any run, _ one character, \ escapes. Patterns that are a plain string with % only at
// the ends skip the regex engine.
template <bool kNegated>
Result<BoundPtr> BindLike(Binder&, const Ast& call, Args args) {
  RETURN_IF_ERROR(CheckStrings(Fn(call), args, 1));
  ASSIGN_OR_RETURN(std::string pat, ConstString(args, 1, Fn(call), "pattern"));
  std::string regex, literal;
  bool simple = true;
  for (size_t i = 0; i < pat.size(); ++i) {
    const char c = pat[i];
    if (c == '\\' && i + 1 < pat.size()) {
      regex += RE2::QuoteMeta(std::string_view(&pat[i + 1], 1));
      literal.push_back(pat[++i]);
      simple = false;
    } else if (c == '%') {
      regex += ".*";
      if (i != 0 && i != pat.size() - 1) simple = false;
    } else if (c == '_') {
      regex += ".";
      simple = false;
    } else {
      regex += RE2::QuoteMeta(std::string_view(&c, 1));
      literal.push_back(c);
    }
  }
  if (simple) {
    const bool lead = !pat.empty() && pat.front() == '%';
    const bool trail = pat.size() > (lead ? 1u : 0u) && pat.back() == '%';
    args.pop_back();
    return UInt8Call(call, std::move(args), StringTest([=](std::string_view s) {
                       bool m;
                       if (lead && trail)
                         m = s.find(literal) != std::string_view::npos;
                       else if (lead)
                         m = s.ends_with(literal);
                       else if (trail)
                         m = s.starts_with(literal);
                       else
                         m = s == literal;
                       return m != kNegated;
                     }));
  }
  return MatchWith(call, std::move(args), regex, kNegated, true);
}

// ---- NULL handling, conditionals ---------------------------------------------------------------

template <bool kIsNull>
Result<BoundPtr> BindIsNull(Binder&, const Ast& call, Args args) {
  Kernel k = [](EvalCtx&, const Bound&, std::vector<Vals>& args, size_t n, const uint8_t*,
                Vals& out) {
    out.u64.resize(n);
    for (size_t i = 0; i < n; ++i) out.u64[i] = args[0].IsNull(i) == kIsNull;
    return Status::Ok();
  };
  auto node = NewCall(Fn(call), call.pos, TypeNamed("UInt8"), std::move(args), std::move(k));
  node->null_in_null_out = false;
  return Finish(std::move(node));
}

// Copies value `from_row` of `src` into slot i of `out` (same rep).
inline void CopyValue(const Vals& src, size_t from_row, Vals& out, size_t i) {
  const size_t j = src.Index(from_row);
  switch (out.rep) {
    case Rep::kI64:
      out.i64[i] = src.i64[j];
      break;
    case Rep::kU64:
      out.u64[i] = src.u64[j];
      break;
    case Rep::kF64:
      out.f64[i] = src.f64[j];
      break;
    case Rep::kStr:
      out.AddStr(src.Str(from_row));
      break;
  }
}

// Builds a call whose result takes, per row, the value of one of its "value" arguments: `pick`
// fills which[i] with the argument index for row i (one pass per block). Values are coerced to
// their common type first.
using Picker =
    std::function<void(const std::vector<Vals>& args, size_t n, std::vector<uint32_t>* which)>;

template <typename T>
void Gather(const std::vector<Vals>& args, const std::vector<uint32_t>& which, size_t n,
            Vals& out) {
  std::vector<T>& o = out.Vec<T>();
  for (size_t i = 0; i < n; ++i) {
    const Vals& src = args[which[i]];
    if (src.IsNull(i)) {
      out.nulls[i] = 1;
    } else if (src.rep == out.rep) {  // else a NULL literal (Nothing): keep the default
      o[i] = src.Vec<T>()[src.Index(i)];
    }
  }
}

Result<BoundPtr> PickCall(const Ast& call, Args args, const std::vector<size_t>& value_args,
                          bool nullable, Picker pick) {
  Args values;
  for (size_t i : value_args) values.push_back(std::move(args[i]));
  ASSIGN_OR_RETURN(DataTypePtr common, CommonBase(values, Fn(call), call.pos));
  for (size_t k = 0; k < value_args.size(); ++k) {
    if (IsNothing(*values[k]->type)) {
      args[value_args[k]] = std::move(values[k]);
      continue;
    }
    ASSIGN_OR_RETURN(args[value_args[k]], Coerce(std::move(values[k]), common, Fn(call)));
  }
  if (common->id == TypeId::kNothing) nullable = true;
  Kernel k = [pick, nullable](EvalCtx&, const Bound&, std::vector<Vals>& args, size_t n,
                              const uint8_t*, Vals& out) {
    std::vector<uint32_t> which(n);
    pick(args, n, &which);
    Resize(out, n);
    // Only a nullable result can pick a NULL; the map is dropped again if it cannot.
    out.nulls.assign(n, 0);
    switch (out.rep) {
      case Rep::kI64:
        Gather<int64_t>(args, which, n, out);
        break;
      case Rep::kU64:
        Gather<uint64_t>(args, which, n, out);
        break;
      case Rep::kF64:
        Gather<double>(args, which, n, out);
        break;
      case Rep::kStr:
        for (size_t i = 0; i < n; ++i) {
          const Vals& src = args[which[i]];
          out.nulls[i] = src.IsNull(i);
          const bool value = !src.IsNull(i) && src.rep == Rep::kStr;
          out.AddStr(value ? src.Str(i) : std::string_view());
        }
        break;
    }
    if (!nullable) out.nulls.clear();
    return Status::Ok();
  };
  auto node =
      NewCall(Fn(call), call.pos, WithNullability(common, nullable), std::move(args), std::move(k));
  node->null_in_null_out = false;
  return Finish(std::move(node));
}

Result<BoundPtr> BindIf(Binder&, const Ast& call, Args args) {
  RETURN_IF_ERROR(CheckConditions(Fn(call), args, 0, 1, 1));
  const bool nullable = IsNullable(*args[1]->type) || IsNullable(*args[2]->type);
  return PickCall(call, std::move(args), {1, 2}, nullable,
                  [](const std::vector<Vals>& a, size_t n, std::vector<uint32_t>* which) {
                    for (size_t i = 0; i < n; ++i) (*which)[i] = Truth(a[0], i) == 1 ? 1 : 2;
                  });
}

Result<BoundPtr> BindMultiIf(Binder&, const Ast& call, Args args) {
  if (args.size() % 2 == 0)
    return ErrorAt(call.pos, fmt::format("{} expects an odd number of arguments (conditions, "
                                         "values and an else value), got {}",
                                         Fn(call), args.size()));
  // The last argument is the else value, not a condition.
  RETURN_IF_ERROR(CheckConditions(Fn(call), args, 0, 2, args.size() - 1));
  std::vector<size_t> values;
  bool nullable = false;
  for (size_t i = 1; i < args.size(); i += 2) {
    values.push_back(i);
    nullable |= IsNullable(*args[i]->type);
  }
  values.push_back(args.size() - 1);
  nullable |= IsNullable(*args.back()->type);
  return PickCall(call, std::move(args), values, nullable,
                  [](const std::vector<Vals>& a, size_t n, std::vector<uint32_t>* which) {
                    const uint32_t otherwise = static_cast<uint32_t>(a.size() - 1);
                    which->assign(n, otherwise);
                    std::vector<uint8_t> decided(n, 0);
                    for (size_t c = 0; c + 1 < a.size(); c += 2) {  // condition by condition
                      for (size_t i = 0; i < n; ++i) {
                        if (!decided[i] && Truth(a[c], i) == 1) {
                          (*which)[i] = static_cast<uint32_t>(c + 1);
                          decided[i] = 1;
                        }
                      }
                    }
                  });
}

Result<BoundPtr> BindCoalesce(Binder&, const Ast& call, Args args) {
  for (const auto& a : args) RETURN_IF_ERROR(CheckArg(Fn(call), *a, kAnyScalar, "a scalar"));
  bool nullable = true;
  std::vector<size_t> values;
  for (size_t i = 0; i < args.size(); ++i) {
    values.push_back(i);
    nullable &= IsNullable(*args[i]->type);
  }
  return PickCall(call, std::move(args), values, nullable,
                  [](const std::vector<Vals>& a, size_t n, std::vector<uint32_t>* which) {
                    // The first non-NULL argument, or the last one.
                    const uint32_t last = static_cast<uint32_t>(a.size() - 1);
                    which->assign(n, last);
                    for (size_t i = 0; i < n; ++i) {
                      for (uint32_t k = 0; k < last; ++k) {
                        if (!a[k].IsNull(i)) {
                          (*which)[i] = k;
                          break;
                        }
                      }
                    }
                  });
}

// greatest / least over the common type; NULL if any argument is NULL.
template <bool kGreatest>
Result<BoundPtr> BindExtreme(Binder&, const Ast& call, Args args) {
  for (const auto& a : args)
    RETURN_IF_ERROR(CheckArg(Fn(call), *a, kNum | kStr | kDate | kDateTime,
                             "a number, String, Date or DateTime"));
  ASSIGN_OR_RETURN(DataTypePtr common, CommonBase(args, Fn(call), call.pos));
  Kernel k = [](EvalCtx&, const Bound&, std::vector<Vals>& args, size_t n, const uint8_t*,
                Vals& out) {
    Resize(out, n);
    for (size_t i = 0; i < n; ++i) {
      size_t best = 0;
      for (size_t k = 1; k < args.size(); ++k) {
        bool better;
        if (out.rep == Rep::kStr) {
          better =
              kGreatest ? args[k].Str(i) > args[best].Str(i) : args[k].Str(i) < args[best].Str(i);
        } else if (out.rep == Rep::kF64) {
          better = kGreatest ? AsDouble(args[k], i) > AsDouble(args[best], i)
                             : AsDouble(args[k], i) < AsDouble(args[best], i);
        } else {
          better = kGreatest ? AsInt(args[k], i) > AsInt(args[best], i)
                             : AsInt(args[k], i) < AsInt(args[best], i);
        }
        if (better) best = k;
      }
      CopyValue(args[best], i, out, i);
    }
    return Status::Ok();
  };
  return CallWith(call, std::move(args), common, common, std::move(k));
}

// ---- Conversions as functions ------------------------------------------------------------------

Result<BoundPtr> BindConversion(const Ast& call, Args args, const char* to, Mode mode) {
  const std::string fname = Fn(call);
  const DataType& from = Base(*args[0]->type);
  const std::string to_s = to;
  if (to_s == "Date" || to_s == "DateTime") {
    const bool ok = from.id == TypeId::kString || from.id == TypeId::kDate ||
                    from.id == TypeId::kDateTime || IsNumber(from);
    if (!ok)
      return ErrorAt(args[0]->pos, fmt::format("{} expects a String, Date, DateTime or number "
                                               "argument, got {}",
                                               fname, args[0]->type->name));
  } else if (to_s != "String") {
    RETURN_IF_ERROR(CheckArg(fname, *args[0], kNum | kStr | kDate | kDateTime | kEnum | kIPv4,
                             "a number, String, Date, DateTime or Enum"));
  }
  const size_t pos = call.pos;
  return Convert(std::move(args[0]), TypeNamed(to), mode, fname, pos);
}

template <const char* kTo, Mode kMode>
Result<BoundPtr> BindTo(Binder&, const Ast& call, Args args) {
  return BindConversion(call, std::move(args), kTo, kMode);
}

Result<BoundPtr> BindToUnixTimestamp(Binder&, const Ast& call, Args args) {
  const DataType& from = Base(*args[0]->type);
  if (from.id != TypeId::kString && from.id != TypeId::kDateTime && from.id != TypeId::kDate)
    return ErrorAt(args[0]->pos, fmt::format("{} expects a DateTime or String argument, got {}",
                                             Fn(call), args[0]->type->name));
  const size_t pos = call.pos;
  ASSIGN_OR_RETURN(BoundPtr dt,
                   Convert(std::move(args[0]), TypeNamed("DateTime"), Mode::kThrow, Fn(call), pos));
  // Same values (seconds), typed UInt32.
  dt->type = WithNullability(TypeNamed("UInt32"), IsNullable(*dt->type));
  return dt;
}

// ---- Strings -----------------------------------------------------------------------------------

template <typename F>
Result<BoundPtr> StringMap(const Ast& call, Args args, F f) {
  const bool nullable = AnyNullable(args);
  Kernel k = [f](EvalCtx&, const Bound&, std::vector<Vals>& args, size_t n, const uint8_t*,
                 Vals& out) {
    std::string buf;
    out.ends.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      buf.assign(args[0].Str(i));
      f(buf);
      out.AddStr(buf);
    }
    return Status::Ok();
  };
  return Finish(NewCall(Fn(call), call.pos, WithNullability(TypeNamed("String"), nullable),
                        std::move(args), std::move(k)));
}

template <bool kUpper>
Result<BoundPtr> BindCase(Binder&, const Ast& call, Args args) {
  RETURN_IF_ERROR(CheckStrings(Fn(call), args, 1));
  return StringMap(call, std::move(args), [](std::string& s) {
    for (char& c : s) {
      if (kUpper && c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
      if (!kUpper && c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    }
  });
}

// substring(s, offset[, length]): bytes, 1-based; a negative offset counts from the end, a
// negative length stops that many bytes before the end, offset 0 gives ''.
Result<BoundPtr> BindSubstring(Binder&, const Ast& call, Args args) {
  RETURN_IF_ERROR(CheckStrings(Fn(call), args, 1));
  for (size_t i = 1; i < args.size(); ++i) {
    if (!IsInteger(Base(*args[i]->type)))
      return ErrorAt(args[i]->pos, fmt::format("{} expects an integer {}, got {}", Fn(call),
                                               i == 1 ? "offset" : "length", args[i]->type->name));
    ASSIGN_OR_RETURN(args[i], Coerce(std::move(args[i]), TypeNamed("Int64"), Fn(call)));
  }
  const bool nullable = AnyNullable(args);
  const bool has_len = args.size() == 3;
  Kernel k = [has_len](EvalCtx&, const Bound&, std::vector<Vals>& args, size_t n, const uint8_t*,
                       Vals& out) {
    out.ends.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      const std::string_view s = args[0].Str(i);
      const int64_t size = static_cast<int64_t>(s.size());
      const int64_t off = args[1].i64[args[1].Index(i)];
      int64_t start = off > 0 ? off - 1 : size + off;
      int64_t end = size;
      if (has_len) {
        const int64_t len = args[2].i64[args[2].Index(i)];
        end = len >= 0 ? start + len : size + len;
      }
      if (off == 0) end = start;
      start = std::clamp<int64_t>(start, 0, size);
      end = std::clamp<int64_t>(end, 0, size);
      out.AddStr(end > start ? s.substr(start, end - start) : std::string_view());
    }
    return Status::Ok();
  };
  return Finish(NewCall(Fn(call), call.pos, WithNullability(TypeNamed("String"), nullable),
                        std::move(args), std::move(k)));
}

// concat(a, b, …): non-String arguments are converted with toString.
Result<BoundPtr> BindConcat(Binder&, const Ast& call, Args args) {
  for (auto& a : args) {
    RETURN_IF_ERROR(CheckArg(Fn(call), *a, kAnyScalar, "a scalar"));
    ASSIGN_OR_RETURN(a, Coerce(std::move(a), TypeNamed("String"), Fn(call)));
  }
  const bool nullable = AnyNullable(args);
  Kernel k = [](EvalCtx&, const Bound&, std::vector<Vals>& args, size_t n, const uint8_t*,
                Vals& out) {
    out.ends.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      for (const Vals& a : args) {
        const std::string_view s = a.Str(i);
        out.chars.insert(out.chars.end(), s.begin(), s.end());
      }
      out.ends.push_back(out.chars.size());
    }
    return Status::Ok();
  };
  return Finish(NewCall(Fn(call), call.pos, WithNullability(TypeNamed("String"), nullable),
                        std::move(args), std::move(k)));
}

// Array lengths of the column behind argument 0 (an Array column reference).
std::vector<uint64_t> ArrayLengths(const EvalCtx& ctx, const Bound& node) {
  const Column& col = ctx.block->column(node.args[0]->column);
  std::vector<uint64_t> lens(ctx.rows);
  for (size_t i = 0; i < ctx.rows; ++i)
    lens[i] = col.offsets[i] - (i == 0 ? 0 : col.offsets[i - 1]);
  return lens;
}

// length / empty / notEmpty over a String or an Array.
template <int kWhat>  // 0 length, 1 empty, 2 notEmpty
Result<BoundPtr> BindLength(Binder&, const Ast& call, Args args) {
  const DataType& b = Base(*args[0]->type);
  const bool is_array = b.id == TypeId::kArray;
  if (!is_array) RETURN_IF_ERROR(CheckArg(Fn(call), *args[0], kStr, "a String or Array"));
  const bool nullable = AnyNullable(args);
  Kernel k = [is_array](EvalCtx& ctx, const Bound& node, std::vector<Vals>& args, size_t n,
                        const uint8_t*, Vals& out) {
    out.u64.resize(n);
    std::vector<uint64_t> lens;
    if (is_array) lens = ArrayLengths(ctx, node);
    for (size_t i = 0; i < n; ++i) {
      const uint64_t len = is_array ? lens[i] : args[0].Str(i).size();
      out.u64[i] = kWhat == 0 ? len : kWhat == 1 ? len == 0 : len != 0;
    }
    return Status::Ok();
  };
  return Finish(NewCall(Fn(call), call.pos,
                        WithNullability(TypeNamed(kWhat == 0 ? "UInt64" : "UInt8"), nullable),
                        std::move(args), std::move(k)));
}

// has(array_column, x): 1 if some element equals x (a NULL x looks for a NULL element).
Result<BoundPtr> BindHas(Binder&, const Ast& call, Args args) {
  const std::string fname = Fn(call);
  const DataType& arr = Base(*args[0]->type);
  if (arr.id != TypeId::kArray)
    return ErrorAt(args[0]->pos,
                   fmt::format("{} expects an Array column, got {}", fname, args[0]->type->name));
  if (Base(*args[1]->type).id == TypeId::kArray)
    return ErrorAt(args[1]->pos, fmt::format("{} expects a scalar to look for", fname));
  const DataTypePtr elem_storage = arr.children[0];
  // Stands for the elements while x is brought to a comparable type.
  BoundPtr probe = std::make_unique<Bound>();
  probe->kind = Bound::Kind::kColumn;
  probe->pos = args[0]->pos;
  probe->type = elem_storage;
  RETURN_IF_ERROR(CoerceForCompare(probe, args[1], fname, call.pos));
  if (probe->kind != Bound::Kind::kColumn)
    return ErrorAt(args[1]->pos, fmt::format("{} cannot look for {} in {}", fname,
                                             args[1]->type->name, args[0]->type->name));
  Kernel k = [](EvalCtx& ctx, const Bound& node, std::vector<Vals>& args, size_t n, const uint8_t*,
                Vals& out) {
    const Column& col = ctx.block->column(node.args[0]->column);
    const DataType& elem = *col.storage().children[0];
    Vals e;
    LoadColumn(col.children[0], elem, col.offsets.empty() ? 0 : col.offsets.back(), &e);
    const Vals& x = args[1];
    out.u64.assign(n, 0);
    for (size_t i = 0; i < n; ++i) {
      const size_t b = i == 0 ? 0 : col.offsets[i - 1], end = col.offsets[i];
      bool found = false;
      for (size_t j = b; j < end && !found; ++j) {
        if (x.IsNull(i) || e.IsNull(j)) {
          found = x.IsNull(i) && e.IsNull(j);
          continue;
        }
        if (e.rep == Rep::kStr) {
          found = e.Str(j) == x.Str(i);
        } else if (e.rep == Rep::kF64 || x.rep == Rep::kF64) {
          found = AsDouble(e, j) == AsDouble(x, i);
        } else {
          found = AsInt(e, j) == AsInt(x, i);
        }
      }
      out.u64[i] = found;
    }
    return Status::Ok();
  };
  auto node = NewCall(fname, call.pos, TypeNamed("UInt8"), std::move(args), std::move(k));
  node->null_in_null_out = false;
  return node;  // never constant: the array is a column
}

template <bool kStarts>
Result<BoundPtr> BindStartsWith(Binder&, const Ast& call, Args args) {
  RETURN_IF_ERROR(CheckStrings(Fn(call), args, 2));
  Kernel k = [](EvalCtx&, const Bound&, std::vector<Vals>& args, size_t n, const uint8_t*,
                Vals& out) {
    out.u64.resize(n);
    for (size_t i = 0; i < n; ++i)
      out.u64[i] = kStarts ? args[0].Str(i).starts_with(args[1].Str(i))
                           : args[0].Str(i).ends_with(args[1].Str(i));
    return Status::Ok();
  };
  return UInt8Call(call, std::move(args), std::move(k));
}

// ---- IP ranges, time, hashing ------------------------------------------------------------------

// An address as 16 bytes (IPv4 mapped into IPv6, ::ffff:a.b.c.d), so one prefix test serves both.
bool ParseIpAny(std::string_view s, uint8_t out[16]) {
  char buf[INET6_ADDRSTRLEN];
  if (s.size() >= sizeof(buf)) return false;
  std::memcpy(buf, s.data(), s.size());
  buf[s.size()] = '\0';
  in_addr v4;
  if (inet_pton(AF_INET, buf, &v4) == 1) {
    std::memset(out, 0, 10);
    out[10] = out[11] = 0xff;
    std::memcpy(out + 12, &v4, 4);
    return true;
  }
  return inet_pton(AF_INET6, buf, out) == 1;
}

bool InPrefix(const uint8_t* a, const uint8_t* net, int bits) {
  for (int i = 0; i < 16 && bits > 0; ++i, bits -= 8) {
    const uint8_t mask = bits >= 8 ? 0xff : static_cast<uint8_t>(0xff << (8 - bits));
    if ((a[i] & mask) != (net[i] & mask)) return false;
  }
  return true;
}

Result<BoundPtr> BindIpInRange(Binder&, const Ast& call, Args args) {
  const std::string fname = Fn(call);
  RETURN_IF_ERROR(CheckArg(fname, *args[0], kStr | kIPv4, "a String or IPv4"));
  if (Base(*args[0]->type).id == TypeId::kIPv4) {
    ASSIGN_OR_RETURN(args[0], Coerce(std::move(args[0]), TypeNamed("String"), fname));
  }
  ASSIGN_OR_RETURN(std::string cidr, ConstString(args, 1, fname, "CIDR"));
  struct Net {
    uint8_t addr[16];
    int bits;
  };
  auto net = std::make_shared<Net>();
  const size_t slash = cidr.find('/');
  const std::string addr = cidr.substr(0, slash);
  const bool v4 = addr.find(':') == std::string::npos;
  int bits = v4 ? 32 : 128;
  bool ok = ParseIpAny(addr, net->addr);
  if (ok && slash != std::string::npos) {
    const std::string b = cidr.substr(slash + 1);
    auto [p, ec] = std::from_chars(b.data(), b.data() + b.size(), bits);
    ok = ec == std::errc() && p == b.data() + b.size() && bits >= 0 && bits <= (v4 ? 32 : 128);
  }
  if (!ok)
    return ErrorAt(args[1]->pos, fmt::format("{} expects a CIDR like '10.0.0.0/8' or 'fd00::/8', "
                                             "got '{}'",
                                             fname, Shorten(cidr)));
  net->bits = v4 ? bits + 96 : bits;
  args.pop_back();
  Kernel k = [net](EvalCtx& ctx, const Bound& node, std::vector<Vals>& args, size_t n,
                   const uint8_t* nulls, Vals& out) -> Status {
    out.u64.assign(n, 0);
    uint8_t a[16];
    for (size_t i = 0; i < n; ++i) {
      if (NullAt(nulls, i)) continue;
      const std::string_view s = args[0].Str(i);
      if (!ParseIpAny(s, a)) {
        RETURN_IF_ERROR(
            ctx.RowError(i, node, fmt::format("'{}' is not an IP address", Shorten(s))));
        continue;
      }
      out.u64[i] = InPrefix(a, net->addr, net->bits);
    }
    return Status::Ok();
  };
  return UInt8Call(call, std::move(args), std::move(k));
}

Result<BoundPtr> BindNow(Binder&, const Ast& call, Args args) {
  Kernel k = [](EvalCtx& ctx, const Bound&, std::vector<Vals>&, size_t, const uint8_t*, Vals& out) {
    out.u64 = {static_cast<uint64_t>(ctx.now)};
    return Status::Ok();
  };
  auto node = NewCall(Fn(call), call.pos, TypeNamed("DateTime"), std::move(args), std::move(k));
  node->deterministic = false;
  return node;
}

// xxHash64 (seed 0) of the value's bytes as ClickHouse stores it: a String's bytes, a number's
// little-endian bytes at its own width (UInt32 → 4 bytes), a Date's 2, a DateTime's 4.
Result<BoundPtr> BindXxHash64(Binder&, const Ast& call, Args args) {
  RETURN_IF_ERROR(CheckArg(Fn(call), *args[0], kAnyScalar, "a scalar"));
  const DataType& b = Base(*args[0]->type);
  const TypeId id = b.id;
  const size_t width = RepOf(b) == Rep::kStr ? 0 : b.value_width();
  Kernel k = [id, width](EvalCtx&, const Bound&, std::vector<Vals>& args, size_t n, const uint8_t*,
                         Vals& out) {
    out.u64.resize(n);
    const Vals& a = args[0];
    for (size_t i = 0; i < n; ++i) {
      if (a.rep == Rep::kStr) {
        const std::string_view s = a.Str(i);
        if (id == TypeId::kUUID) {
          uint8_t bytes[16];
          UuidTextToBytes(s, bytes);
          out.u64[i] = XXH64(bytes, 16, 0);
        } else {
          out.u64[i] = XXH64(s.data(), s.size(), 0);
        }
        continue;
      }
      uint8_t bytes[8];
      if (a.rep == Rep::kF64) {
        if (width == 4) {
          const float f = static_cast<float>(a.f64[a.Index(i)]);
          std::memcpy(bytes, &f, 4);
        } else {
          std::memcpy(bytes, &a.f64[a.Index(i)], 8);
        }
      } else if (a.rep == Rep::kI64) {
        std::memcpy(bytes, &a.i64[a.Index(i)], 8);  // little-endian: the low bytes come first
      } else {
        std::memcpy(bytes, &a.u64[a.Index(i)], 8);
      }
      out.u64[i] = XXH64(bytes, width, 0);
    }
    return Status::Ok();
  };
  const bool nullable = AnyNullable(args);
  return Finish(NewCall(Fn(call), call.pos, WithNullability(TypeNamed("UInt64"), nullable),
                        std::move(args), std::move(k)));
}

Result<BoundPtr> BindToTypeName(Binder&, const Ast& call, Args args) {
  return StringConst(call.pos, args[0]->type->name);
}

// ---- The function table ------------------------------------------------------------------------

constexpr char kInt8[] = "Int8", kInt16[] = "Int16", kInt32[] = "Int32", kInt64[] = "Int64";
constexpr char kUInt8[] = "UInt8", kUInt16[] = "UInt16", kUInt32[] = "UInt32", kUInt64[] = "UInt64";
constexpr char kFloat32[] = "Float32", kFloat64[] = "Float64", kString[] = "String",
               kDateName[] = "Date", kDateTimeName[] = "DateTime";

Result<BoundPtr> BindBetweenFn(Binder& b, const Ast& call, Args) {
  return BindBetween(b, call, false);
}
Result<BoundPtr> BindNotBetweenFn(Binder& b, const Ast& call, Args) {
  return BindBetween(b, call, true);
}

#define SLUICE_CONVERSIONS(name, to)                           \
  {"to" name, 1, 1, BindTo<to, Mode::kThrow>},                 \
      {"to" name "OrZero", 1, 1, BindTo<to, Mode::kOrZero>}, { \
    "to" name "OrNull", 1, 1, BindTo<to, Mode::kOrNull>        \
  }

const std::vector<FnDef>& Functions() {
  static const std::vector<FnDef> kFns = {
      // Operators (written as operators; callable by these names too).
      {"plus", 2, 2, BindArith<'+'>},
      {"minus", 2, 2, BindArith<'-'>},
      {"multiply", 2, 2, BindArith<'*'>},
      {"divide", 2, 2, BindDivide},
      {"modulo", 2, 2, BindIntDiv<true>},
      {"negate", 1, 1, BindNegate},
      {"equals", 2, 2, BindCompare<Cmp::kEq>},
      {"notEquals", 2, 2, BindCompare<Cmp::kNe>},
      {"less", 2, 2, BindCompare<Cmp::kLt>},
      {"lessOrEquals", 2, 2, BindCompare<Cmp::kLe>},
      {"greater", 2, 2, BindCompare<Cmp::kGt>},
      {"greaterOrEquals", 2, 2, BindCompare<Cmp::kGe>},
      {"and", 2, -1, BindLogic<true>, false},
      {"or", 2, -1, BindLogic<false>, false},
      {"not", 1, 1, BindNot},
      {"in", 2, -1, BindIn<false>, false},
      {"notIn", 2, -1, BindIn<true>, false},
      {"like", 2, 2, BindLike<false>},
      {"notLike", 2, 2, BindLike<true>},
      {"between", 3, 3, BindBetweenFn, false},
      {"notBetween", 3, 3, BindNotBetweenFn, false},
      {"isNull", 1, 1, BindIsNull<true>, false},
      {"isNotNull", 1, 1, BindIsNull<false>, false},
      // Conditionals and NULLs.
      {"if", 3, 3, BindIf, false},
      {"multiIf", 3, -1, BindMultiIf, false},
      {"coalesce", 1, -1, BindCoalesce, false},
      {"ifNull", 2, 2, BindCoalesce, false},
      // Arithmetic.
      {"intDiv", 2, 2, BindIntDiv<false>},
      {"abs", 1, 1, BindAbs},
      {"round", 1, 2, BindRound},
      {"greatest", 2, -1, BindExtreme<true>},
      {"least", 2, -1, BindExtreme<false>},
      // Conversions.
      SLUICE_CONVERSIONS("Int8", kInt8),
      SLUICE_CONVERSIONS("Int16", kInt16),
      SLUICE_CONVERSIONS("Int32", kInt32),
      SLUICE_CONVERSIONS("Int64", kInt64),
      SLUICE_CONVERSIONS("UInt8", kUInt8),
      SLUICE_CONVERSIONS("UInt16", kUInt16),
      SLUICE_CONVERSIONS("UInt32", kUInt32),
      SLUICE_CONVERSIONS("UInt64", kUInt64),
      SLUICE_CONVERSIONS("Float32", kFloat32),
      SLUICE_CONVERSIONS("Float64", kFloat64),
      SLUICE_CONVERSIONS("Date", kDateName),
      SLUICE_CONVERSIONS("DateTime", kDateTimeName),
      {"toString", 1, 1, BindTo<kString, Mode::kThrow>},
      {"toUnixTimestamp", 1, 1, BindToUnixTimestamp},
      {"toTypeName", 1, 1, BindToTypeName, false, true},
      // Strings.
      {"lower", 1, 1, BindCase<false>},
      {"upper", 1, 1, BindCase<true>},
      {"substring", 2, 3, BindSubstring},
      {"substr", 2, 3, BindSubstring},
      {"concat", 1, -1, BindConcat},
      {"length", 1, 1, BindLength<0>, true, true},
      {"empty", 1, 1, BindLength<1>, true, true},
      {"notEmpty", 1, 1, BindLength<2>, true, true},
      {"startsWith", 2, 2, BindStartsWith<true>},
      {"endsWith", 2, 2, BindStartsWith<false>},
      {"match", 2, 2, BindMatch},
      {"has", 2, 2, BindHas, false, true},
      // Network, time, hashing.
      {"isIPAddressInRange", 2, 2, BindIpInRange},
      {"now", 0, 0, BindNow},
      {"xxHash64", 1, 1, BindXxHash64},
  };
  return kFns;
}

}  // namespace

Result<std::unique_ptr<Bound>> Bind(const Ast& ast, const Schema& schema) {
  Binder b(schema);
  return b.BindAst(ast);
}

}  // namespace sluice::expr_internal
