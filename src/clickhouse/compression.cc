#include "clickhouse/compression.h"

#include <fmt/format.h>
#include <lz4.h>
#include <zlib.h>

#include <cstring>

#include "clickhouse/cityhash.h"

namespace sluice {
namespace {

void PutU32(char* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}
void PutU64(char* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}
uint32_t GetU32(const char* p) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}
uint64_t GetU64(const char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

}  // namespace

BodyCompression BodyCompressionFromName(std::string_view name) {
  if (name == "lz4") return BodyCompression::kLz4;
  if (name == "gzip") return BodyCompression::kGzip;
  SLUICE_CHECK(name == "none");
  return BodyCompression::kNone;
}

void CompressLz4Block(std::string_view raw, std::string& out) {
  for (size_t pos = 0; pos < raw.size(); pos += kLz4FrameBytes) {
    const size_t n = std::min(kLz4FrameBytes, raw.size() - pos);
    const size_t start = out.size();
    const int bound = LZ4_compressBound(static_cast<int>(n));
    out.resize(start + kChecksumBytes + kLz4HeaderBytes + static_cast<size_t>(bound));
    char* header = out.data() + start + kChecksumBytes;
    const int packed = LZ4_compress_default(raw.data() + pos, header + kLz4HeaderBytes,
                                            static_cast<int>(n), bound);
    SLUICE_CHECK(packed > 0);  // cannot fail with a bound-sized destination
    const size_t framed = kLz4HeaderBytes + static_cast<size_t>(packed);
    header[0] = static_cast<char>(kLz4Method);
    PutU32(header + 1, static_cast<uint32_t>(framed));
    PutU32(header + 5, static_cast<uint32_t>(n));
    const CityHash128Value h = CityHash128V102(header, framed);
    PutU64(out.data() + start, h.low);
    PutU64(out.data() + start + 8, h.high);
    out.resize(start + kChecksumBytes + framed);
  }
}

Status DecompressLz4Blocks(std::string_view in, std::string& out) {
  size_t pos = 0;
  while (pos < in.size()) {
    if (in.size() - pos < kChecksumBytes + kLz4HeaderBytes)
      return Internal(fmt::format("LZ4 frame at {}: truncated header", pos));
    const char* header = in.data() + pos + kChecksumBytes;
    const size_t framed = GetU32(header + 1);
    const size_t raw = GetU32(header + 5);
    if (static_cast<unsigned char>(header[0]) != kLz4Method)
      return Internal(fmt::format("LZ4 frame at {}: method {:#x}", pos, header[0] & 0xff));
    if (framed < kLz4HeaderBytes || framed > in.size() - pos - kChecksumBytes)
      return Internal(fmt::format("LZ4 frame at {}: bad compressed size {}", pos, framed));
    const CityHash128Value h = CityHash128V102(header, framed);
    if (h.low != GetU64(in.data() + pos) || h.high != GetU64(in.data() + pos + 8))
      return Internal(fmt::format("LZ4 frame at {}: checksum mismatch", pos));
    const size_t start = out.size();
    out.resize(start + raw);
    const int got =
        LZ4_decompress_safe(header + kLz4HeaderBytes, out.data() + start,
                            static_cast<int>(framed - kLz4HeaderBytes), static_cast<int>(raw));
    if (got < 0 || static_cast<size_t>(got) != raw)
      return Internal(fmt::format("LZ4 frame at {}: corrupt data", pos));
    pos += kChecksumBytes + framed;
  }
  return Status::Ok();
}

Status GzipBody(std::string_view raw, std::string& out, int level) {
  // zlib counts in 32-bit units; batches are capped far below this (sink.batch.max_bytes).
  if (raw.size() > (size_t{1} << 31)) return Internal("gzip: body larger than 2 GiB");
  z_stream z{};
  // windowBits 15 + 16: a gzip header and trailer instead of zlib's.
  if (deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    return Internal("deflateInit2 failed");
  const size_t start = out.size();
  out.resize(start + deflateBound(&z, raw.size()));
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(raw.data()));
  z.avail_in = static_cast<uInt>(raw.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data() + start);
  z.avail_out = static_cast<uInt>(out.size() - start);
  const int rc = deflate(&z, Z_FINISH);
  const size_t written = z.total_out;
  deflateEnd(&z);
  if (rc != Z_STREAM_END) {
    out.resize(start);
    return Internal(fmt::format("gzip compression failed ({})", rc));
  }
  out.resize(start + written);
  return Status::Ok();
}

}  // namespace sluice
