// Compiled for plain x86-64 whatever SLUICE_CPU is (CMakeLists.txt), so that it can run, and
// report, on any x86-64 CPU. See cpu_guard.h.
#include "app/cpu_guard.h"

#include <unistd.h>

#include <cstdio>
#include <cstring>

namespace sluice {

// SLUICE_CPU_FEATURES and SLUICE_CPU_LEVEL: compile definitions CMake sets from SLUICE_CPU, e.g.
// "x86-64-v3", "pclmul" and "x86-64-v3 and PCLMUL".
#ifndef SLUICE_CPU_LEVEL
#define SLUICE_CPU_LEVEL "x86-64"
#endif
const char* const kRequiredCpuFeatures[] = {
#ifdef SLUICE_CPU_FEATURES
    SLUICE_CPU_FEATURES,
#endif
    nullptr};

bool CpuSupports(const char* feature) {
#if defined(__x86_64__)
  // __builtin_cpu_supports takes only string literals: one branch per name the build can require.
  if (std::strcmp(feature, "x86-64-v3") == 0) return __builtin_cpu_supports("x86-64-v3");
  if (std::strcmp(feature, "pclmul") == 0) return __builtin_cpu_supports("pclmul");
#endif
  return false;  // a name this check does not know: report it rather than crash later
}

size_t MissingCpuFeatures(const char* const* required, bool (*supports)(const char*), char* out,
                          size_t n) {
  size_t missing = 0, used = 0;
  out[0] = '\0';
  for (; *required != nullptr; ++required) {
    if (supports(*required)) continue;
    const char* parts[2] = {missing == 0 ? "" : ", ", *required};
    for (const char* part : parts)
      for (const char* c = part; *c != '\0' && used + 1 < n; ++c) out[used++] = *c;
    out[used] = '\0';
    ++missing;
  }
  return missing;
}

namespace {

// Priority 101: before every other static initializer of the binary (they may already use the
// extensions). Shared libraries' initializers run earlier, but Debian builds them for plain x86-64.
[[gnu::constructor(101)]] void CheckCpu() {
  if (kRequiredCpuFeatures[0] == nullptr) return;  // a baseline build
#if defined(__x86_64__)
  __builtin_cpu_init();  // needed this early: before the library's own initializer has run
#endif
  char missing[256];
  if (MissingCpuFeatures(kRequiredCpuFeatures, CpuSupports, missing, sizeof missing) == 0) return;
  std::fprintf(stderr,
               "sluice: this binary was compiled for CPUs with %s (the CPU of the machine that "
               "built it), and this CPU lacks %s. Rebuild it on this machine (make), or for any "
               "x86-64 CPU with cmake -DSLUICE_CPU=baseline.\n",
               SLUICE_CPU_LEVEL, missing);
  _exit(1);
}

}  // namespace
}  // namespace sluice
