// Configuration: sluice's keys and the public API of config.h.
//
// Every key is declared exactly once, in the Section tables under "Schema" below, with the typed
// builders of schema.h (Int(), Bytes(), String(), Enum(), ...). Everything else (decoding,
// defaults, validation, error messages, the Markdown reference) is generic, in schema.cc, and
// driven by those tables. Adding a key means adding one line to a table (and the field to
// config.h).
#include "config/config.h"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>

#include "config/schema.h"

namespace sluice {
namespace {

using config::ApplyDerived;
using config::Bool;
using config::Bytes;
using config::Check;
using config::CheckSchema;
using config::Decode;
using config::DeriveContext;
using config::Enum;
using config::Int;
using config::kGiB;
using config::kKiB;
using config::kMiB;
using config::Printable;
using config::RenderReference;
using config::Section;
using config::SectionMap;
using config::String;
using config::StringList;
using config::StringMap;
using config::Sub;

bool IsIpAddress(const std::string& text) {
  unsigned char buf[sizeof(in6_addr)];
  return inet_pton(AF_INET, text.c_str(), buf) == 1 || inet_pton(AF_INET6, text.c_str(), buf) == 1;
}

bool IsPipelineName(const std::string& name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '_' || c == '-';
  });
}

// ---------------------------------------------------------------------------------------------
// Schema: every configuration key, declared once.
// ---------------------------------------------------------------------------------------------

const Section& SourceSchema() {
  static const Section s{
      typeid(SourceConfig),
      "Where the NDJSON input comes from.",
      {
          Enum("type", &SourceConfig::type, {"file", "stdin", "kafka"})
              .Required()
              .Doc("`file` reads the files listed in `paths`; `stdin` reads standard input; "
                   "`kafka` consumes `topics` as a member of consumer group `group`, one JSON "
                   "message per row."),
          StringList("paths", &SourceConfig::paths)
              .Required()
              .NonEmpty()
              .OnlyWhen("type", {"file"})
              .Doc("NDJSON files to read, plain or gzip-compressed (`.gz`)."),
          String("checkpoint", &SourceConfig::checkpoint)
              .NonEmpty()
              .Derived("`<state_dir>/<pipeline>.checkpoint`",
                       [](const DeriveContext& c) {
                         return c.state_dir + "/" + c.pipeline + ".checkpoint";
                       })
              .Doc("File recording how far the input has been read, so that a restart resumes "
                   "where the previous run stopped."),
          Bytes("read_buffer_bytes", &SourceConfig::read_buffer_bytes)
              .Default(4 * kMiB)
              .Between(64 * kKiB, kGiB)
              .Doc("Size of each read from the input (kafka: the bytes of messages gathered "
                   "per partition before they are handed on)."),
          Bool("mmap", &SourceConfig::mmap)
              .Default(true)
              .OnlyWhen("type", {"file"})
              .Doc("Map plain (uncompressed) files into memory instead of reading them through a "
                   "buffer: rows are decoded where the file's pages are, with no copy. A file "
                   "truncated while sluice reads it then stops the process (SIGBUS); set `false` "
                   "if files may be truncated in place. Gzip files are always read."),
          String("brokers", &SourceConfig::brokers)
              .Required()
              .NonEmpty()
              .OnlyWhen("type", {"kafka"})
              .Doc("Kafka bootstrap servers, `host:port[,host:port…]`."),
          StringList("topics", &SourceConfig::topics)
              .Required()
              .NonEmpty()
              .OnlyWhen("type", {"kafka"})
              .Doc("Topics to consume; an entry starting with `^` is a regular expression "
                   "matching topic names (also topics created later)."),
          String("group", &SourceConfig::group)
              .NonEmpty()
              .OnlyWhen("type", {"kafka"})
              .Derived("`sluice-<pipeline>`",
                       [](const DeriveContext& c) { return "sluice-" + c.pipeline; })
              .Doc("Consumer group. Offsets are committed to it only up to what ClickHouse "
                   "confirmed, so a restarted or rebalanced member resumes without loss."),
          Enum("start_from", &SourceConfig::start_from, {"earliest", "latest"})
              .Default("earliest")
              .OnlyWhen("type", {"kafka"})
              .Doc("Where a partition without a committed offset starts (`auto.offset.reset`)."),
          StringMap("properties", &SourceConfig::properties)
              .Secret()
              .OnlyWhen("type", {"kafka"})
              .Doc("librdkafka properties passed through as they are (SASL, SSL, fetch sizes, "
                   "`partition.assignment.strategy`, `group.instance.id` …). Values are never "
                   "logged. Offsets are sluice's: `enable.auto.commit` and "
                   "`enable.auto.offset.store` cannot be set."),
          Int("startup_timeout_ms", &SourceConfig::startup_timeout_ms)
              .Default(30000)
              .Between(100, 3600000)
              .OnlyWhen("type", {"kafka"})
              .Doc("Start-up fails if the brokers do not answer within this time, in "
                   "milliseconds."),
          Int("revoke_timeout_ms", &SourceConfig::revoke_timeout_ms)
              .Default(60000)
              .Between(0, 3600000)
              .OnlyWhen("type", {"kafka"})
              .Doc("On a rebalance, how long to wait for ClickHouse to confirm rows already read "
                   "from revoked partitions (so their offsets can be committed) before giving "
                   "them up uncommitted; the new owner then reads them again."),
      },
      {
          Check<SourceConfig>(
              "librdkafka properties that would let librdkafka commit offsets are refused.",
              {"properties"},
              [](const SourceConfig& s) -> std::optional<std::string> {
                for (const char* k : {"enable.auto.commit", "enable.auto.offset.store", "group.id",
                                      "bootstrap.servers"}) {
                  if (s.properties.count(k))
                    return fmt::format(
                        "'{}' cannot be set here: sluice sets it (use `group` / `brokers`; "
                        "offsets are committed only once ClickHouse confirmed the rows)",
                        k);
                }
                return std::nullopt;
              }),
      },
  };
  return s;
}

const Section& DecodeSchema() {
  static const Section s{
      typeid(DecodeConfig),
      "How input lines become rows.",
      {
          Enum("format", &DecodeConfig::format, {"ndjson"})
              .Default("ndjson")
              .Doc("Input format: `ndjson` is one JSON object per line."),
          StringMap("rename", &DecodeConfig::rename)
              .Doc("Maps a JSON field path (`a.b` for a nested field) to a column name."),
          StringMap("metadata", &DecodeConfig::metadata)
              .Doc("Fills a column from the message's metadata instead of its JSON (kafka "
                   "source): `column: $kafka.topic | $kafka.partition | $kafka.offset | "
                   "$kafka.key | $kafka.timestamp | $kafka.headers | $kafka.header.<name>`. "
                   "`timestamp` is milliseconds (seconds into DateTime columns); `headers` is "
                   "a JSON object of all headers; `key` and a missing header are NULL in "
                   "Nullable columns, else empty."),
          StringMap("fields", &DecodeConfig::fields)
              .Doc("Input fields that are not columns of the table, with their ClickHouse type "
                   "(`timestamp_ms: UInt64`), so that transforms can use them."),
          Bytes("max_line_bytes", &DecodeConfig::max_line_bytes)
              .Default(16 * kMiB)
              .Between(kKiB, kGiB)
              .Doc("Longest accepted input line."),
          Int("threads", &DecodeConfig::threads)
              .Default(2)
              .Between(1, 64)
              .Doc("Decode workers (one JSON parser each). Rows are acknowledged in source order "
                   "whatever the number."),
      },
      {},
  };
  return s;
}

const Section& BatchSchema() {
  static const Section s{
      typeid(BatchConfig),
      "When rows are flushed to ClickHouse: a batch is sent as soon as any limit is reached.",
      {
          Int("max_rows", &BatchConfig::max_rows)
              .Default(100000)
              .Between(1, 10000000)
              .Doc("Most rows in one batch."),
          Bytes("max_bytes", &BatchConfig::max_bytes)
              .Default(64 * kMiB)
              .Between(kKiB, kGiB)
              .Doc("Largest size of one batch."),
          Int("max_age_ms", &BatchConfig::max_age_ms)
              .Default(1000)
              .Between(1, 3600000)
              .Doc("Longest time, in milliseconds, a row waits in a batch before it is sent."),
      },
      {},
  };
  return s;
}

const Section& RetrySchema() {
  static const Section s{
      typeid(RetryConfig),
      "Backoff between attempts of a failed INSERT.",
      {
          Int("initial_backoff_ms", &RetryConfig::initial_backoff_ms)
              .Default(100)
              .Between(1, 60000)
              .Doc("Wait before the first retry, in milliseconds."),
          Int("max_backoff_ms", &RetryConfig::max_backoff_ms)
              .Default(10000)
              .Between(1, 3600000)
              .Doc("Longest wait between retries, in milliseconds."),
      },
      {
          Check<RetryConfig>("`max_backoff_ms` must be at least `initial_backoff_ms`.",
                             {"initial_backoff_ms", "max_backoff_ms"},
                             [](const RetryConfig& r) -> std::optional<std::string> {
                               if (r.max_backoff_ms >= r.initial_backoff_ms) return std::nullopt;
                               return fmt::format(
                                   "must be at least initial_backoff_ms ({}), got {}",
                                   r.initial_backoff_ms, r.max_backoff_ms);
                             }),
      },
  };
  return s;
}

const Section& SinkSchema() {
  static const Section s{
      typeid(SinkConfig),
      "The ClickHouse table the rows are inserted into, over HTTP.",
      {
          String("url", &SinkConfig::url)
              .Default("http://127.0.0.1:8123")
              .Prefixes({"http://", "https://"})
              .Doc("Base URL of the ClickHouse HTTP interface."),
          String("database", &SinkConfig::database)
              .Default("default")
              .NonEmpty()
              .Doc("Database of the target table."),
          String("table", &SinkConfig::table).Required().NonEmpty().Doc("Target table."),
          String("user", &SinkConfig::user).Default("default").NonEmpty().Doc("ClickHouse user."),
          String("password", &SinkConfig::password).Default("").Secret().Doc("Password of `user`."),
          Sub("batch", &SinkConfig::batch, BatchSchema()),
          Sub("retry", &SinkConfig::retry, RetrySchema()),
          Int("connect_timeout_ms", &SinkConfig::connect_timeout_ms)
              .Default(5000)
              .Between(100, 600000)
              .Doc("Timeout for establishing a connection, in milliseconds."),
          Int("request_timeout_ms", &SinkConfig::request_timeout_ms)
              .Default(300000)
              .Between(1000, 86400000)
              .Doc("Timeout for one INSERT request, in milliseconds."),
          Int("max_in_flight", &SinkConfig::max_in_flight)
              .Default(2)
              .Between(1, 64)
              .Doc("Most INSERT requests in progress at once for this pipeline."),
          StringMap("settings", &SinkConfig::settings)
              .Doc("ClickHouse settings sent with every INSERT, e.g. `async_insert: 1`."),
          Enum("compression", &SinkConfig::compression, {"none", "lz4", "gzip"})
              .Default("none")
              .Doc("Compression of INSERT bodies. `lz4`: ClickHouse's native compressed blocks "
                   "(sent with `decompress=1`, checksummed), the cheapest in CPU; for remote "
                   "servers, where the network is the bottleneck. `gzip`: standard "
                   "`Content-Encoding: gzip`, the fallback behind HTTP proxies that handle only "
                   "standard encodings. `none` suits a local server."),
      },
      {},
  };
  return s;
}

const Section& DeadLetterSchema() {
  static const Section s{
      typeid(DeadLetterConfig),
      "Where rows that cannot be inserted are kept.",
      {
          String("path", &DeadLetterConfig::path)
              .NonEmpty()
              .Derived("`<state_dir>/<pipeline>.dead-letter.ndjson`",
                       [](const DeriveContext& c) {
                         return c.state_dir + "/" + c.pipeline + ".dead-letter.ndjson";
                       })
              .Doc("NDJSON file receiving rejected rows."),
      },
      {},
  };
  return s;
}

bool IsTransformName(const std::string& name) {
  return IsPipelineName(name);
}

const Section& TransformSchema() {
  static const Section s{
      typeid(TransformConfig),
      "One transform. Expressions are ClickHouse SQL (`docs/transforms.md`), type-checked at "
      "start-up against the columns the step receives.",
      {
          Enum("type", &TransformConfig::type, {"filter", "map", "dedup", "enrich"})
              .Required()
              .Doc("`filter` keeps the rows where `where` is true; `map` sets or adds columns "
                   "from expressions, then drops and renames columns; `dedup` drops rows whose "
                   "`key` was seen within `window_ms` (the first event wins); `enrich` adds "
                   "columns looked up in a PostgreSQL table by `key`."),
          String("where", &TransformConfig::where)
              .Required()
              .NonEmpty()
              .OnlyWhen("type", {"filter"})
              .Doc("Predicate; rows where it is false or NULL are dropped (still acknowledged)."),
          StringMap("set", &TransformConfig::set)
              .OnlyWhen("type", {"map"})
              .Doc("Column → expression. All are computed from the step's input; a new name "
                   "adds a column."),
          StringList("drop", &TransformConfig::drop)
              .OnlyWhen("type", {"map"})
              .Doc("Columns removed after `set` (input fields the table does not need)."),
          StringMap("rename", &TransformConfig::rename)
              .OnlyWhen("type", {"map"})
              .Doc("Column → new name, applied last."),
          String("key", &TransformConfig::key)
              .Required()
              .NonEmpty()
              .OnlyWhen("type", {"dedup", "enrich"})
              .Doc("Expression giving each row's key (dedup: what makes two events the same; "
                   "enrich: the value looked up)."),
          Int("window_ms", &TransformConfig::window_ms)
              .Default(86400000)
              .Between(1000, 7 * 86400000LL)
              .OnlyWhen("type", {"dedup"})
              .Doc("How long a key is remembered, in milliseconds (up to 7 days)."),
          Enum("store", &TransformConfig::store, {"rocksdb", "redis"})
              .Default("rocksdb")
              .OnlyWhen("type", {"dedup"})
              .Doc("Where seen keys live: `rocksdb` (local, per source partition, survives "
                   "restarts) or `redis` (shared by several sluice processes: SET NX PX)."),
          String("path", &TransformConfig::path)
              .Default("")
              .OnlyWhen("type", {"dedup"})
              .Doc("RocksDB directory of the seen keys (store `rocksdb`); empty: "
                   "`<state_dir>/<pipeline>.<transform>.dedup`."),
          String("redis", &TransformConfig::redis)
              .Default("")
              .Prefixes({"redis://"})
              .OnlyWhen("type", {"dedup"})
              .Doc("Redis URL `redis://host:port[/db]` (store `redis`)."),
          Enum("on_store_error", &TransformConfig::on_store_error, {"fail_closed", "fail_open"})
              .Default("fail_closed")
              .OnlyWhen("type", {"dedup"})
              .Doc("When Redis cannot be reached: `fail_closed` waits and retries (nothing "
                   "passes unchecked), `fail_open` lets rows through undeduplicated."),
          String("postgres", &TransformConfig::postgres)
              .Required()
              .NonEmpty()
              .Secret()
              .OnlyWhen("type", {"enrich"})
              .Doc("PostgreSQL connection (libpq URI or `key=value` string); never logged."),
          String("table", &TransformConfig::table)
              .Required()
              .NonEmpty()
              .OnlyWhen("type", {"enrich"})
              .Doc("PostgreSQL table to look up (`name` or `schema.name`)."),
          String("match", &TransformConfig::match)
              .Required()
              .NonEmpty()
              .OnlyWhen("type", {"enrich"})
              .Doc("Column of `table` compared with `key`."),
          StringMap("columns", &TransformConfig::columns)
              .Required()
              .OnlyWhen("type", {"enrich"})
              .Doc("Column added or set → column of `table` it comes from."),
          Enum("on_missing", &TransformConfig::on_missing, {"default", "drop", "dead_letter"})
              .Default("dead_letter")
              .OnlyWhen("type", {"enrich"})
              .Doc("A key not in `table`: fill the type's default, drop the row (still "
                   "acknowledged), or send it to the dead-letter file."),
          Int("cache_rows", &TransformConfig::cache_rows)
              .Default(100000)
              .Between(0, 100000000)
              .OnlyWhen("type", {"enrich"})
              .Doc("Looked-up keys kept in memory (least recently used go first); 0: none."),
          Int("cache_ttl_ms", &TransformConfig::cache_ttl_ms)
              .Default(300000)
              .Between(0, 86400000)
              .OnlyWhen("type", {"enrich"})
              .Doc("How long a looked-up row (or its absence) is trusted, in milliseconds."),
      },
      {},
  };
  return s;
}

const Section& PipelineSchema() {
  static const Section s{
      typeid(PipelineConfig),
      "One pipeline: reads one source and inserts into one ClickHouse table.",
      {
          Sub("source", &PipelineConfig::source, SourceSchema()),
          Sub("decode", &PipelineConfig::decode, DecodeSchema()),
          SectionMap("transforms", &PipelineConfig::transforms, &TransformConfig::name,
                     TransformSchema())
              .Names("`[A-Za-z0-9_-]+`", IsTransformName)
              .Doc("Transforms by name, applied in file order to every batch between decoding "
                   "and the sink. Rows they drop or reject stay covered by the checkpoint."),
          Sub("sink", &PipelineConfig::sink, SinkSchema()),
          Sub("dead_letter", &PipelineConfig::dead_letter, DeadLetterSchema()),
      },
      {},
  };
  return s;
}

const Section& MetricsSchema() {
  static const Section s{
      typeid(MetricsConfig),
      "The HTTP endpoint for monitoring: `GET /metrics` (Prometheus text format), `/health` "
      "(200 while the process runs) and `/ready` (200 while every pipeline is running, 503 while "
      "starting, draining or once a pipeline has finished).",
      {
          String("address", &MetricsConfig::address)
              .Default("127.0.0.1")
              .NonEmpty()
              .Doc("IPv4 or IPv6 address the endpoint listens on; `0.0.0.0` for every interface."),
          Int("port", &MetricsConfig::port)
              .Default(0)
              .Between(0, 65535)
              .Doc("TCP port of the endpoint, e.g. `9464`; `0` disables it."),
      },
      {
          Check<MetricsConfig>("`address` must be a numeric IPv4 or IPv6 address.", {"address"},
                               [](const MetricsConfig& m) -> std::optional<std::string> {
                                 if (IsIpAddress(m.address)) return std::nullopt;
                                 return "must be a numeric IPv4 or IPv6 address, got '" +
                                        Printable(m.address) + "'";
                               }),
      },
  };
  return s;
}

const Section& RootSchema() {
  static const Section s{
      typeid(Config),
      "Keys at the top of the file.",
      {
          String("state_dir", &Config::state_dir)
              .Default("./sluice-state")
              .NonEmpty()
              .Doc("Directory for pipeline state; checkpoint and dead-letter files default to "
                   "paths inside it."),
          Enum("log_level", &Config::log_level, {"trace", "debug", "info", "warn", "error"})
              .Default("info")
              .Doc("Least severe level of log messages that are written."),
          Bytes("memory_budget_bytes", &Config::memory_budget_bytes)
              .Default(kGiB)
              .Between(16 * kMiB, 1024 * kGiB)
              .Doc("Bytes all pipelines together may hold between reading and ClickHouse's "
                   "confirmation. When it is spent, reading pauses (backpressure) until batches "
                   "are confirmed; so when ClickHouse is slow or down, memory stays flat."),
          Sub("metrics", &Config::metrics, MetricsSchema()),
          SectionMap("pipelines", &Config::pipelines, &PipelineConfig::name, PipelineSchema())
              .Required()
              .NonEmpty()
              .Names("`[A-Za-z0-9_-]+`", IsPipelineName)
              .Doc("Pipelines by name. A name appears in logs and in the default paths of "
                   "its state files."),
      },
      {},
  };
  return s;
}

const Section& CheckedSchema() {
  static const bool checked = (CheckSchema(RootSchema()), true);
  (void)checked;
  return RootSchema();
}

}  // namespace

Result<Config> ParseConfig(const std::string& yaml_text, const std::string& origin) {
  const Section& schema = CheckedSchema();
  Config config;
  RETURN_IF_ERROR(Decode(schema, yaml_text, origin, &config));
  for (PipelineConfig& p : config.pipelines) {
    ApplyDerived(PipelineSchema(), &p, DeriveContext{config.state_dir, p.name});
  }
  return config;
}

Result<Config> LoadConfig(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    const int err = errno;
    std::string message = fmt::format("{}: cannot open config file: {}", path, std::strerror(err));
    return err == ENOENT ? NotFound(std::move(message)) : IoError(std::move(message));
  }
  std::string text;
  char buffer[64 * 1024];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, f)) > 0) text.append(buffer, n);
  const bool failed = std::ferror(f) != 0;
  const int err = errno;
  std::fclose(f);
  if (failed) {
    return IoError(fmt::format("{}: cannot read config file: {}", path, std::strerror(err)));
  }
  return ParseConfig(text, path);
}

std::string ConfigReference() {
  return RenderReference(CheckedSchema());
}

}  // namespace sluice
