// `filter` transform: keeps the rows where `where` is true (false and NULL drop the row). Dropped
// rows stay covered by the block's checkpoint, so they are acknowledged with it.
#include <fmt/format.h>

#include "expr/expr.h"
#include "pipeline/transform.h"

namespace sluice {
namespace {

class FilterTransform : public Transform {
 public:
  explicit FilterTransform(const TransformConfig& cfg) : cfg_(cfg) {}

  Result<SchemaPtr> Prepare(SchemaPtr input) override {
    auto e = Expr::Compile(cfg_.where, input);
    if (!e.ok()) return e.status().Context("where");
    where_ = std::move(e.value());
    if (!where_->is_predicate())
      return InvalidArgument(
          fmt::format("where: expected a condition (a number or Bool, e.g. `x > 0`), got {}",
                      where_->type()->name));
    return input;
  }

  Status Apply(Block& block, const RejectFn& reject) override {
    if (block.rows() == 0) return Status::Ok();
    std::vector<uint8_t> keep;
    Status st = where_->EvaluateMask(block, &keep);
    if (!st.ok()) {
      // Some rows fail to evaluate (rare): find them all, reject them, filter the rest.
      std::vector<ExprRowError> errors;
      auto col = where_->Evaluate(block, &errors);
      if (!col.ok()) return col.status();
      std::vector<uint8_t> good(block.rows(), 1);
      for (const auto& e : errors) {
        RETURN_IF_ERROR(reject(e.row, "filter: " + e.message));
        good[e.row] = 0;
      }
      block.Filter(good);
      if (block.rows() == 0) return Status::Ok();
      RETURN_IF_ERROR(where_->EvaluateMask(block, &keep));
    }
    block.Filter(keep);
    return Status::Ok();
  }

 private:
  const TransformConfig& cfg_;
  std::unique_ptr<Expr> where_;
};

}  // namespace

std::unique_ptr<Transform> MakeFilterTransform(const TransformConfig& cfg,
                                               const TransformContext&) {
  return std::make_unique<FilterTransform>(cfg);
}

}  // namespace sluice
