// libFuzzer target: JsonReader::AppendRow on arbitrary bytes (one line) must never crash, hang,
// leak or read past the padding, and must keep its promise about the block: a converted line adds
// exactly one row to every column, a rejected line leaves every buffer of every column as it was.
// The same bytes split at '\n' go through AppendLines too (small simdjson batches), which must
// give what AppendRow gives line by line: the same rows, buffers and rejected lines; once on a
// schema that keeps AppendLines on simdjson, once on one whose lines it reads on its layout path.
//
// The normal build globs this file into sluice_lib; without SLUICE_FUZZ it compiles to nothing.
// Build and run (from the repository root; the -D flags match how libdate-tz was built), as one
// command:
//   clang++ -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -DSLUICE_FUZZ
//     -DUSE_OS_TZDB=1 -DHAS_STRING_VIEW=1 -DONLY_C_LOCALE=1 -Isrc
//     src/formats/json_reader_fuzz.cc src/formats/json_reader.cc src/formats/json_layout.cc
//     src/formats/value_parse.cc
//     src/formats/metadata.cc src/formats/native_writer.cc src/core/block.cc src/core/column.cc
//     src/core/types.cc src/core/status.cc src/core/checkpoint.cc -lsimdjson -lfmt -ldate-tz
//     -o json_reader_fuzz
//   mkdir -p fuzz-corpus && ./json_reader_fuzz -max_len=4096 -max_total_time=60 fuzz-corpus
// Seed the corpus with a few rows of the schema below, e.g.
//   {"id":1,"s":"x","dt":"2023-11-14T22:13:20Z","dec":"1.5","arr2":[[1],[]],"m":{"k":1}}
#ifdef SLUICE_FUZZ

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "formats/json_reader.h"

namespace {

using sluice::Block;
using sluice::Column;

// A schema touching every conversion: scalars, time zones, decimals of every width, nesting.
constexpr const char* kColumns[][2] = {
    {"id", "UInt64"},
    {"i8", "Int8"},
    {"f", "Float32"},
    {"d", "Float64"},
    {"s", "String"},
    {"fs", "FixedString(4)"},
    {"lc", "LowCardinality(Nullable(String))"},
    {"b", "Bool"},
    {"dt", "DateTime"},
    {"dtz", "DateTime('Asia/Tokyo')"},
    {"dt64", "DateTime64(3)"},
    {"dt64z", "DateTime64(9, 'America/New_York')"},
    {"date", "Date"},
    {"uuid", "UUID"},
    {"ip4", "IPv4"},
    {"ip6", "IPv6"},
    {"e", "Enum8('a' = 1, 'b' = -2)"},
    {"e16", "Enum16('x' = 1000, 'y' = -1000)"},
    {"dec9", "Decimal(9, 2)"},
    {"dec", "Decimal(18, 4)"},
    {"dec38", "Decimal(38, 10)"},
    {"dec76", "Decimal(76, 20)"},
    {"n", "Nullable(Int32)"},
    {"arr", "Array(UInt32)"},
    {"arrn", "Array(Nullable(String))"},
    {"arr2", "Array(Array(UInt8))"},
    {"arrt", "Array(Tuple(UInt8, Nullable(Decimal(9, 3))))"},
    {"t", "Tuple(UInt8, String)"},
    {"nt", "Tuple(a UInt8, b Nullable(String))"},
    {"m", "Map(String, UInt64)"},
    {"mlc", "Map(LowCardinality(String), Array(DateTime64(6)))"},
    {"a.b", "UInt16"},
    {"a.c.d", "String"},
    {"uid", "UInt32"},
};

std::string Shape(const Column& c) {
  std::string s = "(" + std::to_string(c.data.size()) + "," + std::to_string(c.offsets.size()) +
                  "," + std::to_string(c.nulls.size());
  for (const auto& child : c.children) s += Shape(child);
  return s + ")";
}

// Every byte of every buffer of a column tree, and the present counts.
std::string Contents(const Column& c) {
  std::string s(reinterpret_cast<const char*>(c.data.data()), c.data.size());
  for (uint64_t o : c.offsets) s += "," + std::to_string(o);
  for (uint8_t n : c.nulls) s += std::to_string(n);
  for (const auto& child : c.children) s += "(" + Contents(child) + ")";
  return s;
}

std::string Contents(const Block& b) {
  std::string s = std::to_string(b.rows()) + ":";
  for (const auto& c : b.columns()) s += "[" + Contents(c) + "]";
  for (uint32_t p : b.present()) s += std::to_string(p) + ",";
  return s;
}

std::string Shape(const Block& b) {
  std::string s = std::to_string(b.rows()) + ":";
  for (const auto& c : b.columns()) s += Shape(c);
  return s;
}

// Only columns that AppendLines' layout path reads (the schema above has others, which keep it
// off): lines it reads must give what simdjson gives.
constexpr const char* kLayoutColumns[][2] = {
    {"id", "UInt64"},
    {"i8", "Int8"},
    {"s", "String"},
    {"dt", "DateTime"},
    {"uuid", "UUID"},
    {"e", "Enum8('a' = 1, 'b' = -2)"},
    {"dec", "Decimal(18, 4)"},
    {"dec9", "Decimal(9, 2)"},
    {"arrs", "Array(String)"},
    {"ns", "Nullable(String)"},
    {"lc", "LowCardinality(String)"},
};

struct State {
  std::unique_ptr<sluice::JsonReader> reader;
  std::unique_ptr<Block> block;
  std::unique_ptr<sluice::JsonReader> by_row, by_stream;  // for the AppendLines comparison
  // The same comparison on the layout schema; the readers keep their learnt field order from
  // input to input, as they do from chunk to chunk.
  std::unique_ptr<sluice::JsonReader> layout_by_row, layout_by_stream, layout_fast_row;
  sluice::SchemaPtr layout_schema;
};

template <size_t N>
sluice::SchemaPtr SchemaOf(const char* const (&columns)[N][2]) {
  auto schema = std::make_shared<sluice::Schema>();
  for (const auto& [name, type] : columns) {
    auto t = sluice::ParseType(type);
    SLUICE_CHECK(t.ok());
    schema->columns.push_back({name, t.value(), sluice::DefaultKind::kNone, ""});
  }
  return schema;
}

State& Get() {
  static State* state = [] {
    auto schema = SchemaOf(kColumns);
    sluice::JsonReaderOptions options;
    options.rename["user.id"] = "uid";
    auto reader = sluice::JsonReader::Create(schema, options);
    auto by_stream = sluice::JsonReader::Create(schema, options);
    options.layout_path = false;  // the reference: simdjson only
    auto by_row = sluice::JsonReader::Create(schema, options);
    SLUICE_CHECK(reader.ok() && by_row.ok() && by_stream.ok());
    auto* s = new State;
    s->reader = std::move(reader).value();
    s->by_row = std::move(by_row).value();
    s->by_stream = std::move(by_stream).value();
    s->block = std::make_unique<Block>(schema);
    auto layout_schema = SchemaOf(kLayoutColumns);
    sluice::JsonReaderOptions simdjson_only;
    simdjson_only.layout_path = false;
    auto layout_by_row = sluice::JsonReader::Create(layout_schema, simdjson_only);
    auto layout_by_stream = sluice::JsonReader::Create(layout_schema, {});
    SLUICE_CHECK(layout_by_row.ok() && layout_by_stream.ok());
    s->layout_by_row = std::move(layout_by_row).value();
    s->layout_by_stream = std::move(layout_by_stream).value();
    s->layout_fast_row = sluice::JsonReader::Create(layout_schema, {}).value();
    s->layout_schema = layout_schema;
    return s;
  }();
  return *state;
}

// AppendLines on the input's lines must give what AppendRow gives line by line: the same rows,
// buffers and rejected lines.
// `fast` (if given) reads the lines one by one too, with its layout path: the same again.
void CompareLines(std::string_view line, const std::vector<char>& buf, sluice::JsonReader& one,
                  sluice::JsonReader& many, const sluice::SchemaPtr& schema,
                  sluice::JsonReader* fast = nullptr) {
  std::vector<size_t> ends;
  const size_t size = line.size();
  for (size_t b = 0; b <= size;) {
    size_t e = line.find('\n', b);
    if (e == std::string_view::npos) e = size;
    ends.push_back(e);
    b = e + 1;
  }
  const sluice::JsonReader::Lines lines{ends.data(), ends.size(),      0, sluice::PartitionId{0},
                                        0,           sluice::Offset{0}};
  Block by_row(schema), by_stream(schema), by_fast(schema);
  std::vector<size_t> failed_by_row, failed_by_stream, failed_by_fast;
  size_t non_blank = 0, rows_by_stream = 0;
  for (size_t i = 0, b = 0; i < ends.size(); b = ends[i++] + 1) {
    std::string_view t = line.substr(b, ends[i] - b);
    if (!t.empty() && t.back() == '\r') t.remove_suffix(1);
    if (t.find_first_not_of(" \t") == std::string_view::npos) continue;
    ++non_blank;
    if (!one.AppendRow(t, buf.size() - b, lines.origin(i, b), by_row).ok())
      failed_by_row.push_back(i);
    if (fast != nullptr && !fast->AppendRow(t, buf.size() - b, lines.origin(i, b), by_fast).ok())
      failed_by_fast.push_back(i);
  }
  if (fast != nullptr) {
    SLUICE_CHECK(failed_by_fast == failed_by_row);
    SLUICE_CHECK(Contents(by_fast) == Contents(by_row));
  }
  sluice::Status ls = many.AppendLines(
      line, buf.size(), lines, by_stream,
      [&](const sluice::RowOrigin& origin, std::string_view, const sluice::Status&) {
        failed_by_stream.push_back(origin.line);  // line numbers count from 0 here
        return sluice::Status::Ok();
      },
      &rows_by_stream, 64 + size % 512);
  SLUICE_CHECK(ls.ok());
  SLUICE_CHECK(rows_by_stream == non_blank);
  SLUICE_CHECK(failed_by_stream == failed_by_row);
  SLUICE_CHECK(Contents(by_stream) == Contents(by_row));
  for (size_t r = 0; r < by_row.rows(); ++r) SLUICE_CHECK(by_stream.raw(r) == by_row.raw(r));
  by_stream.CheckInvariant();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  State& st = Get();
  // Exactly the promised readable bytes, so ASan flags any read beyond the padding.
  std::vector<char> buf(size + sluice::JsonReader::kPadding, '\0');
  if (size > 0) std::memcpy(buf.data(), data, size);
  const std::string_view line(buf.data(), size);

  // Keep the block small so one long run does not grow without bound.
  if (st.block->rows() >= 256) st.block = std::make_unique<Block>(st.block->schema_ptr());

  const std::string before = Shape(*st.block);
  const size_t rows = st.block->rows();
  sluice::Status s = st.reader->AppendRow(line, buf.size(), sluice::RowOrigin{}, *st.block);
  if (s.ok()) {
    SLUICE_CHECK(st.block->rows() == rows + 1);
    SLUICE_CHECK(st.block->raw(rows) == line);
  } else {
    SLUICE_CHECK(s.code() == sluice::Code::kInvalidArgument);
    SLUICE_CHECK(Shape(*st.block) == before);
  }
  st.block->CheckInvariant();

  // The input as lines, the way the runner hands them to AppendLines.
  CompareLines(line, buf, *st.by_row, *st.by_stream, st.block->schema_ptr());
  CompareLines(line, buf, *st.layout_by_row, *st.layout_by_stream, st.layout_schema,
               st.layout_fast_row.get());

  // `sluice check` runs this on sample lines.
  (void)sluice::JsonReader::FieldPaths(line);
  return 0;
}

#endif  // SLUICE_FUZZ
