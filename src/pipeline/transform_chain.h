// TransformChain: the pipeline's transforms in order, then a last step that conforms each block to
// the target table (columns by name, converted to the table's types, missing ones defaulted).
// Thread-safety: Apply() may run on several decode workers at once.
#pragma once

#include <memory>
#include <vector>

#include "config/config.h"
#include "formats/value_parse.h"
#include "pipeline/transform.h"

namespace sluice {

class TransformChain {
 public:
  // Prepares every transform of `pipeline` over blocks of `input` (the decoded columns) and plans
  // the conversion to `table`. All errors at once, each naming its config path, e.g.
  //   pipelines.p.transforms.bots.where: at 5: unknown column 'ipp' (did you mean 'ip'?)
  static Result<std::unique_ptr<TransformChain>> Create(const PipelineConfig& pipeline,
                                                        SchemaPtr input, SchemaPtr table,
                                                        const std::string& server_timezone,
                                                        const TransformContext& context);

  // True when blocks pass unchanged (no transform, and the input is the table's schema).
  bool passthrough() const { return passthrough_; }
  // True if some step needs rows in source order (Transform::ordered()).
  bool ordered() const {
    for (const auto& s : steps_)
      if (s->ordered()) return true;
    return false;
  }

  // Turns a block of the input schema into one of the table schema. Rows that a step cannot
  // process go to `reject` and are removed.
  Status Apply(Block& block, const RejectFn& reject) const;

 private:
  struct Target {
    int from = -1;         // column of the last step's output, or -1: the type's default
    bool convert = false;  // from's type differs from the table's: convert value by value
  };
  Status Conform(Block& block, const RejectFn& reject) const;

  std::vector<std::unique_ptr<Transform>> steps_;
  SchemaPtr last_;  // output schema of the last step
  SchemaPtr table_;
  std::vector<Target> targets_;  // per table column
  TimeZones zones_;
  bool passthrough_ = false;
};

// True if values of type `from` can be stored in a column of type `to` (exactly or converted
// value by value with range checks).
bool CanConvert(const DataType& from, const DataType& to);
// Appends row `row` of `src` (type `from`) to `dst` (type `to`), converted.
Status ConvertValue(const Column& src, const DataType& from, size_t row, const DataType& to,
                    Column& dst, const TimeZones& zones);

}  // namespace sluice
