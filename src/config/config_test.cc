// Specification of the configuration file: defaults, validation messages and the reference.
#include "config/config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace sluice {
namespace {

// --- Helpers -------------------------------------------------------------------------------------

// The smallest valid file: one pipeline reading a file into a table.
constexpr char kMinimal[] = R"(pipelines:
  clicks:
    source:
      type: file
      paths: [/data/clicks.ndjson]
    sink:
      table: clicks
)";

// A minimal pipeline whose sink section ends with `sink_extra` (indented by the caller).
// Lines 1-7 are fixed, so the first line of `sink_extra` is line 8.
std::string WithSink(const std::string& sink_extra) {
  return std::string(kMinimal) + sink_extra;
}

Config Parse(const std::string& yaml) {
  Result<Config> r = ParseConfig(yaml, "test.yaml");
  EXPECT_TRUE(r.ok()) << r.status().message();
  return r.ok() ? std::move(r).value() : Config{};
}

// The error message of a config that must be rejected.
std::string Error(const std::string& yaml) {
  Result<Config> r = ParseConfig(yaml, "test.yaml");
  EXPECT_FALSE(r.ok()) << "config was accepted:\n" << yaml;
  if (r.ok()) return "";
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  return r.status().message();
}

::testing::AssertionResult Contains(const std::string& text, const std::string& part) {
  if (text.find(part) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "'" << part << "' not in:\n" << text;
}

std::vector<std::string> ErrorLines(const std::string& yaml) {
  std::vector<std::string> lines;
  std::istringstream in(Error(yaml));
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// --- Defaults ------------------------------------------------------------------------------------

TEST(ConfigDefaults, MinimalConfigGetsEveryDefault) {
  const Config c = Parse(kMinimal);
  EXPECT_EQ(c.state_dir, "./sluice-state");
  EXPECT_EQ(c.log_level, "info");
  ASSERT_EQ(c.pipelines.size(), 1u);
  const PipelineConfig& p = c.pipelines[0];
  EXPECT_EQ(p.name, "clicks");

  EXPECT_EQ(p.source.type, "file");
  EXPECT_EQ(p.source.paths, std::vector<std::string>{"/data/clicks.ndjson"});
  EXPECT_EQ(p.source.checkpoint, "./sluice-state/clicks.checkpoint");
  EXPECT_EQ(p.source.read_buffer_bytes, 4 << 20);

  EXPECT_EQ(p.decode.format, "ndjson");
  EXPECT_TRUE(p.decode.rename.empty());
  EXPECT_EQ(p.decode.max_line_bytes, 16 << 20);

  EXPECT_EQ(p.sink.url, "http://127.0.0.1:8123");
  EXPECT_EQ(p.sink.database, "default");
  EXPECT_EQ(p.sink.table, "clicks");
  EXPECT_EQ(p.sink.user, "default");
  EXPECT_EQ(p.sink.password, "");
  EXPECT_EQ(p.sink.batch.max_rows, 100000);
  EXPECT_EQ(p.sink.batch.max_bytes, 64 << 20);
  EXPECT_EQ(p.sink.batch.max_age_ms, 1000);
  EXPECT_EQ(p.sink.retry.initial_backoff_ms, 100);
  EXPECT_EQ(p.sink.retry.max_backoff_ms, 10000);
  EXPECT_EQ(p.sink.connect_timeout_ms, 5000);
  EXPECT_EQ(p.sink.request_timeout_ms, 300000);
  EXPECT_EQ(p.sink.max_in_flight, 2);
  EXPECT_TRUE(p.sink.settings.empty());
  EXPECT_EQ(p.sink.compression, "none");

  EXPECT_EQ(p.dead_letter.path, "./sluice-state/clicks.dead-letter.ndjson");
}

TEST(ConfigDefaults, SchemaDefaultsAgreeWithTheStructInitializers) {
  const Config parsed = Parse(kMinimal);
  const PipelineConfig& p = parsed.pipelines.at(0);
  const Config config;
  const SourceConfig source;
  const DecodeConfig decode;
  const SinkConfig sink;
  EXPECT_EQ(parsed.state_dir, config.state_dir);
  EXPECT_EQ(parsed.log_level, config.log_level);
  EXPECT_EQ(p.source.read_buffer_bytes, source.read_buffer_bytes);
  EXPECT_EQ(p.decode.format, decode.format);
  EXPECT_EQ(p.decode.max_line_bytes, decode.max_line_bytes);
  EXPECT_EQ(p.sink.url, sink.url);
  EXPECT_EQ(p.sink.database, sink.database);
  EXPECT_EQ(p.sink.user, sink.user);
  EXPECT_EQ(p.sink.password, sink.password);
  EXPECT_EQ(p.sink.batch.max_rows, sink.batch.max_rows);
  EXPECT_EQ(p.sink.batch.max_bytes, sink.batch.max_bytes);
  EXPECT_EQ(p.sink.batch.max_age_ms, sink.batch.max_age_ms);
  EXPECT_EQ(p.sink.retry.initial_backoff_ms, sink.retry.initial_backoff_ms);
  EXPECT_EQ(p.sink.retry.max_backoff_ms, sink.retry.max_backoff_ms);
  EXPECT_EQ(p.sink.connect_timeout_ms, sink.connect_timeout_ms);
  EXPECT_EQ(p.sink.request_timeout_ms, sink.request_timeout_ms);
  EXPECT_EQ(p.sink.max_in_flight, sink.max_in_flight);
  EXPECT_EQ(p.sink.compression, sink.compression);
}

TEST(ConfigDefaults, DerivedPathsUseStateDirAndPipelineName) {
  const Config c = Parse(std::string("state_dir: /var/lib/sluice\n") + kMinimal);
  EXPECT_EQ(c.pipelines[0].source.checkpoint, "/var/lib/sluice/clicks.checkpoint");
  EXPECT_EQ(c.pipelines[0].dead_letter.path, "/var/lib/sluice/clicks.dead-letter.ndjson");
}

TEST(ConfigDefaults, DerivedPathsSeeStateDirWrittenAfterThePipelines) {
  const Config c = Parse(std::string(kMinimal) + "state_dir: /srv/state\n");
  EXPECT_EQ(c.pipelines[0].source.checkpoint, "/srv/state/clicks.checkpoint");
}

TEST(ConfigDefaults, ExplicitPathsOverrideDerivedOnes) {
  const Config c = Parse(std::string(kMinimal) + "    dead_letter: {path: /tmp/dead.ndjson}\n");
  EXPECT_EQ(c.pipelines[0].dead_letter.path, "/tmp/dead.ndjson");
  const Config d = Parse(R"(pipelines:
  p:
    source: {type: file, paths: [a], checkpoint: /tmp/p.ckpt}
    sink: {table: t}
)");
  EXPECT_EQ(d.pipelines[0].source.checkpoint, "/tmp/p.ckpt");
}

// --- Values --------------------------------------------------------------------------------------

TEST(ConfigValues, EveryKeyIsRead) {
  const Config c = Parse(R"(state_dir: /state
log_level: debug
pipelines:
  events:
    source:
      type: file
      paths: [/a.ndjson, /b.ndjson.gz]
      checkpoint: /state/e.ckpt
      read_buffer_bytes: 131072
    decode:
      format: ndjson
      rename: {user.id: user_id, ts: timestamp}
      max_line_bytes: 2048
    sink:
      url: https://ch.example:8443
      database: analytics
      table: events
      user: writer
      password: s3cret
      batch: {max_rows: 5000, max_bytes: 4096, max_age_ms: 250}
      retry: {initial_backoff_ms: 50, max_backoff_ms: 50}
      connect_timeout_ms: 100
      request_timeout_ms: 86400000
      max_in_flight: 64
      settings: {async_insert: 1, wait_for_async_insert: 0}
      compression: lz4
    dead_letter:
      path: /dead.ndjson
)");
  EXPECT_EQ(c.state_dir, "/state");
  EXPECT_EQ(c.log_level, "debug");
  const PipelineConfig& p = c.pipelines.at(0);
  EXPECT_EQ(p.name, "events");
  EXPECT_EQ(p.source.paths, (std::vector<std::string>{"/a.ndjson", "/b.ndjson.gz"}));
  EXPECT_EQ(p.source.checkpoint, "/state/e.ckpt");
  EXPECT_EQ(p.source.read_buffer_bytes, 131072);
  EXPECT_EQ(p.decode.rename,
            (std::map<std::string, std::string>{{"user.id", "user_id"}, {"ts", "timestamp"}}));
  EXPECT_EQ(p.decode.max_line_bytes, 2048);
  EXPECT_EQ(p.sink.url, "https://ch.example:8443");
  EXPECT_EQ(p.sink.database, "analytics");
  EXPECT_EQ(p.sink.table, "events");
  EXPECT_EQ(p.sink.user, "writer");
  EXPECT_EQ(p.sink.password, "s3cret");
  EXPECT_EQ(p.sink.batch.max_rows, 5000);
  EXPECT_EQ(p.sink.batch.max_bytes, 4096);
  EXPECT_EQ(p.sink.batch.max_age_ms, 250);
  EXPECT_EQ(p.sink.retry.initial_backoff_ms, 50);
  EXPECT_EQ(p.sink.retry.max_backoff_ms, 50);
  EXPECT_EQ(p.sink.connect_timeout_ms, 100);
  EXPECT_EQ(p.sink.request_timeout_ms, 86400000);
  EXPECT_EQ(p.sink.max_in_flight, 64);
  EXPECT_EQ(p.sink.settings, (std::map<std::string, std::string>{{"async_insert", "1"},
                                                                 {"wait_for_async_insert", "0"}}));
  EXPECT_EQ(p.sink.compression, "lz4");
  EXPECT_EQ(p.dead_letter.path, "/dead.ndjson");
}

TEST(ConfigValues, StdinSourceNeedsNoPaths) {
  const Config c = Parse(R"(pipelines:
  in:
    source: {type: stdin}
    sink: {table: t}
)");
  EXPECT_EQ(c.pipelines[0].source.type, "stdin");
  EXPECT_TRUE(c.pipelines[0].source.paths.empty());
}

TEST(ConfigValues, PipelinesKeepFileOrder) {
  const Config c = Parse(R"(pipelines:
  zeta: {source: {type: stdin}, sink: {table: z}}
  alpha: {source: {type: stdin}, sink: {table: a}}
  mid-1_x: {source: {type: stdin}, sink: {table: m}}
)");
  ASSERT_EQ(c.pipelines.size(), 3u);
  EXPECT_EQ(c.pipelines[0].name, "zeta");
  EXPECT_EQ(c.pipelines[1].name, "alpha");
  EXPECT_EQ(c.pipelines[2].name, "mid-1_x");
  EXPECT_EQ(c.pipelines[1].dead_letter.path, "./sluice-state/alpha.dead-letter.ndjson");
}

TEST(ConfigValues, ByteSizesAcceptKiBMiBGiBSuffixes) {
  const Config c = Parse(R"(pipelines:
  p:
    source: {type: stdin, read_buffer_bytes: 64KiB}
    decode: {max_line_bytes: 1GiB}
    sink: {table: t, batch: {max_bytes: 32 MiB}}
)");
  const PipelineConfig& p = c.pipelines[0];
  EXPECT_EQ(p.source.read_buffer_bytes, 64 * 1024);
  EXPECT_EQ(p.decode.max_line_bytes, int64_t{1} << 30);
  EXPECT_EQ(p.sink.batch.max_bytes, 32 << 20);
}

// --- Errors --------------------------------------------------------------------------------------

TEST(ConfigErrors, OutOfRangeNamesPathBoundAndValue) {
  EXPECT_EQ(Error(WithSink("      batch: {max_rows: 0}\n")),
            "pipelines.clicks.sink.batch.max_rows: must be between 1 and 10000000, got 0 (line 8)");
}

TEST(ConfigErrors, ValuesAreNeverClamped) {
  EXPECT_EQ(Error(WithSink("      max_in_flight: 65\n")),
            "pipelines.clicks.sink.max_in_flight: must be between 1 and 64, got 65 (line 8)");
  EXPECT_EQ(Error(WithSink("      connect_timeout_ms: -1\n")),
            "pipelines.clicks.sink.connect_timeout_ms: must be between 100 and 600000, got -1 "
            "(line 8)");
}

TEST(ConfigErrors, ByteSizeBoundsAreShownWithSuffixes) {
  EXPECT_EQ(Error(WithSink("      batch: {max_bytes: 2GiB}\n")),
            "pipelines.clicks.sink.batch.max_bytes: must be between 1KiB and 1GiB, got 2GiB "
            "(line 8)");
  EXPECT_EQ(Error(WithSink("      batch: {max_bytes: 1000}\n")),
            "pipelines.clicks.sink.batch.max_bytes: must be between 1KiB and 1GiB, got 1000 "
            "(line 8)");
}

TEST(ConfigErrors, WrongTypeQuotesTheValue) {
  EXPECT_EQ(Error(WithSink("      batch: {max_rows: lots}\n")),
            "pipelines.clicks.sink.batch.max_rows: expected an integer, got 'lots' (line 8)");
}

TEST(ConfigErrors, WrongTypeSaysMappingOrList) {
  EXPECT_EQ(Error(WithSink("      batch: {max_rows: {a: 1}}\n")),
            "pipelines.clicks.sink.batch.max_rows: expected an integer, got a mapping (line 8)");
  EXPECT_EQ(Error(WithSink("      database: [a, b]\n")),
            "pipelines.clicks.sink.database: expected a string, got a list (line 8)");
  EXPECT_EQ(Error(WithSink("      batch: 5\n")),
            "pipelines.clicks.sink.batch: expected a mapping, got '5' (line 8)");
}

TEST(ConfigErrors, IntegersRejectFloatsSuffixesHexAndOverflow) {
  for (const char* bad : {"1.5", "1e3", "12abc", "0x10", "+5", "' 7'", "''"}) {
    SCOPED_TRACE(bad);
    EXPECT_TRUE(Contains(Error(WithSink(std::string("      max_in_flight: ") + bad + "\n")),
                         "pipelines.clicks.sink.max_in_flight: expected an integer, got '"));
  }
  EXPECT_EQ(Error(WithSink("      max_in_flight: 99999999999999999999\n")),
            "pipelines.clicks.sink.max_in_flight: must be between 1 and 64, got "
            "99999999999999999999 (line 8)");
}

TEST(ConfigErrors, ByteSizesRejectUnknownSuffixesAndOverflow) {
  EXPECT_EQ(Error(WithSink("      batch: {max_bytes: 64MB}\n")),
            "pipelines.clicks.sink.batch.max_bytes: expected a byte size (an integer, optionally "
            "with suffix KiB, MiB or GiB), got '64MB' (line 8)");
  EXPECT_EQ(Error(WithSink("      batch: {max_bytes: 1.5MiB}\n")),
            "pipelines.clicks.sink.batch.max_bytes: expected a byte size (an integer, optionally "
            "with suffix KiB, MiB or GiB), got '1.5MiB' (line 8)");
  EXPECT_EQ(Error(WithSink("      batch: {max_bytes: 99999999999GiB}\n")),
            "pipelines.clicks.sink.batch.max_bytes: must be between 1KiB and 1GiB, got "
            "99999999999GiB (line 8)");
}

TEST(ConfigErrors, MissingRequiredKey) {
  EXPECT_EQ(Error(R"(pipelines:
  clicks:
    source: {type: stdin}
    sink: {database: db}
)"),
            "pipelines.clicks.sink.table: required key is missing (line 4)");
}

TEST(ConfigErrors, MissingSectionReportsItsRequiredKeysAtTheParent) {
  EXPECT_EQ(Error("pipelines:\n  clicks:\n    source: {type: stdin}\n"),
            "pipelines.clicks.sink.table: required key is missing (line 2)");
}

TEST(ConfigErrors, EmptyOrMissingPipelines) {
  EXPECT_EQ(Error(""), "pipelines: required key is missing");
  EXPECT_EQ(Error("state_dir: /x\n"), "pipelines: required key is missing");
  EXPECT_EQ(Error("pipelines: {}\n"), "pipelines: must have at least 1 entry, got 0 (line 1)");
  EXPECT_EQ(Error("pipelines:\n  - name: a\n"),
            "pipelines: expected a mapping of names to sections, got a list (line 1)");
}

TEST(ConfigErrors, EnumListsAllowedValues) {
  EXPECT_EQ(Error("pipelines:\n  p:\n    source: {type: kafkaa}\n    sink: {table: t}\n"),
            "pipelines.p.source.type: must be one of file, stdin, kafka, got 'kafkaa' (line 3)");
  EXPECT_EQ(Error(std::string("log_level: loud\n") + kMinimal),
            "log_level: must be one of trace, debug, info, warn, error, got 'loud' (line 1)");
  EXPECT_EQ(
      Error(WithSink("      compression: zstd\n")),
      "pipelines.clicks.sink.compression: must be one of none, lz4, gzip, got 'zstd' (line 8)");
}

TEST(ConfigErrors, KafkaSourceNeedsBrokersAndTopics) {
  EXPECT_EQ(Error("pipelines:\n  p:\n    source: {type: kafka}\n    sink: {table: t}\n"),
            "pipelines.p.source.brokers: required key is missing (needed when type is kafka) "
            "(line 3)\n"
            "pipelines.p.source.topics: required key is missing (needed when type is kafka) "
            "(line 3)");
  EXPECT_EQ(Error("pipelines:\n  p:\n    source: {type: file, paths: [a], topics: [t]}\n"
                  "    sink: {table: t}\n"),
            "pipelines.p.source.topics: not allowed when type is file (line 3)");
}

TEST(ConfigKafka, DefaultsAndPassThroughProperties) {
  auto c = ParseConfig(
      "pipelines:\n  clicks:\n    source:\n      type: kafka\n      brokers: k1:9092\n"
      "      topics: [clicks, '^ad_.*']\n      properties: {security.protocol: SASL_SSL, "
      "sasl.password: hunter2}\n    decode:\n      metadata: {_offset: $kafka.offset}\n"
      "    sink: {table: t}\n",
      "t.yaml");
  ASSERT_TRUE(c.ok()) << c.status().message();
  const SourceConfig& s = c.value().pipelines[0].source;
  EXPECT_EQ(s.group, "sluice-clicks");
  EXPECT_EQ(s.start_from, "earliest");
  EXPECT_EQ(s.topics, (std::vector<std::string>{"clicks", "^ad_.*"}));
  EXPECT_EQ(s.properties.at("sasl.password"), "hunter2");
  EXPECT_EQ(c.value().pipelines[0].decode.metadata.at("_offset"), "$kafka.offset");
}

TEST(ConfigErrors, KafkaPropertiesThatWouldCommitOffsetsAreRefused) {
  const std::string e = Error(
      "pipelines:\n  p:\n    source:\n      type: kafka\n      brokers: k:1\n      topics: [t]\n"
      "      properties: {enable.auto.commit: 'true', sasl.password: hunter2}\n"
      "    sink: {table: t}\n");
  EXPECT_NE(e.find("pipelines.p.source.properties: 'enable.auto.commit' cannot be set here"),
            std::string::npos)
      << e;
  EXPECT_EQ(e.find("hunter2"), std::string::npos) << e;
}

TEST(ConfigErrors, FileSourceNeedsPaths) {
  EXPECT_EQ(Error("pipelines:\n  p:\n    source: {type: file}\n    sink: {table: t}\n"),
            "pipelines.p.source.paths: required key is missing (needed when type is file) "
            "(line 3)");
  EXPECT_EQ(Error("pipelines:\n  p:\n    source: {type: file, paths: []}\n    sink: {table: t}\n"),
            "pipelines.p.source.paths: must have at least 1 item, got 0 (line 3)");
  EXPECT_EQ(Error("pipelines:\n  p:\n    source: {type: file, paths: [a, '']}\n"
                  "    sink: {table: t}\n"),
            "pipelines.p.source.paths[1]: must not be empty (line 3)");
}

TEST(ConfigErrors, StdinSourceRejectsPaths) {
  EXPECT_EQ(
      Error("pipelines:\n  p:\n    source: {type: stdin, paths: [a]}\n    sink: {table: t}\n"),
      "pipelines.p.source.paths: not allowed when type is stdin (line 3)");
  // An empty list says nothing, so it is accepted.
  Parse("pipelines:\n  p:\n    source: {type: stdin, paths: []}\n    sink: {table: t}\n");
}

TEST(ConfigErrors, UrlMustBeHttp) {
  EXPECT_EQ(Error(WithSink("      url: clickhouse:9000\n")),
            "pipelines.clicks.sink.url: must start with http:// or https://, got "
            "'clickhouse:9000' (line 8)");
}

TEST(ConfigErrors, EmptyRequiredStringIsRejected) {
  EXPECT_EQ(Error("pipelines:\n  p:\n    source: {type: stdin}\n    sink: {table: ''}\n"),
            "pipelines.p.sink.table: must not be empty (line 4)");
}

TEST(ConfigErrors, MaxBackoffMustNotBeBelowInitialBackoff) {
  EXPECT_EQ(Error(WithSink("      retry:\n        initial_backoff_ms: 500\n"
                           "        max_backoff_ms: 200\n")),
            "pipelines.clicks.sink.retry.max_backoff_ms: must be at least initial_backoff_ms "
            "(500), got 200 (line 10)");
  // Against the default max_backoff_ms (10000), reported where the user wrote a value.
  EXPECT_EQ(Error(WithSink("      retry: {initial_backoff_ms: 60000}\n")),
            "pipelines.clicks.sink.retry.max_backoff_ms: must be at least initial_backoff_ms "
            "(60000), got 10000 (line 8)");
}

TEST(ConfigErrors, CrossFieldCheckIsSkippedWhenAnInputIsInvalid) {
  EXPECT_EQ(Error(WithSink("      retry: {initial_backoff_ms: 0, max_backoff_ms: 200}\n")),
            "pipelines.clicks.sink.retry.initial_backoff_ms: must be between 1 and 60000, got 0 "
            "(line 8)");
}

TEST(ConfigErrors, UnknownKeySuggestsTheClosestSibling) {
  EXPECT_EQ(Error(WithSink("      batchsize: 10\n")),
            "pipelines.clicks.sink.batchsize: unknown key (did you mean 'batch'?) (line 8)");
  EXPECT_EQ(Error(WithSink("      batch: {max_row: 10}\n")),
            "pipelines.clicks.sink.batch.max_row: unknown key (did you mean 'max_rows'?) (line 8)");
  EXPECT_EQ(Error(WithSink("      reqeust_timeout_ms: 10\n")),
            "pipelines.clicks.sink.reqeust_timeout_ms: unknown key (did you mean "
            "'request_timeout_ms'?) (line 8)");
  EXPECT_EQ(Error(std::string("logLevel: info\n") + kMinimal),
            "logLevel: unknown key (did you mean 'log_level'?) (line 1)");
}

TEST(ConfigErrors, UnknownKeyWithoutCloseMatchListsValidKeys) {
  EXPECT_EQ(Error(WithSink("      batch: {compression: zstd}\n")),
            "pipelines.clicks.sink.batch.compression: unknown key (valid keys: max_rows, "
            "max_bytes, max_age_ms) (line 8)");
}

TEST(ConfigErrors, PipelineNamesAreRestricted) {
  EXPECT_EQ(Error("pipelines:\n  'my pipe':\n    source: {type: stdin}\n    sink: {table: t}\n"),
            "pipelines.my pipe: invalid name: must match [A-Za-z0-9_-]+ (line 2)");
  EXPECT_EQ(Error("pipelines:\n  a/b:\n    source: {type: stdin}\n    sink: {table: t}\n"),
            "pipelines.a/b: invalid name: must match [A-Za-z0-9_-]+ (line 2)");
}

TEST(ConfigErrors, DuplicateKeysAreRejected) {
  EXPECT_EQ(Error(WithSink("      table: other\n")),
            "pipelines.clicks.sink.table: duplicate key (first set on line 7) (line 8)");
  EXPECT_EQ(Error(std::string(kMinimal) + "  clicks:\n    source: {type: stdin}\n"
                                          "    sink: {table: t}\n"),
            "pipelines.clicks: duplicate name (first used on line 2) (line 8)");
}

TEST(ConfigErrors, AllErrorsAreReportedAtOnceInFileOrder) {
  const std::vector<std::string> lines = ErrorLines(R"(log_level: chatty
pipelines:
  clicks:
    source:
      type: file
    decode:
      max_line_bytes: 10
    sink:
      table: clicks
      batchsize: 3
      batch:
        max_rows: 0
        max_age_ms: soon
)");
  EXPECT_EQ(lines, (std::vector<std::string>{
                       "log_level: must be one of trace, debug, info, warn, error, got 'chatty' "
                       "(line 1)",
                       "pipelines.clicks.source.paths: required key is missing (needed when type "
                       "is file) (line 4)",
                       "pipelines.clicks.decode.max_line_bytes: must be between 1KiB and 1GiB, got "
                       "10 (line 7)",
                       "pipelines.clicks.sink.batchsize: unknown key (did you mean 'batch'?) "
                       "(line 10)",
                       "pipelines.clicks.sink.batch.max_rows: must be between 1 and 10000000, got "
                       "0 (line 12)",
                       "pipelines.clicks.sink.batch.max_age_ms: expected an integer, got 'soon' "
                       "(line 13)",
                   }));
}

TEST(ConfigErrors, ErrorsInSeveralPipelinesAndBadlyNamedOnes) {
  const std::vector<std::string> lines = ErrorLines(R"(pipelines:
  a:
    source: {type: stdin}
    sink: {table: t, max_in_flight: 0}
  b c:
    source: {type: tcp}
    sink: {table: t}
)");
  EXPECT_EQ(lines,
            (std::vector<std::string>{
                "pipelines.a.sink.max_in_flight: must be between 1 and 64, got 0 (line 4)",
                "pipelines.b c: invalid name: must match [A-Za-z0-9_-]+ (line 5)",
                "pipelines.b c.source.type: must be one of file, stdin, kafka, got 'tcp' (line 6)",
            }));
}

TEST(ConfigErrors, SecretValuesAreNeverEchoed) {
  const std::string message =
      Error(WithSink("      password: [hunter2]\n      user: {name: hunter2}\n"));
  EXPECT_FALSE(Contains(message, "hunter2"));
  EXPECT_TRUE(
      Contains(message, "pipelines.clicks.sink.password: expected a string, got a list (line 8)"));
  // A valid secret next to an error elsewhere does not leak either.
  EXPECT_FALSE(
      Contains(Error(WithSink("      password: hunter2\n      max_in_flight: 0\n")), "hunter2"));
}

TEST(ConfigErrors, EchoedTextStaysOnOneLine) {
  const std::vector<std::string> lines = ErrorLines(WithSink("      \"bad\\nkey\": 1\n"));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_TRUE(Contains(lines[0], "pipelines.clicks.sink.bad\\nkey: unknown key"));
}

TEST(ConfigErrors, ManyErrorsAreSummarised) {
  std::string yaml = kMinimal;
  for (int i = 0; i < 80; ++i) yaml += "      unknown_" + std::to_string(i) + ": 1\n";
  const std::vector<std::string> lines = ErrorLines(yaml);
  ASSERT_EQ(lines.size(), 51u);
  EXPECT_EQ(lines.back(), "... and 30 more errors");
}

// --- YAML syntax and files -----------------------------------------------------------------------

TEST(ConfigSyntax, InvalidYamlNamesFileLineAndColumn) {
  // Line 2, column 7 is the second ':'.
  EXPECT_EQ(Error("pipelines:\n  a: b: c\n"), "test.yaml:2:7: invalid YAML: illegal map value");
  EXPECT_EQ(Error("pipelines:\n  a: [1, 2\n  b: 3\n"),
            "test.yaml:3:4: invalid YAML: end of sequence flow not found");
}

TEST(ConfigSyntax, DocumentMustBeAMapping) {
  EXPECT_EQ(Error("- a\n- b\n"), "test.yaml: expected a mapping, got a list");
}

TEST(ConfigSyntax, OnlyOneDocument) {
  EXPECT_EQ(Error(std::string(kMinimal) + "---\nstate_dir: /x\n"),
            "test.yaml: expected one YAML document, found 2 (line 8)");
}

TEST(ConfigSyntax, StrayCommaIsASyntaxError) {
  // yaml-cpp 0.7 alone would loop forever on these (jbeder/yaml-cpp#1040).
  EXPECT_EQ(Error(","), "test.yaml:1:1: invalid YAML: unexpected ','");
  EXPECT_EQ(Error(",pipelines: {}\n"), "test.yaml:1:1: invalid YAML: unexpected ','");
  EXPECT_EQ(Error("---\n,\n"), "test.yaml:2:1: invalid YAML: unexpected ','");
}

class ConfigFileTest : public ::testing::Test {
 protected:
  std::string Write(const std::string& name, const std::string& text) {
    const std::filesystem::path path = dir_ / name;
    std::ofstream(path) << text;
    return path.string();
  }
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("sluice_config_test_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(ConfigFileTest, LoadsAFile) {
  Result<Config> r = LoadConfig(Write("ok.yaml", kMinimal));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->pipelines.at(0).sink.table, "clicks");
}

TEST_F(ConfigFileTest, SyntaxErrorsNameTheFile) {
  const std::string path = Write("bad.yaml", "pipelines: [\n");
  Result<Config> r = LoadConfig(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_TRUE(Contains(r.status().message(), path + ":2:1: invalid YAML: "));
}

TEST_F(ConfigFileTest, MissingFileIsNotFound) {
  const std::string path = (dir_ / "absent.yaml").string();
  Result<Config> r = LoadConfig(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kNotFound);
  EXPECT_TRUE(Contains(r.status().message(), path));
}

// --- Reference -----------------------------------------------------------------------------------

// The row for `key` in the table under the heading for `section`, or "" when absent.
std::string ReferenceRow(const std::string& reference, const std::string& section,
                         const std::string& key) {
  const std::string heading = section.empty() ? "## Top level\n" : "## `" + section + "`\n";
  const size_t start = reference.find(heading);
  if (start == std::string::npos) return "";
  const size_t end = reference.find("\n## ", start + heading.size());
  const std::string body = reference.substr(start, end - start);
  const size_t row = body.find("\n| `" + key + "` |");
  if (row == std::string::npos) return "";
  return body.substr(row + 1, body.find('\n', row + 1) - row - 1);
}

TEST(ConfigReference, MentionsEveryKeyUnderItsSection) {
  const std::string reference = ConfigReference();
  const std::vector<std::pair<std::string, std::vector<std::string>>> sections = {
      {"", {"state_dir", "log_level", "pipelines"}},
      {"pipelines.<name>", {"source", "decode", "sink", "dead_letter"}},
      {"pipelines.<name>.source", {"type", "paths", "checkpoint", "read_buffer_bytes"}},
      {"pipelines.<name>.decode", {"format", "rename", "max_line_bytes"}},
      {"pipelines.<name>.sink",
       {"url", "database", "table", "user", "password", "batch", "retry", "connect_timeout_ms",
        "request_timeout_ms", "max_in_flight", "settings"}},
      {"pipelines.<name>.sink.batch", {"max_rows", "max_bytes", "max_age_ms"}},
      {"pipelines.<name>.sink.retry", {"initial_backoff_ms", "max_backoff_ms"}},
      {"pipelines.<name>.dead_letter", {"path"}},
  };
  for (const auto& [section, keys] : sections) {
    for (const std::string& key : keys) {
      EXPECT_NE(ReferenceRow(reference, section, key), "") << section << " " << key;
    }
  }
}

TEST(ConfigReference, RowsShowTypeDefaultBoundAndDescription) {
  const std::string reference = ConfigReference();
  EXPECT_TRUE(Contains(ReferenceRow(reference, "pipelines.<name>.sink.batch", "max_rows"),
                       "| `max_rows` | `int` | `100000` | 1 to 10000000 | "));
  EXPECT_TRUE(Contains(ReferenceRow(reference, "pipelines.<name>.sink.batch", "max_bytes"),
                       "| `max_bytes` | `bytes` | `64MiB` | 1KiB to 1GiB | "));
  EXPECT_TRUE(Contains(ReferenceRow(reference, "pipelines.<name>.source", "type"),
                       "| `enum` | required | one of `file`, `stdin`, `kafka` | "));
  EXPECT_TRUE(Contains(ReferenceRow(reference, "pipelines.<name>.source", "checkpoint"),
                       "`<state_dir>/<pipeline>.checkpoint`"));
  EXPECT_TRUE(Contains(ReferenceRow(reference, "pipelines.<name>.sink", "password"), "Secret"));
  EXPECT_TRUE(Contains(reference, "`max_backoff_ms` must be at least `initial_backoff_ms`."));
}

// --- metrics -------------------------------------------------------------------------------------

TEST(ConfigMetrics, EndpointIsOffByDefaultAndBindsLoopback) {
  const Config c = Parse(kMinimal);
  EXPECT_EQ(c.metrics.port, 0);
  EXPECT_EQ(c.metrics.address, "127.0.0.1");
  EXPECT_EQ(c.metrics.port, MetricsConfig{}.port);
  EXPECT_EQ(c.metrics.address, MetricsConfig{}.address);
}

TEST(ConfigMetrics, AddressAndPortAreRead) {
  const Config c = Parse(std::string("metrics: {address: '::1', port: 9464}\n") + kMinimal);
  EXPECT_EQ(c.metrics.address, "::1");
  EXPECT_EQ(c.metrics.port, 9464);
}

TEST(ConfigMetrics, PortAndAddressAreChecked) {
  EXPECT_EQ(Error(std::string("metrics: {port: 65536}\n") + kMinimal),
            "metrics.port: must be between 0 and 65535, got 65536 (line 1)");
  EXPECT_EQ(Error(std::string("metrics: {address: localhost}\n") + kMinimal),
            "metrics.address: must be a numeric IPv4 or IPv6 address, got 'localhost' (line 1)");
  EXPECT_NE(ReferenceRow(ConfigReference(), "metrics", "port"), "");
}

}  // namespace
}  // namespace sluice
