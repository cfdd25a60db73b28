#include "core/types.h"

#include <cctype>
#include <fmt/format.h>

namespace sluice {
namespace {

// Quotes `s` as a ClickHouse string literal, so canonical names stay parseable.
std::string QuoteLiteral(std::string_view s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out + "'";
}

// Recursive-descent parser over a ClickHouse type string.
class TypeParser {
 public:
  explicit TypeParser(std::string_view text) : s_(text) {}

  Result<DataTypePtr> ParseAll() {
    auto t = ParseOne();
    if (!t.ok()) return t;
    SkipSpace();
    if (pos_ != s_.size()) return Error("unexpected text after the type");
    return t;
  }

 private:
  Status Error(const std::string& what) const {
    return InvalidArgument(fmt::format("cannot parse type '{}' at position {}: {}", s_, pos_, what));
  }
  void SkipSpace() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
  }
  bool Eat(char c) {
    SkipSpace();
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  std::string_view Identifier() {
    SkipSpace();
    size_t b = pos_;
    while (pos_ < s_.size() &&
           (std::isalnum(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '_'))
      ++pos_;
    return s_.substr(b, pos_ - b);
  }
  Result<int64_t> Integer() {
    SkipSpace();
    size_t b = pos_;
    if (pos_ < s_.size() && (s_[pos_] == '-' || s_[pos_] == '+')) ++pos_;
    while (pos_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_]))) ++pos_;
    if (b == pos_ || (pos_ - b == 1 && !std::isdigit(static_cast<unsigned char>(s_[b]))))
      return Error("expected an integer");
    if (pos_ - b > 18) return Error("integer too large");
    return std::stoll(std::string(s_.substr(b, pos_ - b)));
  }
  Result<std::string> Quoted() {
    SkipSpace();
    if (pos_ >= s_.size() || s_[pos_] != '\'') return Error("expected a quoted string");
    ++pos_;
    std::string out;
    while (pos_ < s_.size() && s_[pos_] != '\'') {
      if (s_[pos_] == '\\' && pos_ + 1 < s_.size()) ++pos_;
      out.push_back(s_[pos_++]);
    }
    if (pos_ >= s_.size()) return Error("unterminated string");
    ++pos_;
    return out;
  }

  Result<DataTypePtr> ParseOne() {
    std::string_view ident = Identifier();
    if (ident.empty()) return Error("expected a type name");
    auto t = std::make_shared<DataType>();
    std::string name(ident);
    std::string upper;
    for (char c : name) upper.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));

    struct Simple {
      const char* name;
      TypeId id;
    };
    static const Simple kSimple[] = {
        {"UInt8", TypeId::kUInt8},     {"UInt16", TypeId::kUInt16},   {"UInt32", TypeId::kUInt32},
        {"UInt64", TypeId::kUInt64},   {"Int8", TypeId::kInt8},       {"Int16", TypeId::kInt16},
        {"Int32", TypeId::kInt32},     {"Int64", TypeId::kInt64},     {"Float32", TypeId::kFloat32},
        {"Float64", TypeId::kFloat64}, {"String", TypeId::kString},   {"Date", TypeId::kDate},
        {"UUID", TypeId::kUUID},       {"IPv4", TypeId::kIPv4},       {"IPv6", TypeId::kIPv6},
        {"Bool", TypeId::kBool},       {"Nothing", TypeId::kNothing},
    };
    // SQL-style aliases ClickHouse accepts case-insensitively.
    static const Simple kAliases[] = {
        {"TINYINT", TypeId::kInt8},   {"SMALLINT", TypeId::kInt16}, {"INT", TypeId::kInt32},
        {"INTEGER", TypeId::kInt32},  {"BIGINT", TypeId::kInt64},   {"FLOAT", TypeId::kFloat32},
        {"DOUBLE", TypeId::kFloat64}, {"TEXT", TypeId::kString},    {"VARCHAR", TypeId::kString},
        {"BOOLEAN", TypeId::kBool},   {"BOOL", TypeId::kBool},
    };
    for (const auto& s : kSimple) {
      if (name == s.name) {
        t->id = s.id;
        t->name = s.name;
        return DataTypePtr(t);
      }
    }
    for (const auto& s : kAliases) {
      if (upper == s.name) {
        for (const auto& c : kSimple)
          if (c.id == s.id) t->name = c.name;
        t->id = s.id;
        return DataTypePtr(t);
      }
    }

    if (name == "DateTime") {
      t->id = TypeId::kDateTime;
      t->name = "DateTime";
      if (Eat('(')) {
        ASSIGN_OR_RETURN(t->timezone, Quoted());
        if (!Eat(')')) return Error("expected ')'");
        t->name = fmt::format("DateTime('{}')", t->timezone);
      }
      return DataTypePtr(t);
    }
    if (name == "DateTime64") {
      t->id = TypeId::kDateTime64;
      if (!Eat('(')) return Error("DateTime64 needs a precision");
      ASSIGN_OR_RETURN(int64_t p, Integer());
      if (p < 0 || p > 9) return Error("DateTime64 precision must be between 0 and 9");
      t->precision = static_cast<uint32_t>(p);
      if (Eat(',')) {
        ASSIGN_OR_RETURN(t->timezone, Quoted());
      }
      if (!Eat(')')) return Error("expected ')'");
      t->name = t->timezone.empty() ? fmt::format("DateTime64({})", p)
                                    : fmt::format("DateTime64({}, '{}')", p, t->timezone);
      return DataTypePtr(t);
    }
    if (name == "FixedString") {
      t->id = TypeId::kFixedString;
      if (!Eat('(')) return Error("FixedString needs a length");
      ASSIGN_OR_RETURN(int64_t n, Integer());
      if (n <= 0 || n > (1 << 24)) return Error("FixedString length out of range");
      if (!Eat(')')) return Error("expected ')'");
      t->fixed_size = static_cast<uint32_t>(n);
      t->name = fmt::format("FixedString({})", n);
      return DataTypePtr(t);
    }
    if (name == "Enum8" || name == "Enum16") {
      t->id = name == "Enum8" ? TypeId::kEnum8 : TypeId::kEnum16;
      if (!Eat('(')) return Error("Enum needs values");
      std::string text = name + "(";
      do {
        ASSIGN_OR_RETURN(std::string label, Quoted());
        if (!Eat('=')) return Error("expected '=' in Enum");
        ASSIGN_OR_RETURN(int64_t v, Integer());
        const int64_t lo = t->id == TypeId::kEnum8 ? -128 : -32768;
        const int64_t hi = t->id == TypeId::kEnum8 ? 127 : 32767;
        if (v < lo || v > hi) return Error("Enum value out of range");
        if (!t->enum_values.empty()) text += ", ";
        text += fmt::format("{} = {}", QuoteLiteral(label), v);
        t->enum_values.emplace_back(std::move(label), static_cast<int16_t>(v));
      } while (Eat(','));
      if (!Eat(')')) return Error("expected ')'");
      t->name = text + ")";
      return DataTypePtr(t);
    }
    if (name == "Decimal" || name == "Decimal32" || name == "Decimal64" || name == "Decimal128" ||
        name == "Decimal256" || upper == "NUMERIC" || upper == "DEC") {
      t->id = TypeId::kDecimal;
      if (!Eat('(')) return Error("Decimal needs precision and scale");
      int64_t p = 0, s = 0;
      if (name == "Decimal32" || name == "Decimal64" || name == "Decimal128" || name == "Decimal256") {
        p = name == "Decimal32" ? 9 : name == "Decimal64" ? 18 : name == "Decimal128" ? 38 : 76;
        ASSIGN_OR_RETURN(s, Integer());
      } else {
        ASSIGN_OR_RETURN(p, Integer());
        if (Eat(',')) {
          ASSIGN_OR_RETURN(s, Integer());
        }
      }
      if (!Eat(')')) return Error("expected ')'");
      if (p < 1 || p > 76) return Error("Decimal precision must be between 1 and 76");
      if (s < 0 || s > p) return Error("Decimal scale must be between 0 and the precision");
      t->precision = static_cast<uint32_t>(p);
      t->scale = static_cast<uint32_t>(s);
      t->name = fmt::format("Decimal({}, {})", p, s);
      return DataTypePtr(t);
    }
    if (name == "Nullable" || name == "Array" || name == "LowCardinality") {
      t->id = name == "Nullable" ? TypeId::kNullable
              : name == "Array"  ? TypeId::kArray
                                 : TypeId::kLowCardinality;
      if (!Eat('(')) return Error(name + " needs an argument");
      ASSIGN_OR_RETURN(DataTypePtr inner, ParseOne());
      if (!Eat(')')) return Error("expected ')'");
      if (t->id == TypeId::kNullable &&
          (inner->id == TypeId::kNullable || inner->id == TypeId::kArray ||
           inner->id == TypeId::kTuple || inner->id == TypeId::kMap ||
           inner->id == TypeId::kLowCardinality))
        return Error("Nullable cannot wrap " + inner->name);
      if (t->id == TypeId::kLowCardinality) {
        const DataType& base = inner->id == TypeId::kNullable ? *inner->children[0] : *inner;
        if (base.id == TypeId::kArray || base.id == TypeId::kTuple || base.id == TypeId::kMap ||
            base.id == TypeId::kLowCardinality)
          return Error("LowCardinality cannot wrap " + inner->name);
      }
      t->name = name + "(" + inner->name + ")";
      t->children.push_back(std::move(inner));
      return DataTypePtr(t);
    }
    if (name == "Tuple" || name == "Map") {
      t->id = name == "Tuple" ? TypeId::kTuple : TypeId::kMap;
      if (!Eat('(')) return Error(name + " needs arguments");
      std::string text = name + "(";
      do {
        // Named tuple element: `name Type`. Peek: identifier followed by another identifier.
        size_t save = pos_;
        std::string element_name;
        std::string_view first = Identifier();
        SkipSpace();
        if (t->id == TypeId::kTuple && !first.empty() && pos_ < s_.size() &&
            (std::isalpha(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '_')) {
          element_name = std::string(first);
        } else {
          pos_ = save;
        }
        ASSIGN_OR_RETURN(DataTypePtr inner, ParseOne());
        if (!t->children.empty()) text += ", ";
        text += element_name.empty() ? inner->name : element_name + " " + inner->name;
        t->element_names.push_back(element_name);
        t->children.push_back(std::move(inner));
      } while (Eat(','));
      if (!Eat(')')) return Error("expected ')'");
      if (t->id == TypeId::kMap && t->children.size() != 2)
        return Error("Map needs exactly a key and a value type");
      bool any_named = false;
      for (const auto& n : t->element_names) any_named |= !n.empty();
      if (!any_named) t->element_names.clear();
      t->name = text + ")";
      return DataTypePtr(t);
    }
    return Error("unknown type '" + name + "'");
  }

  std::string_view s_;
  size_t pos_ = 0;
};

}  // namespace

size_t DataType::value_width() const {
  switch (id) {
    case TypeId::kUInt8: case TypeId::kInt8: case TypeId::kBool: case TypeId::kEnum8: return 1;
    case TypeId::kUInt16: case TypeId::kInt16: case TypeId::kDate: case TypeId::kEnum16: return 2;
    case TypeId::kUInt32: case TypeId::kInt32: case TypeId::kFloat32: case TypeId::kDateTime:
    case TypeId::kIPv4: return 4;
    case TypeId::kUInt64: case TypeId::kInt64: case TypeId::kFloat64: case TypeId::kDateTime64:
      return 8;
    case TypeId::kUUID: case TypeId::kIPv6: return 16;
    case TypeId::kFixedString: return fixed_size;
    case TypeId::kDecimal: return precision <= 9 ? 4 : precision <= 18 ? 8 : precision <= 38 ? 16 : 32;
    default: return 0;
  }
}

bool DataType::is_numeric_int() const {
  switch (id) {
    case TypeId::kUInt8: case TypeId::kUInt16: case TypeId::kUInt32: case TypeId::kUInt64:
    case TypeId::kInt8: case TypeId::kInt16: case TypeId::kInt32: case TypeId::kInt64: return true;
    default: return false;
  }
}

bool DataType::is_signed_int() const {
  return id == TypeId::kInt8 || id == TypeId::kInt16 || id == TypeId::kInt32 || id == TypeId::kInt64;
}

bool DataType::needs_newer_server() const {
  switch (id) {
    case TypeId::kIPv4: case TypeId::kIPv6: case TypeId::kBool: case TypeId::kMap:
    case TypeId::kDateTime64: return true;
    default: break;
  }
  for (const auto& c : children)
    if (c->needs_newer_server()) return true;
  return false;
}

Result<DataTypePtr> ParseType(std::string_view text) { return TypeParser(text).ParseAll(); }

}  // namespace sluice
