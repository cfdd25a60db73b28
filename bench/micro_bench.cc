// Micro-benchmarks (Google Benchmark), one core: the JSON reader and the Native encoder on
// seed-002 ad-click rows. Rows/s are reported as items_per_second.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "ad_click_rows.h"
#include "formats/json_reader.h"
#include "formats/native_writer.h"

namespace sluice {
namespace {

using bench::AdClickLines;
using bench::AdClicksSchema;
using bench::DecodeAll;

// state.range(0): 1 = the W1 shape (compact), 0 = the full seed-002 shape; state.range(1): 1 =
// one AppendRow per line instead of AppendLines.
void BM_JsonReader(benchmark::State& state) {
  const size_t n = 100000;
  std::vector<size_t> starts;
  auto lines = AdClickLines(n, &starts, state.range(0) == 1);
  auto schema = AdClicksSchema();
  auto reader = JsonReader::Create(schema, {}).value();
  for (auto _ : state) {
    Block block(schema);
    Status st = DecodeAll(*reader, lines, starts, block, state.range(1) == 1);
    if (!st.ok()) state.SkipWithError(st.message().c_str());
    benchmark::DoNotOptimize(block.rows());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * starts[n]));
}
BENCHMARK(BM_JsonReader)
    ->ArgsProduct({{0, 1}, {0, 1}})
    ->ArgNames({"w1", "per_line"})
    ->Unit(benchmark::kMillisecond);

// A decoded batch of 100 k W1 rows, for the encoder benchmarks.
bool DecodedBatch(benchmark::State& state, Block& block, std::vector<size_t>& columns) {
  std::vector<size_t> starts;
  auto lines = AdClickLines(100000, &starts);
  auto reader = JsonReader::Create(block.schema_ptr(), {}).value();
  if (Status st = DecodeAll(*reader, lines, starts, block); !st.ok()) {
    state.SkipWithError(st.message().c_str());
    return false;
  }
  columns.resize(block.columns().size());
  for (size_t i = 0; i < columns.size(); ++i) columns[i] = i;
  return true;
}

// EncodeNative: the whole body as one string (what the compressed bodies start from).
void BM_NativeEncoder(benchmark::State& state) {
  Block block(AdClicksSchema());
  std::vector<size_t> columns;
  if (!DecodedBatch(state, block, columns)) return;
  std::string out;
  for (auto _ : state) {
    out.clear();
    EncodeNative(block, columns, NativeOptions{}, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * block.rows()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * out.size()));
}
BENCHMARK(BM_NativeEncoder)->Unit(benchmark::kMillisecond);

// The uncompressed send path: EncodeNativeBody, then the body copied out in 1 MiB pieces, as
// curl takes it into its upload buffer.
void BM_NativeBodySend(benchmark::State& state) {
  Block block(AdClicksSchema());
  std::vector<size_t> columns;
  if (!DecodedBatch(state, block, columns)) return;
  NativeBody body;
  std::string upload(1 << 20, '\0');
  for (auto _ : state) {
    EncodeNativeBody(block, columns, NativeOptions{}, body);
    for (size_t at = 0; at < body.size(); at += upload.size())
      body.CopyTo(at, upload.data(), std::min(upload.size(), body.size() - at));
    benchmark::DoNotOptimize(upload.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * block.rows()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body.size()));
}
BENCHMARK(BM_NativeBodySend)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace sluice

BENCHMARK_MAIN();
