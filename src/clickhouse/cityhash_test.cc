// CityHash128 v1.0.2 against checksums computed by ClickHouse 18.16 itself: each vector is one
// compressed frame the server wrote into a MergeTree part (`<column>.bin`), whose first 16 bytes
// are CityHash128 of the rest (low word, then high word, little-endian). The frames cover every
// path of the algorithm: under 128 bytes after the 16-byte seed (CityMurmur), two 128-byte rounds
// with a 5-byte tail (one 32-byte tail chunk), and two rounds with a 118-byte tail (four chunks).
#include "clickhouse/cityhash.h"

#include <gtest/gtest.h>

#include <string>

#include "clickhouse/server_frames_test.h"

namespace sluice {
namespace {

uint64_t Le64(const std::string& s, size_t at) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(s[at + i]);
  return v;
}

void ExpectFrameChecksum(const std::string& frame) {
  ASSERT_GT(frame.size(), 16u);
  const CityHash128Value h = CityHash128V102(frame.data() + 16, frame.size() - 16);
  EXPECT_EQ(h.low, Le64(frame, 0)) << "hashed length " << frame.size() - 16;
  EXPECT_EQ(h.high, Le64(frame, 8)) << "hashed length " << frame.size() - 16;
}

TEST(CityHash128V102, ServerFrameUInt64Column) {
  ExpectFrameChecksum(testdata::FrameUInt64_0to9());
}
TEST(CityHash128V102, ServerFrameStringColumn) {
  ExpectFrameChecksum(testdata::FrameRowStrings());
}
TEST(CityHash128V102, ServerFrame277Bytes) {
  ExpectFrameChecksum(testdata::Frame277());
}
TEST(CityHash128V102, ServerFrame518Bytes) {
  ExpectFrameChecksum(testdata::Frame518());
}

TEST(CityHash128V102, ShortInputsAreDistinctAndStable) {
  // Lengths 0..300 take every branch (0, 1-3, 4-8, 9-16 seeds; CityMurmur; long rounds + tails).
  std::string data;
  for (int i = 0; i < 300; ++i) data.push_back(static_cast<char>(i * 37 + 11));
  std::vector<CityHash128Value> seen;
  for (size_t n = 0; n <= data.size(); ++n) {
    const CityHash128Value h = CityHash128V102(data.data(), n);
    EXPECT_EQ(h, CityHash128V102(data.data(), n));
    for (const auto& s : seen) ASSERT_FALSE(s == h) << "collision at length " << n;
    seen.push_back(h);
  }
}

}  // namespace
}  // namespace sluice
