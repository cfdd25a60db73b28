#include "formats/native_writer.h"

#include <arpa/inet.h>
#if defined(__AVX2__)
#include <immintrin.h>
#elif defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <bit>
#include <cstring>
#include <functional>

namespace sluice {

// Where the encoder writes: bytes it produces go into the body's own buffer; a column buffer that
// Native sends as it is becomes a range of the body (borrowed), unless it is short (a range per
// few bytes would cost more than the copy) or the body must be one contiguous string.
class NativeSink {
 public:
  NativeSink(NativeBody& body, bool borrow)
      : body_(body), borrow_(borrow), own_done_(body.own_.size()) {}
  std::string& own() { return body_.own_; }
  void Raw(const void* p, size_t n) {
    if (!borrow_ || n < kMinBorrow) {
      body_.own_.append(static_cast<const char*>(p), n);
      return;
    }
    CloseOwn();
    body_.ranges_.push_back({static_cast<const char*>(p), 0, n});
    body_.size_ += n;
  }
  // A String column of `size` encoded bytes: true if it became a range of the body, false if the
  // caller is to encode it into own().
  bool BorrowStrings(const Column& col, size_t size) {
    if (!borrow_ || size < kMinBorrow) return false;
    CloseOwn();
    body_.ranges_.push_back({nullptr, 0, size, &col});
    body_.size_ += size;
    return true;
  }
  void Finish() { CloseOwn(); }

 private:
  static constexpr size_t kMinBorrow = 4096;
  // The own bytes written since the last range become a range.
  void CloseOwn() {
    const size_t end = body_.own_.size();
    if (end == own_done_) return;
    body_.ranges_.push_back({nullptr, own_done_, end - own_done_});
    body_.size_ += end - own_done_;
    own_done_ = end;
  }
  NativeBody& body_;
  const bool borrow_;
  size_t own_done_;  // own_ bytes already in a range
};

namespace {

static_assert(std::endian::native == std::endian::little,
              "Column buffers are copied as-is; Native is little-endian");

// LowCardinality index flags (DataTypeLowCardinality.cpp, IndexesSerializationType).
constexpr uint64_t kHasAdditionalKeysBit = 1ULL << 9;
constexpr uint64_t kNeedUpdateDictionary = 1ULL << 10;
constexpr uint64_t kKeysSerializationVersion = 1;  // SharedDictionariesWithAdditionalKeys

size_t VarUIntSize(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

char* PutVarUInt(uint64_t v, char* p) {
  while (v >= 0x80) {
    *p++ = static_cast<char>(v | 0x80);
    v >>= 7;
  }
  *p++ = static_cast<char>(v);
  return p;
}

void AppendVarUInt(uint64_t v, std::string& out) {
  char buf[10];
  out.append(buf, PutVarUInt(v, buf));
}

void AppendUInt64(uint64_t v, std::string& out) {
  out.append(reinterpret_cast<const char*>(&v), sizeof v);
}

void AppendString(std::string_view s, std::string& out) {
  AppendVarUInt(s.size(), out);
  out.append(s);
}

// Writes the values of a String column from row *row on, as Native (varint length + bytes), into
// [p, limit) for as long as whole values fit; advances *row past them and returns the new p.
char* PutStringRows(const Column& col, size_t* row, char* p, const char* limit) {
  const size_t rows = col.offsets.size();
  const char* src = reinterpret_cast<const char*>(col.data.data());
  const size_t src_size = col.data.size();
  size_t i = *row;
  uint64_t prev = i == 0 ? 0 : col.offsets[i - 1];
  for (; i < rows; ++i) {
    const uint64_t end = col.offsets[i];
    const uint64_t len = end - prev;
    const size_t room = static_cast<size_t>(limit - p);
    if (room < VarUIntSize(len) + len) break;
    p = PutVarUInt(len, p);
#if defined(__SSE2__)
    // A value of up to 16 bytes as one 16-byte block (no memcpy call), when 16 bytes are there
    // to read and to write.
    if (len <= 16 && prev + 16 <= src_size && room >= 10 + 16)
      _mm_storeu_si128(reinterpret_cast<__m128i*>(p),
                       _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + prev)));
    else
#endif
      std::memcpy(p, src + prev, len);
    p += len;
    prev = end;
  }
  *row = i;
  return p;
}

// Appends a String column's values as Native (varint length + bytes; `size` bytes in all) to out.
void AppendStringRows(const Column& col, size_t size, std::string& out) {
  constexpr size_t kSlack = 26;  // PutStringRows copies short values as 16-byte blocks
  const size_t at = out.size();
  out.resize(at + size + kSlack);
  size_t row = 0;
  char* p = PutStringRows(col, &row, out.data() + at, out.data() + at + size + kSlack);
  SLUICE_CHECK(row == col.offsets.size() && p == out.data() + at + size);
  out.resize(at + size);
}

bool HasLowCardinality(const DataType& t) {
  if (t.id == TypeId::kLowCardinality) return true;
  for (const auto& c : t.children)
    if (HasLowCardinality(*c)) return true;
  return false;
}

std::string StripLowCardinality(const DataType& t) {
  if (!HasLowCardinality(t)) return t.name;
  switch (t.id) {
    case TypeId::kLowCardinality:
      return StripLowCardinality(*t.children[0]);
    case TypeId::kNullable:
      return "Nullable(" + StripLowCardinality(*t.children[0]) + ")";
    case TypeId::kArray:
      return "Array(" + StripLowCardinality(*t.children[0]) + ")";
    case TypeId::kMap:
      return "Map(" + StripLowCardinality(*t.children[0]) + ", " +
             StripLowCardinality(*t.children[1]) + ")";
    case TypeId::kTuple: {
      std::string s = "Tuple(";
      for (size_t i = 0; i < t.children.size(); ++i) {
        if (i) s += ", ";
        if (i < t.element_names.size() && !t.element_names[i].empty())
          s += t.element_names[i] + " ";
        s += StripLowCardinality(*t.children[i]);
      }
      return s + ")";
    }
    default:
      return t.name;
  }
}

// Value bytes of row i of a String or fixed-width column.
struct ValueReader {
  const Column& col;
  size_t width;  // 0 = String
  std::string_view At(size_t i) const {
    if (width == 0) return col.StringAt(i);
    return {reinterpret_cast<const char*>(col.data.data()) + i * width, width};
  }
};

// Open-addressing map from value bytes to dictionary position, for one LowCardinality column.
class Dictionary {
 public:
  explicit Dictionary(size_t expected) {
    size_t cap = 16;
    while (cap < expected * 2) cap <<= 1;
    slots_.assign(cap, kEmpty);
    hashes_.assign(cap, 0);
  }
  // Returns the position of `v`, adding it as the next key if new.
  uint32_t Find(std::string_view v) {
    const size_t h = std::hash<std::string_view>{}(v);
    const size_t mask = slots_.size() - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
      const uint32_t s = slots_[i];
      if (s == kEmpty) {
        const auto pos = static_cast<uint32_t>(keys_.size());
        keys_.push_back(v);
        slots_[i] = pos;
        hashes_[i] = h;
        if (keys_.size() * 2 > slots_.size()) Grow();
        return pos;
      }
      if (hashes_[i] == h && keys_[s] == v) return s;
    }
  }
  // Adds a key that is never looked up (the NULL key of LowCardinality(Nullable(T))).
  void AddUnfindable(std::string_view v) { keys_.push_back(v); }
  const std::vector<std::string_view>& keys() const { return keys_; }

 private:
  static constexpr uint32_t kEmpty = ~uint32_t{0};
  void Grow() {
    std::vector<uint32_t> slots(slots_.size() * 2, kEmpty);
    std::vector<size_t> hashes(slots.size(), 0);
    const size_t mask = slots.size() - 1;
    for (size_t j = 0; j < slots_.size(); ++j) {
      if (slots_[j] == kEmpty) continue;
      size_t i = hashes_[j] & mask;
      while (slots[i] != kEmpty) i = (i + 1) & mask;
      slots[i] = slots_[j];
      hashes[i] = hashes_[j];
    }
    slots_.swap(slots);
    hashes_.swap(hashes);
  }
  std::vector<uint32_t> slots_;
  std::vector<size_t> hashes_;
  std::vector<std::string_view> keys_;
};

template <typename T>
void AppendIndexes(const std::vector<uint32_t>& positions, std::string& out) {
  const size_t at = out.size();
  out.resize(at + positions.size() * sizeof(T));
  char* p = out.data() + at;
  for (uint32_t v : positions) {
    const T t = static_cast<T>(v);
    std::memcpy(p, &t, sizeof(T));
    p += sizeof(T);
  }
}

class Encoder {
 public:
  Encoder(const NativeOptions& opts, NativeSink& sink)
      : opts_(opts), sink_(sink), out_(sink.own()) {}

  // One KeysSerializationVersion per LowCardinality in the tree, depth first, before the data.
  void Prefixes(const DataType& t) {
    if (!opts_.low_cardinality_native) return;
    if (t.id == TypeId::kLowCardinality) {
      AppendUInt64(kKeysSerializationVersion, out_);
      return;
    }
    for (const auto& c : t.children) Prefixes(*c);
  }

  void Data(const Column& col) {
    if (col.type().id == TypeId::kLowCardinality && opts_.low_cardinality_native) {
      LowCardinality(col);
      return;
    }
    const DataType& st = col.storage();
    switch (st.id) {
      case TypeId::kString:
        Strings(col);
        return;
      case TypeId::kNullable:
        SLUICE_CHECK(col.children[0].rows() == col.nulls.size());
        Raw(col.nulls);
        Data(col.children[0]);
        return;
      case TypeId::kArray:
      case TypeId::kMap: {
        const uint64_t elements = col.offsets.empty() ? 0 : col.offsets.back();
        for (const auto& c : col.children) SLUICE_CHECK(c.rows() == elements);
        Raw(col.offsets);
        for (const auto& c : col.children) Data(c);
        return;
      }
      case TypeId::kTuple:
        for (const auto& c : col.children) SLUICE_CHECK(c.rows() == col.rows());
        for (const auto& c : col.children) Data(c);
        return;
      case TypeId::kNothing:
        // No table column has this type; Nothing has no values to send.
        return;
      default:
        Raw(col.data);
        return;
    }
  }

 private:
  template <typename Array>
  void Raw(const Array& v) {
    sink_.Raw(v.data(), v.size() * sizeof(v[0]));
  }

  void Strings(const Column& col) {
    size_t total = col.data.size();
    uint64_t prev = 0;
    for (uint64_t end : col.offsets) {
      total += VarUIntSize(end - prev);
      prev = end;
    }
    if (!sink_.BorrowStrings(col, total)) AppendStringRows(col, total, out_);
  }

  void LowCardinality(const Column& col) {
    const DataType& st = col.storage();
    const bool nullable = st.id == TypeId::kNullable;
    const Column& values = nullable ? col.children[0] : col;
    const DataType& key_type = values.storage();
    const size_t rows = values.rows();
    if (rows == 0) return;  // e.g. inside arrays with no elements: only the version was written
    SLUICE_CHECK(rows < 0xffffffffu);  // positions are 32-bit

    const ValueReader reader{values, key_type.value_width()};
    Dictionary dict(rows < 1024 ? rows : 1024);
    std::string null_key;
    if (nullable) {
      null_key.assign(reader.width, '\0');  // T's default: "" or zero bytes
      dict.AddUnfindable(null_key);
    }
    std::vector<uint32_t> positions(rows);
    for (size_t i = 0; i < rows; ++i)
      positions[i] = nullable && col.nulls[i] ? 0 : dict.Find(reader.At(i));

    const size_t n = dict.keys().size();
    const uint64_t index_type = n <= (1ULL << 8)    ? 0
                                : n <= (1ULL << 16) ? 1
                                : n <= (1ULL << 32) ? 2
                                                    : 3;
    AppendUInt64(index_type | kHasAdditionalKeysBit | kNeedUpdateDictionary, out_);
    AppendUInt64(n, out_);
    for (std::string_view k : dict.keys()) {
      if (reader.width == 0) AppendVarUInt(k.size(), out_);
      out_.append(k);
    }
    AppendUInt64(rows, out_);
    switch (index_type) {
      case 0:
        AppendIndexes<uint8_t>(positions, out_);
        break;
      case 1:
        AppendIndexes<uint16_t>(positions, out_);
        break;
      case 2:
        AppendIndexes<uint32_t>(positions, out_);
        break;
      default:
        AppendIndexes<uint64_t>(positions, out_);
        break;
    }
  }

  const NativeOptions& opts_;
  NativeSink& sink_;
  std::string& out_;  // sink_.own()
};

void Encode(const Block& block, const std::vector<size_t>& columns, const NativeOptions& opts,
            NativeSink& sink) {
  const size_t rows = block.rows();
  std::string& out = sink.own();
  AppendVarUInt(columns.size(), out);
  AppendVarUInt(rows, out);
  Encoder enc(opts, sink);
  for (size_t c : columns) {
    SLUICE_CHECK(c < block.columns().size());
    const ColumnSpec& spec = block.schema().columns[c];
    AppendString(spec.name, out);
    AppendString(NativeTypeName(*spec.type, opts), out);
    if (rows == 0) continue;  // zero rows are zero bytes of data, LowCardinality versions included
    enc.Prefixes(*spec.type);
    enc.Data(block.column(c));
  }
  sink.Finish();
}

}  // namespace

std::string NativeTypeName(const DataType& type, const NativeOptions& opts) {
  return opts.low_cardinality_native ? type.name : StripLowCardinality(type);
}

void EncodeNative(const Block& block, const std::vector<size_t>& columns, const NativeOptions& opts,
                  std::string& out) {
  const size_t rows = block.rows();
  size_t estimate = 20;
  for (size_t c : columns) {
    SLUICE_CHECK(c < block.columns().size());
    const ColumnSpec& spec = block.schema().columns[c];
    estimate += spec.name.size() + spec.type->name.size() + 4;
    if (rows) estimate += block.column(c).byte_size() + rows * 2;
  }
  out.reserve(out.size() + estimate);
  // Everything is written into `out` (nothing borrowed): the body's own buffer is `out` itself.
  NativeBody body;
  body.own_.swap(out);
  NativeSink sink(body, /*borrow=*/false);
  Encode(block, columns, opts, sink);
  out.swap(body.own_);
}

void EncodeNativeBody(const Block& block, const std::vector<size_t>& columns,
                      const NativeOptions& opts, NativeBody& body) {
  body.Clear();
  NativeSink sink(body, /*borrow=*/true);
  Encode(block, columns, opts, sink);
}

void NativeBody::CopyTo(size_t at, char* dst, size_t n) const {
  SLUICE_CHECK(at <= size_ && n <= size_ - at);
  // A string range's row cursor belongs to the range at cursor_range_: it restarts with it.
  if (at < cursor_at_) cursor_range_ = cursor_at_ = row_ = row_pos_ = 0;
  while (n > 0) {
    const Range& r = ranges_[cursor_range_];
    if (at >= cursor_at_ + r.size) {
      cursor_at_ += r.size;
      ++cursor_range_;
      row_ = row_pos_ = 0;
      continue;
    }
    const size_t skip = at - cursor_at_;
    const size_t k = std::min(n, r.size - skip);
    if (r.strings != nullptr)
      CopyStrings(r, skip, dst, k);
    else
      std::memcpy(dst, DataOf(r) + skip, k);
    dst += k;
    at += k;
    n -= k;
  }
}

void NativeBody::CopyStrings(const Range& r, size_t pos, char* dst, size_t n) const {
  const Column& col = *r.strings;
  const size_t rows = col.offsets.size();
  auto value = [&](size_t row) {
    const uint64_t begin = row == 0 ? 0 : col.offsets[row - 1];
    return std::string_view(reinterpret_cast<const char*>(col.data.data()) + begin,
                            col.offsets[row] - begin);
  };
  if (pos < row_pos_) row_ = row_pos_ = 0;
  for (;;) {  // to the row that holds byte pos
    SLUICE_CHECK(row_ < rows);
    const size_t len = value(row_).size();
    const size_t encoded = VarUIntSize(len) + len;
    if (pos < row_pos_ + encoded) break;
    row_pos_ += encoded;
    ++row_;
  }
  char* const end = dst + n;
  while (dst < end) {
    if (pos == row_pos_) {  // whole values while they fit
      char* p = PutStringRows(col, &row_, dst, end);
      row_pos_ += static_cast<size_t>(p - dst);
      pos = row_pos_;
      dst = p;
      if (dst == end) break;
    }
    // A value that does not fit whole, or whose first bytes went out already: piece by piece.
    SLUICE_CHECK(row_ < rows);
    const std::string_view v = value(row_);
    char head[10];
    const size_t head_size = static_cast<size_t>(PutVarUInt(v.size(), head) - head);
    const size_t encoded = head_size + v.size();
    size_t skip = pos - row_pos_;
    const size_t k = std::min(encoded - skip, static_cast<size_t>(end - dst));
    for (size_t done = 0; done < k;) {
      const size_t piece = skip < head_size ? std::min(head_size - skip, k - done)
                                            : std::min(encoded - skip, k - done);
      std::memcpy(dst, skip < head_size ? head + skip : v.data() + (skip - head_size), piece);
      dst += piece;
      skip += piece;
      done += piece;
    }
    pos += k;
    if (pos == row_pos_ + encoded) {
      row_pos_ += encoded;
      ++row_;
    }
  }
}

void NativeBody::AppendTo(std::string& out) const {
  out.reserve(out.size() + size_);
  for (const Range& r : ranges_) {
    if (r.strings != nullptr)
      AppendStringRows(*r.strings, r.size, out);
    else
      out.append(DataOf(r), r.size);
  }
}

void NativeBody::Clear() {
  own_.clear();
  ranges_.clear();
  size_ = cursor_range_ = cursor_at_ = row_ = row_pos_ = 0;
}

namespace {
// Hex digit value by byte, 0xff for anything else (a table: this runs once per UUID value).
struct HexTable {
  uint8_t v[256];
  constexpr HexTable() : v() {
    for (int i = 0; i < 256; ++i) v[i] = 0xff;
    for (int i = 0; i < 10; ++i) v['0' + i] = static_cast<uint8_t>(i);
    for (int i = 0; i < 6; ++i) v['a' + i] = v['A' + i] = static_cast<uint8_t>(10 + i);
  }
};
constexpr HexTable kHex;
}  // namespace

bool ParseUuid(std::string_view text, uint8_t out[16]) {
  const bool dashed = text.size() == 36;
  if (!dashed && text.size() != 32) return false;
  if (dashed && (text[8] != '-' || text[13] != '-' || text[18] != '-' || text[23] != '-'))
    return false;
#if defined(__AVX2__)
  // The 32 hex digits in a row as one 32-byte vector: the dashes dropped by byte shuffles of
  // three 16-byte loads (all within the 36 bytes), checked and turned into nibbles at once.
  __m128i first, second;
  if (dashed) {
    const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(text.data()));
    const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(text.data() + 16));
    const __m128i c = _mm_loadu_si128(reinterpret_cast<const __m128i*>(text.data() + 20));
    // Digits 0-15 are text[0, 8) [9, 13) [14, 18); digits 16-31 are text[19, 23) [24, 36).
    first = _mm_or_si128(
        _mm_shuffle_epi8(a, _mm_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 14, 15, -1, -1)),
        _mm_shuffle_epi8(
            b, _mm_setr_epi8(-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 0, 1)));
    second = _mm_or_si128(_mm_shuffle_epi8(b, _mm_setr_epi8(3, 4, 5, 6, 8, 9, 10, 11, 12, 13, 14,
                                                            15, -1, -1, -1, -1)),
                          _mm_shuffle_epi8(c, _mm_setr_epi8(-1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
                                                            -1, -1, 12, 13, 14, 15)));
  } else {
    first = _mm_loadu_si128(reinterpret_cast<const __m128i*>(text.data()));
    second = _mm_loadu_si128(reinterpret_cast<const __m128i*>(text.data() + 16));
  }
  const __m256i digits = _mm256_set_m128i(second, first);
  const __m256i lower = _mm256_or_si256(digits, _mm256_set1_epi8(0x20));
  // Signed compares: bytes >= 0x80 are negative and fail both ranges.
  const __m256i digit = _mm256_and_si256(_mm256_cmpgt_epi8(digits, _mm256_set1_epi8('0' - 1)),
                                         _mm256_cmpgt_epi8(_mm256_set1_epi8('9' + 1), digits));
  const __m256i letter = _mm256_and_si256(_mm256_cmpgt_epi8(lower, _mm256_set1_epi8('a' - 1)),
                                          _mm256_cmpgt_epi8(_mm256_set1_epi8('f' + 1), lower));
  if (_mm256_movemask_epi8(_mm256_or_si256(digit, letter)) != -1) return false;
  const __m256i nibbles = _mm256_add_epi8(_mm256_and_si256(digits, _mm256_set1_epi8(0x0f)),
                                          _mm256_and_si256(letter, _mm256_set1_epi8(9)));
  // Each digit pair into one byte (high nibble * 16 + low), in the low byte of a 16-bit lane.
  const __m256i pairs = _mm256_maddubs_epi16(nibbles, _mm256_set1_epi16(0x0110));
  // Native stores the high UInt64 then the low, each little-endian: per 128-bit half, its eight
  // bytes in reverse order, then the two halves' low quadwords side by side.
  const __m256i reversed = _mm256_shuffle_epi8(
      pairs, _mm256_setr_epi8(14, 12, 10, 8, 6, 4, 2, 0, -1, -1, -1, -1, -1, -1, -1, -1, 14, 12, 10,
                              8, 6, 4, 2, 0, -1, -1, -1, -1, -1, -1, -1, -1));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out),
                   _mm256_castsi256_si128(_mm256_permute4x64_epi64(reversed, 0b1000)));
  return true;
#else
  uint64_t high, low;  // the 128-bit value's halves as the text spells them (big-endian)
#if defined(__SSE2__) && defined(__x86_64__)
  // The 32 hex digits in a row, as two vectors assembled in registers from 8- and 4-byte loads
  // (copying the pieces through memory and reloading them as a vector stalls store forwarding).
  auto load64 = [&](size_t at) {
    uint64_t x;
    std::memcpy(&x, text.data() + at, 8);
    return static_cast<long long>(x);
  };
  auto load32 = [&](size_t at) {
    uint32_t x;
    std::memcpy(&x, text.data() + at, 4);
    return static_cast<uint64_t>(x);
  };
  __m128i hex_first, hex_second;
  if (dashed) {
    hex_first = _mm_set_epi64x(static_cast<long long>(load32(9) | load32(14) << 32), load64(0));
    hex_second = _mm_set_epi64x(load64(28), static_cast<long long>(load32(19) | load32(24) << 32));
  } else {
    hex_first = _mm_loadu_si128(reinterpret_cast<const __m128i*>(text.data()));
    hex_second = _mm_loadu_si128(reinterpret_cast<const __m128i*>(text.data() + 16));
  }
  // 16 digits per vector: check they are hex, turn them into nibbles, pair the nibbles up.
  auto decode = [](__m128i c, bool* ok) {
    const __m128i lower = _mm_or_si128(c, _mm_set1_epi8(0x20));
    // Signed compares: bytes >= 0x80 are negative and fail both ranges.
    const __m128i digit = _mm_and_si128(_mm_cmpgt_epi8(c, _mm_set1_epi8('0' - 1)),
                                        _mm_cmplt_epi8(c, _mm_set1_epi8('9' + 1)));
    const __m128i letter = _mm_and_si128(_mm_cmpgt_epi8(lower, _mm_set1_epi8('a' - 1)),
                                         _mm_cmplt_epi8(lower, _mm_set1_epi8('f' + 1)));
    *ok &= _mm_movemask_epi8(_mm_or_si128(digit, letter)) == 0xffff;
    const __m128i nibble = _mm_add_epi8(_mm_and_si128(c, _mm_set1_epi8(0x0f)),
                                        _mm_and_si128(letter, _mm_set1_epi8(9)));
    // Each 16-bit lane holds (low nibble << 8) | high nibble; make it the byte in its low half.
    return _mm_or_si128(_mm_and_si128(_mm_slli_epi16(nibble, 4), _mm_set1_epi16(0x00f0)),
                        _mm_srli_epi16(nibble, 8));
  };
  bool ok = true;
  const __m128i first = decode(hex_first, &ok), second = decode(hex_second, &ok);
  if (!ok) return false;
  const __m128i bytes = _mm_packus_epi16(first, second);
  high = static_cast<uint64_t>(_mm_cvtsi128_si64(bytes));
  low = static_cast<uint64_t>(_mm_cvtsi128_si64(_mm_unpackhi_epi64(bytes, bytes)));
#else
  char hex[32];
  if (dashed) {
    std::memcpy(hex, text.data(), 8);
    std::memcpy(hex + 8, text.data() + 9, 4);
    std::memcpy(hex + 12, text.data() + 14, 4);
    std::memcpy(hex + 16, text.data() + 19, 4);
    std::memcpy(hex + 20, text.data() + 24, 12);
  } else {
    std::memcpy(hex, text.data(), 32);
  }
  uint8_t bytes[16];  // text order: the 128-bit value big-endian
  uint8_t bad = 0;
  for (int n = 0; n < 16; ++n) {
    const uint8_t hi = kHex.v[static_cast<unsigned char>(hex[2 * n])];
    const uint8_t lo = kHex.v[static_cast<unsigned char>(hex[2 * n + 1])];
    bad |= hi | lo;
    bytes[n] = static_cast<uint8_t>((hi << 4) | (lo & 0x0f));
  }
  if (bad & 0xf0) return false;
  std::memcpy(&high, bytes, 8);
  std::memcpy(&low, bytes + 8, 8);
#endif
  // Native stores the high UInt64 then the low, each little-endian.
  high = __builtin_bswap64(high);
  low = __builtin_bswap64(low);
  std::memcpy(out, &high, 8);
  std::memcpy(out + 8, &low, 8);
  return true;
#endif
}

bool ParseIPv6(std::string_view text, uint8_t out[16]) {
  char buf[64];
  if (text.empty() || text.size() >= sizeof buf) return false;
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  if (inet_pton(AF_INET6, buf, out) == 1) return true;
  uint8_t v4[4];
  if (inet_pton(AF_INET, buf, v4) != 1) return false;
  std::memset(out, 0, 10);
  out[10] = out[11] = 0xff;
  std::memcpy(out + 12, v4, 4);
  return true;
}

bool ParseIPv4(std::string_view text, uint32_t* out) {
  char buf[32];
  if (text.empty() || text.size() >= sizeof buf) return false;
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  uint8_t b[4];
  if (inet_pton(AF_INET, buf, b) != 1) return false;
  *out = (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | b[3];
  return true;
}

}  // namespace sluice
