// Seed-002 ad-click rows built in memory, shared by the micro-benchmarks and the profile-guided
// build's trainer (bench/pgo_train.cc), so both exercise the same shapes as `make bench`.
#pragma once

#include <date/date.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "formats/json_reader.h"

namespace sluice::bench {

inline SchemaPtr AdClicksSchema() {
  auto schema = std::make_shared<Schema>();
  const std::pair<const char*, const char*> columns[] = {
      {"click_id", "UUID"},
      {"user_id", "UInt64"},
      {"ad_id", "UInt32"},
      {"timestamp_ms", "UInt64"},
      {"event_time", "DateTime"},
      {"ip_address", "String"},
      {"device", "Enum8('desktop' = 1, 'mobile' = 2, 'tablet' = 3)"},
      {"price", "Decimal(18, 4)"},
      {"tags", "Array(String)"},
      {"referrer", "Nullable(String)"},
  };
  for (const auto& [name, type] : columns)
    schema->columns.push_back({name, ParseType(type).value(), DefaultKind::kNone, ""});
  return schema;
}

// Rows shaped like examples/quickstart/generate.py's, built here so the benchmark needs no file.
// `compact` is the W1 shape `make bench` ingests (--compact: naive DateTime text, at most one
// tag, a referrer that is sometimes absent, no nested object).
inline std::shared_ptr<std::string> AdClickLines(size_t n, std::vector<size_t>* starts,
                                                 bool compact = false) {
  std::mt19937_64 rng(2);
  const char* devices[] = {"desktop", "mobile", "tablet"};
  const char* tags[] = {"", "\"video\"", "\"promo\""};
  const char* refs[] = {"", ",\"referrer\":\"news.example.com\"",
                        ",\"referrer\":\"social.example.net\""};
  auto out = std::make_shared<std::string>();
  char buf[512];
  for (size_t i = 0; i < n; ++i) {
    starts->push_back(out->size());
    // Drawn one by one: the order of a call's arguments is unspecified, so draws made inside one
    // could differ between compilers.
    const uint64_t a = rng(), b = rng(), user = rng() % 5000000, ad = rng() % 20000;
    // As generate.py: 37 ms apart, the compact shape with up to a second of jitter.
    const uint64_t ts = 1700000000000ULL + i * 37 + (compact ? rng() % 1000 : 0);
    const uint64_t ip[4] = {rng() % 223 + 1, rng() % 256, rng() % 256, rng() % 254 + 1};
    const char* device = devices[rng() % 3];
    const uint64_t whole = rng() % 50, fraction = rng() % 10000;
    // The fields both shapes share, up to event_time's value.
    size_t len = static_cast<size_t>(std::snprintf(
        buf, sizeof buf,
        "{\"click_id\":\"%08x-%04x-4%03x-8%03x-%012llx\",\"user_id\":%llu,\"ad_id\":%llu,"
        "\"timestamp_ms\":%llu,\"ip_address\":\"%llu.%llu.%llu.%llu\",\"event_time\":",
        static_cast<unsigned>(a), static_cast<unsigned>(a >> 32) & 0xffff,
        static_cast<unsigned>(a >> 48) & 0xfff, static_cast<unsigned>(b) & 0xfff,
        static_cast<unsigned long long>(b >> 16), static_cast<unsigned long long>(user),
        static_cast<unsigned long long>(ad), static_cast<unsigned long long>(ts),
        static_cast<unsigned long long>(ip[0]), static_cast<unsigned long long>(ip[1]),
        static_cast<unsigned long long>(ip[2]), static_cast<unsigned long long>(ip[3])));
    if (compact) {
      // Naive DateTime text of the same instant as timestamp_ms.
      const date::sys_seconds at{std::chrono::seconds(ts / 1000)};
      const auto day = date::floor<date::days>(at);
      const date::year_month_day ymd{day};
      const date::hh_mm_ss<std::chrono::seconds> hms{at - day};
      const char* tag = tags[rng() % 3];
      const char* ref = refs[rng() % 3];
      len += static_cast<size_t>(std::snprintf(
          buf + len, sizeof buf - len,
          "\"%04d-%02u-%02u %02d:%02d:%02d\",\"device\":\"%s\",\"price\":%llu.%04llu,"
          "\"tags\":[%s]%s}\n",
          static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
          static_cast<unsigned>(ymd.day()), static_cast<int>(hms.hours().count()),
          static_cast<int>(hms.minutes().count()), static_cast<int>(hms.seconds().count()), device,
          static_cast<unsigned long long>(whole), static_cast<unsigned long long>(fraction), tag,
          ref));
    } else {
      len += static_cast<size_t>(std::snprintf(
          buf + len, sizeof buf - len,
          "\"2023-11-15T00:13:20.978+02:00\",\"device\":\"%s\",\"price\":%llu.%04llu,"
          "\"tags\":[\"video\",\"promo\"],\"referrer\":null,\"geo\":{\"country\":\"US\","
          "\"city\":\"New York\"}}\n",
          device, static_cast<unsigned long long>(whole),
          static_cast<unsigned long long>(fraction)));
    }
    out->append(buf, len);
  }
  starts->push_back(out->size());
  out->append(JsonReader::kPadding, '\0');
  return out;
}

// Decodes every line into `block` as the runner does (AppendLines: one simdjson stream over all
// of them) or, with per_line, one AppendRow per line; returns the first error.
inline Status DecodeAll(JsonReader& reader, const std::shared_ptr<std::string>& lines,
                        const std::vector<size_t>& starts, Block& block, bool per_line = false) {
  block.KeepAlive(lines);
  const size_t n = starts.size() - 1;
  if (per_line) {
    for (size_t i = 0; i < n; ++i) {
      const size_t b = starts[i], e = starts[i + 1] - 1;  // without the newline
      RETURN_IF_ERROR(reader.AppendRow(std::string_view(lines->data() + b, e - b),
                                       lines->size() - b,
                                       RowOrigin{PartitionId{0}, i + 1, Offset{b}}, block));
    }
    return Status::Ok();
  }
  std::vector<size_t> ends(n);  // as the file source finds them
  for (size_t i = 0; i < n; ++i) ends[i] = starts[i + 1] - 1;
  const JsonReader::Lines refs{ends.data(), n, 0, PartitionId{0}, 1, Offset{0}};
  Status first;
  RETURN_IF_ERROR(reader.AppendLines(std::string_view(lines->data(), starts[n]), lines->size(),
                                     refs, block,
                                     [&](const RowOrigin&, std::string_view, const Status& st) {
                                       if (first.ok()) first = st;
                                       return Status::Ok();
                                     }));
  return first;
}

}  // namespace sluice::bench
