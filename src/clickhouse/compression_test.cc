// LZ4 frames and gzip bodies: server-written frames decode to their known contents, our frames
// decode back to the input (through our reader and through liblz4 directly), large bodies split
// into 1 MiB frames, and every corruption of a frame is detected.
#include "clickhouse/compression.h"

#include <gtest/gtest.h>
#include <lz4.h>
#include <zlib.h>

#include <cstring>
#include <random>

#include "clickhouse/server_frames_test.h"

namespace sluice {
namespace {

uint32_t Le32(const std::string& s, size_t at) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(s[at + i]);
  return v;
}

// Native-like data: repetitive numbers and short strings, as a real batch.
std::string SampleBody(size_t bytes, uint64_t seed = 1) {
  std::mt19937_64 rng(seed);
  std::string s;
  while (s.size() < bytes) {
    uint64_t v = rng() % 100000;
    s.append(reinterpret_cast<const char*>(&v), 8);
    s += "user-" + std::to_string(rng() % 1000) + ";";
  }
  s.resize(bytes);
  return s;
}

TEST(Lz4Frames, ServerFramesDecodeToTheirColumns) {
  std::string out;
  ASSERT_TRUE(DecompressLz4Blocks(testdata::FrameUInt64_0to9(), out).ok());
  ASSERT_EQ(out.size(), 80u);
  for (uint64_t i = 0; i < 10; ++i) {
    uint64_t v;
    std::memcpy(&v, out.data() + 8 * i, 8);
    EXPECT_EQ(v, i);
  }
  out.clear();
  ASSERT_TRUE(DecompressLz4Blocks(testdata::FrameRowStrings(), out).ok());
  std::string expected;
  for (int i = 0; i < 10; ++i) expected += std::string("\x05row-") + char('0' + i);
  EXPECT_EQ(out, expected);
  out.clear();
  // Several frames back to back.
  EXPECT_TRUE(DecompressLz4Blocks(testdata::Frame277() + testdata::Frame518(), out).ok());
}

TEST(Lz4Frames, RoundTripAndLayout) {
  const std::string raw = SampleBody(200000);
  std::string framed;
  CompressLz4Block(raw, framed);
  ASSERT_GT(framed.size(), kChecksumBytes + kLz4HeaderBytes);
  EXPECT_LT(framed.size(), raw.size() / 2) << "repetitive data must compress";
  EXPECT_EQ(static_cast<unsigned char>(framed[16]), kLz4Method);
  EXPECT_EQ(Le32(framed, 17) + kChecksumBytes, framed.size());  // one frame
  EXPECT_EQ(Le32(framed, 21), raw.size());
  // The payload is a plain LZ4 block.
  std::string direct(raw.size(), '\0');
  ASSERT_EQ(LZ4_decompress_safe(framed.data() + 25, direct.data(),
                                static_cast<int>(framed.size() - 25), static_cast<int>(raw.size())),
            static_cast<int>(raw.size()));
  EXPECT_EQ(direct, raw);
  std::string back;
  ASSERT_TRUE(DecompressLz4Blocks(framed, back).ok());
  EXPECT_EQ(back, raw);
}

TEST(Lz4Frames, LargeBodiesSplitIntoMiBFrames) {
  const std::string raw = SampleBody(2 * kLz4FrameBytes + 12345, 7);
  std::string framed;
  CompressLz4Block(raw, framed);
  std::vector<uint32_t> sizes;
  for (size_t pos = 0; pos < framed.size(); pos += kChecksumBytes + Le32(framed, pos + 17))
    sizes.push_back(Le32(framed, pos + 21));
  EXPECT_EQ(sizes, (std::vector<uint32_t>{kLz4FrameBytes, kLz4FrameBytes, 12345}));
  std::string back;
  ASSERT_TRUE(DecompressLz4Blocks(framed, back).ok());
  EXPECT_EQ(back, raw);
}

TEST(Lz4Frames, EmptyAndIncompressibleInputs) {
  std::string framed;
  CompressLz4Block("", framed);
  EXPECT_TRUE(framed.empty());
  std::mt19937_64 rng(3);
  std::string noise(5000, '\0');
  for (auto& c : noise) c = static_cast<char>(rng());
  CompressLz4Block(noise, framed);
  std::string back;
  ASSERT_TRUE(DecompressLz4Blocks(framed, back).ok());
  EXPECT_EQ(back, noise);
}

TEST(Lz4Frames, CorruptionIsDetected) {
  std::string framed;
  CompressLz4Block(SampleBody(10000), framed);
  for (size_t at : {size_t{0}, size_t{15}, size_t{16}, size_t{20}, framed.size() - 1}) {
    std::string bad = framed;
    bad[at] ^= 1;
    std::string out;
    EXPECT_FALSE(DecompressLz4Blocks(bad, out).ok()) << "flipped byte " << at;
  }
  std::string out;
  EXPECT_FALSE(DecompressLz4Blocks(framed.substr(0, framed.size() - 1), out).ok());
}

TEST(GzipBody, RoundTripsThroughZlib) {
  const std::string raw = SampleBody(300000, 5);
  std::string gz;
  ASSERT_TRUE(GzipBody(raw, gz).ok());
  ASSERT_GE(gz.size(), 18u);
  EXPECT_EQ(static_cast<unsigned char>(gz[0]), 0x1f);  // gzip magic
  EXPECT_EQ(static_cast<unsigned char>(gz[1]), 0x8b);
  EXPECT_LT(gz.size(), raw.size() / 2);
  z_stream z{};
  ASSERT_EQ(inflateInit2(&z, 15 + 16), Z_OK);
  std::string back(raw.size() + 1, '\0');
  z.next_in = reinterpret_cast<Bytef*>(gz.data());
  z.avail_in = static_cast<uInt>(gz.size());
  z.next_out = reinterpret_cast<Bytef*>(back.data());
  z.avail_out = static_cast<uInt>(back.size());
  EXPECT_EQ(inflate(&z, Z_FINISH), Z_STREAM_END);
  back.resize(z.total_out);
  inflateEnd(&z);
  EXPECT_EQ(back, raw);
}

TEST(BodyCompression, Names) {
  EXPECT_EQ(BodyCompressionFromName("none"), BodyCompression::kNone);
  EXPECT_EQ(BodyCompressionFromName("lz4"), BodyCompression::kLz4);
  EXPECT_EQ(BodyCompressionFromName("gzip"), BodyCompression::kGzip);
}

}  // namespace
}  // namespace sluice
