#include "formats/json_reader.h"

#include <date/date.h>
#include <date/tz.h>
#include <fmt/format.h>
#include <simdjson.h>

#include <charconv>
#include <cmath>
#include <functional>
#include <limits>
#include <unordered_map>

#include "formats/json_fast_path.h"
#include "formats/json_reader_impl.h"
#include "formats/native_writer.h"
#include "formats/value_parse.h"

namespace sluice {

namespace ond = simdjson::ondemand;
using json_fast::ConvertFast;
using json_fast::FastPlan;
using json_fast::PlanFor;
using json_reader_internal::PathNode;

namespace {

// The key of a field without unescaping it (no copy) when it has no escapes, which is the norm.
bool PlainKey(ond::field& field, std::string_view* key) {
  const char* begin = field.key().raw();
  const char* p = begin;
  while (*p != '"' && *p != '\\') ++p;
  if (*p == '\\') return false;
  *key = std::string_view(begin, static_cast<size_t>(p - begin));
  return true;
}

PathNode& Child(PathNode& node, std::string_view key) {
  auto& child = node.children[std::string(key)];
  if (!child) {
    child = std::make_unique<PathNode>();
    child->SetKey(key);
  }
  return *child;
}

void InsertPath(PathNode& node, std::string_view path, int column) {
  Child(node, path).column = column;
  for (size_t dot = path.find('.'); dot != std::string_view::npos; dot = path.find('.', dot + 1))
    InsertPath(Child(node, path.substr(0, dot)), path.substr(dot + 1), column);
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  return s;
}

bool AcceptsObject(const DataType& t) {
  const DataType& s = t.id == TypeId::kNullable ? *t.children[0] : t.storage();
  return s.id == TypeId::kString || s.id == TypeId::kMap || s.id == TypeId::kTuple;
}

}  // namespace

JsonReader::JsonReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
JsonReader::~JsonReader() = default;

Result<std::unique_ptr<JsonReader>> JsonReader::Create(SchemaPtr schema,
                                                       JsonReaderOptions options) {
  auto impl = std::make_unique<Impl>();
  impl->schema = schema;
  impl->options = std::move(options);
  impl->field_of_column.assign(schema->columns.size(), "");
  impl->stamp.assign(schema->columns.size(), 0);
  std::vector<bool> renamed_to(schema->columns.size(), false);
  std::vector<bool> is_meta(schema->columns.size(), false);
  std::string errors;
  for (const auto& [column, text] : impl->options.metadata) {
    const int c = schema->IndexOf(column);
    auto ref = ParseMetaRef(text);
    if (c < 0)
      errors += fmt::format("metadata '{}': the table has no column '{}'\n", column, column);
    else if (!ref.ok())
      errors += fmt::format("metadata '{}': {}\n", column, ref.status().message());
    if (c < 0 || !ref.ok()) continue;
    is_meta[c] = true;
    impl->meta_columns.emplace_back(static_cast<size_t>(c), std::move(ref.value()));
  }
  for (const auto& [field, column] : impl->options.rename) {
    const int c = schema->IndexOf(column);
    if (c < 0) {
      errors +=
          fmt::format("rename '{}' → '{}': the table has no column '{}'\n", field, column, column);
      continue;
    }
    if (is_meta[c]) {
      errors += fmt::format("rename '{}' → '{}': column '{}' is already filled from metadata\n",
                            field, column, column);
      continue;
    }
    renamed_to[c] = true;
    impl->field_of_column[c] = field;
  }
  if (!errors.empty()) {
    errors.pop_back();
    return InvalidArgument(errors);
  }
  for (size_t c = 0; c < schema->columns.size(); ++c) {
    if (!renamed_to[c] && !is_meta[c]) impl->field_of_column[c] = schema->columns[c].name;
    if (!is_meta[c]) InsertPath(impl->root, impl->field_of_column[c], static_cast<int>(c));
    RETURN_IF_ERROR(impl->zones.Prepare(*schema->columns[c].type, impl->options.server_timezone)
                        .Context("column '" + schema->columns[c].name + "'"));
    impl->plans.push_back(PlanFor(*schema->columns[c].type, impl->zones));
  }
  impl->layout = impl->options.layout_path;
  for (size_t c = 0; c < schema->columns.size(); ++c)
    if (!is_meta[c] && !json_fast::InLayout(impl->plans[c])) impl->layout = false;
  return std::unique_ptr<JsonReader>(new JsonReader(std::move(impl)));
}

uint64_t JsonReader::LayoutRows() const {
  return impl_->layout_rows;
}

std::string JsonReader::FieldFor(size_t column) const {
  return impl_->field_of_column[column];
}

bool JsonReader::IsMapped(const std::string& path) const {
  for (const auto& f : impl_->field_of_column)
    if (f == path ||
        (path.size() > f.size() && path.compare(0, f.size(), f) == 0 && path[f.size()] == '.'))
      return true;
  return false;
}

Status JsonReader::AppendRow(std::string_view line, size_t capacity, RowOrigin origin, Block& block,
                             const RecordMeta* meta) {
  Impl& m = *impl_;
  if (m.layout) {
    if (m.layout_wait == 0) {
      ++m.row_id;
      m.stamped = 0;
      if (m.LayoutRow(line, block) && m.MetaColumns(meta, block).ok()) {
        ++m.layout_rows;
        m.layout_backoff = 0;
        m.CountOrDefault(block);
        block.CommitRow(origin, line);
        return Status::Ok();
      }
      block.RollbackRow();
      // Rows that keep missing the layout are tried less and less often: one in 64 at most.
      m.layout_backoff = std::min<uint32_t>(2 * m.layout_backoff + 1, 63);
      m.layout_wait = m.layout_backoff;
    } else {
      --m.layout_wait;
    }
  }
  return m.ParseRow(line, capacity, origin, block, meta);
}

Status JsonReader::Impl::MetaColumns(const RecordMeta* meta, Block& block) {
  for (const auto& [c, ref] : meta_columns) {
    SLUICE_CHECK(meta != nullptr);
    RETURN_IF_ERROR(AppendMeta(ref, *meta, *schema->columns[c].type, block.column(c), zones)
                        .Context("column '" + schema->columns[c].name + "'"));
    stamp[c] = row_id;
  }
  return Status::Ok();
}

Status JsonReader::Impl::ParseRow(std::string_view line, size_t capacity, RowOrigin origin,
                                  Block& block, const RecordMeta* meta) {
  Impl& m = *this;
  ++m.row_id;
  ond::document doc;
  if (auto err = m.parser.iterate(line.data(), line.size(), capacity).get(doc); err)
    return InvalidArgument(fmt::format("malformed JSON: {}", simdjson::error_message(err)));
  ond::object obj;
  if (auto err = doc.get_object().get(obj); err) {
    if (err != simdjson::INCORRECT_TYPE)
      return InvalidArgument(fmt::format("malformed JSON: {}", simdjson::error_message(err)));
    // Not an object: say whether it is valid JSON of another kind or no JSON at all (rare path,
    // so a full validating parse is affordable here).
    simdjson::dom::element root;
    if (auto verr = m.validator.parse(line.data(), line.size()).get(root); verr)
      return InvalidArgument(fmt::format("malformed JSON: {}", simdjson::error_message(verr)));
    return InvalidArgument(
        fmt::format("expected a JSON object, got {}", root.is_array() ? "an array" : "a scalar"));
  }
  Status st = m.ProcessObject(obj, m.root, block);
  // simdjson stops at the end of the first value: anything after it makes the line malformed
  // (checking the last byte is not enough: `{"a":1} {"a":2}` and `{"a":1}}` end in '}' too).
  if (st.ok() && doc.current_location().error() != simdjson::OUT_OF_BOUNDS)
    st = InvalidArgument("malformed JSON: trailing content after the object");
  if (st.ok()) st = m.MetaColumns(meta, block);
  if (!st.ok()) {
    block.RollbackRow();
    return st;
  }
  m.CountOrDefault(block);
  block.CommitRow(origin, line);
  return Status::Ok();
}

Status JsonReader::AppendLines(
    std::string_view data, size_t capacity, const Lines& lines, Block& block,
    const std::function<Status(const RowOrigin&, std::string_view, const Status&)>& on_error,
    size_t* rows, size_t batch_bytes) {
  Impl& m = *impl_;
  SLUICE_CHECK(m.meta_columns.empty());
  SLUICE_CHECK(capacity >= data.size() + kPadding);
  size_t attempted = 0;  // non-blank lines
  const size_t count = lines.count;
  // Where line i begins and ends in data. Line ends lie within data or just past its end (the
  // source found them there): no bounds check per line beyond the last line's cap.
  auto begin_of = [&](size_t i) { return i == 0 ? 0 : lines.ends[i - 1] - lines.base + 1; };
  auto end_of = [&](size_t i) { return std::min(lines.ends[i] - lines.base, data.size()); };
  // Line i's text without a final '\r'; false if it is blank. Looked at only here, after stage 1
  // went over its batch (cache-hot), not by the caller. A text starts where its line begins, so
  // its line's begin is offset(text) from then on.
  auto text_of = [&](size_t i, std::string_view* text) {
    const size_t b = begin_of(i);
    std::string_view t(data.data() + b, end_of(i) - b);
    if (!t.empty() && t.back() == '\r') t.remove_suffix(1);
    if (t.empty() ||
        ((t[0] == ' ' || t[0] == '\t') && t.find_first_not_of(" \t") == std::string_view::npos))
      return false;
    *text = t;
    return true;
  };
  auto offset = [&](std::string_view text) {
    return static_cast<size_t>(text.data() - data.data());
  };
  // One by one from line i on: the exact per-line behaviour, messages included.
  // Line i (its non-blank text) through simdjson alone, its error handed to on_error.
  auto parse_line = [&](size_t i, std::string_view text) -> Status {
    const size_t b = offset(text);
    const RowOrigin origin = lines.origin(i, b);
    Status st = m.ParseRow(text, capacity - b, origin, block, nullptr);
    return st.ok() ? st : on_error(origin, text, st);
  };
  auto per_line = [&](size_t i) -> Status {
    std::string_view text;
    for (; i < count; ++i) {
      if (!text_of(i, &text)) continue;
      ++attempted;
      RETURN_IF_ERROR(parse_line(i, text));
    }
    return Status::Ok();
  };
  // Rows that set every column, and rows that left out exactly m.missing, are counted into
  // present in one go (at the end, below), not column by column.
  auto& present = block.present();
  const size_t columns = m.stamp.size();
  size_t full = 0, partial = 0;
  auto count_partial = [&] {
    if (partial == 0) return;
    for (auto& p : present) p += static_cast<uint32_t>(partial);
    for (size_t c : m.missing) present[c] -= static_cast<uint32_t>(partial);
    partial = 0;
  };
  auto finish = [&](Status st) {
    if (full != 0)
      for (auto& p : present) p += static_cast<uint32_t>(full);
    count_partial();
    if (rows != nullptr) *rows = attempted;
    return st;
  };
  if (count < 2) return finish(per_line(0));
  // The rows go into one run of the block, as lines of data (row i: line first_line + i), when
  // their offsets fit a run's 32 bits, as any chunk a source hands over (a few MiB) does.
  const bool one_run = lines.first_line != 0 && data.size() <= UINT32_MAX && count <= UINT32_MAX;
  const uint32_t run = one_run ? block.StartLineRun(lines.partition, lines.first_line,
                                                    lines.first_position, data.data())
                               : 0;
  auto commit_line = [&](size_t line, std::string_view t) {
    if (one_run)
      block.CommitLineRow(run, offset(t), t.size(), line);
    else
      block.CommitRow(lines.origin(line, offset(t)), t);
  };
  // How a converted row was counted into present: in `full`, in `partial`, or column by column.
  enum class Counted { kFull, kPartial, kEach };
  // A column the row set counts as present (taken back if the row is), the others get their
  // default: one pass, unless the row set every column (the usual case) or left out the same
  // columns as the last row that did not (it set every other one: `stamped` counts distinct
  // columns).
  auto tally = [&]() -> Counted {
    if (m.stamped == columns) {
      ++full;
      return Counted::kFull;
    }
    if (!m.missing.empty() && m.stamped + m.missing.size() == columns &&
        std::all_of(m.missing.begin(), m.missing.end(),
                    [&](size_t c) { return m.stamp[c] != m.row_id; })) {
      for (size_t c : m.missing) block.column(c).AppendDefault();
      ++partial;
      return Counted::kPartial;
    }
    count_partial();  // before m.missing changes
    m.CountOrDefault(block, &m.missing);
    return Counted::kEach;
  };
  std::string_view text;
  size_t first = 0;  // the first line left to the stream below
  if (m.layout) {
    size_t misses = 0;
    for (; first < count; ++first) {
      if (!text_of(first, &text)) continue;
      ++attempted;
      ++m.row_id;
      m.stamped = 0;
      if (m.LayoutRow(text, block)) {
        ++m.layout_rows;
        tally();
        commit_line(first, text);
        continue;
      }
      block.RollbackRow();
      // simdjson parses it (and learns its field order for the next lines).
      if (Status st = parse_line(first, text); !st.ok()) return finish(st);
      // Lines that keep missing the layout (their keys in another order each time, keys of no
      // column, nested objects …) are read as a stream instead, which costs less than a layout
      // attempt plus a parse of its own per line.
      if (++misses >= 8 && misses * 8 >= first) {
        ++first;
        break;
      }
    }
    if (first >= count) return finish(Status::Ok());
  }
  // Batches of about 256 KiB stay in L2; a line longer than a batch makes simdjson report an
  // error, which sends the rest through per_line (whose parser grows as needed).
  const size_t batch = std::max(batch_bytes, 2 * end_of(0) + 64);
#ifdef SIMDJSON_THREADS_ENABLED
  m.stream_parser.threaded = false;  // stage 1 of the next batch on this thread: no extra thread
#endif
  const size_t from = begin_of(first);  // where the stream starts in data
  ond::document_stream stream;
  if (m.stream_parser.iterate_many(data.data() + from, data.size() - from, batch).get(stream))
    return finish(per_line(first));
  // A row is committed only once the next document is seen to start exactly where the next
  // non-blank line does: then its document lay within its own line. Until then it is pending.
  size_t i = first;  // the next line to look at
  bool pending = false;
  Counted pending_counted = Counted::kEach;
  size_t pending_line = 0;
  std::string_view pending_text;
  auto commit = [&] {
    commit_line(pending_line, pending_text);
    pending = false;
  };
  // Gives up on the stream: the pending row (whose line end is unproven) and every line after
  // it go through per_line.
  auto fall_back = [&]() -> Status {
    size_t from_line = i;
    if (pending) {
      switch (pending_counted) {
        case Counted::kFull:
          --full;
          break;
        case Counted::kPartial:
          --partial;
          break;
        case Counted::kEach:
          for (size_t c = 0; c < columns; ++c)  // counted when its row ended
            if (m.stamp[c] == m.row_id) --present[c];
          break;
      }
      block.RollbackRow();
      --attempted;
      from_line = pending_line;
    }
    return per_line(from_line);
  };
  for (auto it = stream.begin(); it != stream.end(); ++it) {
    auto doc_result = *it;
    while (i < count && !text_of(i, &text)) ++i;
    if (doc_result.error() || i >= count) return finish(fall_back());
    size_t start = offset(text);
    while (data[start] == ' ' || data[start] == '\t') ++start;  // stops: the line is not blank
    // The first document of a batch may be reported from the whitespace before it.
    size_t at = from + it.current_index();
    while (at < start &&
           (data[at] == '\n' || data[at] == '\r' || data[at] == ' ' || data[at] == '\t'))
      ++at;
    if (at != start) return finish(fall_back());
    if (pending) commit();
    ++m.row_id;
    m.stamped = 0;
    ond::object obj;
    if (doc_result.value_unsafe().get_object().get(obj)) return finish(fall_back());
    if (!m.ProcessObject(obj, m.root, block).ok()) {
      block.RollbackRow();
      return finish(fall_back());  // per_line converts it again and reports its error
    }
    pending_counted = tally();
    pending = true;
    pending_line = i;
    pending_text = text;
    ++attempted;
    ++i;
  }
  while (i < count && !text_of(i, &text)) ++i;
  if (stream.truncated_bytes() != 0 || i != count) return finish(fall_back());
  if (pending) commit();
  return finish(Status::Ok());
}

Status JsonReader::Impl::ProcessObject(ond::object obj, const PathNode& node, Block& block) {
  // What every field reads, held in locals: values are stored through char pointers, which may
  // alias anything, so members would be loaded again after each store.
  uint64_t* const stamps = stamp.data();
  const uint64_t row = row_id;
  const FastPlan* const plan_of = plans.data();
  Column* const columns = block.columns().data();
  const PathNode::Expected* order = node.order.data();
  size_t order_size = node.order.size();
  size_t next = 0;  // the position in `order` of the field expected next
  size_t set = 0;   // columns set here (added to `stamped` once the object is done)
  for (auto field_result : obj) {
    if (auto err = field_result.error(); err)
      return InvalidArgument(fmt::format("malformed JSON: {}", simdjson::error_message(err)));
    // Used in place: copying simdjson's field and value structs costs a store-forwarding stall
    // per copy (they are written piecewise and read back as one vector), about a fifth of the
    // decode time on typical rows.
    ond::field& field = field_result.value_unsafe();
    const char* const raw = field.key().raw();
    int column;
    bool nested;
    const PathNode* child = nullptr;  // known only off the predicted path, or when nested
    if (next < order_size && order[next].IsKeyAt(raw)) {
      column = order[next].column;
      nested = order[next].nested;
      if (nested) child = order[next].node;
      ++next;
    } else {
      std::string_view key;
      if (!PlainKey(field, &key)) {
        if (auto err = field.unescaped_key().get(key); err)
          return InvalidArgument(fmt::format("malformed JSON: {}", simdjson::error_message(err)));
      }
      const PathNode::Expected found = node.Find(key, next);
      order = node.order.data();  // Find may have grown it
      order_size = node.order.size();
      if (found.node == nullptr) continue;  // no column wants it; simdjson skips the value
      column = found.column;
      nested = found.nested;
      child = found.node;
    }
    ond::value& v = field.value();
    if (nested) {  // only keys that lead to nested paths need the peek
      ond::json_type jt;
      if (auto err = v.type().get(jt); err)
        return InvalidArgument(fmt::format("malformed JSON: {}", simdjson::error_message(err)));
      if (jt == ond::json_type::object &&
          (column < 0 || !AcceptsObject(*schema->columns[column].type))) {
        ond::object inner;
        if (auto err = v.get_object().get(inner); err)
          return InvalidArgument(fmt::format("malformed JSON: {}", simdjson::error_message(err)));
        RETURN_IF_ERROR(ProcessObject(inner, *child, block));
        continue;
      }
    }
    if (column < 0) continue;
    const size_t c = static_cast<size_t>(column);
    if (stamps[c] == row)
      return InvalidArgument(fmt::format("column '{}' is given twice", schema->columns[c].name));
    stamps[c] = row;
    ++set;
    Status st;
    if (!ConvertFast(
            plan_of[c], v, columns[c], zones, &st,
            [this](ond::value& e, const DataType& t, Column& into) { return Convert(e, t, into); }))
      st = Convert(v, *schema->columns[c].type, columns[c]);
    if (!st.ok())
      return InvalidArgument(fmt::format("column '{}': {}", schema->columns[c].name, st.message()));
  }
  stamped += set;
  return Status::Ok();
}

Status JsonReader::Impl::ConvertNumber(ond::value v, const DataType& t, Column& col) {
  ond::number_type nt;
  if (auto err = v.get_number_type().get(nt); err)
    return InvalidArgument(fmt::format("bad number: {}", simdjson::error_message(err)));
  if (t.is_numeric_int() || t.id == TypeId::kEnum8 || t.id == TypeId::kEnum16 ||
      t.id == TypeId::kDate || t.id == TypeId::kIPv4 || t.id == TypeId::kBool) {
    __int128 value = 0;
    if (nt == ond::number_type::signed_integer) {
      int64_t x;
      if (v.get_int64().get(x)) return InvalidArgument("bad integer");
      value = x;
    } else if (nt == ond::number_type::unsigned_integer) {
      uint64_t x;
      if (v.get_uint64().get(x)) return InvalidArgument("bad integer");
      value = x;
    } else {
      double d;
      if (v.get_double().get(d)) return InvalidArgument("bad number");
      if (std::trunc(d) != d || std::fabs(d) > 1.8e19)
        return InvalidArgument(fmt::format("{} is not an integer", Trim(v.raw_json_token())));
      value = static_cast<__int128>(d);
    }
    return PutInteger(value, t, col, zones);
  }
  if (t.id == TypeId::kFloat32 || t.id == TypeId::kFloat64) {
    double d;
    if (v.get_double().get(d)) return InvalidArgument("bad number");
    return PutFloat(d, t, col);
  }
  // Everything else parses the number's text (Decimal exactly, DateTime as epoch seconds, String
  // as written).
  return ConvertText(Trim(v.raw_json_token()), t, col, zones, /*from_number=*/true);
}

Status JsonReader::Impl::Convert(ond::value v, const DataType& type, Column& col) {
  const DataType& t = type.storage();
  if (Status st; ConvertFast(
          NestedPlan(t), v, col, zones, &st,
          [this](ond::value& e, const DataType& et, Column& into) { return Convert(e, et, into); }))
    return st;
  ond::json_type jt;
  if (auto err = v.type().get(jt); err)
    return InvalidArgument(fmt::format("malformed JSON: {}", simdjson::error_message(err)));
  if (t.id == TypeId::kNullable) {
    if (jt == ond::json_type::null) {
      col.nulls.push_back(1);
      col.children[0].AppendDefault();
      return Status::Ok();
    }
    col.nulls.push_back(0);
    return Convert(v, *t.children[0], col.children[0]);
  }
  switch (jt) {
    case ond::json_type::null:
      col.AppendDefault();
      return Status::Ok();
    case ond::json_type::number:
      return ConvertNumber(v, t, col);
    case ond::json_type::string: {
      std::string_view s;
      if (auto err = v.get_string().get(s); err)
        return InvalidArgument(fmt::format("bad string: {}", simdjson::error_message(err)));
      return ConvertText(s, t, col, zones, /*from_number=*/false);
    }
    case ond::json_type::boolean: {
      bool b;
      if (v.get_bool().get(b)) return InvalidArgument("bad boolean");
      if (t.id == TypeId::kString) {
        col.AppendString(b ? "true" : "false");
        return Status::Ok();
      }
      if (t.is_numeric_int() || t.id == TypeId::kBool) return PutInteger(b ? 1 : 0, t, col, zones);
      return InvalidArgument(fmt::format("cannot put a boolean into {}", t.name));
    }
    case ond::json_type::array: {
      ond::array arr;
      if (auto err = v.get_array().get(arr); err)
        return InvalidArgument(fmt::format("malformed JSON: {}", simdjson::error_message(err)));
      if (t.id == TypeId::kString) {
        std::string_view raw;
        if (arr.raw_json().get(raw)) return InvalidArgument("malformed JSON array");
        col.AppendString(Trim(raw));
        return Status::Ok();
      }
      if (t.id == TypeId::kArray) {
        for (auto el : arr) {
          ond::value ev;
          if (auto err = el.get(ev); err)
            return InvalidArgument(fmt::format("malformed JSON: {}", simdjson::error_message(err)));
          RETURN_IF_ERROR(Convert(ev, *t.children[0], col.children[0]));
        }
        col.offsets.push_back(col.children[0].rows());
        return Status::Ok();
      }
      if (t.id == TypeId::kTuple) {
        size_t i = 0;
        for (auto el : arr) {
          ond::value ev;
          if (auto err = el.get(ev); err)
            return InvalidArgument(fmt::format("malformed JSON: {}", simdjson::error_message(err)));
          if (i >= t.children.size())
            return InvalidArgument(fmt::format("{} takes {} elements", t.name, t.children.size()));
          RETURN_IF_ERROR(Convert(ev, *t.children[i], col.children[i]));
          ++i;
        }
        if (i != t.children.size())
          return InvalidArgument(
              fmt::format("{} takes {} elements, got {}", t.name, t.children.size(), i));
        return Status::Ok();
      }
      return InvalidArgument(fmt::format("cannot put an array into {}", t.name));
    }
    case ond::json_type::object: {
      ond::object obj;
      if (auto err = v.get_object().get(obj); err)
        return InvalidArgument(fmt::format("malformed JSON: {}", simdjson::error_message(err)));
      if (t.id == TypeId::kString) {
        std::string_view raw;
        if (obj.raw_json().get(raw)) return InvalidArgument("malformed JSON object");
        col.AppendString(Trim(raw));
        return Status::Ok();
      }
      if (t.id == TypeId::kMap) {
        for (auto fr : obj) {
          ond::field f;
          std::string_view key;
          if (std::move(fr).get(f) || f.unescaped_key().get(key))
            return InvalidArgument("malformed JSON object");
          RETURN_IF_ERROR(ConvertText(key, t.children[0]->storage(), col.children[0], zones, false)
                              .Context("map key"));
          RETURN_IF_ERROR(Convert(f.value(), *t.children[1], col.children[1]));
        }
        col.offsets.push_back(col.children[0].rows());
        return Status::Ok();
      }
      if (t.id == TypeId::kTuple && !t.element_names.empty()) {
        const size_t before = col.rows();
        std::vector<bool> set(t.children.size(), false);
        for (auto fr : obj) {
          ond::field f;
          std::string_view key;
          if (std::move(fr).get(f) || f.unescaped_key().get(key))
            return InvalidArgument("malformed JSON object");
          for (size_t i = 0; i < t.element_names.size(); ++i) {
            if (t.element_names[i] != key) continue;
            if (set[i]) return InvalidArgument(fmt::format("tuple element '{}' given twice", key));
            set[i] = true;
            RETURN_IF_ERROR(Convert(f.value(), *t.children[i], col.children[i]));
          }
        }
        for (size_t i = 0; i < set.size(); ++i)
          if (!set[i]) col.children[i].AppendDefault();
        SLUICE_CHECK(col.rows() == before + 1);
        return Status::Ok();
      }
      return InvalidArgument(fmt::format("cannot put an object into {}", t.name));
    }
    default:
      return InvalidArgument("unsupported JSON value");
  }
}

Result<std::set<std::string>> JsonReader::FieldPaths(std::string_view line) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (auto err = parser.parse(line.data(), line.size()).get(root); err)
    return InvalidArgument(fmt::format("malformed JSON: {}", simdjson::error_message(err)));
  if (!root.is_object()) return InvalidArgument("expected a JSON object");
  std::set<std::string> out;
  std::function<void(simdjson::dom::object, const std::string&)> walk =
      [&](simdjson::dom::object obj, const std::string& prefix) {
        for (auto [key, value] : obj) {
          std::string path = prefix.empty() ? std::string(key) : prefix + "." + std::string(key);
          if (value.is_object())
            walk(value.get_object().value(), path);
          else
            out.insert(path);
        }
      };
  walk(root.get_object().value(), "");
  return out;
}

}  // namespace sluice
