#include "core/checkpoint.h"

#include "core/status.h"

namespace sluice {

void CheckpointRanges::Cover(PartitionId p, Offset begin, Offset end) {
  SLUICE_CHECK(begin <= end);
  for (auto it = ranges.rbegin(); it != ranges.rend(); ++it) {
    if (it->partition != p) continue;
    if (it->end == begin) {
      it->end = end;
      return;
    }
    break;
  }
  ranges.push_back({p, begin, end});
}

void CheckpointRanges::Merge(const CheckpointRanges& other) {
  for (const auto& r : other.ranges) Cover(r.partition, r.begin, r.end);
}

void AckTracker::Reset(PartitionId p, Offset start) {
  std::lock_guard lock(mu_);
  auto& part = parts_[p];
  SLUICE_CHECK(part.ranges.empty());
  part.committed = start;
  part.registered_end = start;
}

void AckTracker::Register(PartitionId p, Offset begin, Offset end) {
  std::lock_guard lock(mu_);
  auto& part = parts_[p];
  SLUICE_CHECK(begin == part.registered_end);
  SLUICE_CHECK(end >= begin);
  if (end == begin) return;  // covers nothing: nothing to wait for
  part.ranges[begin.value] = {end.value, false};
  part.registered_end = end;
}

std::optional<Offset> AckTracker::Ack(PartitionId p, Offset begin, Offset end) {
  std::lock_guard lock(mu_);
  auto it_part = parts_.find(p);
  SLUICE_CHECK(it_part != parts_.end());
  auto& part = it_part->second;
  if (end == begin) return std::nullopt;
  // [begin, end) may span several registered ranges (a block holding adjacent pieces).
  auto it = part.ranges.find(begin.value);
  uint64_t pos = begin.value;
  while (pos < end.value) {
    SLUICE_CHECK(it != part.ranges.end() && it->first == pos && !it->second.second);
    it->second.second = true;
    pos = it->second.first;
    ++it;
  }
  SLUICE_CHECK(pos == end.value);
  const Offset before = part.committed;
  // Release the contiguous acknowledged prefix.
  while (!part.ranges.empty()) {
    auto first = part.ranges.begin();
    if (first->first != part.committed.value || !first->second.second) break;
    part.committed = Offset{first->second.first};
    part.ranges.erase(first);
  }
  if (part.committed != before) return part.committed;
  return std::nullopt;
}

Offset AckTracker::Committed(PartitionId p) const {
  std::lock_guard lock(mu_);
  auto it = parts_.find(p);
  return it == parts_.end() ? Offset{} : it->second.committed;
}

bool AckTracker::Drained(PartitionId p) const {
  std::lock_guard lock(mu_);
  auto it = parts_.find(p);
  return it == parts_.end() || it->second.committed == it->second.registered_end;
}

size_t AckTracker::InFlight() const {
  std::lock_guard lock(mu_);
  size_t n = 0;
  for (const auto& [p, part] : parts_)
    for (const auto& [b, r] : part.ranges) n += r.second ? 0 : 1;
  return n;
}

}  // namespace sluice
