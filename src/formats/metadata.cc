#include "formats/metadata.h"

#include <fmt/format.h>
#include <simdjson.h>

#include "formats/value_parse.h"

namespace sluice {

Result<MetaRef> ParseMetaRef(std::string_view text) {
  static constexpr std::string_view kPrefix = "$kafka.";
  static constexpr std::string_view kHeaderPrefix = "header.";
  auto bad = [&] {
    return InvalidArgument(fmt::format(
        "unknown metadata '{}': expected $kafka.topic, $kafka.partition, $kafka.offset, "
        "$kafka.key, $kafka.timestamp, $kafka.headers or $kafka.header.<name>",
        text));
  };
  if (text.substr(0, kPrefix.size()) != kPrefix) return bad();
  const std::string_view name = text.substr(kPrefix.size());
  MetaRef ref;
  if (name == "topic") {
    ref.field = MetaField::kTopic;
  } else if (name == "partition") {
    ref.field = MetaField::kPartition;
  } else if (name == "offset") {
    ref.field = MetaField::kOffset;
  } else if (name == "key") {
    ref.field = MetaField::kKey;
  } else if (name == "timestamp") {
    ref.field = MetaField::kTimestamp;
  } else if (name == "headers") {
    ref.field = MetaField::kHeaders;
  } else if (name.substr(0, kHeaderPrefix.size()) == kHeaderPrefix &&
             name.size() > kHeaderPrefix.size()) {
    ref.field = MetaField::kHeader;
    ref.header = std::string(name.substr(kHeaderPrefix.size()));
  } else {
    return bad();
  }
  return ref;
}

bool FindHeader(std::string_view headers_json, std::string_view name, std::string* value) {
  if (headers_json.empty()) return false;
  // Rare path (a header mapped to a column): a DOM parse of the small object is simplest.
  thread_local simdjson::dom::parser parser;
  simdjson::dom::object obj;
  if (parser.parse(headers_json.data(), headers_json.size()).get(obj)) return false;
  bool found = false;
  for (auto [k, v] : obj) {
    std::string_view s;
    if (k == name && !v.get(s)) {
      *value = std::string(s);  // the last one wins when a name repeats
      found = true;
    }
  }
  return found;
}

namespace {

Status AppendInteger(int64_t v, const DataType& t, Column& col, const TimeZones& zones) {
  const TypeId id = t.storage().id;
  if (id == TypeId::kString || id == TypeId::kFixedString)
    return ConvertText(fmt::format("{}", v), t, col, zones, /*from_number=*/true);
  return PutInteger(v, t, col, zones);
}

Status AppendTimestamp(int64_t ms, const DataType& t, Column& col, const TimeZones& zones) {
  switch (t.storage().id) {
    case TypeId::kDateTime:
    case TypeId::kDate: {
      const int64_t seconds = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
      return PutInteger(seconds, t, col, zones);
    }
    case TypeId::kDateTime64:
      return ConvertText(fmt::format("{}.{:03}", ms / 1000, ms % 1000), t, col, zones, true);
    default:
      return AppendInteger(ms, t, col, zones);
  }
}

}  // namespace

Status AppendMeta(const MetaRef& ref, const RecordMeta& meta, const DataType& t, Column& col,
                  const TimeZones& zones) {
  std::string header;
  bool present = true;
  switch (ref.field) {
    case MetaField::kKey:
      present = meta.has_key;
      break;
    case MetaField::kTimestamp:
      present = meta.timestamp_ms >= 0;
      break;
    case MetaField::kHeaders:
      present = !meta.headers_json.empty();
      break;
    case MetaField::kHeader:
      present = FindHeader(meta.headers_json, ref.header, &header);
      break;
    default:
      break;
  }
  // LowCardinality is stored as its inner type (the encoder builds the dictionary).
  if (t.id == TypeId::kLowCardinality) return AppendMeta(ref, meta, *t.children[0], col, zones);
  if (t.id == TypeId::kNullable) {
    col.nulls.push_back(present ? 0 : 1);
    if (!present) {
      col.children[0].AppendDefault();
      return Status::Ok();
    }
    return AppendMeta(ref, meta, *t.children[0], col.children[0], zones);
  }
  if (!present) {
    if (ref.field == MetaField::kHeaders) return ConvertText("{}", t, col, zones, false);
    col.AppendDefault();
    return Status::Ok();
  }
  switch (ref.field) {
    case MetaField::kTopic:
      return ConvertText(meta.topic, t, col, zones, false);
    case MetaField::kPartition:
      return AppendInteger(meta.partition, t, col, zones);
    case MetaField::kOffset:
      return AppendInteger(meta.offset, t, col, zones);
    case MetaField::kKey:
      return ConvertText(meta.key, t, col, zones, false);
    case MetaField::kTimestamp:
      return AppendTimestamp(meta.timestamp_ms, t, col, zones);
    case MetaField::kHeaders:
      return ConvertText(meta.headers_json, t, col, zones, false);
    case MetaField::kHeader:
      return ConvertText(header, t, col, zones, false);
  }
  return Status::Ok();
}

}  // namespace sluice
