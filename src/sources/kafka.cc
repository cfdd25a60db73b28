// `kafka` source: a consumer-group member on librdkafka. One message is one row; a partition's
// positions are its offsets.
//
// Offsets are sluice's, never librdkafka's (enable.auto.commit and offset store are off): a
// partition is committed only up to the contiguous prefix ClickHouse confirmed (the runner's
// AckTracker), asynchronously on every advance, synchronously on revoke and on Close().
//
// Every assignment of a partition gets a fresh PartitionId, so ranges of an earlier ownership can
// never mix with the new one: on revoke we wait (up to revoke_timeout_ms) until ClickHouse
// confirmed what was read of the partition, commit that, and only then let the partition go;
// acknowledgements that arrive later (after a timeout, or for a lost partition) are ignored, and
// the partition's new owner reads those rows again (at-least-once, never loss).
//
// Backpressure: while the pipeline has no room, WhileBlocked() pauses every assigned partition
// (rd_kafka_pause_partitions) and keeps serving the group protocol; Unblocked() resumes them.
//
// Threads: Open/Read/WhileBlocked/Unblocked/Close and librdkafka's rebalance and commit callbacks
// run on the reading thread (callbacks are served by our polls); Commit/Owns/PartitionName/
// DeadLetterFields come from writer threads too and take mu_.
#include <fmt/format.h>
#include <librdkafka/rdkafka.h>
#include <spdlog/spdlog.h>

#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <unordered_map>

#include "formats/json_reader.h"
#include "pipeline/dead_letter.h"
#include "pipeline/source.h"
#include "pipeline/stats.h"

namespace sluice {
namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kPollBatch = 4096;  // messages taken from librdkafka's queue per call

struct TopicPartitionListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* l) const {
    rd_kafka_topic_partition_list_destroy(l);
  }
};
using TopicPartitionList =
    std::unique_ptr<rd_kafka_topic_partition_list_t, TopicPartitionListDeleter>;

std::string ErrorText(rd_kafka_error_t* error) {
  std::string s = rd_kafka_error_string(error);
  rd_kafka_error_destroy(error);
  return s;
}

class KafkaSource : public Source {
 public:
  explicit KafkaSource(const PipelineConfig& cfg) : cfg_(cfg), src_(cfg.source) {
    for (const auto& [column, ref] : cfg.decode.metadata)
      if (ref.rfind("$kafka.header", 0) == 0) want_headers_ = true;
  }

  ~KafkaSource() override {
    closing_ = true;
    if (queue_ != nullptr) rd_kafka_queue_destroy(queue_);
    // Close() did not run (start-up failed, or the pipeline failed before): leave without the
    // consumer close handshake, whose revoke callback must not reach a runner being destroyed.
    if (rk_ != nullptr) rd_kafka_destroy_flags(rk_, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
  }

  Status Open(const SourceContext& context) override {
    context_ = context;
    stats_ = context.stats != nullptr ? &context.stats->kafka : &own_stats_;
    RETURN_IF_ERROR(CreateConsumer());
    RETURN_IF_ERROR(CheckTopics());
    TopicPartitionList topics(
        rd_kafka_topic_partition_list_new(static_cast<int>(src_.topics.size())));
    for (const auto& t : src_.topics)
      rd_kafka_topic_partition_list_add(topics.get(), t.c_str(), RD_KAFKA_PARTITION_UA);
    if (auto err = rd_kafka_subscribe(rk_, topics.get()); err != RD_KAFKA_RESP_ERR_NO_ERROR)
      return IoError(fmt::format("cannot subscribe to {}: {}", fmt::join(src_.topics, ", "),
                                 rd_kafka_err2str(err)));
    queue_ = rd_kafka_queue_get_consumer(rk_);
    spdlog::info("{}: kafka: subscribed to {} as group '{}' ({})", cfg_.name,
                 fmt::join(src_.topics, ", "), src_.group, src_.brokers);
    return Status::Ok();
  }

  Result<ReadResult> Read(Chunk* chunk, std::chrono::milliseconds wait) override {
    const auto deadline = Clock::now() + wait;
    while (ready_.empty()) {
      RETURN_IF_ERROR(CheckFatal());
      const bool pending = pending_bytes_ > 0;
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      const int timeout = pending ? 0 : static_cast<int>(std::max<int64_t>(0, left.count()));
      const size_t n = Poll(timeout);
      // Hand on what was gathered when enough of it is there or the queue ran dry.
      if (pending_bytes_ >= static_cast<size_t>(src_.read_buffer_bytes) || n < kPollBatch)
        FlushAll();
      if (ready_.empty() && Clock::now() >= deadline) break;
    }
    CommitAsync();
    UpdateLag();
    if (ready_.empty()) return ReadResult::kIdle;
    *chunk = std::move(ready_.front());
    ready_.pop_front();
    return ReadResult::kData;
  }

  Offset StartOf(PartitionId p) const override {
    std::lock_guard lock(mu_);
    auto it = parts_.find(p.value);
    return it == parts_.end()
               ? Offset{}
               : Offset{static_cast<uint64_t>(std::max<int64_t>(0, it->second->first))};
  }

  Status Commit(PartitionId p, Offset upto) override {
    std::lock_guard lock(mu_);
    auto it = parts_.find(p.value);
    // A partition taken away: its new owner commits; late acknowledgements of ours are moot.
    if (it == parts_.end() || !it->second->owned) return Status::Ok();
    Part& part = *it->second;
    if (static_cast<int64_t>(upto.value) > part.acked) {
      part.acked = static_cast<int64_t>(upto.value);
      dirty_ = true;
    }
    // Sent by the reading thread (CommitAsync): one request for every partition that advanced.
    return Status::Ok();
  }

  std::string PartitionName(PartitionId p) const override {
    std::lock_guard lock(mu_);
    auto it = parts_.find(p.value);
    if (it == parts_.end()) return "kafka";
    return fmt::format("kafka:{}/{}", it->second->topic, it->second->partition);
  }

  std::string DeadLetterFields(PartitionId p) const override {
    std::lock_guard lock(mu_);
    auto it = parts_.find(p.value);
    if (it == parts_.end()) return {};
    std::string out = "\"topic\":";
    AppendJsonString(out, it->second->topic);
    out += fmt::format(",\"partition\":{}", it->second->partition);
    return out;
  }

  bool Owns(PartitionId p) const override {
    std::lock_guard lock(mu_);
    auto it = parts_.find(p.value);
    return it != parts_.end() && it->second->owned;
  }

  Status WhileBlocked() override {
    if (!paused_) {
      paused_ = true;
      paused_since_ = Clock::now();
      stats_->paused_since_ns =
          std::chrono::duration_cast<std::chrono::nanoseconds>(paused_since_.time_since_epoch())
              .count();
      stats_->paused = true;
      SetPaused(true, nullptr);
      spdlog::debug("{}: kafka: ClickHouse is behind, fetching paused", cfg_.name);
    }
    // Keep the membership alive and serve rebalances; messages fetched before the pause took
    // effect are kept for later.
    Poll(0);
    CommitAsync();
    UpdateLag();
    return CheckFatal();
  }

  void Unblocked() override {
    if (!paused_) return;
    paused_ = false;
    stats_->paused_ns += static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - paused_since_).count());
    stats_->paused = false;
    SetPaused(false, nullptr);
  }

  Status Close() override {
    if (rk_ == nullptr) return Status::Ok();
    Status st = CommitSync(OwnedIds());
    // Leaving the group runs the revoke callback (nothing is left in flight: no wait).
    closing_ = true;
    if (auto err = rd_kafka_consumer_close(rk_); err != RD_KAFKA_RESP_ERR_NO_ERROR)
      spdlog::warn("{}: kafka: leaving the group: {}", cfg_.name, rd_kafka_err2str(err));
    rd_kafka_queue_destroy(queue_);
    queue_ = nullptr;
    rd_kafka_destroy(rk_);
    rk_ = nullptr;
    return st;
  }

 private:
  struct Part {
    PartitionId id;
    std::string topic;
    int32_t partition = 0;
    bool owned = true;       // mu_
    int64_t acked = -1;      // mu_: confirmed up to here (exclusive), -1: nothing yet
    int64_t committed = -1;  // mu_: last offset committed synchronously
    int64_t sent = -1;       // mu_: last offset sent by CommitAsync
    int64_t first = -1;      // offset of the first message handed on
    int64_t next = -1;       // reading thread: offset after the last message taken
    int64_t covered = -1;    // reading thread: end of the last chunk handed on
    // Messages gathered, not yet handed on (reading thread).
    std::shared_ptr<std::string> buffer;
    std::shared_ptr<std::vector<Record>> records;
  };

  int64_t PrefetchKiB() const {
    const uint64_t budget =
        context_.memory_budget_bytes > 0 ? context_.memory_budget_bytes : (1u << 30);
    return static_cast<int64_t>(std::clamp<uint64_t>(budget / 16 / 1024, 1024, 16384));
  }

  Status CreateConsumer() {
    char errstr[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    std::map<std::string, std::string> props = {
        {"bootstrap.servers", src_.brokers},
        {"group.id", src_.group},
        {"client.id", "sluice-" + cfg_.name},
        {"enable.auto.commit", "false"},
        {"enable.auto.offset.store", "false"},
        {"enable.partition.eof", "false"},
        {"auto.offset.reset", src_.start_from},
        // librdkafka's prefetch (and a fetch response being parsed) sits outside the memory
        // budget: by default a sixteenth of it, between 1 and 16 MiB.
        {"queued.max.messages.kbytes", std::to_string(PrefetchKiB())},
        {"fetch.max.bytes", std::to_string(PrefetchKiB() * 1024)},
    };
    for (const auto& [k, v] : src_.properties) props[k] = v;
    for (const auto& [k, v] : props) {
      if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), errstr, sizeof errstr) !=
          RD_KAFKA_CONF_OK) {
        rd_kafka_conf_destroy(conf);
        // errstr names the property and what is wrong with it, never its value.
        return InvalidArgument(fmt::format("properties.{}: {}", k, errstr));
      }
    }
    rd_kafka_conf_set_opaque(conf, this);
    rd_kafka_conf_set_rebalance_cb(
        conf, [](rd_kafka_t*, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts,
                 void* self) { static_cast<KafkaSource*>(self)->OnRebalance(err, parts); });
    rd_kafka_conf_set_offset_commit_cb(
        conf, [](rd_kafka_t*, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* offsets,
                 void* self) { static_cast<KafkaSource*>(self)->OnCommit(err, offsets); });
    rd_kafka_conf_set_error_cb(conf, [](rd_kafka_t*, int err, const char* reason, void* self) {
      static_cast<KafkaSource*>(self)->OnError(static_cast<rd_kafka_resp_err_t>(err), reason);
    });
    rd_kafka_conf_set_log_cb(conf,
                             [](const rd_kafka_t* rk, int level, const char* fac, const char* buf) {
                               const auto lvl = level <= 3   ? spdlog::level::err
                                                : level <= 5 ? spdlog::level::warn
                                                : level == 6 ? spdlog::level::info
                                                             : spdlog::level::debug;
                               spdlog::log(lvl, "kafka: {}: {}", fac, buf);
                             });
    rk_ = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
    if (rk_ == nullptr)
      return InvalidArgument(fmt::format("cannot create Kafka consumer: {}", errstr));
    rd_kafka_poll_set_consumer(rk_);
    return Status::Ok();
  }

  // Start-up: the brokers must answer within startup_timeout_ms, and every named topic exist.
  Status CheckTopics() {
    const rd_kafka_metadata_t* md = nullptr;
    const auto err =
        rd_kafka_metadata(rk_, 1, nullptr, &md, static_cast<int>(src_.startup_timeout_ms));
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
      return IoError(fmt::format(
          "brokers: cannot reach Kafka at {} within {} ms ({}); check `brokers` and that the "
          "brokers run",
          src_.brokers, src_.startup_timeout_ms, rd_kafka_err2str(err)));
    std::set<std::string> existing;
    for (int i = 0; i < md->topic_cnt; ++i)
      if (md->topics[i].err == RD_KAFKA_RESP_ERR_NO_ERROR) existing.insert(md->topics[i].topic);
    rd_kafka_metadata_destroy(md);
    std::string missing;
    for (const auto& t : src_.topics) {
      if (!t.empty() && t[0] == '^') continue;  // a pattern may match topics created later
      if (!existing.count(t)) missing += (missing.empty() ? "" : ", ") + t;
    }
    if (!missing.empty())
      return NotFound(fmt::format("topics: topic {} does not exist on {}", missing, src_.brokers));
    return Status::Ok();
  }

  Status CheckFatal() {
    char errstr[512];
    if (auto err = rd_kafka_fatal_error(rk_, errstr, sizeof errstr);
        err != RD_KAFKA_RESP_ERR_NO_ERROR)
      return IoError(fmt::format("kafka: fatal error {}: {}", rd_kafka_err2name(err), errstr));
    return Status::Ok();
  }

  // Takes up to kPollBatch messages (serving callbacks), gathering them per partition.
  size_t Poll(int timeout_ms) {
    rd_kafka_message_t* messages[kPollBatch];
    const ssize_t n = rd_kafka_consume_batch_queue(queue_, timeout_ms, messages, kPollBatch);
    if (n < 0) {
      spdlog::warn("{}: kafka: consume: {}", cfg_.name, rd_kafka_err2str(rd_kafka_last_error()));
      return 0;
    }
    for (ssize_t i = 0; i < n; ++i) {
      Take(messages[i]);
      rd_kafka_message_destroy(messages[i]);
    }
    return static_cast<size_t>(n);
  }

  void Take(const rd_kafka_message_t* m) {
    if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) return;
      spdlog::warn("{}: kafka: {}", cfg_.name, rd_kafka_message_errstr(m));
      return;
    }
    const char* topic = rd_kafka_topic_name(m->rkt);
    Part* part = Find(topic, m->partition);
    if (part == nullptr || m->offset < part->next) return;  // not ours (any more), or seen
    if (part->first < 0) part->first = m->offset;
    part->next = m->offset + 1;

    std::string headers;
    rd_kafka_headers_t* hdrs = nullptr;
    if (want_headers_ && rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR) {
      headers = "{";
      const char* name;
      const void* value;
      size_t size;
      for (size_t i = 0; !rd_kafka_header_get_all(hdrs, i, &name, &value, &size); ++i) {
        if (i > 0) headers += ',';
        AppendJsonString(headers, name);
        headers += ':';
        AppendJsonString(headers,
                         std::string_view(static_cast<const char*>(value), value ? size : 0));
      }
      headers += '}';
    }
    const size_t need = m->len + 1 + m->key_len + headers.size() + JsonReader::kPadding;
    if (part->buffer && part->buffer->size() + need > part->buffer->capacity()) Flush(*part);
    if (!part->buffer) {
      part->buffer = std::make_shared<std::string>();
      // Never reallocated: the records' views point into it.
      part->buffer->reserve(std::max(need, static_cast<size_t>(src_.read_buffer_bytes)) +
                            JsonReader::kPadding);
      part->records = std::make_shared<std::vector<Record>>();
    }
    std::string& buf = *part->buffer;
    Record r;
    r.begin = buf.size();
    r.size = m->payload != nullptr ? m->len : 0;
    buf.append(static_cast<const char*>(m->payload), r.size);
    buf += '\n';
    r.meta.topic = part->topic;
    r.meta.partition = m->partition;
    r.meta.offset = m->offset;
    rd_kafka_timestamp_type_t ts_type;
    r.meta.timestamp_ms = rd_kafka_message_timestamp(m, &ts_type);
    if (m->key != nullptr) {
      r.meta.has_key = true;
      r.meta.key = std::string_view(buf.data() + buf.size(), m->key_len);
      buf.append(static_cast<const char*>(m->key), m->key_len);
    }
    if (!headers.empty()) {
      r.meta.headers_json = std::string_view(buf.data() + buf.size(), headers.size());
      buf += headers;
    }
    part->records->push_back(r);
    pending_bytes_ += need - JsonReader::kPadding;
    if (pending_parts_.insert(part->id.value).second) pending_order_.push_back(part);
  }

  // Hands the messages gathered for `part` on as one chunk.
  void Flush(Part& part) {
    if (!part.buffer || part.records->empty()) return;
    auto& buf = *part.buffer;
    const size_t used = buf.size();
    buf.append(JsonReader::kPadding, '\0');  // within the reserved capacity: no reallocation
    Chunk c;
    c.partition = part.id;
    c.begin = Offset{static_cast<uint64_t>(part.covered >= 0 ? part.covered
                                                             : part.records->front().meta.offset)};
    c.end = Offset{static_cast<uint64_t>(part.next)};
    c.first_line = 0;
    c.lines = part.records->size();
    c.data = std::string_view(buf.data(), used);
    c.capacity = buf.size();
    c.owner_data = buf.data();
    c.owner_size = buf.size();
    c.owner = std::move(part.buffer);
    c.records = std::move(part.records);
    part.covered = part.next;
    part.buffer.reset();
    part.records.reset();
    ready_.push_back(std::move(c));
  }

  void FlushAll() {
    for (Part* p : pending_order_) Flush(*p);
    pending_order_.clear();
    pending_parts_.clear();
    pending_bytes_ = 0;
  }

  Part* Find(const char* topic, int32_t partition) {
    if (last_ != nullptr && last_->partition == partition && last_->topic == topic) return last_;
    auto it = live_.find({topic, partition});
    if (it == live_.end()) return nullptr;
    last_ = it->second;
    return last_;
  }

  void OnRebalance(rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* list) {
    ++stats_->rebalances;
    const bool cooperative = std::strcmp(rd_kafka_rebalance_protocol(rk_), "COOPERATIVE") == 0;
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
      for (int i = 0; i < list->cnt; ++i) {
        const auto& tp = list->elems[i];
        auto part = std::make_unique<Part>();
        part->id = PartitionId{next_id_++};
        part->topic = tp.topic;
        part->partition = tp.partition;
        live_[{part->topic, part->partition}] = part.get();
        std::lock_guard lock(mu_);
        parts_[part->id.value] = std::move(part);
      }
      stats_->assigned += static_cast<uint64_t>(list->cnt);
      spdlog::info("{}: kafka: assigned {} partition(s){}", cfg_.name, list->cnt,
                   cooperative ? " (cooperative)" : "");
      if (cooperative) {
        if (rd_kafka_error_t* e = rd_kafka_incremental_assign(rk_, list))
          spdlog::error("{}: kafka: incremental assign: {}", cfg_.name, ErrorText(e));
      } else if (auto e = rd_kafka_assign(rk_, list); e != RD_KAFKA_RESP_ERR_NO_ERROR) {
        spdlog::error("{}: kafka: assign: {}", cfg_.name, rd_kafka_err2str(e));
      }
      if (paused_) SetPaused(true, list);
      return;
    }
    // Revoked (or lost, or an error): stop taking the partitions' messages, finish what was
    // read of them, commit it, then let them go.
    const bool lost = err != RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS || rd_kafka_assignment_lost(rk_);
    std::vector<PartitionId> ids;
    for (int i = 0; i < list->cnt; ++i) {
      auto it = live_.find({list->elems[i].topic, list->elems[i].partition});
      if (it == live_.end()) continue;
      Part* part = it->second;
      ids.push_back(part->id);
      DropUnsent(*part);
      live_.erase(it);
    }
    last_ = nullptr;
    bool finished = true;
    if (!lost && !closing_ && context_.wait_acked) {
      const auto deadline = Clock::now() + std::chrono::milliseconds(src_.revoke_timeout_ms);
      for (PartitionId id : ids) finished = context_.wait_acked(id, deadline) && finished;
    }
    Status committed = lost ? Status::Ok() : CommitSync(ids);
    {
      std::lock_guard lock(mu_);
      for (PartitionId id : ids) parts_[id.value]->owned = false;
    }
    stats_->revoked += ids.size();
    if (lost)
      spdlog::warn(
          "{}: kafka: lost {} partition(s); rows read from them and not yet confirmed "
          "will be read again by their new owner",
          cfg_.name, ids.size());
    else if (!finished)
      spdlog::warn(
          "{}: kafka: revoked {} partition(s) before ClickHouse confirmed all rows read "
          "from them (revoke_timeout_ms = {}); the new owner reads those again",
          cfg_.name, ids.size(), src_.revoke_timeout_ms);
    else if (!closing_)
      spdlog::info("{}: kafka: revoked {} partition(s)", cfg_.name, ids.size());
    if (!committed.ok()) spdlog::warn("{}: kafka: {}", cfg_.name, committed.message());
    if (cooperative) {
      if (rd_kafka_error_t* e = rd_kafka_incremental_unassign(rk_, list))
        spdlog::error("{}: kafka: incremental unassign: {}", cfg_.name, ErrorText(e));
    } else {
      rd_kafka_assign(rk_, nullptr);
    }
  }

  // Forgets messages of `part` not yet handed on (they are not registered anywhere).
  void DropUnsent(Part& part) {
    part.buffer.reset();
    part.records.reset();
    if (pending_parts_.erase(part.id.value)) {
      pending_order_.erase(std::find(pending_order_.begin(), pending_order_.end(), &part));
      if (pending_order_.empty()) pending_bytes_ = 0;
    }
    for (auto it = ready_.begin(); it != ready_.end();)
      it = it->partition == part.id ? ready_.erase(it) : it + 1;
  }

  std::vector<PartitionId> OwnedIds() const {
    std::vector<PartitionId> ids;
    std::lock_guard lock(mu_);
    for (const auto& [id, part] : parts_)
      if (part->owned) ids.push_back(part->id);
    return ids;
  }

  // Commits, without waiting, the confirmed offsets of every owned partition that advanced since
  // the last commit, at most every kCommitInterval. The answer arrives in OnCommit; a refused
  // commit is covered by the next one (and by the synchronous commit on revoke and close).
  void CommitAsync() {
    const auto now = Clock::now();
    if (!dirty_ || now < next_commit_) return;
    next_commit_ = now + kCommitInterval;
    TopicPartitionList list(rd_kafka_topic_partition_list_new(8));
    {
      std::lock_guard lock(mu_);
      dirty_ = false;
      for (const auto& [id, part] : parts_) {
        if (!part->owned || part->acked < 0 || part->acked == part->sent) continue;
        rd_kafka_topic_partition_list_add(list.get(), part->topic.c_str(), part->partition)
            ->offset = part->acked;
        part->sent = part->acked;
      }
    }
    if (list->cnt == 0) return;
    if (auto err = rd_kafka_commit(rk_, list.get(), 1); err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      ++stats_->commit_failures;
      spdlog::warn("{}: kafka: cannot commit offsets: {}", cfg_.name, rd_kafka_err2str(err));
      Resend(list.get());
    }
  }

  // Commits the confirmed offsets of `ids` and waits for the broker's answer; retried a few times
  // on retriable errors (coordinator moving, rebalance in progress).
  Status CommitSync(const std::vector<PartitionId>& ids) {
    TopicPartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(ids.size()) + 1));
    {
      std::lock_guard lock(mu_);
      for (PartitionId id : ids) {
        Part& part = *parts_[id.value];
        if (!part.owned || part.acked < 0 || part.acked == part.committed) continue;
        rd_kafka_topic_partition_list_add(list.get(), part.topic.c_str(), part.partition)->offset =
            part.acked;
      }
    }
    if (list->cnt == 0) return Status::Ok();
    rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
    for (int attempt = 0; attempt < 5; ++attempt) {
      err = rd_kafka_commit(rk_, list.get(), 0);
      if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        ++stats_->commits;
        std::lock_guard lock(mu_);
        for (PartitionId id : ids) parts_[id.value]->committed = parts_[id.value]->acked;
        return Status::Ok();
      }
      ++stats_->commit_failures;
      if (err == RD_KAFKA_RESP_ERR__NO_OFFSET) return Status::Ok();
      std::this_thread::sleep_for(std::chrono::milliseconds(200 << attempt));
    }
    return IoError(
        fmt::format("cannot commit offsets: {} (the rows after the last committed "
                    "offset will be read again)",
                    rd_kafka_err2str(err)));
  }

  // Makes the next CommitAsync send the partitions of `list` again (their commit failed).
  void Resend(const rd_kafka_topic_partition_list_t* list) {
    std::lock_guard lock(mu_);
    for (int i = 0; i < list->cnt; ++i) {
      auto it = live_.find({list->elems[i].topic, list->elems[i].partition});
      if (it == live_.end()) continue;
      it->second->sent = -1;
      dirty_ = true;
    }
  }

  void OnCommit(rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* offsets) {
    bool failed = err != RD_KAFKA_RESP_ERR_NO_ERROR && err != RD_KAFKA_RESP_ERR__NO_OFFSET;
    for (int i = 0; offsets != nullptr && i < offsets->cnt; ++i)
      failed = failed || offsets->elems[i].err != RD_KAFKA_RESP_ERR_NO_ERROR;
    if (failed) {
      ++stats_->commit_failures;
      spdlog::debug("{}: kafka: offset commit refused: {}", cfg_.name, rd_kafka_err2str(err));
      if (offsets != nullptr) Resend(offsets);
    } else if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      ++stats_->commits;
    }
  }

  void OnError(rd_kafka_resp_err_t err, const char* reason) {
    if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN || err == RD_KAFKA_RESP_ERR__TRANSPORT)
      spdlog::warn("{}: kafka: {} (retrying)", cfg_.name, reason);
    else
      spdlog::warn("{}: kafka: {}: {}", cfg_.name, rd_kafka_err2name(err), reason);
  }

  // Pauses or resumes `list`, or the whole assignment if null.
  void SetPaused(bool pause, rd_kafka_topic_partition_list_t* list) {
    rd_kafka_topic_partition_list_t* all = nullptr;
    if (list == nullptr) {
      if (rd_kafka_assignment(rk_, &all) != RD_KAFKA_RESP_ERR_NO_ERROR) return;
      list = all;
    }
    if (list->cnt > 0) {
      auto err =
          pause ? rd_kafka_pause_partitions(rk_, list) : rd_kafka_resume_partitions(rk_, list);
      if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
        spdlog::warn("{}: kafka: {}: {}", cfg_.name, pause ? "pause" : "resume",
                     rd_kafka_err2str(err));
    }
    if (all != nullptr) rd_kafka_topic_partition_list_destroy(all);
  }

  // Lag per owned partition from the high watermarks librdkafka learnt while fetching.
  void UpdateLag() {
    const auto now = Clock::now();
    if (now < next_lag_) return;
    next_lag_ = now + std::chrono::seconds(1);
    std::map<std::string, int64_t> lag;
    std::lock_guard lock(mu_);
    for (const auto& [key, part] : live_) {
      int64_t low = -1, high = -1;
      if (rd_kafka_get_watermark_offsets(rk_, part->topic.c_str(), part->partition, &low, &high) !=
              RD_KAFKA_RESP_ERR_NO_ERROR ||
          high < 0)
        continue;
      const int64_t base = part->acked >= 0 ? part->acked : part->first >= 0 ? part->first : low;
      lag[fmt::format("{}/{}", part->topic, part->partition)] = std::max<int64_t>(0, high - base);
    }
    stats_->SetLag(std::move(lag));
  }

  const PipelineConfig& cfg_;
  const SourceConfig& src_;
  SourceContext context_;
  KafkaStats own_stats_;
  KafkaStats* stats_ = &own_stats_;
  bool want_headers_ = false;
  static constexpr std::chrono::milliseconds kCommitInterval{200};
  rd_kafka_t* rk_ = nullptr;
  rd_kafka_queue_t* queue_ = nullptr;
  std::atomic<bool> closing_{false};

  mutable std::mutex mu_;
  std::unordered_map<uint32_t, std::unique_ptr<Part>> parts_;  // every id ever assigned
  uint32_t next_id_ = 0;
  bool dirty_ = false;  // mu_: some partition's acked offset advanced since the last commit

  // Reading thread only.
  std::map<std::pair<std::string, int32_t>, Part*> live_;  // current assignment
  Part* last_ = nullptr;
  std::deque<Chunk> ready_;
  std::vector<Part*> pending_order_;
  std::set<uint32_t> pending_parts_;
  size_t pending_bytes_ = 0;
  bool paused_ = false;
  Clock::time_point paused_since_;
  Clock::time_point next_lag_;
  Clock::time_point next_commit_;
};

}  // namespace

std::unique_ptr<Source> MakeKafkaSource(const PipelineConfig& cfg) {
  return std::make_unique<KafkaSource>(cfg);
}

}  // namespace sluice
