// The start-up check that this CPU has the instruction-set extensions sluice was compiled for.
// The build compiles for the CPU level of the machine that builds it (CMake's SLUICE_CPU, `auto` by
// default: x86-64-v3 with PCLMUL where available). A binary carried to an older CPU would die of
// an illegal instruction somewhere in its first JSON row; instead, cpu_guard.cc (compiled for plain
// x86-64) checks before anything else runs and names what is missing.
#pragma once

#include <cstddef>

namespace sluice {

// The CPU features the binary was compiled to require, as __builtin_cpu_supports names, ending
// with nullptr; just {nullptr} for a baseline build.
extern const char* const kRequiredCpuFeatures[];

// True if this CPU has `feature` (a name kRequiredCpuFeatures may hold); false for a name it does
// not know.
bool CpuSupports(const char* feature);

// Writes the names of the `required` features (nullptr-terminated) that `supports` denies into
// out, comma-separated and NUL-terminated (truncated to fit n bytes, n >= 1). Returns how many are
// missing. Allocation-free: it runs before main.
size_t MissingCpuFeatures(const char* const* required, bool (*supports)(const char*), char* out,
                          size_t n);

}  // namespace sluice
