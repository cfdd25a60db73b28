// Counters of one pipeline, updated by its threads and read by the progress line, the summary and
// the /metrics endpoint (server/metrics.h).
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace sluice {

// Durations in fixed buckets (Prometheus histogram), lock-free.
class LatencyHistogram {
 public:
  // Upper bounds in seconds; a final +Inf bucket follows.
  static constexpr std::array<double, 13> kBounds{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                                                  1,     2.5,  5,     10,   30,  60};
  static constexpr size_t kBuckets = kBounds.size() + 1;

  struct Snapshot {
    std::array<uint64_t, kBuckets> counts{};  // per bucket, not cumulative
    uint64_t count = 0;
    double sum = 0;  // seconds
  };

  void Observe(double seconds) {
    size_t i = 0;
    while (i < kBounds.size() && seconds > kBounds[i]) ++i;
    buckets_[i].fetch_add(1, std::memory_order_relaxed);
    const double us = seconds > 0 ? seconds * 1e6 : 0;
    sum_us_.fetch_add(static_cast<uint64_t>(us + 0.5), std::memory_order_relaxed);
  }

  Snapshot Read() const {
    Snapshot s;
    for (size_t i = 0; i < kBuckets; ++i) {
      s.counts[i] = buckets_[i].load(std::memory_order_relaxed);
      s.count += s.counts[i];
    }
    s.sum = static_cast<double>(sum_us_.load(std::memory_order_relaxed)) / 1e6;
    return s;
  }

 private:
  std::array<std::atomic<uint64_t>, kBuckets> buckets_{};
  std::atomic<uint64_t> sum_us_{0};
};

// Counts by a short label (e.g. retry reasons: "code_252", "http_503", "connect").
class LabelCounter {
 public:
  void Add(const std::string& label, uint64_t n = 1) {
    std::lock_guard lock(mu_);
    counts_[label] += n;
  }
  std::map<std::string, uint64_t> Read() const {
    std::lock_guard lock(mu_);
    return counts_;
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, uint64_t> counts_;
};

// Bytes whose positions the source may commit (the contiguous acknowledged prefix), per
// partition. Each range handed on is recorded with its bytes (file: its length; Kafka: its
// messages' sizes), so that offsets of any kind convert back to bytes.
class CommitProgress {
 public:
  // Reading of `partition` starts (again): forgets what was recorded of it.
  void Start(uint32_t partition) {
    std::lock_guard lock(mu_);
    pending_[partition].clear();
  }
  // A range of `partition` ending at position `end` holds `bytes`. Ranges are added in order.
  void Add(uint32_t partition, uint64_t end, uint64_t bytes) {
    std::lock_guard lock(mu_);
    pending_[partition][end] += bytes;
  }
  // `partition` is committable up to `upto`. Calls may arrive out of order: only advances count.
  void Advance(uint32_t partition, uint64_t upto) {
    std::lock_guard lock(mu_);
    auto it = pending_.find(partition);
    if (it == pending_.end()) return;
    auto& ranges = it->second;
    while (!ranges.empty() && ranges.begin()->first <= upto) {
      bytes_ += ranges.begin()->second;
      ranges.erase(ranges.begin());
    }
  }
  uint64_t bytes() const {
    std::lock_guard lock(mu_);
    return bytes_;
  }

 private:
  mutable std::mutex mu_;
  std::map<uint32_t, std::map<uint64_t, uint64_t>> pending_;  // partition → end → bytes
  uint64_t bytes_ = 0;
};

// Counters of a Kafka source (zero for other sources).
struct KafkaStats {
  std::atomic<uint64_t> commits{0};          // offset commits the broker confirmed
  std::atomic<uint64_t> commit_failures{0};  // offset commits the broker refused (retried later)
  std::atomic<uint64_t> assigned{0};         // partitions assigned by rebalances
  std::atomic<uint64_t> revoked{0};          // partitions revoked (or lost) by rebalances
  std::atomic<uint64_t> rebalances{0};       // rebalance events
  std::atomic<uint64_t> paused_ns{0};        // finished pauses (fetching paused for backpressure)
  std::atomic<bool> paused{false};
  std::atomic<int64_t> paused_since_ns{0};  // steady-clock start of the current pause, if paused

  // Seconds paused so far, the current pause included.
  double PausedSeconds() const {
    uint64_t ns = paused_ns.load();
    if (paused.load()) {
      const int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                              std::chrono::steady_clock::now().time_since_epoch())
                              .count();
      const int64_t since = paused_since_ns.load();
      if (since > 0 && now > since) ns += static_cast<uint64_t>(now - since);
    }
    return static_cast<double>(ns) / 1e9;
  }
  std::atomic<uint64_t> tombstones{0};  // messages without a value (covered, not rows)

  // Lag per partition ("topic/partition" → high watermark − committed offset).
  void SetLag(std::map<std::string, int64_t> lag) {
    std::lock_guard lock(mu_);
    lag_ = std::move(lag);
  }
  std::map<std::string, int64_t> Lag() const {
    std::lock_guard lock(mu_);
    return lag_;
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, int64_t> lag_;
};

struct PipelineStats {
  std::atomic<uint64_t> bytes_read{0};
  std::atomic<uint64_t> rows_read{0};      // non-blank input lines
  std::atomic<uint64_t> rows_inserted{0};  // confirmed by ClickHouse
  std::atomic<uint64_t> rows_dead_lettered{0};
  std::atomic<uint64_t> rows_filtered{0};  // dropped by transforms (filter), still acknowledged
  std::atomic<uint64_t> batches{0};        // INSERTs confirmed
  std::atomic<uint64_t> retries{0};        // INSERT attempts that failed and were retried
  LabelCounter retry_reasons;              // the same attempts by Classified::reason
  LatencyHistogram insert_seconds;         // duration of each confirmed INSERT request
  CommitProgress committed;                // checkpoint lag = bytes_read - committed.bytes()
  // Writer gauges: batches waiting for a sender, and INSERTs being sent (with their retries).
  std::atomic<uint64_t> queued_batches{0};
  std::atomic<uint64_t> inflight_batches{0};
  KafkaStats kafka;
  // Transforms: events by "<transform>/<event>" (dedup: duplicate, first; enrich: hit, miss,
  // missing, lookup_error …) and the latency of enrich lookups.
  LabelCounter transform_events;
  LatencyHistogram lookup_seconds;

  void SetWriterDepth(size_t queued, size_t inflight) {
    queued_batches.store(queued, std::memory_order_relaxed);
    inflight_batches.store(inflight, std::memory_order_relaxed);
  }
};

}  // namespace sluice
