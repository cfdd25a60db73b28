// Block: a schema plus equal-length typed columns, carrying the source ranges it covers.
//
// Move-only (like ClickHouse's Chunk). Its one invariant — every column has rows() values, and
// every row has an origin — is checked in one place, CheckInvariant(), which aborts if broken.
// Origins keep each row's raw input and position so a row ClickHouse rejects later can still go
// to the dead-letter output with its bytes.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/checkpoint.h"
#include "core/column.h"

namespace sluice {

enum class DefaultKind { kNone, kDefault, kMaterialized, kAlias };

struct ColumnSpec {
  std::string name;
  DataTypePtr type;
  DefaultKind default_kind = DefaultKind::kNone;
  std::string default_expression;
};

// The columns a pipeline inserts, in order. Immutable once built; shared by all blocks.
struct Schema {
  std::vector<ColumnSpec> columns;
  int IndexOf(std::string_view name) const;
};
using SchemaPtr = std::shared_ptr<const Schema>;

// Where a row came from: enough to find it again and to dead-letter it.
struct RowOrigin {
  PartitionId partition;
  uint64_t line = 0;  // 1-based line number within the partition (0 if not line-based)
  Offset position;    // byte offset (file) or offset (Kafka) of the row
};

class Block {
 public:
  explicit Block(SchemaPtr schema);
  Block(Block&&) noexcept = default;
  Block& operator=(Block&&) noexcept = default;
  Block(const Block&) = delete;
  Block& operator=(const Block&) = delete;

  const Schema& schema() const { return *schema_; }
  const SchemaPtr& schema_ptr() const { return schema_; }
  size_t rows() const { return rows_.size(); }
  size_t byte_size() const;

  std::vector<Column>& columns() { return columns_; }
  const std::vector<Column>& columns() const { return columns_; }
  Column& column(size_t i) { return columns_[i]; }
  const Column& column(size_t i) const { return columns_[i]; }

  // Rows for which some value came from the input (per column); a column with a DEFAULT
  // expression that no row of the block set is left out of the INSERT so the server fills it.
  std::vector<uint32_t>& present() { return present_; }
  const std::vector<uint32_t>& present() const { return present_; }

  // Reserves room for as much as `other` (same schema) holds: batches are similar in size, so
  // the next one is filled without reallocation.
  void ReserveLike(const Block& other);
  // Reserves room for `rows` rows, or `bytes` bytes if that comes first, extrapolated from the
  // rows it holds: a block's first rows foretell the rest of its batch. Nothing if it is empty.
  void ReserveFor(size_t rows, size_t bytes);
  // Empties the block for reuse: no rows, buffers, checkpoint, charge or hooks; the columns keep
  // their capacity, so the next batch is filled without allocating or faulting in fresh pages.
  void Reset();
  // Records a completed row. `raw` must point into a buffer kept alive by KeepAlive() (or outlive
  // the block). REQUIRES: every column grew by exactly one value since the last row.
  void CommitRow(RowOrigin origin, std::string_view raw) {
    if (runs_.empty() || !Extend(origin, raw)) StartRun(origin, raw);
  }
  // For a reader committing many lines of one buffer: starts a run whose rows (CommitLineRow) are
  // line first_line + line_delta at position first_position + text, their bytes at base + text.
  // Spares CommitRow's per-row check of whether a row extends the last run. REQUIRES first_line
  // != 0 (lines are numbered from 1).
  uint32_t StartLineRun(PartitionId partition, uint64_t first_line, Offset first_position,
                        const char* base);
  // Records a completed row of run `run` (StartLineRun, since the last Reset).
  // REQUIRES: as CommitRow; text, size and line_delta each at most UINT32_MAX.
  void CommitLineRow(uint32_t run, size_t text, size_t size, size_t line_delta) {
    PushBack(rows_, RowRef{run, static_cast<uint32_t>(text), static_cast<uint32_t>(size),
                           static_cast<uint32_t>(line_delta)});
  }
  // Keeps an input buffer alive as long as the block: rows' raw bytes point into it (no copy).
  void KeepAlive(std::shared_ptr<const void> buffer);
  // Rolls back columns to rows() values after a partially converted row.
  void RollbackRow();

  RowOrigin origin(size_t row) const {
    const RowRef& r = rows_[row];
    const Run& run = runs_[r.run];
    if (run.by_line)
      return RowOrigin{run.partition, run.first_line + r.delta,
                       Offset{run.first_position.value + r.text}};
    return RowOrigin{run.partition, run.first_line, Offset{run.first_position.value + r.delta}};
  }
  std::string_view raw(size_t row) const {
    const RowRef& r = rows_[row];
    return std::string_view(runs_[r.run].base + r.text, r.size);
  }

  // Bytes of the global memory budget this block holds until it is acknowledged.
  uint64_t& budget_charge() { return budget_charge_; }
  uint64_t budget_charge() const { return budget_charge_; }

  CheckpointRanges& checkpoint() { return checkpoint_; }
  const CheckpointRanges& checkpoint() const { return checkpoint_; }

  // A new block with the same schema holding the given rows of this one (no checkpoint).
  Block Select(const std::vector<size_t>& rows) const;
  // Keeps only the rows whose `keep` byte is non-zero (REQUIRES keep.size() == rows()). The
  // checkpoint is unchanged: dropped rows stay covered and are acknowledged with the block.
  void Filter(const std::vector<uint8_t>& keep);
  // The same rows under schema `out`: column i of the result is column from[i] of this block
  // (moved), or the next of `added` (in order) when from[i] < 0. Origins, raw bytes, buffers,
  // checkpoint, budget charge and acknowledgement hooks move along. REQUIRES every added column has
  // rows() values.
  Block Reshape(SchemaPtr out, const std::vector<int>& from, std::vector<Column> added) &&;

  // Called once ClickHouse confirmed the block, before the source commits it (transforms make
  // their state durable here, e.g. dedup keys). Run by the acknowledging writer thread.
  std::vector<std::function<void()>>& on_ack() { return on_ack_; }
  const std::vector<std::function<void()>>& on_ack() const { return on_ack_; }

  // Aborts if a column's length differs from rows().
  void CheckInvariant() const;

 private:
  SchemaPtr schema_;
  std::vector<Column> columns_;
  std::vector<uint32_t> present_;
  // Rows' origins and raw bytes in 16 bytes a row (a RowOrigin and a string_view take 40): rows
  // come in runs — consecutive lines of one buffer, or records of one partition — and a row keeps
  // only its offsets from its run's start. A row that does not fit the last run starts a new one.
  struct Run {
    PartitionId partition;
    // Line rows: line = first_line + delta, position = first_position + text (a line's position
    // is where its bytes start). Others: line = first_line, position = first_position + delta.
    bool by_line = false;
    uint64_t first_line = 0;
    Offset first_position;
    const char* base = nullptr;  // raw bytes are at base + text
  };
  struct RowRef {
    uint32_t run, text, size, delta;
  };
  // Adds the row to the last run if it fits there.
  bool Extend(const RowOrigin& origin, std::string_view raw) {
    constexpr uint64_t kMax = UINT32_MAX;
    const Run& run = runs_.back();
    const uint64_t text = reinterpret_cast<uintptr_t>(raw.data()) -
                          reinterpret_cast<uintptr_t>(run.base);  // wraps if below base
    if (origin.partition != run.partition || text > kMax || raw.size() > kMax) return false;
    uint64_t delta;
    if (run.by_line) {
      if (origin.position.value != run.first_position.value + text) return false;
      delta = origin.line - run.first_line;  // wraps if below first_line
    } else {
      if (origin.line != run.first_line) return false;
      delta = origin.position.value - run.first_position.value;
    }
    if (delta > kMax) return false;
    rows_.push_back(RowRef{static_cast<uint32_t>(runs_.size() - 1), static_cast<uint32_t>(text),
                           static_cast<uint32_t>(raw.size()), static_cast<uint32_t>(delta)});
    return true;
  }
  void StartRun(const RowOrigin& origin, std::string_view raw);

  std::vector<Run> runs_;
  std::vector<RowRef> rows_;
  std::vector<std::shared_ptr<const void>> buffers_;
  CheckpointRanges checkpoint_;
  uint64_t budget_charge_ = 0;
  std::vector<std::function<void()>> on_ack_;
};

}  // namespace sluice
