// Writer: sends blocks to ClickHouse as `INSERT … FORMAT Native` and acknowledges them only when
// ClickHouse confirmed them (ARCHITECTURE §2).
//
// A batch keeps its encoded bytes until it is acknowledged. Each failure is classified
// (errors.h): retryable → back off (exponential, capped, jittered) and re-send the same bytes on a
// new connection, without limit, while Submit() blocks the source (backpressure); permanent → the
// writer fails and the pipeline stops with the error; row-level → the batch is split in halves
// until the bad rows are isolated, which go to the dead-letter file, and the rest is inserted.
//
// Threads: Submit()/Drain()/Abort() from the pipeline thread; max_in_flight sender threads do the
// sending and call `on_ack` (which must be thread-safe) once per batch, in any order.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "clickhouse/client.h"
#include "clickhouse/compression.h"
#include "core/block.h"
#include "formats/native_writer.h"
#include "pipeline/dead_letter.h"
#include "pipeline/stats.h"

namespace sluice {

struct WriterOptions {
  std::string pipeline;
  std::string database;
  std::string table;
  std::map<std::string, std::string> settings;  // sent with every INSERT
  int max_in_flight = 2;
  std::chrono::milliseconds initial_backoff{100};
  std::chrono::milliseconds max_backoff{10000};
  NativeOptions native;
  // Request body encoding: lz4 = ClickHouse's compressed blocks (`decompress=1`), gzip =
  // `Content-Encoding: gzip`. The body is compressed once per batch and re-sent as is on retries.
  BodyCompression compression = BodyCompression::kNone;
};

class Writer {
 public:
  using AckFn = std::function<Status(const Block&)>;  // block.checkpoint() is confirmed
  using NameFn = std::function<SourceLabel(PartitionId)>;
  // Takes each block once it is acknowledged (after on_ack), so its buffers can be reused.
  // Called by sender threads; must be thread-safe. Optional.
  using RecycleFn = std::function<void(Block&&)>;

  Writer(ClickHouseClient& client, WriterOptions options, DeadLetter& dead_letter,
         PipelineStats& stats, AckFn on_ack, NameFn partition_name, RecycleFn recycle = {});
  ~Writer();

  // Queues a block (possibly with zero rows: its range is still acknowledged). Blocks while the
  // queue is full. Returns the writer's failure if it has stopped on a permanent error.
  Status Submit(Block block);
  // Waits until the queue has room, so that a Submit right after it does not block unless
  // another thread took that room first. Returns the writer's failure as Submit does. Any thread.
  Status AwaitRoom();
  // Waits until every submitted block is acknowledged (or the writer failed/aborted).
  Status Drain();
  // Stops retrying: in-flight batches are abandoned unacknowledged (they will be re-read).
  void Abort();
  // Blocks queued or being sent.
  size_t Pending() const;

 private:
  void SenderLoop();
  // A sender thread's body buffers, reused from batch to batch so their pages stay mapped.
  struct Buffers {
    NativeBody body;     // the encoded block, uncompressed
    std::string native;  // the encoded block in one piece, to be compressed (sink.compression)
    std::string packed;  // its compressed form
  };
  Status SendBlock(const Block& block, const std::string& query_id, Buffers& buffers);
  void Fail(Status st);
  Status WaitForRoomLocked(std::unique_lock<std::mutex>& lock);  // holds mu_
  bool SleepBackoff(int attempt);

  ClickHouseClient& client_;
  WriterOptions options_;
  DeadLetter& dead_letter_;
  PipelineStats& stats_;
  AckFn on_ack_;
  NameFn partition_name_;
  RecycleFn recycle_;
  std::string settings_params_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::pair<uint64_t, Block>> queue_;
  size_t in_flight_ = 0;
  uint64_t next_seq_ = 0;
  bool closing_ = false;
  std::atomic<bool> aborted_{false};
  Status failure_;
  std::vector<std::thread> threads_;
};

}  // namespace sluice
