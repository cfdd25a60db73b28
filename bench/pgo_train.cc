// The profile-guided build's training run (Makefile: `make build` with PGO=1, the default).
//
// An instrumented build runs this once; the real build is then compiled with its profile
// (-fprofile-use), so the hot paths it exercises are laid out and inlined for how they run. It
// needs no server: it does what a pipeline's decode and send threads do per batch, on seed-002
// ad-click rows of both shapes (W1 and the full one): finds line ends, decodes with AppendLines
// (on its layout path, and through simdjson only) and (for the fallback) AppendRow, including
// some malformed and mistyped lines, then encodes Native and compresses it with LZ4 and gzip.
// The work is a fixed amount, so the profile (and the build compiled from it) is the same from
// run to run.
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "ad_click_rows.h"
#include "clickhouse/compression.h"
#include "formats/native_writer.h"
#include "sources/line_buffer.h"

namespace sluice {
namespace {

constexpr size_t kRows = 100000;  // one default batch
constexpr int kRounds = 4;

// Every 997th line damaged in turn: cut short, a string where a number goes, an unknown enum.
std::shared_ptr<std::string> WithBadLines(const std::string& in, std::vector<size_t>* starts) {
  auto out = std::make_shared<std::string>();
  std::vector<size_t> old = *starts;
  starts->clear();
  for (size_t i = 0; i + 1 < old.size(); ++i) {
    std::string line = in.substr(old[i], old[i + 1] - old[i]);
    if (i % 997 == 5) {
      switch ((i / 997) % 3) {
        case 0:
          line = line.substr(0, line.size() / 2) + "\n";
          break;
        case 1:
          line.replace(line.find("\"user_id\":") + 10, 1, "\"x\",");
          break;
        default:
          line.replace(line.find("\"device\":\"") + 10, 1, "Z");
          break;
      }
    }
    starts->push_back(out->size());
    out->append(line);
  }
  starts->push_back(out->size());
  out->append(JsonReader::kPadding, '\0');
  return out;
}

int Train() {
  auto schema = bench::AdClicksSchema();
  auto reader = JsonReader::Create(schema, {});
  // simdjson only: the path of lines the layout path leaves (types it does not read, keys in a
  // new order every line), trained on the same lines.
  JsonReaderOptions simdjson_only;
  simdjson_only.layout_path = false;
  auto stream_reader = JsonReader::Create(schema, simdjson_only);
  if (!reader.ok() || !stream_reader.ok()) {
    std::fprintf(stderr, "pgo_train: %s\n",
                 (reader.ok() ? stream_reader.status() : reader.status()).message().c_str());
    return 1;
  }
  std::vector<size_t> columns(schema->columns.size());
  for (size_t i = 0; i < columns.size(); ++i) columns[i] = i;
  Block block(schema);
  std::string native, packed;
  NativeBody body;
  std::string upload(1 << 20, '\0');  // as curl's upload buffer takes the body when it is sent
  size_t rows = 0, lines = 0, bytes = 0;
  for (int round = 0; round < kRounds; ++round) {
    const bool compact = round % 2 == 0;
    std::vector<size_t> starts;
    auto text = bench::AdClickLines(kRows, &starts, compact);
    if (round >= 2) text = WithBadLines(*text, &starts);
    const std::string_view data(text->data(), starts.back());
    lines += FindLineEnds(data, kRows)->size();
    block.Reset();
    // Both drivers: the whole batch as one stream, and the last tenth line by line.
    // The damaged lines' errors are expected (they train the error paths); the rest must decode.
    (void)bench::DecodeAll(*reader.value(), text, starts, block);
    Block streamed(schema);
    (void)bench::DecodeAll(*stream_reader.value(), text, starts, streamed);
    if (streamed.rows() != block.rows()) {
      std::fprintf(stderr, "pgo_train: %zu rows on the layout path, %zu through simdjson\n",
                   block.rows(), streamed.rows());
      return 1;
    }
    std::vector<size_t> tail(starts.end() - kRows / 10 - 1, starts.end());
    Block per_line(schema);
    for (size_t i = 0; i + 1 < tail.size(); ++i) {
      const size_t b = tail[i], e = tail[i + 1] - 1;
      (void)reader.value()->AppendRow(std::string_view(text->data() + b, e - b), text->size() - b,
                                      RowOrigin{PartitionId{0}, i + 1, Offset{b}}, per_line);
    }
    rows += block.rows() + per_line.rows();
    native.clear();
    EncodeNative(block, columns, NativeOptions{}, native);
    EncodeNativeBody(block, columns, NativeOptions{}, body);
    for (size_t at = 0; at < body.size(); at += upload.size())
      body.CopyTo(at, upload.data(), std::min(upload.size(), body.size() - at));
    if (body.size() != native.size()) {
      std::fprintf(stderr, "pgo_train: NativeBody has %zu bytes, EncodeNative %zu\n", body.size(),
                   native.size());
      return 1;
    }
    packed.clear();
    CompressLz4Block(native, packed);
    bytes += native.size();
    if (round == 0) {
      packed.clear();
      if (Status gz = GzipBody(native, packed); !gz.ok()) {
        std::fprintf(stderr, "pgo_train: %s\n", gz.message().c_str());
        return 1;
      }
    }
  }
  std::printf("pgo_train: %zu lines, %zu rows decoded, %zu bytes of Native\n", lines, rows, bytes);
  // Fewer rows than good lines means the decoder broke: a profile of that would be worthless.
  return rows >= lines * 9 / 10 ? 0 : 1;
}

}  // namespace
}  // namespace sluice

int main() {
  return sluice::Train();
}
