// Internals of the expression engine, shared by its .cc files (parser, values, functions, expr).
// Not part of the public API: use expr.h.
//
// Pipeline: text --Parse--> Ast (syntax only, positions kept) --Bind--> Bound (typed tree; every
// call node holds a kernel chosen for its argument types) --Eval--> Vals per node per block.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/block.h"
#include "expr/expr.h"

namespace sluice::expr_internal {

// ---- Parse tree --------------------------------------------------------------------------------

struct Ast {
  enum class Kind { kLiteral, kColumn, kCall };
  enum class Lit { kInt, kFloat, kString, kNull, kBool };

  Kind kind = Kind::kLiteral;
  size_t pos = 1;    // 1-based character position in the expression text
  std::string name;  // column name, or function name ("plus" for `+`, "in" for `IN` …)
  std::string op;    // for operators: how they are written ("+", "AND", "IN", "IS NULL", "CASE")
  Lit lit = Lit::kNull;
  __int128 int_value = 0;  // kInt (already negated for `-5`)
  double float_value = 0;  // kFloat
  std::string text;        // kString value; kInt/kFloat as written (for ToString)
  bool bool_value = false;
  std::vector<std::unique_ptr<Ast>> args;
};

// Errors: InvalidArgument "at <pos>: <problem>".
Result<std::unique_ptr<Ast>> Parse(std::string_view text);
// Canonical text of a parse tree (see Expr::ToString).
std::string Format(const Ast& ast);
std::string QuoteString(std::string_view s);

// ---- Values in flight --------------------------------------------------------------------------

// The physical representation of a node's values. Every scalar ClickHouse type maps to one:
// signed ints and Enums → kI64; unsigned ints, Bool, Date (days), DateTime (seconds), IPv4 and
// Nothing → kU64; floats and Decimal → kF64; String, FixedString, UUID (canonical text) → kStr.
enum class Rep : uint8_t { kI64, kU64, kF64, kStr };

// The values of one node for the rows of a block (or one value standing for every row when
// is_const). Numeric values sit in the vector of their Rep; strings as bytes plus end offsets
// (Native's String layout), owned or borrowed from a block column.
struct Vals {
  Rep rep = Rep::kU64;
  bool is_const = false;
  std::vector<int64_t> i64;
  std::vector<uint64_t> u64;
  std::vector<double> f64;
  std::vector<char> chars;
  std::vector<uint64_t> ends;
  const char* borrowed_chars = nullptr;  // non-null: strings live in a block column
  const uint64_t* borrowed_ends = nullptr;
  std::vector<uint8_t> nulls;  // empty: no NULL; else one flag per value

  size_t Index(size_t row) const { return is_const ? 0 : row; }
  bool IsNull(size_t row) const { return !nulls.empty() && nulls[Index(row)]; }
  std::string_view Str(size_t row) const {
    const size_t i = Index(row);
    const char* d = borrowed_chars ? borrowed_chars : chars.data();
    const uint64_t* e = borrowed_ends ? borrowed_ends : ends.data();
    const uint64_t b = i == 0 ? 0 : e[i - 1];
    return {d + b, static_cast<size_t>(e[i] - b)};
  }
  void AddStr(std::string_view s) {
    chars.insert(chars.end(), s.begin(), s.end());
    ends.push_back(chars.size());
  }
  template <typename T>
  std::vector<T>& Vec();
  template <typename T>
  const std::vector<T>& Vec() const {
    return const_cast<Vals*>(this)->Vec<T>();
  }
  // A copy that owns its strings.
  Vals Clone() const;
};
template <>
inline std::vector<int64_t>& Vals::Vec<int64_t>() {
  return i64;
}
template <>
inline std::vector<uint64_t>& Vals::Vec<uint64_t>() {
  return u64;
}
template <>
inline std::vector<double>& Vals::Vec<double>() {
  return f64;
}

// ---- Types -------------------------------------------------------------------------------------

DataTypePtr TypeNamed(std::string_view name);    // REQUIRES: a valid type string
DataTypePtr MakeNullable(const DataTypePtr& t);  // Nullable(t); t itself if already Nullable
bool IsNullable(const DataType& t);
const DataType& Base(const DataType& t);  // without Nullable/LowCardinality
DataTypePtr BasePtr(const DataTypePtr& t);
Rep RepOf(const DataType& base);
bool IsNumber(const DataType& base);  // ints, floats, Bool (and Nothing: a NULL fits anywhere)
bool IsInteger(const DataType& base);
bool IsStringType(const DataType& base);

// ---- Typed tree --------------------------------------------------------------------------------

struct Bound;

// What a kernel may ask while it runs over a block.
struct EvalCtx {
  const Block* block = nullptr;  // null while folding constants at compile time
  size_t rows = 0;
  int64_t now = 0;                              // now(), fixed per Evaluate
  std::vector<ExprRowError>* errors = nullptr;  // null: the first row error fails the call
  std::vector<uint8_t> failed;                  // lenient mode: rows already listed

  // Reports a row-level failure of `node`. Strict: returns the error ("row i: ..." or, while
  // folding, "at pos: ..."). Lenient: records it and returns OK (the kernel writes a default).
  Status RowError(size_t row, const Bound& node, const std::string& problem);
};

// A kernel computes `out` (values only; rep preset) for `n` rows from evaluated arguments.
// `nulls` (may be null) flags the rows where some argument is NULL: for null-in-null-out nodes
// the values there are ignored, so a kernel must not report errors for them.
using Kernel = std::function<Status(EvalCtx& ctx, const Bound& node, std::vector<Vals>& args,
                                    size_t n, const uint8_t* nulls, Vals& out)>;

struct Bound {
  enum class Kind { kConst, kColumn, kCall };
  Kind kind = Kind::kConst;
  size_t pos = 1;
  std::string name;  // function name (for messages) or column name
  DataTypePtr type;
  Vals value;       // kConst
  int column = -1;  // kColumn
  std::vector<std::unique_ptr<Bound>> args;
  bool null_in_null_out = true;  // result is NULL where any argument is; kernel sees values only
  bool deterministic = true;     // false: never folded (now())
  Kernel kernel;
};

Result<Vals> Eval(const Bound& node, EvalCtx& ctx);

// Binds a parse tree against `schema`: resolves columns and functions, checks and coerces
// argument types, folds constant calls.
Result<std::unique_ptr<Bound>> Bind(const Ast& ast, const Schema& schema);

// ---- Columns <-> values ------------------------------------------------------------------------

// True if expressions can read a column of this (storage) type; arrays only through functions.
bool Readable(const DataType& storage, std::string* why);
// The type a column reference has inside expressions (LowCardinality dropped, FixedString →
// String, Decimal → Float64, Nullable kept).
DataTypePtr ExprTypeOfColumn(const DataType& storage);
// Reads a column (or an array's element column) into values of its expression type.
void LoadColumn(const Column& col, const DataType& storage, size_t rows, Vals* out);
// Writes `rows` values into a new column of `type` (an expression type).
Column StoreColumn(const Vals& v, const DataTypePtr& type, size_t rows);

// Text forms shared by toString and the converters.
std::string FormatDate(int64_t days);
std::string FormatDateTime(int64_t seconds);
std::string FormatFloat(double d);
std::string FormatFloat32(float f);
std::string FormatUuid(const uint8_t* bytes16);
bool ParseUuidText(std::string_view s, std::string* canonical);
bool UuidTextToBytes(std::string_view canonical, uint8_t* bytes16);

}  // namespace sluice::expr_internal
