// Column: the values of one ClickHouse column for the rows of a block, laid out as Native needs
// them, so encoding is a copy of buffers, never a per-row walk through generic values.
//
// Layout by storage type (LowCardinality is stored as its inner type; the encoder builds the
// dictionary):
//   fixed width (ints, floats, Date, DateTime, DateTime64, Decimal, UUID, FixedString, Enum, IPv4,
//     IPv6, Bool)       data = rows * width little-endian bytes
//   String              data = concatenated bytes, offsets[i] = end of row i in data
//   Nullable(T)         nulls[i] = 1 if row i is NULL; children[0] = T with a default where NULL
//   Array(T)            offsets[i] = cumulative element count after row i; children[0] = elements
//   Map(K, V)           offsets as Array; children = {keys, values}
//   Tuple(T...)         children[k] = element k
// Thread-safety: none; a column belongs to one block, and a block to one thread at a time.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#include "core/bytes.h"
#include "core/types.h"

namespace sluice {

// v.push_back(x) out of line, for when v is full.
template <typename T>
[[gnu::noinline, gnu::cold]] void GrowAndPushBack(std::vector<T>& v, T x) {
  v.push_back(x);
}
// v.push_back(x) with its growth out of line: inlined whole, push_back's reallocation code makes
// its caller save and restore registers on every call, though there is nearly always room.
template <typename T>
[[gnu::always_inline]] inline void PushBack(std::vector<T>& v, T x) {
  if (v.size() == v.capacity()) [[unlikely]] {
    GrowAndPushBack(v, x);
    return;
  }
  v.push_back(x);
}

class Column {
 public:
  explicit Column(DataTypePtr type);
  Column(Column&&) noexcept = default;
  Column& operator=(Column&&) noexcept = default;
  Column(const Column&) = delete;
  Column& operator=(const Column&) = delete;

  const DataType& type() const { return *type_; }
  const DataTypePtr& type_ptr() const { return type_; }
  // The type the values are stored as (LowCardinality unwrapped).
  const DataType& storage() const { return *storage_; }

  size_t rows() const;
  // Bytes held (an estimate of Native size, used for batch cutting and the memory budget).
  size_t byte_size() const;

  // Removes rows [n, rows()) — used to roll back a partially converted row.
  // REQUIRES: n <= rows().
  void Truncate(size_t n);
  // Removes every value, including those of a partially appended row; capacity is kept.
  void Clear() {
    data.clear();
    offsets.clear();
    nulls.clear();
    for (auto& c : children) c.Clear();
  }
  // Reserves room for as many values as `other` holds (a previous block of the same schema), so a
  // block filled to a similar size never reallocates.
  void ReserveLike(const Column& other);
  // Reserves room for `factor` times the values it holds (factor > 1: a block's first rows
  // foretelling a full batch, so that it does not grow by doubling and copying).
  void ReserveScaled(double factor);
  // Appends the type's default value (0, "", NULL for Nullable, [] for Array …).
  void AppendDefault();
  // Appends row `row` of `other` (same type). Used to build sub-batches when isolating bad rows.
  void AppendFrom(const Column& other, size_t row);

  // The appends are forced inline: the decoder's per-value code is one large function, where the
  // compiler would otherwise leave these as calls (about 20 instructions each, several per row).
  template <typename T>
  [[gnu::always_inline]] void AppendFixed(T v) {
    data.AppendValue(v);
  }
  [[gnu::always_inline]] void AppendBytes(const void* p, size_t n) { data.Append(p, n); }
  [[gnu::always_inline]] void AppendString(std::string_view s) {
    AppendBytes(s.data(), s.size());
    PushBack<uint64_t>(offsets, data.size());
  }
  // AppendString for text inside a parser's padded input: REQUIRES s.data()[0, size + 16)
  // readable.
  [[gnu::always_inline]] void AppendStringPadded(std::string_view s) {
    data.AppendPadded(s.data(), s.size());
    PushBack<uint64_t>(offsets, data.size());
  }
  std::string_view StringAt(size_t row) const {
    const size_t begin = row == 0 ? 0 : offsets[row - 1];
    return {reinterpret_cast<const char*>(data.data()) + begin, offsets[row] - begin};
  }
  template <typename T>
  T FixedAt(size_t row) const {
    T v;
    std::memcpy(&v, data.data() + row * sizeof(T), sizeof(T));
    return v;
  }

  Bytes data;
  std::vector<uint64_t> offsets;
  std::vector<uint8_t> nulls;
  std::vector<Column> children;

 private:
  // Reserves, in this column and its children, `factor` times the values `sizes` holds.
  void ReserveFrom(const Column& sizes, double factor);
  // AppendDefault of a Tuple (each element's default) and of a fixed-width type (zero bytes).
  [[gnu::noinline]] void AppendTupleDefault();
  [[gnu::noinline]] void AppendZeros();

  DataTypePtr type_;
  const DataType* storage_;
  size_t width_;  // storage().value_width()
};

}  // namespace sluice
