// CityHash128 as in CityHash v1.0.2 — the version ClickHouse bundles (contrib/cityhash102) and uses
// for the checksum of its compressed blocks. Later CityHash releases (1.0.3, 1.1) changed the
// algorithm and give different values: this one must not be swapped for them.
#pragma once

#include <cstddef>
#include <cstdint>

namespace sluice {

struct CityHash128Value {
  uint64_t low = 0;   // written first (little-endian) in a ClickHouse block checksum
  uint64_t high = 0;  // written second
  bool operator==(const CityHash128Value&) const = default;
};

CityHash128Value CityHash128V102(const char* data, size_t len);

}  // namespace sluice
