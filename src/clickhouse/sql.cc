#include "clickhouse/sql.h"

namespace sluice {
namespace {

std::string Quote(std::string_view s, char q) {
  std::string out;
  out.reserve(s.size() + 2);
  out.push_back(q);
  for (char c : s) {
    if (c == '\\' || c == q) out.push_back('\\');
    out.push_back(c);
  }
  out.push_back(q);
  return out;
}

}  // namespace

std::string QuoteIdentifier(std::string_view name) { return Quote(name, '`'); }
std::string QuoteString(std::string_view value) { return Quote(value, '\''); }

}  // namespace sluice
