// ByteBudget: one global limit on the bytes all pipelines hold between reading and
// acknowledgement (ARCHITECTURE §1, backpressure). Readers Acquire() what they read before handing
// it on and block while the budget is spent; a batch's bytes are Released when ClickHouse has
// confirmed it. So when ClickHouse is slow or down, reading stops and memory stays flat.
// Thread-safety: all methods are safe from any thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>

namespace sluice {

class ByteBudget {
 public:
  explicit ByteBudget(uint64_t limit) : limit_(limit) {}

  // Blocks until `n` bytes fit (or nothing at all is held, so one oversized piece still moves),
  // or `cancelled()` turns true (then returns false and takes nothing). While it waits, `idle`
  // (if set) is called about every 100 ms without any lock held (a source serves its protocol).
  bool Acquire(uint64_t n, const std::function<bool()>& cancelled,
               const std::function<void()>& idle = {});
  void Release(uint64_t n);
  uint64_t used() const { return used_.load(); }
  uint64_t limit() const { return limit_; }
  // Nanoseconds readers spent waiting for budget (a backpressure signal for metrics).
  uint64_t waited_ns() const { return waited_ns_.load(); }

 private:
  const uint64_t limit_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::atomic<uint64_t> used_{0};
  std::atomic<uint64_t> waited_ns_{0};
};

}  // namespace sluice
