// The /metrics page: Prometheus text format, one family per metric, values from PipelineStats.
#include "server/metrics.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

namespace sluice {
namespace {

::testing::AssertionResult HasLine(const std::string& page, const std::string& line) {
  std::istringstream in(page);
  for (std::string l; std::getline(in, l);)
    if (l == line) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "no line '" << line << "' in:\n" << page;
}

TEST(Metrics, CountersAndGaugesPerPipeline) {
  PipelineStats a, b;
  a.rows_read = 10;
  a.rows_inserted = 7;
  a.rows_dead_lettered = 3;
  a.bytes_read = 1000;
  a.batches = 2;
  a.SetWriterDepth(1, 2);
  a.committed.Start(0);
  a.committed.Add(0, 1000, 400);
  a.committed.Add(0, 1100, 200);
  a.committed.Add(0, 1300, 200);
  a.committed.Advance(0, 1100);  // the first two ranges: 600 bytes committable
  a.kafka.commits = 4;
  a.kafka.rebalances = 2;
  a.kafka.paused_ns = 1500000000;
  a.kafka.SetLag({{"clicks/0", 12}, {"clicks/1", 0}});
  b.rows_read = 5;
  const std::string page =
      RenderMetrics(ProcessMetrics{true, 64, 1024, 1.5}, {{"clicks", &a, 3}, {"views", &b, 0}});
  EXPECT_TRUE(HasLine(page, "# TYPE sluice_rows_read_total counter"));
  EXPECT_TRUE(HasLine(page, "sluice_rows_read_total{pipeline=\"clicks\"} 10"));
  EXPECT_TRUE(HasLine(page, "sluice_rows_read_total{pipeline=\"views\"} 5"));
  EXPECT_TRUE(HasLine(page, "sluice_kafka_commits_total{pipeline=\"clicks\"} 4"));
  EXPECT_TRUE(HasLine(page, "sluice_kafka_rebalances_total{pipeline=\"clicks\"} 2"));
  EXPECT_TRUE(HasLine(page, "sluice_kafka_paused_seconds_total{pipeline=\"clicks\"} 1.5"));
  EXPECT_TRUE(HasLine(
      page, "sluice_kafka_consumer_lag{pipeline=\"clicks\",topic=\"clicks\",partition=\"0\"} 12"));
  EXPECT_TRUE(HasLine(
      page, "sluice_kafka_consumer_lag{pipeline=\"clicks\",topic=\"clicks\",partition=\"1\"} 0"));
  EXPECT_TRUE(HasLine(page, "sluice_rows_inserted_total{pipeline=\"clicks\"} 7"));
  EXPECT_TRUE(HasLine(page, "sluice_rows_dead_lettered_total{pipeline=\"clicks\"} 3"));
  EXPECT_TRUE(HasLine(page, "sluice_bytes_read_total{pipeline=\"clicks\"} 1000"));
  EXPECT_TRUE(HasLine(page, "sluice_batches_total{pipeline=\"clicks\"} 2"));
  EXPECT_TRUE(HasLine(page, "sluice_queue_depth{pipeline=\"clicks\",queue=\"pieces\"} 3"));
  EXPECT_TRUE(HasLine(page, "sluice_queue_depth{pipeline=\"clicks\",queue=\"writer\"} 1"));
  EXPECT_TRUE(HasLine(page, "sluice_inflight_batches{pipeline=\"clicks\"} 2"));
  EXPECT_TRUE(HasLine(page, "sluice_checkpoint_lag_bytes{pipeline=\"clicks\"} 400"));
  EXPECT_TRUE(HasLine(page, "sluice_checkpoint_lag_bytes{pipeline=\"views\"} 0"));
  EXPECT_TRUE(HasLine(page, "sluice_ready 1"));
  EXPECT_TRUE(HasLine(page, "sluice_memory_budget_used_bytes 64"));
  EXPECT_TRUE(HasLine(page, "sluice_memory_budget_wait_seconds_total 1.5"));
}

TEST(Metrics, EveryFamilyHasHelpAndTypeOnceAndSamplesFollowIt) {
  PipelineStats a, b;
  a.retry_reasons.Add("http_503");
  b.retry_reasons.Add("code_252");
  const std::string page = RenderMetrics({}, {{"a", &a, 0}, {"b", &b, 0}});
  std::istringstream in(page);
  std::vector<std::string> families;
  std::string current;
  for (std::string l; std::getline(in, l);) {
    ASSERT_FALSE(l.empty());
    if (l.rfind("# HELP ", 0) == 0) continue;
    if (l.rfind("# TYPE ", 0) == 0) {
      current = l.substr(7, l.find(' ', 7) - 7);
      for (const auto& f : families) EXPECT_NE(f, current) << "family repeated: " << current;
      families.push_back(current);
      continue;
    }
    EXPECT_EQ(l.rfind(current, 0), 0u) << "sample outside its family: " << l;
  }
  EXPECT_EQ(page.back(), '\n');
}

TEST(Metrics, RetriesAreLabelledByReason) {
  PipelineStats s;
  s.retry_reasons.Add("code_252");
  s.retry_reasons.Add("code_252");
  s.retry_reasons.Add("transport");
  const std::string page = RenderMetrics({}, {{"p", &s, 0}});
  EXPECT_TRUE(HasLine(page, "sluice_retries_total{pipeline=\"p\",reason=\"code_252\"} 2"));
  EXPECT_TRUE(HasLine(page, "sluice_retries_total{pipeline=\"p\",reason=\"transport\"} 1"));
}

TEST(Metrics, HistogramBucketsAreCumulativeWithSumAndCount) {
  PipelineStats s;
  s.insert_seconds.Observe(0.004);  // ≤ 0.005
  s.insert_seconds.Observe(0.005);  // ≤ 0.005: bounds are inclusive
  s.insert_seconds.Observe(0.2);    // ≤ 0.25
  s.insert_seconds.Observe(100);    // +Inf
  const std::string page = RenderMetrics({}, {{"p", &s, 0}});
  EXPECT_TRUE(HasLine(page, "# TYPE sluice_insert_duration_seconds histogram"));
  EXPECT_TRUE(
      HasLine(page, "sluice_insert_duration_seconds_bucket{pipeline=\"p\",le=\"0.005\"} 2"));
  EXPECT_TRUE(HasLine(page, "sluice_insert_duration_seconds_bucket{pipeline=\"p\",le=\"0.1\"} 2"));
  EXPECT_TRUE(HasLine(page, "sluice_insert_duration_seconds_bucket{pipeline=\"p\",le=\"0.25\"} 3"));
  EXPECT_TRUE(HasLine(page, "sluice_insert_duration_seconds_bucket{pipeline=\"p\",le=\"60\"} 3"));
  EXPECT_TRUE(HasLine(page, "sluice_insert_duration_seconds_bucket{pipeline=\"p\",le=\"+Inf\"} 4"));
  EXPECT_TRUE(HasLine(page, "sluice_insert_duration_seconds_count{pipeline=\"p\"} 4"));
  EXPECT_TRUE(HasLine(page, "sluice_insert_duration_seconds_sum{pipeline=\"p\"} 100.209"));
}

TEST(Metrics, CommitProgressCountsTheBytesOfCommittableRanges) {
  CommitProgress c;
  c.Advance(0, 100);  // partition not started: ignored
  EXPECT_EQ(c.bytes(), 0u);
  c.Start(0);
  c.Start(1);
  c.Add(0, 60, 10);  // [50, 60)
  c.Add(0, 80, 20);  // [60, 80)
  c.Add(0, 90, 10);
  c.Add(1, 3, 700);  // Kafka: offsets [0, 3) hold 700 bytes
  c.Advance(0, 80);
  c.Advance(0, 70);  // late, out-of-order acknowledgement
  c.Advance(1, 3);
  EXPECT_EQ(c.bytes(), 730u);
  c.Start(0);  // reassigned: what was pending is forgotten
  c.Advance(0, 90);
  EXPECT_EQ(c.bytes(), 730u);
}

TEST(Metrics, LabelValuesAreEscaped) {
  EXPECT_EQ(EscapeLabelValue("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
  PipelineStats s;
  s.retry_reasons.Add("odd \"reason\"");
  const std::string page = RenderMetrics({}, {{"p", &s, 0}});
  EXPECT_TRUE(
      HasLine(page, "sluice_retries_total{pipeline=\"p\",reason=\"odd \\\"reason\\\"\"} 1"));
}

}  // namespace
}  // namespace sluice

namespace sluice {
namespace {

TEST(Metrics, PausedSecondsIncludeTheCurrentPause) {
  KafkaStats k;
  k.paused_ns = 1500000000;
  EXPECT_DOUBLE_EQ(k.PausedSeconds(), 1.5);
  const auto now = std::chrono::steady_clock::now().time_since_epoch();
  k.paused_since_ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(now).count() - 2000000000;
  k.paused = true;
  EXPECT_GE(k.PausedSeconds(), 3.5);
  EXPECT_LT(k.PausedSeconds(), 60.0);
  k.paused = false;
  EXPECT_DOUBLE_EQ(k.PausedSeconds(), 1.5);
}

}  // namespace
}  // namespace sluice
