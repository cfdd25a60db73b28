// Source: where rows come from. A source hands out chunks of whole NDJSON lines, each at known
// positions of a partition, and later commits positions the pipeline has acknowledged.
//
// Contract (threads): Read() is called by the pipeline's reading thread only; Commit() is called
// from the acknowledgement path (a writer thread) and must be thread-safe with Read().
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "config/config.h"
#include "core/checkpoint.h"

namespace sluice {

struct Chunk {
  PartitionId partition;
  Offset begin;             // position of data[0] within the partition
  uint64_t first_line = 1;  // line number of the first line in data
  size_t lines = 0;         // lines in data (0 if the source does not count them)
  std::string_view data;    // whole lines; the last may lack '\n' only at the end of input
  size_t capacity = 0;      // readable bytes from data.data() (≥ data.size() + 64: JSON padding)
  // The buffer `data` points into, if the source lets it be shared: holding it keeps the bytes
  // valid after the next Read() (so they need not be copied).
  std::shared_ptr<const std::string> owner;
};

enum class ReadResult { kData, kIdle, kEnd };

class Source {
 public:
  virtual ~Source() = default;
  // Opens inputs and loads the checkpoint. Fails with a message naming the file.
  virtual Status Open() = 0;
  // Fills `chunk` (kData), or returns kIdle if nothing arrived within `wait`, or kEnd when every
  // input is exhausted. The chunk's bytes stay valid until the next Read().
  virtual Result<ReadResult> Read(Chunk* chunk, std::chrono::milliseconds wait) = 0;
  // Where partition `p` resumes (its committed position) — called once, when `p` first appears.
  virtual Offset StartOf(PartitionId p) const = 0;
  // Durably records that everything of `p` before `upto` is in ClickHouse or the dead-letter file.
  virtual Status Commit(PartitionId p, Offset upto) = 0;
  // Human-readable name of a partition ("file:/data/a.ndjson", "stdin").
  virtual std::string PartitionName(PartitionId p) const = 0;
};

using SourceFactory = std::function<std::unique_ptr<Source>(const PipelineConfig&)>;
// The registry: one line per source type (registry.cc).
const std::map<std::string, SourceFactory>& SourceRegistry();

}  // namespace sluice
