// Specification of JsonReader: how one NDJSON line becomes one row of a Block — field matching,
// malformed lines (which leave the block untouched) and the per-column fast path. The conversions
// type by type are in json_reader_types_test.cc.
#include "formats/json_reader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "formats/json_reader_test_util.h"

namespace sluice {
namespace {

using ::testing::HasSubstr;

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

// Strings read in place: the empty string, a quote escaped as the last character, whitespace of
// every kind after the closing quote (inside objects and arrays), each into every type whose fast
// path reads raw string text.
TEST(JsonReaderFastPath, RawStringEdgesKeepExactlyTheText) {
  Rows r({{"s", "String"},
          {"n", "Nullable(String)"},
          {"a", "Array(String)"},
          {"e", "Enum8('' = 1, 'y' = 2)"},
          {"t", "DateTime"}});
  r.Ok(
      "{\"s\":\"\" \t\r\n,\"n\":\"q\\\"\"\n,\"a\":[\"\" , \"x\"\t],\"e\":\"\"  ,"
      "\"t\":\"2023-11-14 22:13:20\"\r}");
  r.Ok("{\"s\":\"\\\"\",\"n\":\"\",\"a\":[\"\\\"\"],\"e\":\"y\" ,\"t\":\"2023-11-14 22:13:20\" }");
  ASSERT_EQ(r.block().rows(), 2u);
  EXPECT_EQ(r.col(0).StringAt(0), "");
  EXPECT_EQ(r.col(0).StringAt(1), "\"");
  EXPECT_EQ(r.col(1).children[0].StringAt(0), "q\"");
  EXPECT_EQ(r.col(1).children[0].StringAt(1), "");
  EXPECT_EQ(r.col(2).children[0].StringAt(0), "");
  EXPECT_EQ(r.col(2).children[0].StringAt(1), "x");
  EXPECT_EQ(r.col(2).children[0].StringAt(2), "\"");
  EXPECT_EQ(r.col(2).offsets, (std::vector<uint64_t>{2, 3}));
  EXPECT_EQ(r.col(3).data, (std::vector<uint8_t>{1, 2}));
  EXPECT_EQ(r.col(4).FixedAt<uint32_t>(1), 1700000000u);
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
