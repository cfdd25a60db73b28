// `file` source: one or more NDJSON files, plain or gzip (zlib reads both), each its own
// partition whose positions are byte offsets into the (decompressed) stream. The acknowledged
// offset of every file is kept in a checkpoint file, rewritten atomically on each commit, so a
// restart resumes after the last row ClickHouse confirmed (at-least-once).
// Plain files are mapped (source.mmap, the default): chunks point into the mapping, so rows are
// decoded where the page cache holds them, with no copy through a read buffer.
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <vector>

#include "sources/line_buffer.h"

namespace sluice {
namespace {

constexpr const char* kCheckpointHeader = "sluice-file-checkpoint v1";
constexpr size_t kPadding = 64;  // readable bytes simdjson needs after a chunk

// A whole file mapped read-only; unmapped when the last chunk pointing into it is released.
struct Mapping {
  const char* data = nullptr;
  size_t size = 0;
  ~Mapping() {
    if (data != nullptr) munmap(const_cast<char*>(data), size);
  }
};

// A chunk's hold on its bytes of a mapping. Once every row pointing into them is confirmed (the
// last holder lets go), their whole pages are dropped from the process, so its memory does not
// grow with the file (the page cache keeps them; touching them again would just fault them in).
struct MappedRange {
  std::shared_ptr<const Mapping> map;
  size_t begin = 0, end = 0;
  ~MappedRange() {
    const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    const size_t from = (begin + page - 1) / page * page, to = end / page * page;
    if (to > from) madvise(const_cast<char*>(map->data) + from, to - from, MADV_DONTNEED);
  }
};

class FileSource : public Source {
 public:
  explicit FileSource(const PipelineConfig& cfg)
      : cfg_(cfg),
        lines_(static_cast<size_t>(cfg.source.read_buffer_bytes),
               static_cast<size_t>(cfg.decode.max_line_bytes)) {}
  ~FileSource() override {
    if (gz_ != nullptr) gzclose(gz_);
  }

  Status Open(const SourceContext&) override {
    for (const auto& p : cfg_.source.paths) {
      std::error_code ec;
      auto abs = std::filesystem::absolute(p, ec);
      paths_.push_back(ec ? p : abs.lexically_normal().string());
      if (!std::filesystem::is_regular_file(paths_.back(), ec))
        return NotFound(
            fmt::format("input file {} does not exist or is not a regular file", paths_.back()));
    }
    committed_.assign(paths_.size(), Offset{0});
    RETURN_IF_ERROR(LoadCheckpoint());
    return Status::Ok();
  }

  Result<ReadResult> Read(Chunk* chunk, std::chrono::milliseconds) override {
    while (current_ < paths_.size()) {
      if (gz_ == nullptr && map_ == nullptr) RETURN_IF_ERROR(OpenCurrent());
      if (map_ != nullptr) {
        if (map_pos_ < map_->size) {
          NextMapped(chunk);
          return ReadResult::kData;
        }
        map_.reset();
        ++current_;
        continue;
      }
      auto r = lines_.Next(
          [this](char* buf, size_t n) -> long {
            int got = gzread(gz_, buf, static_cast<unsigned>(std::min<size_t>(n, 1 << 30)));
            if (got < 0) errno = EIO;
            return got;
          },
          chunk);
      if (!r.ok()) return r.status().Context(paths_[current_]);
      if (*r == ReadResult::kData) return ReadResult::kData;
      gzclose(gz_);
      gz_ = nullptr;
      ++current_;
    }
    return ReadResult::kEnd;
  }

  Offset StartOf(PartitionId p) const override {
    std::lock_guard lock(mu_);
    return committed_[p.value];
  }

  Status Commit(PartitionId p, Offset upto) override {
    std::lock_guard lock(mu_);
    committed_[p.value] = upto;
    return SaveCheckpointLocked();
  }

  std::string PartitionName(PartitionId p) const override { return "file:" + paths_[p.value]; }

 private:
  // The next chunk of the mapped file: whole lines up to read_buffer_bytes (a line longer than
  // max_line_bytes is cut there, as LineBuffer does), pointing into the mapping — or, for the
  // file's last bytes, which lack readable padding after them, copied into a padded buffer.
  void NextMapped(Chunk* chunk) {
    const char* base = map_->data;
    const size_t size = map_->size, pos = map_pos_;
    const size_t want = static_cast<size_t>(cfg_.source.read_buffer_bytes);
    const size_t max_line = static_cast<size_t>(cfg_.decode.max_line_bytes);
    size_t take;
    if (size - pos <= want) {
      take = size - pos;
    } else {
      const void* nl = memrchr(base + pos, '\n', want);
      if (nl == nullptr) {  // a line longer than a chunk: look further, up to max_line_bytes
        const size_t limit = std::min(size - pos, std::max(max_line, want));
        nl = std::memchr(base + pos + want, '\n', limit - want);
      }
      take = nl != nullptr ? static_cast<size_t>(static_cast<const char*>(nl) - base) + 1 - pos
                           : std::min(size - pos, max_line);
    }
    *chunk = Chunk{};
    chunk->partition = PartitionId{static_cast<uint32_t>(current_)};
    chunk->begin = Offset{pos};
    chunk->first_line = map_line_;
    if (pos + take + kPadding <= size) {
      auto range = std::make_shared<MappedRange>();
      range->map = map_;
      range->begin = pos;
      range->end = pos + take;
      chunk->owner = std::move(range);
      chunk->owner_data = base + pos;
      chunk->owner_size = take + kPadding;
    } else {
      auto copy = std::make_shared<std::string>();
      copy->reserve(take + kPadding);
      copy->append(base + pos, take);
      copy->append(kPadding, '\0');
      chunk->owner_data = copy->data();
      chunk->owner_size = copy->size();
      chunk->owner = std::move(copy);
    }
    chunk->data = std::string_view(chunk->owner_data, take);
    chunk->capacity = chunk->owner_size;
    auto ends = FindLineEnds(chunk->data, last_lines_);
    last_lines_ = ends->size();
    map_line_ += ends->size() - (chunk->data.back() == '\n' ? 0 : 1);
    chunk->lines = ends->size();
    chunk->line_ends = std::move(ends);
    map_pos_ = pos + take;
  }

  // Maps the current file if it is plain and mapping is on; false leaves it to zlib.
  Result<bool> MapCurrent(uint64_t skip) {
    const std::string& path = paths_[current_];
    if (!cfg_.source.mmap) return false;
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return IoError(fmt::format("cannot open {}: {}", path, std::strerror(errno)));
    struct stat st {};
    unsigned char magic[2] = {0, 0};
    const bool gzip = ::pread(fd, magic, 2, 0) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
    if (gzip || ::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
      ::close(fd);
      return false;
    }
    auto map = std::make_shared<Mapping>();
    map->size = static_cast<size_t>(st.st_size);
    if (map->size > 0) {
      void* p = ::mmap(nullptr, map->size, PROT_READ, MAP_PRIVATE, fd, 0);
      if (p == MAP_FAILED) {  // e.g. a file system without mmap: read it instead
        ::close(fd);
        return false;
      }
      map->data = static_cast<const char*>(p);
    }
    ::close(fd);
    if (skip > map->size)
      return InvalidArgument(fmt::format(
          "{} is shorter ({} bytes) than its checkpoint ({} bytes) in {}: the file changed since "
          "it was read; delete the checkpoint to read it again from the start",
          path, map->size, skip, cfg_.source.checkpoint));
    // Skip what is already acknowledged, counting lines so dead-letter positions stay right.
    uint64_t line = 1;
    for (const char* p = map->data;
         skip > 0 &&
         (p = static_cast<const char*>(std::memchr(p, '\n', map->data + skip - p))) != nullptr;
         ++p)
      ++line;
    map_pos_ = skip;
    map_line_ = line;
    map_ = std::move(map);
    return true;
  }

  Status OpenCurrent() {
    const std::string& path = paths_[current_];
    const uint64_t start = StartOf(PartitionId{static_cast<uint32_t>(current_)}).value;
    ASSIGN_OR_RETURN(bool mapped, MapCurrent(start));
    if (mapped) return Status::Ok();
    gz_ = gzopen(path.c_str(), "rb");
    if (gz_ == nullptr)
      return IoError(fmt::format("cannot open {}: {}", path, std::strerror(errno)));
    gzbuffer(gz_, 1 << 18);
    // Skip what is already acknowledged, counting lines so dead-letter positions stay right.
    const uint64_t skip = StartOf(PartitionId{static_cast<uint32_t>(current_)}).value;
    uint64_t skipped = 0, line = 1;
    std::vector<char> buf(1 << 20);
    while (skipped < skip) {
      int got = gzread(gz_, buf.data(),
                       static_cast<unsigned>(std::min<uint64_t>(buf.size(), skip - skipped)));
      if (got <= 0)
        return InvalidArgument(fmt::format(
            "{} is shorter ({} bytes) than its checkpoint ({} bytes) in {}: the file changed since "
            "it was read; delete the checkpoint to read it again from the start",
            path, skipped, skip, cfg_.source.checkpoint));
      for (int i = 0; i < got; ++i) line += buf[i] == '\n';
      skipped += static_cast<uint64_t>(got);
    }
    lines_.Reset(PartitionId{static_cast<uint32_t>(current_)}, Offset{skip}, line);
    return Status::Ok();
  }

  Status LoadCheckpoint() {
    std::ifstream in(cfg_.source.checkpoint);
    if (!in) return Status::Ok();  // first run
    std::string header;
    std::getline(in, header);
    if (header != kCheckpointHeader)
      return InvalidArgument(fmt::format("{} is not a sluice file checkpoint (first line '{}')",
                                         cfg_.source.checkpoint, header));
    std::string line;
    while (std::getline(in, line)) {
      auto tab = line.find('\t');
      if (tab == std::string::npos) continue;
      uint64_t off = std::stoull(line.substr(0, tab));
      std::string path = line.substr(tab + 1);
      for (size_t i = 0; i < paths_.size(); ++i)
        if (paths_[i] == path) committed_[i] = Offset{off};
    }
    return Status::Ok();
  }

  Status SaveCheckpointLocked() {
    const std::string& path = cfg_.source.checkpoint;
    std::error_code ec;
    auto parent = std::filesystem::path(path).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    std::string text = std::string(kCheckpointHeader) + "\n";
    for (size_t i = 0; i < paths_.size(); ++i)
      text += fmt::format("{}\t{}\n", committed_[i].value, paths_[i]);
    const std::string tmp = path + ".tmp";
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
      return IoError(fmt::format("cannot write checkpoint {}: {}", tmp, std::strerror(errno)));
    bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
              ::fsync(fd) == 0;
    ::close(fd);
    if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0)
      return IoError(fmt::format("cannot write checkpoint {}: {}", path, std::strerror(errno)));
    return Status::Ok();
  }

  const PipelineConfig& cfg_;
  LineBuffer lines_;
  std::vector<std::string> paths_;
  size_t current_ = 0;
  gzFile gz_ = nullptr;
  // The current file when it is mapped: the next position to hand out and its line number.
  std::shared_ptr<const Mapping> map_;
  size_t map_pos_ = 0;
  uint64_t map_line_ = 1;
  size_t last_lines_ = 0;  // lines in the previous chunk (sizes the next line_ends)
  mutable std::mutex mu_;
  std::vector<Offset> committed_;
};

}  // namespace

std::unique_ptr<Source> MakeFileSource(const PipelineConfig& cfg) {
  return std::make_unique<FileSource>(cfg);
}

}  // namespace sluice
