// Values in flight: type helpers, reading block columns into Vals, writing Vals into a column of
// the result type, text forms of dates and UUIDs, and the tree walk that evaluates a node.
#include <date/date.h>
#include <fmt/format.h>

#include <cmath>
#include <map>
#include <mutex>

#include "expr/expr_internal.h"

namespace sluice::expr_internal {

// ---- Types -------------------------------------------------------------------------------------

DataTypePtr TypeNamed(std::string_view name) {
  static std::mutex mu;
  static std::map<std::string, DataTypePtr, std::less<>> cache;
  std::lock_guard lock(mu);
  auto it = cache.find(name);
  if (it != cache.end()) return it->second;
  Result<DataTypePtr> t = ParseType(name);
  SLUICE_CHECK(t.ok());
  cache.emplace(std::string(name), t.value());
  return t.value();
}

bool IsNullable(const DataType& t) {
  return t.storage().id == TypeId::kNullable;
}

const DataType& Base(const DataType& t) {
  const DataType& s = t.storage();
  return s.id == TypeId::kNullable ? *s.children[0] : s;
}

DataTypePtr BasePtr(const DataTypePtr& t) {
  DataTypePtr s = t->id == TypeId::kLowCardinality ? t->children[0] : t;
  return s->id == TypeId::kNullable ? s->children[0] : s;
}

DataTypePtr MakeNullable(const DataTypePtr& t) {
  if (IsNullable(*t)) return t;
  auto n = std::make_shared<DataType>();
  n->id = TypeId::kNullable;
  n->name = "Nullable(" + t->name + ")";
  n->children.push_back(t);
  return n;
}

Rep RepOf(const DataType& b) {
  switch (b.id) {
    case TypeId::kInt8:
    case TypeId::kInt16:
    case TypeId::kInt32:
    case TypeId::kInt64:
    case TypeId::kEnum8:
    case TypeId::kEnum16:
      return Rep::kI64;
    case TypeId::kFloat32:
    case TypeId::kFloat64:
    case TypeId::kDecimal:
      return Rep::kF64;
    case TypeId::kString:
    case TypeId::kFixedString:
    case TypeId::kUUID:
      return Rep::kStr;
    default:
      return Rep::kU64;
  }
}

bool IsInteger(const DataType& b) {
  return b.is_numeric_int() || b.id == TypeId::kBool || b.id == TypeId::kNothing;
}
bool IsNumber(const DataType& b) {
  return IsInteger(b) || b.id == TypeId::kFloat32 || b.id == TypeId::kFloat64;
}
bool IsStringType(const DataType& b) {
  return b.id == TypeId::kString;
}

// ---- Vals --------------------------------------------------------------------------------------

Vals Vals::Clone() const {
  SLUICE_CHECK(borrowed_chars == nullptr);  // only constants are cloned, and they own their bytes
  Vals v;
  v.rep = rep;
  v.is_const = is_const;
  v.i64 = i64;
  v.u64 = u64;
  v.f64 = f64;
  v.chars = chars;
  v.ends = ends;
  v.nulls = nulls;
  return v;
}

// ---- Columns -----------------------------------------------------------------------------------

bool Readable(const DataType& storage, std::string* why) {
  const DataType& b = Base(storage);
  switch (b.id) {
    case TypeId::kDateTime64:
    case TypeId::kIPv6:
    case TypeId::kTuple:
    case TypeId::kMap:
      *why = "expressions do not support " + b.name;
      return false;
    case TypeId::kDecimal:
      if (b.precision > 38) {
        *why = "expressions do not support " + b.name;
        return false;
      }
      return true;
    case TypeId::kArray: {
      const DataType& e = Base(*b.children[0]);
      if (e.id == TypeId::kArray || !Readable(*b.children[0], why)) {
        *why = "expressions do not support " + b.name;
        return false;
      }
      return true;
    }
    default:
      return true;
  }
}

DataTypePtr ExprTypeOfColumn(const DataType& storage_in) {
  const DataType& storage = storage_in.storage();
  const bool nullable = storage.id == TypeId::kNullable;
  const DataType& b = Base(storage);
  DataTypePtr base;
  if (b.id == TypeId::kFixedString) {
    base = TypeNamed("String");
  } else if (b.id == TypeId::kDecimal) {
    base = TypeNamed("Float64");
  } else if (b.id == TypeId::kArray) {
    base = TypeNamed("Array(" + ExprTypeOfColumn(*b.children[0])->name + ")");
  } else {
    base = TypeNamed(b.name);
  }
  return nullable ? MakeNullable(base) : base;
}

namespace {

template <typename From, typename To>
void Widen(const Column& col, size_t rows, std::vector<To>* out) {
  out->resize(rows);
  const uint8_t* p = col.data.data();
  for (size_t i = 0; i < rows; ++i) {
    From v;
    std::memcpy(&v, p + i * sizeof(From), sizeof(From));
    (*out)[i] = static_cast<To>(v);
  }
}

template <typename From>
void DecimalToDouble(const Column& col, size_t rows, uint32_t scale, std::vector<double>* out) {
  const double div = std::pow(10.0, scale);
  out->resize(rows);
  for (size_t i = 0; i < rows; ++i) {
    From v;
    std::memcpy(&v, col.data.data() + i * sizeof(From), sizeof(From));
    (*out)[i] = static_cast<double>(v) / div;
  }
}

}  // namespace

void LoadColumn(const Column& col_in, const DataType& storage_in, size_t rows, Vals* out) {
  const DataType& storage = storage_in.storage();
  const Column* col = &col_in;
  if (storage.id == TypeId::kNullable) {
    out->nulls.assign(col->nulls.begin(), col->nulls.begin() + rows);
    col = &col->children[0];
  }
  const DataType& b = Base(storage);
  out->rep = RepOf(b);
  switch (b.id) {
    case TypeId::kInt8:
      Widen<int8_t>(*col, rows, &out->i64);
      break;
    case TypeId::kInt16:
      Widen<int16_t>(*col, rows, &out->i64);
      break;
    case TypeId::kInt32:
      Widen<int32_t>(*col, rows, &out->i64);
      break;
    case TypeId::kInt64:
      Widen<int64_t>(*col, rows, &out->i64);
      break;
    case TypeId::kEnum8:
      Widen<int8_t>(*col, rows, &out->i64);
      break;
    case TypeId::kEnum16:
      Widen<int16_t>(*col, rows, &out->i64);
      break;
    case TypeId::kUInt8:
    case TypeId::kBool:
      Widen<uint8_t>(*col, rows, &out->u64);
      break;
    case TypeId::kUInt16:
    case TypeId::kDate:
      Widen<uint16_t>(*col, rows, &out->u64);
      break;
    case TypeId::kUInt32:
    case TypeId::kDateTime:
    case TypeId::kIPv4:
      Widen<uint32_t>(*col, rows, &out->u64);
      break;
    case TypeId::kUInt64:
      Widen<uint64_t>(*col, rows, &out->u64);
      break;
    case TypeId::kFloat32:
      Widen<float>(*col, rows, &out->f64);
      break;
    case TypeId::kFloat64:
      Widen<double>(*col, rows, &out->f64);
      break;
    case TypeId::kDecimal:
      if (b.value_width() == 4)
        DecimalToDouble<int32_t>(*col, rows, b.scale, &out->f64);
      else if (b.value_width() == 8)
        DecimalToDouble<int64_t>(*col, rows, b.scale, &out->f64);
      else
        DecimalToDouble<__int128>(*col, rows, b.scale, &out->f64);
      break;
    case TypeId::kString:
      // Zero copy: the block outlives the evaluation.
      out->borrowed_chars = reinterpret_cast<const char*>(col->data.data());
      out->borrowed_ends = col->offsets.data();
      break;
    case TypeId::kFixedString: {
      // Trailing zero bytes are padding: `code = 'ab'` matches a FixedString(4) holding "ab".
      const size_t w = b.fixed_size;
      for (size_t i = 0; i < rows; ++i) {
        std::string_view s(reinterpret_cast<const char*>(col->data.data()) + i * w, w);
        while (!s.empty() && s.back() == '\0') s.remove_suffix(1);
        out->AddStr(s);
      }
      break;
    }
    case TypeId::kUUID:
      for (size_t i = 0; i < rows; ++i) out->AddStr(FormatUuid(col->data.data() + i * 16));
      break;
    default:  // Nothing, and arrays (read by their functions, not as values)
      out->u64.assign(rows, 0);
      break;
  }
}

namespace {

template <typename To, typename From>
void Narrow(const std::vector<From>& v, bool is_const, size_t rows, Column* col) {
  col->data.resize(rows * sizeof(To));
  uint8_t* p = col->data.data();
  for (size_t i = 0; i < rows; ++i) {
    const To x = static_cast<To>(v[is_const ? 0 : i]);
    std::memcpy(p + i * sizeof(To), &x, sizeof(To));
  }
}

void StoreBase(const Vals& v, const DataType& b, size_t rows, Column* col) {
  const bool c = v.is_const;
  switch (b.id) {
    case TypeId::kInt8:
    case TypeId::kEnum8:
      Narrow<int8_t>(v.i64, c, rows, col);
      break;
    case TypeId::kInt16:
    case TypeId::kEnum16:
      Narrow<int16_t>(v.i64, c, rows, col);
      break;
    case TypeId::kInt32:
      Narrow<int32_t>(v.i64, c, rows, col);
      break;
    case TypeId::kInt64:
      Narrow<int64_t>(v.i64, c, rows, col);
      break;
    case TypeId::kUInt8:
    case TypeId::kBool:
      Narrow<uint8_t>(v.u64, c, rows, col);
      break;
    case TypeId::kUInt16:
    case TypeId::kDate:
      Narrow<uint16_t>(v.u64, c, rows, col);
      break;
    case TypeId::kUInt32:
    case TypeId::kDateTime:
    case TypeId::kIPv4:
      Narrow<uint32_t>(v.u64, c, rows, col);
      break;
    case TypeId::kUInt64:
      Narrow<uint64_t>(v.u64, c, rows, col);
      break;
    case TypeId::kFloat32:
      Narrow<float>(v.f64, c, rows, col);
      break;
    case TypeId::kFloat64:
      Narrow<double>(v.f64, c, rows, col);
      break;
    case TypeId::kString:
      col->offsets.reserve(rows);
      for (size_t i = 0; i < rows; ++i) col->AppendString(v.Str(i));
      break;
    case TypeId::kUUID:
      for (size_t i = 0; i < rows; ++i) {
        uint8_t bytes[16] = {};
        UuidTextToBytes(v.Str(i), bytes);
        col->AppendBytes(bytes, 16);
      }
      break;
    default:
      SLUICE_CHECK(false && "StoreBase: type without a column layout");
  }
}

}  // namespace

Column StoreColumn(const Vals& v, const DataTypePtr& type, size_t rows) {
  Column col(type);
  if (type->storage().id == TypeId::kNullable) {
    if (v.nulls.empty()) {
      col.nulls.assign(rows, 0);
    } else if (v.is_const) {
      col.nulls.assign(rows, v.nulls[0]);
    } else {
      col.nulls.assign(v.nulls.begin(), v.nulls.begin() + rows);
    }
    StoreBase(v, Base(*type), rows, &col.children[0]);
  } else {
    StoreBase(v, Base(*type), rows, &col);
  }
  return col;
}

// ---- Text forms --------------------------------------------------------------------------------

std::string FormatDate(int64_t days) {
  const date::year_month_day ymd{date::sys_days{date::days{days}}};
  return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
}

std::string FormatDateTime(int64_t seconds) {
  const int64_t days = seconds >= 0 ? seconds / 86400 : -((-seconds + 86399) / 86400);
  const int64_t rest = seconds - days * 86400;
  return fmt::format("{} {:02}:{:02}:{:02}", FormatDate(days), rest / 3600, rest / 60 % 60,
                     rest % 60);
}

std::string FormatFloat(double d) {
  if (std::isnan(d)) return "nan";
  if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
  // Shortest text that reads back to the same double, without an exponent for integral values
  // below 1e21 (as ClickHouse prints 1e20 as 100000000000000000000).
  if (d == std::trunc(d) && std::fabs(d) < 1e21) return fmt::format("{:.0f}", d);
  return fmt::format("{}", d);
}

std::string FormatFloat32(float f) {
  if (std::isfinite(f) && f == std::trunc(f)) return FormatFloat(f);
  if (!std::isfinite(f)) return FormatFloat(f);
  return fmt::format("{}", f);  // shortest text for the float, not for its double widening
}

std::string FormatUuid(const uint8_t* p) {
  // Native: two little-endian UInt64 halves, high half first.
  uint64_t hi, lo;
  std::memcpy(&hi, p, 8);
  std::memcpy(&lo, p + 8, 8);
  return fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", hi >> 32, (hi >> 16) & 0xffff,
                     hi & 0xffff, lo >> 48, lo & 0xffffffffffffULL);
}

bool ParseUuidText(std::string_view s, std::string* canonical) {
  std::string hex;
  for (char c : s) {
    if (c == '-') continue;
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
    hex.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  if (hex.size() != 32) return false;
  if (s.size() == 36 && (s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-')) return false;
  if (s.size() != 36 && s.size() != 32) return false;
  *canonical = hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
               hex.substr(16, 4) + "-" + hex.substr(20);
  return true;
}

bool UuidTextToBytes(std::string_view s, uint8_t* bytes) {
  std::string canon;
  if (!ParseUuidText(s, &canon)) return false;
  std::string hex;
  for (char c : canon)
    if (c != '-') hex.push_back(c);
  const uint64_t hi = std::stoull(hex.substr(0, 16), nullptr, 16);
  const uint64_t lo = std::stoull(hex.substr(16), nullptr, 16);
  std::memcpy(bytes, &hi, 8);
  std::memcpy(bytes + 8, &lo, 8);
  return true;
}

// ---- Evaluation --------------------------------------------------------------------------------

Status EvalCtx::RowError(size_t row, const Bound& node, const std::string& problem) {
  if (block == nullptr) return InvalidArgument(fmt::format("at {}: {}", node.pos, problem));
  if (errors == nullptr)
    return InvalidArgument(
        fmt::format("row {}: {} (at {}: {})", row, problem, node.pos, node.name));
  if (failed.empty()) failed.assign(rows, 0);
  if (!failed[row]) {
    failed[row] = 1;
    errors->push_back({row, fmt::format("{} (at {}: {})", problem, node.pos, node.name)});
  }
  return Status::Ok();
}

Result<Vals> Eval(const Bound& node, EvalCtx& ctx) {
  switch (node.kind) {
    case Bound::Kind::kConst:
      return node.value.Clone();
    case Bound::Kind::kColumn: {
      Vals v;
      LoadColumn(ctx.block->column(node.column), ctx.block->column(node.column).storage(), ctx.rows,
                 &v);
      return v;
    }
    case Bound::Kind::kCall:
      break;
  }
  std::vector<Vals> args;
  args.reserve(node.args.size());
  bool all_const = true;
  for (const auto& a : node.args) {
    ASSIGN_OR_RETURN(Vals v, Eval(*a, ctx));
    all_const &= v.is_const;
    args.push_back(std::move(v));
  }
  // A call over constants only (now(), or anything while folding) computes one value.
  const size_t n = all_const ? 1 : ctx.rows;
  std::vector<uint8_t> nulls;
  if (node.null_in_null_out) {
    for (const Vals& a : args) {
      if (a.nulls.empty()) continue;
      if (nulls.empty()) nulls.assign(n, 0);
      if (a.is_const) {
        if (a.nulls[0]) std::fill(nulls.begin(), nulls.end(), 1);
      } else {
        for (size_t i = 0; i < n; ++i) nulls[i] |= a.nulls[i];
      }
    }
  }
  Vals out;
  out.rep = RepOf(Base(*node.type));
  out.is_const = all_const;
  RETURN_IF_ERROR(node.kernel(ctx, node, args, n, nulls.empty() ? nullptr : nulls.data(), out));
  if (!nulls.empty()) {
    if (out.nulls.empty()) {
      out.nulls = std::move(nulls);
    } else {
      for (size_t i = 0; i < n; ++i) out.nulls[i] |= nulls[i];
    }
  }
  return out;
}

}  // namespace sluice::expr_internal
