// The /metrics page: every pipeline's counters in the Prometheus text exposition format 0.0.4.
//
// Per pipeline (label `pipeline`): rows read / inserted / dead-lettered, bytes read, confirmed
// INSERTs, retries by reason, the INSERT latency histogram, queue depths, batches in flight and
// the checkpoint lag (bytes read whose positions are not yet committable). Process-wide: whether
// the process is ready, and the memory budget.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "pipeline/stats.h"

namespace sluice {

// What one pipeline exposes; `stats` must stay valid while rendering.
struct PipelineMetrics {
  std::string name;
  const PipelineStats* stats = nullptr;
  uint64_t queued_pieces = 0;  // read, waiting for a decode worker
};

struct ProcessMetrics {
  bool ready = false;
  uint64_t budget_used_bytes = 0;
  uint64_t budget_limit_bytes = 0;
  double budget_wait_seconds = 0;  // time readers spent blocked on the budget
};

// The Content-Type of RenderMetrics' output.
inline constexpr const char* kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

std::string RenderMetrics(const ProcessMetrics& process,
                          const std::vector<PipelineMetrics>& pipelines);

// A label value with `\`, `"` and newlines escaped (without the quotes).
std::string EscapeLabelValue(std::string_view value);

}  // namespace sluice
