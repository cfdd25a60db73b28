#include "sources/line_buffer.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#elif defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace sluice {

namespace {

constexpr size_t kPad = 64;

// Stores, from `at`, base + the position of every set bit of `hits`; returns the new end.
[[gnu::always_inline]] inline size_t* StoreEnds(uint64_t hits, size_t base, size_t* at) {
  for (; hits != 0; hits &= hits - 1) *at++ = base + static_cast<size_t>(__builtin_ctzll(hits));
  return at;
}

// The newline mask of 64 bytes at p.
#if defined(__x86_64__)
[[gnu::target("avx2")]] uint64_t NewlinesAvx2(const char* p) {
  const __m256i newline = _mm256_set1_epi8('\n');
  const auto lo = static_cast<uint32_t>(_mm256_movemask_epi8(
      _mm256_cmpeq_epi8(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)), newline)));
  const auto hi = static_cast<uint32_t>(_mm256_movemask_epi8(
      _mm256_cmpeq_epi8(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32)), newline)));
  return static_cast<uint64_t>(hi) << 32 | lo;
}
#endif
#if defined(__SSE2__)
[[gnu::always_inline]] inline uint64_t NewlinesSse2(const char* p) {
  const __m128i newline = _mm_set1_epi8('\n');
  auto mask16 = [&](int at) {
    const __m128i block = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + at));
    return static_cast<uint64_t>(
        static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(block, newline))));
  };
  return mask16(0) | mask16(16) << 16 | mask16(32) << 32 | mask16(48) << 48;
}
#endif

// Every '\n' in data[0, size & ~63) into `out` from its start, growing it as needed; returns how
// many. Room is made for a whole stretch of kStretch blocks at once (at most 64 ends each), so the
// blocks of a stretch store without a capacity check: one check per 16 blocks, not per block.
template <uint64_t (*Newlines)(const char*)>
[[gnu::always_inline]] inline size_t ScanBlocks(const char* data, size_t size,
                                                std::vector<size_t>& out) {
  constexpr size_t kStretch = 16 * 64;
  const size_t blocks_end = size & ~size_t{63};
  size_t n = 0;
  for (size_t i = 0; i < blocks_end;) {
    if (out.size() < n + kStretch) out.resize(2 * out.size() + kStretch);
    size_t* at = out.data() + n;
    for (const size_t stop = std::min(blocks_end, i + kStretch); i < stop; i += 64)
      at = StoreEnds(Newlines(data + i), i, at);
    n = static_cast<size_t>(at - out.data());
  }
  return n;
}

#if defined(__x86_64__)
[[gnu::target("avx2")]] size_t ScanAvx2(const char* data, size_t size, std::vector<size_t>& out) {
  return ScanBlocks<NewlinesAvx2>(data, size, out);
}
const bool kHasAvx2 = __builtin_cpu_supports("avx2");
#endif

}  // namespace

std::shared_ptr<std::vector<size_t>> FindLineEnds(std::string_view data, size_t expected) {
  auto ends = std::make_shared<std::vector<size_t>>();
  std::vector<size_t>& out = *ends;
  size_t i = 0;
#if defined(__SSE2__)
  // 64 bytes per step, every newline of the step from one mask: lines are short, so a memchr
  // call per line would cost more than the scan. The vector is sized ahead and trimmed after.
  out.resize(std::max<size_t>(expected + expected / 4, 64));
  size_t n;
#if defined(__x86_64__)
  if (kHasAvx2)
    n = ScanAvx2(data.data(), data.size(), out);
  else
#endif
    n = ScanBlocks<NewlinesSse2>(data.data(), data.size(), out);
  out.resize(n);
  i = data.size() & ~size_t{63};
#endif
  for (; i < data.size(); ++i)
    if (data[i] == '\n') out.push_back(i);
  if (!data.empty() && data.back() != '\n') out.push_back(data.size());
  return ends;
}

LineBuffer::LineBuffer(size_t chunk_bytes, size_t max_line_bytes)
    : chunk_bytes_(chunk_bytes), max_line_bytes_(max_line_bytes) {}

std::shared_ptr<std::string> LineBuffer::FreeBuffer(size_t size) {
  // A pooled buffer nobody else holds any more is reused as it is: no zero-filling, no fresh
  // pages to fault in.
  for (auto& b : pool_) {
    if (b.use_count() == 1 && b.get() != buf_.get()) {
      if (b->size() < size) b->resize(size);
      return b;
    }
  }
  pool_.push_back(std::make_shared<std::string>(size, '\0'));
  if (pool_.size() > kMaxPooled) pool_.erase(pool_.begin());  // forget (not free) the oldest
  return pool_.back();
}

void LineBuffer::Reset(PartitionId p, Offset start, uint64_t first_line) {
  partition_ = p;
  position_ = start;
  line_ = first_line;
  begin_ = end_ = 0;
  eof_ = false;
}

Result<ReadResult> LineBuffer::Next(const ReadFn& read, Chunk* chunk) {
  // The buffer is made on first use: a source that maps its files never reads through it.
  if (buf_ == nullptr) buf_ = std::make_shared<std::string>(chunk_bytes_ + kPad, '\0');
  chunk->owner.reset();  // the caller is done with the previous chunk
  chunk->owner_data = nullptr;
  chunk->owner_size = 0;
  chunk->line_ends.reset();
  if (begin_ > 0) {
    if (buf_.use_count() > 1) {
      // Pieces of earlier chunks still point into it: continue in another buffer.
      auto next = FreeBuffer(buf_->size());
      std::memcpy(next->data(), buf_->data() + begin_, end_ - begin_);
      buf_ = std::move(next);
    } else {
      std::memmove(buf_->data(), buf_->data() + begin_, end_ - begin_);
    }
    end_ -= begin_;
    begin_ = 0;
  }
  std::string& buf = *buf_;
  size_t scan_from = 0;
  size_t last_nl = std::string::npos;
  while (true) {
    // Look for the last newline in the unscanned part.
    if (end_ > scan_from) {
      const void* nl = ::memrchr(buf.data() + scan_from, '\n', end_ - scan_from);
      if (nl != nullptr) last_nl = static_cast<size_t>(static_cast<const char*>(nl) - buf.data());
    }
    if (last_nl != std::string::npos) break;
    scan_from = end_;
    if (eof_) break;
    if (end_ - begin_ >= max_line_bytes_) break;  // over-long line: hand it out cut
    if (buf.size() - kPad - end_ < chunk_bytes_ / 2) {
      const size_t want = std::max(buf.size() * 2, end_ + chunk_bytes_ + kPad);
      buf.resize(std::min(want, max_line_bytes_ + chunk_bytes_ + kPad));
    }
    const size_t room = buf.size() - kPad - end_;
    if (room == 0) break;
    long n = read(buf.data() + end_, room);
    if (n == kWouldBlock) return ReadResult::kIdle;  // partial line stays buffered
    if (n < 0) return IoError(fmt::format("read failed: {}", std::strerror(errno)));
    if (n == 0) {
      eof_ = true;
      continue;
    }
    end_ += static_cast<size_t>(n);
  }
  size_t take;
  if (last_nl != std::string::npos) {
    take = last_nl + 1;
  } else {
    // End of input without a final newline, or an over-long line (cut at the limit).
    take = std::min(end_, max_line_bytes_);
  }
  if (take == 0) return ReadResult::kEnd;
  chunk->partition = partition_;
  chunk->begin = position_;
  chunk->first_line = line_;
  chunk->data = std::string_view(buf.data(), take);
  chunk->capacity = buf.size();
  chunk->owner = buf_;
  chunk->owner_data = buf.data();
  chunk->owner_size = buf.size();
  // One scan finds every line end: the pipeline splits and decodes by these, never rescanning.
  auto ends = FindLineEnds(std::string_view(buf.data(), take), last_lines_);
  line_ += ends->size() - (buf[take - 1] == '\n' ? 0 : 1);
  last_lines_ = ends->size();
  chunk->lines = ends->size();
  chunk->line_ends = std::move(ends);
  position_.value += take;
  begin_ = take;
  return ReadResult::kData;
}

}  // namespace sluice
