// Specification of Block's row selection and reshaping (used by transforms).
#include "core/block.h"

#include <gtest/gtest.h>

namespace sluice {
namespace {

SchemaPtr TwoColumns() {
  auto s = std::make_shared<Schema>();
  s->columns.push_back({"id", ParseType("UInt32").value(), DefaultKind::kNone, ""});
  s->columns.push_back({"name", ParseType("String").value(), DefaultKind::kNone, ""});
  return s;
}

Block Rows(size_t n) {
  Block b(TwoColumns());
  static const std::string raw = "0123456789";
  for (size_t i = 0; i < n; ++i) {
    b.column(0).AppendFixed<uint32_t>(static_cast<uint32_t>(i));
    b.column(1).AppendString("n" + std::to_string(i));
    b.CommitRow(RowOrigin{PartitionId{1}, i + 1, Offset{i * 10}},
                std::string_view(raw).substr(i, 1));
  }
  b.checkpoint().Cover(PartitionId{1}, Offset{0}, Offset{n * 10});
  return b;
}

TEST(BlockFilter, KeepsMarkedRowsWithTheirOriginsAndTheWholeCheckpoint) {
  Block b = Rows(5);
  b.Filter({1, 0, 0, 1, 1});
  ASSERT_EQ(b.rows(), 3u);
  b.CheckInvariant();
  EXPECT_EQ(b.column(0).FixedAt<uint32_t>(1), 3u);
  EXPECT_EQ(b.column(1).StringAt(2), "n4");
  EXPECT_EQ(b.origin(1).line, 4u);
  EXPECT_EQ(b.raw(2), "4");
  ASSERT_EQ(b.checkpoint().ranges.size(), 1u);
  EXPECT_EQ(b.checkpoint().ranges[0].end, Offset{50});  // dropped rows stay covered
}

TEST(BlockFilter, DroppingEveryRowLeavesAnEmptyBlockThatStillCovers) {
  Block b = Rows(3);
  b.Filter({0, 0, 0});
  EXPECT_EQ(b.rows(), 0u);
  EXPECT_EQ(b.column(1).rows(), 0u);
  EXPECT_FALSE(b.checkpoint().empty());
}

TEST(BlockReset, EmptiesEverythingButKeepsTheColumnsCapacity) {
  Block b = Rows(10);
  auto buffer = std::make_shared<std::string>("input");
  std::weak_ptr<std::string> watch = buffer;
  b.KeepAlive(std::move(buffer));
  b.budget_charge() = 123;
  int hooks = 0;
  b.on_ack().push_back([&] { ++hooks; });
  b.present()[1] = 7;
  b.column(1).AppendString("half a row");  // a partially converted row is dropped too
  const size_t ids = b.column(0).data.capacity(), names = b.column(1).data.capacity();

  b.Reset();
  EXPECT_EQ(b.rows(), 0u);
  EXPECT_EQ(b.column(0).rows(), 0u);
  EXPECT_EQ(b.column(1).rows(), 0u);
  EXPECT_EQ(b.column(1).data.size(), 0u);
  EXPECT_TRUE(b.checkpoint().empty());
  EXPECT_EQ(b.budget_charge(), 0u);
  EXPECT_TRUE(b.on_ack().empty());
  EXPECT_EQ(b.present()[1], 0u);
  EXPECT_TRUE(watch.expired());  // the input buffer is released
  EXPECT_EQ(b.column(0).data.capacity(), ids);
  EXPECT_EQ(b.column(1).data.capacity(), names);
  EXPECT_EQ(hooks, 0);

  // Refilled, it is an ordinary block.
  b.column(0).AppendFixed<uint32_t>(9);
  b.column(1).AppendString("again");
  b.CommitRow(RowOrigin{PartitionId{2}, 1, Offset{0}}, "x");
  b.CheckInvariant();
  EXPECT_EQ(b.column(1).StringAt(0), "again");
}

TEST(BlockReshape, MovesColumnsAndAddsComputedOnes) {
  Block b = Rows(2);
  bool acked = false;
  b.on_ack().push_back([&] { acked = true; });
  b.budget_charge() = 77;
  auto out = std::make_shared<Schema>();
  out->columns.push_back({"name", ParseType("String").value(), DefaultKind::kNone, ""});
  out->columns.push_back({"twice", ParseType("UInt64").value(), DefaultKind::kNone, ""});
  Column twice(out->columns[1].type);
  twice.AppendFixed<uint64_t>(0);
  twice.AppendFixed<uint64_t>(2);
  std::vector<Column> added;
  added.push_back(std::move(twice));
  Block r = std::move(b).Reshape(out, {1, -1}, std::move(added));
  ASSERT_EQ(r.rows(), 2u);
  EXPECT_EQ(r.schema().columns[0].name, "name");
  EXPECT_EQ(r.column(0).StringAt(1), "n1");
  EXPECT_EQ(r.column(1).FixedAt<uint64_t>(1), 2u);
  EXPECT_EQ(r.present()[1], 2u);
  EXPECT_EQ(r.budget_charge(), 77u);
  EXPECT_EQ(r.origin(1).position, Offset{10});
  ASSERT_EQ(r.on_ack().size(), 1u);
  r.on_ack()[0]();
  EXPECT_TRUE(acked);
}

TEST(BlockReshapeDeathTest, AColumnOfTheWrongLengthAborts) {
  Block b = Rows(2);
  auto out = std::make_shared<Schema>();
  out->columns.push_back({"x", ParseType("UInt8").value(), DefaultKind::kNone, ""});
  Column x(out->columns[0].type);
  x.AppendFixed<uint8_t>(1);
  std::vector<Column> added;
  added.push_back(std::move(x));
  EXPECT_DEATH(std::move(b).Reshape(out, {-1}, std::move(added)), "invariant");
}

}  // namespace
}  // namespace sluice
