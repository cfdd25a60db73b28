// Runner: one pipeline end to end — source → JSON decode → batches → writer → ack → commit.
//
// The reading thread cuts the source's chunks into pieces of whole lines (at most max_rows lines
// each), registers each piece's range with the AckTracker in source order, and queues it. Decode
// workers (one JsonReader each) turn pieces into rows of their own block and cut it by rows,
// bytes or age; a block may hold several disjoint pieces. Blocks complete in any order; the
// source commits only the contiguous acknowledged prefix, so parallelism never moves a
// checkpoint past a gap. The bounded piece queue and the writer's bounded queue are the
// backpressure: when ClickHouse is slow, workers block in Submit, the queue fills, reading stops.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>

#include "clickhouse/client.h"
#include "clickhouse/writer.h"
#include "config/config.h"
#include "formats/json_reader.h"
#include "pipeline/budget.h"
#include "pipeline/dead_letter.h"
#include "pipeline/source.h"
#include "pipeline/stats.h"
#include "pipeline/transform_chain.h"

namespace sluice {

class Runner {
 public:
  // `budget` is shared by every pipeline of the process and must outlive the runner; transforms
  // keep their state under `state_dir`.
  Runner(const PipelineConfig& pipeline, ByteBudget& budget, std::string state_dir = ".");
  ~Runner();

  // Connects, reads the table schema, opens the source and the dead-letter file.
  Status Prepare();
  // Runs until the input ends or `stop` is set, then flushes and waits for acknowledgement.
  // `abort` set while draining abandons unacknowledged batches (they will be re-read).
  Status Run(const std::atomic<bool>& stop, const std::atomic<bool>& abort);

  const PipelineStats& stats() const { return stats_; }
  const PipelineConfig& config() const { return pipeline_; }
  const ServerInfo& server() const { return server_; }
  const DeadLetter& dead_letter() const { return dead_letter_; }
  // Pieces read and waiting for a decode worker.
  size_t QueuedPieces() const {
    std::lock_guard lock(mu_);
    return pieces_.size();
  }

 private:
  // Whole lines (or messages) of one partition, in a buffer shared with the source or copied out
  // of it (plus simdjson padding).
  struct Piece {
    PartitionId partition;
    Offset begin;
    Offset end;  // positions covered: [begin, end)
    uint64_t first_line = 0;
    size_t lines = 0;     // upper bound on the rows it yields
    size_t offset = 0;    // where its lines start in *data
    size_t size = 0;      // bytes of lines from there (readable padding follows)
    uint64_t charge = 0;  // bytes taken from the budget for it
    // The bytes [base, base + base_size) its lines (or records) are in, kept valid by `keep`.
    std::shared_ptr<const void> keep;
    const char* base = nullptr;
    size_t base_size = 0;
    // Line pieces: lines [line_from, line_to) of *line_ends (as the source found them, or Read
    // if it did not), whose offsets are `line_base` more than positions in the piece's lines.
    std::shared_ptr<const std::vector<size_t>> line_ends;
    size_t line_from = 0, line_to = 0, line_base = 0;
    // Message-based sources: records [record_from, record_to) of *records (offsets into *data).
    std::shared_ptr<const std::vector<Record>> records;
    size_t record_from = 0, record_to = 0;
    bool last = false;  // no more pieces
  };

  Status CutBlock(std::unique_ptr<Block>& block);
  // An empty block for the next batch: an acknowledged one emptied for reuse if there is one,
  // else a new one reserved like `like`. Any decode thread.
  std::unique_ptr<Block> NextBlock(const Block& like);
  // Keeps an acknowledged block of schema_ for NextBlock (at most one per decode thread: spares
  // hold memory outside the budget). Sender threads.
  void Recycle(Block&& block);
  Status OnAck(const Block& block);
  Status Read(const std::atomic<bool>& stop);
  // Queues bytes [from, to) of the chunk: `lines` lines from `first_line`, which are lines
  // [line_from, line_from + lines) of chunk.line_ends. REQUIRES chunk.line_ends.
  Status QueuePiece(const Chunk& chunk, size_t from, size_t to, uint64_t first_line, size_t lines,
                    size_t line_from, const std::atomic<bool>& stop);
  Status QueueRecords(const Chunk& chunk, const std::atomic<bool>& stop);
  // Takes budget for `piece`, registers its range and queues it; drops it if its partition was
  // taken away meanwhile.
  Status Enqueue(Piece piece, const std::atomic<bool>& stop);
  // Called while the reading thread waits for room: lets the source serve its protocol.
  void Idle();
  // Waits (serving the source) until the piece queue has room; false if the pipeline failed.
  bool WaitForRoom();
  void Push(Piece piece);
  // Pops a piece, waiting until `deadline`; false on time-out.
  bool Pop(Piece* piece, std::chrono::steady_clock::time_point deadline);
  Status Decode(JsonReader& reader);
  Status DecodePiece(JsonReader& reader, const Piece& piece, Block& block);
  Status DecodeLines(JsonReader& reader, const Piece& piece, Block& block);
  Status DecodeRecords(JsonReader& reader, const Piece& piece, Block& block);
  SourceLabel LabelOf(PartitionId p) const;
  // Which of `values` are in the table's column `column` (as text): for dedup after a crash.
  Result<std::vector<std::string>> ExistingInTable(const std::string& column,
                                                   const std::vector<std::string>& values);
  void SetFailure(const Status& st);

  const PipelineConfig& pipeline_;
  ByteBudget& budget_;
  std::string state_dir_;
  PipelineStats stats_;
  std::unique_ptr<ClickHouseClient> client_;
  ServerInfo server_;
  SchemaPtr table_;   // the target table's columns
  SchemaPtr schema_;  // decoded blocks: the table's columns plus decode.fields
  std::unique_ptr<TransformChain> transforms_;
  std::vector<std::unique_ptr<JsonReader>> readers_;  // one per decode worker
  std::unique_ptr<Source> source_;
  DeadLetter dead_letter_;
  AckTracker acks_;
  std::unique_ptr<Writer> writer_;
  std::mutex spare_mu_;
  std::vector<std::unique_ptr<Block>> spare_;  // emptied acknowledged blocks (Recycle)

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Piece> pieces_;
  size_t max_pieces_ = 4;
  Status failure_;
  std::atomic<bool> failed_{false};
  bool blocked_ = false;  // the reading thread called source_->WhileBlocked() (reading thread)
};

// JsonReader::Create's problems (one per line: "rename 'a' → 'b': …", "metadata 'c': …"), each
// prefixed with its config path (`pipelines.<p>.decode.`).
std::string DecodeErrorPaths(const std::string& pipeline, const std::string& message);

// Builds the HTTP endpoint of a sink (credentials included; never log it whole).
HttpEndpoint EndpointOf(const SinkConfig& sink);

}  // namespace sluice
