// The configuration schema engine: a declarative description of YAML keys and everything generic
// that is driven by it. Internal to the config module; sluice's own keys are declared in config.cc.
//
// A Key binds a YAML key to a field of a config struct (through a pointer-to-member captured by a
// typed builder: Int(), Bytes(), String(), Enum(), ...) and carries its type, default, bound, flags
// and description. A Section groups the keys of one struct, plus cross-field Rules. From those
// tables alone:
//   - Decode() walks the YAML against them: applies defaults, checks types, bounds, conditions and
//     cross-field rules, and collects every error (path, message, line) in one pass;
//   - ApplyDerived() fills defaults computed from other values (state_dir, pipeline name);
//   - RenderReference() renders them as Markdown (docs/configuration.md);
//   - CheckSchema() aborts on an inconsistent declaration.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <typeinfo>
#include <utility>
#include <variant>
#include <vector>

#include "core/status.h"

namespace sluice::config {

constexpr int64_t kKiB = int64_t{1} << 10;
constexpr int64_t kMiB = int64_t{1} << 20;
constexpr int64_t kGiB = int64_t{1} << 30;

// ---------------------------------------------------------------------------------------------
// Schema model
// ---------------------------------------------------------------------------------------------

enum class Type {
  kInt,         // int64_t; plain decimal integer
  kBytes,       // int64_t; integer, optionally with a KiB / MiB / GiB suffix
  kString,      // std::string
  kBool,        // bool; true | false
  kEnum,        // std::string, one of Key::allowed
  kStringList,  // std::vector<std::string>
  kStringMap,   // std::map<std::string, std::string>
  kSection,     // a nested struct described by Key::section
  kSectionMap,  // std::vector<Struct>: a mapping of name → Key::section, in file order
};

struct Section;

// Inputs of derived defaults, known only once the whole file has been read.
struct DeriveContext {
  const std::string& state_dir;
  const std::string& pipeline;
};

// "This key applies only when sibling enum `key` is one of `values`."
struct Condition {
  std::string key;
  std::vector<std::string> values;
};

using DefaultValue = std::variant<std::monostate, int64_t, std::string, bool>;

// One declared key. Built by the typed builders below and refined with the chained modifiers.
struct Key {
  std::string name;  // relative to its section
  Type type = Type::kString;
  std::string description;
  DefaultValue default_value;  // monostate: no plain default (required, derived or container)
  bool required = false;       // with only_when: required when the condition holds
  bool secret = false;         // the value never appears in messages
  // Bounds.
  int64_t min = std::numeric_limits<int64_t>::min();  // kInt, kBytes
  int64_t max = std::numeric_limits<int64_t>::max();  // kInt, kBytes
  std::vector<std::string> allowed;                   // kEnum
  std::vector<std::string> prefixes;                  // kString: must start with one of these
  size_t min_size = 0;  // kString: characters; kStringList: items; kSectionMap: entries
  std::optional<Condition> only_when;
  // Derived default (kString): used when the key is absent.
  std::string derived_doc;
  std::function<std::string(const DeriveContext&)> derive;
  // kSectionMap: entry names must satisfy name_ok; name_doc describes the rule.
  std::string name_doc;
  std::function<bool(const std::string&)> name_ok;

  // Binding. `field` maps a pointer to the section's struct (of type `owner`) to a pointer to this
  // key's member; the typed builders create it from a pointer-to-member, so the member's type
  // always matches `type`. CheckSchema() verifies that `owner` is the struct of the section the key
  // is declared in, and that a nested section describes the struct type `entry`.
  std::function<void*(void*)> field;
  const std::type_info* owner = nullptr;
  const Section* section = nullptr;       // kSection, kSectionMap
  const std::type_info* entry = nullptr;  // kSection, kSectionMap: the nested struct type
  std::function<void*(void*, const std::string&)> add_entry;  // kSectionMap: appends a named entry

  template <typename V>
  Key Default(V v) && {
    if constexpr (std::is_same_v<V, bool>) {
      default_value = v;
    } else if constexpr (std::is_integral_v<V>) {
      default_value = static_cast<int64_t>(v);
    } else {
      default_value = std::string(v);
    }
    return std::move(*this);
  }
  Key Required() && {
    required = true;
    return std::move(*this);
  }
  Key Secret() && {
    secret = true;
    return std::move(*this);
  }
  Key Between(int64_t lo, int64_t hi) && {
    min = lo;
    max = hi;
    return std::move(*this);
  }
  Key MinSize(size_t n) && {
    min_size = n;
    return std::move(*this);
  }
  Key NonEmpty() && { return std::move(*this).MinSize(1); }
  Key Prefixes(std::vector<std::string> p) && {
    prefixes = std::move(p);
    return std::move(*this);
  }
  Key OnlyWhen(std::string sibling, std::vector<std::string> values) && {
    only_when = Condition{std::move(sibling), std::move(values)};
    return std::move(*this);
  }
  Key Derived(std::string doc, std::function<std::string(const DeriveContext&)> fn) && {
    derived_doc = std::move(doc);
    derive = std::move(fn);
    return std::move(*this);
  }
  Key Names(std::string doc, std::function<bool(const std::string&)> ok) && {
    name_doc = std::move(doc);
    name_ok = std::move(ok);
    return std::move(*this);
  }
  Key Doc(std::string d) && {
    description = std::move(d);
    return std::move(*this);
  }
};

// A check across several keys of one section, run only when all of `keys` hold valid values.
// A failure is reported on the last of `keys`.
struct Rule {
  std::string doc;
  std::vector<std::string> keys;
  std::function<std::optional<std::string>(const void*)> check;  // returns the error message
};

struct Section {
  const std::type_info& type;  // the struct the keys bind to
  std::string description;
  std::vector<Key> keys;
  std::vector<Rule> rules;

  std::optional<size_t> Find(std::string_view name) const {
    for (size_t i = 0; i < keys.size(); ++i) {
      if (keys[i].name == name) return i;
    }
    return std::nullopt;
  }
};

// --- Typed builders: the only place that knows the struct types behind the void pointers. ---

template <typename S, typename T>
std::function<void*(void*)> FieldOf(T S::*member) {
  return [member](void* obj) -> void* { return &(static_cast<S*>(obj)->*member); };
}

template <typename S>
Key Make(std::string name, Type type, std::function<void*(void*)> field) {
  Key k;
  k.name = std::move(name);
  k.type = type;
  k.field = std::move(field);
  k.owner = &typeid(S);
  return k;
}

template <typename S>
Key Int(std::string name, int64_t S::*m) {
  return Make<S>(std::move(name), Type::kInt, FieldOf(m));
}
template <typename S>
Key Bytes(std::string name, int64_t S::*m) {
  return Make<S>(std::move(name), Type::kBytes, FieldOf(m));
}
template <typename S>
Key String(std::string name, std::string S::*m) {
  return Make<S>(std::move(name), Type::kString, FieldOf(m));
}
template <typename S>
Key Bool(std::string name, bool S::*m) {
  return Make<S>(std::move(name), Type::kBool, FieldOf(m));
}
template <typename S>
Key Enum(std::string name, std::string S::*m, std::vector<std::string> allowed) {
  Key k = Make<S>(std::move(name), Type::kEnum, FieldOf(m));
  k.allowed = std::move(allowed);
  return k;
}
template <typename S>
Key StringList(std::string name, std::vector<std::string> S::*m) {
  return Make<S>(std::move(name), Type::kStringList, FieldOf(m));
}
template <typename S>
Key StringMap(std::string name, std::map<std::string, std::string> S::*m) {
  return Make<S>(std::move(name), Type::kStringMap, FieldOf(m));
}
template <typename S, typename T>
Key Sub(std::string name, T S::*m, const Section& section) {
  Key k = Make<S>(std::move(name), Type::kSection, FieldOf(m));
  k.section = &section;
  k.entry = &typeid(T);
  k.description = section.description;
  return k;
}
// A mapping of name → section, stored as a vector in file order; the name goes to `name_member`.
template <typename S, typename T>
Key SectionMap(std::string name, std::vector<T> S::*m, std::string T::*name_member,
               const Section& section) {
  Key k = Make<S>(std::move(name), Type::kSectionMap, FieldOf(m));
  k.section = &section;
  k.entry = &typeid(T);
  k.description = section.description;
  k.add_entry = [m, name_member](void* obj, const std::string& entry) -> void* {
    auto& entries = static_cast<S*>(obj)->*m;
    entries.emplace_back();
    entries.back().*name_member = entry;
    return &entries.back();
  };
  return k;
}
template <typename S, typename F>
Rule Check(std::string doc, std::vector<std::string> keys, F fn) {
  return Rule{std::move(doc), std::move(keys), [fn](const void* obj) -> std::optional<std::string> {
                return fn(*static_cast<const S*>(obj));
              }};
}

// ---------------------------------------------------------------------------------------------
// Engine
// ---------------------------------------------------------------------------------------------

// Aborts on an inconsistent declaration of `s` or any section nested in it (a programming error,
// caught by any unit test).
void CheckSchema(const Section& s);

// Parses `yaml_text` (a single YAML document; none at all means "all defaults") and decodes it into
// `obj`, which has the type `s` was declared for. `origin` names the text in messages (a file
// path). On failure the Status (kInvalidArgument) message lists every error, one per line, in file
// order. Derived defaults are not applied: see ApplyDerived().
Status Decode(const Section& s, const std::string& yaml_text, const std::string& origin, void* obj);

// Fills derived defaults of every key left empty under `s` and its nested kSection keys (not into
// kSectionMap entries: call it on each); `obj` has the type `s` was declared for.
void ApplyDerived(const Section& s, void* obj, const DeriveContext& ctx);

// Markdown reference of every key under `s`: path, type, default, bound, description.
std::string RenderReference(const Section& s);

// Makes user text safe for a one-line message: control bytes escaped, long text shortened.
std::string Printable(std::string_view s);

}  // namespace sluice::config
