// The file source hands out the same lines — text, line numbers, positions — whether it maps a
// plain file (source.mmap) or reads it through a buffer, whatever the chunk size, line lengths,
// file end and checkpoint; and a chunk is always followed by readable padding.
#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "config/config.h"
#include "pipeline/source.h"

namespace sluice {

std::unique_ptr<Source> MakeFileSource(const PipelineConfig& cfg);

namespace {

struct Got {
  uint64_t line;
  uint64_t position;
  std::string text;
  bool operator==(const Got&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Got& g) {
  return os << g.line << "@" << g.position << ":" << g.text;
}

class FileSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("sluice-file-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& bytes) {
    const std::string path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }

  // Every line the source hands out (split by the chunks' line ends), in order, per file.
  std::vector<Got> ReadAll(const std::vector<std::string>& paths, bool mmap, size_t chunk_bytes,
                           size_t max_line, const std::string& checkpoint = "") {
    PipelineConfig cfg;
    cfg.name = "t";
    cfg.source.type = "file";
    cfg.source.paths = paths;
    cfg.source.mmap = mmap;
    cfg.source.read_buffer_bytes = static_cast<int64_t>(chunk_bytes);
    cfg.source.checkpoint = checkpoint.empty() ? (dir_ / "none.checkpoint").string() : checkpoint;
    cfg.decode.max_line_bytes = static_cast<int64_t>(max_line);
    auto source = MakeFileSource(cfg);
    SourceContext ctx;
    Status st = source->Open(ctx);
    EXPECT_TRUE(st.ok()) << st.message();
    std::vector<Got> out;
    Chunk chunk;
    for (int i = 0; i < 100000 && st.ok(); ++i) {
      auto r = source->Read(&chunk, std::chrono::milliseconds(10));
      EXPECT_TRUE(r.ok()) << r.status().message();
      if (!r.ok() || *r == ReadResult::kEnd) break;
      if (*r != ReadResult::kData) continue;
      EXPECT_GE(chunk.capacity, chunk.data.size() + 64) << "no padding after the chunk";
      // The padding must really be readable (ASan would flag it otherwise).
      volatile char last = chunk.data.data()[chunk.data.size() + 63];
      (void)last;
      EXPECT_TRUE(chunk.line_ends != nullptr);
      if (!chunk.line_ends) break;
      EXPECT_EQ(chunk.line_ends->size(), chunk.lines);
      size_t begin = 0;
      uint64_t line = chunk.first_line;
      for (size_t end : *chunk.line_ends) {
        out.push_back({line++, chunk.begin.value + begin,
                       std::string(chunk.data.substr(begin, end - begin))});
        begin = end + 1;
      }
    }
    return out;
  }

  // mmap on and off must agree (and neither may be empty unless the input is).
  void ExpectSame(const std::vector<std::string>& paths, size_t chunk_bytes, size_t max_line,
                  const std::string& checkpoint = "") {
    auto mapped = ReadAll(paths, true, chunk_bytes, max_line, checkpoint);
    auto read = ReadAll(paths, false, chunk_bytes, max_line, checkpoint);
    EXPECT_EQ(mapped, read);
  }

  std::filesystem::path dir_;
};

std::string Lines(size_t n, size_t seed, size_t max_len) {
  std::mt19937 rng(static_cast<unsigned>(seed));
  std::string s;
  for (size_t i = 0; i < n; ++i) {
    s += "{\"i\":" + std::to_string(i) + ",\"s\":\"" + std::string(rng() % max_len, 'x') + "\"}";
    s += rng() % 7 == 0 ? "\r\n" : "\n";
  }
  return s;
}

TEST_F(FileSourceTest, SameLinesMappedOrRead) {
  const std::string body = Lines(2000, 1, 300);
  const auto a = Write("a.ndjson", body);
  const auto b = Write("b.ndjson", body + "{\"last\":\"no newline\"}");
  for (size_t chunk : {100, 1000, 4096, 1 << 16}) ExpectSame({a, b}, chunk, 1 << 20);
  auto lines = ReadAll({a}, true, 1000, 1 << 20);
  ASSERT_EQ(lines.size(), 2000u);
  EXPECT_EQ(lines[0].line, 1u);
  EXPECT_EQ(lines[0].position, 0u);
  EXPECT_EQ(lines[1999].line, 2000u);
}

TEST_F(FileSourceTest, FileEndsAtEveryOffsetWithinAPage) {
  // The last chunk of a mapped file has no readable bytes after it once the file ends near a page
  // boundary: it must be copied, whatever the size.
  for (size_t size : {1, 63, 64, 65, 4032, 4033, 4095, 4096, 4097, 8191, 8192}) {
    std::string body;
    while (body.size() < size) body += body.size() + 8 < size ? "{\"a\":1}\n" : "x";
    body.resize(size);
    const auto p = Write("f" + std::to_string(size), body);
    ExpectSame({p}, 1000, 1 << 20);
  }
}

TEST_F(FileSourceTest, LongLinesAreCutAtMaxLineBytesAsBefore) {
  std::string body =
      "{\"a\":1}\n" + std::string(5000, 'y') + "\n{\"b\":2}\n" + std::string(700, 'z') + "\n";
  const auto p = Write("long.ndjson", body);
  ExpectSame({p}, 256, 2048);  // a line longer than a chunk, and one longer than max_line_bytes
  ExpectSame({p}, 256, 1 << 20);
}

TEST_F(FileSourceTest, EmptyFilesAndGzip) {
  const auto empty = Write("empty.ndjson", "");
  const std::string body = Lines(300, 2, 50);
  const std::string gz = (dir_ / "c.ndjson.gz").string();
  gzFile f = gzopen(gz.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  gzwrite(f, body.data(), static_cast<unsigned>(body.size()));
  gzclose(f);
  const auto plain = Write("c.ndjson", body);
  ExpectSame({empty, gz, plain}, 512, 1 << 20);
  auto lines = ReadAll({empty, gz, plain}, true, 512, 1 << 20);
  EXPECT_EQ(lines.size(), 600u);
}

TEST_F(FileSourceTest, ResumesFromTheCheckpointWithLineNumbers) {
  const std::string body = Lines(100, 3, 40);
  const auto p = Write("r.ndjson", body);
  size_t offset = 0;
  for (int i = 0; i < 40; ++i) offset = body.find('\n', offset) + 1;
  const std::string checkpoint = Write(
      "r.checkpoint", "sluice-file-checkpoint v1\n" + std::to_string(offset) + "\t" + p + "\n");
  ExpectSame({p}, 300, 1 << 20, checkpoint);
  auto lines = ReadAll({p}, true, 300, 1 << 20, checkpoint);
  ASSERT_EQ(lines.size(), 60u);
  EXPECT_EQ(lines[0].line, 41u);
  EXPECT_EQ(lines[0].position, offset);
}

}  // namespace
}  // namespace sluice
