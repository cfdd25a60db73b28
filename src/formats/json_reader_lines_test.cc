// Specification of JsonReader::AppendLines: many lines decoded as one simdjson stream give exactly
// what AppendRow gives line by line — rows, buffers, origins, present counts and errors —
// whatever the mix of good and bad lines and wherever simdjson's batches end.
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "formats/json_reader.h"
#include "formats/json_reader_test_util.h"

namespace sluice {
namespace {

// --- AppendLines: many lines in one simdjson stream, same result as one by one -------------------

// Everything a block holds, as text: every buffer of every column, and each row's origin and raw.
std::string Dump(const Block& b) {
  std::string out = std::to_string(b.rows()) + " rows;";
  std::function<void(const Column&)> col = [&](const Column& c) {
    out += "[" + std::string(reinterpret_cast<const char*>(c.data.data()), c.data.size()) + "|";
    for (uint64_t o : c.offsets) out += std::to_string(o) + ",";
    for (uint8_t n : c.nulls) out += std::to_string(n);
    for (const auto& child : c.children) col(child);
    out += "]";
  };
  for (const auto& c : b.columns()) col(c);
  for (uint32_t p : b.present()) out += std::to_string(p) + ",";
  for (size_t r = 0; r < b.rows(); ++r)
    out += std::to_string(b.origin(r).line) + "@" + std::to_string(b.origin(r).position.value) +
           ":" + std::string(b.raw(r)) + "\n";
  return out;
}

// Decodes `lines` (joined by '\n') one by one and as one AppendLines call with small simdjson
// batches; both must give the same block and the same errors for the same lines.
void ExpectSameAsOneByOne(const std::vector<std::string>& texts, size_t batch_bytes) {
  auto schema = MakeSchema({{"a", "UInt8"},
                            {"s", "String"},
                            {"t", "Array(String)"},
                            {"d", "Decimal(9, 2)"},
                            {"n", "Nullable(String)"}});
  std::string data;
  std::vector<size_t> ends;  // where every line ends, as a source hands them on
  for (const auto& text : texts) {
    data += text;
    ends.push_back(data.size());
    data += "\n";
  }
  const JsonReader::Lines lines{ends.data(), ends.size(), 0, PartitionId{0}, 1, Offset{0}};
  const size_t size = data.size();
  data.append(JsonReader::kPadding, '\0');
  auto buffer = std::make_shared<std::string>(std::move(data));
  const std::string_view view(buffer->data(), size);

  auto one = JsonReader::Create(schema, {}).value();
  Block by_row(schema);
  by_row.KeepAlive(buffer);
  std::vector<std::string> errors_by_row;
  size_t non_blank = 0;
  for (size_t i = 0, begin = 0; i < ends.size(); begin = ends[i++] + 1) {
    std::string_view t = view.substr(begin, ends[i] - begin);
    if (!t.empty() && t.back() == '\r') t.remove_suffix(1);  // a CRLF line's '\r' is not data
    if (t.find_first_not_of(" \t") == std::string_view::npos) continue;  // blank: no row
    ++non_blank;
    Status st = one->AppendRow(t, buffer->size() - begin,
                               RowOrigin{PartitionId{0}, i + 1, Offset{begin}}, by_row);
    if (!st.ok()) errors_by_row.push_back(std::to_string(i + 1) + ": " + st.message());
  }

  auto many = JsonReader::Create(schema, {}).value();
  Block by_stream(schema);
  by_stream.KeepAlive(buffer);
  std::vector<std::string> errors_by_stream;
  size_t rows = 0;
  Status st = many->AppendLines(
      view, buffer->size(), lines, by_stream,
      [&](const RowOrigin& origin, std::string_view, const Status& e) {
        errors_by_stream.push_back(std::to_string(origin.line) + ": " + e.message());
        return Status::Ok();
      },
      &rows, batch_bytes);
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(rows, non_blank);
  EXPECT_EQ(errors_by_stream, errors_by_row);
  EXPECT_EQ(Dump(by_stream), Dump(by_row));
  by_stream.CheckInvariant();
}

TEST(JsonReaderLines, GoodLinesAcrossManyBatches) {
  std::vector<std::string> texts;
  for (int i = 0; i < 500; ++i)
    texts.push_back("{\"a\":" + std::to_string(i % 250) + ",\"s\":\"row " + std::to_string(i) +
                    "\",\"t\":[\"x\",\"y\"],\"d\":" + std::to_string(i) + ".25" +
                    (i % 3 ? ",\"n\":null}" : "}"));
  for (size_t batch : {300, 1000, 4096, 256 << 10}) ExpectSameAsOneByOne(texts, batch);
}

TEST(JsonReaderLines, BadLinesAnywhereGiveTheSameRowsAndErrors) {
  // Lines a stream could read differently from one line alone: several documents on one line, an
  // object spread over two lines, unclosed strings and objects, non-objects, invalid UTF-8 — and
  // lines that are fine JSON but fail to convert.
  const std::vector<std::string> odd = {R"({"a":1} {"a":2})",
                                        R"({"a":1}})",
                                        R"({"a":"x)",
                                        R"([1,2])",
                                        "5",
                                        R"({"a":300})",
                                        R"({"s":"\u12"})",
                                        "{\"a\":1,",
                                        "\"s\":\"x\"}",
                                        "\"s\"",
                                        "{\"s\":\"\xff\"}",
                                        "nul",
                                        "{}",
                                        "  {\"a\":2}  ",
                                        "{\"a\":3}\t",
                                        R"({"a":1}x)",
                                        "}{",
                                        "{\"s\":\"a\\\"}",
                                        "{\"a\":4}\r",
                                        "   ",
                                        "{\"t\":[\"p\",1,{\"q\":2}]}",
                                        "{\"d\":1e400}",
                                        "{\"a\":1}\n{\"a\":2}",
                                        "{\"a\":\"7\"}",
                                        "{\"s\":\"tab\there\"}",
                                        "{\"a\":5,\"a\":6}",
                                        "{\"n\":\"v\",\"d\":\"1.5\"}",
                                        "{\"a\"}",
                                        "",
                                        "\r",
                                        " \t ",
                                        "\r{\"a\":9}",
                                        "{\"a\":8}\r\r"};
  std::mt19937 rng(7);
  for (int trial = 0; trial < 60; ++trial) {
    std::vector<std::string> texts;
    const int n = 20 + static_cast<int>(rng() % 200);
    for (int i = 0; i < n; ++i) {
      if (rng() % 6 == 0)
        texts.push_back(odd[rng() % odd.size()]);
      else
        texts.push_back("{\"a\":" + std::to_string(rng() % 256) + ",\"s\":\"v" +
                        std::to_string(rng()) + "\",\"t\":[],\"d\":3.5}");
    }
    SCOPED_TRACE("trial " + std::to_string(trial));
    ExpectSameAsOneByOne(texts, 200 + rng() % 2000);
  }
}

TEST(JsonReaderLines, OneLineAndEmpty) {
  ExpectSameAsOneByOne({}, 1000);
  ExpectSameAsOneByOne({R"({"a":1})"}, 1000);
  ExpectSameAsOneByOne({R"({"a":1} [)"}, 1000);
  ExpectSameAsOneByOne({R"({"a":1})", R"({"a":2)"}, 1000);  // the last one unclosed
}

}  // namespace
}  // namespace sluice
