#include "expr/expr.h"

#include <fmt/format.h>

#include <algorithm>
#include <ctime>

#include "expr/expr_internal.h"

namespace sluice {

using expr_internal::Ast;
using expr_internal::Bound;
using expr_internal::EvalCtx;
using expr_internal::Vals;

Expr::~Expr() = default;

Result<std::unique_ptr<Expr>> Expr::Compile(std::string_view text, SchemaPtr schema) {
  ASSIGN_OR_RETURN(std::unique_ptr<Ast> ast, expr_internal::Parse(text));
  ASSIGN_OR_RETURN(std::unique_ptr<Bound> root, expr_internal::Bind(*ast, *schema));
  const DataType& base = expr_internal::Base(*root->type);
  if (base.id == TypeId::kArray)
    return InvalidArgument(
        fmt::format("at {}: the result cannot be an array ({}); use length, empty, notEmpty or has",
                    root->pos, root->type->name));
  std::unique_ptr<Expr> e(new Expr());
  // An always-NULL expression has no column layout of its own: give it Nullable(UInt8).
  e->type_ = base.id == TypeId::kNothing
                 ? expr_internal::MakeNullable(expr_internal::TypeNamed("UInt8"))
                 : root->type;
  e->schema_ = std::move(schema);
  e->ast_ = std::move(ast);
  e->root_ = std::move(root);
  return e;
}

const DataTypePtr& Expr::type() const {
  return type_;
}

bool Expr::is_predicate() const {
  const DataType& b = expr_internal::Base(*type_);
  return expr_internal::IsNumber(b);
}

std::string Expr::ToString() const {
  return expr_internal::Format(*ast_);
}

namespace {

// The columns an expression reads must be where, and what, they were at Compile.
Status CheckColumns(const Bound& node, const Schema& compiled, const Block& block) {
  if (node.kind == Bound::Kind::kColumn) {
    const size_t i = static_cast<size_t>(node.column);
    if (i >= block.schema().columns.size() ||
        block.schema().columns[i].type->name != compiled.columns[i].type->name ||
        block.schema().columns[i].name != compiled.columns[i].name)
      return Internal(
          fmt::format("expression: block schema differs from the compiled one at "
                      "column '{}'",
                      node.name));
  }
  for (const auto& a : node.args) RETURN_IF_ERROR(CheckColumns(*a, compiled, block));
  return Status::Ok();
}

Result<Vals> RunTree(const Bound& root, const Schema& compiled, const Block& block,
                     std::vector<ExprRowError>* row_errors) {
  if (&block.schema() != &compiled) RETURN_IF_ERROR(CheckColumns(root, compiled, block));
  EvalCtx ctx;
  ctx.block = &block;
  ctx.rows = block.rows();
  ctx.now = static_cast<int64_t>(std::time(nullptr));
  ctx.errors = row_errors;
  ASSIGN_OR_RETURN(Vals v, expr_internal::Eval(root, ctx));
  if (row_errors != nullptr)
    std::stable_sort(row_errors->begin(), row_errors->end(),
                     [](const ExprRowError& a, const ExprRowError& b) { return a.row < b.row; });
  return v;
}

}  // namespace

Result<Column> Expr::Run(const Block& block, std::vector<ExprRowError>* row_errors) const {
  ASSIGN_OR_RETURN(Vals v, RunTree(*root_, *schema_, block, row_errors));
  return expr_internal::StoreColumn(v, type_, block.rows());
}

Result<Column> Expr::Evaluate(const Block& block) const {
  return Run(block, nullptr);
}

Result<Column> Expr::Evaluate(const Block& block, std::vector<ExprRowError>* row_errors) const {
  SLUICE_CHECK(row_errors != nullptr);
  return Run(block, row_errors);
}

Status Expr::EvaluateMask(const Block& block, std::vector<uint8_t>* keep) const {
  if (!is_predicate())
    return InvalidArgument(
        fmt::format("expression {} is a {}, not a condition", ToString(), type_->name));
  ASSIGN_OR_RETURN(Vals v, RunTree(*root_, *schema_, block, nullptr));
  const size_t n = block.rows();
  keep->resize(n);
  for (size_t i = 0; i < n; ++i) {
    const size_t j = v.Index(i);
    bool on;
    switch (v.rep) {
      case expr_internal::Rep::kI64:
        on = v.i64[j] != 0;
        break;
      case expr_internal::Rep::kU64:
        on = v.u64[j] != 0;
        break;
      default:
        on = v.f64[j] != 0;
        break;
    }
    (*keep)[i] = on && !v.IsNull(i);
  }
  return Status::Ok();
}

}  // namespace sluice
