// `enrich` transform: a lookup join against a PostgreSQL table (libpq).
//
// Start-up (Prepare): compiles `key`, connects, resolves `table` (search_path applies to a bare
// name), reads the types of `match` and of every column named in `columns` from
// information_schema and maps them to ClickHouse types (a nullable PostgreSQL column becomes
// Nullable), and prepares the lookup statement — every mistake is a start-up error naming its key.
//
// Per block (Apply): the key is evaluated for all rows (as text, normalised for the match
// column's type so that the key and the value PostgreSQL returns compare equal); the distinct keys
// not in the cache are looked up with ONE prepared statement,
//   SELECT match, cols… FROM table WHERE match = ANY($1)
// whose parameter is a text array literal of the keys. Answers (rows and absences) go into an LRU
// cache with a TTL; the output columns are then filled column-wise from the cached rows. A key
// that is NULL, cannot be a value of the match column (`'abc'` for an integer column), or has no
// row is "missing": on_missing `default` fills the type's default (NULL for a nullable column),
// `drop` removes the row, `dead_letter` rejects it.
//
// PostgreSQL down or a failing query: the lookup is retried with exponential backoff (100 ms →
// 10 s) without limit while the block waits (backpressure: nothing is lost or defaulted); a
// connection problem is logged as a warning once per outage, another error (e.g. permission) as
// an error. The conninfo (and its password) never appears in a message.
//
// Thread-safety: Apply runs on several decode workers at once. The cache has its own mutex; the
// one connection is used under another (lookups are rare once the cache is warm).
#include <fmt/format.h>
#include <libpq-fe.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <list>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>

#include "expr/expr.h"
#include "formats/native_writer.h"
#include "pipeline/stats.h"
#include "pipeline/transform.h"

namespace sluice {
namespace {

using Clock = std::chrono::steady_clock;

// How a value of the match column is written as text (keys and returned values alike).
enum class MatchKind { kInt, kText, kChar, kUuid, kNumber };

// How a looked-up column is read.
enum class ValueKind { kInt, kFloat, kDecimal, kString, kBool, kDateTime, kDate, kUuid };

bool ValidUtf8(std::string_view s) {
  size_t i = 0;
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  while (i < n) {
    const unsigned char c = p[i];
    if (c == 0) return false;  // PostgreSQL text cannot hold NUL
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    uint32_t cp;
    if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > n) return false;
    for (size_t k = 1; k < len; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[i + k] & 0x3F);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    i += len;
  }
  return true;
}

bool ParseDouble(std::string_view s, double* out) {
  if (s.empty() || s.size() > 400) return false;
  std::string z(s);
  char* end = nullptr;
  *out = std::strtod(z.c_str(), &end);
  return end == z.c_str() + z.size();
}

std::string FormatUuidBytes(const uint8_t b[16]) {
  // Native order: two little-endian UInt64 halves, high half first.
  uint64_t hi, lo;
  std::memcpy(&hi, b, 8);
  std::memcpy(&lo, b + 8, 8);
  const std::string h = fmt::format("{:016x}{:016x}", hi, lo);
  return fmt::format("{}-{}-{}-{}-{}", h.substr(0, 8), h.substr(8, 4), h.substr(12, 4),
                     h.substr(16, 4), h.substr(20));
}

// The canonical text of a match-column value, or nullopt if `s` cannot be one (such a key can
// have no row: it is "missing" without asking PostgreSQL, whose query would fail on it).
std::optional<std::string> Canonical(MatchKind kind, int64_t lo, int64_t hi, std::string_view s) {
  switch (kind) {
    case MatchKind::kInt: {
      if (!s.empty() && s[0] == '+') s.remove_prefix(1);
      int64_t v = 0;
      auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
      if (ec != std::errc() || p != s.data() + s.size() || v < lo || v > hi) return std::nullopt;
      return fmt::format("{}", v);
    }
    case MatchKind::kText:
      if (!ValidUtf8(s)) return std::nullopt;
      return std::string(s);
    case MatchKind::kChar:
      if (!ValidUtf8(s)) return std::nullopt;
      while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
      return std::string(s);
    case MatchKind::kUuid: {
      uint8_t b[16];
      if (!ParseUuid(s, b)) return std::nullopt;
      return FormatUuidBytes(b);
    }
    case MatchKind::kNumber: {
      double d;
      if (!ParseDouble(s, &d) || !std::isfinite(d)) return std::nullopt;
      if (d == 0) d = 0;  // -0 → 0
      return fmt::format("{}", d);
    }
  }
  return std::nullopt;
}

// "…" quoted element of a PostgreSQL array literal.
void AppendArrayElement(std::string& out, const std::string& s) {
  out.push_back('"');
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
}

std::string QuoteIdent(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

// A looked-up row: one single-value column per output column (of its output type).
struct Entry {
  std::vector<Column> values;
};
using EntryPtr = std::shared_ptr<const Entry>;

// LRU cache of answers (a row, or nullptr: no row) with a TTL. Guarded by its own mutex.
class Cache {
 public:
  Cache(size_t capacity, std::chrono::milliseconds ttl) : capacity_(capacity), ttl_(ttl) {}
  bool enabled() const { return capacity_ > 0 && ttl_.count() > 0; }

  // Looks up each key; returns true and sets *entry if an unexpired answer is cached.
  bool Get(const std::string& key, Clock::time_point now, EntryPtr* entry) {
    auto it = map_.find(key);
    if (it == map_.end()) return false;
    if (it->second.expires <= now) {
      order_.erase(it->second.pos);
      map_.erase(it);
      return false;
    }
    order_.splice(order_.begin(), order_, it->second.pos);
    *entry = it->second.entry;
    return true;
  }

  void Put(const std::string& key, EntryPtr entry, Clock::time_point now) {
    if (!enabled()) return;
    auto it = map_.find(key);
    if (it != map_.end()) {
      it->second.entry = std::move(entry);
      it->second.expires = now + ttl_;
      order_.splice(order_.begin(), order_, it->second.pos);
      return;
    }
    while (map_.size() >= capacity_) {
      map_.erase(order_.back());
      order_.pop_back();
    }
    order_.push_front(key);
    map_.emplace(key, Node{std::move(entry), now + ttl_, order_.begin()});
  }

  std::mutex& mu() { return mu_; }

 private:
  struct Node {
    EntryPtr entry;
    Clock::time_point expires;
    std::list<std::string>::iterator pos;
  };
  const size_t capacity_;
  const std::chrono::milliseconds ttl_;
  std::mutex mu_;
  std::list<std::string> order_;  // most recently used first
  std::unordered_map<std::string, Node> map_;
};

struct PgResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using PgResult = std::unique_ptr<PGresult, PgResultDeleter>;

class EnrichTransform : public Transform {
 public:
  EnrichTransform(const TransformConfig& cfg, const TransformContext& ctx)
      : cfg_(cfg),
        ctx_(ctx),
        on_missing_(cfg.on_missing == "default" ? OnMissing::kDefault
                    : cfg.on_missing == "drop"  ? OnMissing::kDrop
                                                : OnMissing::kDeadLetter),
        cache_(static_cast<size_t>(cfg.cache_rows), std::chrono::milliseconds(cfg.cache_ttl_ms)) {}

  ~EnrichTransform() override {
    if (conn_) PQfinish(conn_);
  }

  Result<SchemaPtr> Prepare(SchemaPtr input) override {
    // The key, as text (toString formats numbers, dates and UUIDs as ClickHouse does).
    auto key = Expr::Compile(cfg_.key, input);
    if (!key.ok()) return key.status().Context("key");
    const DataType& kt = *key.value()->type();
    const DataType& kinner = kt.id == TypeId::kNullable ? *kt.children[0] : kt;
    if (kinner.id == TypeId::kString) {
      key_ = std::move(key.value());
    } else {
      auto wrapped = Expr::Compile("toString((" + cfg_.key + "))", input);
      if (!wrapped.ok())
        return InvalidArgument(
            fmt::format("key: a {} cannot be looked up (use a number, String, Date, DateTime or "
                        "UUID)",
                        kt.name));
      key_ = std::move(wrapped.value());
    }
    if (!ParseConninfo())
      return InvalidArgument("postgres: not a valid libpq connection string or URI");
    std::string err;
    if (!Connect(&err)) return IoError("postgres: cannot connect to PostgreSQL: " + err);
    RETURN_IF_ERROR(Describe());
    RETURN_IF_ERROR(PrepareStatement().Context("table"));

    // Output schema: input columns (replaced in place when a looked-up column has their name),
    // then the new ones in `columns` order.
    auto out = std::make_shared<Schema>();
    std::vector<int> from;
    for (size_t i = 0; i < input->columns.size(); ++i) {
      out->columns.push_back(input->columns[i]);
      from.push_back(static_cast<int>(i));
    }
    for (size_t k = 0; k < outs_.size(); ++k) {
      int at = out->IndexOf(outs_[k].name);
      ColumnSpec spec{outs_[k].name, outs_[k].type, DefaultKind::kNone, ""};
      if (at >= 0) {
        out->columns[static_cast<size_t>(at)] = spec;
        from[static_cast<size_t>(at)] = -1 - static_cast<int>(k);
      } else {
        out->columns.push_back(spec);
        from.push_back(-1 - static_cast<int>(k));
      }
    }
    // Reshape takes the added columns in output order.
    for (int f : from) {
      from_.push_back(f < 0 ? -1 : f);
      if (f < 0) added_order_.push_back(static_cast<size_t>(-1 - f));
    }
    output_ = out;
    return SchemaPtr(out);
  }

  Status Apply(Block& block, const RejectFn& reject) override {
    // 1. Keys (rows whose key fails to evaluate are rejected first).
    Column keys(key_->type());
    for (;;) {
      std::vector<ExprRowError> errors;
      auto col = key_->Evaluate(block, &errors);
      if (!col.ok()) return col.status();
      if (errors.empty()) {
        keys = std::move(col.value());
        break;
      }
      std::vector<uint8_t> good(block.rows(), 1);
      for (const auto& e : errors) {
        RETURN_IF_ERROR(reject(e.row, fmt::format("enrich {}: key: {}", cfg_.name, e.message)));
        good[e.row] = 0;
      }
      block.Filter(good);
    }
    const size_t rows = block.rows();
    const bool nullable_key = keys.type().id == TypeId::kNullable;
    const Column& text = nullable_key ? keys.children[0] : keys;

    // 2. Distinct keys; per row, its key's slot (or -1: NULL or impossible key).
    struct Slot {
      std::string key;
      EntryPtr entry;
      bool cached = false;
    };
    std::vector<Slot> slots;
    std::unordered_map<std::string, int> index;
    std::vector<int> row_slot(rows, -1);
    for (size_t r = 0; r < rows; ++r) {
      if (nullable_key && keys.nulls[r]) continue;
      auto canon = Canonical(match_kind_, match_lo_, match_hi_, text.StringAt(r));
      if (!canon) continue;
      auto [it, inserted] = index.emplace(*canon, static_cast<int>(slots.size()));
      if (inserted) slots.push_back(Slot{std::move(*canon), nullptr, false});
      row_slot[r] = it->second;
    }

    // 3. The cache, then one query for the rest.
    std::vector<size_t> wanted;
    {
      std::lock_guard lock(cache_.mu());
      const auto now = Clock::now();
      for (size_t s = 0; s < slots.size(); ++s) {
        slots[s].cached = cache_.Get(slots[s].key, now, &slots[s].entry);
        if (!slots[s].cached) wanted.push_back(s);
      }
    }
    if (!wanted.empty()) {
      std::vector<std::string> ask;
      ask.reserve(wanted.size());
      for (size_t s : wanted) ask.push_back(slots[s].key);
      std::unordered_map<std::string, EntryPtr> found;
      RETURN_IF_ERROR(Lookup(ask, &found));
      std::lock_guard lock(cache_.mu());
      const auto now = Clock::now();
      for (size_t s : wanted) {
        auto it = found.find(slots[s].key);
        if (it != found.end()) slots[s].entry = it->second;
        cache_.Put(slots[s].key, slots[s].entry, now);
      }
    }

    // 4. Metrics, and rows without a match.
    uint64_t hit = 0, miss = 0, missing = 0;
    std::vector<uint8_t> keep;
    for (size_t r = 0; r < rows; ++r) {
      const int s = row_slot[r];
      if (s >= 0) (slots[static_cast<size_t>(s)].cached ? hit : miss)++;
      if (s >= 0 && slots[static_cast<size_t>(s)].entry) continue;
      ++missing;
      if (on_missing_ == OnMissing::kDefault) continue;
      if (keep.empty()) keep.assign(rows, 1);
      keep[r] = 0;
      if (on_missing_ == OnMissing::kDeadLetter) {
        std::string shown = s >= 0                            ? slots[static_cast<size_t>(s)].key
                            : (nullable_key && keys.nulls[r]) ? "NULL"
                                                              : std::string(text.StringAt(r));
        if (shown.size() > 200) shown = shown.substr(0, 200) + "…";
        RETURN_IF_ERROR(reject(r, fmt::format("enrich {}: no row in {} with {} = {}", cfg_.name,
                                              cfg_.table, cfg_.match, shown)));
      }
    }
    if (ctx_.stats) {
      if (hit) ctx_.stats->transform_events.Add(cfg_.name + "/hit", hit);
      if (miss) ctx_.stats->transform_events.Add(cfg_.name + "/miss", miss);
      if (missing) ctx_.stats->transform_events.Add(cfg_.name + "/missing", missing);
    }
    if (!keep.empty()) {
      block.Filter(keep);
      size_t w = 0;
      for (size_t r = 0; r < rows; ++r)
        if (keep[r]) row_slot[w++] = row_slot[r];
      row_slot.resize(w);
    }

    // 5. The looked-up columns, column by column.
    std::vector<Column> computed;
    for (size_t k = 0; k < outs_.size(); ++k) {
      Column c(outs_[k].type);
      for (size_t r = 0; r < row_slot.size(); ++r) {
        const int s = row_slot[r];
        const Entry* e = s >= 0 ? slots[static_cast<size_t>(s)].entry.get() : nullptr;
        if (e)
          c.AppendFrom(e->values[k], 0);
        else
          c.AppendDefault();
      }
      computed.push_back(std::move(c));
    }
    std::vector<Column> added;
    for (size_t k : added_order_) added.push_back(std::move(computed[k]));
    block = std::move(block).Reshape(output_, from_, std::move(added));
    return Status::Ok();
  }

 private:
  enum class OnMissing { kDefault, kDrop, kDeadLetter };
  struct Out {
    std::string name;  // output column
    std::string pg;    // PostgreSQL column
    ValueKind kind;
    DataTypePtr type;  // output type (Nullable when the PostgreSQL column is)
    uint32_t scale = 0;
  };

  std::string Scrub(std::string message) const {
    if (!password_.empty()) {
      for (size_t at = message.find(password_); at != std::string::npos;
           at = message.find(password_, at + 3))
        message.replace(at, password_.size(), "***");
    }
    // One line, single spaces (libpq messages span lines and indent with tabs).
    std::string out;
    for (char ch : message) {
      if (ch == '\n' || ch == '\t' || ch == '\r') ch = ' ';
      if (ch == ' ' && (out.empty() || out.back() == ' ')) continue;
      out.push_back(ch);
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out;
  }

  bool ParseConninfo() {
    char* err = nullptr;
    PQconninfoOption* opts = PQconninfoParse(cfg_.postgres.c_str(), &err);
    if (err) PQfreemem(err);
    if (!opts) return false;
    for (PQconninfoOption* o = opts; o->keyword; ++o)
      if (std::string_view(o->keyword) == "password" && o->val) password_ = o->val;
    PQconninfoFree(opts);
    return true;
  }

  // (Re)connects; REQUIRES conn_mu_ held (or start-up).
  bool Connect(std::string* err) {
    if (conn_) {
      PQfinish(conn_);
      conn_ = nullptr;
    }
    prepared_ = false;
    // Earlier parameters are defaults the connection string may override.
    const char* keys[] = {"connect_timeout", "application_name", "client_encoding", "dbname",
                          nullptr};
    const char* vals[] = {"10", "sluice", "UTF8", cfg_.postgres.c_str(), nullptr};
    conn_ = PQconnectdbParams(keys, vals, 1);
    if (!conn_ || PQstatus(conn_) != CONNECTION_OK) {
      *err = Scrub(conn_ ? PQerrorMessage(conn_) : "out of memory");
      if (conn_) PQfinish(conn_);
      conn_ = nullptr;
      return false;
    }
    PgResult r(PQexec(conn_, "SET TimeZone = 'UTC'"));
    if (PQresultStatus(r.get()) != PGRES_COMMAND_OK) {
      *err = Scrub(PQerrorMessage(conn_));
      return false;
    }
    return true;
  }

  Result<PgResult> Exec(const std::string& sql, const std::vector<std::string>& params) {
    std::vector<const char*> p;
    for (const auto& s : params) p.push_back(s.c_str());
    PgResult r(PQexecParams(conn_, sql.c_str(), static_cast<int>(p.size()), nullptr, p.data(),
                            nullptr, nullptr, 0));
    if (PQresultStatus(r.get()) != PGRES_TUPLES_OK) return IoError(Scrub(PQerrorMessage(conn_)));
    return r;
  }

  // Resolves the table and the types of `match` and `columns`.
  Status Describe() {
    std::string schema, name = cfg_.table;
    const size_t dot = cfg_.table.find('.');
    if (dot != std::string::npos) {
      schema = cfg_.table.substr(0, dot);
      name = cfg_.table.substr(dot + 1);
    }
    const std::string reg =
        schema.empty() ? QuoteIdent(name) : QuoteIdent(schema) + "." + QuoteIdent(name);
    auto where = Exec(
        "SELECT n.nspname, c.relname FROM pg_catalog.pg_class c "
        "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = to_regclass($1)",
        {reg});
    if (!where.ok()) return where.status().Context("table");
    if (PQntuples(where.value().get()) == 0)
      return NotFound(fmt::format("table: PostgreSQL has no table '{}'{}", cfg_.table,
                                  schema.empty() ? " (looked up on the search_path)" : ""));
    schema = PQgetvalue(where.value().get(), 0, 0);
    name = PQgetvalue(where.value().get(), 0, 1);
    qualified_ = QuoteIdent(schema) + "." + QuoteIdent(name);

    auto cols = Exec(
        "SELECT column_name, udt_name, is_nullable, numeric_precision, numeric_scale "
        "FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 "
        "ORDER BY ordinal_position",
        {schema, name});
    if (!cols.ok()) return cols.status().Context("table");
    struct PgCol {
      std::string udt;
      bool nullable;
      int precision;  // -1: none
      int scale;
    };
    std::map<std::string, PgCol> have;
    std::string names;
    PGresult* r = cols.value().get();
    for (int i = 0; i < PQntuples(r); ++i) {
      have[PQgetvalue(r, i, 0)] =
          PgCol{PQgetvalue(r, i, 1), std::string_view(PQgetvalue(r, i, 2)) == "YES",
                PQgetisnull(r, i, 3) ? -1 : std::atoi(PQgetvalue(r, i, 3)),
                PQgetisnull(r, i, 4) ? 0 : std::atoi(PQgetvalue(r, i, 4))};
      names += (names.empty() ? "" : ", ") + std::string(PQgetvalue(r, i, 0));
    }
    std::string errors;
    auto missing_col = [&](const std::string& key, const std::string& col) {
      errors += fmt::format("{}: table {} has no column '{}' (it has: {})\n", key, cfg_.table, col,
                            names);
    };

    // The match column.
    auto m = have.find(cfg_.match);
    if (m == have.end()) {
      missing_col("match", cfg_.match);
    } else {
      const std::string& u = m->second.udt;
      match_lo_ = INT64_MIN;
      match_hi_ = INT64_MAX;
      if (u == "int2" || u == "int4" || u == "int8") {
        match_kind_ = MatchKind::kInt;
        if (u == "int2") match_lo_ = INT16_MIN, match_hi_ = INT16_MAX;
        if (u == "int4") match_lo_ = INT32_MIN, match_hi_ = INT32_MAX;
      } else if (u == "text" || u == "varchar" || u == "name" || u == "citext") {
        match_kind_ = MatchKind::kText;
      } else if (u == "bpchar") {
        match_kind_ = MatchKind::kChar;
      } else if (u == "uuid") {
        match_kind_ = MatchKind::kUuid;
      } else if (u == "numeric" || u == "float4" || u == "float8") {
        match_kind_ = MatchKind::kNumber;
      } else {
        errors += fmt::format(
            "match: column '{}' of {} has type {}: enrich matches integer, numeric, float, text, "
            "varchar, char or uuid columns\n",
            cfg_.match, cfg_.table, u);
      }
    }

    // The looked-up columns.
    for (const auto& [out, pg] : cfg_.columns) {
      auto c = have.find(pg);
      if (c == have.end()) {
        missing_col("columns." + out, pg);
        continue;
      }
      const PgCol& p = c->second;
      Out o{out, pg, ValueKind::kString, nullptr, 0};
      std::string ch;
      if (p.udt == "int2") {
        o.kind = ValueKind::kInt, ch = "Int16";
      } else if (p.udt == "int4") {
        o.kind = ValueKind::kInt, ch = "Int32";
      } else if (p.udt == "int8") {
        o.kind = ValueKind::kInt, ch = "Int64";
      } else if (p.udt == "float4") {
        o.kind = ValueKind::kFloat, ch = "Float32";
      } else if (p.udt == "float8") {
        o.kind = ValueKind::kFloat, ch = "Float64";
      } else if (p.udt == "numeric") {
        if (p.precision > 0 && p.precision <= 18 && p.scale >= 0 && p.scale <= p.precision) {
          o.kind = ValueKind::kDecimal, ch = fmt::format("Decimal({}, {})", p.precision, p.scale);
          o.scale = static_cast<uint32_t>(p.scale);
        } else {
          o.kind = ValueKind::kFloat, ch = "Float64";
        }
      } else if (p.udt == "text" || p.udt == "varchar" || p.udt == "bpchar" || p.udt == "name" ||
                 p.udt == "citext" || p.udt == "json" || p.udt == "jsonb") {
        o.kind = ValueKind::kString, ch = "String";
      } else if (p.udt == "bool") {
        o.kind = ValueKind::kBool, ch = "UInt8";
      } else if (p.udt == "timestamp" || p.udt == "timestamptz") {
        o.kind = ValueKind::kDateTime, ch = "DateTime";
      } else if (p.udt == "date") {
        o.kind = ValueKind::kDate, ch = "Date";
      } else if (p.udt == "uuid") {
        o.kind = ValueKind::kUuid, ch = "UUID";
      } else {
        errors += fmt::format(
            "columns.{}: column '{}' of {} has type {}, which enrich does not support (int2/4/8, "
            "float4/8, numeric, text, varchar, char, json, bool, timestamp[tz], date, uuid)\n",
            out, pg, cfg_.table, p.udt);
        continue;
      }
      auto t = ParseType(p.nullable ? "Nullable(" + ch + ")" : ch);
      if (!t.ok()) return Internal(t.status().message());
      o.type = t.value();
      outs_.push_back(std::move(o));
    }
    if (!errors.empty()) {
      errors.pop_back();
      return InvalidArgument(errors);
    }
    return Status::Ok();
  }

  std::string SelectExpr(const Out& o) const {
    const std::string c = QuoteIdent(o.pg);
    switch (o.kind) {
      case ValueKind::kDateTime:
      case ValueKind::kDate:
        return "extract(epoch from " + c + ")";
      default:
        return c;
    }
  }

  // Prepares the lookup statement on the current connection.
  Status PrepareStatement() {
    if (sql_.empty()) {
      sql_ = "SELECT " + QuoteIdent(cfg_.match);
      for (const auto& o : outs_) sql_ += ", " + SelectExpr(o);
      sql_ += " FROM " + qualified_ + " WHERE " + QuoteIdent(cfg_.match) + " = ANY($1)";
    }
    PgResult r(PQprepare(conn_, "sluice_enrich", sql_.c_str(), 1, nullptr));
    if (PQresultStatus(r.get()) != PGRES_COMMAND_OK) return IoError(Scrub(PQerrorMessage(conn_)));
    prepared_ = true;
    return Status::Ok();
  }

  // One cell → a single-value column of the output type.
  Column Value(const Out& o, PGresult* r, int row, int col) const {
    Column c(o.type);
    const bool nullable = o.type->id == TypeId::kNullable;
    if (PQgetisnull(r, row, col)) {
      c.AppendDefault();  // NULL (or the default, if the column was declared NOT NULL)
      return c;
    }
    Column* v = &c;
    if (nullable) {
      c.nulls.push_back(0);
      v = &c.children[0];
    }
    std::string_view s(PQgetvalue(r, row, col), static_cast<size_t>(PQgetlength(r, row, col)));
    const DataType& t = v->type();
    double d = 0;
    switch (o.kind) {
      case ValueKind::kInt: {
        int64_t x = 0;
        std::from_chars(s.data(), s.data() + s.size(), x);
        if (t.id == TypeId::kInt16)
          v->AppendFixed(static_cast<int16_t>(x));
        else if (t.id == TypeId::kInt32)
          v->AppendFixed(static_cast<int32_t>(x));
        else
          v->AppendFixed(x);
        break;
      }
      case ValueKind::kFloat:
        if (!ParseDouble(s, &d)) d = 0;
        if (t.id == TypeId::kFloat32)
          v->AppendFixed(static_cast<float>(d));
        else
          v->AppendFixed(d);
        break;
      case ValueKind::kDecimal: {
        // PostgreSQL prints exactly `scale` fractional digits for numeric(p, s); "NaN" → 0.
        int64_t x = 0;
        bool neg = false;
        uint32_t frac = 0;
        bool in_frac = false;
        for (char ch : s) {
          if (ch == '-')
            neg = true;
          else if (ch == '.')
            in_frac = true;
          else if (ch >= '0' && ch <= '9') {
            if (in_frac && frac >= o.scale) continue;
            x = x * 10 + (ch - '0');
            if (in_frac) ++frac;
          }
        }
        for (; frac < o.scale; ++frac) x *= 10;
        if (neg) x = -x;
        if (t.value_width() == 4)
          v->AppendFixed(static_cast<int32_t>(x));
        else
          v->AppendFixed(x);
        break;
      }
      case ValueKind::kString:
        v->AppendString(s);
        break;
      case ValueKind::kBool:
        v->AppendFixed(static_cast<uint8_t>(s == "t" ? 1 : 0));
        break;
      case ValueKind::kDateTime:
        if (!ParseDouble(s, &d) || std::isnan(d)) d = 0;
        d = std::clamp(std::floor(d), 0.0, 4294967295.0);
        v->AppendFixed(static_cast<uint32_t>(d));
        break;
      case ValueKind::kDate:
        if (!ParseDouble(s, &d) || std::isnan(d)) d = 0;
        d = std::clamp(std::floor(d / 86400), 0.0, 65535.0);
        v->AppendFixed(static_cast<uint16_t>(d));
        break;
      case ValueKind::kUuid: {
        uint8_t b[16] = {};
        ParseUuid(s, b);
        v->AppendBytes(b, 16);
        break;
      }
    }
    return c;
  }

  // Looks up `keys` (canonical texts) in PostgreSQL; retries without limit until it answers.
  Status Lookup(const std::vector<std::string>& keys,
                std::unordered_map<std::string, EntryPtr>* found) {
    std::string array = "{";
    for (size_t i = 0; i < keys.size(); ++i) {
      if (i) array.push_back(',');
      AppendArrayElement(array, keys[i]);
    }
    array.push_back('}');

    std::lock_guard lock(conn_mu_);
    auto backoff = std::chrono::milliseconds(100);
    const auto kMaxBackoff = std::chrono::milliseconds(10000);
    Clock::time_point outage_start{};
    uint64_t failures = 0;
    std::string logged;  // the last error logged in this outage
    for (;;) {
      std::string err;
      bool connection_problem = true;
      if (!conn_ || PQstatus(conn_) != CONNECTION_OK) {
        if (Connect(&err)) {
          Status st = PrepareStatement();
          if (!st.ok()) {
            err = st.message();
            connection_problem = PQstatus(conn_) != CONNECTION_OK;
          }
        }
      } else if (!prepared_) {
        Status st = PrepareStatement();
        if (!st.ok()) {
          err = st.message();
          connection_problem = PQstatus(conn_) != CONNECTION_OK;
        }
      }
      if (err.empty()) {
        const char* params[] = {array.c_str()};
        const auto t0 = Clock::now();
        PgResult r(PQexecPrepared(conn_, "sluice_enrich", 1, params, nullptr, nullptr, 0));
        const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
        if (ctx_.stats) ctx_.stats->lookup_seconds.Observe(secs);
        if (PQresultStatus(r.get()) == PGRES_TUPLES_OK) {
          Collect(r.get(), found);
          if (failures > 0)
            spdlog::info(
                "enrich {}: PostgreSQL answers again after {:.1f}s ({} failed attempts)", cfg_.name,
                std::chrono::duration<double>(Clock::now() - outage_start).count(), failures);
          return Status::Ok();
        }
        err = Scrub(PQerrorMessage(conn_));
        connection_problem = PQstatus(conn_) != CONNECTION_OK;
        // A server-side error on a live connection (permission, dropped table, a statement
        // invalidated by a schema change): prepare again next time.
        if (!connection_problem) {
          PgResult d(PQexec(conn_, "DEALLOCATE sluice_enrich"));
          prepared_ = false;
        }
      }
      if (failures++ == 0) outage_start = Clock::now();
      if (ctx_.stats) ctx_.stats->transform_events.Add(cfg_.name + "/lookup_error");
      if (err != logged && (logged.empty() || !connection_problem)) {
        if (connection_problem)
          spdlog::warn(
              "enrich {}: PostgreSQL is unreachable ({}); the lookup waits and retries with "
              "backoff up to {}s",
              cfg_.name, err, kMaxBackoff.count() / 1000);
        else
          spdlog::error("enrich {}: lookup in {} failed: {}; retrying with backoff", cfg_.name,
                        cfg_.table, err);
        logged = err;
      }
      // Wait for the next attempt, unless the pipeline gives up (a second stop signal).
      for (auto waited = std::chrono::milliseconds(0); waited < backoff;
           waited += std::chrono::milliseconds(50)) {
        if (ctx_.cancelled && ctx_.cancelled())
          return Status(Code::kCancelled,
                        "enrich " + cfg_.name + ": given up while PostgreSQL was unreachable");
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
      backoff = std::min(backoff * 2, kMaxBackoff);
    }
  }

  void Collect(PGresult* r, std::unordered_map<std::string, EntryPtr>* found) const {
    for (int i = 0; i < PQntuples(r); ++i) {
      if (PQgetisnull(r, i, 0)) continue;
      auto key = Canonical(
          match_kind_, match_lo_, match_hi_,
          std::string_view(PQgetvalue(r, i, 0), static_cast<size_t>(PQgetlength(r, i, 0))));
      if (!key || found->count(*key)) continue;  // several rows: the first wins
      auto e = std::make_shared<Entry>();
      for (size_t k = 0; k < outs_.size(); ++k)
        e->values.push_back(Value(outs_[k], r, i, static_cast<int>(k) + 1));
      found->emplace(std::move(*key), std::move(e));
    }
  }

  const TransformConfig cfg_;
  const TransformContext ctx_;
  const OnMissing on_missing_;
  std::unique_ptr<Expr> key_;
  std::string password_;  // scrubbed from every message
  MatchKind match_kind_ = MatchKind::kText;
  int64_t match_lo_ = INT64_MIN, match_hi_ = INT64_MAX;
  std::string qualified_;  // "schema"."table"
  std::vector<Out> outs_;
  std::string sql_;
  SchemaPtr output_;
  std::vector<int> from_;            // per output column: input index or -1
  std::vector<size_t> added_order_;  // outs_ indexes in output order

  std::mutex conn_mu_;
  PGconn* conn_ = nullptr;
  bool prepared_ = false;
  Cache cache_;
};

}  // namespace

std::unique_ptr<Transform> MakeEnrichTransform(const TransformConfig& cfg,
                                               const TransformContext& ctx) {
  return std::make_unique<EnrichTransform>(cfg, ctx);
}

}  // namespace sluice
