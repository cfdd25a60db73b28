// Source positions and the acknowledgement watermark (ARCHITECTURE §1).
//
// Every block covers, per source partition, a half-open range [begin, end) of positions (Kafka
// offsets, file byte offsets). Rows dropped or dead-lettered are still covered. A source may commit
// a position only when every range below it has been acknowledged; acknowledgements may arrive in
// any order, so AckTracker keeps the ranges in flight and releases the contiguous prefix.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <vector>

namespace sluice {

// Strong types: a partition id and a position within it cannot be mixed up.
struct PartitionId {
  uint32_t value = 0;
  auto operator<=>(const PartitionId&) const = default;
};
struct Offset {
  uint64_t value = 0;
  auto operator<=>(const Offset&) const = default;
};

struct SourceRange {
  PartitionId partition;
  Offset begin;  // first position covered
  Offset end;    // one past the last position covered
};

// The set of ranges one block (or batch) covers. With parallel decoding a block may hold several
// disjoint ranges of one partition (other workers decoded the pieces in between).
struct CheckpointRanges {
  std::vector<SourceRange> ranges;
  // Adds [begin, end) of `p`, extending the last range of `p` when contiguous with it.
  void Cover(PartitionId p, Offset begin, Offset end);
  void Merge(const CheckpointRanges& other);
  bool empty() const { return ranges.empty(); }
};

// Tracks in-flight ranges per partition and yields the contiguous acknowledged prefix.
// Thread-safety: all methods are safe to call from any thread.
class AckTracker {
 public:
  // Sets where partition `p` starts (its last committed position). REQUIRES: no range of p in
  // flight.
  void Reset(PartitionId p, Offset start);
  // Registers [begin, end) as in flight. REQUIRES: begin == end of the previously registered range
  // of p (or the Reset start); ranges are registered in source order.
  void Register(PartitionId p, Offset begin, Offset end);
  // Marks [begin, end) acknowledged. Returns the new committable position of p if it advanced.
  // REQUIRES: [begin, end) is exactly one registered range or several adjacent ones, none of
  // them acknowledged yet.
  std::optional<Offset> Ack(PartitionId p, Offset begin, Offset end);
  // The position up to which everything of p is acknowledged.
  Offset Committed(PartitionId p) const;
  // True if everything registered of p is acknowledged (or p is unknown).
  bool Drained(PartitionId p) const;
  // Number of ranges registered and not yet acknowledged, over all partitions.
  size_t InFlight() const;

 private:
  struct Partition {
    Offset committed;
    Offset registered_end;
    std::map<uint64_t, std::pair<uint64_t, bool>> ranges;  // begin → (end, acked)
  };
  mutable std::mutex mu_;
  std::map<PartitionId, Partition> parts_;
};

}  // namespace sluice
