// Request-body compression for INSERTs (sink.compression).
//
// lz4: ClickHouse's own compressed blocks, sent with `&decompress=1`. Each frame is
//   [16 bytes CityHash128 v1.0.2 of the rest: low word, high word, little-endian]
//   [1 byte method: 0x82 = LZ4]
//   [UInt32 LE: compressed size, including this 9-byte header]
//   [UInt32 LE: uncompressed size]
//   [LZ4 block]
// and a body is split into frames of at most kLz4FrameBytes input bytes, as ClickHouse itself
// writes them (its buffers are 1 MiB). The server checks every checksum.
// gzip: a plain gzip stream, sent with `Content-Encoding: gzip` (for proxies in between).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/status.h"

namespace sluice {

enum class BodyCompression { kNone, kLz4, kGzip };

// "none" | "lz4" | "gzip" (validated by the config); anything else is a broken invariant.
BodyCompression BodyCompressionFromName(std::string_view name);

inline constexpr size_t kLz4FrameBytes = size_t{1} << 20;
inline constexpr size_t kLz4HeaderBytes = 9;
inline constexpr size_t kChecksumBytes = 16;
inline constexpr unsigned char kLz4Method = 0x82;

// Appends `raw` to `out` as ClickHouse LZ4 frames (none for an empty input).
void CompressLz4Block(std::string_view raw, std::string& out);
// Appends the frames' uncompressed contents to `out`, verifying checksums, sizes and method.
Status DecompressLz4Blocks(std::string_view framed, std::string& out);

// Appends `raw` to `out` as one gzip stream (deflate level 1: speed over ratio).
Status GzipBody(std::string_view raw, std::string& out, int level = 1);

}  // namespace sluice
