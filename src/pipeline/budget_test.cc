#include "pipeline/budget.h"

#include <gtest/gtest.h>

#include <thread>

namespace sluice {
namespace {

TEST(ByteBudget, AcquireWithinLimitDoesNotBlock) {
  ByteBudget b(100);
  std::atomic<bool> cancel{false};
  EXPECT_TRUE(b.Acquire(60, [&] { return cancel.load(); }));
  EXPECT_TRUE(b.Acquire(40, [&] { return cancel.load(); }));
  EXPECT_EQ(b.used(), 100u);
}

TEST(ByteBudget, OversizedPieceMovesWhenNothingIsHeld) {
  ByteBudget b(10);
  std::atomic<bool> cancel{false};
  EXPECT_TRUE(b.Acquire(50, [&] { return cancel.load(); }));
  EXPECT_EQ(b.used(), 50u);
}

TEST(ByteBudget, AcquireWaitsForRelease) {
  ByteBudget b(100);
  std::atomic<bool> cancel{false};
  ASSERT_TRUE(b.Acquire(80, [&] { return cancel.load(); }));
  std::atomic<bool> got{false};
  std::thread t([&] { got = b.Acquire(50, [&] { return cancel.load(); }); });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_FALSE(got.load()) << "must wait while 80 + 50 > 100";
  b.Release(80);
  t.join();
  EXPECT_TRUE(got.load());
  EXPECT_EQ(b.used(), 50u);
  EXPECT_GT(b.waited_ns(), 0u);
}

TEST(ByteBudget, CancelledAcquireTakesNothing) {
  ByteBudget b(100);
  std::atomic<bool> cancel{false};
  ASSERT_TRUE(b.Acquire(100, [&] { return cancel.load(); }));
  std::thread t([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(60));
    cancel = true;
  });
  EXPECT_FALSE(b.Acquire(1, [&] { return cancel.load(); }));
  t.join();
  EXPECT_EQ(b.used(), 100u);
}

}  // namespace
}  // namespace sluice
