// Expressions in a ClickHouse-SQL subset, with ClickHouse's own function names, for filter and map
// transforms: `toDateTime(intDiv(ts_ms, 1000))`, `isIPAddressInRange(ip, '10.0.0.0/8')`,
// `device = 'mobile' AND NOT (status IN (500, 503))`.
//
// Design. An expression is parsed once and type-checked against a block schema at start-up, so a
// typo or a type error is reported before the first row, with its position. Evaluation is
// columnar: every node of the compiled tree runs one loop over whole columns (the per-function
// choice of loop is made at compile time), values travel between nodes as plain vectors of
// int64 / uint64 / double / string slices, and input columns are read straight from their Native
// buffers. Calls whose arguments are all constant are folded at compile time.
//
// Language (keywords case-insensitive; function names case-insensitive):
//   literals     42  -7  2.5  1e3  'text' (\' '' \\ \n \t escapes)  NULL  true  false
//   names        col  nested.col  `any name`  "any name"
//   operators    (lowest first)  OR;  AND;  NOT;  = == != <> < <= > >=  [NOT] LIKE  [NOT] IN (...)
//                IS [NOT] NULL  [NOT] BETWEEN a AND b;  + -;  * / %;  unary -
//   CASE WHEN c THEN a [WHEN ...] [ELSE e] END     (→ multiIf)
//   calls        name(args...) — see the function table, Functions() in functions.cc.
//
// Types follow ClickHouse where practical: "Type rules" at the top of functions.cc.
// Thread-safety: an Expr is immutable after Compile; Evaluate may run on many threads at once.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/block.h"

namespace sluice {

namespace expr_internal {
struct Ast;
struct Bound;
}  // namespace expr_internal

// A row that failed to evaluate (Evaluate with a `row_errors` list).
struct ExprRowError {
  size_t row = 0;
  std::string message;
};

// A compiled expression over the columns of `schema`. Immutable and thread-safe after Compile.
class Expr {
 public:
  // Parses and type-checks `text` against `schema` (columns referenced by name; backquoted
  // identifiers allowed). Errors: InvalidArgument "at <col> : <problem>" with a 1-based position
  // into `text`, e.g.
  //   "at 9: toDate expects a String, DateTime or integer argument, got Array(String)"
  //   "at 1: unknown column 'ipp' (did you mean 'ip'?)", "at 14: expected ')'".
  static Result<std::unique_ptr<Expr>> Compile(std::string_view text, SchemaPtr schema);
  ~Expr();

  // The result type: UInt8 for comparisons and logic, Nullable(...) where ClickHouse would make
  // it so (NULL in → NULL out). LowCardinality is dropped (a column reference has its storage
  // type); FixedString reads as String and Decimal as Float64.
  const DataTypePtr& type() const;

  // Evaluates over all rows of `block`. REQUIRES: block.schema() has the columns, in the same
  // places and types, as the schema compiled against. Returns a new column of type() with
  // block.rows() values. A row-level failure (toInt64('abc'), intDiv by zero, a bad IP) returns
  // InvalidArgument "row <i>: ..." for the first failing row (the caller dead-letters it).
  Result<Column> Evaluate(const Block& block) const;
  // Like Evaluate, but a failing row does not fail the block: its value is the type's default and
  // it is listed (once, in row order) in `row_errors`, so all bad rows of a block are found in one
  // pass. REQUIRES: row_errors != nullptr.
  Result<Column> Evaluate(const Block& block, std::vector<ExprRowError>* row_errors) const;

  // For filters: evaluates a numeric (UInt8/Bool, or Nullable of it) expression into a keep-mask
  // of block.rows() bytes: 1 where the value is non-zero, 0 where it is zero or NULL.
  // Returns InvalidArgument if the expression is not a predicate (check is_predicate() at
  // start-up) and, like Evaluate, for the first row that fails.
  Status EvaluateMask(const Block& block, std::vector<uint8_t>* keep) const;
  // True if type() can be used as a filter (a number, Bool, or Nullable of one).
  bool is_predicate() const;

  // Canonical form, for logs and tests: operators fully parenthesised, keywords upper-case,
  // function names as written, strings single-quoted, unusual names backquoted.
  std::string ToString() const;

 private:
  Expr() = default;
  Result<Column> Run(const Block& block, std::vector<ExprRowError>* row_errors) const;

  SchemaPtr schema_;
  std::unique_ptr<expr_internal::Ast> ast_;
  std::unique_ptr<expr_internal::Bound> root_;
  DataTypePtr type_;
};

}  // namespace sluice
