#include "pipeline/runner.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <thread>
#include <unordered_set>

namespace sluice {

HttpEndpoint EndpointOf(const SinkConfig& sink) {
  HttpEndpoint e;
  e.url = sink.url;
  while (!e.url.empty() && e.url.back() == '/') e.url.pop_back();
  e.user = sink.user;
  e.password = sink.password;
  e.connect_timeout = std::chrono::milliseconds(sink.connect_timeout_ms);
  e.request_timeout = std::chrono::milliseconds(sink.request_timeout_ms);
  return e;
}

Runner::Runner(const Config& config, const PipelineConfig& pipeline)
    : config_(config), pipeline_(pipeline) {}

Runner::~Runner() = default;

Status Runner::Prepare() {
  const auto& sink = pipeline_.sink;
  client_ = std::make_unique<ClickHouseClient>(EndpointOf(sink));
  auto info = client_->Info();
  if (!info.ok())
    return info.status().Context(
        fmt::format("pipelines.{}.sink.url: cannot reach ClickHouse at {}", pipeline_.name, sink.url));
  server_ = info.value();
  auto schema = client_->DescribeTable(sink.database, sink.table);
  if (!schema.ok())
    return schema.status().Context(fmt::format("pipelines.{}.sink.table", pipeline_.name));
  schema_ = schema.value();
  JsonReaderOptions ro;
  ro.rename = pipeline_.decode.rename;
  ro.server_timezone = server_.timezone;
  auto reader = JsonReader::Create(schema_, ro);
  if (!reader.ok())
    return reader.status().Context(fmt::format("pipelines.{}.decode.rename", pipeline_.name));
  reader_ = std::move(reader.value());

  auto factory = SourceRegistry().find(pipeline_.source.type);
  if (factory == SourceRegistry().end())
    return InvalidArgument(fmt::format("pipelines.{}.source.type: unknown source '{}'",
                                       pipeline_.name, pipeline_.source.type));
  source_ = factory->second(pipeline_);
  RETURN_IF_ERROR(source_->Open().Context(fmt::format("pipelines.{}.source", pipeline_.name)));
  RETURN_IF_ERROR(dead_letter_.Open(pipeline_.dead_letter.path, pipeline_.name));

  WriterOptions wo;
  wo.pipeline = pipeline_.name;
  wo.database = sink.database;
  wo.table = sink.table;
  wo.settings = sink.settings;
  // sluice batches itself: servers that batch on their own side (async_insert) must not.
  if (server_.has_async_insert && !wo.settings.count("async_insert")) wo.settings["async_insert"] = "0";
  wo.max_in_flight = static_cast<int>(sink.max_in_flight);
  wo.initial_backoff = std::chrono::milliseconds(sink.retry.initial_backoff_ms);
  wo.max_backoff = std::chrono::milliseconds(sink.retry.max_backoff_ms);
  writer_ = std::make_unique<Writer>(
      *client_, wo, dead_letter_, stats_,
      [this](const CheckpointRanges& r) { return OnAck(r); },
      [this](PartitionId p) { return source_->PartitionName(p); });
  return Status::Ok();
}

Status Runner::OnAck(const CheckpointRanges& ranges) {
  for (const auto& r : ranges.ranges) {
    if (auto upto = acks_.Ack(r.partition, r.begin, r.end)) {
      RETURN_IF_ERROR(source_->Commit(r.partition, *upto));
    }
  }
  return Status::Ok();
}

Status Runner::CutBlock(std::unique_ptr<Block>& block) {
  if (block->checkpoint().empty() && block->rows() == 0) return Status::Ok();
  for (const auto& r : block->checkpoint().ranges) acks_.Register(r.partition, r.begin, r.end);
  auto next = std::make_unique<Block>(schema_);
  next->ReserveLike(*block);
  Status st = writer_->Submit(std::move(*block));
  block = std::move(next);
  return st;
}

Status Runner::Run(const std::atomic<bool>& stop, const std::atomic<bool>& abort) {
  using Clock = std::chrono::steady_clock;
  const auto& batch = pipeline_.sink.batch;
  const auto max_age = std::chrono::milliseconds(batch.max_age_ms);
  auto block = std::make_unique<Block>(schema_);
  auto block_started = Clock::now();
  std::unordered_set<uint32_t> seen_partitions;
  Status failure;
  Chunk chunk;

  while (!stop && failure.ok()) {
    auto wait = std::chrono::milliseconds(100);
    auto read = source_->Read(&chunk, wait);
    if (!read.ok()) {
      failure = read.status();
      break;
    }
    if (*read == ReadResult::kEnd) break;
    if (*read == ReadResult::kData) {
      if (seen_partitions.insert(chunk.partition.value).second)
        acks_.Reset(chunk.partition, chunk.begin);
      if (block->rows() == 0 && block->checkpoint().empty()) block_started = Clock::now();
      stats_.bytes_read += chunk.data.size();
      const std::string name = source_->PartitionName(chunk.partition);
      size_t pos = 0;
      size_t range_begin = 0;  // start (within chunk) of the part not yet covered by a block
      uint64_t line = chunk.first_line;
      while (pos < chunk.data.size()) {
        size_t nl = chunk.data.find('\n', pos);
        size_t end = nl == std::string_view::npos ? chunk.data.size() : nl;
        std::string_view text = chunk.data.substr(pos, end - pos);
        if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
        const size_t next = nl == std::string_view::npos ? end : nl + 1;
        bool blank = text.find_first_not_of(" \t") == std::string_view::npos;
        if (!blank) {
          stats_.rows_read += 1;
          RowOrigin origin{chunk.partition, line, Offset{chunk.begin.value + pos}};
          Status st = reader_->AppendRow(text, chunk.capacity - pos, origin, *block);
          if (!st.ok()) {
            Status dl = dead_letter_.Write(name, origin, text, st.message());
            if (!dl.ok()) {
              failure = dl;
              break;
            }
            stats_.rows_dead_lettered += 1;
          }
        }
        pos = next;
        ++line;
        if (block->rows() >= static_cast<size_t>(batch.max_rows) ||
            ((block->rows() & 1023) == 0 && block->rows() > 0 &&
             block->byte_size() >= static_cast<size_t>(batch.max_bytes))) {
          block->checkpoint().Cover(chunk.partition, Offset{chunk.begin.value + range_begin},
                                    Offset{chunk.begin.value + pos});
          range_begin = pos;
          failure = CutBlock(block);
          block_started = Clock::now();
          if (!failure.ok()) break;
        }
      }
      if (!failure.ok()) break;
      if (range_begin < chunk.data.size())
        block->checkpoint().Cover(chunk.partition, Offset{chunk.begin.value + range_begin},
                                  Offset{chunk.begin.value + chunk.data.size()});
    }
    if (!block->checkpoint().empty() && Clock::now() - block_started >= max_age) {
      failure = CutBlock(block);
      block_started = Clock::now();
    }
  }
  // Flush what was read, then wait until ClickHouse confirmed all of it.
  if (failure.ok()) failure = CutBlock(block);
  std::thread aborter([&] {
    while (!abort && writer_->Pending() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (abort) writer_->Abort();
  });
  Status drained = writer_->Drain();
  if (!abort) writer_->Abort();  // wake the watcher if still waiting
  aborter.join();
  if (failure.ok()) failure = drained;
  return failure;
}

}  // namespace sluice
