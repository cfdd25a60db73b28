// `map` transform: sets or adds columns from expressions (all computed from the step's input),
// then drops and renames columns.
#include <fmt/format.h>

#include <algorithm>

#include "expr/expr.h"
#include "pipeline/transform.h"

namespace sluice {
namespace {

class MapTransform : public Transform {
 public:
  explicit MapTransform(const TransformConfig& cfg) : cfg_(cfg) {}

  Result<SchemaPtr> Prepare(SchemaPtr input) override {
    std::string errors;
    // Working list of (name, type, source): source ≥ 0 an input column, < 0 computed -1 - k.
    struct Col {
      std::string name;
      DataTypePtr type;
      int from;
      DefaultKind kind;
      std::string default_expression;
    };
    std::vector<Col> cols;
    for (size_t i = 0; i < input->columns.size(); ++i) {
      const auto& c = input->columns[i];
      cols.push_back({c.name, c.type, static_cast<int>(i), c.default_kind, c.default_expression});
    }
    for (const auto& [name, text] : cfg_.set) {
      auto e = Expr::Compile(text, input);
      if (!e.ok()) {
        errors += fmt::format("set.{}: {}\n", name, e.status().message());
        continue;
      }
      const int k = static_cast<int>(exprs_.size());
      DataTypePtr type = e.value()->type();
      exprs_.push_back(std::move(e.value()));
      auto it =
          std::find_if(cols.begin(), cols.end(), [&](const Col& c) { return c.name == name; });
      if (it != cols.end())
        *it = Col{name, type, -1 - k, DefaultKind::kNone, ""};
      else
        cols.push_back(Col{name, type, -1 - k, DefaultKind::kNone, ""});
    }
    for (const auto& name : cfg_.drop) {
      auto it =
          std::find_if(cols.begin(), cols.end(), [&](const Col& c) { return c.name == name; });
      if (it == cols.end())
        errors += fmt::format("drop: no column or field '{}' here\n", name);
      else
        cols.erase(it);
    }
    for (const auto& [from, to] : cfg_.rename) {
      auto it =
          std::find_if(cols.begin(), cols.end(), [&](const Col& c) { return c.name == from; });
      const bool taken =
          std::any_of(cols.begin(), cols.end(), [&](const Col& c) { return c.name == to; });
      if (it == cols.end())
        errors += fmt::format("rename.{}: no column or field '{}' here\n", from, from);
      else if (taken)
        errors += fmt::format("rename.{}: '{}' already exists\n", from, to);
      else
        it->name = to;
    }
    if (!errors.empty()) {
      errors.pop_back();
      return InvalidArgument(errors);
    }
    auto out = std::make_shared<Schema>();
    for (const Col& c : cols) {
      out->columns.push_back({c.name, c.type, c.kind, c.default_expression});
      from_.push_back(c.from);
    }
    output_ = out;
    return SchemaPtr(out);
  }

  Status Apply(Block& block, const RejectFn& reject) override {
    std::vector<Column> computed;
    RETURN_IF_ERROR(Compute(block, reject, &computed));
    // Reshape takes the computed columns in output order.
    std::vector<Column> added;
    for (int f : from_)
      if (f < 0) added.push_back(std::move(computed[static_cast<size_t>(-1 - f)]));
    block = std::move(block).Reshape(output_, from_, std::move(added));
    return Status::Ok();
  }

 private:
  // Evaluates every expression; rows that fail any of them are rejected and removed first.
  Status Compute(Block& block, const RejectFn& reject, std::vector<Column>* out) {
    std::vector<size_t> bad;
    for (const auto& e : exprs_) {
      std::vector<ExprRowError> errors;
      auto col = e->Evaluate(block, &errors);
      if (!col.ok()) return col.status();
      if (errors.empty()) {
        out->push_back(std::move(col.value()));
        continue;
      }
      std::vector<uint8_t> good(block.rows(), 1);
      for (const auto& err : errors) {
        RETURN_IF_ERROR(reject(err.row, "map: " + err.message));
        good[err.row] = 0;
      }
      block.Filter(good);
      out->clear();
      return Compute(block, reject, out);  // again on the good rows (each round removes rows)
    }
    return Status::Ok();
  }

  const TransformConfig& cfg_;
  std::vector<std::unique_ptr<Expr>> exprs_;
  std::vector<int> from_;  // per output column: input index, or -1 - expression index
  SchemaPtr output_;
};

}  // namespace

std::unique_ptr<Transform> MakeMapTransform(const TransformConfig& cfg, const TransformContext&) {
  return std::make_unique<MapTransform>(cfg);
}

}  // namespace sluice
