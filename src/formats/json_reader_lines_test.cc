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

const Columns kLineColumns = {{"a", "UInt8"},
                              {"s", "String"},
                              {"t", "Array(String)"},
                              {"d", "Decimal(9, 2)"},
                              {"n", "Nullable(String)"}};

// How many lines each reader took on its layout path.
struct LayoutRows {
  uint64_t lines = 0;  // AppendLines
  uint64_t rows = 0;   // AppendRow, one by one
};

// Decodes `lines` (joined by '\n') one by one with simdjson only (the reference), one by one with
// the layout path, and as one AppendLines call with small simdjson batches; all must give the
// same block and the same errors for the same lines.
LayoutRows ExpectSameAsOneByOne(const std::vector<std::string>& texts, size_t batch_bytes,
                                Columns columns = kLineColumns) {
  auto schema = MakeSchema(columns);
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

  JsonReaderOptions simdjson_only;
  simdjson_only.layout_path = false;
  auto one = JsonReader::Create(schema, simdjson_only).value();
  auto fast = JsonReader::Create(schema, {}).value();
  Block by_row(schema), by_fast_row(schema);
  by_row.KeepAlive(buffer);
  by_fast_row.KeepAlive(buffer);
  std::vector<std::string> errors_by_row, errors_by_fast_row;
  size_t non_blank = 0;
  for (size_t i = 0, begin = 0; i < ends.size(); begin = ends[i++] + 1) {
    std::string_view t = view.substr(begin, ends[i] - begin);
    if (!t.empty() && t.back() == '\r') t.remove_suffix(1);  // a CRLF line's '\r' is not data
    if (t.find_first_not_of(" \t") == std::string_view::npos) continue;  // blank: no row
    ++non_blank;
    const RowOrigin origin{PartitionId{0}, i + 1, Offset{begin}};
    Status st = one->AppendRow(t, buffer->size() - begin, origin, by_row);
    if (!st.ok()) errors_by_row.push_back(std::to_string(i + 1) + ": " + st.message());
    st = fast->AppendRow(t, buffer->size() - begin, origin, by_fast_row);
    if (!st.ok()) errors_by_fast_row.push_back(std::to_string(i + 1) + ": " + st.message());
  }
  EXPECT_EQ(errors_by_fast_row, errors_by_row);
  EXPECT_EQ(Dump(by_fast_row), Dump(by_row));

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
  EXPECT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(rows, non_blank);
  EXPECT_EQ(errors_by_stream, errors_by_row);
  EXPECT_EQ(Dump(by_stream), Dump(by_row));
  by_stream.CheckInvariant();
  return LayoutRows{many->LayoutRows(), fast->LayoutRows()};
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

// --- The layout path: lines whose keys follow the learnt order, read from their bytes ------------

// A row of every kind the layout path reads, and variants of it that it must either read exactly
// as simdjson does or leave to simdjson: each variant between plain rows, so the layout is learnt
// and in use when the variant comes.
TEST(JsonReaderLines, LayoutPathGivesWhatSimdjsonGives) {
  const Columns columns = {{"u", "UUID"},
                           {"id", "UInt64"},
                           {"i", "Int32"},
                           {"dt", "DateTime('UTC')"},
                           {"e", "Enum8('a' = 1, 'bb' = 2)"},
                           {"p", "Decimal(18, 4)"},
                           {"s", "String"},
                           {"t", "Array(String)"},
                           {"n", "Nullable(String)"},
                           {"l", "LowCardinality(String)"},
                           {"a_rather_long_key_name", "UInt8"}};
  // The fields of a plain row, in order: {key, value}.
  const std::vector<std::pair<std::string, std::string>> plain = {
      {"u", R"("bc688778-2b49-4044-95e3-41245c6e4337")"},
      {"id", "2584836"},
      {"i", "-5"},
      {"dt", R"("2023-11-14 22:13:20")"},
      {"e", R"("bb")"},
      {"p", "10.7056"},
      {"s", R"("news.example.com")"},
      {"t", R"(["promo","x"])"},
      {"n", R"("r")"},
      {"l", R"("lc")"},
      {"a_rather_long_key_name", "7"}};
  auto row = [&](const std::vector<std::pair<std::string, std::string>>& fields,
                 const std::string& colon = ":", const std::string& comma = ",") {
    std::string out = "{";
    for (size_t f = 0; f < fields.size(); ++f)
      out += (f ? comma : "") + "\"" + fields[f].first + "\"" + colon + fields[f].second;
    return out + "}";
  };
  // Values each field may take instead of its plain one: read, converted, or rejected.
  const std::vector<std::pair<std::string, std::vector<std::string>>> values = {
      {"u",
       {R"("BC688778-2B49-4044-95E3-41245C6E4337")", R"("bc6887782b49404495e341245c6e4337")",
        R"("bc688778-2b49-4044-95e3-41245c6e433")",
        R"("\u0062c688778-2b49-4044-95e3-41245c6e4337")", "null", "1"}},
      {"id",
       {"0", "01", "-1", "1.0", "1e3", "18446744073709551615", "18446744073709551616", R"("5")",
        "null", "true", "1x", "-", "99999999999999999999"}},
      {"i", {"-0", "-", "--1", "2147483647", "2147483648", "-2147483648", "-2147483649", "+1"}},
      {"dt",
       {R"("2023-11-14T22:13:20Z")", "1700000000", R"("2023-11-14 22:13:2")", R"("")",
        R"("2023-11-14 22:13:21")", R"("2023\u002d11-14 22:13:20")"}},
      {"e", {R"("a")", R"("c")", "1", R"("b\u0062")", R"("")", R"("bbb")"}},
      {"p",
       {"-1.5", "1.", ".5", "1e2", "12345678901234567", R"("1.5")", "0.00001", "-0", "1.2.3",
        "99999999999999.9999", "999999999999999.9999", "1E2", "-.5"}},
      {"s",
       {R"("a\"b")", R"("a\\b")", R"("\u00e9")", "\"\xc3\xa9t\xc3\xa9\"", "\"\xff\"", "\"\xc3\"",
        "\"a\tb\"", "\"a\x01\"", R"("")", "12", "null", R"("x" )", R"("a/b")",
        "\"" + std::string(40, 'z') + "\""}},
      {"t",
       {"[]", "[ ]", R"([ "a" , "b" ])", "[1]", R"(["a",])", R"(["a" "b"])", "[null]", "[[]]",
        R"(["a\n"])", "\"a\"", R"(["\u00e9", "é"])", "[", R"(["a"])"}},
      {"n", {"null", "nul", "nullx", R"("null")", "1", R"("\u0000")", "null "}},
      {"l", {R"("")", R"("é")"}},
      {"a_rather_long_key_name", {"255", "256"}},
  };
  std::vector<std::string> variants;
  for (const auto& [key, alternatives] : values)
    for (const auto& v : alternatives) {
      auto fields = plain;
      for (auto& f : fields)
        if (f.first == key) f.second = v;
      variants.push_back(row(fields));
    }
  // Whitespace where JSON allows it, and where the layout path gives up.
  variants.push_back(row(plain, " : ", " , "));
  variants.push_back(row(plain, ": ", ", "));
  variants.push_back(row(plain, ":\t", ",\t"));
  variants.push_back("  " + row(plain) + "  ");
  variants.push_back("{ " + row(plain).substr(1));
  variants.push_back(row(plain).insert(row(plain).size() - 1, " "));
  variants.push_back(row(plain, ":\r", ","));
  // Fields left out, moved, unknown, given twice, nested.
  for (size_t f = 0; f < plain.size(); ++f) {
    auto fields = plain;
    fields.erase(fields.begin() + static_cast<long>(f));
    variants.push_back(row(fields));
    fields = plain;
    std::swap(fields[f], fields[(f + 3) % fields.size()]);
    variants.push_back(row(fields));
    fields = plain;
    fields.insert(fields.begin() + static_cast<long>(f), {"zz", "1"});
    variants.push_back(row(fields));
    fields = plain;
    fields.insert(fields.begin() + static_cast<long>(f), plain[f]);
    variants.push_back(row(fields));
    fields = plain;
    fields.insert(fields.begin() + static_cast<long>(f), {"o", R"({"u":"x"})"});
    variants.push_back(row(fields));
  }
  // Keys of no column, with values the layout path steps over or leaves to simdjson.
  for (const char* v : {"[1,{\"a\":null,\"b\":[true,false]}]",
                        "\"\\u0041\"",
                        "tru",
                        "01",
                        "-",
                        "1.e5",
                        "1e+5",
                        "-0.5E-3",
                        "{\"a\" 1}",
                        "[1,]",
                        "[[[[[[[[[[1]]]]]]]]]]",
                        "\"\xc3\xa9\"",
                        "\"\xff\"",
                        "\"\x02\"",
                        "{}",
                        "[ ]",
                        "{ \"a\" : [ 1 , 2 ] }",
                        "nulls",
                        "\"x\"\"y\"",
                        "1 2"}) {
    auto fields = plain;
    fields.insert(fields.begin() + 2, {"zz", v});
    variants.push_back(row(fields));
  }
  variants.push_back(row({plain[0], plain[1]}));
  variants.push_back(row({plain[10]}));
  // Broken structure.
  for (const std::string& odd :
       {std::string("{}"), row(plain) + "}", row(plain) + " x", row(plain).substr(0, 40),
        row(plain).substr(0, row(plain).size() - 1), std::string("{,}"),
        std::string(R"({"u" "x"})"), std::string(R"({"id":1,})"), std::string(R"({"id":1 2})"),
        std::string(R"({"id":1}{"id":2})"), std::string(R"({"id"  :  1  }  )"),
        std::string(R"({"id":1,"i":2)")})
    variants.push_back(odd);

  const std::string base = row(plain);
  for (size_t v = 0; v < variants.size(); ++v) {
    SCOPED_TRACE(variants[v]);
    // After the first plain row the layout is learnt; a variant that simdjson reads may teach
    // another order, and then the next plain row teaches it back: the second, third and last
    // plain rows are read on the layout path at least.
    const LayoutRows read =
        ExpectSameAsOneByOne({base, base, base, variants[v], base, base}, 1000, columns);
    EXPECT_GE(read.lines, 3u);
    EXPECT_GE(read.rows, 2u);  // AppendRow skips the row after a miss
  }
  // Plain rows only: all but the first (which teaches the order) on the layout path.
  std::vector<std::string> many(300, base);
  LayoutRows read = ExpectSameAsOneByOne(many, 4096, columns);
  EXPECT_EQ(read.lines, 299u);
  EXPECT_EQ(read.rows, 298u);  // the first teaches the order, the second is skipped after the miss
  // The same with a field no column wants (an object), at the end of every row.
  many.assign(300, base.substr(0, base.size() - 1) + R"(,"geo":{"country":"US","n":[1,2.5]}})");
  read = ExpectSameAsOneByOne(many, 4096, columns);
  EXPECT_EQ(read.lines, 299u);
  EXPECT_EQ(read.rows, 298u);  // the first teaches the order, the second is skipped after the miss
}

// Lines whose keys change order every time leave the layout path after a few misses and are read
// as a stream (by AppendLines; AppendRow tries the layout less and less often), with the same
// result.
TEST(JsonReaderLines, KeysInAnotherOrderEveryLine) {
  std::vector<std::string> texts;
  for (int i = 0; i < 400; ++i)
    texts.push_back(i % 2 ? R"({"a":1,"s":"x","d":2.5})" : R"({"d":2.5,"s":"x","a":1})");
  const LayoutRows read = ExpectSameAsOneByOne(texts, 1000);
  EXPECT_LT(read.lines, 10u);
  EXPECT_LT(read.rows, 20u);  // tried less and less often
}

TEST(JsonReaderLines, OneLineAndEmpty) {
  ExpectSameAsOneByOne({}, 1000);
  ExpectSameAsOneByOne({R"({"a":1})"}, 1000);
  ExpectSameAsOneByOne({R"({"a":1} [)"}, 1000);
  ExpectSameAsOneByOne({R"({"a":1})", R"({"a":2)"}, 1000);  // the last one unclosed
}

}  // namespace
}  // namespace sluice
