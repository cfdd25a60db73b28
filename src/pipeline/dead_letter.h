// Dead-letter output: one NDJSON line per rejected row with its raw bytes, where it came from and
// why. A row counts as handled once it is here, so Sync() runs before a checkpoint that covers it
// is committed.
// Thread-safety: all methods are safe from any thread.
#pragma once

#include <atomic>
#include <cstdio>
#include <mutex>
#include <string>
#include <string_view>

#include "core/block.h"

namespace sluice {

// How a row's partition is named in its dead-letter record.
struct SourceLabel {
  std::string name;    // "file:/data/a.ndjson", "kafka:clicks/3"
  std::string fields;  // extra JSON members without braces (`"topic":"clicks","partition":3`)
};

class DeadLetter {
 public:
  DeadLetter() = default;
  ~DeadLetter();
  // Opens (appends to) `path`, creating parent directories.
  Status Open(const std::string& path, std::string pipeline);
  // `source` names the row's partition. The record has `line` only for line-based sources.
  Status Write(const SourceLabel& source, const RowOrigin& origin, std::string_view raw,
               std::string_view reason);
  // Flushes and fsyncs everything written so far.
  Status Sync();
  uint64_t count() const { return count_.load(); }
  const std::string& path() const { return path_; }

 private:
  std::mutex mu_;
  std::FILE* f_ = nullptr;
  std::string path_;
  std::string pipeline_;
  std::atomic<uint64_t> count_{0};
};

// Appends `s` to `out` as a JSON string literal (quotes and escapes; invalid UTF-8 bytes become
// \u00XX so the output line is always valid JSON).
void AppendJsonString(std::string& out, std::string_view s);

}  // namespace sluice
