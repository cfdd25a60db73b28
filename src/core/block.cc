#include "core/block.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "core/status.h"

namespace sluice {

int Schema::IndexOf(std::string_view name) const {
  for (size_t i = 0; i < columns.size(); ++i)
    if (columns[i].name == name) return static_cast<int>(i);
  return -1;
}

Block::Block(SchemaPtr schema) : schema_(std::move(schema)) {
  columns_.reserve(schema_->columns.size());
  for (const auto& c : schema_->columns) columns_.emplace_back(c.type);
  present_.assign(schema_->columns.size(), 0);
}

size_t Block::byte_size() const {
  size_t n = rows_.size() * sizeof(RowRef) + runs_.size() * sizeof(Run);
  for (const auto& c : columns_) n += c.byte_size();
  return n;
}

void Block::ReserveLike(const Block& other) {
  for (size_t i = 0; i < columns_.size(); ++i) columns_[i].ReserveLike(other.columns_[i]);
  rows_.reserve(other.rows_.size() + other.rows_.size() / 8);
  runs_.reserve(other.runs_.size() + other.runs_.size() / 8);
}

void Block::ReserveFor(size_t rows, size_t bytes) {
  if (this->rows() == 0) return;
  const double factor = std::min(static_cast<double>(rows) / static_cast<double>(this->rows()),
                                 static_cast<double>(bytes) / static_cast<double>(byte_size()));
  if (factor <= 1) return;
  for (auto& c : columns_) c.ReserveScaled(factor);
  rows_.reserve(static_cast<size_t>(static_cast<double>(rows_.size()) * factor));
}

void Block::Reset() {
  for (auto& c : columns_) c.Clear();
  std::fill(present_.begin(), present_.end(), 0);
  runs_.clear();
  rows_.clear();
  buffers_.clear();
  checkpoint_.ranges.clear();
  budget_charge_ = 0;
  on_ack_.clear();
}

void Block::StartRun(const RowOrigin& origin, std::string_view raw) {
  SLUICE_CHECK(raw.size() <= UINT32_MAX);  // lines and messages are far shorter
  runs_.push_back(
      Run{origin.partition, origin.line != 0, origin.line, origin.position, raw.data()});
  rows_.push_back(
      RowRef{static_cast<uint32_t>(runs_.size() - 1), 0, static_cast<uint32_t>(raw.size()), 0});
}

uint32_t Block::StartLineRun(PartitionId partition, uint64_t first_line, Offset first_position,
                             const char* base) {
  SLUICE_CHECK(first_line != 0 && runs_.size() < UINT32_MAX);
  runs_.push_back(Run{partition, true, first_line, first_position, base});
  return static_cast<uint32_t>(runs_.size() - 1);
}

void Block::KeepAlive(std::shared_ptr<const void> buffer) {
  if (buffers_.empty() || buffers_.back() != buffer) buffers_.push_back(std::move(buffer));
}

void Block::RollbackRow() {
  for (auto& c : columns_) c.Truncate(rows());
}

Block Block::Select(const std::vector<size_t>& rows) const {
  Block out(schema_);
  out.present_ = present_;
  out.buffers_ = buffers_;
  for (size_t r : rows) {
    for (size_t c = 0; c < columns_.size(); ++c) out.columns_[c].AppendFrom(columns_[c], r);
    out.CommitRow(origin(r), raw(r));
  }
  return out;
}

void Block::Filter(const std::vector<uint8_t>& keep) {
  SLUICE_CHECK(keep.size() == rows());
  size_t kept = 0;
  for (uint8_t k : keep) kept += k != 0;
  if (kept == rows()) return;
  std::vector<Column> columns;
  columns.reserve(columns_.size());
  for (auto& c : columns_) {
    Column out(c.type_ptr());
    for (size_t r = 0; r < keep.size(); ++r)
      if (keep[r]) out.AppendFrom(c, r);
    columns.push_back(std::move(out));
  }
  columns_ = std::move(columns);
  size_t w = 0;
  for (size_t r = 0; r < keep.size(); ++r)
    if (keep[r]) rows_[w++] = rows_[r];  // runs stay: a kept row still points at its own
  rows_.resize(w);
}

Block Block::Reshape(SchemaPtr out, const std::vector<int>& from, std::vector<Column> added) && {
  SLUICE_CHECK(from.size() == out->columns.size());
  Block b(std::move(out));
  size_t next_added = 0;
  for (size_t i = 0; i < from.size(); ++i) {
    if (from[i] >= 0) {
      b.columns_[i] = std::move(columns_[static_cast<size_t>(from[i])]);
      b.present_[i] = present_[static_cast<size_t>(from[i])];
    } else {
      SLUICE_CHECK(next_added < added.size());
      b.columns_[i] = std::move(added[next_added++]);
      b.present_[i] = static_cast<uint32_t>(rows());  // computed for every row
    }
  }
  b.runs_ = std::move(runs_);
  b.rows_ = std::move(rows_);
  b.buffers_ = std::move(buffers_);
  b.checkpoint_ = std::move(checkpoint_);
  b.budget_charge_ = budget_charge_;
  b.on_ack_ = std::move(on_ack_);
  b.CheckInvariant();
  return b;
}

void Block::CheckInvariant() const {
  for (size_t i = 0; i < columns_.size(); ++i) {
    if (columns_[i].rows() != rows()) {
      std::fprintf(stderr, "block invariant broken: column '%s' has %zu rows, block has %zu\n",
                   schema_->columns[i].name.c_str(), columns_[i].rows(), rows());
      std::abort();
    }
  }
}

}  // namespace sluice
