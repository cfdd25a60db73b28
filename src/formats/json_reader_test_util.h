// Helpers shared by the JSON reader's tests.
#pragma once

#include <gtest/gtest.h>

#include <initializer_list>
#include <memory>
#include <string>
#include <utility>

#include "core/types.h"

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

}  // namespace sluice
