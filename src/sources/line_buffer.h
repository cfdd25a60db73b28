// LineBuffer: turns a byte stream into chunks of whole lines, with simdjson padding after them.
// Thread-safety: none (owned by one source).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "pipeline/source.h"

namespace sluice {

// Where each line of `data` ends, for Chunk::line_ends: the offset of each '\n', plus
// data.size() if the last line has none. `expected` sizes the vector (the previous count).
std::shared_ptr<std::vector<size_t>> FindLineEnds(std::string_view data, size_t expected);

class LineBuffer {
 public:
  // `read(buf, n)` returns bytes read, 0 at end of input, kWouldBlock if nothing arrived in time,
  // -1 on error (errno set).
  using ReadFn = std::function<long(char* buf, size_t n)>;
  static constexpr long kWouldBlock = -2;
  LineBuffer(size_t chunk_bytes, size_t max_line_bytes);

  // Starts a new stream at `start` (position of its first byte) and line `first_line`.
  void Reset(PartitionId p, Offset start, uint64_t first_line);
  // Reads until at least one whole line is buffered (or input ends), then fills `chunk` with all
  // whole lines. Returns kEnd when the stream is exhausted and nothing is left, kIdle when the
  // reader would block before a whole line arrived.
  Result<ReadResult> Next(const ReadFn& read, Chunk* chunk);
  // True once the reader reported the end of input.
  bool eof() const { return eof_; }

 private:
  // Shared with the chunks handed out, so pieces can point into it without a copy; replaced by a
  // fresh buffer when someone still holds it at the next read.
  std::shared_ptr<std::string> buf_;
  std::vector<std::shared_ptr<std::string>> pool_;  // buffers to reuse once released
  static constexpr size_t kMaxPooled = 64;
  std::shared_ptr<std::string> FreeBuffer(size_t size);
  size_t begin_ = 0, end_ = 0;  // unconsumed bytes [begin_, end_)
  size_t chunk_bytes_, max_line_bytes_;
  PartitionId partition_;
  Offset position_;  // position of buf_[begin_]
  uint64_t line_ = 1;
  size_t last_lines_ = 0;  // lines in the previous chunk (to size the next line_ends)
  bool eof_ = false;
};

}  // namespace sluice
