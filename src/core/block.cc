#include "core/block.h"

#include <cstdio>
#include <cstdlib>

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
  size_t n = raw_.size() * sizeof(std::string_view);
  for (const auto& c : columns_) n += c.byte_size();
  return n;
}

void Block::ReserveLike(const Block& other) {
  for (size_t i = 0; i < columns_.size(); ++i) columns_[i].ReserveLike(other.columns_[i]);
  origins_.reserve(other.origins_.size() + other.origins_.size() / 8);
  raw_.reserve(other.raw_.size() + other.raw_.size() / 8);
}

void Block::CommitRow(RowOrigin origin, std::string_view raw) {
  origins_.push_back(origin);
  raw_.push_back(raw);
}

void Block::KeepAlive(std::shared_ptr<const std::string> buffer) {
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
    out.CommitRow(origins_[r], raw(r));
  }
  return out;
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
