// ClickHouse client: plain queries, server facts and table schemas over the HTTP interface.
// Thread-safety: safe from any thread (each call takes its own pooled connection).
#pragma once

#include <string>
#include <vector>

#include "clickhouse/errors.h"
#include "clickhouse/http_client.h"
#include "core/block.h"

namespace sluice {

struct ServerInfo {
  std::string version;   // e.g. "18.16.1"
  std::string timezone;  // server default time zone
  bool has_async_insert = false;
  bool has_insert_deduplication_token = false;
};

class ClickHouseClient {
 public:
  explicit ClickHouseClient(HttpEndpoint endpoint) : pool_(std::move(endpoint)) {}

  // Runs a query and returns its body (use FORMAT TSV for machine reading). Failures are
  // classified; the Status code is kRetryable or kPermanent.
  Result<std::string> Query(const std::string& sql, std::string_view body = {});
  Result<ServerInfo> Info();
  // The insertable columns of db.table (MATERIALIZED and ALIAS are left out), in table order.
  // kNotFound if the table does not exist.
  Result<SchemaPtr> DescribeTable(const std::string& database, const std::string& table);

  HttpPool& pool() { return pool_; }

 private:
  HttpPool pool_;
};

// Splits TSV output into rows of unescaped fields.
std::vector<std::vector<std::string>> ParseTsv(std::string_view body);

}  // namespace sluice
