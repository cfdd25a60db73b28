// Helpers shared by the JSON reader's tests: schemas, and a reader with a block to add lines to.
#pragma once

#include <gtest/gtest.h>

#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "core/block.h"
#include "core/status.h"
#include "core/types.h"
#include "formats/json_reader.h"

namespace sluice {

using Columns = std::initializer_list<std::pair<std::string, std::string>>;

// A schema of {name, type} columns; a type that does not parse fails the test.
inline SchemaPtr MakeSchema(Columns columns) {
  auto schema = std::make_shared<Schema>();
  for (const auto& [name, type] : columns) {
    Result<DataTypePtr> t = ParseType(type);
    EXPECT_TRUE(t.ok()) << type << ": " << t.status().message();
    schema->columns.push_back(
        {name, t.ok() ? t.value() : std::make_shared<DataType>(), DefaultKind::kNone, ""});
  }
  return schema;
}

// Every buffer size of a column tree, so "unchanged" can be checked exactly.
inline std::string Shape(const Column& c) {
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
inline Rows Single(const std::string& type) {
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

inline std::string StringOf(const std::string& type, const std::string& json) {
  Rows r = Single(type);
  r.Ok("{\"v\":" + json + "}");
  EXPECT_EQ(r.col().rows(), 1u);
  if (r.col().rows() != 1) return "";
  return std::string(r.col().StringAt(0));
}

// The error converting {"v": <json>} into `type` (which must fail).
inline std::string ErrorOf(const std::string& type, const std::string& json) {
  Rows r = Single(type);
  return r.Fails("{\"v\":" + json + "}");
}

}  // namespace sluice
