// Specification of the acknowledgement watermark: a position is committable only when every range
// below it has been acknowledged, whatever order the acknowledgements arrive in.
#include "core/checkpoint.h"

#include <gtest/gtest.h>

#include <optional>

namespace sluice {
namespace {

constexpr PartitionId kP{0};
constexpr PartitionId kQ{7};

Offset At(uint64_t v) {
  return Offset{v};
}

// Starts kP at `start` and registers [start, e1), [e1, e2) … on `t`.
void StartWith(AckTracker& t, uint64_t start, std::initializer_list<uint64_t> ends) {
  t.Reset(kP, At(start));
  uint64_t b = start;
  for (uint64_t e : ends) {
    t.Register(kP, At(b), At(e));
    b = e;
  }
}

// --- AckTracker ----------------------------------------------------------------------------------

TEST(AckTracker, UnknownPartitionIsCommittedAtZero) {
  AckTracker t;
  EXPECT_EQ(t.Committed(kQ), At(0));
  EXPECT_EQ(t.InFlight(), 0u);
}

TEST(AckTracker, ResetSetsTheStartPosition) {
  AckTracker t;
  t.Reset(kP, At(1000));
  EXPECT_EQ(t.Committed(kP), At(1000));
}

TEST(AckTracker, RegisterContinuesFromTheResetStart) {
  AckTracker t;
  StartWith(t, 1000, {1100});
  EXPECT_EQ(t.Committed(kP), At(1000));
  EXPECT_EQ(t.Ack(kP, At(1000), At(1100)), std::optional<Offset>(At(1100)));
}

TEST(AckTracker, InOrderAcksAdvance) {
  AckTracker t;
  StartWith(t, 0, {10, 20, 30});
  EXPECT_EQ(t.Ack(kP, At(0), At(10)), std::optional<Offset>(At(10)));
  EXPECT_EQ(t.Committed(kP), At(10));
  EXPECT_EQ(t.Ack(kP, At(10), At(20)), std::optional<Offset>(At(20)));
  EXPECT_EQ(t.Ack(kP, At(20), At(30)), std::optional<Offset>(At(30)));
  EXPECT_EQ(t.Committed(kP), At(30));
}

TEST(AckTracker, DrainedOnlyOnceEveryRegisteredRangeIsAcked) {
  AckTracker t;
  EXPECT_TRUE(t.Drained(kQ));
  StartWith(t, 0, {10, 20});
  EXPECT_FALSE(t.Drained(kP));
  t.Ack(kP, At(10), At(20));
  EXPECT_FALSE(t.Drained(kP));  // a gap below the acknowledged range
  t.Ack(kP, At(0), At(10));
  EXPECT_TRUE(t.Drained(kP));
  EXPECT_TRUE(t.Drained(kQ));
}

TEST(AckTracker, AckAboveAGapDoesNotAdvance) {
  AckTracker t;
  StartWith(t, 0, {10, 20, 30});
  EXPECT_EQ(t.Ack(kP, At(20), At(30)), std::nullopt);
  EXPECT_EQ(t.Committed(kP), At(0));
}

TEST(AckTracker, OutOfOrderCommitsOnlyTheContiguousPrefix) {
  AckTracker t;
  StartWith(t, 0, {10, 20, 30});
  EXPECT_EQ(t.Ack(kP, At(20), At(30)), std::nullopt);                  // 3rd
  EXPECT_EQ(t.Ack(kP, At(0), At(10)), std::optional<Offset>(At(10)));  // 1st: past it only
  EXPECT_EQ(t.Committed(kP), At(10));
  EXPECT_EQ(t.Ack(kP, At(10), At(20)), std::optional<Offset>(At(30)));  // 2nd: to end of 3rd
  EXPECT_EQ(t.Committed(kP), At(30));
}

TEST(AckTracker, ReverseOrderReleasesEverythingAtTheLastAck) {
  AckTracker t;
  StartWith(t, 5, {10, 20, 30, 40});
  EXPECT_EQ(t.Ack(kP, At(30), At(40)), std::nullopt);
  EXPECT_EQ(t.Ack(kP, At(20), At(30)), std::nullopt);
  EXPECT_EQ(t.Ack(kP, At(10), At(20)), std::nullopt);
  EXPECT_EQ(t.Committed(kP), At(5));
  EXPECT_EQ(t.Ack(kP, At(5), At(10)), std::optional<Offset>(At(40)));
}

TEST(AckTracker, PartitionsAreIndependent) {
  AckTracker t;
  t.Reset(kP, At(0));
  t.Reset(kQ, At(500));
  t.Register(kP, At(0), At(10));
  t.Register(kQ, At(500), At(600));
  t.Register(kP, At(10), At(20));
  EXPECT_EQ(t.Ack(kQ, At(500), At(600)), std::optional<Offset>(At(600)));
  EXPECT_EQ(t.Committed(kP), At(0));
  EXPECT_EQ(t.Ack(kP, At(10), At(20)), std::nullopt);
  EXPECT_EQ(t.Committed(kQ), At(600));
  EXPECT_EQ(t.Ack(kP, At(0), At(10)), std::optional<Offset>(At(20)));
}

TEST(AckTracker, InFlightCountsUnacknowledgedRanges) {
  AckTracker t;
  StartWith(t, 0, {10, 20, 30});
  EXPECT_EQ(t.InFlight(), 3u);
  (void)t.Ack(kP, At(20), At(30));
  EXPECT_EQ(t.InFlight(), 2u);  // acked but held behind a gap: not in flight
  (void)t.Ack(kP, At(0), At(10));
  EXPECT_EQ(t.InFlight(), 1u);
  (void)t.Ack(kP, At(10), At(20));
  EXPECT_EQ(t.InFlight(), 0u);
}

TEST(AckTracker, InFlightSumsOverPartitions) {
  AckTracker t;
  t.Reset(kP, At(0));
  t.Reset(kQ, At(0));
  t.Register(kP, At(0), At(1));
  t.Register(kQ, At(0), At(1));
  t.Register(kQ, At(1), At(2));
  EXPECT_EQ(t.InFlight(), 3u);
}

TEST(AckTracker, ResetAfterEverythingAckedMovesTheStart) {
  AckTracker t;
  StartWith(t, 0, {10});
  (void)t.Ack(kP, At(0), At(10));
  t.Reset(kP, At(100));
  EXPECT_EQ(t.Committed(kP), At(100));
  t.Register(kP, At(100), At(110));
  EXPECT_EQ(t.Ack(kP, At(100), At(110)), std::optional<Offset>(At(110)));
}

TEST(AckTrackerDeathTest, RegisterWithAGapAborts) {
  AckTracker t;
  StartWith(t, 0, {10});
  EXPECT_DEATH(t.Register(kP, At(11), At(20)), "invariant failed");
}

TEST(AckTrackerDeathTest, DoubleAckAborts) {
  AckTracker t;
  StartWith(t, 0, {10, 20});
  (void)t.Ack(kP, At(10), At(20));
  EXPECT_DEATH((void)t.Ack(kP, At(10), At(20)), "invariant failed");
}

// --- CheckpointRanges ----------------------------------------------------------------------------

TEST(CheckpointRanges, StartsEmpty) {
  EXPECT_TRUE(CheckpointRanges{}.empty());
}

TEST(CheckpointRanges, CoverMergesContiguousRangesOfOnePartition) {
  CheckpointRanges r;
  r.Cover(kP, At(0), At(10));
  r.Cover(kP, At(10), At(25));
  ASSERT_EQ(r.ranges.size(), 1u);
  EXPECT_EQ(r.ranges[0].begin, At(0));
  EXPECT_EQ(r.ranges[0].end, At(25));
  EXPECT_FALSE(r.empty());
}

TEST(CheckpointRanges, CoverKeepsOneRangePerPartition) {
  CheckpointRanges r;
  r.Cover(kP, At(0), At(10));
  r.Cover(kQ, At(100), At(110));
  r.Cover(kP, At(10), At(20));
  ASSERT_EQ(r.ranges.size(), 2u);
  EXPECT_EQ(r.ranges[0].partition, kP);
  EXPECT_EQ(r.ranges[0].end, At(20));
  EXPECT_EQ(r.ranges[1].partition, kQ);
  EXPECT_EQ(r.ranges[1].begin, At(100));
  EXPECT_EQ(r.ranges[1].end, At(110));
}

TEST(CheckpointRanges, MergeExtendsEachPartition) {
  CheckpointRanges a, b;
  a.Cover(kP, At(0), At(10));
  b.Cover(kP, At(10), At(30));
  b.Cover(kQ, At(5), At(6));
  a.Merge(b);
  ASSERT_EQ(a.ranges.size(), 2u);
  EXPECT_EQ(a.ranges[0].begin, At(0));
  EXPECT_EQ(a.ranges[0].end, At(30));
  EXPECT_EQ(a.ranges[1].partition, kQ);
}

// Parallel decoding: a block may hold disjoint pieces of one partition.
TEST(CheckpointRanges, NonContiguousCoverAddsASecondRange) {
  CheckpointRanges r;
  r.Cover(kP, At(0), At(10));
  r.Cover(kP, At(20), At(30));
  ASSERT_EQ(r.ranges.size(), 2u);
  EXPECT_EQ(r.ranges[0].end, At(10));
  EXPECT_EQ(r.ranges[1].begin, At(20));
  EXPECT_EQ(r.ranges[1].end, At(30));
}

TEST(CheckpointRangesDeathTest, BackwardsRangeAborts) {
  CheckpointRanges r;
  EXPECT_DEATH(r.Cover(kP, At(10), At(5)), "invariant failed");
}

TEST(AckTracker, OneAckMayCoverAdjacentRegisteredRanges) {
  AckTracker t;
  t.Reset(kP, At(0));
  t.Register(kP, At(0), At(10));
  t.Register(kP, At(10), At(20));
  t.Register(kP, At(20), At(30));
  EXPECT_EQ(t.Ack(kP, At(0), At(20)), At(20));
  EXPECT_EQ(t.InFlight(), 1u);
}

TEST(AckTrackerDeathTest, AckNotOnRangeBoundariesAborts) {
  AckTracker t;
  t.Reset(kP, At(0));
  t.Register(kP, At(0), At(10));
  t.Register(kP, At(10), At(20));
  EXPECT_DEATH((void)t.Ack(kP, At(0), At(15)), "invariant failed");
}

}  // namespace
}  // namespace sluice
