// JsonReader: NDJSON lines → one row each in a Block, driven by the target table's schema.
//
// Fields are matched to columns by name; nested objects by `a.b` path; `rename` maps a field path
// to another column. Conversions are the ones a ClickHouse user expects (numbers and numeric
// strings into numeric columns with range checks, DateTime from epoch seconds / "YYYY-MM-DD
// hh:mm:ss" / ISO 8601 with offset, arrays, null into Nullable). A missing field takes the type's
// default; a column with a DEFAULT expression that no row of a block sets is left out of the
// INSERT so the server computes it.
// A line that cannot be converted leaves the block unchanged and returns the reason.
// Thread-safety: one JsonReader per thread (it owns a simdjson parser and scratch buffers).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/block.h"
#include "formats/metadata.h"

namespace sluice {

struct JsonReaderOptions {
  std::map<std::string, std::string> rename;    // field path → column name
  std::string server_timezone = "UTC";          // for DateTime columns without their own zone
  std::map<std::string, std::string> metadata;  // column name → "$kafka.offset" …
  // Lines and messages whose keys follow the learnt order are read straight from their bytes
  // (see AppendLines); off, simdjson parses every one (tests compare the two).
  bool layout_path = true;
};

class JsonReader {
 public:
  // Fails if a rename or metadata mapping targets a column the schema lacks, a metadata reference
  // is unknown, or a time zone is unknown.
  static Result<std::unique_ptr<JsonReader>> Create(SchemaPtr schema, JsonReaderOptions options);
  ~JsonReader();

  // Parses `line` and appends one row to `block`. `capacity` is the number of readable bytes from
  // line.data(); REQUIRES capacity >= line.size() + kPadding (simdjson reads ahead).
  // `meta` fills the metadata columns; REQUIRES meta != nullptr if options.metadata is not empty.
  // On error the block is unchanged and the Status (kInvalidArgument) says why.
  Status AppendRow(std::string_view line, size_t capacity, RowOrigin origin, Block& block,
                   const RecordMeta* meta = nullptr);

  // The lines of one AppendLines call, as a source found them (no per-line copy of their
  // positions). Line i ends at ends[i] - base in data (at its '\n'; at data.size() or beyond for a
  // last line without one) and begins just after line i-1 ends (line 0 at 0). Its bytes are
  // without the '\n' (a final '\r' is dropped; a blank line gives no row and no error), and its
  // row's origin is origin(i).
  struct Lines {
    const size_t* ends = nullptr;
    size_t count = 0;
    size_t base = 0;
    PartitionId partition;
    uint64_t first_line = 0;  // line 0's number
    Offset first_position;    // the position of data[0]

    RowOrigin origin(size_t i, size_t begin) const {
      return RowOrigin{partition, first_line + i, Offset{first_position.value + begin}};
    }
  };
  // Appends one row per non-blank line, in order, exactly as AppendRow would for each — but
  // faster, in one of two ways:
  // - the layout path: a line whose keys come in the order learnt from earlier lines (some may be
  //   left out; keys of no column are stepped over), written plainly (no escapes; whitespace
  //   allowed), with values of their columns' usual shapes, is read straight from its bytes; any
  //   other line goes to simdjson, which learns its order. Taken when every column has such a
  //   usual shape (not Float*, Map, Tuple …) and while lines keep matching; AppendRow takes it
  //   too;
  // - else simdjson finds the structure of many lines at once (one stage-1 pass per batch of
  //   lines, not per line). Every line is still checked to hold exactly one document; from the
  //   first line where that does not hold, or that fails to convert, lines go through AppendRow
  //   one by one.
  // `data` holds the lines (capacity readable bytes, >= data.size() + kPadding); on_error(origin,
  // text, st) is called for each line that AppendRow rejects — text is the line as decoded,
  // without a final '\r' — (the block is unchanged for it), and an error it returns stops the
  // call. *rows (if given) is set to the number of non-blank lines.
  // `batch_bytes` is simdjson's batch size (tests make it small to cross many batch boundaries).
  // REQUIRES: no metadata columns (options.metadata empty).
  Status AppendLines(
      std::string_view data, size_t capacity, const Lines& lines, Block& block,
      const std::function<Status(const RowOrigin&, std::string_view, const Status&)>& on_error,
      size_t* rows = nullptr, size_t batch_bytes = 256 << 10);

  // The leaf field paths of one JSON object line (for `sluice check`); nested objects as "a.b".
  static Result<std::set<std::string>> FieldPaths(std::string_view line);
  // The field path that fills column `i`, or "" if none (a rename or the column's own name).
  std::string FieldFor(size_t column) const;
  // True if a field path is consumed by some column.
  bool IsMapped(const std::string& path) const;
  // Lines AppendLines has read on its layout path so far (for tests and diagnostics).
  uint64_t LayoutRows() const;

  static constexpr size_t kPadding = 64;

 private:
  struct Impl;
  explicit JsonReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sluice
