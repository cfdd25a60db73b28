#include "pipeline/runner.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <thread>
#include <unordered_set>

#include "clickhouse/sql.h"
#include "core/thread_name.h"
#include "sources/line_buffer.h"

namespace sluice {

std::string DecodeErrorPaths(const std::string& pipeline, const std::string& message) {
  return PrefixEachLine(fmt::format("pipelines.{}.decode.", pipeline), message);
}

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

Runner::Runner(const PipelineConfig& pipeline, ByteBudget& budget, std::string state_dir)
    : pipeline_(pipeline), budget_(budget), state_dir_(std::move(state_dir)) {}

Runner::~Runner() = default;

Status Runner::Prepare() {
  const auto& sink = pipeline_.sink;
  client_ = std::make_unique<ClickHouseClient>(EndpointOf(sink));
  auto info = client_->Info();
  if (!info.ok())
    return info.status().Context(fmt::format("pipelines.{}.sink.url: cannot reach ClickHouse at {}",
                                             pipeline_.name, sink.url));
  server_ = info.value();
  auto schema = client_->DescribeTable(sink.database, sink.table);
  if (!schema.ok())
    return schema.status().Context(fmt::format("pipelines.{}.sink.table", pipeline_.name));
  table_ = schema.value();
  // Decoded blocks hold the table's columns plus the extra input fields transforms use.
  schema_ = table_;
  if (!pipeline_.decode.fields.empty()) {
    auto input = std::make_shared<Schema>(*table_);
    std::string errors;
    for (const auto& [name, type_name] : pipeline_.decode.fields) {
      auto type = ParseType(type_name);
      if (input->IndexOf(name) >= 0)
        errors += fmt::format("pipelines.{}.decode.fields.{}: '{}' is already a column of {}\n",
                              pipeline_.name, name, name, sink.table);
      else if (!type.ok())
        errors += fmt::format("pipelines.{}.decode.fields.{}: {}\n", pipeline_.name, name,
                              type.status().message());
      else
        input->columns.push_back({name, type.value(), DefaultKind::kNone, ""});
    }
    if (!errors.empty()) {
      errors.pop_back();
      return InvalidArgument(errors);
    }
    schema_ = input;
  }
  TransformContext tctx{pipeline_.name,
                        state_dir_,
                        &stats_,
                        [this](PartitionId p) { return source_->PartitionName(p); },
                        [this] { return failed_.load(); },
                        table_,
                        [this](const std::string& column, const std::vector<std::string>& values) {
                          return ExistingInTable(column, values);
                        }};
  auto chain = TransformChain::Create(pipeline_, schema_, table_, server_.timezone, tctx);
  if (!chain.ok()) return chain.status();
  transforms_ = std::move(chain.value());
  JsonReaderOptions ro;
  ro.rename = pipeline_.decode.rename;
  ro.server_timezone = server_.timezone;
  ro.metadata = pipeline_.decode.metadata;
  if (!ro.metadata.empty() && pipeline_.source.type != "kafka")
    return InvalidArgument(fmt::format(
        "pipelines.{}.decode.metadata: only a kafka source has message metadata (source type is "
        "'{}')",
        pipeline_.name, pipeline_.source.type));
  size_t threads = static_cast<size_t>(pipeline_.decode.threads);
  if (transforms_->ordered() && threads > 1) {
    // "The first event wins" needs batches in source order: one decode worker.
    spdlog::info("{}: decode.threads {} → 1: the pipeline's dedup needs rows in source order",
                 pipeline_.name, threads);
    threads = 1;
  }
  for (size_t i = 0; i < threads; ++i) {
    auto reader = JsonReader::Create(schema_, ro);
    if (!reader.ok())
      return InvalidArgument(DecodeErrorPaths(pipeline_.name, reader.status().message()));
    readers_.push_back(std::move(reader.value()));
  }
  max_pieces_ = 2 * threads;

  auto factory = SourceRegistry().find(pipeline_.source.type);
  if (factory == SourceRegistry().end())
    return InvalidArgument(fmt::format("pipelines.{}.source.type: unknown source '{}'",
                                       pipeline_.name, pipeline_.source.type));
  source_ = factory->second(pipeline_);
  SourceContext context;
  context.stats = &stats_;
  context.memory_budget_bytes = budget_.limit();
  context.wait_acked = [this](PartitionId p, std::chrono::steady_clock::time_point deadline) {
    while (!acks_.Drained(p)) {
      if (failed_ || std::chrono::steady_clock::now() >= deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return true;
  };
  RETURN_IF_ERROR(
      source_->Open(context).Context(fmt::format("pipelines.{}.source", pipeline_.name)));
  RETURN_IF_ERROR(dead_letter_.Open(pipeline_.dead_letter.path, pipeline_.name));

  WriterOptions wo;
  wo.pipeline = pipeline_.name;
  wo.database = sink.database;
  wo.table = sink.table;
  wo.settings = sink.settings;
  // sluice batches itself: servers that batch on their own side (async_insert) must not.
  if (server_.has_async_insert && !wo.settings.count("async_insert"))
    wo.settings["async_insert"] = "0";
  wo.max_in_flight = static_cast<int>(sink.max_in_flight);
  wo.initial_backoff = std::chrono::milliseconds(sink.retry.initial_backoff_ms);
  wo.max_backoff = std::chrono::milliseconds(sink.retry.max_backoff_ms);
  wo.compression = BodyCompressionFromName(sink.compression);
  writer_ = std::make_unique<Writer>(
      *client_, wo, dead_letter_, stats_, [this](const Block& b) { return OnAck(b); },
      [this](PartitionId p) { return LabelOf(p); }, [this](Block&& b) { Recycle(std::move(b)); });
  return Status::Ok();
}

Result<std::vector<std::string>> Runner::ExistingInTable(const std::string& column,
                                                         const std::vector<std::string>& values) {
  std::vector<std::string> found;
  const std::string col = QuoteIdentifier(column);
  // Chunks keep the URL (the query travels in it) well under the server's limit.
  for (size_t from = 0; from < values.size(); from += 100) {
    std::string list;
    for (size_t i = from; i < std::min(values.size(), from + 100); ++i) {
      if (!list.empty()) list += ',';
      list += QuoteString(values[i]);
    }
    ASSIGN_OR_RETURN(std::string out,
                     client_->Query(fmt::format(
                         "SELECT DISTINCT toString({}) FROM {}.{} WHERE toString({}) IN ({}) "
                         "FORMAT TabSeparatedRaw",
                         col, QuoteIdentifier(pipeline_.sink.database),
                         QuoteIdentifier(pipeline_.sink.table), col, list)));
    for (size_t b = 0; b < out.size();) {
      const size_t e = std::min(out.find('\n', b), out.size());
      if (e > b) found.push_back(out.substr(b, e - b));
      b = e + 1;
    }
  }
  return found;
}

SourceLabel Runner::LabelOf(PartitionId p) const {
  return SourceLabel{source_->PartitionName(p), source_->DeadLetterFields(p)};
}

Status Runner::OnAck(const Block& block) {
  // Transforms make their state durable first (dedup keys): a commit must never precede it.
  for (const auto& hook : block.on_ack()) hook();
  budget_.Release(block.budget_charge());
  for (const auto& r : block.checkpoint().ranges) {
    if (auto upto = acks_.Ack(r.partition, r.begin, r.end)) {
      RETURN_IF_ERROR(source_->Commit(r.partition, *upto));
      stats_.committed.Advance(r.partition.value, upto->value);
    }
  }
  return Status::Ok();
}

void Runner::Recycle(Block&& block) {
  // Transforms may have reshaped it into the table's schema: only decoded blocks are reused.
  if (block.schema_ptr() != schema_) return;
  auto spare = std::make_unique<Block>(std::move(block));
  spare->Reset();  // drops the input buffers now, as destroying the block would
  std::lock_guard lock(spare_mu_);
  if (spare_.size() < readers_.size()) spare_.push_back(std::move(spare));
}

std::unique_ptr<Block> Runner::NextBlock(const Block& like) {
  {
    std::lock_guard lock(spare_mu_);
    if (!spare_.empty()) {
      auto b = std::move(spare_.back());
      spare_.pop_back();
      return b;
    }
  }
  auto b = std::make_unique<Block>(schema_);
  b->ReserveLike(like);
  return b;
}

Status Runner::CutBlock(std::unique_ptr<Block>& block) {
  if (block->checkpoint().empty() && block->rows() == 0) return Status::Ok();
  // Room first, then the next block: a decoder waiting for ClickHouse holds one block, not two,
  // so fewer blocks are alive at once and less fresh memory has to be faulted in.
  RETURN_IF_ERROR(writer_->AwaitRoom());
  auto next = NextBlock(*block);
  if (!transforms_->passthrough()) {
    Block& b = *block;
    const uint64_t before = b.rows();
    uint64_t rejected = 0;
    RETURN_IF_ERROR(transforms_->Apply(b, [&](size_t row, const std::string& reason) {
      ++rejected;
      return dead_letter_.Write(LabelOf(b.origin(row).partition), b.origin(row), b.raw(row),
                                reason);
    }));
    stats_.rows_dead_lettered += rejected;
    stats_.rows_filtered += before - rejected - b.rows();
  }
  Status st = writer_->Submit(std::move(*block));
  block = std::move(next);
  return st;
}

void Runner::SetFailure(const Status& st) {
  std::lock_guard lock(mu_);
  if (failure_.ok()) failure_ = st;
  failed_ = true;
  cv_.notify_all();
}

void Runner::Idle() {
  if (!blocked_) blocked_ = true;
  Status st = source_->WhileBlocked();
  if (!st.ok()) SetFailure(st);
}

bool Runner::WaitForRoom() {
  std::unique_lock lock(mu_);
  auto room = [&] { return failed_ || pieces_.size() < max_pieces_; };
  while (!room()) {
    if (cv_.wait_for(lock, std::chrono::milliseconds(100), room)) break;
    lock.unlock();
    Idle();
    lock.lock();
  }
  return !failed_;
}

void Runner::Push(Piece piece) {
  std::lock_guard lock(mu_);
  pieces_.push_back(std::move(piece));
  cv_.notify_all();
}

bool Runner::Pop(Piece* piece, std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(mu_);
  if (!cv_.wait_until(lock, deadline, [&] { return !pieces_.empty(); })) return false;
  *piece = std::move(pieces_.front());
  if (!piece->last) pieces_.pop_front();  // the end marker stays for every worker to see
  cv_.notify_all();
  return true;
}

Status Runner::QueuePiece(const Chunk& chunk, size_t from, size_t to, uint64_t first_line,
                          size_t lines, size_t line_from, const std::atomic<bool>& stop) {
  Piece piece;
  piece.line_ends = chunk.line_ends;
  piece.line_from = line_from;
  piece.line_to = line_from + lines;
  piece.line_base = from;
  if (chunk.owner && 2 * chunk.data.size() >= chunk.owner_size) {
    // The source shares its buffer and the chunk fills most of it: point into it, no copy.
    // (A small chunk — a trickle from stdin — is copied instead, so it does not pin a whole
    // read buffer that the memory budget would not see.)
    piece.keep = chunk.owner;
    piece.base = chunk.owner_data;
    piece.base_size = chunk.owner_size;
    piece.offset = static_cast<size_t>(chunk.data.data() - chunk.owner_data) + from;
  } else {
    auto data = std::make_shared<std::string>();
    data->reserve(to - from + JsonReader::kPadding);
    data->append(chunk.data.substr(from, to - from));
    data->append(JsonReader::kPadding, '\0');
    piece.base = data->data();
    piece.base_size = data->size();
    piece.keep = std::move(data);
  }
  piece.partition = chunk.partition;
  piece.begin = Offset{chunk.begin.value + from};
  piece.end = Offset{chunk.begin.value + to};
  piece.first_line = first_line;
  piece.lines = lines;
  piece.size = to - from;
  return Enqueue(std::move(piece), stop);
}

Status Runner::QueueRecords(const Chunk& chunk, const std::atomic<bool>& stop) {
  const size_t max_rows = static_cast<size_t>(pipeline_.sink.batch.max_rows);
  const auto& records = *chunk.records;
  Offset begin = chunk.begin;
  for (size_t from = 0; from < records.size();) {
    const size_t to = std::min(records.size(), from + max_rows);
    Piece piece;
    piece.partition = chunk.partition;
    piece.begin = begin;
    piece.end =
        to == records.size() ? chunk.end : Offset{static_cast<uint64_t>(records[to].meta.offset)};
    piece.lines = to - from;
    piece.keep = chunk.owner;
    piece.base = chunk.owner_data;
    piece.base_size = chunk.owner_size;
    piece.records = chunk.records;
    piece.record_from = from;
    piece.record_to = to;
    piece.offset = records[from].begin;
    const auto& last = records[to - 1];
    piece.size = last.begin + last.size - records[from].begin;
    begin = piece.end;
    from = to;
    RETURN_IF_ERROR(Enqueue(std::move(piece), stop));
  }
  return Status::Ok();
}

Status Runner::Enqueue(Piece piece, const std::atomic<bool>& stop) {
  // Decoded columns take about as much memory again as the raw bytes they came from.
  piece.charge = 2 * (piece.size + JsonReader::kPadding);
  const bool got = budget_.Acquire(
      piece.charge, [&] { return failed_ || stop; }, [this] { Idle(); });
  // Room in the queue is awaited before the piece is registered: a rebalance served while we
  // wait must not wait in turn for a range that only this thread could hand on.
  const bool room = got && WaitForRoom();
  if (blocked_) {
    blocked_ = false;
    source_->Unblocked();
  }
  if (!got) return Status::Ok();
  if (!room || !source_->Owns(piece.partition)) {  // failed, or revoked while we waited
    budget_.Release(piece.charge);
    return Status::Ok();
  }
  // Registered in source order, before any worker can acknowledge it. Only this thread adds
  // pieces, so the room found above is still there.
  acks_.Register(piece.partition, piece.begin, piece.end);
  stats_.committed.Add(piece.partition.value, piece.end.value, piece.size);
  Push(std::move(piece));
  return Status::Ok();
}

Status Runner::Read(const std::atomic<bool>& stop) {
  const size_t max_rows = static_cast<size_t>(pipeline_.sink.batch.max_rows);
  std::unordered_set<uint32_t> seen_partitions;
  Chunk chunk;
  while (!stop && !failed_) {
    chunk.line_ends.reset();  // a source that does not set them must not see the last ones
    auto read = source_->Read(&chunk, std::chrono::milliseconds(100));
    if (!read.ok()) return read.status();
    if (*read == ReadResult::kEnd) break;
    if (*read == ReadResult::kIdle) continue;
    if (seen_partitions.insert(chunk.partition.value).second) {
      acks_.Reset(chunk.partition, chunk.begin);
      stats_.committed.Start(chunk.partition.value);
    }
    stats_.bytes_read += chunk.data.size();
    if (chunk.records) {
      RETURN_IF_ERROR(QueueRecords(chunk, stop));
      continue;
    }
    // A source that did not say where its lines end: found here, once, so that splitting and
    // decoding both go by them.
    if (!chunk.line_ends) chunk.line_ends = FindLineEnds(chunk.data, chunk.lines);
    // Pieces of at most max_rows lines, so a block never has to be cut inside one (usually the
    // whole chunk is one piece).
    const auto& ends = *chunk.line_ends;
    for (size_t i = 0; i < ends.size(); i += max_rows) {
      const size_t n = std::min(max_rows, ends.size() - i);
      const size_t from = i == 0 ? 0 : ends[i - 1] + 1;
      const size_t to = std::min(ends[i + n - 1] + 1, chunk.data.size());
      RETURN_IF_ERROR(QueuePiece(chunk, from, to, chunk.first_line + i, n, i, stop));
    }
  }
  return Status::Ok();
}

Status Runner::DecodeRecords(JsonReader& reader, const Piece& piece, Block& block) {
  const char* base = piece.base;
  const size_t total = piece.base_size;
  uint64_t rows = 0, dead = 0, tombstones = 0;
  for (size_t i = piece.record_from; i < piece.record_to; ++i) {
    const Record& r = (*piece.records)[i];
    const std::string_view text(base + r.begin, r.size);  // the message exactly as produced
    if (r.size == 0) {
      ++tombstones;
      continue;
    }
    ++rows;
    RowOrigin origin{piece.partition, 0, Offset{static_cast<uint64_t>(r.meta.offset)}};
    Status st = reader.AppendRow(text, total - r.begin, origin, block, &r.meta);
    if (!st.ok()) {
      RETURN_IF_ERROR(dead_letter_.Write(LabelOf(piece.partition), origin, text, st.message()));
      ++dead;
    }
  }
  stats_.rows_read += rows;
  stats_.rows_dead_lettered += dead;
  stats_.kafka.tombstones += tombstones;
  return Status::Ok();
}

Status Runner::DecodePiece(JsonReader& reader, const Piece& piece, Block& block) {
  if (piece.records) {
    RETURN_IF_ERROR(DecodeRecords(reader, piece, block));
  } else {
    RETURN_IF_ERROR(DecodeLines(reader, piece, block));
  }
  block.checkpoint().Cover(piece.partition, piece.begin, piece.end);
  block.KeepAlive(piece.keep);
  block.budget_charge() += piece.charge;
  return Status::Ok();
}

Status Runner::DecodeLines(JsonReader& reader, const Piece& piece, Block& block) {
  const std::string_view data(piece.base + piece.offset, piece.size);
  const size_t capacity = piece.base_size - piece.offset;
  const SourceLabel label = LabelOf(piece.partition);
  // The piece's lines, decoded together (one simdjson pass over many lines), where they were
  // found before (Read). Their bytes are not touched here: AppendLines looks at them once stage 1
  // has brought them into cache.
  SLUICE_CHECK(piece.line_ends != nullptr);
  JsonReader::Lines lines;
  lines.ends = piece.line_ends->data() + piece.line_from;
  lines.count = piece.line_to - piece.line_from;
  lines.base = piece.line_base;
  lines.partition = piece.partition;
  lines.first_line = piece.first_line;
  lines.first_position = piece.begin;
  uint64_t dead = 0;
  size_t rows = 0;
  RETURN_IF_ERROR(reader.AppendLines(
      data, capacity, lines, block,
      [&](const RowOrigin& origin, std::string_view text, const Status& st) {
        ++dead;
        return dead_letter_.Write(label, origin, text, st.message());
      },
      &rows));
  stats_.rows_read += rows;
  stats_.rows_dead_lettered += dead;
  return Status::Ok();
}

Status Runner::Decode(JsonReader& reader) {
  using Clock = std::chrono::steady_clock;
  const auto& batch = pipeline_.sink.batch;
  const auto max_age = std::chrono::milliseconds(batch.max_age_ms);
  const size_t max_rows = static_cast<size_t>(batch.max_rows);
  const size_t max_bytes = static_cast<size_t>(batch.max_bytes);
  auto block = std::make_unique<Block>(schema_);
  // The first block has no earlier one to be reserved like (NextBlock): its first piece
  // foretells the batch instead.
  bool foretold = false;
  auto started = Clock::now();
  auto has_content = [&] { return block->rows() > 0 || !block->checkpoint().empty(); };
  Piece piece;
  while (!failed_) {
    const auto deadline = has_content() ? started + max_age : Clock::now() + max_age;
    if (!Pop(&piece, deadline)) {
      if (has_content() && Clock::now() >= started + max_age) RETURN_IF_ERROR(CutBlock(block));
      continue;
    }
    if (piece.last) break;
    if (block->rows() > 0 &&
        (block->rows() + piece.lines > max_rows || block->byte_size() + piece.size > max_bytes))
      RETURN_IF_ERROR(CutBlock(block));
    if (!has_content()) started = Clock::now();
    RETURN_IF_ERROR(DecodePiece(reader, piece, *block));
    if (!foretold && block->rows() > 0) {
      block->ReserveFor(max_rows, max_bytes);
      foretold = true;
    }
    if (block->rows() >= max_rows || block->byte_size() >= max_bytes ||
        Clock::now() >= started + max_age)
      RETURN_IF_ERROR(CutBlock(block));
  }
  if (failed_) return Status::Ok();
  return CutBlock(block);
}

Status Runner::Run(const std::atomic<bool>& stop, const std::atomic<bool>& abort) {
  std::vector<std::thread> workers;
  for (auto& reader : readers_) {
    workers.emplace_back([this, r = reader.get()] {
      NameThisThread("decode/" + pipeline_.name);
      Status st = Decode(*r);
      if (!st.ok()) SetFailure(st);
    });
  }
  // A second signal (abort) gives up on batches ClickHouse has not confirmed: they stay
  // uncommitted and are read again next time.
  std::atomic<bool> done{false};
  std::thread watcher([&] {
    while (!done && !abort) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (abort && !done) {
      SetFailure(Status(Code::kCancelled, "aborted before every batch was confirmed"));
      writer_->Abort();
    }
  });
  Status st = Read(stop);
  if (!st.ok()) SetFailure(st);
  Piece end;
  end.last = true;
  Push(std::move(end));
  for (auto& w : workers) w.join();
  // Wait until ClickHouse confirmed everything that was read.
  Status drained = failed_ ? Status::Ok() : writer_->Drain();
  done = true;
  watcher.join();
  writer_->Abort();  // stops the sender threads (nothing is pending unless we failed)
  // The final commit (Kafka: synchronous, then leave the group) — only of what was confirmed.
  Status closed = source_->Close();
  std::lock_guard lock(mu_);
  if (!failure_.ok()) return failure_;
  if (!drained.ok()) return drained;
  return closed;
}

}  // namespace sluice
