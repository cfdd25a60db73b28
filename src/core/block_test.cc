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

// --- Rows' origins and raw bytes, kept as runs of offsets -------------------------------------

struct Row {
  RowOrigin origin;
  std::string_view raw;
};

// Commits `rows` to a block without columns; every row must read back exactly as given.
Block Commit(const std::vector<Row>& rows) {
  Block b(std::make_shared<Schema>());
  for (const auto& r : rows) b.CommitRow(r.origin, r.raw);
  return b;
}

void ExpectRows(const Block& b, const std::vector<Row>& rows) {
  ASSERT_EQ(b.rows(), rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    SCOPED_TRACE("row " + std::to_string(i));
    EXPECT_EQ(b.origin(i).partition, rows[i].origin.partition);
    EXPECT_EQ(b.origin(i).line, rows[i].origin.line);
    EXPECT_EQ(b.origin(i).position, rows[i].origin.position);
    EXPECT_EQ(b.raw(i).data(), rows[i].raw.data());
    EXPECT_EQ(b.raw(i).size(), rows[i].raw.size());
  }
}

TEST(BlockRows, EveryShapeOfRowReadsBackAsCommitted) {
  static const std::string lines = "{\"a\":1}\n\n{\"a\":2}\r\n{\"a\":3}\n";
  static const std::string records = "m1m22m333";
  const std::string_view l(lines), m(records);
  std::vector<Row> rows = {
      // Lines of one buffer (a blank line skipped, a '\r' dropped): one run.
      {{PartitionId{0}, 7, Offset{1000}}, l.substr(0, 7)},
      {{PartitionId{0}, 9, Offset{1009}}, l.substr(9, 7)},
      {{PartitionId{0}, 10, Offset{1018}}, l.substr(18, 7)},
      // Records of another partition (no line numbers; offsets are message offsets).
      {{PartitionId{1}, 0, Offset{500}}, m.substr(0, 2)},
      {{PartitionId{1}, 0, Offset{501}}, m.substr(2, 3)},
      {{PartitionId{1}, 0, Offset{507}}, m.substr(5, 4)},  // a gap: compacted topic
      // Back to the lines: a new run.
      {{PartitionId{0}, 11, Offset{1026}}, l.substr(0, 7)},
      // Raw bytes before the run's start, a line number going back, a position that does not
      // follow the bytes, and a jump past 32 bits: each starts a run of its own.
      {{PartitionId{0}, 12, Offset{1030}}, l.substr(0, 3)},
      {{PartitionId{0}, 5, Offset{1031}}, l.substr(1, 3)},
      {{PartitionId{0}, 6, Offset{9}}, l.substr(2, 3)},
      {{PartitionId{1}, 0, Offset{uint64_t{1} << 40}}, m.substr(0, 2)},
      {{PartitionId{1}, 0, Offset{(uint64_t{1} << 40) + (uint64_t{1} << 33)}}, m.substr(2, 3)},
      // An empty view with no bytes behind it.
      {{PartitionId{2}, 0, Offset{0}}, std::string_view()},
  };
  Block b = Commit(rows);
  ExpectRows(b, rows);

  // Select and Filter keep every row's own origin and bytes.
  Block some = b.Select({0, 2, 4, 7, 10, 12});
  ExpectRows(some, {rows[0], rows[2], rows[4], rows[7], rows[10], rows[12]});
  std::vector<uint8_t> keep(rows.size(), 0);
  for (size_t i : {1, 3, 5, 8, 11}) keep[i] = 1;
  b.Filter(keep);
  ExpectRows(b, {rows[1], rows[3], rows[5], rows[8], rows[11]});
}

TEST(BlockRows, ConsecutiveLinesTakeSixteenBytesARow) {
  static const std::string data(100000, 'x');
  Block b(std::make_shared<Schema>());
  for (uint64_t i = 0; i < 10000; ++i)  // 10-byte lines
    b.CommitRow(RowOrigin{PartitionId{3}, i + 1, Offset{i * 10}},
                std::string_view(data).substr(i * 10, 9));
  EXPECT_LE(b.byte_size(), 10000 * 16 + 64);
  EXPECT_EQ(b.origin(9999).line, 10000u);
  EXPECT_EQ(b.origin(9999).position, Offset{99990});
  EXPECT_EQ(b.raw(9999).data(), data.data() + 99990);
}

TEST(BlockRows, LineRunRowsReadBackAsLinesAndCommitRowExtendsTheRun) {
  static const std::string data = "a\n\nbb\nccc\n";
  Block b(std::make_shared<Schema>());
  b.CommitRow(RowOrigin{PartitionId{4}, 1, Offset{0}}, "z");  // an earlier run, elsewhere
  // Lines 7.. of partition 5, data starting at byte 1000 of it; line 8 is blank (no row).
  const uint32_t run = b.StartLineRun(PartitionId{5}, 7, Offset{1000}, data.data());
  b.CommitLineRow(run, 0, 1, 0);
  b.CommitLineRow(run, 3, 2, 2);
  // A row committed the general way that continues the same lines joins the same run.
  b.CommitRow(RowOrigin{PartitionId{5}, 10, Offset{1006}}, std::string_view(data).substr(6, 3));
  ASSERT_EQ(b.rows(), 4u);
  EXPECT_EQ(b.origin(0).partition, PartitionId{4});
  const uint64_t lines[] = {7, 9, 10};
  const uint64_t positions[] = {1000, 1003, 1006};
  const std::string_view raws[] = {"a", "bb", "ccc"};
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(b.origin(i + 1).partition, PartitionId{5});
    EXPECT_EQ(b.origin(i + 1).line, lines[i]);
    EXPECT_EQ(b.origin(i + 1).position, Offset{positions[i]});
    EXPECT_EQ(b.raw(i + 1), raws[i]);
  }
  EXPECT_EQ(b.raw(3).data(), data.data() + 6);
  Block one(std::make_shared<Schema>());
  one.CommitRow(RowOrigin{PartitionId{4}, 1, Offset{0}}, "z");
  const size_t run_bytes = one.byte_size() - 16;
  EXPECT_EQ(b.byte_size(), 2 * run_bytes + 4 * 16);  // two runs, not three
}

TEST(BlockReserveFor, ExtrapolatesFromItsRowsUpToTheRowOrByteLimit) {
  Block b = Rows(10);
  const size_t ids = b.column(0).data.size(), names = b.column(1).data.size();
  b.ReserveFor(1000, size_t{1} << 30);  // rows come first: 100 times as many
  EXPECT_GE(b.column(0).data.capacity(), 100 * ids);
  EXPECT_GE(b.column(1).data.capacity(), 100 * names);
  EXPECT_GE(b.column(1).offsets.capacity(), 1000u);

  Block c = Rows(10);
  c.ReserveFor(1000, 3 * c.byte_size());  // bytes come first: 3 times as much
  EXPECT_GE(c.column(1).data.capacity(), 3 * names);
  EXPECT_LT(c.column(1).offsets.capacity(), 100u);
  EXPECT_EQ(c.rows(), 10u);  // nothing but capacity changes
  EXPECT_EQ(c.column(1).StringAt(9), "n9");

  Block empty(TwoColumns());
  empty.ReserveFor(1000, size_t{1} << 30);  // nothing to extrapolate from
  EXPECT_EQ(empty.column(1).offsets.capacity(), 0u);
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
