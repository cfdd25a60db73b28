// `dedup` transform: drops a row whose key was already seen within `window_ms` — the first event
// wins — without turning at-least-once into loss.
//
// A key becomes durable (RocksDB, fsynced) only when the batch holding its first event is
// acknowledged: the block's acknowledgement hook writes it before the source commits. Until then
// it lives in memory (in flight), where later copies are already dropped. So after a crash the
// first event is read again and still passes (its key was never made durable unless its batch was
// confirmed, and then its offset is committed too), and no second copy passes after the first was
// inserted.
//
// Keys are kept per source partition (the partition's name prefixes the key): the state of a
// partition is what its own stream saw. Expired keys (older than the window) count as unseen and
// are removed by RocksDB's TTL compaction, which bounds the state on disk; memory is bounded by
// the keys in flight.
//
// Thread-safety: Apply() runs on several decode workers; the in-flight set and the decision are
// guarded by mu_ (RocksDB itself is thread-safe).
#include <fmt/format.h>
#include <hiredis/hiredis.h>
#include <rocksdb/db.h>
#include <rocksdb/utilities/db_ttl.h>
#include <rocksdb/write_batch.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <filesystem>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "expr/expr.h"
#include "pipeline/stats.h"
#include "pipeline/transform.h"

namespace sluice {
namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The bytes identifying row `row`'s key; false for a NULL key (never deduplicated).
bool KeyBytes(const Column& col, const DataType& t, size_t row, std::string* out) {
  if (t.id == TypeId::kNullable) {
    if (col.nulls[row]) return false;
    return KeyBytes(col.children[0], *t.children[0], row, out);
  }
  const DataType& s = t.storage();
  if (s.id == TypeId::kString) {
    out->append(col.StringAt(row));
    return true;
  }
  const size_t w = s.value_width();
  SLUICE_CHECK(w > 0);
  out->append(reinterpret_cast<const char*>(col.data.data()) + row * w, w);
  return true;
}

// Stable partition names ("kafka:clicks/3") of one block's rows, asked once per partition.
class PartitionNames {
 public:
  explicit PartitionNames(const TransformContext& ctx) : ctx_(ctx) {}
  const std::string& Of(PartitionId p) {
    auto it = names_.find(p.value);
    if (it == names_.end())
      it = names_
               .emplace(p.value,
                        ctx_.partition_name ? ctx_.partition_name(p) : std::to_string(p.value))
               .first;
    return it->second;
  }

 private:
  const TransformContext& ctx_;
  std::unordered_map<uint32_t, std::string> names_;
};

class DedupTransform : public Transform {
 public:
  DedupTransform(const TransformConfig& cfg, const TransformContext& ctx) : cfg_(cfg), ctx_(ctx) {}

  ~DedupTransform() override {
    delete db_;
    Disconnect();
  }

  Result<SchemaPtr> Prepare(SchemaPtr input) override {
    auto e = Expr::Compile(cfg_.key, input);
    if (!e.ok()) return e.status().Context("key");
    key_ = std::move(e.value());
    const DataType& t =
        key_->type()->id == TypeId::kNullable ? *key_->type()->children[0] : *key_->type();
    if (t.storage().id != TypeId::kString && t.storage().value_width() == 0)
      return InvalidArgument(fmt::format(
          "key: expected a value (String, number, UUID, date…), got {}", key_->type()->name));
    if (cfg_.store == "redis") return PrepareRedis(input);
    // A key that is a column of the table can be looked up there after a crash (see Apply).
    if (ctx_.table && ctx_.existing_in_table && ctx_.table->IndexOf(cfg_.key) >= 0 &&
        input->IndexOf(cfg_.key) >= 0) {
      auto text = Expr::Compile("toString(" + cfg_.key + ")", input);
      if (text.ok()) key_text_ = std::move(text.value());
    }
    if (cfg_.store != "rocksdb")
      return InvalidArgument(
          fmt::format("store: '{}' is not available yet; use rocksdb", cfg_.store));
    path_ = !cfg_.path.empty()
                ? cfg_.path
                : fmt::format("{}/{}.{}.dedup", ctx_.state_dir, ctx_.pipeline, cfg_.name);
    std::error_code ec;
    std::filesystem::create_directories(path_, ec);
    rocksdb::Options options;
    options.create_if_missing = true;
    options.max_open_files = 256;
    // Almost every lookup is a miss (a new key): bloom filters answer those without reading
    // data blocks; a small block cache bounds memory.
    options.OptimizeForPointLookup(32);
    options.memtable_whole_key_filtering = true;
    options.memtable_prefix_bloom_size_ratio = 0.1;
    options.write_buffer_size = 32 << 20;
    // The window (plus a margin) as TTL: compaction drops expired keys, bounding the state.
    const int32_t ttl = static_cast<int32_t>(cfg_.window_ms / 1000 + 60);
    rocksdb::DBWithTTL* db = nullptr;
    rocksdb::Status st = rocksdb::DBWithTTL::Open(options, path_, &db, ttl);
    if (!st.ok())
      return IoError(fmt::format("path: cannot open dedup state {}: {}", path_, st.ToString()));
    db_ = db;
    return input;
  }

  bool ordered() const override { return true; }

  Status Apply(Block& block, const RejectFn&) override {
    if (block.rows() == 0) return Status::Ok();
    auto keys = key_->Evaluate(block);
    if (!keys.ok()) {
      // A key that cannot be computed: such rows pass (dedup never loses a row) and are counted.
      std::vector<ExprRowError> errors;
      keys = key_->Evaluate(block, &errors);
      if (!keys.ok()) return keys.status();
      if (ctx_.stats) ctx_.stats->transform_events.Add(cfg_.name + "/key_error", errors.size());
    }
    const Column& col = keys.value();
    const DataType& type = *key_->type();
    if (redis_) return ApplyRedis(block, col, type);
    // Full keys: "<partition>\x1f<key bytes>".
    std::vector<std::string> full(block.rows());
    std::vector<uint8_t> has_key(block.rows(), 0);
    PartitionNames names(ctx_);
    for (size_t r = 0; r < block.rows(); ++r) {
      full[r] = names.Of(block.origin(r).partition);
      full[r] += '\x1f';
      has_key[r] = KeyBytes(col, type, r, &full[r]);
    }
    std::vector<rocksdb::Slice> lookups;
    std::vector<size_t> lookup_rows;
    for (size_t r = 0; r < block.rows(); ++r) {
      if (!has_key[r]) continue;
      lookups.emplace_back(full[r]);
      lookup_rows.push_back(r);
    }
    std::vector<uint8_t> keep(block.rows(), 1);
    auto firsts = std::make_shared<std::vector<std::string>>();
    std::vector<size_t> uncertain;  // first events read again after a crash
    uint64_t duplicates = 0;
    const int64_t now = NowMs();
    std::vector<std::string> positions(block.rows());
    for (size_t r = 0; r < block.rows(); ++r)
      if (has_key[r]) positions[r] = fmt::format("{}", block.origin(r).position.value);
    {
      // The lookup and the decision under one lock, which MakeDurable also takes to retire keys
      // from memory after writing them: a key is always either in flight or durable here.
      std::lock_guard lock(mu_);
      std::vector<std::string> values;
      std::vector<rocksdb::Status> found = db_->MultiGet(rocksdb::ReadOptions(), lookups, &values);
      std::vector<const std::string*> stored(block.rows(), nullptr);
      for (size_t i = 0; i < found.size(); ++i) {
        if (found[i].IsNotFound()) continue;
        if (!found[i].ok())
          return IoError(
              fmt::format("dedup {}: reading {}: {}", cfg_.name, path_, found[i].ToString()));
        if (Decode(values[i]).first_ms > now - cfg_.window_ms) stored[lookup_rows[i]] = &values[i];
      }
      rocksdb::WriteBatch pending;
      for (size_t r = 0; r < block.rows(); ++r) {
        if (!has_key[r]) continue;
        bool duplicate = in_flight_.count(full[r]) > 0;
        if (!duplicate && stored[r] != nullptr) {
          const Stored st = Decode(*stored[r]);
          // Pending and not ours: a previous process claimed it and died before ClickHouse
          // confirmed. Its own first event read again is uncertain (ClickHouse may hold it);
          // anything else is a copy.
          if (st.durable || st.position != positions[r]) {
            duplicate = true;
          } else {
            uncertain.push_back(r);
            in_flight_.emplace(full[r], now);
            continue;
          }
        }
        if (duplicate) {
          keep[r] = 0;
          ++duplicates;
          continue;
        }
        in_flight_.emplace(full[r], now);
        pending.Put(full[r], Encode(now, false, positions[r]));
        firsts->push_back(full[r]);
      }
      // Claimed before the INSERT (no fsync: it only has to outlive this process), so that a
      // restarted process can tell its first event from a copy.
      if (pending.Count() > 0) {
        rocksdb::Status st = db_->Write(rocksdb::WriteOptions(), &pending);
        if (!st.ok())
          return IoError(fmt::format("dedup {}: writing {}: {}", cfg_.name, path_, st.ToString()));
      }
    }
    if (!uncertain.empty())
      RETURN_IF_ERROR(Resolve(block, full, uncertain, &keep, firsts.get(), now));
    if (ctx_.stats) {
      ctx_.stats->transform_events.Add(cfg_.name + "/duplicate", duplicates);
      ctx_.stats->transform_events.Add(cfg_.name + "/first", firsts->size());
    }
    // Durable once ClickHouse confirmed the batch (before the source commits its offsets).
    if (!firsts->empty()) {
      block.on_ack().push_back([this, firsts, now] { MakeDurable(*firsts, now); });
    }
    block.Filter(keep);
    return Status::Ok();
  }

 private:
  // --- store: redis ---------------------------------------------------------------------------
  // Shared by several sluice processes. A key is claimed with SET key value NX PX window, where
  // the value names the first event's position (`<partition>@<offset>`): a later copy finds
  // another position and is dropped, while the first event read again (after a crash or a
  // rebalance, by any member) finds its own claim and passes. So no first event is lost and no
  // second copy passes, without waiting for acknowledgements. Keys are global (not per
  // partition): copies may arrive in any partition, at any member.
  Result<SchemaPtr> PrepareRedis(SchemaPtr input) {
    if (cfg_.redis.empty()) return InvalidArgument("redis: required when store is redis");
    std::string rest = cfg_.redis.substr(std::string("redis://").size());
    if (auto slash = rest.find('/'); slash != std::string::npos) {
      db_index_ = rest.substr(slash + 1);
      rest = rest.substr(0, slash);
    }
    const auto colon = rest.rfind(':');
    host_ = colon == std::string::npos ? rest : rest.substr(0, colon);
    port_ = colon == std::string::npos ? 6379 : std::atoi(rest.c_str() + colon + 1);
    if (host_.empty() || port_ <= 0 || port_ > 65535)
      return InvalidArgument(
          fmt::format("redis: expected redis://host:port[/db], got '{}'", cfg_.redis));
    prefix_ = fmt::format("sluice:dedup:{}:{}:", ctx_.pipeline, cfg_.name);
    redis_ = true;
    std::lock_guard lock(mu_);
    if (Status st = Connect(); !st.ok())
      return st.Context(fmt::format("redis: cannot reach {}", cfg_.redis));
    return input;
  }

  Status Connect() {
    if (rc_ != nullptr) return Status::Ok();
    redisContext* c = redisConnectWithTimeout(host_.c_str(), port_, timeval{2, 0});
    if (c == nullptr || c->err) {
      std::string why = c ? c->errstr : "out of memory";
      if (c) redisFree(c);
      return IoError(why);
    }
    redisSetTimeout(c, timeval{10, 0});
    rc_ = c;
    if (!db_index_.empty()) {
      auto* r = static_cast<redisReply*>(redisCommand(rc_, "SELECT %s", db_index_.c_str()));
      const bool ok = r != nullptr && r->type != REDIS_REPLY_ERROR;
      if (r) freeReplyObject(r);
      if (!ok) {
        Disconnect();
        return IoError("SELECT " + db_index_ + " failed");
      }
    }
    return Status::Ok();
  }

  void Disconnect() {
    if (rc_ != nullptr) redisFree(rc_);
    rc_ = nullptr;
  }

  // Reads one pipelined reply; IoError (and a dropped connection) if the connection failed.
  Status Reply(redisReply** out) {
    void* raw = nullptr;
    if (redisGetReply(rc_, &raw) != REDIS_OK || raw == nullptr) {
      std::string why = rc_->errstr;
      Disconnect();
      return IoError(why);
    }
    *out = static_cast<redisReply*>(raw);
    if ((*out)->type == REDIS_REPLY_ERROR) {
      std::string why((*out)->str, (*out)->len);
      freeReplyObject(*out);
      Disconnect();
      return IoError(why);
    }
    return Status::Ok();
  }

  // One round of pipelined SET NX, then GET for the keys already taken; clears keep[] of copies.
  Status RedisRound(const std::vector<std::string>& keys, const std::vector<std::string>& values,
                    const std::vector<size_t>& rows, std::vector<uint8_t>* keep) {
    RETURN_IF_ERROR(Connect());
    const std::string px = std::to_string(cfg_.window_ms);
    for (size_t i = 0; i < keys.size(); ++i) {
      const char* argv[] = {"SET", keys[i].data(), values[i].data(), "NX", "PX", px.data()};
      const size_t len[] = {3, keys[i].size(), values[i].size(), 2, 2, px.size()};
      redisAppendCommandArgv(rc_, 6, argv, len);
    }
    std::vector<size_t> taken;
    for (size_t i = 0; i < keys.size(); ++i) {
      redisReply* r = nullptr;
      RETURN_IF_ERROR(Reply(&r));
      if (r->type != REDIS_REPLY_STATUS) taken.push_back(i);  // nil: the key exists
      freeReplyObject(r);
    }
    for (size_t i : taken) {
      const char* argv[] = {"GET", keys[i].data()};
      const size_t len[] = {3, keys[i].size()};
      redisAppendCommandArgv(rc_, 2, argv, len);
    }
    for (size_t i : taken) {
      redisReply* r = nullptr;
      RETURN_IF_ERROR(Reply(&r));
      // Our own claim (the first event read again) passes; so does a key that expired between
      // SET and GET (nil). Any other position means this row is a later copy.
      const bool mine =
          r->type == REDIS_REPLY_NIL ||
          (r->type == REDIS_REPLY_STRING && std::string_view(r->str, r->len) == values[i]);
      freeReplyObject(r);
      if (!mine) (*keep)[rows[i]] = 0;
    }
    return Status::Ok();
  }

  Status ApplyRedis(Block& block, const Column& col, const DataType& type) {
    std::vector<std::string> keys, values;
    std::vector<size_t> rows;
    PartitionNames names(ctx_);
    for (size_t r = 0; r < block.rows(); ++r) {
      std::string k = prefix_;
      if (!KeyBytes(col, type, r, &k)) continue;
      keys.push_back(std::move(k));
      values.push_back(fmt::format("{}@{}", names.Of(block.origin(r).partition),
                                   block.origin(r).position.value));
      rows.push_back(r);
    }
    std::vector<uint8_t> keep(block.rows(), 1);
    auto backoff = std::chrono::milliseconds(100);
    bool warned = false;
    std::lock_guard lock(mu_);
    for (;;) {
      std::fill(keep.begin(), keep.end(), 1);
      Status st = RedisRound(keys, values, rows, &keep);
      if (st.ok()) break;
      if (ctx_.stats) ctx_.stats->transform_events.Add(cfg_.name + "/store_error");
      if (cfg_.on_store_error == "fail_open") {
        spdlog::warn("dedup {}: Redis {}: {}; {} rows pass undeduplicated (fail_open)", cfg_.name,
                     cfg_.redis, st.message(), block.rows());
        return Status::Ok();
      }
      if (!warned)
        spdlog::warn("dedup {}: Redis {}: {}; waiting for it (fail_closed)", cfg_.name, cfg_.redis,
                     st.message());
      warned = true;
      for (auto waited = std::chrono::milliseconds(0); waited < backoff;
           waited += std::chrono::milliseconds(50)) {
        if (ctx_.cancelled && ctx_.cancelled())
          return Status(Code::kCancelled,
                        "dedup " + cfg_.name + ": given up while Redis was unreachable");
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
      backoff = std::min(backoff * 2, std::chrono::milliseconds(10000));
    }
    if (warned) spdlog::info("dedup {}: Redis {} is back", cfg_.name, cfg_.redis);
    uint64_t dropped = 0;
    for (uint8_t k : keep) dropped += k == 0;
    if (ctx_.stats) {
      ctx_.stats->transform_events.Add(cfg_.name + "/duplicate", dropped);
      ctx_.stats->transform_events.Add(cfg_.name + "/first", keys.size() - dropped);
    }
    block.Filter(keep);
    return Status::Ok();
  }

  // Stored value: first seen (ms, 8 bytes), durable (1 byte), position length (4), position.
  struct Stored {
    int64_t first_ms = 0;
    bool durable = false;
    std::string position;
  };
  static std::string Encode(int64_t first_ms, bool durable, const std::string& position) {
    std::string v(13 + position.size(), '\0');
    const uint32_t n = static_cast<uint32_t>(position.size());
    std::memcpy(v.data(), &first_ms, 8);
    v[8] = durable ? 1 : 0;
    std::memcpy(v.data() + 9, &n, 4);
    std::memcpy(v.data() + 13, position.data(), n);
    return v;
  }
  static Stored Decode(const std::string& v) {
    Stored s;
    if (v.size() < 13) return s;  // unreadable: treated as expired
    uint32_t n = 0;
    std::memcpy(&s.first_ms, v.data(), 8);
    s.durable = v[8] != 0;
    std::memcpy(&n, v.data() + 9, 4);
    if (13 + size_t{n} <= v.size()) s.position.assign(v.data() + 13, n);
    return s;
  }

  // Rows whose key a crashed process claimed at the same position: asks ClickHouse whether the
  // row is there (key column of the table), drops those that are, and keeps the others as first
  // events. Without a key column to ask, they are kept (at-least-once).
  Status Resolve(const Block& block, const std::vector<std::string>& full,
                 const std::vector<size_t>& rows, std::vector<uint8_t>* keep,
                 std::vector<std::string>* firsts, int64_t now) {
    std::vector<std::string> inserted;
    if (key_text_) {
      ASSIGN_OR_RETURN(Column text, key_text_->Evaluate(block));
      std::vector<std::string> ask;
      for (size_t r : rows) ask.emplace_back(text.StringAt(r));
      auto found = ctx_.existing_in_table(cfg_.key, ask);
      if (!found.ok()) return found.status().Context("dedup " + cfg_.name + ": checking the table");
      std::unordered_map<std::string, bool> in_table;
      for (auto& f : found.value()) in_table[f] = true;
      for (size_t i = 0; i < rows.size(); ++i)
        if (in_table.count(ask[i])) inserted.push_back(full[rows[i]]);
    }
    std::unordered_map<std::string, bool> is_inserted;
    for (const auto& k : inserted) is_inserted[k] = true;
    uint64_t dropped = 0;
    for (size_t r : rows) {
      if (is_inserted.count(full[r])) {
        (*keep)[r] = 0;
        ++dropped;
      } else {
        firsts->push_back(full[r]);
      }
    }
    if (ctx_.stats) ctx_.stats->transform_events.Add(cfg_.name + "/already_inserted", dropped);
    // Those already in the table become durable now; the others when their batch is confirmed.
    if (!inserted.empty()) MakeDurable(inserted, now);
    return Status::Ok();
  }

  void MakeDurable(const std::vector<std::string>& keys, int64_t first_ms) {
    rocksdb::WriteBatch batch;
    for (const auto& k : keys) batch.Put(k, Encode(first_ms, true, {}));
    rocksdb::WriteOptions wo;
    wo.sync = true;
    std::lock_guard lock(mu_);
    rocksdb::Status st = db_->Write(wo, &batch);
    // Committing the offsets without the keys could let a second copy through later: a failed
    // write stops the process loudly rather than silently weakening the guarantee.
    if (!st.ok())
      spdlog::critical("dedup {}: cannot write {}: {}", cfg_.name, path_, st.ToString());
    SLUICE_CHECK(st.ok());
    for (const auto& k : keys) in_flight_.erase(k);
  }

  const TransformConfig& cfg_;
  TransformContext ctx_;
  std::unique_ptr<Expr> key_;
  std::unique_ptr<Expr> key_text_;  // toString(key) when the key is a column of the table
  std::string path_;
  rocksdb::DB* db_ = nullptr;
  std::mutex mu_;
  std::unordered_map<std::string, int64_t> in_flight_;  // key → first seen (ms)
  // store: redis
  bool redis_ = false;
  std::string host_, db_index_, prefix_;
  int port_ = 6379;
  redisContext* rc_ = nullptr;  // mu_
};

}  // namespace

std::unique_ptr<Transform> MakeDedupTransform(const TransformConfig& cfg,
                                              const TransformContext& ctx) {
  return std::make_unique<DedupTransform>(cfg, ctx);
}

}  // namespace sluice
