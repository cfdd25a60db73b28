// EncodeNative, type by type: each test builds a one-column block with known values and states the
// exact Native bytes ClickHouse expects. Bytes are written as hex; "|" only separates parts for
// the reader. Layouts were checked against ClickHouse 18.16's own `FORMAT Native` output where
// 18.16 has the type (IPv4, IPv6, Bool, Map, DateTime64 are newer: these tests are their check).
#include "formats/native_writer.h"

#include <gtest/gtest.h>

#include <functional>

namespace sluice {
namespace {

// "01 ff|00" → the bytes 01 ff 00.
std::string Hex(std::string_view text) {
  std::string out;
  int nibble = -1;
  for (char c : text) {
    int d;
    if (c >= '0' && c <= '9')
      d = c - '0';
    else if (c >= 'a' && c <= 'f')
      d = c - 'a' + 10;
    else
      continue;
    if (nibble < 0) {
      nibble = d;
    } else {
      out.push_back(static_cast<char>(nibble * 16 + d));
      nibble = -1;
    }
  }
  return out;
}

std::string ToHex(std::string_view bytes) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (unsigned char b : bytes) {
    if (!out.empty()) out += ' ';
    out += kDigits[b >> 4];
    out += kDigits[b & 15];
  }
  return out;
}

// A Native String: varint length + bytes (all lengths here are < 128).
std::string Str(std::string_view s) {
  return std::string(1, static_cast<char>(s.size())) + std::string(s);
}

std::string U64(uint64_t v) {
  return std::string(reinterpret_cast<const char*>(&v), 8);
}

// The block head: number of columns and of rows (both < 128 here).
std::string Head(int columns, int rows) {
  return std::string{static_cast<char>(columns), static_cast<char>(rows)};
}

std::string ColumnHead(std::string_view type) {
  return Str("c") + Str(type);
}

ColumnSpec Spec(std::string name, std::string_view type) {
  auto parsed = ParseType(type);
  EXPECT_TRUE(parsed.ok()) << parsed.status().ToString();
  ColumnSpec spec;
  spec.name = std::move(name);
  spec.type = parsed.value();
  return spec;
}

Block OneColumn(std::string_view type, size_t rows, const std::function<void(Column&)>& fill) {
  auto schema = std::make_shared<Schema>();
  schema->columns.push_back(Spec("c", type));
  Block block(schema);
  fill(block.column(0));
  for (size_t i = 0; i < rows; ++i) block.CommitRow({}, "");
  block.CheckInvariant();
  return block;
}

std::string Encode(const Block& block, NativeOptions opts = {}) {
  std::string out;
  EncodeNative(block, {0}, opts, out);
  return out;
}

#define EXPECT_BYTES(actual, expected) EXPECT_EQ(ToHex(actual), ToHex(expected))

// One row, one column of `type`; `data` is the expected column data in hex.
void ExpectOneValue(std::string_view type, const std::function<void(Column&)>& fill,
                    std::string_view data) {
  SCOPED_TRACE(std::string(type));
  EXPECT_BYTES(Encode(OneColumn(type, 1, fill)), Head(1, 1) + ColumnHead(type) + Hex(data));
}

TEST(NativeWriter, IntegersAreLittleEndian) {
  ExpectOneValue(
      "UInt8", [](Column& c) { c.AppendFixed<uint8_t>(255); }, "ff");
  ExpectOneValue(
      "Int8", [](Column& c) { c.AppendFixed<int8_t>(-128); }, "80");
  ExpectOneValue(
      "UInt16", [](Column& c) { c.AppendFixed<uint16_t>(0x1234); }, "34 12");
  ExpectOneValue(
      "Int16", [](Column& c) { c.AppendFixed<int16_t>(-2); }, "fe ff");
  ExpectOneValue(
      "UInt32", [](Column& c) { c.AppendFixed<uint32_t>(0x01020304); }, "04 03 02 01");
  ExpectOneValue(
      "Int32", [](Column& c) { c.AppendFixed<int32_t>(-1); }, "ff ff ff ff");
  ExpectOneValue(
      "UInt64", [](Column& c) { c.AppendFixed<uint64_t>(UINT64_MAX); }, "ff ff ff ff ff ff ff ff");
  ExpectOneValue(
      "Int64", [](Column& c) { c.AppendFixed<int64_t>(INT64_MIN); }, "00 00 00 00 00 00 00 80");
}

TEST(NativeWriter, FloatsAreIeeeLittleEndian) {
  ExpectOneValue(
      "Float32", [](Column& c) { c.AppendFixed<float>(1.5f); }, "00 00 c0 3f");
  ExpectOneValue(
      "Float64", [](Column& c) { c.AppendFixed<double>(-2.0); }, "00 00 00 00 00 00 00 c0");
}

TEST(NativeWriter, BoolIsOneByte) {
  ExpectOneValue(
      "Bool", [](Column& c) { c.AppendFixed<uint8_t>(1); }, "01");
}

TEST(NativeWriter, DateIsUInt16DaysAndDateTimeUInt32Seconds) {
  // 2020-01-02 = day 18263; 2020-01-02 03:04:05 UTC = 1577934245 (as 18.16 writes them).
  ExpectOneValue(
      "Date", [](Column& c) { c.AppendFixed<uint16_t>(18263); }, "57 47");
  ExpectOneValue(
      "DateTime", [](Column& c) { c.AppendFixed<uint32_t>(1577934245); }, "a5 5d 0d 5e");
  // The time zone is part of the type name only.
  ExpectOneValue(
      "DateTime('Asia/Tokyo')", [](Column& c) { c.AppendFixed<uint32_t>(1577934245); },
      "a5 5d 0d 5e");
}

TEST(NativeWriter, DateTime64IsInt64Ticks) {
  // DateTime64(3): milliseconds. 1577934245123 = 0x16F6435CD03.
  ExpectOneValue(
      "DateTime64(3, 'UTC')", [](Column& c) { c.AppendFixed<int64_t>(1577934245123); },
      "03 cd 35 64 6f 01 00 00");
  ExpectOneValue(
      "DateTime64(6)", [](Column& c) { c.AppendFixed<int64_t>(-1); }, "ff ff ff ff ff ff ff ff");
}

TEST(NativeWriter, EnumsAreTheirNumbers) {
  ExpectOneValue(
      "Enum8('a' = 1, 'b' = -1)", [](Column& c) { c.AppendFixed<int8_t>(-1); }, "ff");
  ExpectOneValue(
      "Enum16('x' = 1000)", [](Column& c) { c.AppendFixed<int16_t>(1000); }, "e8 03");
}

TEST(NativeWriter, DecimalsAreScaledIntegersSizedByPrecision) {
  ExpectOneValue(
      "Decimal(9, 2)", [](Column& c) { c.AppendFixed<int32_t>(150); },  // 1.50
      "96 00 00 00");
  ExpectOneValue(
      "Decimal(18, 4)", [](Column& c) { c.AppendFixed<int64_t>(-10000); },  // -1.0000
      "f0 d8 ff ff ff ff ff ff");
  ExpectOneValue(
      "Decimal(38, 10)",  // -1e-10: Int128 -1, two's complement
      [](Column& c) { c.AppendBytes(Hex(std::string(32, 'f')).data(), 16); }, std::string(32, 'f'));
  ExpectOneValue(
      "Decimal(76, 0)",
      [](Column& c) {
        c.AppendFixed<uint64_t>(7);
        for (int i = 0; i < 3; ++i) c.AppendFixed<uint64_t>(0);
      },
      "07" + std::string(62, '0'));
}

TEST(NativeWriter, FixedStringIsZeroPadded) {
  ExpectOneValue(
      "FixedString(5)", [](Column& c) { c.AppendBytes("ab\0\0\0", 5); }, "61 62 00 00 00");
}

TEST(NativeWriter, UuidIsTwoLittleEndianHalvesHighFirst) {
  uint8_t uuid[16];
  ASSERT_TRUE(ParseUuid("aabbccdd-eeff-0011-2233-445566778899", uuid));
  // Exactly what 18.16 answers to SELECT toUUID('aabbccdd-eeff-0011-2233-445566778899') FORMAT
  // Native.
  ExpectOneValue(
      "UUID", [&](Column& c) { c.AppendBytes(uuid, 16); },
      "11 00 ff ee dd cc bb aa | 99 88 77 66 55 44 33 22");
}

TEST(NativeWriter, IPv4IsUInt32OfTheAddress) {
  uint32_t ip = 0;
  ASSERT_TRUE(ParseIPv4("1.2.3.4", &ip));
  EXPECT_EQ(ip, 0x01020304u);
  ExpectOneValue(
      "IPv4", [&](Column& c) { c.AppendFixed(ip); }, "04 03 02 01");
}

TEST(NativeWriter, IPv6IsNetworkOrder) {
  uint8_t ip[16];
  ASSERT_TRUE(ParseIPv6("2001:db8::1", ip));
  ExpectOneValue(
      "IPv6", [&](Column& c) { c.AppendBytes(ip, 16); },
      "20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 01");
}

TEST(NativeWriter, StringIsVarintLengthThenBytesPerRow) {
  const std::string long_text(200, 'x');  // length 200 = varint c8 01
  Block b = OneColumn("String", 3, [&](Column& c) {
    c.AppendString("");
    c.AppendString("ab");
    c.AppendString(long_text);
  });
  EXPECT_BYTES(Encode(b),
               Head(1, 3) + ColumnHead("String") + Hex("00 | 02 61 62 | c8 01") + long_text);
}

// Every length around the 16-byte block copy, at the start, middle and end of the column's data
// (where fewer than 16 bytes follow), in columns whose whole data is under 16 bytes too.
TEST(NativeWriter, StringsOfEveryShortLengthKeepExactlyTheirBytes) {
  for (size_t count : {1, 2, 3, 40}) {
    std::vector<std::string> values;
    for (size_t i = 0; i < count; ++i)
      values.push_back(std::string((i * 7 + count) % 34, static_cast<char>('a' + i % 26)));
    Block b = OneColumn("String", values.size(), [&](Column& c) {
      for (const auto& v : values) c.AppendString(v);
    });
    std::string want = Head(1, static_cast<int>(values.size())) + ColumnHead("String");
    for (const auto& v : values) want += Str(v);
    EXPECT_BYTES(Encode(b), want) << count << " values";
  }
}

TEST(NativeWriter, NullableIsNullMapThenValues) {
  Block ints = OneColumn("Nullable(Int32)", 2, [](Column& c) {
    c.nulls = {0, 1};
    c.children[0].AppendFixed<int32_t>(5);
    c.children[0].AppendFixed<int32_t>(0);  // the default under NULL
  });
  EXPECT_BYTES(Encode(ints),
               Head(1, 2) + ColumnHead("Nullable(Int32)") + Hex("00 01 | 05 00 00 00 00 00 00 00"));
  Block strings = OneColumn("Nullable(String)", 2, [](Column& c) {
    c.nulls = {0, 1};
    c.children[0].AppendString("x");
    c.children[0].AppendString("");
  });
  EXPECT_BYTES(Encode(strings),
               Head(1, 2) + ColumnHead("Nullable(String)") + Hex("00 01 | 01 78 | 00"));
}

TEST(NativeWriter, ArrayIsUInt64CumulativeOffsetsThenElements) {
  // [[1, 2], [], [3]] in one row (as 18.16 writes it).
  Block b = OneColumn("Array(Array(UInt8))", 1, [](Column& c) {
    c.offsets = {3};
    Column& inner = c.children[0];
    inner.offsets = {2, 2, 3};
    inner.children[0].data = {1, 2, 3};
  });
  EXPECT_BYTES(Encode(b), Head(1, 1) + ColumnHead("Array(Array(UInt8))") + U64(3) + U64(2) +
                              U64(2) + U64(3) + Hex("01 02 03"));
}

TEST(NativeWriter, ArrayOfNullable) {
  // Rows [1, NULL] and [].
  Block b = OneColumn("Array(Nullable(Int64))", 2, [](Column& c) {
    c.offsets = {2, 2};
    c.children[0].nulls = {0, 1};
    c.children[0].children[0].AppendFixed<int64_t>(1);
    c.children[0].children[0].AppendFixed<int64_t>(0);
  });
  EXPECT_BYTES(Encode(b), Head(1, 2) + ColumnHead("Array(Nullable(Int64))") + U64(2) + U64(2) +
                              Hex("00 01") + U64(1) + U64(0));
}

TEST(NativeWriter, TupleIsEachElementColumn) {
  // Rows (1, 'x') and (2, '').
  Block b = OneColumn("Tuple(UInt8, String)", 2, [](Column& c) {
    c.children[0].data = {1, 2};
    c.children[1].AppendString("x");
    c.children[1].AppendString("");
  });
  EXPECT_BYTES(Encode(b),
               Head(1, 2) + ColumnHead("Tuple(UInt8, String)") + Hex("01 02 | 01 78 00"));
}

TEST(NativeWriter, MapIsOffsetsThenKeysThenValues) {
  // Rows {'a': 1, 'b': 2} and {}.
  Block b = OneColumn("Map(String, UInt16)", 2, [](Column& c) {
    c.offsets = {2, 2};
    c.children[0].AppendString("a");
    c.children[0].AppendString("b");
    c.children[1].AppendFixed<uint16_t>(1);
    c.children[1].AppendFixed<uint16_t>(2);
  });
  EXPECT_BYTES(Encode(b), Head(1, 2) + ColumnHead("Map(String, UInt16)") + U64(2) + U64(2) +
                              Hex("01 61 01 62 | 01 00 02 00"));
}

// LowCardinality: version 1, flags (UInt8 indexes | HasAdditionalKeys 1<<9 | NeedUpdateDictionary
// 1<<10 = 0x600), number of keys, keys, number of rows, indexes.
const uint64_t kLcFlagsUInt8 = 0x600;

TEST(NativeWriter, LowCardinalityStringIsDictionaryPlusIndexes) {
  Block b = OneColumn("LowCardinality(String)", 4, [](Column& c) {
    for (const char* s : {"a", "b", "a", ""}) c.AppendString(s);
  });
  EXPECT_BYTES(Encode(b), Head(1, 4) + ColumnHead("LowCardinality(String)") + U64(1) +
                              U64(kLcFlagsUInt8) + U64(3) + Hex("01 61 | 01 62 | 00") + U64(4) +
                              Hex("00 01 00 02"));
}

TEST(NativeWriter, LowCardinalityNullableHasNullAsKeyZero) {
  Block b = OneColumn("LowCardinality(Nullable(String))", 4, [](Column& c) {
    c.nulls = {0, 1, 0, 0};
    for (const char* s : {"a", "", "a", ""}) c.children[0].AppendString(s);
  });
  // Keys: NULL (written as ""), "a", "" — the empty string is a key of its own, not NULL.
  EXPECT_BYTES(Encode(b), Head(1, 4) + ColumnHead("LowCardinality(Nullable(String))") + U64(1) +
                              U64(kLcFlagsUInt8) + U64(3) + Hex("00 | 01 61 | 00") + U64(4) +
                              Hex("01 00 01 02"));
}

TEST(NativeWriter, LowCardinalityOfFixedWidthKeysWritesRawKeys) {
  Block b = OneColumn("LowCardinality(UInt32)", 3, [](Column& c) {
    for (uint32_t v : {7u, 7u, 9u}) c.AppendFixed(v);
  });
  EXPECT_BYTES(Encode(b), Head(1, 3) + ColumnHead("LowCardinality(UInt32)") + U64(1) +
                              U64(kLcFlagsUInt8) + U64(2) + Hex("07 00 00 00 | 09 00 00 00") +
                              U64(3) + Hex("00 00 01"));
}

TEST(NativeWriter, LowCardinalityIndexWidthFollowsDictionarySize) {
  // 256 keys fit UInt8 indexes; 257 need UInt16 (index type 1).
  for (int keys : {256, 257}) {
    Block b = OneColumn("LowCardinality(UInt16)", keys, [&](Column& c) {
      for (int i = 0; i < keys; ++i) c.AppendFixed<uint16_t>(static_cast<uint16_t>(i));
    });
    const std::string out = Encode(b);
    const size_t data = (Head(1, 0) + ColumnHead("LowCardinality(UInt16)")).size() +
                        1;  // rows ≥ 128: 2-byte varint
    const size_t index_width = keys == 256 ? 1 : 2;
    ASSERT_EQ(out.size(), data + 8 + 8 + 8 + keys * 2 + 8 + keys * index_width);
    EXPECT_EQ(out.substr(data + 8, 8), U64(kLcFlagsUInt8 | (keys == 256 ? 0 : 1)));
    EXPECT_EQ(out.substr(out.size() - index_width), keys == 256 ? Hex("ff") : Hex("00 01"));
  }
}

TEST(NativeWriter, NestedLowCardinalityVersionComesBeforeTheArrayOffsets) {
  Block b = OneColumn("Array(LowCardinality(String))", 2, [](Column& c) {
    c.offsets = {2, 3};
    for (const char* s : {"x", "y", "x"}) c.children[0].AppendString(s);
  });
  EXPECT_BYTES(Encode(b), Head(1, 2) + ColumnHead("Array(LowCardinality(String))") + U64(1) +
                              U64(2) + U64(3) + U64(kLcFlagsUInt8) + U64(2) + Hex("01 78 01 79") +
                              U64(3) + Hex("00 01 00"));
}

TEST(NativeWriter, LowCardinalityWithoutElementsWritesOnlyTheVersion) {
  // All arrays empty: the dictionary part is absent (what 18.16 reads back correctly).
  Block b = OneColumn("Array(LowCardinality(String))", 1, [](Column& c) { c.offsets = {0}; });
  EXPECT_BYTES(Encode(b),
               Head(1, 1) + ColumnHead("Array(LowCardinality(String))") + U64(1) + U64(0));
}

TEST(NativeWriter, LowCardinalityCanBeSentAsItsInnerType) {
  NativeOptions plain;
  plain.low_cardinality_native = false;
  Block b = OneColumn("Array(LowCardinality(Nullable(String)))", 1, [](Column& c) {
    c.offsets = {2};
    c.children[0].nulls = {1, 0};
    c.children[0].children[0].AppendString("");
    c.children[0].children[0].AppendString("z");
  });
  EXPECT_BYTES(Encode(b, plain), Head(1, 1) + ColumnHead("Array(Nullable(String))") + U64(2) +
                                     Hex("01 00 | 00 01 7a"));
  EXPECT_EQ(NativeTypeName(
                *ParseType("Tuple(a LowCardinality(String), b Map(String, LowCardinality(UInt8)))")
                     .value(),
                plain),
            "Tuple(a String, b Map(String, UInt8))");
}

TEST(NativeWriter, EmptyBlockHasHeadersButNoData) {
  auto schema = std::make_shared<Schema>();
  schema->columns.push_back(Spec("s", "LowCardinality(String)"));
  schema->columns.push_back(Spec("n", "Array(UInt8)"));
  Block b(schema);
  std::string out;
  EncodeNative(b, {0, 1}, {}, out);
  EXPECT_BYTES(
      out, Head(2, 0) + Str("s") + Str("LowCardinality(String)") + Str("n") + Str("Array(UInt8)"));
}

TEST(NativeWriter, WritesTheListedColumnsInTheirOrderAndAppends) {
  auto schema = std::make_shared<Schema>();
  schema->columns.push_back(Spec("a", "UInt8"));
  schema->columns.push_back(Spec("b", "String"));
  schema->columns.push_back(Spec("skipped", "UInt8"));
  Block b(schema);
  b.column(0).AppendFixed<uint8_t>(1);
  b.column(1).AppendString("q");
  b.column(2).AppendFixed<uint8_t>(9);
  b.CommitRow({}, "");
  std::string out = "previous";
  EncodeNative(b, {1, 0}, {}, out);
  EXPECT_BYTES(out, "previous" + Head(2, 1) + Str("b") + Str("String") + Hex("01 71") + Str("a") +
                        Str("UInt8") + Hex("01"));
}

// A NativeBody holds the same bytes as EncodeNative, with its long fixed-width buffers borrowed
// from the block and its long String columns encoded only as they are read, and reads back the
// same in pieces of any size.
TEST(NativeWriter, BodyBorrowsLongColumnsAndReadsAsEncodeNative) {
  auto schema = std::make_shared<Schema>();
  schema->columns.push_back(Spec("id", "UInt64"));
  schema->columns.push_back(Spec("name", "Nullable(String)"));
  schema->columns.push_back(Spec("tags", "Array(String)"));
  schema->columns.push_back(Spec("small", "UInt8"));
  Block b(schema);
  // id: 24000 bytes, borrowed; name and tags' elements: over 4 KiB each, encoded as read; small:
  // 3000 bytes, copied.
  const size_t rows = 3000;
  for (size_t i = 0; i < rows; ++i) {
    b.column(0).AppendFixed<uint64_t>(i * 0x0101010101ULL);
    Column& name = b.column(1);
    name.nulls.push_back(i % 3 == 0 ? 1 : 0);
    // Some values longer than a piece, with a two-byte length.
    name.children[0].AppendString(i % 3 == 0     ? ""
                                  : i % 500 == 1 ? std::string(300, 'a' + i % 26)
                                                 : "n" + std::to_string(i));
    Column& tags = b.column(2);
    for (size_t k = 0; k < i % 4; ++k) tags.children[0].AppendString("t" + std::to_string(k));
    tags.offsets.push_back(tags.children[0].rows());
    b.column(3).AppendFixed<uint8_t>(static_cast<uint8_t>(i));
    b.CommitRow({}, "");
  }
  b.CheckInvariant();
  const std::vector<size_t> columns = {2, 0, 1, 3};
  std::string expected;
  EncodeNative(b, columns, {}, expected);

  NativeBody body;
  EncodeNativeBody(b, columns, {}, body);
  ASSERT_EQ(body.size(), expected.size());
  std::string whole;
  body.AppendTo(whole);
  EXPECT_TRUE(whole == expected);

  // In pieces of every size from 1 to 97 bytes (pieces cross range boundaries at every offset),
  // then again from the start (the remembered position goes back).
  for (int pass = 0; pass < 2; ++pass) {
    std::string pieces;
    size_t at = 0, n = 1;
    while (at < body.size()) {
      const size_t k = std::min(n, body.size() - at);
      std::string piece(k, '\0');
      body.CopyTo(at, piece.data(), k);
      pieces += piece;
      at += k;
      n = n % 97 + 1;
    }
    EXPECT_TRUE(pieces == expected) << "pass " << pass;
  }
  // Reading from the middle after the end.
  std::string tail(100, '\0');
  body.CopyTo(expected.size() / 2, tail.data(), tail.size());
  EXPECT_EQ(tail, expected.substr(expected.size() / 2, 100));

  // Reused for another block: the old ranges are gone.
  Block small(schema);
  small.column(0).AppendFixed<uint64_t>(7);
  small.column(1).nulls.push_back(1);
  small.column(1).children[0].AppendString("");
  small.column(2).offsets.push_back(0);
  small.column(3).AppendFixed<uint8_t>(1);
  small.CommitRow({}, "");
  std::string expected_small;
  EncodeNative(small, columns, {}, expected_small);
  EncodeNativeBody(small, columns, {}, body);
  std::string whole_small;
  body.AppendTo(whole_small);
  EXPECT_EQ(ToHex(whole_small), ToHex(expected_small));
}

TEST(NativeWriter, ParseUuidAcceptsCanonicalAndBareHexOnly) {
  uint8_t a[16], b[16];
  ASSERT_TRUE(ParseUuid("AABBCCDD-EEFF-0011-2233-445566778899", a));
  ASSERT_TRUE(ParseUuid("aabbccddeeff00112233445566778899", b));
  EXPECT_EQ(0, std::memcmp(a, b, 16));
  EXPECT_FALSE(ParseUuid("aabbccdd-eeff-0011-2233-44556677889", b));   // too short
  EXPECT_FALSE(ParseUuid("aabbccdd-eeff-0011-2233-44556677889g", b));  // not hex
  EXPECT_FALSE(ParseUuid("aabbccdd0eeff-0011-2233-445566778899", b));  // dash misplaced
  EXPECT_FALSE(ParseUuid("", b));
}

// Every byte value in every position: accepted exactly when it is a hex digit (or the dash where
// one belongs), and then the value is the one the text spells.
TEST(NativeWriter, ParseUuidChecksEveryPosition) {
  const std::string canonical = "0123abcd-ef45-6789-ABCD-ef0123456789";
  auto hex_value = [](char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; };
  for (const std::string& base : {canonical, std::string("0123abcdef456789ABCDef0123456789")}) {
    for (size_t pos = 0; pos < base.size(); ++pos) {
      for (int b = 0; b < 256; ++b) {
        std::string text = base;
        text[pos] = static_cast<char>(b);
        const bool dash_slot =
            base.size() == 36 && (pos == 8 || pos == 13 || pos == 18 || pos == 23);
        const bool hex = (b >= '0' && b <= '9') || (b >= 'a' && b <= 'f') || (b >= 'A' && b <= 'F');
        uint8_t out[16];
        ASSERT_EQ(ParseUuid(text, out), dash_slot ? b == '-' : hex) << pos << " " << b;
        if (!(dash_slot ? b == '-' : hex)) continue;
        // Rebuild the value from the digits: text order is big-endian, Native each half LE.
        std::string digits;
        for (char c : text)
          if (c != '-') digits += c;
        for (int k = 0; k < 16; ++k) {
          const int byte = hex_value(digits[2 * k]) * 16 + hex_value(digits[2 * k + 1]);
          ASSERT_EQ(out[k < 8 ? 7 - k : 23 - k], byte) << text;
        }
      }
    }
  }
}

TEST(NativeWriter, ParseIpAddresses) {
  uint32_t v4 = 0;
  EXPECT_TRUE(ParseIPv4("255.255.255.255", &v4));
  EXPECT_EQ(v4, 0xffffffffu);
  EXPECT_TRUE(ParseIPv4("0.0.0.0", &v4));
  EXPECT_EQ(v4, 0u);
  for (const char* bad : {"", "1.2.3", "256.0.0.1", "1.2.3.4 ", "::1", "1.2.3.4.5"})
    EXPECT_FALSE(ParseIPv4(bad, &v4)) << bad;

  uint8_t v6[16];
  ASSERT_TRUE(ParseIPv6("1.2.3.4", v6));  // IPv4-mapped
  EXPECT_EQ(ToHex(std::string_view(reinterpret_cast<char*>(v6), 16)),
            ToHex(Hex("00 00 00 00 00 00 00 00 00 00 ff ff 01 02 03 04")));
  ASSERT_TRUE(ParseIPv6("::", v6));
  EXPECT_EQ(ToHex(std::string_view(reinterpret_cast<char*>(v6), 16)), ToHex(std::string(16, '\0')));
  for (const char* bad : {"", "::g", "1:2:3:4:5:6:7:8:9", "[::1]"})
    EXPECT_FALSE(ParseIPv6(bad, v6)) << bad;
}

}  // namespace
}  // namespace sluice
