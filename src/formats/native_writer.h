// EncodeNative: a Block → ClickHouse's Native format, as the body of `INSERT INTO t (cols) FORMAT
// Native` over HTTP.
//
// Wire layout (HTTP has no BlockInfo; integers are little-endian; "varint" is unsigned LEB128):
//   varint number of columns, varint number of rows, then per column:
//     String name (varint length + bytes), String type name (DataType::name), column data.
//   A block with 0 rows has no column data at all (ClickHouse writes and reads nothing then).
//   Column data, in bulk (all rows of one column together):
//     (U)Int8..64, Float32/64   the values
//     Bool                      UInt8 0/1                                   (servers ≥ 21.12)
//     Date                      UInt16 days since 1970-01-01
//     DateTime[('tz')]          UInt32 seconds since the epoch (tz only affects text)
//     DateTime64(P[, 'tz'])     Int64 ticks of 10^-P s since the epoch      (servers ≥ 20.1)
//     Enum8 / Enum16            Int8 / Int16 value
//     Decimal(P, S)             Int32 (P ≤ 9) / Int64 (≤ 18) / Int128 (≤ 38) / Int256, the value
//                               times 10^S, two's complement little-endian
//     FixedString(N)            N bytes, zero padded
//     UUID                      two UInt64, high half first, each little-endian: the text
//                               'aabbccdd-eeff-0011-2233-445566778899' is the bytes
//                               11 00 ff ee dd cc bb aa  99 88 77 66 55 44 33 22
//                               (checked against 18.16's own Native output)
//     IPv4                      UInt32 of the address as a number: 1.2.3.4 = 0x01020304, so the
//                               bytes are 04 03 02 01                     (servers ≥ 20.x)
//     IPv6                      16 bytes in network order (as inet_pton)   (servers ≥ 20.x)
//     String                    per row: varint length + bytes
//     Nullable(T)               null map (one UInt8 per row, 1 = NULL), then T for all rows
//                               (NULL rows hold T's default)
//     Array(T)                  UInt64 cumulative offsets per row, then T for all elements
//     Tuple(T1, ...)            each element column in turn
//     Map(K, V)                 as Array(Tuple(K, V)): offsets, keys column, values column
//     LowCardinality(T)         see below
//
// LowCardinality (ClickHouse DataTypeLowCardinality / SerializationLowCardinality, Native variant:
// no shared global dictionary, every block carries its own keys as "additional keys"):
//   Before any column data of the column, one UInt64 KeysSerializationVersion = 1 per
//   LowCardinality in the type tree, in depth-first order (so for Array(LowCardinality(String))
//   the version comes before the array offsets). Then, where the column's data goes:
//     UInt64 flags = index type (0 UInt8, 1 UInt16, 2 UInt32, 3 UInt64; the narrowest that holds
//                    every key position) | HasAdditionalKeysBit (1 << 9)
//                    | NeedUpdateDictionary (1 << 10)  — what ClickHouse itself writes; readers
//                    ignore bit 10 unless NeedGlobalDictionaryBit (1 << 8) is set, which Native
//                    never sets.
//     UInt64 number of keys, the keys serialized in bulk as T without Nullable,
//     UInt64 number of rows, the per-row key positions in the index type.
//   For LowCardinality(Nullable(T)) key 0 is NULL (its bytes are T's default); NULL rows point at
//   it. A LowCardinality nested in an Array whose rows hold no elements writes only its version.
//
// 18.16 and LowCardinality: with NativeOptions::low_cardinality_native = false the column is
// declared as T instead. Checked against 18.16.1 over HTTP: the server does NOT convert such a
// column into the table's LowCardinality(T) for Native input, not even with
// low_cardinality_allow_in_native_format=0 (that setting only affects the TCP protocol). A
// MergeTree insert fails with "Bad cast from type DB::ColumnString to DB::ColumnLowCardinality"
// (HTTP 500); a Memory table even accepts the block and every later SELECT fails. So keep
// low_cardinality_native = true for 18.16 (it needs allow_experimental_low_cardinality_type=1
// only to CREATE such tables, not to insert into them).
//
// Thread-safety: EncodeNative is reentrant; it only reads the block.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/block.h"

namespace sluice {

struct NativeOptions {
  // true: LowCardinality(T) columns are sent in LowCardinality's dictionary encoding.
  // false: they are declared and sent as T (see above: 18.16 does not accept that over HTTP).
  bool low_cardinality_native = true;
};

// Appends one Native block with the listed columns (indices into block.columns(), in that order)
// to `out`. Column names/types come from block.schema(). REQUIRES: block.CheckInvariant() holds.
void EncodeNative(const Block& block, const std::vector<size_t>& columns, const NativeOptions& opts,
                  std::string& out);

// A Native block as a list of byte ranges, to be sent without being assembled first. Where
// Native's layout is the column's own (fixed-width values, null maps, array offsets) a range is
// the column's buffer itself; a String column's range is encoded (length + bytes per value) only
// as it is copied out; what else the encoder writes (headers, LowCardinality dictionaries, short
// columns) is kept in the body's own buffer. Sending then copies each byte once into the HTTP
// client's small, cache-resident buffer, instead of once into a batch-sized body and again from
// it.
// Valid while the block it was encoded from is alive and unchanged. Not thread-safe.
class NativeBody {
 public:
  // Bytes in all.
  size_t size() const { return size_; }
  // Copies bytes [at, at + n) to dst. REQUIRES at + n <= size(). Fastest when each call starts
  // where the previous one ended (the position is remembered).
  void CopyTo(size_t at, char* dst, size_t n) const;
  // Appends every byte to `out`.
  void AppendTo(std::string& out) const;
  void Clear();

 private:
  friend void EncodeNative(const Block&, const std::vector<size_t>&, const NativeOptions&,
                           std::string&);
  friend void EncodeNativeBody(const Block&, const std::vector<size_t>&, const NativeOptions&,
                               NativeBody&);
  friend class NativeSink;
  struct Range {
    const char* borrowed;  // nullptr: own_[offset, offset + size), unless `strings`
    size_t offset;
    size_t size;
    const Column* strings = nullptr;  // a String column, encoded as it is copied
  };
  const char* DataOf(const Range& r) const {
    return r.borrowed != nullptr ? r.borrowed : own_.data() + r.offset;
  }
  // Bytes [pos, pos + n) of strings range r (the range at cursor_range_).
  void CopyStrings(const Range& r, size_t pos, char* dst, size_t n) const;

  std::string own_;
  std::vector<Range> ranges_;
  size_t size_ = 0;
  mutable size_t cursor_range_ = 0;  // CopyTo's last range, and where it starts in the body
  mutable size_t cursor_at_ = 0;
  // In the strings range at cursor_range_, the next row to copy and where its bytes start in the
  // range.
  mutable size_t row_ = 0;
  mutable size_t row_pos_ = 0;
};

// EncodeNative into `body` (cleared first), borrowing the block's column buffers.
void EncodeNativeBody(const Block& block, const std::vector<size_t>& columns,
                      const NativeOptions& opts, NativeBody& body);

// The type name EncodeNative declares for `type` (DataType::name, or with every LowCardinality
// wrapper removed when !opts.low_cardinality_native).
std::string NativeTypeName(const DataType& type, const NativeOptions& opts);

// Text → Native bytes helpers for the JSON reader. All return false on malformed input and then
// leave `out` unspecified.

// 'aabbccdd-eeff-0011-2233-445566778899' (or the same 32 hex digits without dashes; any case) →
// the 16 UUID bytes in Native order (see above).
bool ParseUuid(std::string_view text, uint8_t out[16]);
// An IPv6 address (inet_pton syntax) → 16 bytes in network order. A dotted IPv4 address is
// accepted too and stored IPv4-mapped (::ffff:a.b.c.d), as ClickHouse does.
bool ParseIPv6(std::string_view text, uint8_t out[16]);
// A dotted-quad IPv4 address (inet_pton syntax) → its value as a number (1.2.3.4 → 0x01020304);
// store it little-endian (Column::AppendFixed) for Native.
bool ParseIPv4(std::string_view text, uint32_t* out);

}  // namespace sluice
