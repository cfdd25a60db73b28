#include "server/metrics.h"

#include <fmt/format.h>

#include <algorithm>
#include <functional>

namespace sluice {
namespace {

// Appends one metric family: HELP and TYPE, then one sample per pipeline.
class Page {
 public:
  explicit Page(const std::vector<PipelineMetrics>& pipelines) : pipelines_(pipelines) {}

  void Family(std::string_view name, std::string_view type, std::string_view help) {
    out_ += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
  }
  // `labels` are extra labels, already formatted (`,key="value"`).
  void Sample(std::string_view name, const PipelineMetrics& p, std::string_view labels,
              double value) {
    out_ +=
        fmt::format("{}{{pipeline=\"{}\"{}}} {}\n", name, EscapeLabelValue(p.name), labels, value);
  }
  void Sample(std::string_view name, const PipelineMetrics& p, std::string_view labels,
              uint64_t value) {
    out_ +=
        fmt::format("{}{{pipeline=\"{}\"{}}} {}\n", name, EscapeLabelValue(p.name), labels, value);
  }
  // A family with one unlabelled-but-`pipeline` sample per pipeline.
  void PerPipeline(std::string_view name, std::string_view type, std::string_view help,
                   const std::function<uint64_t(const PipelineMetrics&)>& value) {
    Family(name, type, help);
    for (const auto& p : pipelines_) Sample(name, p, "", value(p));
  }
  void Plain(std::string_view name, std::string_view type, std::string_view help, double value) {
    Family(name, type, help);
    out_ += fmt::format("{} {}\n", name, value);
  }
  std::string& out() { return out_; }

 private:
  const std::vector<PipelineMetrics>& pipelines_;
  std::string out_;
};

// One histogram family from `pick` of every pipeline.
void Histogram(Page& page, const std::vector<PipelineMetrics>& pipelines, std::string_view name,
               std::string_view help,
               const std::function<const LatencyHistogram&(const PipelineStats&)>& pick) {
  page.Family(name, "histogram", help);
  const std::string bucket = std::string(name) + "_bucket";
  for (const auto& p : pipelines) {
    const LatencyHistogram::Snapshot h = pick(*p.stats).Read();
    uint64_t cumulative = 0;
    for (size_t i = 0; i < LatencyHistogram::kBuckets; ++i) {
      cumulative += h.counts[i];
      const std::string le = i < LatencyHistogram::kBounds.size()
                                 ? fmt::format("{}", LatencyHistogram::kBounds[i])
                                 : "+Inf";
      page.Sample(bucket, p, fmt::format(",le=\"{}\"", le), cumulative);
    }
    page.Sample(std::string(name) + "_sum", p, "", h.sum);
    page.Sample(std::string(name) + "_count", p, "", h.count);
  }
}

// Kafka source families (all zero for pipelines reading other sources).
void Kafka(Page& page, const std::vector<PipelineMetrics>& pipelines) {
  using P = const PipelineMetrics&;
  page.PerPipeline("sluice_kafka_commits_total", "counter",
                   "Offset commits the Kafka broker confirmed.",
                   [](P p) { return p.stats->kafka.commits.load(); });
  page.PerPipeline("sluice_kafka_commit_failures_total", "counter",
                   "Offset commits the Kafka broker refused (the offsets are committed again "
                   "with the next one).",
                   [](P p) { return p.stats->kafka.commit_failures.load(); });
  page.PerPipeline("sluice_kafka_rebalances_total", "counter",
                   "Consumer-group rebalances this member took part in.",
                   [](P p) { return p.stats->kafka.rebalances.load(); });
  page.PerPipeline("sluice_kafka_partitions_assigned_total", "counter",
                   "Partitions assigned to this member by rebalances.",
                   [](P p) { return p.stats->kafka.assigned.load(); });
  page.PerPipeline("sluice_kafka_partitions_revoked_total", "counter",
                   "Partitions revoked from (or lost by) this member.",
                   [](P p) { return p.stats->kafka.revoked.load(); });
  page.Family("sluice_kafka_paused_seconds_total", "counter",
              "Time fetching was paused because ClickHouse was behind (backpressure).");
  for (const auto& p : pipelines)
    page.Sample("sluice_kafka_paused_seconds_total", p, "", p.stats->kafka.PausedSeconds());
  page.PerPipeline("sluice_kafka_paused", "gauge", "1 while fetching is paused, else 0.",
                   [](P p) { return p.stats->kafka.paused.load() ? 1 : 0; });
  page.Family("sluice_kafka_consumer_lag", "gauge",
              "Messages in the partition after the committed offset (high watermark minus "
              "committed offset), per assigned partition.");
  for (const auto& p : pipelines) {
    for (const auto& [name, lag] : p.stats->kafka.Lag()) {
      const size_t slash = name.rfind('/');
      const std::string topic = name.substr(0, slash);
      const std::string partition = slash == std::string::npos ? "" : name.substr(slash + 1);
      page.Sample("sluice_kafka_consumer_lag", p,
                  fmt::format(",topic=\"{}\",partition=\"{}\"", EscapeLabelValue(topic),
                              EscapeLabelValue(partition)),
                  static_cast<uint64_t>(lag < 0 ? 0 : lag));
    }
  }
}

}  // namespace

std::string EscapeLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string RenderMetrics(const ProcessMetrics& process,
                          const std::vector<PipelineMetrics>& pipelines) {
  Page page(pipelines);
  page.Plain("sluice_ready", "gauge", "1 while every pipeline is prepared and running, else 0.",
             process.ready ? 1 : 0);
  page.Plain("sluice_memory_budget_used_bytes", "gauge",
             "Bytes held between reading and ClickHouse's confirmation, all pipelines.",
             static_cast<double>(process.budget_used_bytes));
  page.Plain("sluice_memory_budget_limit_bytes", "gauge",
             "The memory budget (memory_budget_bytes).",
             static_cast<double>(process.budget_limit_bytes));
  page.Plain("sluice_memory_budget_wait_seconds_total", "counter",
             "Time readers spent waiting for memory budget (backpressure).",
             process.budget_wait_seconds);

  using P = const PipelineMetrics&;
  page.PerPipeline("sluice_rows_read_total", "counter", "Non-blank input lines read.",
                   [](P p) { return p.stats->rows_read.load(); });
  page.PerPipeline("sluice_rows_inserted_total", "counter", "Rows confirmed by ClickHouse.",
                   [](P p) { return p.stats->rows_inserted.load(); });
  page.PerPipeline("sluice_rows_dead_lettered_total", "counter",
                   "Rows written to the dead-letter file (undecodable or rejected).",
                   [](P p) { return p.stats->rows_dead_lettered.load(); });
  page.PerPipeline("sluice_bytes_read_total", "counter", "Input bytes read.",
                   [](P p) { return p.stats->bytes_read.load(); });
  page.PerPipeline("sluice_batches_total", "counter", "INSERT requests confirmed by ClickHouse.",
                   [](P p) { return p.stats->batches.load(); });

  page.Family("sluice_retries_total", "counter",
              "Failed INSERT attempts that were retried, by failure reason.");
  for (const auto& p : pipelines) {
    for (const auto& [reason, n] : p.stats->retry_reasons.Read())
      page.Sample("sluice_retries_total", p,
                  fmt::format(",reason=\"{}\"", EscapeLabelValue(reason)), n);
  }
  Histogram(page, pipelines, "sluice_insert_duration_seconds",
            "Duration of confirmed INSERT requests, in seconds.",
            [](const PipelineStats& s) -> const LatencyHistogram& { return s.insert_seconds; });

  page.Family("sluice_queue_depth", "gauge",
              "Items waiting: `pieces` read for decoding, `writer` batches for a sender.");
  for (const auto& p : pipelines) {
    page.Sample("sluice_queue_depth", p, ",queue=\"pieces\"", p.queued_pieces);
    page.Sample("sluice_queue_depth", p, ",queue=\"writer\"", p.stats->queued_batches.load());
  }
  page.PerPipeline("sluice_inflight_batches", "gauge", "INSERT requests being sent or retried.",
                   [](P p) { return p.stats->inflight_batches.load(); });
  page.PerPipeline("sluice_checkpoint_lag_bytes", "gauge",
                   "Bytes read whose positions cannot be committed yet (not yet confirmed).",
                   [](P p) {
                     const uint64_t committed = p.stats->committed.bytes();
                     const uint64_t read = p.stats->bytes_read.load();
                     return read > committed ? read - committed : 0;
                   });
  Kafka(page, pipelines);
  page.PerPipeline("sluice_rows_filtered_total", "counter",
                   "Rows dropped by transforms (filter, dedup, enrich on_missing: drop); they "
                   "are acknowledged with their batch.",
                   [](P p) { return p.stats->rows_filtered.load(); });
  page.Family("sluice_transform_events_total", "counter",
              "Transform events by transform and kind (dedup: first, duplicate; enrich: hit, "
              "miss, missing, lookup_error).");
  for (const auto& p : pipelines) {
    for (const auto& [label, n] : p.stats->transform_events.Read()) {
      const size_t slash = label.find('/');
      page.Sample(
          "sluice_transform_events_total", p,
          fmt::format(",transform=\"{}\",event=\"{}\"", EscapeLabelValue(label.substr(0, slash)),
                      EscapeLabelValue(slash == std::string::npos ? "" : label.substr(slash + 1))),
          n);
    }
  }
  Histogram(page, pipelines, "sluice_enrich_lookup_duration_seconds",
            "Duration of enrich lookups (one query per batch for the keys not cached).",
            [](const PipelineStats& s) -> const LatencyHistogram& { return s.lookup_seconds; });
  return std::move(page.out());
}

}  // namespace sluice
