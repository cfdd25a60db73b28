// Specification of the type parser: every ClickHouse type sluice understands, its canonical name,
// its Native width, and the errors (with positions) for text that is not a type.
#include "core/types.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace sluice {
namespace {

using ::testing::HasSubstr;

// Parses `text`, failing the test (and returning a placeholder) if it is not a type.
DataTypePtr Parse(const std::string& text) {
  Result<DataTypePtr> r = ParseType(text);
  EXPECT_TRUE(r.ok()) << text << ": " << r.status().message();
  if (!r.ok()) return std::make_shared<DataType>();
  return r.value();
}

// The error message for text that must not parse.
std::string ErrorOf(const std::string& text) {
  Result<DataTypePtr> r = ParseType(text);
  EXPECT_FALSE(r.ok()) << text << " parsed as " << (r.ok() ? r.value()->name : "");
  if (r.ok()) return "";
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  return r.status().message();
}

// --- Scalars -------------------------------------------------------------------------------------

struct ScalarCase {
  const char* text;
  TypeId id;
  size_t width;
};

TEST(ParseType, FixedWidthScalars) {
  const ScalarCase cases[] = {
      {"UInt8", TypeId::kUInt8, 1},     {"UInt16", TypeId::kUInt16, 2},
      {"UInt32", TypeId::kUInt32, 4},   {"UInt64", TypeId::kUInt64, 8},
      {"Int8", TypeId::kInt8, 1},       {"Int16", TypeId::kInt16, 2},
      {"Int32", TypeId::kInt32, 4},     {"Int64", TypeId::kInt64, 8},
      {"Float32", TypeId::kFloat32, 4}, {"Float64", TypeId::kFloat64, 8},
      {"Date", TypeId::kDate, 2},       {"DateTime", TypeId::kDateTime, 4},
      {"UUID", TypeId::kUUID, 16},      {"IPv4", TypeId::kIPv4, 4},
      {"IPv6", TypeId::kIPv6, 16},      {"Bool", TypeId::kBool, 1},
  };
  for (const auto& c : cases) {
    DataTypePtr t = Parse(c.text);
    EXPECT_EQ(t->id, c.id) << c.text;
    EXPECT_EQ(t->name, c.text);
    EXPECT_EQ(t->value_width(), c.width) << c.text;
    EXPECT_TRUE(t->children.empty()) << c.text;
  }
}

TEST(ParseType, StringIsVariableWidth) {
  DataTypePtr t = Parse("String");
  EXPECT_EQ(t->id, TypeId::kString);
  EXPECT_EQ(t->name, "String");
  EXPECT_EQ(t->value_width(), 0u);
}

TEST(ParseType, IntegerClassification) {
  EXPECT_TRUE(Parse("UInt64")->is_numeric_int());
  EXPECT_FALSE(Parse("UInt64")->is_signed_int());
  EXPECT_TRUE(Parse("Int8")->is_numeric_int());
  EXPECT_TRUE(Parse("Int8")->is_signed_int());
  EXPECT_FALSE(Parse("Float64")->is_numeric_int());
  EXPECT_FALSE(Parse("Bool")->is_numeric_int());
  EXPECT_FALSE(Parse("Enum8('a' = 1)")->is_numeric_int());
}

TEST(ParseType, SqlAliasesAreCaseInsensitiveAndCanonicalised) {
  EXPECT_EQ(Parse("BOOLEAN")->name, "Bool");
  EXPECT_EQ(Parse("boolean")->id, TypeId::kBool);
  EXPECT_EQ(Parse("INT")->name, "Int32");
  EXPECT_EQ(Parse("bigint")->name, "Int64");
  EXPECT_EQ(Parse("DOUBLE")->name, "Float64");
  EXPECT_EQ(Parse("VARCHAR")->name, "String");
}

TEST(ParseType, FixedString) {
  DataTypePtr t = Parse("FixedString(16)");
  EXPECT_EQ(t->id, TypeId::kFixedString);
  EXPECT_EQ(t->fixed_size, 16u);
  EXPECT_EQ(t->value_width(), 16u);
  EXPECT_EQ(t->name, "FixedString(16)");
}

TEST(ParseType, SpacesAreNormalisedAway) {
  EXPECT_EQ(Parse(" FixedString( 3 ) ")->name, "FixedString(3)");
  EXPECT_EQ(Parse("Nullable( String )")->name, "Nullable(String)");
}

// --- Date and time -------------------------------------------------------------------------------

TEST(ParseType, DateTimeWithTimeZone) {
  DataTypePtr t = Parse("DateTime('Asia/Tokyo')");
  EXPECT_EQ(t->id, TypeId::kDateTime);
  EXPECT_EQ(t->timezone, "Asia/Tokyo");
  EXPECT_EQ(t->name, "DateTime('Asia/Tokyo')");
  EXPECT_EQ(t->value_width(), 4u);
}

TEST(ParseType, DateTimeWithoutZoneUsesServerDefault) {
  EXPECT_EQ(Parse("DateTime")->timezone, "");
}

TEST(ParseType, DateTime64Precision) {
  DataTypePtr t = Parse("DateTime64(3)");
  EXPECT_EQ(t->id, TypeId::kDateTime64);
  EXPECT_EQ(t->precision, 3u);
  EXPECT_EQ(t->timezone, "");
  EXPECT_EQ(t->name, "DateTime64(3)");
  EXPECT_EQ(t->value_width(), 8u);
}

TEST(ParseType, DateTime64PrecisionAndZone) {
  DataTypePtr t = Parse("DateTime64(6, 'UTC')");
  EXPECT_EQ(t->precision, 6u);
  EXPECT_EQ(t->timezone, "UTC");
  EXPECT_EQ(t->name, "DateTime64(6, 'UTC')");
}

TEST(ParseType, DateTime64PrecisionAboveNineFails) {
  EXPECT_THAT(ErrorOf("DateTime64(10)"), HasSubstr("precision"));
}

// --- Enums ---------------------------------------------------------------------------------------

TEST(ParseType, Enum8ValuesInOrder) {
  DataTypePtr t = Parse("Enum8('a' = 1, 'b' = -2)");
  EXPECT_EQ(t->id, TypeId::kEnum8);
  ASSERT_EQ(t->enum_values.size(), 2u);
  EXPECT_EQ(t->enum_values[0], (std::pair<std::string, int16_t>{"a", 1}));
  EXPECT_EQ(t->enum_values[1], (std::pair<std::string, int16_t>{"b", -2}));
  EXPECT_EQ(t->name, "Enum8('a' = 1, 'b' = -2)");
  EXPECT_EQ(t->value_width(), 1u);
}

TEST(ParseType, Enum16) {
  DataTypePtr t = Parse("Enum16('x' = 1000, 'y' = -32768)");
  EXPECT_EQ(t->id, TypeId::kEnum16);
  EXPECT_EQ(t->enum_values[1].second, -32768);
  EXPECT_EQ(t->value_width(), 2u);
}

TEST(ParseType, EnumLabelWithEscapedQuote) {
  DataTypePtr t = Parse(R"(Enum8('it\'s' = 1, 'a\\b' = 2))");
  ASSERT_EQ(t->enum_values.size(), 2u);
  EXPECT_EQ(t->enum_values[0].first, "it's");
  EXPECT_EQ(t->enum_values[1].first, R"(a\b)");
}

TEST(ParseType, EnumCanonicalNameReparsesToTheSameLabels) {
  // The canonical name is sent back to the server as the Native column type, so it must be
  // valid type text itself: quotes and backslashes in labels stay escaped.
  DataTypePtr t = Parse(R"(Enum8('it\'s' = 1, 'a\\b' = 2))");
  EXPECT_EQ(t->name, R"(Enum8('it\'s' = 1, 'a\\b' = 2))");
  DataTypePtr again = Parse(t->name);
  EXPECT_EQ(again->enum_values, t->enum_values);
}

TEST(ParseType, Enum8ValueOutOfRangeFails) {
  EXPECT_THAT(ErrorOf("Enum8('a' = 128)"), HasSubstr("out of range"));
}

// --- Decimals ------------------------------------------------------------------------------------

struct DecimalCase {
  const char* text;
  uint32_t precision, scale;
  size_t width;
  const char* name;
};

TEST(ParseType, DecimalPrecisionScaleAndWidth) {
  const DecimalCase cases[] = {
      {"Decimal(9, 2)", 9, 2, 4, "Decimal(9, 2)"},
      {"Decimal(10,2)", 10, 2, 8, "Decimal(10, 2)"},
      {"Decimal(18, 4)", 18, 4, 8, "Decimal(18, 4)"},
      {"Decimal(19, 0)", 19, 0, 16, "Decimal(19, 0)"},
      {"Decimal(38, 10)", 38, 10, 16, "Decimal(38, 10)"},
      {"Decimal(39, 1)", 39, 1, 32, "Decimal(39, 1)"},
      {"Decimal32(3)", 9, 3, 4, "Decimal(9, 3)"},
      {"Decimal64(4)", 18, 4, 8, "Decimal(18, 4)"},
      {"Decimal128(8)", 38, 8, 16, "Decimal(38, 8)"},
      {"Decimal256(20)", 76, 20, 32, "Decimal(76, 20)"},
      {"Decimal(5)", 5, 0, 4, "Decimal(5, 0)"},
  };
  for (const auto& c : cases) {
    DataTypePtr t = Parse(c.text);
    EXPECT_EQ(t->id, TypeId::kDecimal) << c.text;
    EXPECT_EQ(t->precision, c.precision) << c.text;
    EXPECT_EQ(t->scale, c.scale) << c.text;
    EXPECT_EQ(t->value_width(), c.width) << c.text;
    EXPECT_EQ(t->name, c.name) << c.text;
  }
}

TEST(ParseType, DecimalScaleAbovePrecisionFails) {
  EXPECT_THAT(ErrorOf("Decimal(4, 5)"), HasSubstr("scale"));
  EXPECT_THAT(ErrorOf("Decimal32(10)"), HasSubstr("scale"));
}

TEST(ParseType, DecimalPrecisionZeroFails) {
  EXPECT_THAT(ErrorOf("Decimal(0, 0)"), HasSubstr("precision"));
}

// --- Composite types -----------------------------------------------------------------------------

TEST(ParseType, Nullable) {
  DataTypePtr t = Parse("Nullable(Int32)");
  EXPECT_EQ(t->id, TypeId::kNullable);
  ASSERT_EQ(t->children.size(), 1u);
  EXPECT_EQ(t->children[0]->id, TypeId::kInt32);
  EXPECT_EQ(t->name, "Nullable(Int32)");
  EXPECT_EQ(t->value_width(), 0u);
}

TEST(ParseType, ArrayOfArray) {
  DataTypePtr t = Parse("Array(Array(String))");
  EXPECT_EQ(t->id, TypeId::kArray);
  ASSERT_EQ(t->children.size(), 1u);
  EXPECT_EQ(t->children[0]->id, TypeId::kArray);
  EXPECT_EQ(t->children[0]->children[0]->id, TypeId::kString);
  EXPECT_EQ(t->name, "Array(Array(String))");
}

TEST(ParseType, UnnamedTuple) {
  DataTypePtr t = Parse("Tuple(UInt8, String)");
  EXPECT_EQ(t->id, TypeId::kTuple);
  ASSERT_EQ(t->children.size(), 2u);
  EXPECT_EQ(t->children[0]->id, TypeId::kUInt8);
  EXPECT_EQ(t->children[1]->id, TypeId::kString);
  EXPECT_TRUE(t->element_names.empty());
  EXPECT_EQ(t->name, "Tuple(UInt8, String)");
}

TEST(ParseType, NamedTuple) {
  DataTypePtr t = Parse("Tuple(a UInt8, b String)");
  ASSERT_EQ(t->children.size(), 2u);
  EXPECT_EQ(t->element_names, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(t->children[1]->id, TypeId::kString);
  EXPECT_EQ(t->name, "Tuple(a UInt8, b String)");
}

TEST(ParseType, TupleOfCompositesIsNotMistakenForNamed) {
  DataTypePtr t = Parse("Tuple(Nullable(String), Array(UInt8))");
  EXPECT_TRUE(t->element_names.empty());
  EXPECT_EQ(t->children[0]->id, TypeId::kNullable);
  EXPECT_EQ(t->children[1]->id, TypeId::kArray);
}

TEST(ParseType, LowCardinalityString) {
  DataTypePtr t = Parse("LowCardinality(String)");
  EXPECT_EQ(t->id, TypeId::kLowCardinality);
  EXPECT_EQ(t->name, "LowCardinality(String)");
  EXPECT_EQ(t->storage().id, TypeId::kString);
}

TEST(ParseType, LowCardinalityNullableString) {
  DataTypePtr t = Parse("LowCardinality(Nullable(String))");
  EXPECT_EQ(t->name, "LowCardinality(Nullable(String))");
  EXPECT_EQ(t->storage().id, TypeId::kNullable);
  EXPECT_EQ(t->storage().children[0]->id, TypeId::kString);
}

TEST(ParseType, StorageOfPlainTypeIsItself) {
  DataTypePtr t = Parse("String");
  EXPECT_EQ(&t->storage(), t.get());
}

TEST(ParseType, Map) {
  DataTypePtr t = Parse("Map(String, UInt64)");
  EXPECT_EQ(t->id, TypeId::kMap);
  ASSERT_EQ(t->children.size(), 2u);
  EXPECT_EQ(t->children[0]->id, TypeId::kString);
  EXPECT_EQ(t->children[1]->id, TypeId::kUInt64);
  EXPECT_EQ(t->name, "Map(String, UInt64)");
}

TEST(ParseType, MapWithOneTypeFails) {
  EXPECT_THAT(ErrorOf("Map(String)"), HasSubstr("key and a value"));
}

// --- needs_newer_server --------------------------------------------------------------------------

TEST(ParseType, NeedsNewerServerForTypes1816Lacks) {
  for (const char* text :
       {"IPv4", "IPv6", "Bool", "Map(String, UInt64)", "DateTime64(3)", "Array(IPv4)",
        "Nullable(DateTime64(3))", "Tuple(UInt8, Bool)", "LowCardinality(Nullable(IPv6))"})
    EXPECT_TRUE(Parse(text)->needs_newer_server()) << text;
}

TEST(ParseType, OldTypesDoNotNeedNewerServer) {
  for (const char* text :
       {"UInt8", "String", "DateTime('UTC')", "Decimal(18, 4)", "Array(Nullable(String))",
        "LowCardinality(String)", "Tuple(a UInt8, b String)", "Enum8('a' = 1)", "UUID", "Date"})
    EXPECT_FALSE(Parse(text)->needs_newer_server()) << text;
}

// --- Errors --------------------------------------------------------------------------------------

TEST(ParseType, UnterminatedNullableNamesThePosition) {
  const std::string e = ErrorOf("Nullable(");
  EXPECT_THAT(e, HasSubstr("position 9"));
  EXPECT_THAT(e, HasSubstr("expected a type name"));
}

TEST(ParseType, UnknownTypeIsNamed) {
  const std::string e = ErrorOf("Foo");
  EXPECT_THAT(e, HasSubstr("unknown type 'Foo'"));
  EXPECT_THAT(e, HasSubstr("position"));
}

TEST(ParseType, FixedStringOfZeroFails) {
  EXPECT_THAT(ErrorOf("FixedString(0)"), HasSubstr("length out of range"));
}

TEST(ParseType, NullableCannotWrapArray) {
  EXPECT_THAT(ErrorOf("Nullable(Array(UInt8))"), HasSubstr("Nullable cannot wrap Array(UInt8)"));
}

TEST(ParseType, NullableCannotWrapNullable) {
  EXPECT_THAT(ErrorOf("Nullable(Nullable(UInt8))"), HasSubstr("Nullable cannot wrap"));
}

TEST(ParseType, LowCardinalityCannotWrapArray) {
  EXPECT_THAT(ErrorOf("LowCardinality(Array(String))"), HasSubstr("LowCardinality cannot wrap"));
}

TEST(ParseType, TrailingTextFailsAtItsPosition) {
  const std::string e = ErrorOf("UInt8 junk");
  EXPECT_THAT(e, HasSubstr("position 6"));
  EXPECT_THAT(e, HasSubstr("unexpected text"));
}

TEST(ParseType, UnclosedParenthesisFails) {
  EXPECT_THAT(ErrorOf("Array(UInt8"), HasSubstr("expected ')'"));
}

TEST(ParseType, EmptyTextFails) {
  EXPECT_THAT(ErrorOf(""), HasSubstr("expected a type name"));
}

TEST(ParseType, UnterminatedQuoteFails) {
  EXPECT_THAT(ErrorOf("DateTime('UTC"), HasSubstr("unterminated"));
}

TEST(ParseType, HugeIntegerFails) {
  EXPECT_THAT(ErrorOf("FixedString(99999999999999999999)"), HasSubstr("too large"));
}

}  // namespace
}  // namespace sluice
