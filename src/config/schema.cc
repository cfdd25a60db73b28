// The configuration schema engine (see schema.h): validation of declarations, the YAML decoder,
// suggestions for unknown keys, and the Markdown reference renderer.
#include "config/schema.h"

#include <fmt/format.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <sstream>

namespace sluice::config {

// Errors beyond this many are summarised in one line, so a garbage file gives a readable message.
constexpr size_t kMaxReportedErrors = 50;
// Echoed values and user-written key names are shortened to this many bytes.
constexpr size_t kMaxEchoBytes = 64;

std::string Printable(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size() && i < kMaxEchoBytes; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += fmt::format("\\x{:02x}", c);
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  if (s.size() > kMaxEchoBytes) out += "...";
  return out;
}

// Aborts on an inconsistent declaration (a programming error, caught by any unit test).
void CheckSchema(const Section& s) {
  for (size_t i = 0; i < s.keys.size(); ++i) {
    const Key& k = s.keys[i];
    SLUICE_CHECK(!k.name.empty() && k.field && !k.description.empty());
    SLUICE_CHECK(k.owner && *k.owner == s.type);  // the key binds to this section's struct
    SLUICE_CHECK(s.Find(k.name) == i);            // names are unique
    const bool scalar = k.type == Type::kInt || k.type == Type::kBytes || k.type == Type::kString ||
                        k.type == Type::kBool || k.type == Type::kEnum;
    const bool has_default = !std::holds_alternative<std::monostate>(k.default_value);
    // A scalar has exactly one of: a default, a derived default, or the required flag.
    if (scalar) SLUICE_CHECK(int{has_default} + int{bool(k.derive)} + int{k.required} == 1);
    if (!scalar) SLUICE_CHECK(!has_default && !k.derive);
    if (has_default) {
      switch (k.type) {
        case Type::kInt:
        case Type::kBytes: {
          const int64_t* v = std::get_if<int64_t>(&k.default_value);
          SLUICE_CHECK(v && *v >= k.min && *v <= k.max);
          break;
        }
        case Type::kBool:
          SLUICE_CHECK(std::holds_alternative<bool>(k.default_value));
          break;
        case Type::kEnum: {
          const std::string* v = std::get_if<std::string>(&k.default_value);
          SLUICE_CHECK(v && std::count(k.allowed.begin(), k.allowed.end(), *v) == 1);
          break;
        }
        default:
          SLUICE_CHECK(std::holds_alternative<std::string>(k.default_value));
          break;
      }
    }
    if (k.type == Type::kEnum) SLUICE_CHECK(!k.allowed.empty());
    if (k.only_when) {
      // The condition names an enum sibling declared earlier, so it is decoded first.
      const std::optional<size_t> j = s.Find(k.only_when->key);
      SLUICE_CHECK(j && *j < i && s.keys[*j].type == Type::kEnum);
      for (const std::string& v : k.only_when->values) {
        SLUICE_CHECK(std::count(s.keys[*j].allowed.begin(), s.keys[*j].allowed.end(), v) == 1);
      }
    }
    if (k.type == Type::kSection || k.type == Type::kSectionMap) {
      SLUICE_CHECK(k.section != nullptr && k.entry && *k.entry == k.section->type);
      CheckSchema(*k.section);
    }
    if (k.type == Type::kSectionMap) SLUICE_CHECK(k.add_entry && k.name_ok);
  }
  for (const Rule& r : s.rules) {
    SLUICE_CHECK(!r.keys.empty() && r.check);
    for (const std::string& name : r.keys) SLUICE_CHECK(s.Find(name).has_value());
  }
}

namespace {

// ---------------------------------------------------------------------------------------------
// Scalars
// ---------------------------------------------------------------------------------------------

enum class ParseError { kNone, kMalformed, kOutOfRange };

struct ParsedInt {
  int64_t value = 0;
  ParseError error = ParseError::kNone;
};

// A plain decimal integer: optional '-', digits, nothing else (no '+', '.', exponent, hex, spaces).
ParsedInt ParseInt(std::string_view s) {
  const size_t digits_at = !s.empty() && s[0] == '-' ? 1 : 0;
  if (s.size() == digits_at ||
      !std::all_of(s.begin() + digits_at, s.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return {0, ParseError::kMalformed};
  }
  int64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec == std::errc::result_out_of_range) return {0, ParseError::kOutOfRange};
  if (ec != std::errc() || end != s.data() + s.size()) return {0, ParseError::kMalformed};
  return {v, ParseError::kNone};
}

// An integer optionally followed by KiB, MiB or GiB ("64MiB", "64 MiB").
ParsedInt ParseBytes(std::string_view s) {
  static constexpr std::pair<std::string_view, int64_t> kSuffixes[] = {
      {"KiB", kKiB}, {"MiB", kMiB}, {"GiB", kGiB}};
  for (const auto& [suffix, unit] : kSuffixes) {
    if (s.size() <= suffix.size() || s.substr(s.size() - suffix.size()) != suffix) continue;
    std::string_view number = s.substr(0, s.size() - suffix.size());
    while (!number.empty() && number.back() == ' ') number.remove_suffix(1);
    ParsedInt p = ParseInt(number);
    if (p.error != ParseError::kNone) return p;
    if (p.value > std::numeric_limits<int64_t>::max() / unit ||
        p.value < std::numeric_limits<int64_t>::min() / unit) {
      return {0, ParseError::kOutOfRange};
    }
    return {p.value * unit, ParseError::kNone};
  }
  return ParseInt(s);
}

// 64MiB for exact multiples of a unit, else the plain number.
std::string FormatBytes(int64_t v) {
  for (const auto& [unit, suffix] : {std::pair{kGiB, "GiB"}, {kMiB, "MiB"}, {kKiB, "KiB"}}) {
    if (v != 0 && v % unit == 0) return fmt::format("{}{}", v / unit, suffix);
  }
  return std::to_string(v);
}

std::string FormatNumber(const Key& k, int64_t v) {
  return k.type == Type::kBytes ? FormatBytes(v) : std::to_string(v);
}

// What a node is, for "got ..." in messages. A secret's value is never shown.
std::string Describe(const YAML::Node& node, bool secret) {
  if (!node.IsDefined() || node.IsNull()) return "an empty value";
  if (node.IsMap()) return "a mapping";
  if (node.IsSequence()) return "a list";
  if (secret) return "a value";
  return "'" + Printable(node.Scalar()) + "'";
}

bool IsEmpty(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull()) return true;
  if (node.IsScalar()) return node.Scalar().empty();
  return node.size() == 0;
}

std::string Join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += sep;
    out += items[i];
  }
  return out;
}

std::string ChildPath(const std::string& path, std::string_view name) {
  return path.empty() ? Printable(name) : path + "." + Printable(name);
}

// "1 item", "2 items", "1 entry", "2 entries".
std::string Count(size_t n, std::string_view noun) {
  if (n == 1) return fmt::format("1 {}", noun);
  if (noun.ends_with("y")) return fmt::format("{} {}ies", n, noun.substr(0, noun.size() - 1));
  return fmt::format("{} {}s", n, noun);
}

// 1-based line of a node, or `fallback` when the node has no position.
int LineOf(const YAML::Node& node, int fallback) {
  const YAML::Mark mark = node.Mark();
  return mark.line >= 0 ? mark.line + 1 : fallback;
}

// ---------------------------------------------------------------------------------------------
// Suggestions for unknown keys
// ---------------------------------------------------------------------------------------------

std::string Normalize(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c != '_' && c != '-') out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

// Optimal string alignment distance (Levenshtein plus adjacent transpositions).
size_t EditDistance(const std::string& a, const std::string& b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

// "did you mean 'batch'?" for a near miss, else the list of valid keys.
std::string Suggest(const std::string& unknown, const Section& s) {
  const std::string u = Normalize(unknown.substr(0, 2 * kMaxEchoBytes));
  std::optional<size_t> best;
  size_t best_score = 0;
  std::vector<std::string> names;
  for (const Key& k : s.keys) {
    names.push_back(k.name);
    const std::string n = Normalize(k.name);
    const size_t shorter = std::min(u.size(), n.size());
    size_t score;
    if (u == n) {
      score = 0;
    } else if (shorter >= 3 && (u.starts_with(n) || n.starts_with(u))) {
      score = 1;  // "batchsize" → "batch", "max_row" → "max_rows"
    } else {
      score = EditDistance(u, n);
      if (score > std::max<size_t>(1, std::max(u.size(), n.size()) / 3)) continue;
    }
    if (!best || score < best_score) {
      best = names.size() - 1;
      best_score = score;
    }
  }
  if (best) return fmt::format("did you mean '{}'?", names[*best]);
  return "valid keys: " + Join(names, ", ");
}

// ---------------------------------------------------------------------------------------------
// Decoder: YAML → structs, collecting every error.
// ---------------------------------------------------------------------------------------------

struct Error {
  std::string path;  // full dotted path; empty for the document itself
  std::string message;
  int line = 0;  // 1-based; 0 when unknown
};

class Decoder {
 public:
  std::vector<Error> errors;

  // Decodes `node` (a mapping, or absent/null for "all defaults") into `obj`, which has the type
  // `s` was declared for. `line` is where the section was introduced, for missing-key messages.
  void DecodeSection(const Section& s, const YAML::Node& node, const std::string& path, void* obj,
                     int line) {
    ApplyDefaults(s, obj);
    if (!IsEmpty(node) && !node.IsMap()) {
      Fail(path, "expected a mapping, got " + Describe(node, false), line);
      return;
    }

    // Match the YAML keys to declared keys.
    struct Slot {
      bool present = false;
      YAML::Node value;
      int line = 0;
      bool valid = true;  // present and well-formed, or absent and defaulted
    };
    std::vector<Slot> slots(s.keys.size());
    if (node.IsMap()) {
      for (const auto& kv : node) {
        const int key_line = LineOf(kv.first, line);
        if (!kv.first.IsScalar()) {
          Fail(path, "keys must be strings, got " + Describe(kv.first, false), key_line);
          continue;
        }
        const std::string& name = kv.first.Scalar();
        const std::optional<size_t> i = s.Find(name);
        if (!i) {
          Fail(ChildPath(path, name), "unknown key (" + Suggest(name, s) + ")", key_line);
          continue;
        }
        if (slots[*i].present) {
          Fail(ChildPath(path, name),
               fmt::format("duplicate key (first set on line {})", slots[*i].line), key_line);
          continue;
        }
        slots[*i] = Slot{true, kv.second, key_line, true};
      }
    }

    // Decode in declaration order, so a condition's sibling is decoded before the keys it gates.
    for (size_t i = 0; i < s.keys.size(); ++i) {
      const Key& k = s.keys[i];
      Slot& slot = slots[i];
      const std::string path_k = ChildPath(path, k.name);
      if (k.only_when) {
        const size_t j = *s.Find(k.only_when->key);
        if (!slots[j].valid) {  // already reported; whether this key applies is unknown
          slot.valid = false;
          continue;
        }
        const std::string& sibling = *static_cast<const std::string*>(s.keys[j].field(obj));
        const auto& values = k.only_when->values;
        if (std::find(values.begin(), values.end(), sibling) == values.end()) {
          if (slot.present && !IsEmpty(slot.value)) {
            Fail(path_k, fmt::format("not allowed when {} is {}", k.only_when->key, sibling),
                 slot.line);
            slot.valid = false;
          }
          continue;
        }
      }
      if (slot.present) {
        slot.valid = DecodeValue(k, slot.value, path_k, obj, slot.line);
      } else if (k.type == Type::kSection) {
        DecodeSection(*k.section, YAML::Node(), path_k, k.field(obj), line);
      } else if (k.required) {
        Fail(path_k,
             k.only_when ? fmt::format("required key is missing (needed when {} is {})",
                                       k.only_when->key, Join(k.only_when->values, " or "))
                         : "required key is missing",
             line);
        slot.valid = false;
      }
    }

    for (const Rule& r : s.rules) {
      const bool runnable = std::all_of(r.keys.begin(), r.keys.end(), [&](const std::string& n) {
        return slots[*s.Find(n)].valid;
      });
      if (!runnable) continue;
      std::optional<std::string> message = r.check(obj);
      if (!message) continue;
      // Report on the last key; point at the last of the keys that is written in the file.
      int rule_line = line;
      for (const std::string& n : r.keys) {
        if (slots[*s.Find(n)].present) rule_line = slots[*s.Find(n)].line;
      }
      Fail(ChildPath(path, r.keys.back()), *message, rule_line);
    }
  }

 private:
  bool Fail(const std::string& path, std::string message, int line) {
    errors.push_back(Error{path, std::move(message), line});
    return false;
  }

  static void ApplyDefaults(const Section& s, void* obj) {
    for (const Key& k : s.keys) {
      void* f = k.field(obj);
      if (const auto* v = std::get_if<int64_t>(&k.default_value)) *static_cast<int64_t*>(f) = *v;
      if (const auto* v = std::get_if<bool>(&k.default_value)) *static_cast<bool*>(f) = *v;
      if (const auto* v = std::get_if<std::string>(&k.default_value)) {
        *static_cast<std::string*>(f) = *v;
      }
    }
  }

  // Decodes one present value into its field; returns false (after reporting) when invalid.
  bool DecodeValue(const Key& k, const YAML::Node& v, const std::string& path, void* obj,
                   int line) {
    void* field = k.field(obj);
    switch (k.type) {
      case Type::kInt:
      case Type::kBytes:
        return DecodeInt(k, v, path, static_cast<int64_t*>(field), line);
      case Type::kString:
        return DecodeString(k, v, path, static_cast<std::string*>(field), line);
      case Type::kBool: {
        if (v.IsScalar() && (v.Scalar() == "true" || v.Scalar() == "false")) {
          *static_cast<bool*>(field) = v.Scalar() == "true";
          return true;
        }
        return Fail(path, "expected true or false, got " + Describe(v, k.secret), line);
      }
      case Type::kEnum: {
        if (v.IsScalar() &&
            std::find(k.allowed.begin(), k.allowed.end(), v.Scalar()) != k.allowed.end()) {
          *static_cast<std::string*>(field) = v.Scalar();
          return true;
        }
        return Fail(
            path,
            fmt::format("must be one of {}, got {}", Join(k.allowed, ", "), Describe(v, k.secret)),
            line);
      }
      case Type::kStringList:
        return DecodeList(k, v, path, static_cast<std::vector<std::string>*>(field), line);
      case Type::kStringMap:
        return DecodeMap(k, v, path, static_cast<std::map<std::string, std::string>*>(field), line);
      case Type::kSection: {
        const size_t before = errors.size();
        DecodeSection(*k.section, v, path, field, line);
        return errors.size() == before;
      }
      case Type::kSectionMap:
        return DecodeSectionMap(k, v, path, obj, line);
    }
    return Fail(path, "internal error: undecodable key type", line);
  }

  bool DecodeInt(const Key& k, const YAML::Node& v, const std::string& path, int64_t* out,
                 int line) {
    const char* expected = k.type == Type::kBytes
                               ? "expected a byte size (an integer, optionally with suffix KiB, "
                                 "MiB or GiB)"
                               : "expected an integer";
    if (!v.IsScalar())
      return Fail(path, fmt::format("{}, got {}", expected, Describe(v, k.secret)), line);
    const std::string& text = v.Scalar();
    const ParsedInt p = k.type == Type::kBytes ? ParseBytes(text) : ParseInt(text);
    if (p.error == ParseError::kMalformed) {
      return Fail(path, fmt::format("{}, got {}", expected, Describe(v, k.secret)), line);
    }
    if (p.error == ParseError::kOutOfRange || p.value < k.min || p.value > k.max) {
      const std::string got = k.secret                             ? "a value"
                              : p.error == ParseError::kOutOfRange ? Printable(text)
                                                                   : FormatNumber(k, p.value);
      return Fail(path,
                  fmt::format("must be between {} and {}, got {}", FormatNumber(k, k.min),
                              FormatNumber(k, k.max), got),
                  line);
    }
    *out = p.value;
    return true;
  }

  bool DecodeString(const Key& k, const YAML::Node& v, const std::string& path, std::string* out,
                    int line) {
    if (!v.IsScalar()) return Fail(path, "expected a string, got " + Describe(v, k.secret), line);
    const std::string& text = v.Scalar();
    if (text.size() < k.min_size) {
      return Fail(path,
                  k.min_size == 1 ? std::string("must not be empty")
                                  : fmt::format("must be at least {} characters long", k.min_size),
                  line);
    }
    if (!k.prefixes.empty() &&
        std::none_of(k.prefixes.begin(), k.prefixes.end(),
                     [&](const std::string& p) { return text.starts_with(p); })) {
      return Fail(path,
                  fmt::format("must start with {}, got {}", Join(k.prefixes, " or "),
                              Describe(v, k.secret)),
                  line);
    }
    *out = text;
    return true;
  }

  bool CheckCount(const Key& k, size_t count, std::string_view noun, const std::string& path,
                  int line) {
    if (count >= k.min_size) return true;
    return Fail(path, fmt::format("must have at least {}, got {}", Count(k.min_size, noun), count),
                line);
  }

  bool DecodeList(const Key& k, const YAML::Node& v, const std::string& path,
                  std::vector<std::string>* out, int line) {
    if (!IsEmpty(v) && !v.IsSequence()) {
      return Fail(path, "expected a list of strings, got " + Describe(v, k.secret), line);
    }
    bool ok = true;
    out->clear();
    if (v.IsSequence()) {
      for (size_t i = 0; i < v.size(); ++i) {
        const YAML::Node item = v[i];
        const std::string item_path = fmt::format("{}[{}]", path, i);
        const int item_line = LineOf(item, line);
        if (!item.IsScalar()) {
          ok = Fail(item_path, "expected a string, got " + Describe(item, k.secret), item_line);
        } else if (item.Scalar().empty()) {
          ok = Fail(item_path, "must not be empty", item_line);
        } else {
          out->push_back(item.Scalar());
        }
      }
    }
    return CheckCount(k, v.IsSequence() ? v.size() : 0, "item", path, line) && ok;
  }

  bool DecodeMap(const Key& k, const YAML::Node& v, const std::string& path,
                 std::map<std::string, std::string>* out, int line) {
    if (!IsEmpty(v) && !v.IsMap()) {
      return Fail(path, "expected a mapping of strings to strings, got " + Describe(v, k.secret),
                  line);
    }
    bool ok = true;
    out->clear();
    std::map<std::string, int> seen;  // entry → line
    if (v.IsMap()) {
      for (const auto& kv : v) {
        const int entry_line = LineOf(kv.first, line);
        if (!kv.first.IsScalar()) {
          ok = Fail(path, "keys must be strings, got " + Describe(kv.first, k.secret), entry_line);
          continue;
        }
        const std::string& name = kv.first.Scalar();
        const std::string entry_path = ChildPath(path, name);
        if (auto [it, inserted] = seen.emplace(name, entry_line); !inserted) {
          ok = Fail(entry_path, fmt::format("duplicate key (first set on line {})", it->second),
                    entry_line);
        } else if (!kv.second.IsScalar()) {
          ok = Fail(entry_path, "expected a string, got " + Describe(kv.second, k.secret),
                    entry_line);
        } else {
          (*out)[name] = kv.second.Scalar();
        }
      }
    }
    return CheckCount(k, out->size(), "entry", path, line) && ok;
  }

  bool DecodeSectionMap(const Key& k, const YAML::Node& v, const std::string& path, void* obj,
                        int line) {
    if (!IsEmpty(v) && !v.IsMap()) {
      return Fail(path, "expected a mapping of names to sections, got " + Describe(v, false), line);
    }
    const size_t before = errors.size();
    std::map<std::string, int> seen;  // name → line
    if (v.IsMap()) {
      for (const auto& kv : v) {
        const int entry_line = LineOf(kv.first, line);
        if (!kv.first.IsScalar()) {
          Fail(path, "names must be strings, got " + Describe(kv.first, false), entry_line);
          continue;
        }
        const std::string& name = kv.first.Scalar();
        const std::string entry_path = ChildPath(path, name);
        if (auto [it, inserted] = seen.emplace(name, entry_line); !inserted) {
          Fail(entry_path, fmt::format("duplicate name (first used on line {})", it->second),
               entry_line);
        } else if (!k.name_ok(name)) {
          Fail(entry_path, "invalid name: must match " + Unquoted(k.name_doc), entry_line);
        }
        // Decoded even when the name is bad, to report the entry's own errors too. Each entry is
        // fully decoded before the next is added, so the pointer stays valid.
        DecodeSection(*k.section, kv.second, entry_path, k.add_entry(obj, name), entry_line);
      }
    }
    CheckCount(k, seen.size(), "entry", path, line);
    return errors.size() == before;
  }

  static std::string Unquoted(std::string s) {
    s.erase(std::remove(s.begin(), s.end(), '`'), s.end());
    return s;
  }
};

std::string FormatErrors(std::vector<Error> errors, const std::string& origin) {
  // Unknown positions (document-level) first, then in file order.
  std::stable_sort(errors.begin(), errors.end(),
                   [](const Error& a, const Error& b) { return a.line < b.line; });
  std::string out;
  for (size_t i = 0; i < errors.size() && i < kMaxReportedErrors; ++i) {
    const Error& e = errors[i];
    if (!out.empty()) out += '\n';
    out += fmt::format("{}: {}", e.path.empty() ? Printable(origin) : e.path, e.message);
    if (e.line > 0) out += fmt::format(" (line {})", e.line);
  }
  if (errors.size() > kMaxReportedErrors) {
    out += fmt::format("\n... and {} more errors", errors.size() - kMaxReportedErrors);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Reference rendering
// ---------------------------------------------------------------------------------------------

std::string Literal(std::string_view s) {
  return fmt::format("`{}`", s);
}

std::string TypeName(const Key& k) {
  switch (k.type) {
    case Type::kInt:
      return "int";
    case Type::kBytes:
      return "bytes";
    case Type::kString:
      return "string";
    case Type::kBool:
      return "bool";
    case Type::kEnum:
      return "enum";
    case Type::kStringList:
      return "list<string>";
    case Type::kStringMap:
      return "map<string,string>";
    case Type::kSection:
      return "section";
    case Type::kSectionMap:
      return "map<string,section>";
  }
  return "?";
}

std::string ConditionText(const Condition& c) {
  std::vector<std::string> values;
  for (const std::string& v : c.values) values.push_back(Literal(v));
  return fmt::format("{} is {}", Literal(c.key), Join(values, " or "));
}

std::string DefaultText(const Key& k) {
  if (k.required) return k.only_when ? "required when " + ConditionText(*k.only_when) : "required";
  if (k.derive) return k.derived_doc;
  if (const auto* v = std::get_if<int64_t>(&k.default_value)) return Literal(FormatNumber(k, *v));
  if (const auto* v = std::get_if<bool>(&k.default_value)) return Literal(*v ? "true" : "false");
  if (const auto* v = std::get_if<std::string>(&k.default_value)) {
    return v->empty() ? "`\"\"`" : Literal(*v);
  }
  switch (k.type) {
    case Type::kStringList:
      return "`[]`";
    case Type::kStringMap:
      return "`{}`";
    default:
      return "";
  }
}

std::string BoundText(const Key& k) {
  std::vector<std::string> parts;
  if (k.type == Type::kInt || k.type == Type::kBytes) {
    parts.push_back(fmt::format("{} to {}", FormatNumber(k, k.min), FormatNumber(k, k.max)));
  }
  if (k.type == Type::kEnum) {
    std::vector<std::string> values;
    for (const std::string& v : k.allowed) values.push_back(Literal(v));
    parts.push_back("one of " + Join(values, ", "));
  }
  if (!k.prefixes.empty()) {
    std::vector<std::string> prefixes;
    for (const std::string& p : k.prefixes) prefixes.push_back(Literal(p));
    parts.push_back("starts with " + Join(prefixes, " or "));
  }
  if (k.min_size > 0) {
    switch (k.type) {
      case Type::kString:
        parts.push_back("non-empty");
        break;
      case Type::kStringList:
        parts.push_back("at least " + Count(k.min_size, "item"));
        break;
      default:
        parts.push_back("at least " + Count(k.min_size, "entry"));
        break;
    }
  }
  if (k.type == Type::kSectionMap) parts.push_back("names match " + k.name_doc);
  if (k.only_when) parts.push_back("only when " + ConditionText(*k.only_when));
  return Join(parts, "; ");
}

void RenderSection(const Section& s, const std::string& path, std::string* out) {
  *out += fmt::format("## {}\n\n{}\n\n", path.empty() ? "Top level" : Literal(path), s.description);
  *out += "| Key | Type | Default | Bound | Description |\n";
  *out += "|-----|------|---------|-------|-------------|\n";
  std::vector<std::pair<const Section*, std::string>> children;
  for (const Key& k : s.keys) {
    std::string description = k.description;
    if (k.secret) description += " Secret: never shown in messages.";
    std::string child_path = path.empty() ? k.name : path + "." + k.name;
    if (k.type == Type::kSectionMap) child_path += ".<name>";
    if (k.section) {
      description += " See " + Literal(child_path) + ".";
      children.emplace_back(k.section, child_path);
    }
    *out += fmt::format("| {} | {} | {} | {} | {} |\n", Literal(k.name), Literal(TypeName(k)),
                        DefaultText(k), BoundText(k), description);
  }
  if (!s.rules.empty()) {
    *out += "\nAlso:\n\n";
    for (const Rule& r : s.rules) *out += "- " + r.doc + "\n";
  }
  *out += "\n";
  for (const auto& [child, child_path] : children) RenderSection(*child, child_path, out);
}

// ---------------------------------------------------------------------------------------------
// YAML loading
// ---------------------------------------------------------------------------------------------

// Records where each document of a YAML stream starts; builds nothing.
class DocumentStarts : public YAML::EventHandler {
 public:
  std::vector<YAML::Mark> starts;

  void OnDocumentStart(const YAML::Mark& mark) override { starts.push_back(mark); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

Status SyntaxError(const std::string& origin, const YAML::Mark& mark, const std::string& message) {
  return InvalidArgument(fmt::format("{}:{}:{}: invalid YAML: {}", Printable(origin), mark.line + 1,
                                     mark.column + 1, message));
}

// The single document of `text`; a null node when the text holds none (empty, only comments).
//
// The documents are counted in a first, node-less pass rather than with YAML::LoadAll: on some
// invalid input, e.g. a stray ',' where a node should start, yaml-cpp 0.7 reports an empty
// document without consuming any input, again and again, so LoadAll never returns and allocates
// without bound (jbeder/yaml-cpp#1040). A document that starts where the previous one did is that
// case, and is reported as a syntax error.
Result<YAML::Node> LoadDocument(const std::string& text, const std::string& origin) {
  try {
    std::istringstream in(text);
    YAML::Parser parser(in);
    DocumentStarts documents;
    while (parser.HandleNextDocument(documents)) {
      const std::vector<YAML::Mark>& starts = documents.starts;
      if (starts.size() >= 2 && starts.back().pos <= starts[starts.size() - 2].pos) {
        const YAML::Mark& at = starts.back();
        const std::string found = at.pos >= 0 && static_cast<size_t>(at.pos) < text.size()
                                      ? "'" + Printable(text.substr(at.pos, 1)) + "'"
                                      : "input";
        return SyntaxError(origin, at, "unexpected " + found);
      }
    }
    if (documents.starts.size() > 1) {
      return InvalidArgument(fmt::format("{}: expected one YAML document, found {} (line {})",
                                         Printable(origin), documents.starts.size(),
                                         documents.starts[1].line + 1));
    }
    return documents.starts.empty() ? YAML::Node() : YAML::Load(text);
  } catch (const YAML::ParserException& e) {  // includes DeepRecursion
    return SyntaxError(origin, e.mark, e.msg);
  } catch (const YAML::Exception& e) {
    return InvalidArgument(fmt::format("{}: invalid YAML: {}", Printable(origin), e.msg));
  }
}

}  // namespace

// Fills derived defaults of every key left empty under `s`.
void ApplyDerived(const Section& s, void* obj, const DeriveContext& ctx) {
  for (const Key& k : s.keys) {
    if (k.derive) {
      auto* value = static_cast<std::string*>(k.field(obj));
      if (value->empty()) *value = k.derive(ctx);
    }
    if (k.type == Type::kSection) ApplyDerived(*k.section, k.field(obj), ctx);
  }
}

Status Decode(const Section& s, const std::string& yaml_text, const std::string& origin,
              void* obj) {
  ASSIGN_OR_RETURN(const YAML::Node root, LoadDocument(yaml_text, origin));
  Decoder decoder;
  try {
    decoder.DecodeSection(s, root, "", obj, 0);
  } catch (const YAML::Exception& e) {  // not expected: the decoder only inspects nodes
    return InvalidArgument(fmt::format("{}: {}", Printable(origin), e.what()));
  }
  if (!decoder.errors.empty()) {
    return InvalidArgument(FormatErrors(std::move(decoder.errors), origin));
  }
  return Status::Ok();
}

std::string RenderReference(const Section& s) {
  std::string out;
  RenderSection(s, "", &out);
  while (out.size() >= 2 && out.ends_with("\n\n")) out.pop_back();
  return out;
}

}  // namespace sluice::config
