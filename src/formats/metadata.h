// Message metadata as columns: `decode.metadata` maps a column to `$kafka.<field>`, and the JSON
// reader fills that column from the message's metadata (RecordMeta) instead of its JSON body.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/column.h"
#include "core/status.h"

namespace sluice {

class TimeZones;

enum class MetaField { kTopic, kPartition, kOffset, kKey, kTimestamp, kHeaders, kHeader };

// A parsed `$kafka.…` reference.
struct MetaRef {
  MetaField field = MetaField::kOffset;
  std::string header;  // kHeader: the header's name
};

// Parses "$kafka.offset", "$kafka.header.trace-id" …; the error lists what is accepted.
Result<MetaRef> ParseMetaRef(std::string_view text);

// The metadata of one message. Views point into buffers that outlive the row's block.
struct RecordMeta {
  std::string_view topic;
  int32_t partition = 0;
  int64_t offset = 0;
  int64_t timestamp_ms = -1;  // -1: the message has none
  bool has_key = false;
  std::string_view key;
  // All headers as a JSON object text (`{"name":"value",…}`, values as UTF-8 with invalid bytes
  // escaped), or empty when the message has none.
  std::string_view headers_json;
};

// Appends the value `ref` names to `col` (of type `t`), converting it as a JSON value of the same
// kind would be. Fails (the column may then hold a partial value: roll the row back) when the
// value does not fit the column.
Status AppendMeta(const MetaRef& ref, const RecordMeta& meta, const DataType& t, Column& col,
                  const TimeZones& zones);

// The value of header `name` inside `headers_json` (as built for RecordMeta), unescaped; false if
// absent.
bool FindHeader(std::string_view headers_json, std::string_view name, std::string* value);

}  // namespace sluice
