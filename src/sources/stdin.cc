// `stdin` source: NDJSON from standard input, one partition whose positions are byte offsets.
// Nothing to resume from: commits are no-ops (the producer owns replay).
#include <fmt/format.h>
#include <poll.h>
#include <unistd.h>

#include "sources/line_buffer.h"

namespace sluice {
namespace {

class StdinSource : public Source {
 public:
  explicit StdinSource(const PipelineConfig& cfg)
      : lines_(static_cast<size_t>(cfg.source.read_buffer_bytes),
               static_cast<size_t>(cfg.decode.max_line_bytes)) {}

  Status Open(const SourceContext&) override {
    lines_.Reset(PartitionId{0}, Offset{0}, 1);
    return Status::Ok();
  }

  Result<ReadResult> Read(Chunk* chunk, std::chrono::milliseconds wait) override {
    if (done_) return ReadResult::kEnd;
    // Wait for input without blocking past `wait`, so batches can still be cut by age.
    auto r = lines_.Next(
        [&](char* buf, size_t n) -> long {
          pollfd p{STDIN_FILENO, POLLIN, 0};
          int ready = ::poll(&p, 1, static_cast<int>(wait.count()));
          if (ready == 0 || (ready < 0 && errno == EINTR)) return LineBuffer::kWouldBlock;
          if (ready < 0) return -1;
          return static_cast<long>(::read(STDIN_FILENO, buf, n));
        },
        chunk);
    if (!r.ok()) return r.status().Context("stdin");
    if (*r == ReadResult::kEnd) done_ = true;
    return *r;
  }

  Offset StartOf(PartitionId) const override { return Offset{0}; }
  Status Commit(PartitionId, Offset) override { return Status::Ok(); }
  std::string PartitionName(PartitionId) const override { return "stdin"; }

 private:
  LineBuffer lines_;
  bool done_ = false;
};

}  // namespace

std::unique_ptr<Source> MakeStdinSource(const PipelineConfig& cfg) {
  return std::make_unique<StdinSource>(cfg);
}

}  // namespace sluice
