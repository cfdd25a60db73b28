// Specification of LineBuffer: a byte stream becomes chunks of whole lines with their positions,
// whatever sizes the reads come in.
#include "sources/line_buffer.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <deque>
#include <random>
#include <string>
#include <variant>
#include <vector>

namespace sluice {
namespace {

struct WouldBlock {};
struct Fail {};
using Step = std::variant<std::string, WouldBlock, Fail>;

// A scripted input: each step is served by one or more reads of at most `max_read` bytes (or
// reports "would block" / an error once); after the script, end of input.
class Script {
 public:
  Script(std::vector<Step> steps, size_t max_read = 1 << 20)
      : steps_(steps.begin(), steps.end()), max_read_(max_read) {}

  LineBuffer::ReadFn Fn() {
    return [this](char* buf, size_t n) -> long {
      ++reads_;
      if (steps_.empty()) return 0;
      if (std::holds_alternative<WouldBlock>(steps_.front())) {
        steps_.pop_front();
        return LineBuffer::kWouldBlock;
      }
      if (std::holds_alternative<Fail>(steps_.front())) {
        steps_.pop_front();
        errno = EIO;
        return -1;
      }
      std::string& s = std::get<std::string>(steps_.front());
      const size_t k = std::min({n, max_read_, s.size()});
      std::memcpy(buf, s.data(), k);
      s.erase(0, k);
      if (s.empty()) steps_.pop_front();
      return static_cast<long>(k);
    };
  }
  int reads() const { return reads_; }

 private:
  std::deque<Step> steps_;
  size_t max_read_;
  int reads_ = 0;
};

struct Got {
  std::string data;
  uint64_t begin;
  uint64_t first_line;
};

// Calls Next until kEnd (or `limit` calls), collecting the chunks; kIdle results are skipped.
std::vector<Got> Drain(LineBuffer& lb, Script& script, int limit = 1000) {
  std::vector<Got> out;
  auto fn = script.Fn();
  for (int i = 0; i < limit; ++i) {
    Chunk c;
    auto r = lb.Next(fn, &c);
    EXPECT_TRUE(r.ok()) << r.status().message();
    if (!r.ok() || *r == ReadResult::kEnd) break;
    if (*r == ReadResult::kIdle) continue;
    EXPECT_GE(c.capacity, c.data.size() + 64) << "no simdjson padding";
    // The line ends handed on are exactly the lines of the chunk.
    EXPECT_TRUE(c.line_ends != nullptr);
    if (c.line_ends) {
      const auto& ends = *c.line_ends;
      EXPECT_EQ(ends.size(), c.lines);
      size_t begin = 0;
      for (size_t k = 0; k < ends.size(); ++k) {
        EXPECT_LE(ends[k], c.data.size());
        if (ends[k] > c.data.size()) break;
        EXPECT_EQ(c.data.substr(begin, ends[k] - begin).find('\n'), std::string_view::npos);
        if (ends[k] < c.data.size())
          EXPECT_EQ(c.data[ends[k]], '\n');
        else
          EXPECT_EQ(k + 1, ends.size()) << "only the last line may end without a newline";
        begin = ends[k] + 1;
      }
      EXPECT_GE(begin, c.data.size()) << "bytes after the last line end";
    }
    out.push_back({std::string(c.data), c.begin.value, c.first_line});
  }
  return out;
}

LineBuffer Fresh(size_t chunk_bytes = 64, size_t max_line_bytes = 1024) {
  LineBuffer lb(chunk_bytes, max_line_bytes);
  lb.Reset(PartitionId{3}, Offset{0}, 1);
  return lb;
}

// --- Tests ---------------------------------------------------------------------------------------

// FindLineEnds agrees with a byte-by-byte scan on every length around its 16- and 64-byte steps
// and its 1024-byte stretches, with newlines at block edges, runs of newlines (more ends than
// expected, so the result grows within a scan) and no final newline.
TEST(FindLineEnds, AgreesWithAPlainScan) {
  std::mt19937 rng(7);
  std::vector<size_t> sizes;
  for (size_t size = 0; size < 300; ++size) sizes.push_back(size);
  for (size_t stretch : {1024, 2048, 3072})
    for (size_t size = stretch - 70; size < stretch + 70; ++size) sizes.push_back(size);
  for (size_t size : sizes) {
    for (int density : {0, 1, 8, 64}) {
      std::string data(size, 'x');
      for (auto& c : data)
        if (density > 0 && static_cast<int>(rng() % 64) < density) c = '\n';
      std::vector<size_t> want;
      for (size_t i = 0; i < data.size(); ++i)
        if (data[i] == '\n') want.push_back(i);
      if (!data.empty() && data.back() != '\n') want.push_back(data.size());
      const std::string padded = data + std::string(64, '\n');  // newlines past the end: ignored
      for (size_t expected : {size_t{0}, want.size()}) {
        auto got = FindLineEnds(std::string_view(padded.data(), size), expected);
        ASSERT_TRUE(got != nullptr);
        EXPECT_EQ(*got, want) << "size " << size << " density " << density;
      }
    }
  }
}

TEST(LineBuffer, EmptyInputEndsAtOnce) {
  LineBuffer lb = Fresh();
  Script s({});
  EXPECT_TRUE(Drain(lb, s).empty());
  EXPECT_TRUE(lb.eof());
}

TEST(LineBuffer, SeveralLinesInOneChunk) {
  LineBuffer lb = Fresh();
  Script s({"a\nbb\nccc\n"});
  auto chunks = Drain(lb, s);
  ASSERT_EQ(chunks.size(), 1u);
  EXPECT_EQ(chunks[0].data, "a\nbb\nccc\n");
}

TEST(LineBuffer, OneByteReadsStillGiveWholeLines) {
  LineBuffer lb = Fresh();
  const std::string input = "a\nbb\n{\"x\":1}\n\nccc\n";
  Script s({input}, /*max_read=*/1);
  std::string all;
  for (const auto& c : Drain(lb, s)) {
    EXPECT_EQ(c.data.back(), '\n') << "chunk '" << c.data << "' ends mid-line";
    all += c.data;
  }
  EXPECT_EQ(all, input);
}

TEST(LineBuffer, PartialLineWaitsForItsEnd) {
  LineBuffer lb = Fresh();
  Script s({"a\nb", "b\nc", "cc\n"}, 3);
  auto chunks = Drain(lb, s);
  std::string all;
  for (const auto& c : chunks) {
    EXPECT_EQ(c.data.back(), '\n');
    all += c.data;
  }
  EXPECT_EQ(all, "a\nbb\nccc\n");
}

TEST(LineBuffer, FinalLineWithoutNewlineIsHandedOutAtEnd) {
  LineBuffer lb = Fresh();
  Script s({"a\nb"});
  auto chunks = Drain(lb, s);
  ASSERT_EQ(chunks.size(), 2u);
  EXPECT_EQ(chunks[0].data, "a\n");
  EXPECT_EQ(chunks[1].data, "b");
  EXPECT_EQ(chunks[1].begin, 2u);
  EXPECT_EQ(chunks[1].first_line, 2u);
  EXPECT_TRUE(lb.eof());
}

TEST(LineBuffer, PositionsAndLineNumbersStartAtReset) {
  LineBuffer lb(64, 1024);
  lb.Reset(PartitionId{9}, Offset{1000}, 41);
  Script s({"ab\n", WouldBlock{}, "cde\nf\n", WouldBlock{}, "g"});
  auto chunks = Drain(lb, s);
  ASSERT_EQ(chunks.size(), 3u);
  EXPECT_EQ(chunks[0].begin, 1000u);
  EXPECT_EQ(chunks[0].first_line, 41u);
  EXPECT_EQ(chunks[1].data, "cde\nf\n");
  EXPECT_EQ(chunks[1].begin, 1003u);
  EXPECT_EQ(chunks[1].first_line, 42u);
  EXPECT_EQ(chunks[2].data, "g");
  EXPECT_EQ(chunks[2].begin, 1009u);
  EXPECT_EQ(chunks[2].first_line, 44u);
}

TEST(LineBuffer, ChunkCarriesThePartition) {
  LineBuffer lb = Fresh();
  Script s({"x\n"});
  auto fn = s.Fn();
  Chunk c;
  ASSERT_EQ(*lb.Next(fn, &c), ReadResult::kData);
  EXPECT_EQ(c.partition, PartitionId{3});
}

TEST(LineBuffer, WouldBlockBeforeAWholeLineIsIdle) {
  LineBuffer lb = Fresh();
  Script s({"{\"a\":", WouldBlock{}, "1}\n"});
  auto fn = s.Fn();
  Chunk c;
  auto r = lb.Next(fn, &c);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, ReadResult::kIdle);
  EXPECT_FALSE(lb.eof());
  r = lb.Next(fn, &c);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(*r, ReadResult::kData);
  EXPECT_EQ(c.data, "{\"a\":1}\n");  // the partial line was kept
  EXPECT_EQ(c.begin.value, 0u);
}

TEST(LineBuffer, WouldBlockAfterALineHandsOutTheLine) {
  LineBuffer lb = Fresh();
  Script s({"a\nb", WouldBlock{}, "c\n"});
  auto fn = s.Fn();
  Chunk c;
  ASSERT_EQ(*lb.Next(fn, &c), ReadResult::kData);
  EXPECT_EQ(c.data, "a\n");
  ASSERT_EQ(*lb.Next(fn, &c), ReadResult::kIdle);
  ASSERT_EQ(*lb.Next(fn, &c), ReadResult::kData);
  EXPECT_EQ(c.data, "bc\n");
  EXPECT_EQ(c.begin.value, 2u);
  EXPECT_EQ(c.first_line, 2u);
}

TEST(LineBuffer, LineLongerThanTheChunkSizeStaysWhole) {
  LineBuffer lb = Fresh(/*chunk_bytes=*/16, /*max_line_bytes=*/1024);
  const std::string line = "{\"s\":\"" + std::string(300, 'x') + "\"}\n";
  Script s({line + "{}\n"}, 7);
  std::string all;
  auto chunks = Drain(lb, s);
  ASSERT_FALSE(chunks.empty());
  EXPECT_EQ(chunks[0].data.substr(0, line.size()), line);
  for (const auto& c : chunks) all += c.data;
  EXPECT_EQ(all, line + "{}\n");
}

TEST(LineBuffer, OverLongLineIsCutAtTheLimit) {
  LineBuffer lb = Fresh(/*chunk_bytes=*/16, /*max_line_bytes=*/40);
  const std::string input = std::string(100, 'x') + "\n{}\n";
  Script s({input});
  auto chunks = Drain(lb, s);
  ASSERT_FALSE(chunks.empty());
  EXPECT_EQ(chunks[0].data, std::string(40, 'x'));
  EXPECT_EQ(chunks[0].begin, 0u);
  std::string all;
  for (const auto& c : chunks) {
    EXPECT_LE(c.data.size(), 40u + 16u) << "a chunk holds more than the limit allows";
    all += c.data;
  }
  EXPECT_EQ(all, input);  // nothing lost or repeated
}

TEST(LineBuffer, OverLongLineWithSmallReadsIsCutAtTheLimit) {
  LineBuffer lb = Fresh(/*chunk_bytes=*/16, /*max_line_bytes=*/40);
  Script s({std::string(100, 'y') + "\n"}, 3);
  auto chunks = Drain(lb, s);
  ASSERT_FALSE(chunks.empty());
  EXPECT_EQ(chunks[0].data, std::string(40, 'y'));
}

TEST(LineBuffer, ReadErrorIsAnIoError) {
  LineBuffer lb = Fresh();
  Script s({"partial", Fail{}});
  auto fn = s.Fn();
  Chunk c;
  auto r = lb.Next(fn, &c);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kIo);
}

TEST(LineBuffer, ResetStartsANewStream) {
  LineBuffer lb = Fresh();
  Script first({"a\n"});
  Drain(lb, first);
  ASSERT_TRUE(lb.eof());
  lb.Reset(PartitionId{4}, Offset{50}, 7);
  EXPECT_FALSE(lb.eof());
  Script second({"zz\n"});
  auto chunks = Drain(lb, second);
  ASSERT_EQ(chunks.size(), 1u);
  EXPECT_EQ(chunks[0].data, "zz\n");
  EXPECT_EQ(chunks[0].begin, 50u);
  EXPECT_EQ(chunks[0].first_line, 7u);
}

}  // namespace
}  // namespace sluice
