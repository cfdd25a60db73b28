#include <fmt/format.h>
#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

#include "app/commands.h"
#include "clickhouse/client.h"
#include "formats/json_reader.h"
#include "pipeline/runner.h"

namespace sluice {
namespace {

constexpr size_t kSampleLines = 1000;

// Field paths seen in the first lines of each input file.
std::set<std::string> SampleFields(const PipelineConfig& p, std::vector<std::string>* problems) {
  std::set<std::string> fields;
  for (const auto& path : p.source.paths) {
    gzFile f = gzopen(path.c_str(), "rb");
    if (f == nullptr) {
      problems->push_back(fmt::format("cannot open input file {}", path));
      continue;
    }
    char buf[1 << 16];
    std::string line;
    size_t n = 0;
    while (n < kSampleLines && gzgets(f, buf, sizeof(buf)) != nullptr) {
      line += buf;
      if (line.empty() || line.back() != '\n') continue;
      ++n;
      auto paths = JsonReader::FieldPaths(line);
      if (paths.ok()) fields.insert(paths->begin(), paths->end());
      line.clear();
    }
    gzclose(f);
  }
  return fields;
}

}  // namespace

int CheckCommand(const Config& config, const std::vector<std::string>& only) {
  int problems_total = 0;
  for (const auto& p : config.pipelines) {
    if (!only.empty() && std::find(only.begin(), only.end(), p.name) == only.end()) continue;
    std::vector<std::string> problems;
    std::printf("pipeline '%s': %s → %s.%s at %s\n", p.name.c_str(), p.source.type.c_str(),
                p.sink.database.c_str(), p.sink.table.c_str(), p.sink.url.c_str());
    ClickHouseClient client(EndpointOf(p.sink));
    auto info = client.Info();
    if (!info.ok()) {
      std::printf("  PROBLEM: cannot reach ClickHouse: %s\n", info.status().message().c_str());
      ++problems_total;
      continue;
    }
    std::printf("  ClickHouse %s (time zone %s)\n", info->version.c_str(), info->timezone.c_str());
    auto schema = client.DescribeTable(p.sink.database, p.sink.table);
    if (!schema.ok()) {
      std::printf("  PROBLEM: pipelines.%s.sink.table: %s\n", p.name.c_str(),
                  schema.status().message().c_str());
      ++problems_total;
      continue;
    }
    JsonReaderOptions ro;
    ro.rename = p.decode.rename;
    ro.metadata = p.decode.metadata;
    ro.server_timezone = info->timezone;
    auto reader = JsonReader::Create(*schema, ro);
    if (!reader.ok()) {
      std::printf("  PROBLEM: %s\n", DecodeErrorPaths(p.name, reader.status().message()).c_str());
      ++problems_total;
      continue;
    }
    const bool sampled = p.source.type == "file";
    std::set<std::string> fields = sampled ? SampleFields(p, &problems) : std::set<std::string>{};
    if (sampled)
      std::printf("  fields seen in the first %zu lines of each input: %zu\n", kSampleLines,
                  fields.size());
    int name_w = 6, type_w = 4;
    for (const auto& c : (*schema)->columns) {
      name_w = std::max(name_w, static_cast<int>(c.name.size()));
      type_w = std::max(type_w, static_cast<int>(c.type->name.size()));
    }
    std::printf("  %-*s  %-*s  %s\n", name_w, "column", type_w, "type", "filled from");
    // Columns the transforms set (the last one to set a column wins, as at run time).
    std::map<std::string, std::string> by_transform;
    for (const auto& t : p.transforms) {
      for (const auto& [col, expr] : t.set) by_transform[col] = t.name + " (map: " + expr + ")";
      for (const auto& [col, pg] : t.columns)
        by_transform[col] = t.name + " (enrich: " + t.table + "." + pg + ")";
      for (const auto& [from, to] : t.rename)
        by_transform[to] = t.name + " (renamed from " + from + ")";
    }
    for (size_t i = 0; i < (*schema)->columns.size(); ++i) {
      const auto& c = (*schema)->columns[i];
      const std::string field = (*reader)->FieldFor(i);
      bool seen = !sampled;
      for (const auto& f : fields)
        if (f == field || f.rfind(field + ".", 0) == 0) seen = true;
      std::string from;
      if (auto meta = p.decode.metadata.find(c.name); meta != p.decode.metadata.end()) {
        from = "metadata " + meta->second;
      } else if (auto t = by_transform.find(c.name); t != by_transform.end()) {
        from = "transform " + t->second;
      } else if (seen) {
        from = "field " + field + (field != c.name ? " (renamed)" : "");
      } else if (c.default_kind == DefaultKind::kDefault) {
        from = "DEFAULT " + c.default_expression + " (no field '" + field + "' in the sample)";
      } else {
        from = "NOT FILLED: no field '" + field + "' in the sample and no DEFAULT";
        problems.push_back(fmt::format("column '{}' cannot be filled", c.name));
      }
      std::printf("  %-*s  %-*s  %s\n", name_w, c.name.c_str(), type_w, c.type->name.c_str(),
                  from.c_str());
    }
    std::vector<std::string> unmapped;
    for (const auto& f : fields)
      if (!(*reader)->IsMapped(f) && !p.decode.fields.count(f)) unmapped.push_back(f);
    if (!unmapped.empty()) {
      std::printf("  fields without a column (ignored on insert):\n");
      for (const auto& f : unmapped) std::printf("    %s\n", f.c_str());
      problems.push_back(fmt::format("{} field(s) have no column", unmapped.size()));
    }
    for (const auto& pr : problems) std::printf("  PROBLEM: %s\n", pr.c_str());
    problems_total += static_cast<int>(problems.size());
  }
  if (problems_total > 0) {
    std::printf("%d problem(s) found\n", problems_total);
    return 2;
  }
  std::printf("no problems found\n");
  return 0;
}

}  // namespace sluice
