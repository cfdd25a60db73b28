// JsonReader's insides, shared by its two halves: json_reader.cc (simdjson: parsing, conversion,
// the line stream) and json_layout.cc (the layout path, which reads lines in the learnt key order
// straight from their bytes). Not for use outside the reader.
#pragma once

#include <simdjson.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "formats/json_fast_path.h"
#include "formats/json_reader.h"
#include "formats/metadata.h"
#include "formats/value_parse.h"

namespace sluice {
namespace json_reader_internal {

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

// A node of the field-path trie: a key may fill a column and/or lead to nested keys.
struct PathNode {
  // One position of the learnt field order: the key expected there and where it leads, kept
  // together (a copy of the child's probe, column and whether it nests) so that a predicted
  // field is matched and dispatched without visiting its node.
  struct Expected {
    json_fast::FirstBytes probe;
    int column = -1;
    bool nested = false;  // the node has children: its value may be an object to descend into
    const PathNode* node = nullptr;
    uint32_t key_bytes = 0;  // the key's and its closing quote's
    int flat_column = -1;    // column, if the key cannot lead to nested keys (LayoutRow's test)

    // PathNode::IsKeyAt without visiting the node when its key has a probe.
    [[gnu::always_inline]] bool IsKeyAt(const char* raw) const {
      return probe.need != 0 ? probe.At(raw) : node->IsKeyAt(raw);
    }
  };

  int column = -1;
  std::unordered_map<std::string, std::unique_ptr<PathNode>, StringHash, std::equal_to<>> children;
  // The children again, in the order fields arrived last time: rows of one stream nearly always
  // list their fields in the same order, so the next key is usually the predicted one.
  mutable std::vector<Expected> order;
  // This node's own key followed by the closing quote, for comparing a key in place in the input
  // (probe unset: the key is too long or has characters that JSON would escape).
  std::string key;
  json_fast::FirstBytes probe;
  // The key is written in JSON as it is (no character that needs escaping): only then can the
  // input's bytes be compared with it.
  bool plain = false;

  void SetKey(std::string_view k) {
    key = std::string(k);
    plain = k.find_first_of("\\\"") == std::string_view::npos &&
            std::all_of(k.begin(), k.end(),
                        [](char c) { return static_cast<unsigned char>(c) >= 0x20; });
    if (plain && k.size() + 1 <= sizeof probe.text) {
      char quoted[sizeof probe.text];
      std::memcpy(quoted, k.data(), k.size());
      quoted[k.size()] = '"';
      probe.Set(quoted, k.size() + 1);
    }
  }
  // True if the key whose text starts at `raw` (just after its opening quote) is this node's key,
  // written without escapes. REQUIRES 16 readable bytes at raw (the input's padding guarantees it).
  bool IsKeyAt(const char* raw) const {
    if (probe.need != 0) return probe.At(raw);
    return plain && std::memcmp(raw, key.data(), key.size()) == 0 && raw[key.size()] == '"';
  }
  // The child for key `k` as its Expected entry (node nullptr: no such child); learns it as the
  // field expected at position `next` of the order (which it passes).
  Expected Find(std::string_view k, size_t& next) const {
    auto it = children.find(k);
    if (it == children.end()) return Expected{};
    const PathNode* child = it->second.get();
    Expected e;
    e.probe = child->probe;
    e.column = child->column;
    e.nested = !child->children.empty();
    e.node = child;
    e.key_bytes = static_cast<uint32_t>(child->key.size() + 1);
    e.flat_column = e.nested ? -1 : child->column;
    if (next < order.size())
      order[next] = e;
    else if (order.size() < 4 * children.size() + 16)
      order.push_back(e);
    ++next;
    return e;
  }
};
}  // namespace json_reader_internal

struct JsonReader::Impl {
  SchemaPtr schema;
  JsonReaderOptions options;
  json_reader_internal::PathNode root;
  std::vector<std::string> field_of_column;
  std::vector<uint64_t> stamp;
  size_t stamped = 0;  // columns the current row set (stamp == row_id); AppendLines' shortcut
  // The columns the last row that did not set every column left out (AppendLines): rows of a
  // stream that leave out an optional field nearly always leave out the same ones.
  std::vector<size_t> missing;
  std::vector<json_fast::FastPlan> plans;  // per column
  // Plans of the types inside a column's (a Nullable's inner type, array elements …), made on
  // first use: Convert meets them for every nested value, and a plan is not free to make (an
  // Enum's labels are copied into it).
  std::unordered_map<const DataType*, json_fast::FastPlan> nested_plans;
  std::vector<std::pair<size_t, MetaRef>> meta_columns;  // filled from RecordMeta, not JSON
  uint64_t row_id = 0;
  simdjson::ondemand::parser parser;
  simdjson::ondemand::parser
      stream_parser;                // AppendLines' (its capacity is the batch size, kept apart)
  simdjson::dom::parser validator;  // only for error messages
  TimeZones zones;

  // Every column not filled from metadata is read by json_fast::LayoutValue: AppendLines and
  // AppendRow may then try LayoutRow on each line (unless options.layout_path is off).
  bool layout = false;
  uint64_t layout_rows = 0;
  // AppendRow's pacing of layout attempts after misses: rows to skip, and the next skip.
  uint32_t layout_wait = 0, layout_backoff = 0;

  // AppendRow through simdjson (its layout attempt aside).
  Status ParseRow(std::string_view line, size_t capacity, RowOrigin origin, Block& block,
                  const RecordMeta* meta);
  // Fills the metadata columns of the current row from `meta` and stamps them.
  Status MetaColumns(const RecordMeta* meta, Block& block);

  Status ProcessObject(simdjson::ondemand::object obj, const json_reader_internal::PathNode& node,
                       Block& block);
  // Converts `text` (a line, not blank) into the current row when it is an object whose keys
  // come in the learnt order (some may be left out, keys of no column are skipped) with values of
  // their columns' usual shapes, reading its bytes directly: no structural index, no On-Demand
  // iteration. Like ProcessObject, stamps the columns it sets and adds them to `stamped`. False for
  // anything else — then it may have appended part of the row (the caller rolls it back) and
  // simdjson parses the line.
  bool LayoutRow(std::string_view text, Block& block);
  // Ends the current row's columns: a column it set counts as present, the others get their
  // default (and are listed in *missing, if given, which is cleared first).
  void CountOrDefault(Block& block, std::vector<size_t>* missing = nullptr) {
    if (missing != nullptr) missing->clear();
    auto& present = block.present();
    for (size_t c = 0; c < stamp.size(); ++c) {
      if (stamp[c] == row_id) {
        ++present[c];
      } else {
        block.column(c).AppendDefault();
        if (missing != nullptr) missing->push_back(c);
      }
    }
  }
  // Any value into any column type: the type's fast path if the value has its usual shape (for
  // nested values too), else by the value's JSON type.
  Status Convert(simdjson::ondemand::value v, const DataType& t, Column& col);
  Status ConvertNumber(simdjson::ondemand::value v, const DataType& t, Column& col);

  const json_fast::FastPlan& NestedPlan(const DataType& storage) {
    auto [it, added] = nested_plans.try_emplace(&storage);
    if (added) it->second = json_fast::PlanFor(storage, zones);
    return it->second;
  }
};
}  // namespace sluice
