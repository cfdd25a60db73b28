// Integration: EncodeNative against a real ClickHouse (18.16). Creates a table with one column of
// every type 18.16 has, inserts blocks encoded by EncodeNative with `INSERT ... FORMAT Native` over
// HTTP, reads them back as TSV ordered by row id and compares with the text we expect.
//
// Needs SLUICE_CLICKHOUSE_URL (e.g. http://127.0.0.1:18123, from `scripts/services/clickhouse url
// NAME`); without it the test fails. The types 18.16 lacks (IPv4, IPv6, Bool, Map, DateTime64)
// are covered only by src/formats/native_writer_test.cc.
#include <curl/curl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "core/block.h"
#include "formats/native_writer.h"

namespace sluice {
namespace {

// ---- HTTP -------------------------------------------------------------------------------------

struct HttpReply {
  long status = 0;  // 0: transport error (then body holds curl's message)
  std::string body;
};

size_t CollectBody(char* p, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(p, size * n);
  return size * n;
}

std::string ServerUrl() {
  const char* url = std::getenv("SLUICE_CLICKHOUSE_URL");
  std::string s = url ? url : "";
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}

// POSTs `body` to the server with `query` (may be empty) as the query parameter.
HttpReply Post(const std::string& query, const std::string& body) {
  HttpReply reply;
  CURL* curl = curl_easy_init();
  if (!curl) {
    reply.body = "curl_easy_init failed";
    return reply;
  }
  std::string url = ServerUrl() + "/?allow_experimental_low_cardinality_type=1";
  if (!query.empty()) {
    char* escaped = curl_easy_escape(curl, query.data(), static_cast<int>(query.size()));
    url += "&query=";
    url += escaped;
    curl_free(escaped);
  }
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_POST, 1L);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, CollectBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &reply.body);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 60L);
  const CURLcode rc = curl_easy_perform(curl);
  if (rc != CURLE_OK) {
    reply.body = std::string("HTTP request failed: ") + curl_easy_strerror(rc);
  } else {
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply.status);
  }
  curl_easy_cleanup(curl);
  return reply;
}

// Runs a statement; returns its output, or fails the test.
std::string Sql(const std::string& statement) {
  HttpReply r = Post("", statement);
  EXPECT_EQ(r.status, 200) << statement << "\n→ " << r.body;
  return r.body;
}

// ---- expected text (ClickHouse TSV) -----------------------------------------------------------

// Escapes like ClickHouse's writeAnyEscapedString (TSV values, and quoted strings inside arrays).
std::string Escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\0':
        out += "\\0";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\'':
        out += "\\'";
        break;
      default:
        out += c;
    }
  }
  return out;
}
std::string Quoted(std::string_view s) {
  return "'" + Escape(s) + "'";
}

std::string Join(const std::vector<std::string>& parts, const char* sep = ",") {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? sep : "") + parts[i];
  return out;
}

using Int128 = __int128;

std::string Int128Text(Int128 v) {
  if (v == 0) return "0";
  const bool neg = v < 0;
  std::string digits;
  while (v != 0) {
    int d = static_cast<int>(v % 10);
    digits.push_back(static_cast<char>('0' + (d < 0 ? -d : d)));
    v /= 10;
  }
  if (neg) digits.push_back('-');
  return {digits.rbegin(), digits.rend()};
}

std::string DecimalText(Int128 v, int scale) {
  std::string s = Int128Text(v < 0 ? -v : v);
  if (static_cast<int>(s.size()) <= scale) s.insert(0, scale + 1 - s.size(), '0');
  s.insert(s.size() - scale, ".");
  return (v < 0 ? "-" : "") + s;
}

// ---- the table --------------------------------------------------------------------------------

// A column of the test table: appends the value for row `row` and returns its expected TSV text.
struct TestColumn {
  std::string name;
  std::string type;
  std::function<std::string(Column&, size_t row)> add;
};

template <typename T>
TestColumn IntColumn(std::string name, std::string type) {
  return {std::move(name), std::move(type), [](Column& c, size_t row) {
            const T values[] = {std::numeric_limits<T>::min(), std::numeric_limits<T>::max(), T(0),
                                static_cast<T>(row * 2654435761u)};
            const T v = values[row % 4];
            c.AppendFixed(v);
            return std::to_string(v);
          }};
}

template <typename T>
TestColumn FloatColumn(std::string name, std::string type,
                       std::vector<std::pair<T, std::string>> values) {
  return {std::move(name), std::move(type), [values](Column& c, size_t row) {
            const auto& [v, text] = values[row % values.size()];
            c.AppendFixed(v);
            return text;
          }};
}

template <typename T>
TestColumn DecimalColumn(std::string name, std::string type, int scale,
                         std::vector<Int128> values) {
  return {std::move(name), std::move(type), [values, scale](Column& c, size_t row) {
            const Int128 v = values[row % values.size()];
            c.AppendFixed(static_cast<T>(v));
            return DecimalText(v, scale);
          }};
}

const std::vector<std::string> kStrings = {"",
                                           "plain",
                                           "héllo ✓ 日本語 😀",
                                           "tab\there",
                                           "new\nline",
                                           "back\\slash",
                                           "quote'd",
                                           std::string("nul\0byte", 8),
                                           "cr\r bs\b ff\f"};

std::vector<TestColumn> TableColumns(size_t first_block_rows) {
  const Int128 max38 = [] {
    Int128 v = 1;
    for (int i = 0; i < 38; ++i) v *= 10;
    return v - 1;
  }();
  const double inf = std::numeric_limits<double>::infinity();
  const float finf = std::numeric_limits<float>::infinity();
  std::vector<TestColumn> cols;
  cols.push_back({"id", "UInt32", [](Column& c, size_t row) {
                    c.AppendFixed(static_cast<uint32_t>(row));
                    return std::to_string(row);
                  }});
  cols.push_back(IntColumn<uint8_t>("u8", "UInt8"));
  cols.push_back(IntColumn<uint16_t>("u16", "UInt16"));
  cols.push_back(IntColumn<uint32_t>("u32", "UInt32"));
  cols.push_back(IntColumn<uint64_t>("u64", "UInt64"));
  cols.push_back(IntColumn<int8_t>("i8", "Int8"));
  cols.push_back(IntColumn<int16_t>("i16", "Int16"));
  cols.push_back(IntColumn<int32_t>("i32", "Int32"));
  cols.push_back(IntColumn<int64_t>("i64", "Int64"));
  cols.push_back(FloatColumn<float>("f32", "Float32",
                                    {{1.5f, "1.5"},
                                     {-0.25f, "-0.25"},
                                     {0.1f, "0.1"},
                                     {finf, "inf"},
                                     {-finf, "-inf"},
                                     {std::nanf(""), "nan"},
                                     {std::numeric_limits<float>::max(), "3.4028235e38"},
                                     {-0.0f, "-0"},
                                     {16777216.0f, "16777216"}}));
  cols.push_back(
      FloatColumn<double>("f64", "Float64",
                          {{0.1, "0.1"},
                           {-inf, "-inf"},
                           {1e300, "1e300"},
                           {std::nan(""), "nan"},
                           {std::numeric_limits<double>::lowest(), "-1.7976931348623157e308"},
                           {0.0, "0"}}));
  cols.push_back({"s", "String", [](Column& c, size_t row) {
                    const std::string& s = kStrings[row % kStrings.size()];
                    c.AppendString(s);
                    return Escape(s);
                  }});
  cols.push_back({"fs", "FixedString(5)", [](Column& c, size_t row) {
                    static const std::string values[] = {std::string("ab\0\0\0", 5), "hello",
                                                         std::string(5, '\0'), "h\xc3\xa9ll"};
                    const std::string& v = values[row % 4];
                    c.AppendBytes(v.data(), 5);
                    return Escape(v);
                  }});
  cols.push_back({"d", "Date", [](Column& c, size_t row) {
                    static const std::pair<uint16_t, const char*> values[] = {
                        {0, "0000-00-00"}, {18263, "2020-01-02"}, {49709, "2106-02-06"}};
                    const auto& [v, text] = values[row % 3];
                    c.AppendFixed(v);
                    return std::string(text);
                  }});
  cols.push_back({"dt", "DateTime", [](Column& c, size_t row) {
                    static const std::pair<uint32_t, const char*> values[] = {
                        {0, "0000-00-00 00:00:00"},
                        {1577934245, "2020-01-02 03:04:05"},
                        {4102444799u, "2099-12-31 23:59:59"}};
                    const auto& [v, text] = values[row % 3];
                    c.AppendFixed(v);
                    return std::string(text);
                  }});
  cols.push_back({"dt_tokyo", "DateTime('Asia/Tokyo')", [](Column& c, size_t row) {
                    static const std::pair<uint32_t, const char*> values[] = {
                        {1577934245, "2020-01-02 12:04:05"}, {86400, "1970-01-02 09:00:00"}};
                    const auto& [v, text] = values[row % 2];
                    c.AppendFixed(v);
                    return std::string(text);
                  }});
  cols.push_back({"uuid", "UUID", [](Column& c, size_t row) {
                    static const char* values[] = {"00000000-0000-0000-0000-000000000000",
                                                   "aabbccdd-eeff-0011-2233-445566778899",
                                                   "ffffffff-ffff-ffff-ffff-ffffffffffff",
                                                   "01234567-89ab-cdef-0123-456789abcdef"};
                    uint8_t bytes[16];
                    EXPECT_TRUE(ParseUuid(values[row % 4], bytes));
                    c.AppendBytes(bytes, 16);
                    return std::string(values[row % 4]);
                  }});
  cols.push_back(
      {"e8", "Enum8('a' = 1, 'b' = -128, 'c' = 127)", [](Column& c, size_t row) {
         static const std::pair<int8_t, const char*> values[] = {{1, "a"}, {-128, "b"}, {127, "c"}};
         const auto& [v, text] = values[row % 3];
         c.AppendFixed(v);
         return std::string(text);
       }});
  cols.push_back({"e16", "Enum16('x' = -32768, 'y' = 32767, 'z' = 0)", [](Column& c, size_t row) {
                    static const std::pair<int16_t, const char*> values[] = {
                        {-32768, "x"}, {32767, "y"}, {0, "z"}};
                    const auto& [v, text] = values[row % 3];
                    c.AppendFixed(v);
                    return std::string(text);
                  }});
  cols.push_back(
      DecimalColumn<int32_t>("dec9", "Decimal(9, 2)", 2, {0, 150, -999999999, 999999999, -5}));
  cols.push_back(DecimalColumn<int64_t>(
      "dec18", "Decimal(18, 4)", 4, {0, 999999999999999999LL, -999999999999999999LL, 12345, -1}));
  cols.push_back(
      DecimalColumn<Int128>("dec38", "Decimal(38, 10)", 10,
                            {0, max38, -max38, 1, -Int128(12345678901234567890ULL) * 1000}));
  cols.push_back({"n_i32", "Nullable(Int32)", [](Column& c, size_t row) {
                    const bool null = row % 3 == 0;
                    const int32_t v = row % 3 == 1 ? std::numeric_limits<int32_t>::min() : 42;
                    c.nulls.push_back(null);
                    c.children[0].AppendFixed<int32_t>(null ? 0 : v);
                    return null ? std::string("\\N") : std::to_string(v);
                  }});
  cols.push_back({"n_s", "Nullable(String)", [](Column& c, size_t row) {
                    const bool null = row % 3 == 0;
                    const std::string v = row % 3 == 1 ? "" : "n'ull";
                    c.nulls.push_back(null);
                    c.children[0].AppendString(null ? "" : v);
                    return null ? std::string("\\N") : Escape(v);
                  }});
  cols.push_back({"a_s", "Array(String)", [](Column& c, size_t row) {
                    static const std::vector<std::vector<std::string>> values = {
                        {}, {"a", "b'c"}, {""}, {"héllo", "\t", "back\\slash"}};
                    const auto& v = values[row % values.size()];
                    std::vector<std::string> text;
                    for (const auto& s : v) {
                      c.children[0].AppendString(s);
                      text.push_back(Quoted(s));
                    }
                    c.offsets.push_back(c.children[0].rows());
                    return "[" + Join(text) + "]";
                  }});
  cols.push_back({"a_a_u8", "Array(Array(UInt8))", [](Column& c, size_t row) {
                    static const std::vector<std::vector<std::vector<uint8_t>>> values = {
                        {}, {{}}, {{1, 2}, {}, {255}}};
                    const auto& v = values[row % values.size()];
                    Column& inner = c.children[0];
                    std::vector<std::string> text;
                    for (const auto& a : v) {
                      std::vector<std::string> items;
                      for (uint8_t x : a) {
                        inner.children[0].AppendFixed(x);
                        items.push_back(std::to_string(x));
                      }
                      inner.offsets.push_back(inner.children[0].rows());
                      text.push_back("[" + Join(items) + "]");
                    }
                    c.offsets.push_back(inner.rows());
                    return "[" + Join(text) + "]";
                  }});
  cols.push_back({"a_n_i64", "Array(Nullable(Int64))", [](Column& c, size_t row) {
                    const int64_t kNull = 1;  // marker
                    static const std::vector<std::vector<int64_t>> values = {
                        {}, {kNull}, {7, kNull, std::numeric_limits<int64_t>::min()}};
                    const auto& v = values[row % values.size()];
                    Column& n = c.children[0];
                    std::vector<std::string> text;
                    for (int64_t x : v) {
                      const bool null = x == kNull;
                      n.nulls.push_back(null);
                      n.children[0].AppendFixed<int64_t>(null ? 0 : x);
                      text.push_back(null ? "NULL" : std::to_string(x));
                    }
                    c.offsets.push_back(n.rows());
                    return "[" + Join(text) + "]";
                  }});
  cols.push_back({"t", "Tuple(UInt8, String)", [](Column& c, size_t row) {
                    const uint8_t n = row % 2 ? 255 : 0;
                    const std::string s = row % 2 ? "x'y" : "";
                    c.children[0].AppendFixed(n);
                    c.children[1].AppendString(s);
                    return "(" + std::to_string(n) + "," + Quoted(s) + ")";
                  }});
  // Several hundred distinct keys: the block's dictionary needs UInt16 indexes.
  cols.push_back({"lc", "LowCardinality(String)", [](Column& c, size_t row) {
                    const std::string v = row % 7 == 0   ? ""
                                          : row % 7 == 1 ? "日本語"
                                                         : "key" + std::to_string(row);
                    c.AppendString(v);
                    return Escape(v);
                  }});
  cols.push_back({"lc_n", "LowCardinality(Nullable(String))", [](Column& c, size_t row) {
                    const bool null = row % 4 == 0;
                    const std::string v = row % 4 == 1 ? "" : row % 4 == 2 ? "v1" : "v'2";
                    c.nulls.push_back(null);
                    c.children[0].AppendString(null ? "" : v);
                    return null ? std::string("\\N") : Escape(v);
                  }});
  // The second block has only empty arrays here: LowCardinality without any element.
  cols.push_back(
      {"a_lc", "Array(LowCardinality(String))", [first_block_rows](Column& c, size_t row) {
         static const std::vector<std::vector<std::string>> values = {{}, {"x", "y", "x"}, {""}};
         const auto& v = row < first_block_rows ? values[row % values.size()] : values[0];
         std::vector<std::string> text;
         for (const auto& s : v) {
           c.children[0].AppendString(s);
           text.push_back(Quoted(s));
         }
         c.offsets.push_back(c.children[0].rows());
         return "[" + Join(text) + "]";
       }});
  return cols;
}

std::string UniqueTableName() {
  const auto now = std::chrono::steady_clock::now().time_since_epoch().count();
  return "default.native_roundtrip_" + std::to_string(getpid()) + "_" + std::to_string(now);
}

// Drops the table when the test ends, however it ends.
struct DropTable {
  std::string name;
  ~DropTable() { (void)Post("", "DROP TABLE IF EXISTS " + name); }
};

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

void ExpectSameLines(const std::vector<std::string>& actual,
                     const std::vector<std::string>& expected) {
  EXPECT_EQ(actual.size(), expected.size());
  int reported = 0;
  for (size_t i = 0; i < std::min(actual.size(), expected.size()) && reported < 10; ++i) {
    if (actual[i] != expected[i]) {
      ++reported;
      ADD_FAILURE() << "row " << i << "\n  actual:   " << actual[i]
                    << "\n  expected: " << expected[i];
    }
  }
}

class NativeRoundtrip : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(ServerUrl().empty())
        << "SLUICE_CLICKHOUSE_URL is not set: this integration test needs a ClickHouse 18.16 "
           "server, e.g. `scripts/services/clickhouse start it 18123` then "
           "SLUICE_CLICKHOUSE_URL=http://127.0.0.1:18123";
    HttpReply ping = Post("", "SELECT 1");
    ASSERT_EQ(ping.status, 200) << "ClickHouse at " << ServerUrl()
                                << " is not answering: " << ping.body;
  }
};

TEST_F(NativeRoundtrip, EveryTypeOf1816SurvivesInsertAndSelect) {
  const size_t kFirstRows = 500, kSecondRows = 40;
  const std::vector<TestColumn> cols = TableColumns(kFirstRows);
  auto schema = std::make_shared<Schema>();
  std::vector<std::string> defs;
  for (const auto& c : cols) {
    auto type = ParseType(c.type);
    ASSERT_TRUE(type.ok()) << type.status().ToString();
    ColumnSpec spec;
    spec.name = c.name;
    spec.type = type.value();
    schema->columns.push_back(std::move(spec));
    defs.push_back(c.name + " " + c.type);
  }
  const std::string table = UniqueTableName();
  DropTable drop{table};
  Sql("CREATE TABLE " + table + " (" + Join(defs, ", ") + ") ENGINE = MergeTree ORDER BY id");

  std::vector<size_t> all(cols.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = i;

  std::vector<std::string> expected;
  size_t row = 0;
  for (size_t rows : {kFirstRows, kSecondRows, size_t{0}}) {
    Block block(schema);
    for (size_t r = 0; r < rows; ++r, ++row) {
      std::vector<std::string> texts;
      for (size_t c = 0; c < cols.size(); ++c) texts.push_back(cols[c].add(block.column(c), row));
      block.CommitRow({}, "");
      expected.push_back(Join(texts, "\t"));
    }
    block.CheckInvariant();
    std::string body;
    EncodeNative(block, all, {}, body);
    HttpReply r = Post("INSERT INTO " + table + " FORMAT Native", body);
    ASSERT_EQ(r.status, 200) << "insert of " << rows << " rows failed: " << r.body;
  }

  const std::string got = Sql("SELECT * FROM " + table + " ORDER BY id FORMAT TSV");
  ExpectSameLines(Lines(got), expected);
}

TEST_F(NativeRoundtrip, ListedColumnsInAnyOrderAndTheRestDefaulted) {
  const std::string table = UniqueTableName();
  DropTable drop{table};
  Sql("CREATE TABLE " + table +
      " (id UInt32, s String, lc LowCardinality(String), x UInt8 DEFAULT 7) ENGINE = MergeTree "
      "ORDER BY id");
  auto schema = std::make_shared<Schema>();
  for (auto [name, type] :
       {std::pair{"id", "UInt32"}, {"s", "String"}, {"lc", "LowCardinality(String)"}}) {
    ColumnSpec spec;
    spec.name = name;
    spec.type = ParseType(type).value();
    schema->columns.push_back(std::move(spec));
  }
  Block block(schema);
  for (uint32_t i = 0; i < 3; ++i) {
    block.column(0).AppendFixed(i);
    block.column(1).AppendString("s" + std::to_string(i));
    block.column(2).AppendString(i % 2 ? "odd" : "even");
    block.CommitRow({}, "");
  }
  std::string body;
  EncodeNative(block, {2, 0}, {}, body);  // lc, id — s and x are left to their defaults
  HttpReply r = Post("INSERT INTO " + table + " (lc, id) FORMAT Native", body);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Sql("SELECT * FROM " + table + " ORDER BY id FORMAT TSV"),
            "0\t\teven\t7\n1\t\todd\t7\n2\t\teven\t7\n");
}

}  // namespace
}  // namespace sluice
