// The ClickHouse type system, parsed from the type strings in `system.columns.type`.
//
// A DataType is an immutable tree (Nullable(Array(String)) has two children levels). It knows its
// Native layout: fixed-width types report value_width() > 0; String, Array, Map, Tuple, Nullable and
// LowCardinality are composite and described by TypeId + children.
// Thread-safety: immutable after parsing; share freely via DataTypePtr.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace sluice {

enum class TypeId {
  kUInt8, kUInt16, kUInt32, kUInt64,
  kInt8, kInt16, kInt32, kInt64,
  kFloat32, kFloat64,
  kBool,          // Native: one byte 0/1 (servers ≥ 21.12)
  kString,
  kFixedString,   // fixed_size bytes, zero padded
  kDate,          // UInt16 days since 1970-01-01
  kDateTime,      // UInt32 seconds since epoch; optional timezone
  kDateTime64,    // Int64 ticks of 10^-precision s; optional timezone (servers ≥ 20.1)
  kUUID,          // 16 bytes: two little-endian UInt64 halves, high half first
  kEnum8, kEnum16,
  kDecimal,       // Int32/Int64/Int128/Int256 by precision, scaled by 10^scale
  kIPv4,          // UInt32 (servers ≥ 20.x)
  kIPv6,          // 16 bytes network order (servers ≥ 20.x)
  kNullable,      // children[0]; Native: null map (UInt8) then nested column
  kArray,         // children[0]; Native: UInt64 cumulative offsets then nested column
  kTuple,         // children[i]; Native: each element column in turn
  kMap,           // children = {key, value}; Native: as Array(Tuple(key, value)) (servers ≥ 21.x)
  kLowCardinality,// children[0]; Native: dictionary + indexes
  kNothing,
};

struct DataType;
using DataTypePtr = std::shared_ptr<const DataType>;

struct DataType {
  TypeId id = TypeId::kNothing;
  std::string name;                 // canonical text, e.g. "Nullable(String)"
  uint32_t fixed_size = 0;          // FixedString(N)
  uint32_t precision = 0;           // Decimal(P, S), DateTime64(P)
  uint32_t scale = 0;               // Decimal(P, S)
  std::string timezone;             // DateTime('tz'), DateTime64(P, 'tz'); empty = server default
  std::vector<std::pair<std::string, int16_t>> enum_values;  // Enum8/16 name → value
  std::vector<DataTypePtr> children;
  std::vector<std::string> element_names;  // named Tuple elements (empty if unnamed)

  // Bytes per value in Native for fixed-width types (incl. Decimal, UUID, FixedString, Enum),
  // 0 for String and composite types.
  size_t value_width() const;
  bool is_numeric_int() const;     // (U)Int8..64
  bool is_signed_int() const;
  // True for types 18.16 lacks (IPv4, IPv6, Bool, Map, DateTime64) anywhere in the tree.
  bool needs_newer_server() const;
  // The type with LowCardinality wrappers removed (what a value converts into).
  const DataType& storage() const { return id == TypeId::kLowCardinality ? *children[0] : *this; }
};

// Parses a ClickHouse type string. Aliases are normalised (Decimal32(S) → Decimal(9, S),
// BOOLEAN → Bool, INT → Int32 …). Errors name the position of the problem.
Result<DataTypePtr> ParseType(std::string_view text);

}  // namespace sluice
