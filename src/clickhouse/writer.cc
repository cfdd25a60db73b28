#include "clickhouse/writer.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <random>

#include "clickhouse/sql.h"
#include "core/thread_name.h"

namespace sluice {
namespace {

// Blocks waiting for a free sender. One keeps the senders busy (the callers waiting in Submit
// hold the next ones); each further one would only be another whole batch held in memory.
constexpr size_t kQueueDepth = 1;

class NativeBodySource : public BodySource {
 public:
  explicit NativeBodySource(const NativeBody& body) : body_(body) {}
  size_t size() const override { return body_.size(); }
  void CopyTo(size_t at, char* dst, size_t n) const override { body_.CopyTo(at, dst, n); }

 private:
  const NativeBody& body_;
};

}  // namespace

Writer::Writer(ClickHouseClient& client, WriterOptions options, DeadLetter& dead_letter,
               PipelineStats& stats, AckFn on_ack, NameFn partition_name, RecycleFn recycle)
    : client_(client),
      options_(std::move(options)),
      dead_letter_(dead_letter),
      stats_(stats),
      on_ack_(std::move(on_ack)),
      partition_name_(std::move(partition_name)),
      recycle_(std::move(recycle)) {
  for (const auto& [k, v] : options_.settings)
    settings_params_ += "&" + UrlEncode(k) + "=" + UrlEncode(v);
  for (int i = 0; i < options_.max_in_flight; ++i)
    threads_.emplace_back([this] {
      NameThisThread("send/" + options_.pipeline);
      SenderLoop();
    });
}

Writer::~Writer() {
  {
    std::lock_guard lock(mu_);
    closing_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
}

size_t Writer::Pending() const {
  std::lock_guard lock(mu_);
  return queue_.size() + in_flight_;
}

Status Writer::WaitForRoomLocked(std::unique_lock<std::mutex>& lock) {
  cv_.wait(lock, [&] { return !failure_.ok() || aborted_ || queue_.size() < kQueueDepth; });
  if (!failure_.ok()) return failure_;
  if (aborted_) return Status(Code::kCancelled, "writer aborted");
  return Status::Ok();
}

Status Writer::AwaitRoom() {
  std::unique_lock lock(mu_);
  return WaitForRoomLocked(lock);
}

Status Writer::Submit(Block block) {
  block.CheckInvariant();
  std::unique_lock lock(mu_);
  RETURN_IF_ERROR(WaitForRoomLocked(lock));
  queue_.emplace_back(next_seq_++, std::move(block));
  stats_.SetWriterDepth(queue_.size(), in_flight_);
  cv_.notify_all();
  return Status::Ok();
}

Status Writer::Drain() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return !failure_.ok() || aborted_ || (queue_.empty() && in_flight_ == 0); });
  if (!failure_.ok()) return failure_;
  if (aborted_) return Status(Code::kCancelled, "writer aborted before every batch was confirmed");
  return Status::Ok();
}

void Writer::Abort() {
  aborted_ = true;
  cv_.notify_all();
}

void Writer::Fail(Status st) {
  std::lock_guard lock(mu_);
  if (failure_.ok()) failure_ = std::move(st);
  cv_.notify_all();
}

void Writer::SenderLoop() {
  Buffers buffers;
  while (true) {
    std::pair<uint64_t, Block> item{0, Block(std::make_shared<Schema>())};
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return closing_ || aborted_ || !queue_.empty(); });
      if (aborted_ || (closing_ && queue_.empty())) return;
      item = std::move(queue_.front());
      queue_.pop_front();
      ++in_flight_;
      stats_.SetWriterDepth(queue_.size(), in_flight_);
    }
    cv_.notify_all();
    const Block& block = item.second;
    Status st = SendBlock(
        block, fmt::format("sluice-{}-{}-{}", options_.pipeline, getpid(), item.first), buffers);
    if (st.ok()) {
      // Rows sent to the dead-letter file must be durable before their positions are committed.
      if (dead_letter_.count() > 0) st = dead_letter_.Sync();
      if (st.ok()) st = on_ack_(block);
      if (st.ok() && recycle_) recycle_(std::move(item.second));
    }
    if (!st.ok() && st.code() != Code::kCancelled) Fail(st);
    {
      std::lock_guard lock(mu_);
      --in_flight_;
      stats_.SetWriterDepth(queue_.size(), in_flight_);
    }
    cv_.notify_all();
  }
}

bool Writer::SleepBackoff(int attempt) {
  static thread_local std::mt19937_64 rng(std::random_device{}());
  double ms = static_cast<double>(options_.initial_backoff.count());
  for (int i = 1; i < attempt && ms < options_.max_backoff.count(); ++i) ms *= 2;
  ms = std::min<double>(ms, static_cast<double>(options_.max_backoff.count()));
  // Full jitter in [ms/2, ms]: many writers do not retry in lockstep.
  std::uniform_real_distribution<double> jitter(0.5, 1.0);
  auto deadline = std::chrono::steady_clock::now() +
                  std::chrono::milliseconds(static_cast<int64_t>(ms * jitter(rng)));
  std::unique_lock lock(mu_);
  return !cv_.wait_until(lock, deadline, [&] { return aborted_.load(); });
}

Status Writer::SendBlock(const Block& block, const std::string& query_id, Buffers& buffers) {
  if (block.rows() == 0) return Status::Ok();
  // Columns with a DEFAULT expression that no row set are left out: the server computes them.
  std::vector<size_t> columns;
  std::string column_list;
  for (size_t i = 0; i < block.columns().size(); ++i) {
    const auto& spec = block.schema().columns[i];
    if (spec.default_kind == DefaultKind::kDefault && block.present()[i] == 0) continue;
    columns.push_back(i);
    if (!column_list.empty()) column_list += ", ";
    column_list += QuoteIdentifier(spec.name);
  }
  const std::string sql =
      fmt::format("INSERT INTO {}.{} ({}) FORMAT Native", QuoteIdentifier(options_.database),
                  QuoteIdentifier(options_.table), column_list);
  std::string params =
      "query=" + UrlEncode(sql) + "&query_id=" + UrlEncode(query_id) + settings_params_;
  // Uncompressed, the body is sent straight from the block's columns; compressed, it is encoded
  // in one piece, compressed once, and the same bytes re-sent on retries.
  const std::string* packed = nullptr;
  std::vector<std::string> headers;
  if (options_.compression == BodyCompression::kNone) {
    EncodeNativeBody(block, columns, options_.native, buffers.body);
  } else {
    buffers.native.clear();
    EncodeNative(block, columns, options_.native, buffers.native);
    buffers.packed.clear();
    if (options_.compression == BodyCompression::kLz4) {
      CompressLz4Block(buffers.native, buffers.packed);
      params += "&decompress=1";
    } else {
      RETURN_IF_ERROR(GzipBody(buffers.native, buffers.packed));
      headers.push_back("Content-Encoding: gzip");
    }
    packed = &buffers.packed;
  }
  const NativeBodySource source(buffers.body);

  for (int attempt = 1;; ++attempt) {
    if (aborted_) return Status(Code::kCancelled, "aborted");
    auto conn = client_.pool().Acquire();
    const auto sent = std::chrono::steady_clock::now();
    HttpResponse r = packed != nullptr ? conn->Post(params, *packed, headers)
                                       : conn->Post(params, source, headers);
    Classified c = Classify(r);
    if (c.cls == ErrorClass::kOk) {
      client_.pool().Release(std::move(conn));
      stats_.rows_inserted += block.rows();
      stats_.batches += 1;
      stats_.insert_seconds.Observe(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - sent).count());
      return Status::Ok();
    }
    conn.reset();  // never reuse a connection that saw a failure
    switch (c.cls) {
      case ErrorClass::kRetryable:
        stats_.retries += 1;
        stats_.retry_reasons.Add(c.reason);
        if (attempt == 1 || attempt % 10 == 0)
          spdlog::warn("[{}] INSERT of {} rows failed ({}): {} — retrying (attempt {})",
                       options_.pipeline, block.rows(), c.reason, c.message, attempt);
        if (!SleepBackoff(attempt)) return Status(Code::kCancelled, "aborted");
        continue;
      case ErrorClass::kPermanent:
        return Status(Code::kPermanent,
                      fmt::format("ClickHouse refused INSERT into {}.{} ({}): {}",
                                  options_.database, options_.table, c.reason, c.message));
      case ErrorClass::kRowLevel: {
        if (block.rows() == 1) {
          RETURN_IF_ERROR(dead_letter_.Write(partition_name_(block.origin(0).partition),
                                             block.origin(0), block.raw(0),
                                             "rejected by ClickHouse: " + c.message));
          stats_.rows_dead_lettered += 1;
          return Status::Ok();
        }
        // Isolate the bad rows: halves until single rows remain.
        std::vector<size_t> left, right;
        for (size_t i = 0; i < block.rows(); ++i)
          (i < block.rows() / 2 ? left : right).push_back(i);
        // This batch's bytes are not needed any more: the halves reuse its buffers.
        RETURN_IF_ERROR(SendBlock(block.Select(left), query_id + "-l", buffers));
        return SendBlock(block.Select(right), query_id + "-r", buffers);
      }
      case ErrorClass::kOk:
        break;
    }
  }
}

}  // namespace sluice
