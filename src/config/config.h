// Configuration: one YAML file with one or more named pipelines.
//
// Every key is declared once (config.cc) with its type, default, bound and description; the same
// declarations drive validation, defaults and docs/configuration.md. Loading collects every error
// (unknown key, wrong type, out-of-range value, missing required key) and reports them all at once,
// each naming its path and the bound, e.g.
//   pipelines.clicks.sink.batch.max_rows: must be between 1 and 10000000, got 0
// Values are never clamped.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/status.h"

namespace sluice {

struct SourceConfig {
  std::string type;                // "file" | "stdin" | "kafka"
  std::vector<std::string> paths;  // file: NDJSON files, plain or .gz
  std::string checkpoint;  // file: checkpoint path; default <state_dir>/<pipeline>.checkpoint
  int64_t read_buffer_bytes = 4 << 20;
  bool mmap = true;  // file: map plain files instead of reading them
  // kafka
  std::string brokers;                            // bootstrap.servers
  std::vector<std::string> topics;                // names, or regexes starting with '^'
  std::string group;                              // group.id; default sluice-<pipeline>
  std::string start_from = "earliest";            // where a group without offsets starts
  std::map<std::string, std::string> properties;  // librdkafka properties (secret values)
  int64_t startup_timeout_ms = 30000;
  int64_t revoke_timeout_ms = 60000;
};

struct DecodeConfig {
  std::string format = "ndjson";
  std::map<std::string, std::string> rename;    // JSON field path ("a.b") → column name
  std::map<std::string, std::string> metadata;  // column name → "$kafka.offset" etc.
  std::map<std::string, std::string> fields;    // extra input field → ClickHouse type
  int64_t max_line_bytes = 16 << 20;
  int64_t threads = 2;  // decode workers
};

struct BatchConfig {
  int64_t max_rows = 100000;
  int64_t max_bytes = 64 << 20;
  int64_t max_age_ms = 1000;
};

struct RetryConfig {
  int64_t initial_backoff_ms = 100;
  int64_t max_backoff_ms = 10000;
};

struct SinkConfig {
  std::string url = "http://127.0.0.1:8123";
  std::string database = "default";
  std::string table;
  std::string user = "default";
  std::string password;  // secret: never logged
  BatchConfig batch;
  RetryConfig retry;
  int64_t connect_timeout_ms = 5000;
  int64_t request_timeout_ms = 300000;
  int64_t max_in_flight = 2;
  std::map<std::string, std::string> settings;  // extra ClickHouse settings for every INSERT
  std::string compression = "none";             // "none" | "lz4" | "gzip": INSERT body encoding
};

struct DeadLetterConfig {
  std::string path;  // default <state_dir>/<pipeline>.dead-letter.ndjson
};

// One step between decoding and the sink (src/transforms/), applied in file order.
struct TransformConfig {
  std::string name;
  std::string type;                           // "filter" | "map" | "dedup" | "enrich"
  std::string where;                          // filter: keep rows where this is true
  std::map<std::string, std::string> set;     // map: column → expression
  std::vector<std::string> drop;              // map: columns dropped afterwards
  std::map<std::string, std::string> rename;  // map: column → new name, afterwards
  std::string key;                            // dedup, enrich: key expression
  // dedup
  int64_t window_ms = 86400000;
  std::string store = "rocksdb";               // "rocksdb" | "redis"
  std::string path;                            // rocksdb: state directory ("" = default)
  std::string redis;                           // redis: URL redis://host:port[/db]
  std::string on_store_error = "fail_closed";  // redis down: "fail_closed" | "fail_open"
  // enrich
  std::string postgres;                        // libpq conninfo or URI (secret)
  std::string table;                           // PostgreSQL table (schema.table)
  std::string match;                           // its column compared with `key`
  std::map<std::string, std::string> columns;  // output column → PostgreSQL column
  std::string on_missing = "dead_letter";      // "default" | "drop" | "dead_letter"
  int64_t cache_rows = 100000;
  int64_t cache_ttl_ms = 300000;
};

struct PipelineConfig {
  std::string name;
  SourceConfig source;
  DecodeConfig decode;
  std::vector<TransformConfig> transforms;
  SinkConfig sink;
  DeadLetterConfig dead_letter;
};

// The HTTP endpoint serving /metrics (Prometheus text), /health and /ready.
struct MetricsConfig {
  std::string address = "127.0.0.1";  // IPv4 or IPv6 address to bind
  int64_t port = 0;                   // 0: no endpoint
};

struct Config {
  std::string state_dir = "./sluice-state";
  std::string log_level = "info";
  int64_t memory_budget_bytes = int64_t{1} << 30;
  MetricsConfig metrics;
  std::vector<PipelineConfig> pipelines;  // in file order
};

// Parses and validates YAML text. `origin` names the text in messages (a file path).
// On failure the Status (kInvalidArgument) message lists every error, one per line.
Result<Config> ParseConfig(const std::string& yaml_text, const std::string& origin);
// Reads and parses a file.
Result<Config> LoadConfig(const std::string& path);
// Markdown reference of every key: path, type, default, bound, description.
std::string ConfigReference();

}  // namespace sluice
