#include "clickhouse/client.h"

#include <fmt/format.h>

#include "clickhouse/sql.h"

namespace sluice {

std::vector<std::vector<std::string>> ParseTsv(std::string_view body) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  for (size_t i = 0; i < body.size(); ++i) {
    char c = body[i];
    if (c == '\\' && i + 1 < body.size()) {
      char e = body[++i];
      switch (e) {
        case 't': field.push_back('\t'); break;
        case 'n': field.push_back('\n'); break;
        case 'r': field.push_back('\r'); break;
        case '0': field.push_back('\0'); break;
        case 'b': field.push_back('\b'); break;
        case 'f': field.push_back('\f'); break;
        default: field.push_back(e); break;
      }
    } else if (c == '\t') {
      row.push_back(std::move(field));
      field.clear();
    } else if (c == '\n') {
      row.push_back(std::move(field));
      field.clear();
      rows.push_back(std::move(row));
      row.clear();
    } else {
      field.push_back(c);
    }
  }
  if (!field.empty() || !row.empty()) {
    row.push_back(std::move(field));
    rows.push_back(std::move(row));
  }
  return rows;
}

Result<std::string> ClickHouseClient::Query(const std::string& sql, std::string_view body) {
  auto conn = pool_.Acquire();
  std::string params = "query=" + UrlEncode(sql);
  HttpResponse r = conn->Post(params, body);
  Classified c = Classify(r);
  if (c.cls == ErrorClass::kOk) {
    pool_.Release(std::move(conn));
    return std::move(r.body);
  }
  return Status(c.cls == ErrorClass::kRetryable ? Code::kRetryable : Code::kPermanent,
                fmt::format("ClickHouse at {}: {}", pool_.endpoint().url, c.message));
}

Result<ServerInfo> ClickHouseClient::Info() {
  ServerInfo info;
  ASSIGN_OR_RETURN(std::string out, Query("SELECT version(), timezone() FORMAT TSV"));
  auto rows = ParseTsv(out);
  if (rows.empty() || rows[0].size() < 2) return Internal("unexpected answer to SELECT version()");
  info.version = rows[0][0];
  info.timezone = rows[0][1];
  ASSIGN_OR_RETURN(std::string settings,
                   Query("SELECT name FROM system.settings WHERE name IN "
                         "('async_insert', 'insert_deduplication_token') FORMAT TSV"));
  for (const auto& row : ParseTsv(settings)) {
    if (row.empty()) continue;
    if (row[0] == "async_insert") info.has_async_insert = true;
    if (row[0] == "insert_deduplication_token") info.has_insert_deduplication_token = true;
  }
  return info;
}

Result<SchemaPtr> ClickHouseClient::DescribeTable(const std::string& database,
                                                  const std::string& table) {
  ASSIGN_OR_RETURN(
      std::string out,
      Query(fmt::format("SELECT name, type, default_kind, default_expression FROM system.columns "
                        "WHERE database = {} AND table = {} FORMAT TSV",
                        QuoteString(database), QuoteString(table))));
  auto schema = std::make_shared<Schema>();
  for (const auto& row : ParseTsv(out)) {
    if (row.size() < 4) continue;
    ColumnSpec spec;
    spec.name = row[0];
    auto type = ParseType(row[1]);
    if (!type.ok()) return type.status().Context("column '" + spec.name + "'");
    spec.type = type.value();
    if (row[2] == "MATERIALIZED" || row[2] == "ALIAS") continue;
    spec.default_kind = row[2] == "DEFAULT" ? DefaultKind::kDefault : DefaultKind::kNone;
    spec.default_expression = row[3];
    schema->columns.push_back(std::move(spec));
  }
  if (schema->columns.empty())
    return NotFound(fmt::format("table {}.{} does not exist on {} (or has no insertable columns)",
                                QuoteIdentifier(database), QuoteIdentifier(table),
                                pool_.endpoint().url));
  return SchemaPtr(std::move(schema));
}

}  // namespace sluice
