// JsonReader's layout path: a line whose keys come in the learnt order is read straight from its
// bytes (see JsonReader::AppendLines); anything else is left to simdjson (json_reader.cc).
#include <simdjson.h>

#include <string_view>

#include "formats/json_fast_path.h"
#include "formats/json_reader_impl.h"

namespace sluice {

using json_reader_internal::PathNode;

bool JsonReader::Impl::LayoutRow(std::string_view text, Block& block) {
  // p never passes end; bytes at and just past end are readable (input padding) but not the
  // line's, so a byte is taken as the line's only below end.
  const char* p = text.data();
  const char* const end = p + text.size();
  auto skip_spaces = [end](const char* q) { return json_fast::SkipSpaces(q, end); };
  // Steps past byte c, and any whitespace before it (rare: the usual writers leave none).
  auto expect = [&](char c) {
    if (*p != c) {
      p = skip_spaces(p);
      if (*p != c) return false;
    }
    return p++ < end;
  };
  uint64_t* const stamps = stamp.data();
  const uint64_t row = row_id;
  const json_fast::FastPlan* const plan_of = plans.data();
  Column* const columns = block.columns().data();
  const PathNode::Expected* const order = root.order.data();
  const size_t order_size = root.order.size();
  size_t next = 0;    // the position in `order` of the field expected next
  size_t set = 0;     // columns set
  bool high = false;  // a byte >= 0x80 in a string: the line's UTF-8 is validated at the end
  if (!expect('{')) return false;
  for (;;) {
    if (!expect('"')) return false;  // also `{}`: simdjson's
    // A key left out moves the match further along the order.
    size_t k = next;
    while (k < order_size &&
           (static_cast<size_t>(end - p) < order[k].key_bytes || !order[k].IsKeyAt(p)))
      ++k;
    if (k < order_size) {
      const PathNode::Expected& e = order[k];
      next = k + 1;
      if (e.flat_column < 0) return false;
      p += e.key_bytes;
      if (!expect(':')) return false;
      if (static_cast<unsigned char>(*p) <= ' ') p = skip_spaces(p);
      if (p >= end) return false;
      const size_t c = static_cast<size_t>(e.flat_column);
      if (stamps[c] == row) return false;  // given twice: simdjson's path reports it
      stamps[c] = row;
      ++set;
      p = json_fast::LayoutValue(plan_of[c], p, end, columns[c], &high);
    } else {
      // A key of no column is stepped over with its value, as ProcessObject ignores it; a known
      // key out of the learnt order is left to simdjson, which learns the new order.
      const char* close = json_fast::StringEnd(p, end, &high);
      if (close == nullptr || root.children.find(std::string_view(
                                  p, static_cast<size_t>(close - p))) != root.children.end())
        return false;
      p = close + 1;
      if (!expect(':')) return false;
      p = json_fast::SkipValue(skip_spaces(p), end, &high);
    }
    if (p == nullptr) return false;
    if (p < end && *p == ',') {
      ++p;
      continue;
    }
    p = skip_spaces(p);
    if (p >= end) return false;
    if (*p == '}') break;
    if (*p != ',') return false;
    ++p;
  }
  if (skip_spaces(p + 1) != end) return false;  // trailing content
  // simdjson rejects invalid UTF-8 anywhere in a document; strings are where it can be.
  if (high && !simdjson::validate_utf8(text.data(), text.size())) return false;
  stamped += set;
  return true;
}

}  // namespace sluice
