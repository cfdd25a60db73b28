// Transform: one step between decoding and the sink (filter, map, …), columnar: it works on a
// whole block at a time.
//
// A transform is prepared once, at start-up, with the schema of the blocks it will receive, and
// says the schema of the blocks it produces; every expression is type-checked then, so a mistake
// stops start-up with the config path and the position in the expression. Rows it drops stay
// covered by the block's checkpoint (they are acknowledged with it); rows it cannot process are
// reported and go to the dead-letter output.
//
// Thread-safety: Apply() runs on several decode workers at once; a prepared transform must be
// safe for that (immutable, or guarding its own state).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "core/block.h"

namespace sluice {

// Sends row `row` of the block, as the block is at the time of the call (a transform calls it
// before removing the row), to the dead-letter output with `reason`.
using RejectFn = std::function<Status(size_t row, const std::string& reason)>;

class Transform {
 public:
  virtual ~Transform() = default;
  // Checks the configuration against `input` and returns the schema of the blocks Apply()
  // produces. Errors name the problem (the caller adds the config path).
  virtual Result<SchemaPtr> Prepare(SchemaPtr input) = 0;
  // Transforms `block` (of the input schema) into a block of the output schema. A row it cannot
  // process is passed to `reject` (before the block changes) and is absent from the result.
  // REQUIRES: Prepare() succeeded.
  virtual Status Apply(Block& block, const RejectFn& reject) = 0;
  // True if Apply() must see each partition's rows in source order (dedup: the first event wins);
  // the pipeline then decodes with a single worker.
  virtual bool ordered() const { return false; }
};

struct PipelineStats;

// What the pipeline offers a transform.
struct TransformContext {
  std::string pipeline;            // the pipeline's name
  std::string state_dir;           // where transforms keep state (default paths)
  PipelineStats* stats = nullptr;  // counters (transform events, lookup latency); outlives it
  // A stable name of a source partition ("kafka:clicks/3"), for state kept per partition.
  std::function<std::string(PartitionId)> partition_name;
  // True once the pipeline gives up (it failed, or a second stop signal): a transform waiting
  // for a server (PostgreSQL, Redis) returns kCancelled instead of waiting on.
  std::function<bool()> cancelled;
  // The target table's columns, and which of `values` already are in its column `column`
  // (compared as toString(column)); for dedup's check after a crash.
  SchemaPtr table;
  std::function<Result<std::vector<std::string>>(const std::string& column,
                                                 const std::vector<std::string>& values)>
      existing_in_table;
};

using TransformFactory =
    std::function<std::unique_ptr<Transform>(const TransformConfig&, const TransformContext&)>;
// The registry: one line per transform type (registry.cc).
const std::map<std::string, TransformFactory>& TransformRegistry();

}  // namespace sluice
