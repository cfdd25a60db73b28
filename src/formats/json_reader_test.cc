// Specification of JsonReader: how one NDJSON line becomes one row of a Block — field matching,
// every conversion a ClickHouse user expects, and that a bad line leaves the block untouched.
#include "formats/json_reader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "formats/json_reader_test_util.h"

namespace sluice {
namespace {

using ::testing::HasSubstr;

// --- Helpers -------------------------------------------------------------------------------------

// Every buffer size of a column tree, so "unchanged" can be checked exactly.
std::string Shape(const Column& c) {
  std::string s = "(" + std::to_string(c.data.size()) + "," + std::to_string(c.offsets.size()) +
                  "," + std::to_string(c.nulls.size());
  for (const auto& child : c.children) s += Shape(child);
  return s + ")";
}

// A reader and a block over columns given as {name, type}.
class Rows {
 public:
  explicit Rows(Columns columns, JsonReaderOptions options = {})
      : schema_(MakeSchema(columns)), block_(schema_) {
    auto r = JsonReader::Create(schema_, std::move(options));
    EXPECT_TRUE(r.ok()) << r.status().message();
    if (r.ok()) reader_ = std::move(r).value();
  }

  // Appends `line` as a source would hand it: followed by a newline, the next line, and at least
  // JsonReader::kPadding readable bytes.
  // The buffer is kept alive with the block, as the runner does (rows' raw bytes point into it).
  Status Add(std::string_view line) {
    auto buf = std::make_shared<std::string>(line);
    *buf += "\n{\"next\": \"line\"}\n";
    buf->append(JsonReader::kPadding, ' ');
    block_.KeepAlive(buf);
    return reader_->AppendRow(std::string_view(buf->data(), line.size()), buf->size(),
                              RowOrigin{PartitionId{0}, ++line_, Offset{0}}, block_);
  }

  // Like Add, and the line must convert.
  void Ok(std::string_view line) {
    Status st = Add(line);
    EXPECT_TRUE(st.ok()) << line << ": " << st.message();
  }

  // Like Add, the line must fail and leave the block as it was; returns the message.
  std::string Fails(std::string_view line) {
    const std::string before = Snapshot();
    Status st = Add(line);
    EXPECT_FALSE(st.ok()) << line << " was accepted";
    EXPECT_EQ(st.code(), st.ok() ? Code::kOk : Code::kInvalidArgument);
    EXPECT_EQ(Snapshot(), before) << line << " changed the block";
    return st.message();
  }

  std::string Snapshot() const {
    std::string s = std::to_string(block_.rows()) + ":";
    for (const auto& c : block_.columns()) s += Shape(c);
    return s;
  }

  Block& block() { return block_; }
  Column& col(size_t i = 0) { return block_.column(i); }
  JsonReader& reader() { return *reader_; }

 private:
  SchemaPtr schema_;
  Block block_;
  std::unique_ptr<JsonReader> reader_;
  uint64_t line_ = 0;
};

// One column "v" of `type`.
Rows Single(const std::string& type) {
  return Rows({{"v", type}});
}

// The value of "v" after converting {"v": <json>} into `type`, as T.
template <typename T>
T ValueOf(const std::string& type, const std::string& json) {
  Rows r = Single(type);
  r.Ok("{\"v\":" + json + "}");
  EXPECT_EQ(r.col().rows(), 1u);
  if (r.col().rows() != 1) return T{};
  return r.col().FixedAt<T>(0);
}

std::string StringOf(const std::string& type, const std::string& json) {
  Rows r = Single(type);
  r.Ok("{\"v\":" + json + "}");
  EXPECT_EQ(r.col().rows(), 1u);
  if (r.col().rows() != 1) return "";
  return std::string(r.col().StringAt(0));
}

// The error converting {"v": <json>} into `type` (which must fail).
std::string ErrorOf(const std::string& type, const std::string& json) {
  Rows r = Single(type);
  return r.Fails("{\"v\":" + json + "}");
}

// --- Matching fields to columns ------------------------------------------------------------------

TEST(JsonReader, FieldsMatchedByNameInAnyOrder) {
  Rows r({{"a", "UInt8"}, {"b", "String"}});
  r.Ok(R"({"b":"x","a":5,"ignored":[1,{"z":2}]})");
  EXPECT_EQ(r.block().rows(), 1u);
  EXPECT_EQ(r.col(0).FixedAt<uint8_t>(0), 5);
  EXPECT_EQ(r.col(1).StringAt(0), "x");
}

TEST(JsonReader, RowKeepsItsRawLineAndOrigin) {
  Rows r({{"a", "UInt8"}});
  r.Ok(R"({"a":1})");
  EXPECT_EQ(r.block().raw(0), R"({"a":1})");
  EXPECT_EQ(r.block().origin(0).line, 1u);
}

TEST(JsonReader, MissingFieldTakesTheDefault) {
  Rows r({{"a", "UInt8"}, {"b", "String"}});
  r.Ok(R"({"a":1})");
  EXPECT_EQ(r.col(1).rows(), 1u);
  EXPECT_EQ(r.col(1).StringAt(0), "");
}

TEST(JsonReader, PresentCountsRowsThatSetEachColumn) {
  Rows r({{"a", "UInt8"}, {"b", "String"}, {"c", "UInt8"}});
  r.Ok(R"({"a":1})");
  r.Ok(R"({"a":2,"b":"x"})");
  EXPECT_EQ(r.block().present(), (std::vector<uint32_t>{2, 1, 0}));
}

TEST(JsonReader, FailedRowDoesNotCountAsPresent) {
  Rows r({{"a", "UInt8"}, {"b", "UInt8"}});
  r.Fails(R"({"a":1,"b":300})");
  EXPECT_EQ(r.block().present(), (std::vector<uint32_t>{0, 0}));
}

TEST(JsonReader, NestedObjectFillsDottedColumn) {
  Rows r({{"a.b", "UInt32"}, {"a.c.d", "String"}});
  r.Ok(R"({"a":{"b":7,"c":{"d":"deep"},"x":1}})");
  EXPECT_EQ(r.col(0).FixedAt<uint32_t>(0), 7u);
  EXPECT_EQ(r.col(1).StringAt(0), "deep");
}

TEST(JsonReader, LiteralDottedKeyFillsDottedColumn) {
  Rows r({{"a.b", "UInt32"}});
  r.Ok(R"({"a.b":9})");
  EXPECT_EQ(r.col(0).FixedAt<uint32_t>(0), 9u);
}

TEST(JsonReader, RenameMapsAFieldPathToAColumn) {
  JsonReaderOptions o;
  o.rename["user.id"] = "uid";
  Rows r({{"uid", "UInt64"}, {"name", "String"}}, o);
  r.Ok(R"({"user":{"id":42},"name":"n","uid":1})");
  EXPECT_EQ(r.col(0).FixedAt<uint64_t>(0), 42u);  // the renamed field, not the column's own name
  EXPECT_EQ(r.reader().FieldFor(0), "user.id");
  EXPECT_EQ(r.reader().FieldFor(1), "name");
  EXPECT_TRUE(r.reader().IsMapped("user.id"));
  EXPECT_FALSE(r.reader().IsMapped("uid"));
  EXPECT_FALSE(r.reader().IsMapped("user"));
}

TEST(JsonReader, FieldUnderAStringColumnIsMapped) {
  Rows r({{"payload", "String"}});
  EXPECT_TRUE(r.reader().IsMapped("payload.x.y"));
  EXPECT_FALSE(r.reader().IsMapped("payloadx"));
}

TEST(JsonReader, RenameToAMissingColumnFailsNamingIt) {
  JsonReaderOptions o;
  o.rename["x"] = "nope";
  auto r = JsonReader::Create(MakeSchema({{"a", "UInt8"}}), o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("no column 'nope'"));
}

TEST(JsonReader, UnknownTimeZoneFailsCreate) {
  auto r = JsonReader::Create(MakeSchema({{"t", "DateTime('Mars/Olympus')"}}), {});
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("Mars/Olympus"));
  EXPECT_THAT(r.status().message(), HasSubstr("column 't'"));
}

TEST(JsonReader, DuplicateKeyFails) {
  Rows r({{"a", "UInt8"}});
  EXPECT_THAT(r.Fails(R"({"a":1,"a":2})"), HasSubstr("given twice"));
}

TEST(JsonReader, DuplicateNestedPathFails) {
  Rows r({{"a.b", "UInt8"}});
  EXPECT_THAT(r.Fails(R"({"a":{"b":1},"a.b":2})"), HasSubstr("given twice"));
}

// --- Integers ------------------------------------------------------------------------------------

TEST(JsonReader, NumberIntoUInt8) {
  EXPECT_EQ(ValueOf<uint8_t>("UInt8", "255"), 255);
}

TEST(JsonReader, NumericStringIntoUInt32) {
  EXPECT_EQ(ValueOf<uint32_t>("UInt32", "\"4000000000\""), 4000000000u);
}

TEST(JsonReader, UInt8OutOfRangeFails) {
  EXPECT_THAT(ErrorOf("UInt8", "300"), HasSubstr("out of range"));
  EXPECT_THAT(ErrorOf("UInt8", "\"300\""), HasSubstr("out of range"));
}

TEST(JsonReader, ErrorNamesTheColumn) {
  EXPECT_THAT(ErrorOf("UInt8", "300"), HasSubstr("column 'v'"));
}

TEST(JsonReader, NegativeIntoUnsignedFails) {
  EXPECT_THAT(ErrorOf("UInt32", "-1"), HasSubstr("out of range"));
  EXPECT_THAT(ErrorOf("UInt64", "\"-1\""), HasSubstr("out of range"));
}

TEST(JsonReader, Int64Extremes) {
  EXPECT_EQ(ValueOf<int64_t>("Int64", "-9223372036854775808"), INT64_MIN);
  EXPECT_EQ(ValueOf<int64_t>("Int64", "9223372036854775807"), INT64_MAX);
  EXPECT_EQ(ValueOf<int64_t>("Int64", "\"-9223372036854775808\""), INT64_MIN);
}

TEST(JsonReader, Int64JustOutOfRangeFails) {
  EXPECT_THAT(ErrorOf("Int64", "9223372036854775808"), HasSubstr("out of range"));
}

TEST(JsonReader, UInt64MaxIsExact) {
  EXPECT_EQ(ValueOf<uint64_t>("UInt64", "18446744073709551615"), UINT64_MAX);
  EXPECT_EQ(ValueOf<uint64_t>("UInt64", "\"18446744073709551615\""), UINT64_MAX);
}

TEST(JsonReader, UInt64AboveMaxFails) {
  ErrorOf("UInt64", "18446744073709551616");
  EXPECT_THAT(ErrorOf("UInt64", "\"18446744073709551616\""), HasSubstr("out of range"));
}

TEST(JsonReader, WholeFloatIntoInt32) {
  EXPECT_EQ(ValueOf<int32_t>("Int32", "1.0"), 1);
  EXPECT_EQ(ValueOf<int32_t>("Int32", "-2e3"), -2000);
  EXPECT_EQ(ValueOf<int32_t>("Int32", "\"1.0\""), 1);
}

TEST(JsonReader, FractionIntoInt32Fails) {
  EXPECT_THAT(ErrorOf("Int32", "1.5"), HasSubstr("not an integer"));
  ErrorOf("Int32", "\"1.5\"");
}

TEST(JsonReader, NonNumericStringIntoIntFails) {
  EXPECT_THAT(ErrorOf("Int32", "\"12abc\""), HasSubstr("cannot parse"));
  ErrorOf("Int32", "\"\"");
  ErrorOf("Int32", "\"nan\"");
}

TEST(JsonReader, Int8NegativeBound) {
  EXPECT_EQ(ValueOf<int8_t>("Int8", "-128"), -128);
  EXPECT_THAT(ErrorOf("Int8", "-129"), HasSubstr("out of range"));
}

TEST(JsonReader, BooleanIntoInt) {
  EXPECT_EQ(ValueOf<uint8_t>("UInt8", "true"), 1);
}

// --- Floats --------------------------------------------------------------------------------------

TEST(JsonReader, NumberIntoFloat64) {
  EXPECT_EQ(ValueOf<double>("Float64", "-2.5e-3"), -2.5e-3);
}

TEST(JsonReader, IntegerIntoFloat64) {
  EXPECT_EQ(ValueOf<double>("Float64", "9007199254740993"), 9007199254740992.0);
}

TEST(JsonReader, NumericStringIntoFloat32) {
  EXPECT_EQ(ValueOf<float>("Float32", "\"1.5\""), 1.5f);
}

TEST(JsonReader, HugeNumberIntoFloat32Fails) {
  EXPECT_THAT(ErrorOf("Float32", "1e300"), HasSubstr("out of range"));
}

TEST(JsonReader, GarbageStringIntoFloatFails) {
  ErrorOf("Float64", "\"1.5x\"");
}

// --- Strings -------------------------------------------------------------------------------------

TEST(JsonReader, EscapesAreDecoded) {
  EXPECT_EQ(StringOf("String", R"("a\"b\\c\nd\t")"), "a\"b\\c\nd\t");
}

TEST(JsonReader, UnicodeEscapeBecomesUtf8) {
  EXPECT_EQ(StringOf("String", R"("caf\u00e9")"), "caf\xc3\xa9");
}

TEST(JsonReader, SurrogatePairBecomesFourUtf8Bytes) {
  EXPECT_EQ(StringOf("String", R"("\ud83d\ude00")"), "\xf0\x9f\x98\x80");
}

TEST(JsonReader, LoneSurrogateFails) {
  ErrorOf("String", R"("\ud83d")");
}

TEST(JsonReader, NumberIntoStringKeepsItsText) {
  EXPECT_EQ(StringOf("String", "1.50"), "1.50");
  EXPECT_EQ(StringOf("String", "1e3"), "1e3");
  EXPECT_EQ(StringOf("String", "-0"), "-0");
  EXPECT_EQ(StringOf("String", "18446744073709551616"), "18446744073709551616");
}

TEST(JsonReader, ObjectIntoStringIsRawJson) {
  EXPECT_EQ(StringOf("String", R"({"x": [1, 2], "y": "\u00e9"} )"),
            R"({"x": [1, 2], "y": "\u00e9"})");
}

TEST(JsonReader, ArrayIntoStringIsRawJson) {
  EXPECT_EQ(StringOf("String", R"([1, "a", null])"), R"([1, "a", null])");
}

TEST(JsonReader, BooleanIntoString) {
  EXPECT_EQ(StringOf("String", "false"), "false");
}

TEST(JsonReader, ObjectIntoStringColumnIsNotDescended) {
  Rows r({{"a", "String"}, {"a.b", "UInt8"}});
  r.Ok(R"({"a":{"b":1}})");
  EXPECT_EQ(r.col(0).StringAt(0), R"({"b":1})");
}

TEST(JsonReader, FixedStringIsZeroPadded) {
  Rows r = Single("FixedString(4)");
  r.Ok(R"({"v":"ab"})");
  EXPECT_EQ(r.col().data, (std::vector<uint8_t>{'a', 'b', 0, 0}));
}

TEST(JsonReader, FixedStringTooLongFails) {
  EXPECT_THAT(ErrorOf("FixedString(2)", R"("abc")"), HasSubstr("do not fit"));
}

TEST(JsonReader, LowCardinalityString) {
  Rows r = Single("LowCardinality(String)");
  r.Ok(R"({"v":"x"})");
  r.Ok(R"({})");
  EXPECT_EQ(r.col().rows(), 2u);
  EXPECT_EQ(r.col().StringAt(0), "x");
  EXPECT_EQ(r.col().StringAt(1), "");
}

TEST(JsonReader, LowCardinalityNullableString) {
  Rows r = Single("LowCardinality(Nullable(String))");
  r.Ok(R"({"v":null})");
  r.Ok(R"({"v":"y"})");
  EXPECT_EQ(r.col().nulls, (std::vector<uint8_t>{1, 0}));
  EXPECT_EQ(r.col().children[0].StringAt(1), "y");
}

// --- Bool ----------------------------------------------------------------------------------------

TEST(JsonReader, BoolFromJsonBooleans) {
  EXPECT_EQ(ValueOf<uint8_t>("Bool", "true"), 1);
  EXPECT_EQ(ValueOf<uint8_t>("Bool", "false"), 0);
}

TEST(JsonReader, BoolFromTextAndNumbers) {
  EXPECT_EQ(ValueOf<uint8_t>("Bool", "\"true\""), 1);
  EXPECT_EQ(ValueOf<uint8_t>("Bool", "1"), 1);
  EXPECT_EQ(ValueOf<uint8_t>("Bool", "\"0\""), 0);
}

TEST(JsonReader, BoolFromTwoFails) {
  EXPECT_THAT(ErrorOf("Bool", "2"), HasSubstr("out of range"));
}

TEST(JsonReader, BooleanIntoFloatFails) {
  ErrorOf("Float64", "true");
}

// --- Date and time -------------------------------------------------------------------------------
// 1700000000 = 2023-11-14 22:13:20 UTC.

TEST(JsonReader, DateTimeFromEpochSeconds) {
  EXPECT_EQ(ValueOf<uint32_t>("DateTime", "1700000000"), 1700000000u);
  EXPECT_EQ(ValueOf<uint32_t>("DateTime", "\"1700000000\""), 1700000000u);
}

TEST(JsonReader, DateTimeFromText) {
  EXPECT_EQ(ValueOf<uint32_t>("DateTime", "\"2023-11-14 22:13:20\""), 1700000000u);
}

TEST(JsonReader, DateTimeFromIso8601WithOffset) {
  EXPECT_EQ(ValueOf<uint32_t>("DateTime", "\"2023-11-15T00:13:20.978+02:00\""), 1700000000u);
}

TEST(JsonReader, DateTimeFromIso8601Zulu) {
  EXPECT_EQ(ValueOf<uint32_t>("DateTime", "\"2023-11-14T22:13:20Z\""), 1700000000u);
}

TEST(JsonReader, DateTimeWithZoneReadsNaiveTextAsLocal) {
  // Asia/Tokyo is UTC+9 all year.
  EXPECT_EQ(ValueOf<uint32_t>("DateTime('Asia/Tokyo')", "\"2023-11-15 07:13:20\""), 1700000000u);
}

TEST(JsonReader, DateTimeWithZoneKeepsAnExplicitOffset) {
  EXPECT_EQ(ValueOf<uint32_t>("DateTime('Asia/Tokyo')", "\"2023-11-14T22:13:20Z\""), 1700000000u);
}

TEST(JsonReader, ServerTimeZoneAppliesToDateTimeWithoutZone) {
  JsonReaderOptions o;
  o.server_timezone = "Asia/Tokyo";
  Rows r({{"t", "DateTime"}, {"u", "DateTime('UTC')"}}, o);
  r.Ok(R"({"t":"2023-11-15 07:13:20","u":"2023-11-14 22:13:20"})");
  EXPECT_EQ(r.col(0).FixedAt<uint32_t>(0), 1700000000u);
  EXPECT_EQ(r.col(1).FixedAt<uint32_t>(0), 1700000000u);
}

TEST(JsonReader, DateTimeNegativeFails) {
  ErrorOf("DateTime", "-1");
}

TEST(JsonReader, DateTimeInvalidDateFails) {
  EXPECT_THAT(ErrorOf("DateTime", "\"2023-02-30 00:00:00\""), HasSubstr("cannot parse"));
}

TEST(JsonReader, DateTime64KeepsMilliseconds) {
  EXPECT_EQ(ValueOf<int64_t>("DateTime64(3)", "\"2023-11-14 22:13:20.978\""), 1700000000978);
  EXPECT_EQ(ValueOf<int64_t>("DateTime64(3)", "\"2023-11-15T00:13:20.978+02:00\""), 1700000000978);
}

TEST(JsonReader, DateTime64FromFractionalEpochNumber) {
  EXPECT_EQ(ValueOf<int64_t>("DateTime64(3)", "1700000000.5"), 1700000000500);
}

TEST(JsonReader, DateTime64TruncatesExtraDigits) {
  EXPECT_EQ(ValueOf<int64_t>("DateTime64(3)", "\"2023-11-14 22:13:20.9789\""), 1700000000978);
}

TEST(JsonReader, DateTime64Microseconds) {
  EXPECT_EQ(ValueOf<int64_t>("DateTime64(6, 'UTC')", "\"2023-11-14T22:13:20.000001Z\""),
            1700000000000001);
}

TEST(JsonReader, DateTime64BeforeTheEpoch) {
  EXPECT_EQ(ValueOf<int64_t>("DateTime64(3)", "\"1969-12-31 23:59:59.5\""), -500);
}

TEST(JsonReader, DateTime64OutOfRangeFails) {
  // 10^13 s is 10^22 ns: more than an Int64 holds.
  EXPECT_THAT(ErrorOf("DateTime64(9)", "10000000000000"), HasSubstr("out of range"));
}

TEST(JsonReader, DateFromText) {
  // 19675 days = 2023-11-14.
  EXPECT_EQ(ValueOf<uint16_t>("Date", "\"2023-11-14\""), 19675);
}

TEST(JsonReader, DateFromDayNumberAndEpochSeconds) {
  EXPECT_EQ(ValueOf<uint16_t>("Date", "19675"), 19675);
  EXPECT_EQ(ValueOf<uint16_t>("Date", "1700000000"), 19675);
}

TEST(JsonReader, DateLeapDay) {
  EXPECT_EQ(ValueOf<uint16_t>("Date", "\"2024-02-29\""), 19782);
  ErrorOf("Date", "\"2023-02-29\"");
}

// --- UUID, IP ------------------------------------------------------------------------------------

TEST(JsonReader, UuidBytesAreTwoLittleEndianHalves) {
  Rows r = Single("UUID");
  r.Ok(R"({"v":"61f0c404-5cb3-11e7-907b-a6006ad3dba0"})");
  EXPECT_EQ(r.col().data, (std::vector<uint8_t>{0xe7, 0x11, 0xb3, 0x5c, 0x04, 0xc4, 0xf0, 0x61,  //
                                                0xa0, 0xdb, 0xd3, 0x6a, 0x00, 0xa6, 0x7b, 0x90}));
}

TEST(JsonReader, MalformedUuidFails) {
  ErrorOf("UUID", R"("61f0c404-5cb3-11e7-907b")");
}

TEST(JsonReader, IPv4FromDottedText) {
  EXPECT_EQ(ValueOf<uint32_t>("IPv4", R"("1.2.3.4")"), 0x01020304u);
}

TEST(JsonReader, IPv6FromText) {
  Rows r = Single("IPv6");
  r.Ok(R"({"v":"::1"})");
  std::vector<uint8_t> want(16, 0);
  want[15] = 1;
  EXPECT_EQ(r.col().data, want);
}

// --- Enum ----------------------------------------------------------------------------------------

constexpr char kEnum[] = "Enum8('a' = 1, 'b' = -2)";

TEST(JsonReader, EnumByName) {
  EXPECT_EQ(ValueOf<int8_t>(kEnum, R"("b")"), -2);
}

TEST(JsonReader, EnumByNumber) {
  EXPECT_EQ(ValueOf<int8_t>(kEnum, "1"), 1);
  EXPECT_EQ(ValueOf<int8_t>(kEnum, "\"-2\""), -2);
}

TEST(JsonReader, EnumUnknownLabelFails) {
  EXPECT_THAT(ErrorOf(kEnum, R"("c")"), HasSubstr("not a value of"));
}

TEST(JsonReader, EnumUnknownNumberFails) {
  EXPECT_THAT(ErrorOf(kEnum, "3"), HasSubstr("not a value of"));
}

TEST(JsonReader, Enum16ByName) {
  EXPECT_EQ(ValueOf<int16_t>("Enum16('x' = 1000, 'y' = -1000)", R"("y")"), -1000);
}

// --- Decimal -------------------------------------------------------------------------------------

TEST(JsonReader, DecimalFromNumberIsExact) {
  EXPECT_EQ(ValueOf<int64_t>("Decimal(18, 4)", "0.1"), 1000);
  EXPECT_EQ(ValueOf<int64_t>("Decimal(18, 4)", "12345678901234.5678"), 123456789012345678);
}

TEST(JsonReader, DecimalFromStringIsExact) {
  EXPECT_EQ(ValueOf<int64_t>("Decimal(18, 4)", R"("99999999999999.9999")"), 999999999999999999);
  EXPECT_EQ(ValueOf<int64_t>("Decimal(18, 4)", R"("-0.0001")"), -1);
}

TEST(JsonReader, DecimalTruncatesExtraFractionDigits) {
  EXPECT_EQ(ValueOf<int64_t>("Decimal(18, 4)", "1.23456"), 12345);
}

TEST(JsonReader, DecimalFromExponent) {
  EXPECT_EQ(ValueOf<int64_t>("Decimal(18, 4)", "1.5e3"), 15000000);
}

TEST(JsonReader, DecimalFromIntegerNumber) {
  EXPECT_EQ(ValueOf<int32_t>("Decimal(9, 2)", "-42"), -4200);
}

TEST(JsonReader, DecimalOverflowFails) {
  EXPECT_THAT(ErrorOf("Decimal(18, 4)", "100000000000000"), HasSubstr("does not fit"));
  ErrorOf("Decimal(18, 4)", R"("100000000000000.0")");
}

TEST(JsonReader, Decimal128Wide) {
  Rows r = Single("Decimal(38, 2)");
  r.Ok(R"({"v":"123456789012345678901234567890.12"})");
  // 12345678901234567890123456789012 = 12345678901234567890 * 10^12 + 123456789012
  const __int128 want =
      static_cast<__int128>(12345678901234567890ULL) * 1000000000000ULL + 123456789012ULL;
  EXPECT_TRUE(r.col().FixedAt<__int128>(0) == want);
}

TEST(JsonReader, DecimalGarbageFails) {
  ErrorOf("Decimal(9, 2)", R"("1.2.3")");
}

// --- Nullable and null ---------------------------------------------------------------------------

TEST(JsonReader, NullIntoNullableIsNull) {
  Rows r = Single("Nullable(UInt32)");
  r.Ok(R"({"v":null})");
  r.Ok(R"({"v":5})");
  EXPECT_EQ(r.col().nulls, (std::vector<uint8_t>{1, 0}));
  EXPECT_EQ(r.col().children[0].FixedAt<uint32_t>(0), 0u);
  EXPECT_EQ(r.col().children[0].FixedAt<uint32_t>(1), 5u);
}

TEST(JsonReader, MissingNullableIsNull) {
  Rows r({{"a", "UInt8"}, {"n", "Nullable(String)"}});
  r.Ok(R"({"a":1})");
  EXPECT_EQ(r.col(1).nulls, (std::vector<uint8_t>{1}));
}

TEST(JsonReader, NullIntoNonNullableIsTheDefault) {
  EXPECT_EQ(ValueOf<uint32_t>("UInt32", "null"), 0u);
  EXPECT_EQ(StringOf("String", "null"), "");
}

// --- Arrays, tuples, maps ------------------------------------------------------------------------

TEST(JsonReader, ArrayOfUInt32) {
  Rows r = Single("Array(UInt32)");
  r.Ok(R"({"v":[1,2,3]})");
  r.Ok(R"({"v":[]})");
  r.Ok(R"({"v":["4"]})");
  EXPECT_EQ(r.col().offsets, (std::vector<uint64_t>{3, 3, 4}));
  EXPECT_EQ(r.col().children[0].FixedAt<uint32_t>(3), 4u);
}

TEST(JsonReader, ArrayOfNullableString) {
  Rows r = Single("Array(Nullable(String))");
  r.Ok(R"({"v":["a",null,"c"]})");
  const Column& el = r.col().children[0];
  EXPECT_EQ(el.nulls, (std::vector<uint8_t>{0, 1, 0}));
  EXPECT_EQ(el.children[0].StringAt(2), "c");
}

TEST(JsonReader, ArrayOfArray) {
  Rows r = Single("Array(Array(UInt8))");
  r.Ok(R"({"v":[[1],[],[2,3]]})");
  r.Ok(R"({"v":[[4]]})");
  EXPECT_EQ(r.col().offsets, (std::vector<uint64_t>{3, 4}));
  EXPECT_EQ(r.col().children[0].offsets, (std::vector<uint64_t>{1, 1, 3, 4}));
  EXPECT_EQ(r.col().children[0].children[0].data, (std::vector<uint8_t>{1, 2, 3, 4}));
}

TEST(JsonReader, ScalarIntoArrayFails) {
  ErrorOf("Array(UInt8)", "1");
}

TEST(JsonReader, ArrayIntoScalarFails) {
  EXPECT_THAT(ErrorOf("UInt8", "[1]"), HasSubstr("cannot put an array"));
}

TEST(JsonReader, TupleFromArray) {
  Rows r = Single("Tuple(UInt8, String)");
  r.Ok(R"({"v":[7,"x"]})");
  EXPECT_EQ(r.col().rows(), 1u);
  EXPECT_EQ(r.col().children[0].FixedAt<uint8_t>(0), 7);
  EXPECT_EQ(r.col().children[1].StringAt(0), "x");
}

TEST(JsonReader, TupleWithTooFewElementsFails) {
  EXPECT_THAT(ErrorOf("Tuple(UInt8, String)", "[7]"), HasSubstr("takes 2 elements"));
}

TEST(JsonReader, TupleWithTooManyElementsFails) {
  EXPECT_THAT(ErrorOf("Tuple(UInt8, String)", R"([7,"x",1])"), HasSubstr("takes 2 elements"));
}

TEST(JsonReader, NamedTupleFromObject) {
  Rows r = Single("Tuple(a UInt8, b String)");
  r.Ok(R"({"v":{"b":"x","a":3,"zz":1}})");
  r.Ok(R"({"v":{"b":"y"}})");
  EXPECT_EQ(r.col().rows(), 2u);
  EXPECT_EQ(r.col().children[0].FixedAt<uint8_t>(0), 3);
  EXPECT_EQ(r.col().children[0].FixedAt<uint8_t>(1), 0);  // missing element: default
  EXPECT_EQ(r.col().children[1].StringAt(1), "y");
}

TEST(JsonReader, MapFromObject) {
  Rows r = Single("Map(String, UInt64)");
  r.Ok(R"({"v":{"k":1,"j":"2"}})");
  r.Ok(R"({"v":{}})");
  EXPECT_EQ(r.col().offsets, (std::vector<uint64_t>{2, 2}));
  EXPECT_EQ(r.col().children[0].StringAt(1), "j");
  EXPECT_EQ(r.col().children[1].FixedAt<uint64_t>(1), 2u);
}

TEST(JsonReader, MapWithNumericKeys) {
  Rows r = Single("Map(UInt8, String)");
  r.Ok(R"({"v":{"5":"five"}})");
  EXPECT_EQ(r.col().children[0].FixedAt<uint8_t>(0), 5);
  EXPECT_THAT(r.Fails(R"({"v":{"x":"bad"}})"), HasSubstr("map key"));
}

TEST(JsonReader, MapWithLowCardinalityKeys) {
  Rows r = Single("Map(LowCardinality(String), UInt64)");
  r.Ok(R"({"v":{"k":1}})");
  EXPECT_EQ(r.col().children[0].StringAt(0), "k");
  EXPECT_EQ(r.col().children[1].FixedAt<uint64_t>(0), 1u);
}

TEST(JsonReader, ArrayOfLowCardinality) {
  Rows r = Single("Array(LowCardinality(String))");
  r.Ok(R"({"v":["a","b"]})");
  EXPECT_EQ(r.col().children[0].StringAt(1), "b");
}

TEST(JsonReader, ObjectIntoScalarFails) {
  EXPECT_THAT(ErrorOf("UInt8", R"({"a":1})"), HasSubstr("cannot put an object"));
}

// --- Malformed lines -----------------------------------------------------------------------------

TEST(JsonReader, TruncatedLineFails) {
  Rows r({{"a", "UInt8"}});
  EXPECT_THAT(r.Fails(R"({"a":1)"), HasSubstr("malformed JSON"));
  r.Fails(R"({"a":)");
  r.Fails(R"({"a)");
  r.Fails(R"({)");
}

TEST(JsonReader, TrailingGarbageFails) {
  Rows r({{"a", "UInt8"}});
  EXPECT_THAT(r.Fails(R"({"a":1} x)"), HasSubstr("malformed JSON"));
}

TEST(JsonReader, SecondObjectOnTheLineFails) {
  Rows r({{"a", "UInt8"}});
  r.Fails(R"({"a":1} {"a":2})");
  r.Fails(R"({"a":1}})");
}

TEST(JsonReader, TrailingWhitespaceAndCarriageReturnAreFine) {
  Rows r({{"a", "UInt8"}});
  r.Ok("{\"a\":1}  \r");
  EXPECT_EQ(r.block().rows(), 1u);
}

TEST(JsonReader, NotAnObjectFails) {
  Rows r({{"a", "UInt8"}});
  EXPECT_THAT(r.Fails(R"([1])"), HasSubstr("expected a JSON object"));
  EXPECT_THAT(r.Fails(R"("str")"), HasSubstr("expected a JSON object"));
  r.Fails("42");
  r.Fails("null");
}

TEST(JsonReader, EmptyLineFails) {
  Rows r({{"a", "UInt8"}});
  r.Fails("");
}

TEST(JsonReader, MalformedUnmappedValueFails) {
  Rows r({{"a", "UInt8"}});
  r.Fails(R"({"a":1,"zz":[1,2})");
  r.Fails(R"({"a":1,"zz":{"x":1})");
  r.Fails(R"({"a":1,})");
  r.Fails(R"({"a":1,"zz"})");
}

TEST(JsonReader, FailingLaterColumnRollsBackEarlierOnes) {
  Rows r({{"a", "UInt8"}, {"b", "UInt8"}, {"s", "String"}});
  r.Ok(R"({"a":1,"b":2,"s":"ok"})");
  r.Fails(R"({"a":1,"s":"appended","b":300})");
  r.Fails(R"({"a":1,"b":"x"})");
  EXPECT_EQ(r.block().rows(), 1u);
  for (const auto& c : r.block().columns()) EXPECT_EQ(c.rows(), 1u);
  r.Ok(R"({"a":3,"b":4})");  // the block is still usable
  EXPECT_EQ(r.col(0).FixedAt<uint8_t>(1), 3);
  EXPECT_EQ(r.col(2).StringAt(1), "");
  r.block().CheckInvariant();
}

TEST(JsonReader, FailingArrayElementRollsBackTheElementsBefore) {
  Rows r({{"arr", "Array(Array(Nullable(UInt8)))"}, {"m", "Map(String, UInt8)"}});
  r.Ok(R"({"arr":[[1,null]],"m":{"k":1}})");
  r.Fails(R"({"arr":[[1],[2,null,300]]})");
  r.Fails(R"({"m":{"k":1,"j":300}})");
  r.Fails(R"({"arr":[[1]],"m":{"k":1},"x":[}")");
}

TEST(JsonReader, FailingNullableValueRollsBackItsNullFlag) {
  Rows r({{"n", "Nullable(UInt8)"}, {"t", "Tuple(UInt8, Nullable(UInt8))"}});
  r.Fails(R"({"n":300})");
  r.Fails(R"({"t":[1,2,3]})");
  r.Fails(R"({"n":1,"t":[1,300]})");
  r.Fails(R"({"n":1,"t":[1,{}]})");
}

TEST(JsonReader, MalformedAfterConvertedColumnsRollsBack) {
  Rows r({{"a", "UInt8"}, {"b", "String"}});
  r.Fails(R"({"a":1,"b":"x")");
  r.Fails(R"({"a":1,"b":"x"}])");
}

// --- FieldPaths ----------------------------------------------------------------------------------

TEST(JsonReader, FieldPathsOfNestedObject) {
  auto paths = JsonReader::FieldPaths(R"({"a":{"b":1,"c":{"d":2}},"e":[1,{"f":2}],"g":null})");
  ASSERT_TRUE(paths.ok()) << paths.status().message();
  EXPECT_EQ(*paths, (std::set<std::string>{"a.b", "a.c.d", "e", "g"}));
}

TEST(JsonReader, FieldPathsOfMalformedLineFails) {
  EXPECT_FALSE(JsonReader::FieldPaths(R"({"a":)").ok());
  EXPECT_THAT(JsonReader::FieldPaths("[1]").status().message(),
              HasSubstr("expected a JSON object"));
}

// --- The per-column fast path agrees with the general one ----------------------------------------
// Common shapes are read in place (strings without escapes, keys compared against the predicted
// one); everything else falls back. These pin the edges of that split.

TEST(JsonReaderFastPath, EscapedStringsAreDecodedInEveryStringColumnKind) {
  Rows r({{"s", "String"}, {"n", "Nullable(String)"}, {"a", "Array(String)"}});
  r.Ok(R"({"s":"a\"b\\c","n":"x\ny","a":["p\tq","plain","\u00e9"]})");
  EXPECT_EQ(r.col(0).StringAt(0), "a\"b\\c");
  EXPECT_EQ(r.col(1).children[0].StringAt(0), "x\ny");
  EXPECT_EQ(r.col(2).children[0].StringAt(0), "p\tq");
  EXPECT_EQ(r.col(2).children[0].StringAt(1), "plain");
  EXPECT_EQ(r.col(2).children[0].StringAt(2), "\xc3\xa9");
  EXPECT_EQ(r.col(2).offsets, (std::vector<uint64_t>{3}));
}

TEST(JsonReaderFastPath, WhitespaceAroundValuesIsNotPartOfThem) {
  Rows r({{"s", "String"}, {"d", "Decimal(18, 4)"}, {"e", "Enum8('x' = 1, 'y' = 2)"}});
  r.Ok("{ \"s\" : \"v\" \t, \"d\" : 1.5 , \"e\" :\"y\"\r\n}");
  EXPECT_EQ(r.col(0).StringAt(0), "v");
  EXPECT_EQ(r.col(1).FixedAt<int64_t>(0), 15000);
  EXPECT_EQ(r.col(2).FixedAt<int8_t>(0), 2);
}

TEST(JsonReaderFastPath, EnumLabelIsMatchedUnescaped) {
  // The raw text `a\nb` is not the label `a\nb` (backslash, n): JSON decodes it to a newline.
  Rows r({{"e", "Enum8('a\\\\nb' = 1, 'c' = 2)"}});
  EXPECT_THAT(r.Fails(R"({"e":"a\nb"})"), HasSubstr("Enum8"));
  r.Ok(R"({"e":"a\\nb"})");
  EXPECT_EQ(r.col(0).FixedAt<int8_t>(0), 1);
}

TEST(JsonReaderFastPath, EscapedUuidAndDateTimeTextFallBackAndConvert) {
  Rows r({{"u", "UUID"}, {"t", "DateTime"}});
  r.Ok(R"({"u":"\u0030cbb0f2e-6dc4-4d12-a8b3-43d1e38a8f4a","t":"2023-11-14\u002022:13:20"})");
  EXPECT_EQ(r.col(1).FixedAt<uint32_t>(0), 1700000000u);
  Rows plain({{"u", "UUID"}});
  plain.Ok(R"({"u":"0cbb0f2e-6dc4-4d12-a8b3-43d1e38a8f4a"})");
  EXPECT_EQ(r.col(0).data, plain.col(0).data);
}

TEST(JsonReaderFastPath, OutOfRangeIntegersFailWithTheRange) {
  EXPECT_THAT(ErrorOf("UInt32", "4294967296"), HasSubstr("out of range for UInt32"));
  EXPECT_THAT(ErrorOf("Int16", "-32769"), HasSubstr("out of range for Int16"));
  EXPECT_EQ(ValueOf<int16_t>("Int16", "-32768"), -32768);
  EXPECT_EQ(ValueOf<uint8_t>("UInt8", "255"), 255);
}

TEST(JsonReaderFastPath, DecimalWidthsAndSigns) {
  EXPECT_EQ(ValueOf<int32_t>("Decimal(9, 2)", "-12.34"), -1234);
  EXPECT_EQ(ValueOf<int64_t>("Decimal(18, 4)", "-0.0001"), -1);
  EXPECT_THAT(ErrorOf("Decimal(9, 2)", "12345678.9"), HasSubstr("Decimal(9, 2)"));
}

TEST(JsonReaderFastPath, KeysAreComparedWholeAgainstThePrediction) {
  // "ad" is a prefix of "ad_id" and a key of 16+ characters is compared without the probe.
  Rows r({{"ad", "UInt8"}, {"ad_id", "UInt8"}, {"a_rather_long_key_name", "UInt8"}});
  r.Ok(R"({"ad":1,"ad_id":2,"a_rather_long_key_name":3})");
  r.Ok(R"({"ad_id":4,"ad":5,"a_rather_long_key_name_x":9,"a_rather_long_key_name":6})");
  r.Ok(R"({"ad\u005fid":7,"a\u0064":8})");  // escaped keys match by their decoded text
  EXPECT_EQ(r.col(0).data, (std::vector<uint8_t>{1, 5, 8}));
  EXPECT_EQ(r.col(1).data, (std::vector<uint8_t>{2, 4, 7}));
  EXPECT_EQ(r.col(2).data, (std::vector<uint8_t>{3, 6, 0}));
}

TEST(JsonReaderFastPath, ArrayOfStringsIsRolledBackWithItsRow) {
  Rows r({{"a", "Array(String)"}, {"b", "UInt8"}});
  r.Ok(R"({"a":["x"],"b":1})");
  EXPECT_THAT(r.Fails(R"({"a":["y","z"],"b":300})"), HasSubstr("column 'b'"));
  r.Ok(R"({"a":["q", 5],"b":3})");  // a number becomes its text
  EXPECT_EQ(r.col(0).children[0].StringAt(1), "q");
  EXPECT_EQ(r.col(0).children[0].StringAt(2), "5");
  EXPECT_EQ(r.col(0).offsets, (std::vector<uint64_t>{1, 3}));
}

}  // namespace
}  // namespace sluice
