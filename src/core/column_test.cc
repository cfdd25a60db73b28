// Specification of Column: rows(), defaults, copying a row from another column, and truncation
// (the rollback of a partially converted row) for every layout.
#include "core/column.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sluice {
namespace {

Column Make(const std::string& type) {
  Result<DataTypePtr> t = ParseType(type);
  EXPECT_TRUE(t.ok()) << t.status().message();
  return Column(t.ok() ? t.value() : std::make_shared<DataType>());
}

// Appends one Array/Map row whose elements were appended to the children already.
void CloseRow(Column& c) {
  c.offsets.push_back(c.children[0].rows());
}

// --- Fixed width ---------------------------------------------------------------------------------

TEST(Column, FixedWidthRowsFollowTheData) {
  Column c = Make("UInt32");
  c.AppendFixed<uint32_t>(7);
  c.AppendFixed<uint32_t>(9);
  EXPECT_EQ(c.rows(), 2u);
  EXPECT_EQ(c.data.size(), 8u);
  EXPECT_EQ(c.FixedAt<uint32_t>(1), 9u);
}

TEST(Column, FixedWidthDefaultIsZero) {
  Column c = Make("Int64");
  c.AppendFixed<int64_t>(-5);
  c.AppendDefault();
  EXPECT_EQ(c.rows(), 2u);
  EXPECT_EQ(c.FixedAt<int64_t>(1), 0);
}

TEST(Column, FixedWidthTruncateDropsTrailingRows) {
  Column c = Make("UInt16");
  for (uint16_t v : {1, 2, 3}) c.AppendFixed<uint16_t>(v);
  c.Truncate(1);
  EXPECT_EQ(c.rows(), 1u);
  EXPECT_EQ(c.FixedAt<uint16_t>(0), 1);
}

TEST(Column, FixedWidthTruncateDropsAPartialValue) {
  Column c = Make("UInt32");
  c.AppendFixed<uint32_t>(1);
  c.AppendFixed<uint16_t>(2);  // half a value, as if a conversion died mid-way
  c.Truncate(1);
  EXPECT_EQ(c.data.size(), 4u);
}

TEST(Column, FixedStringDefaultIsZeroBytesOfItsSize) {
  Column c = Make("FixedString(3)");
  c.AppendDefault();
  EXPECT_EQ(c.rows(), 1u);
  EXPECT_EQ(c.data, (std::vector<uint8_t>{0, 0, 0}));
}

TEST(Column, DecimalAppendFromCopiesTheWholeValue) {
  Column src = Make("Decimal(38, 2)");
  src.AppendFixed<__int128>(static_cast<__int128>(1) << 100);
  Column dst = Make("Decimal(38, 2)");
  dst.AppendFrom(src, 0);
  EXPECT_EQ(dst.rows(), 1u);
  EXPECT_TRUE(dst.FixedAt<__int128>(0) == (static_cast<__int128>(1) << 100));
}

// --- String --------------------------------------------------------------------------------------

TEST(Column, StringRowsAndValues) {
  Column c = Make("String");
  c.AppendString("ab");
  c.AppendString("");
  c.AppendString("cde");
  EXPECT_EQ(c.rows(), 3u);
  EXPECT_EQ(c.StringAt(0), "ab");
  EXPECT_EQ(c.StringAt(1), "");
  EXPECT_EQ(c.StringAt(2), "cde");
}

// AppendStringPadded copies whole 16-byte blocks from padded input: every length around the
// block edges keeps exactly its own bytes, and the bytes it stores past a value are overwritten
// by the next one (so they never show up in a value).
TEST(Column, StringPaddedAppendKeepsExactlyEachValue) {
  std::string input;
  for (int i = 0; i < 200; ++i) input += static_cast<char>('A' + i % 53);
  const std::string padded = input + std::string(16, '#');
  Column c = Make("String");
  std::vector<std::string> want;
  size_t at = 0;
  for (size_t n : {0, 1, 15, 16, 17, 31, 32, 33, 48, 0, 5, 64, 2}) {
    c.AppendStringPadded(std::string_view(padded.data() + at, n));
    want.push_back(input.substr(at, n));
    at += 3;
  }
  c.AppendString("tail");
  want.push_back("tail");
  ASSERT_EQ(c.rows(), want.size());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_EQ(c.StringAt(i), want[i]) << i;
  size_t total = 0;
  for (const auto& w : want) total += w.size();
  EXPECT_EQ(c.data.size(), total);
}

TEST(Column, StringDefaultIsEmpty) {
  Column c = Make("String");
  c.AppendString("x");
  c.AppendDefault();
  EXPECT_EQ(c.rows(), 2u);
  EXPECT_EQ(c.StringAt(1), "");
}

TEST(Column, StringTruncateDropsBytesToo) {
  Column c = Make("String");
  c.AppendString("ab");
  c.AppendString("cde");
  c.Truncate(1);
  EXPECT_EQ(c.rows(), 1u);
  EXPECT_EQ(c.data.size(), 2u);
  c.AppendString("z");
  EXPECT_EQ(c.StringAt(1), "z");
}

TEST(Column, StringTruncateToZero) {
  Column c = Make("String");
  c.AppendString("ab");
  c.Clear();
  EXPECT_EQ(c.rows(), 0u);
  EXPECT_TRUE(c.data.empty());
}

TEST(Column, StringAppendFrom) {
  Column src = Make("String");
  src.AppendString("one");
  src.AppendString("two");
  Column dst = Make("String");
  dst.AppendFrom(src, 1);
  dst.AppendFrom(src, 0);
  EXPECT_EQ(dst.rows(), 2u);
  EXPECT_EQ(dst.StringAt(0), "two");
  EXPECT_EQ(dst.StringAt(1), "one");
}

TEST(Column, LowCardinalityIsStoredAsItsInnerType) {
  Column c = Make("LowCardinality(String)");
  EXPECT_EQ(c.storage().id, TypeId::kString);
  c.AppendString("v");
  c.AppendDefault();
  EXPECT_EQ(c.rows(), 2u);
  EXPECT_EQ(c.StringAt(0), "v");
}

// --- Nullable ------------------------------------------------------------------------------------

TEST(Column, NullableDefaultIsNull) {
  Column c = Make("Nullable(UInt8)");
  c.AppendDefault();
  EXPECT_EQ(c.rows(), 1u);
  EXPECT_EQ(c.nulls, (std::vector<uint8_t>{1}));
  EXPECT_EQ(c.children[0].rows(), 1u);  // the nested column holds a default where NULL
}

TEST(Column, NullableAppendFromKeepsNullness) {
  Column src = Make("Nullable(String)");
  src.nulls.push_back(0);
  src.children[0].AppendString("x");
  src.AppendDefault();
  Column dst = Make("Nullable(String)");
  dst.AppendFrom(src, 1);
  dst.AppendFrom(src, 0);
  EXPECT_EQ(dst.rows(), 2u);
  EXPECT_EQ(dst.nulls, (std::vector<uint8_t>{1, 0}));
  EXPECT_EQ(dst.children[0].StringAt(1), "x");
}

TEST(Column, NullableTruncateRollsBackAValueWithoutItsNullFlag) {
  Column c = Make("Nullable(String)");
  c.AppendDefault();
  c.children[0].AppendString("half");  // value appended, null flag not yet
  c.Truncate(1);
  EXPECT_EQ(c.rows(), 1u);
  EXPECT_EQ(c.children[0].rows(), 1u);
}

TEST(Column, NullableTruncateDropsRows) {
  Column c = Make("Nullable(Int32)");
  c.AppendDefault();
  c.AppendDefault();
  c.Truncate(0);
  EXPECT_EQ(c.rows(), 0u);
  EXPECT_EQ(c.children[0].rows(), 0u);
}

// --- Array ---------------------------------------------------------------------------------------

TEST(Column, ArrayDefaultIsEmpty) {
  Column c = Make("Array(UInt8)");
  c.AppendDefault();
  EXPECT_EQ(c.rows(), 1u);
  EXPECT_EQ(c.offsets, (std::vector<uint64_t>{0}));
  EXPECT_EQ(c.children[0].rows(), 0u);
}

// [[1, 2], [3]], [], [[4]]
Column NestedArrays() {
  Column c = Make("Array(Array(UInt8))");
  Column& inner = c.children[0];
  Column& leaf = inner.children[0];
  for (uint8_t v : {1, 2}) leaf.AppendFixed<uint8_t>(v);
  CloseRow(inner);
  leaf.AppendFixed<uint8_t>(3);
  CloseRow(inner);
  CloseRow(c);
  c.AppendDefault();
  leaf.AppendFixed<uint8_t>(4);
  CloseRow(inner);
  CloseRow(c);
  return c;
}

TEST(Column, ArrayOfArrayRows) {
  Column c = NestedArrays();
  EXPECT_EQ(c.rows(), 3u);
  EXPECT_EQ(c.offsets, (std::vector<uint64_t>{2, 2, 3}));
  EXPECT_EQ(c.children[0].rows(), 3u);
  EXPECT_EQ(c.children[0].offsets, (std::vector<uint64_t>{2, 3, 4}));
  EXPECT_EQ(c.children[0].children[0].rows(), 4u);
}

TEST(Column, ArrayOfArrayTruncateCascades) {
  Column c = NestedArrays();
  c.Truncate(1);
  EXPECT_EQ(c.rows(), 1u);
  EXPECT_EQ(c.children[0].rows(), 2u);
  EXPECT_EQ(c.children[0].children[0].rows(), 3u);
}

TEST(Column, ArrayTruncateDropsElementsOfAnUnclosedRow) {
  Column c = NestedArrays();
  // A fourth row was being converted: one complete inner array and a dangling element.
  c.children[0].children[0].AppendFixed<uint8_t>(5);
  CloseRow(c.children[0]);
  c.children[0].children[0].AppendFixed<uint8_t>(6);
  c.Truncate(3);
  EXPECT_EQ(c.rows(), 3u);
  EXPECT_EQ(c.children[0].rows(), 3u);
  EXPECT_EQ(c.children[0].children[0].rows(), 4u);
}

TEST(Column, ArrayOfArrayAppendFromCopiesElements) {
  Column src = NestedArrays();
  Column dst = Make("Array(Array(UInt8))");
  dst.AppendFrom(src, 2);
  dst.AppendFrom(src, 0);
  EXPECT_EQ(dst.rows(), 2u);
  EXPECT_EQ(dst.offsets, (std::vector<uint64_t>{1, 3}));
  EXPECT_EQ(dst.children[0].offsets, (std::vector<uint64_t>{1, 3, 4}));
  EXPECT_EQ(dst.children[0].children[0].data, (std::vector<uint8_t>{4, 1, 2, 3}));
}

TEST(Column, ArrayAppendFromEmptyRow) {
  Column src = NestedArrays();
  Column dst = Make("Array(Array(UInt8))");
  dst.AppendFrom(src, 1);
  EXPECT_EQ(dst.rows(), 1u);
  EXPECT_EQ(dst.offsets, (std::vector<uint64_t>{0}));
  EXPECT_EQ(dst.children[0].rows(), 0u);
}

// --- Tuple ---------------------------------------------------------------------------------------

TEST(Column, TupleDefaultAppendsEveryElement) {
  Column c = Make("Tuple(UInt8, String)");
  c.AppendDefault();
  EXPECT_EQ(c.rows(), 1u);
  EXPECT_EQ(c.children[0].rows(), 1u);
  EXPECT_EQ(c.children[1].rows(), 1u);
}

TEST(Column, TupleTruncateRollsBackAHalfAppendedRow) {
  Column c = Make("Tuple(UInt8, String)");
  c.AppendDefault();
  c.children[0].AppendFixed<uint8_t>(9);  // first element done, second failed
  c.Truncate(1);
  EXPECT_EQ(c.rows(), 1u);
  EXPECT_EQ(c.children[0].rows(), 1u);
  EXPECT_EQ(c.children[1].rows(), 1u);
}

TEST(Column, TupleAppendFrom) {
  Column src = Make("Tuple(a UInt8, b String)");
  src.children[0].AppendFixed<uint8_t>(3);
  src.children[1].AppendString("s");
  Column dst = Make("Tuple(a UInt8, b String)");
  dst.AppendDefault();
  dst.AppendFrom(src, 0);
  EXPECT_EQ(dst.rows(), 2u);
  EXPECT_EQ(dst.children[0].FixedAt<uint8_t>(1), 3);
  EXPECT_EQ(dst.children[1].StringAt(1), "s");
}

// --- Map -----------------------------------------------------------------------------------------

// {"a": 1, "b": 2}, {}, {"c": 3}
Column ThreeMaps() {
  Column c = Make("Map(String, UInt64)");
  c.children[0].AppendString("a");
  c.children[1].AppendFixed<uint64_t>(1);
  c.children[0].AppendString("b");
  c.children[1].AppendFixed<uint64_t>(2);
  CloseRow(c);
  c.AppendDefault();
  c.children[0].AppendString("c");
  c.children[1].AppendFixed<uint64_t>(3);
  CloseRow(c);
  return c;
}

TEST(Column, MapRowsAreItsOffsets) {
  Column c = ThreeMaps();
  EXPECT_EQ(c.rows(), 3u);
  EXPECT_EQ(c.offsets, (std::vector<uint64_t>{2, 2, 3}));
  EXPECT_EQ(c.children[0].rows(), 3u);
  EXPECT_EQ(c.children[1].rows(), 3u);
}

TEST(Column, MapTruncateDropsKeysAndValues) {
  Column c = ThreeMaps();
  c.Truncate(1);
  EXPECT_EQ(c.rows(), 1u);
  EXPECT_EQ(c.children[0].rows(), 2u);
  EXPECT_EQ(c.children[1].rows(), 2u);
}

TEST(Column, MapTruncateDropsAKeyWithoutItsValue) {
  Column c = ThreeMaps();
  c.children[0].AppendString("dangling");
  c.Truncate(3);
  EXPECT_EQ(c.children[0].rows(), 3u);
  EXPECT_EQ(c.children[1].rows(), 3u);
}

TEST(Column, MapAppendFromCopiesKeysAndValues) {
  Column src = ThreeMaps();
  Column dst = Make("Map(String, UInt64)");
  dst.AppendFrom(src, 0);
  dst.AppendFrom(src, 2);
  EXPECT_EQ(dst.offsets, (std::vector<uint64_t>{2, 3}));
  EXPECT_EQ(dst.children[0].StringAt(2), "c");
  EXPECT_EQ(dst.children[1].FixedAt<uint64_t>(1), 2u);
}

// --- byte_size -----------------------------------------------------------------------------------

TEST(Column, ByteSizeGrowsWithNestedData) {
  Column c = Make("Array(String)");
  const size_t empty = c.byte_size();
  c.children[0].AppendString("hello");
  CloseRow(c);
  EXPECT_GE(c.byte_size(), empty + 5 + 2 * sizeof(uint64_t));
}

}  // namespace
}  // namespace sluice
