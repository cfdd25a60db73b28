// Source: where rows come from. A source hands out chunks of whole NDJSON lines, each at known
// positions of a partition, and later commits positions the pipeline has acknowledged.
//
// A line-based source (file, stdin) hands out whole lines at byte positions; a message-based source
// (Kafka) hands out records, one message each, at the message's offset.
//
// Contract (threads): Open(), Read(), WhileBlocked(), Unblocked() and Close() are called by the
// pipeline's reading thread only; Commit(), Owns() and the naming methods are called from the
// acknowledgement path (a writer thread) too and must be thread-safe with the rest.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "config/config.h"
#include "core/checkpoint.h"
#include "formats/metadata.h"

namespace sluice {

struct PipelineStats;

// One message of a message-based source: its bytes within the chunk's buffer and its metadata
// (whose views point into the same buffer or into strings the source keeps for its lifetime).
struct Record {
  size_t begin = 0;  // payload offset from Chunk::owner_data (not from data)
  size_t size = 0;   // 0: no payload (a tombstone): covered, but not a row
  RecordMeta meta;
};

struct Chunk {
  PartitionId partition;
  Offset begin;             // position of data[0] within the partition
  uint64_t first_line = 1;  // line number of the first line in data
  size_t lines = 0;         // lines in data (0 if the source does not count them)
  std::string_view data;    // whole lines; the last may lack '\n' only at the end of input
  size_t capacity = 0;      // readable bytes from data.data() (≥ data.size() + 64: JSON padding)
  // The buffer `data` points into, if the source lets it be shared: holding it keeps the bytes
  // valid after the next Read() (so they need not be copied).
  // (Any holder: a read buffer, a file mapping.) owner_data/owner_size: the bytes it keeps valid.
  std::shared_ptr<const void> owner;
  const char* owner_data = nullptr;
  size_t owner_size = 0;
  // Line sources may hand on where each line ends (found while splitting the stream, so nobody
  // scans for newlines again): for line i of data, the offset of its '\n' (or data.size() for a
  // last line without one). If set, lines == line_ends->size().
  std::shared_ptr<const std::vector<size_t>> line_ends;
  // Message-based sources: the messages, in offset order, with `lines` == records->size(). They
  // cover [begin, end); offsets between them (compaction, transaction markers) are covered too.
  std::shared_ptr<const std::vector<Record>> records;
  Offset end;  // records only: one past the last position covered
};

// What the pipeline offers a source.
struct SourceContext {
  // Waits until every range of `p` registered so far is acknowledged, or until `deadline`;
  // true if all were. Called on the reading thread (a rebalance, inside Read or WhileBlocked).
  std::function<bool(PartitionId p, std::chrono::steady_clock::time_point deadline)> wait_acked;
  PipelineStats* stats = nullptr;    // the pipeline's counters; outlives the source
  uint64_t memory_budget_bytes = 0;  // the process's memory budget (sizes internal buffers)
};

enum class ReadResult { kData, kIdle, kEnd };

class Source {
 public:
  virtual ~Source() = default;
  // Opens inputs and loads the checkpoint. Fails with a message naming the file (or broker).
  virtual Status Open(const SourceContext& context) = 0;
  // Fills `chunk` (kData), or returns kIdle if nothing arrived within `wait`, or kEnd when every
  // input is exhausted. The chunk's bytes stay valid until the next Read().
  virtual Result<ReadResult> Read(Chunk* chunk, std::chrono::milliseconds wait) = 0;
  // Where partition `p` resumes (its committed position) — called once, when `p` first appears.
  virtual Offset StartOf(PartitionId p) const = 0;
  // Durably records that everything of `p` before `upto` is in ClickHouse or the dead-letter file.
  virtual Status Commit(PartitionId p, Offset upto) = 0;
  // Human-readable name of a partition ("file:/data/a.ndjson", "stdin", "kafka:clicks/3").
  virtual std::string PartitionName(PartitionId p) const = 0;
  // Extra members for a dead-letter record of a row from `p`, as JSON members without braces
  // (`"topic":"clicks","partition":3`), or "".
  virtual std::string DeadLetterFields(PartitionId p) const { return {}; }

  // Backpressure. The reading thread calls WhileBlocked() about every 100 ms while it waits for
  // room (memory budget, decode queue), and Unblocked() once room came back. A source that must
  // keep talking to its server meanwhile (Kafka: group membership) pauses fetching and serves
  // its protocol here.
  virtual Status WhileBlocked() { return Status::Ok(); }
  virtual void Unblocked() {}
  // False once `p` was taken away (a rebalance): the reading thread then drops what it still
  // holds of `p` instead of queuing it.
  virtual bool Owns(PartitionId p) const { return true; }
  // Final commit and clean leave, after the pipeline drained. Called once, on the reading thread.
  virtual Status Close() { return Status::Ok(); }
};

using SourceFactory = std::function<std::unique_ptr<Source>(const PipelineConfig&)>;
// The registry: one line per source type (registry.cc).
const std::map<std::string, SourceFactory>& SourceRegistry();

}  // namespace sluice
