// Quoting for the SQL sluice sends. Every identifier is quoted; every value is a quoted literal.
#pragma once

#include <string>
#include <string_view>

namespace sluice {

// `name` with backslashes and backticks escaped.
std::string QuoteIdentifier(std::string_view name);
// 'value' with backslashes and quotes escaped.
std::string QuoteString(std::string_view value);

}  // namespace sluice
