#include "pipeline/budget.h"

#include <chrono>

#include "core/status.h"

namespace sluice {

bool ByteBudget::Acquire(uint64_t n, const std::function<bool()>& cancelled,
                         const std::function<void()>& idle) {
  std::unique_lock lock(mu_);
  auto fits = [&] { return used_ == 0 || used_ + n <= limit_; };
  if (!fits()) {
    const auto start = std::chrono::steady_clock::now();
    // Wake now and then to notice cancellation (set by another thread without our mutex).
    auto last_idle = start;
    while (!fits() && !cancelled()) {
      cv_.wait_for(lock, std::chrono::milliseconds(50));
      if (idle && std::chrono::steady_clock::now() - last_idle >= std::chrono::milliseconds(100)) {
        lock.unlock();
        idle();
        lock.lock();
        last_idle = std::chrono::steady_clock::now();
      }
    }
    waited_ns_ += static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                            std::chrono::steady_clock::now() - start)
                                            .count());
    if (!fits()) return false;
  }
  used_ += n;
  return true;
}

void ByteBudget::Release(uint64_t n) {
  {
    std::lock_guard lock(mu_);
    SLUICE_CHECK(used_ >= n);
    used_ -= n;
  }
  cv_.notify_all();
}

}  // namespace sluice
