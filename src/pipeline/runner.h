// Runner: one pipeline end to end — source → JSON decode → batches → writer → ack → commit.
//
// The reading thread decodes lines into the current block and cuts it by rows, bytes or age;
// each cut block's source range is registered with the AckTracker before it is handed to the
// writer, and the source commits only the contiguous acknowledged prefix.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "clickhouse/client.h"
#include "clickhouse/writer.h"
#include "config/config.h"
#include "formats/json_reader.h"
#include "pipeline/dead_letter.h"
#include "pipeline/source.h"
#include "pipeline/stats.h"

namespace sluice {

class Runner {
 public:
  Runner(const Config& config, const PipelineConfig& pipeline);
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

 private:
  Status CutBlock(std::unique_ptr<Block>& block);
  Status OnAck(const CheckpointRanges& ranges);

  const Config& config_;
  const PipelineConfig& pipeline_;
  PipelineStats stats_;
  std::unique_ptr<ClickHouseClient> client_;
  ServerInfo server_;
  SchemaPtr schema_;
  std::unique_ptr<JsonReader> reader_;
  std::unique_ptr<Source> source_;
  DeadLetter dead_letter_;
  AckTracker acks_;
  std::unique_ptr<Writer> writer_;
};

// Builds the HTTP endpoint of a sink (credentials included; never log it whole).
HttpEndpoint EndpointOf(const SinkConfig& sink);

}  // namespace sluice
