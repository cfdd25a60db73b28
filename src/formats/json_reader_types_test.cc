// Specification of JsonReader's conversions, type by type: which JSON values each ClickHouse
// type accepts, what they become, and that a value it refuses fails its row with the block
// left as it was. (Field matching and malformed lines: json_reader_test.cc.)
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "formats/json_reader.h"
#include "formats/json_reader_test_util.h"

namespace sluice {
namespace {

using ::testing::HasSubstr;

// --- Integers ------------------------------------------------------------------------------------

TEST(JsonReader, NumberIntoUInt8) {
  EXPECT_EQ(ValueOf<uint8_t>("UInt8", "255"), 255);
}

// Integers of every length from 1 to 21 digits, signed or not, with and without whitespace after
// them: a column of each integer type holds the value std::from_chars reads, or the row fails
// exactly when the value does not fit the type (or, into unsigned, is negative).
TEST(JsonReader, IntegersOfEveryLengthConvertExactly) {
  std::mt19937_64 rng(5);
  struct Target {
    const char* type;
    __int128 min, max;
  };
  const Target targets[] = {{"UInt8", 0, 255},
                            {"Int16", -32768, 32767},
                            {"UInt32", 0, 4294967295LL},
                            {"Int64", INT64_MIN, INT64_MAX},
                            {"UInt64", 0, static_cast<__int128>(UINT64_MAX)}};
  for (int digits = 1; digits <= 21; ++digits) {
    for (int k = 0; k < 12; ++k) {
      std::string t = k % 3 == 0 ? "-" : "";
      for (int d = 0; d < digits; ++d)
        t += static_cast<char>('0' + (d == 0 && digits > 1 ? 1 + rng() % 9 : rng() % 10));
      if (k == 1) t = std::string(static_cast<size_t>(digits), '9');  // the edges of each width
      __int128 value = 0;
      for (char c : t)
        if (c != '-' && value < (static_cast<__int128>(1) << 100)) value = value * 10 + (c - '0');
      if (t[0] == '-') value = -value;
      for (const auto& target : targets) {
        Rows r = Single(target.type);
        const std::string line = "{\"v\":" + t + (k % 2 == 0 ? " " : "") + "}";
        const bool fits = value >= target.min && value <= target.max;
        ASSERT_EQ(r.Add(line).ok(), fits) << target.type << " " << t;
        if (!fits) continue;
        __int128 got = 0;
        const auto& data = r.col().data;
        if (target.min < 0) {  // sign-extend the stored little-endian value
          int64_t x = 0;
          std::memcpy(&x, data.data(), data.size());
          x = data.size() == 8 ? x : (x << (64 - 8 * data.size())) >> (64 - 8 * data.size());
          got = x;
        } else {
          uint64_t x = 0;
          std::memcpy(&x, data.data(), data.size());
          got = x;
        }
        EXPECT_TRUE(got == value) << target.type << " " << t;
      }
    }
  }
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

// The reader remembers the last DateTime text it converted: repeats, texts that differ from it in
// one character (first, middle, last, past 16), in length or by an escape each convert as a
// fresh reader would, and an invalid or empty text after a valid one still fails.
TEST(JsonReader, DateTimeRepeatsAndNearMissesConvertLikeAFreshReader) {
  const std::vector<std::string> texts = {"\"2023-11-14 22:13:20\"",
                                          "\"2023-11-14 22:13:20\"",
                                          "\"2023-11-14 22:13:21\"",
                                          "\"2023-11-14 22:13:21\"",
                                          "\"2023-11-14 22:14:21\"",
                                          "\"2023-11-15 22:14:21\"",
                                          "\"2103-11-15 22:14:21\"",
                                          "\"2023-11-15\"",
                                          "\"2023-11-15 22:14:21Z\"",
                                          "\"2023-11-15T22:14:21Z\"",
                                          "\"2023-11-15 22:14:2\\u0031\"",
                                          "\"1700000000\"",
                                          "\"170000000\"",
                                          "\"2023-11-15 22:14:21\""};
  Rows r({{"t", "DateTime"}});
  for (const auto& t : texts) r.Ok("{\"t\":" + t + "}");
  ASSERT_EQ(r.col().rows(), texts.size());
  for (size_t i = 0; i < texts.size(); ++i)
    EXPECT_EQ(r.col().FixedAt<uint32_t>(i), ValueOf<uint32_t>("DateTime", texts[i])) << texts[i];
  EXPECT_EQ(r.col().FixedAt<uint32_t>(0), 1700000000u);
  EXPECT_EQ(r.col().FixedAt<uint32_t>(2), 1700000001u);
  r.Fails(R"({"t":"2023-11-15 22:14:61"})");
  r.Fails(R"({"t":""})");
  r.Ok(R"({"t":"2023-11-15 22:14:21"})");
  r.Fails(R"({"t":"2023-11-15 22:14:21x"})");
  EXPECT_EQ(r.col().rows(), texts.size() + 1);
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

// Labels that share prefixes, the empty label, a 16-byte one and (in a second type) a 17-byte one,
// which puts that type's labels on the string-compare path: every label reads as its own value,
// and a text that is a label's prefix or extension is not a label.
TEST(JsonReader, EnumLabelsOfEveryShapeMatchExactly) {
  for (const char* type : {"Enum8('' = 0, 'ab' = 1, 'abc' = 2, 'abd' = 3, '0123456789abcdef' = 4)",
                           "Enum16('' = 0, 'ab' = 1, 'abc' = 2, 'abd' = 3, '0123456789abcdef' = 4, "
                           "'0123456789abcdefg' = 300)"}) {
    const bool wide = std::string(type).find("Enum16") == 0;
    const std::vector<std::pair<std::string, int>> labels = {
        {"", 0}, {"ab", 1}, {"abc", 2}, {"abd", 3}, {"0123456789abcdef", 4}};
    for (const auto& [label, value] : labels) {
      Rows r = Single(type);
      r.Ok("{\"v\":\"" + label + "\"}");
      if (r.col().rows() != 1) continue;
      EXPECT_EQ(wide ? r.col().FixedAt<int16_t>(0) : r.col().FixedAt<int8_t>(0), value) << label;
    }
    for (const char* other : {"a", "abcd", "ABC", "0123456789abcde", "0123456789abcdeF"})
      EXPECT_THAT(ErrorOf(type, std::string("\"") + other + "\""), HasSubstr("not a value of"))
          << type << " " << other;
  }
  EXPECT_EQ(ValueOf<int16_t>("Enum16('0123456789abcdef' = 4, '0123456789abcdefg' = 300)",
                             R"("0123456789abcdefg")"),
            300);
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

// A JSON number goes through the fast path, the same text as a JSON string through ParseDecimal:
// both must give the same value, or both fail, on every shape around the 18-digit edge.
TEST(JsonReader, DecimalNumberAgreesWithTheSameTextAsAString) {
  std::mt19937 rng(11);
  std::vector<std::string> texts = {"0",
                                    "-0",
                                    "0.0",
                                    "1.",
                                    "-1.5",
                                    "1e2",
                                    "1.5E-1",
                                    "0.00001",
                                    "123456789012345678",
                                    "1234567890123456789",
                                    "99999.99999",
                                    "-99999.999",
                                    "12345678901234.5678"};
  for (int i = 0; i < 3000; ++i) {
    std::string t = rng() % 4 == 0 ? "-" : "";
    const int whole = 1 + static_cast<int>(rng() % 20);
    for (int d = 0; d < whole; ++d)
      t += static_cast<char>('0' + (d == 0 ? 1 + rng() % 9 : rng() % 10));
    if (rng() % 3 != 0) {
      t += '.';
      const int fraction = 1 + static_cast<int>(rng() % 8);
      for (int d = 0; d < fraction; ++d) t += static_cast<char>('0' + rng() % 10);
    }
    texts.push_back(t);
  }
  for (const char* type :
       {"Decimal(9, 2)", "Decimal(18, 4)", "Decimal(18, 0)", "Decimal(5, 3)", "Decimal(38, 6)"}) {
    for (const auto& t : texts) {
      Rows number = Single(type), text = Single(type);
      const bool number_ok = number.Add("{\"v\":" + t + "}").ok();
      const bool text_ok = text.Add("{\"v\":\"" + t + "\"}").ok();
      ASSERT_EQ(number_ok, text_ok) << type << " " << t;
      if (!number_ok) continue;
      ASSERT_EQ(number.col().data, text.col().data) << type << " " << t;
    }
  }
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

}  // namespace
}  // namespace sluice
