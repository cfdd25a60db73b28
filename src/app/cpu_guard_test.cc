#include "app/cpu_guard.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>

namespace sluice {
namespace {

const char* const kTwo[] = {"x86-64-v3", "pclmul", nullptr};

bool None(const char*) {
  return false;
}
bool All(const char*) {
  return true;
}
bool OnlyV3(const char* f) {
  return std::strcmp(f, "x86-64-v3") == 0;
}

TEST(CpuGuard, NamesEveryMissingFeatureInOrder) {
  char out[64];
  EXPECT_EQ(MissingCpuFeatures(kTwo, None, out, sizeof out), 2u);
  EXPECT_EQ(std::string(out), "x86-64-v3, pclmul");
  EXPECT_EQ(MissingCpuFeatures(kTwo, OnlyV3, out, sizeof out), 1u);
  EXPECT_EQ(std::string(out), "pclmul");
}

TEST(CpuGuard, NothingMissing) {
  char out[8] = "junk";
  EXPECT_EQ(MissingCpuFeatures(kTwo, All, out, sizeof out), 0u);
  EXPECT_EQ(std::string(out), "");
  const char* const none[] = {nullptr};
  EXPECT_EQ(MissingCpuFeatures(none, None, out, sizeof out), 0u);
}

TEST(CpuGuard, TruncatesToTheBuffer) {
  char out[6];
  EXPECT_EQ(MissingCpuFeatures(kTwo, None, out, sizeof out), 2u);
  EXPECT_EQ(std::string(out), "x86-6");
}

// The binary under test was compiled for kRequiredCpuFeatures, and it is running: this CPU has
// them all (else the guard would have stopped the process before main).
TEST(CpuGuard, ThisCpuHasWhatTheBuildRequires) {
  char out[256];
  EXPECT_EQ(MissingCpuFeatures(kRequiredCpuFeatures, CpuSupports, out, sizeof out), 0u) << out;
}

}  // namespace
}  // namespace sluice
