// libFuzzer target: ParseConfig on arbitrary bytes must never crash, hang or leak, and whatever it
// accepts must satisfy the documented bounds.
//
// The normal build globs this file into sluice_lib; without SLUICE_FUZZ it compiles to nothing.
// Build and run (from the repository root; the first three lines are one command):
//   clang++ -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -DSLUICE_FUZZ -Isrc
//     src/config/config_fuzz.cc src/config/config.cc src/core/status.cc
//     -lyaml-cpp -lfmt -o config_fuzz
//   mkdir -p fuzz-corpus && ./config_fuzz -max_len=4096 fuzz-corpus
// Seed the corpus with real configs (e.g. the YAML in src/config/config_test.cc) to get going.
#ifdef SLUICE_FUZZ

#include <cstddef>
#include <cstdint>
#include <string>

#include "config/config.h"

namespace {

// Spot checks of what an accepted config guarantees; a failure aborts, which libFuzzer reports.
void CheckAccepted(const sluice::Config& c) {
  SLUICE_CHECK(!c.state_dir.empty());
  SLUICE_CHECK(!c.pipelines.empty());
  for (const sluice::PipelineConfig& p : c.pipelines) {
    SLUICE_CHECK(!p.name.empty());
    SLUICE_CHECK(p.source.type == "file" || p.source.type == "stdin");
    SLUICE_CHECK(p.source.type == "stdin" || !p.source.paths.empty());
    SLUICE_CHECK(!p.source.checkpoint.empty() && !p.dead_letter.path.empty());
    SLUICE_CHECK(!p.sink.table.empty());
    SLUICE_CHECK(p.sink.batch.max_rows >= 1 && p.sink.batch.max_rows <= 10000000);
    SLUICE_CHECK(p.sink.batch.max_bytes >= 1024 && p.sink.batch.max_bytes <= (int64_t{1} << 30));
    SLUICE_CHECK(p.sink.retry.max_backoff_ms >= p.sink.retry.initial_backoff_ms);
    SLUICE_CHECK(p.sink.max_in_flight >= 1 && p.sink.max_in_flight <= 64);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  sluice::Result<sluice::Config> result = sluice::ParseConfig(text, "fuzz.yaml");
  if (result.ok()) {
    CheckAccepted(result.value());
  } else {
    SLUICE_CHECK(result.status().code() == sluice::Code::kInvalidArgument);
    SLUICE_CHECK(!result.status().message().empty());
  }
  return 0;
}

#endif  // SLUICE_FUZZ
