// `file` source: one or more NDJSON files, plain or gzip (zlib reads both), each its own
// partition whose positions are byte offsets into the (decompressed) stream. The acknowledged
// offset of every file is kept in a checkpoint file, rewritten atomically on each commit, so a
// restart resumes after the last row ClickHouse confirmed (at-least-once).
#include <fcntl.h>
#include <fmt/format.h>
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
        return NotFound(fmt::format("input file {} does not exist or is not a regular file",
                                    paths_.back()));
    }
    committed_.assign(paths_.size(), Offset{0});
    RETURN_IF_ERROR(LoadCheckpoint());
    return Status::Ok();
  }

  Result<ReadResult> Read(Chunk* chunk, std::chrono::milliseconds) override {
    while (current_ < paths_.size()) {
      if (gz_ == nullptr) RETURN_IF_ERROR(OpenCurrent());
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
  Status OpenCurrent() {
    const std::string& path = paths_[current_];
    gz_ = gzopen(path.c_str(), "rb");
    if (gz_ == nullptr)
      return IoError(fmt::format("cannot open {}: {}", path, std::strerror(errno)));
    gzbuffer(gz_, 1 << 18);
    // Skip what is already acknowledged, counting lines so dead-letter positions stay right.
    const uint64_t skip = StartOf(PartitionId{static_cast<uint32_t>(current_)}).value;
    uint64_t skipped = 0, line = 1;
    std::vector<char> buf(1 << 20);
    while (skipped < skip) {
      int got = gzread(gz_, buf.data(), static_cast<unsigned>(std::min<uint64_t>(buf.size(), skip - skipped)));
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
    if (fd < 0) return IoError(fmt::format("cannot write checkpoint {}: {}", tmp, std::strerror(errno)));
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
  mutable std::mutex mu_;
  std::vector<Offset> committed_;
};

}  // namespace

std::unique_ptr<Source> MakeFileSource(const PipelineConfig& cfg) {
  return std::make_unique<FileSource>(cfg);
}

}  // namespace sluice
