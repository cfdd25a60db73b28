// Names the calling thread (as `top -H`, `perf` and debuggers show it), e.g. "decode/clicks".
// Linux keeps 15 bytes; longer names are cut. Thread-safety: affects only the calling thread.
#pragma once

#include <pthread.h>

#include <string>

namespace sluice {

inline void NameThisThread(const std::string& name) {
  pthread_setname_np(pthread_self(), name.substr(0, 15).c_str());
}

}  // namespace sluice
