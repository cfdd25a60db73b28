// Specification of message metadata as columns: `$kafka.*` references and how each value lands in
// the column types a user maps it to.
#include "formats/metadata.h"

#include <gtest/gtest.h>

#include "formats/json_reader.h"
#include "formats/value_parse.h"

namespace sluice {
namespace {

DataTypePtr Type(const std::string& name) {
  auto t = ParseType(name);
  EXPECT_TRUE(t.ok()) << name;
  return t.value();
}

RecordMeta Meta() {
  RecordMeta m;
  m.topic = "clicks";
  m.partition = 3;
  m.offset = 123456789012;
  m.timestamp_ms = 1700000000250;
  m.has_key = true;
  m.key = "user-7";
  m.headers_json = R"({"trace":"abc","team":"ads","trace":"def"})";
  return m;
}

// Appends `ref` to a fresh column of `type`, returning the status and the column.
struct Appended {
  Status st;
  Column col;
};
Appended Append(const std::string& ref, const std::string& type, const RecordMeta& m = Meta()) {
  auto parsed = ParseMetaRef(ref);
  EXPECT_TRUE(parsed.ok()) << parsed.status().message();
  auto t = Type(type);
  Column col(t);
  TimeZones zones;
  EXPECT_TRUE(zones.Prepare(*t, "UTC").ok());
  Status st = AppendMeta(parsed.value(), m, *t, col, zones);
  return {st, std::move(col)};
}

TEST(MetaRef, ParsesEveryField) {
  for (const char* ok : {"$kafka.topic", "$kafka.partition", "$kafka.offset", "$kafka.key",
                         "$kafka.timestamp", "$kafka.headers", "$kafka.header.x-trace"})
    EXPECT_TRUE(ParseMetaRef(ok).ok()) << ok;
  EXPECT_EQ(ParseMetaRef("$kafka.header.x-trace").value().header, "x-trace");
}

TEST(MetaRef, RejectsUnknownReferencesListingTheValidOnes) {
  for (const char* bad : {"offset", "$kafka.", "$kafka.offsets", "$kafka.header.", "$file.name"}) {
    auto r = ParseMetaRef(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.status().message().find("expected $kafka.topic"), std::string::npos);
  }
}

TEST(AppendMeta, NumbersIntoIntegerAndStringColumns) {
  auto a = Append("$kafka.offset", "UInt64");
  ASSERT_TRUE(a.st.ok());
  EXPECT_EQ(a.col.FixedAt<uint64_t>(0), 123456789012u);
  a = Append("$kafka.partition", "Int32");
  ASSERT_TRUE(a.st.ok());
  EXPECT_EQ(a.col.FixedAt<int32_t>(0), 3);
  a = Append("$kafka.offset", "String");
  ASSERT_TRUE(a.st.ok());
  EXPECT_EQ(a.col.StringAt(0), "123456789012");
}

TEST(AppendMeta, AnOffsetTooLargeForTheColumnFails) {
  EXPECT_FALSE(Append("$kafka.offset", "UInt16").st.ok());
}

TEST(AppendMeta, TimestampIsMillisecondsOrSecondsForDateTime) {
  auto a = Append("$kafka.timestamp", "UInt64");
  ASSERT_TRUE(a.st.ok());
  EXPECT_EQ(a.col.FixedAt<uint64_t>(0), 1700000000250u);
  a = Append("$kafka.timestamp", "DateTime");
  ASSERT_TRUE(a.st.ok());
  EXPECT_EQ(a.col.FixedAt<uint32_t>(0), 1700000000u);
  a = Append("$kafka.timestamp", "DateTime64(3)");
  ASSERT_TRUE(a.st.ok()) << a.st.message();
  EXPECT_EQ(a.col.FixedAt<int64_t>(0), 1700000000250);
}

TEST(AppendMeta, TopicAndKeyIntoStringsIncludingLowCardinality) {
  auto a = Append("$kafka.topic", "LowCardinality(String)");
  ASSERT_TRUE(a.st.ok()) << a.st.message();
  EXPECT_EQ(a.col.StringAt(0), "clicks");
  a = Append("$kafka.key", "String");
  ASSERT_TRUE(a.st.ok());
  EXPECT_EQ(a.col.StringAt(0), "user-7");
}

TEST(AppendMeta, MissingValuesAreNullOrTheDefault) {
  RecordMeta m = Meta();
  m.has_key = false;
  m.timestamp_ms = -1;
  m.headers_json = {};
  auto a = Append("$kafka.key", "Nullable(String)", m);
  ASSERT_TRUE(a.st.ok());
  EXPECT_EQ(a.col.nulls, std::vector<uint8_t>{1});
  a = Append("$kafka.key", "String", m);
  ASSERT_TRUE(a.st.ok());
  EXPECT_EQ(a.col.StringAt(0), "");
  a = Append("$kafka.timestamp", "Nullable(DateTime)", m);
  ASSERT_TRUE(a.st.ok());
  EXPECT_EQ(a.col.nulls, std::vector<uint8_t>{1});
  a = Append("$kafka.headers", "String", m);
  ASSERT_TRUE(a.st.ok());
  EXPECT_EQ(a.col.StringAt(0), "{}");
  a = Append("$kafka.header.trace", "Nullable(String)", m);
  ASSERT_TRUE(a.st.ok());
  EXPECT_EQ(a.col.nulls, std::vector<uint8_t>{1});
}

TEST(AppendMeta, PresentKeyInANullableColumnIsNotNull) {
  auto a = Append("$kafka.key", "Nullable(String)");
  ASSERT_TRUE(a.st.ok());
  EXPECT_EQ(a.col.nulls, std::vector<uint8_t>{0});
  EXPECT_EQ(a.col.children[0].StringAt(0), "user-7");
}

TEST(AppendMeta, HeadersAsJsonAndOneHeaderByNameTheLastWins) {
  auto a = Append("$kafka.headers", "String");
  ASSERT_TRUE(a.st.ok());
  EXPECT_EQ(a.col.StringAt(0), R"({"trace":"abc","team":"ads","trace":"def"})");
  a = Append("$kafka.header.trace", "String");
  ASSERT_TRUE(a.st.ok());
  EXPECT_EQ(a.col.StringAt(0), "def");
  a = Append("$kafka.header.team", "LowCardinality(String)");
  ASSERT_TRUE(a.st.ok());
  EXPECT_EQ(a.col.StringAt(0), "ads");
}

// The JSON reader fills metadata columns from the message and the rest from its JSON.
TEST(JsonReaderMetadata, FillsMappedColumnsFromTheMessage) {
  auto schema = std::make_shared<Schema>();
  schema->columns.push_back({"user_id", Type("UInt64"), DefaultKind::kNone, ""});
  schema->columns.push_back({"_offset", Type("UInt64"), DefaultKind::kNone, ""});
  schema->columns.push_back({"_topic", Type("String"), DefaultKind::kNone, ""});
  JsonReaderOptions o;
  o.metadata = {{"_offset", "$kafka.offset"}, {"_topic", "$kafka.topic"}};
  auto reader = JsonReader::Create(schema, o);
  ASSERT_TRUE(reader.ok()) << reader.status().message();
  Block block(schema);
  // A JSON field named like a metadata column is ignored: the column is the message's.
  std::string line = R"({"user_id": 7, "_offset": 1})";
  line.append(JsonReader::kPadding, ' ');
  const RecordMeta m = Meta();
  ASSERT_TRUE(
      (*reader)->AppendRow(std::string_view(line.data(), 28), line.size(), {}, block, &m).ok());
  ASSERT_EQ(block.rows(), 1u);
  EXPECT_EQ(block.column(0).FixedAt<uint64_t>(0), 7u);
  EXPECT_EQ(block.column(1).FixedAt<uint64_t>(0), 123456789012u);
  EXPECT_EQ(block.column(2).StringAt(0), "clicks");
  EXPECT_EQ(block.present()[1], 1u);
}

TEST(JsonReaderMetadata, AValueThatDoesNotFitRollsTheRowBack) {
  auto schema = std::make_shared<Schema>();
  schema->columns.push_back({"user_id", Type("UInt64"), DefaultKind::kNone, ""});
  schema->columns.push_back({"_offset", Type("UInt8"), DefaultKind::kNone, ""});
  JsonReaderOptions o;
  o.metadata = {{"_offset", "$kafka.offset"}};
  auto reader = JsonReader::Create(schema, o);
  ASSERT_TRUE(reader.ok());
  Block block(schema);
  std::string line = R"({"user_id": 7})";
  const size_t n = line.size();
  line.append(JsonReader::kPadding, ' ');
  const RecordMeta m = Meta();
  Status st = (*reader)->AppendRow(std::string_view(line.data(), n), line.size(), {}, block, &m);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("column '_offset'"), std::string::npos) << st.message();
  EXPECT_EQ(block.rows(), 0u);
  EXPECT_EQ(block.column(0).data.size(), 0u);
  EXPECT_EQ(block.column(1).data.size(), 0u);
}

TEST(JsonReaderMetadata, UnknownColumnsAndReferencesAreReportedTogether) {
  auto schema = std::make_shared<Schema>();
  schema->columns.push_back({"a", Type("UInt64"), DefaultKind::kNone, ""});
  JsonReaderOptions o;
  o.metadata = {{"nope", "$kafka.offset"}, {"a", "$kafka.offsett"}};
  auto reader = JsonReader::Create(schema, o);
  ASSERT_FALSE(reader.ok());
  EXPECT_NE(reader.status().message().find("metadata 'nope': the table has no column 'nope'"),
            std::string::npos);
  EXPECT_NE(reader.status().message().find("metadata 'a': unknown metadata '$kafka.offsett'"),
            std::string::npos);
}

}  // namespace
}  // namespace sluice
