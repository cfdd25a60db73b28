// Counters of one pipeline, updated by its threads and read by the progress line and summary.
#pragma once

#include <atomic>
#include <cstdint>

namespace sluice {

struct PipelineStats {
  std::atomic<uint64_t> bytes_read{0};
  std::atomic<uint64_t> rows_read{0};          // non-blank input lines
  std::atomic<uint64_t> rows_inserted{0};      // confirmed by ClickHouse
  std::atomic<uint64_t> rows_dead_lettered{0};
  std::atomic<uint64_t> batches{0};            // INSERTs confirmed
  std::atomic<uint64_t> retries{0};            // INSERT attempts that failed and were retried
};

}  // namespace sluice
