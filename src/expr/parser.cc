// Tokenizer and recursive-descent parser for the expression language (grammar in expr.h), and the
// canonical printer. Syntax only: names are resolved and types checked by Bind (functions.cc).
#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <cmath>

#include "expr/expr_internal.h"

namespace sluice::expr_internal {
namespace {

enum class Tok { kEnd, kIdent, kQuotedIdent, kInt, kFloat, kString, kOp };

struct Token {
  Tok kind = Tok::kEnd;
  size_t pos = 1;    // 1-based
  std::string text;  // identifier / operator / literal text as written (decoded for strings)
};

bool IsIdentStart(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_';
}
bool IsIdentChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.';
}

Status ErrorAt(size_t pos, const std::string& what) {
  return InvalidArgument(fmt::format("at {}: {}", pos, what));
}

Result<std::vector<Token>> Tokenize(std::string_view s) {
  std::vector<Token> out;
  size_t i = 0;
  while (true) {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    Token t;
    t.pos = i + 1;
    if (i >= s.size()) {
      out.push_back(t);
      return out;
    }
    const char c = s[i];
    if (IsIdentStart(c)) {
      size_t b = i;
      while (i < s.size() && IsIdentChar(s[i])) ++i;
      t.kind = Tok::kIdent;
      t.text = std::string(s.substr(b, i - b));
    } else if (c == '`' || c == '"') {
      // Quoted identifier: doubled quote or backslash escapes the quote.
      t.kind = Tok::kQuotedIdent;
      ++i;
      while (true) {
        if (i >= s.size()) return ErrorAt(t.pos, "unterminated quoted name");
        if (s[i] == '\\' && i + 1 < s.size()) {
          t.text.push_back(s[i + 1]);
          i += 2;
        } else if (s[i] == c) {
          if (i + 1 < s.size() && s[i + 1] == c) {
            t.text.push_back(c);
            i += 2;
          } else {
            ++i;
            break;
          }
        } else {
          t.text.push_back(s[i++]);
        }
      }
      if (t.text.empty()) return ErrorAt(t.pos, "empty quoted name");
    } else if (std::isdigit(static_cast<unsigned char>(c)) ||
               (c == '.' && i + 1 < s.size() &&
                std::isdigit(static_cast<unsigned char>(s[i + 1])))) {
      size_t b = i;
      bool is_float = false;
      while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
      if (i < s.size() && s[i] == '.') {
        is_float = true;
        ++i;
        while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
      }
      if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
        size_t j = i + 1;
        if (j < s.size() && (s[j] == '+' || s[j] == '-')) ++j;
        if (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) {
          is_float = true;
          i = j;
          while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
        }
      }
      if (i < s.size() && IsIdentStart(s[i]))
        return ErrorAt(i + 1, fmt::format("unexpected '{}' after a number", s[i]));
      t.kind = is_float ? Tok::kFloat : Tok::kInt;
      t.text = std::string(s.substr(b, i - b));
    } else if (c == '\'') {
      t.kind = Tok::kString;
      ++i;
      while (true) {
        if (i >= s.size()) return ErrorAt(t.pos, "unterminated string");
        char ch = s[i];
        if (ch == '\\' && i + 1 < s.size()) {
          const char e = s[i + 1];
          switch (e) {
            case 'n':
              t.text.push_back('\n');
              break;
            case 't':
              t.text.push_back('\t');
              break;
            case 'r':
              t.text.push_back('\r');
              break;
            case '0':
              t.text.push_back('\0');
              break;
            default:
              t.text.push_back(e);
              break;  // \' \\ and anything else: the character
          }
          i += 2;
        } else if (ch == '\'') {
          if (i + 1 < s.size() && s[i + 1] == '\'') {
            t.text.push_back('\'');
            i += 2;
          } else {
            ++i;
            break;
          }
        } else {
          t.text.push_back(ch);
          ++i;
        }
      }
    } else {
      static const char* kOps[] = {"==", "!=", "<>", "<=", ">=", "=", "<", ">", "+",
                                   "-",  "*",  "/",  "%",  "(",  ")", ",", "||"};
      t.kind = Tok::kOp;
      for (const char* op : kOps) {
        if (s.substr(i).starts_with(op)) {
          t.text = op;
          break;
        }
      }
      if (t.text.empty()) return ErrorAt(t.pos, fmt::format("unexpected character '{}'", c));
      i += t.text.size();
    }
    out.push_back(std::move(t));
  }
}

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

// Words that end an operand; never column names unless quoted.
bool IsReserved(std::string_view w) {
  for (const char* k : {"AND", "OR", "NOT", "IN", "LIKE", "IS", "NULL", "BETWEEN", "CASE", "WHEN",
                        "THEN", "ELSE", "END", "TRUE", "FALSE"})
    if (IEquals(w, k)) return true;
  return false;
}

class Parser {
 public:
  explicit Parser(std::vector<Token> toks) : t_(std::move(toks)) {}

  Result<std::unique_ptr<Ast>> ParseAll() {
    ASSIGN_OR_RETURN(auto e, ParseOr());
    if (Peek().kind != Tok::kEnd) return Unexpected("an operator or the end");
    return e;
  }

 private:
  const Token& Peek(size_t k = 0) const { return t_[std::min(i_ + k, t_.size() - 1)]; }
  const Token& Next() { return t_[i_ < t_.size() - 1 ? i_++ : i_]; }
  bool IsKw(const char* kw, size_t k = 0) const {
    return Peek(k).kind == Tok::kIdent && IEquals(Peek(k).text, kw);
  }
  bool IsOp(const char* op, size_t k = 0) const {
    return Peek(k).kind == Tok::kOp && Peek(k).text == op;
  }
  Status Unexpected(const std::string& expected) const {
    const Token& t = Peek();
    if (t.kind == Tok::kEnd)
      return ErrorAt(t.pos, fmt::format("expected {}, got the end of the expression", expected));
    return ErrorAt(t.pos, fmt::format("expected {}, got '{}'", expected, t.text));
  }
  Status Expect(const char* op) {
    if (!IsOp(op)) {
      const Token& t = Peek();
      return ErrorAt(t.pos, fmt::format("expected '{}'", op));
    }
    Next();
    return Status::Ok();
  }

  static std::unique_ptr<Ast> Call(size_t pos, std::string name, std::string op,
                                   std::vector<std::unique_ptr<Ast>> args) {
    auto a = std::make_unique<Ast>();
    a->kind = Ast::Kind::kCall;
    a->pos = pos;
    a->name = std::move(name);
    a->op = std::move(op);
    a->args = std::move(args);
    return a;
  }
  static std::unique_ptr<Ast> Binary(size_t pos, std::string name, std::string op,
                                     std::unique_ptr<Ast> l, std::unique_ptr<Ast> r) {
    std::vector<std::unique_ptr<Ast>> args;
    args.push_back(std::move(l));
    args.push_back(std::move(r));
    return Call(pos, std::move(name), std::move(op), std::move(args));
  }

  Result<std::unique_ptr<Ast>> ParseOr() {
    ASSIGN_OR_RETURN(auto l, ParseAnd());
    while (IsKw("OR")) {
      const size_t pos = Next().pos;
      ASSIGN_OR_RETURN(auto r, ParseAnd());
      l = Binary(pos, "or", "OR", std::move(l), std::move(r));
    }
    return l;
  }
  Result<std::unique_ptr<Ast>> ParseAnd() {
    ASSIGN_OR_RETURN(auto l, ParseNot());
    while (IsKw("AND")) {
      const size_t pos = Next().pos;
      ASSIGN_OR_RETURN(auto r, ParseNot());
      l = Binary(pos, "and", "AND", std::move(l), std::move(r));
    }
    return l;
  }
  Result<std::unique_ptr<Ast>> ParseNot() {
    if (IsKw("NOT")) {
      const size_t pos = Next().pos;
      ASSIGN_OR_RETURN(auto e, ParseNot());
      std::vector<std::unique_ptr<Ast>> args;
      args.push_back(std::move(e));
      return Call(pos, "not", "NOT", std::move(args));
    }
    return ParseComparison();
  }

  Result<std::unique_ptr<Ast>> ParseComparison() {
    ASSIGN_OR_RETURN(auto l, ParseAdditive());
    while (true) {
      static const std::pair<const char*, const char*> kCmp[] = {
          {"==", "equals"},    {"=", "equals"},        {"!=", "notEquals"},
          {"<>", "notEquals"}, {"<=", "lessOrEquals"}, {">=", "greaterOrEquals"},
          {"<", "less"},       {">", "greater"}};
      bool matched = false;
      for (const auto& [op, name] : kCmp) {
        if (IsOp(op)) {
          const size_t pos = Next().pos;
          ASSIGN_OR_RETURN(auto r, ParseAdditive());
          l = Binary(pos, name, op == std::string_view("==") ? "=" : op, std::move(l),
                     std::move(r));
          matched = true;
          break;
        }
      }
      if (matched) continue;
      const bool negated = IsKw("NOT") && (IsKw("LIKE", 1) || IsKw("IN", 1) || IsKw("BETWEEN", 1));
      const size_t pos = Peek().pos;
      if (negated) Next();
      if (IsKw("LIKE")) {
        Next();
        ASSIGN_OR_RETURN(auto r, ParseAdditive());
        l = Binary(pos, negated ? "notLike" : "like", negated ? "NOT LIKE" : "LIKE", std::move(l),
                   std::move(r));
      } else if (IsKw("IN")) {
        Next();
        std::vector<std::unique_ptr<Ast>> args;
        args.push_back(std::move(l));
        RETURN_IF_ERROR(Expect("("));
        do {
          ASSIGN_OR_RETURN(auto e, ParseOr());
          args.push_back(std::move(e));
        } while (IsOp(",") && (Next(), true));
        RETURN_IF_ERROR(Expect(")"));
        l = Call(pos, negated ? "notIn" : "in", negated ? "NOT IN" : "IN", std::move(args));
      } else if (IsKw("BETWEEN")) {
        Next();
        std::vector<std::unique_ptr<Ast>> args;
        args.push_back(std::move(l));
        ASSIGN_OR_RETURN(auto lo, ParseAdditive());
        if (!IsKw("AND")) return Unexpected("AND");
        Next();
        ASSIGN_OR_RETURN(auto hi, ParseAdditive());
        args.push_back(std::move(lo));
        args.push_back(std::move(hi));
        l = Call(pos, negated ? "notBetween" : "between", negated ? "NOT BETWEEN" : "BETWEEN",
                 std::move(args));
      } else if (IsKw("IS")) {
        Next();
        const bool is_not = IsKw("NOT");
        if (is_not) Next();
        if (!IsKw("NULL")) return Unexpected("NULL");
        Next();
        std::vector<std::unique_ptr<Ast>> args;
        args.push_back(std::move(l));
        l = Call(pos, is_not ? "isNotNull" : "isNull", is_not ? "IS NOT NULL" : "IS NULL",
                 std::move(args));
      } else {
        return l;
      }
    }
  }

  Result<std::unique_ptr<Ast>> ParseAdditive() {
    ASSIGN_OR_RETURN(auto l, ParseMultiplicative());
    while (IsOp("+") || IsOp("-") || IsOp("||")) {
      const Token& t = Next();
      const size_t pos = t.pos;
      const std::string op = t.text;
      ASSIGN_OR_RETURN(auto r, ParseMultiplicative());
      l = Binary(pos,
                 op == "+"   ? "plus"
                 : op == "-" ? "minus"
                             : "concat",
                 op, std::move(l), std::move(r));
    }
    return l;
  }
  Result<std::unique_ptr<Ast>> ParseMultiplicative() {
    ASSIGN_OR_RETURN(auto l, ParseUnary());
    while (IsOp("*") || IsOp("/") || IsOp("%")) {
      const Token& t = Next();
      const size_t pos = t.pos;
      const std::string op = t.text;
      ASSIGN_OR_RETURN(auto r, ParseUnary());
      l = Binary(pos,
                 op == "*"   ? "multiply"
                 : op == "/" ? "divide"
                             : "modulo",
                 op, std::move(l), std::move(r));
    }
    return l;
  }
  Result<std::unique_ptr<Ast>> ParseUnary() {
    if (IsOp("-")) {
      const size_t pos = Next().pos;
      ASSIGN_OR_RETURN(auto e, ParseUnary());
      // A negative number is a literal (its type is the smallest signed one that fits), as in
      // ClickHouse.
      if (e->kind == Ast::Kind::kLiteral && e->lit == Ast::Lit::kInt && e->int_value > 0 &&
          e->text[0] != '-') {
        if (e->int_value > (static_cast<__int128>(1) << 63))
          return ErrorAt(pos, "integer literal out of range for Int64");
        e->int_value = -e->int_value;
        e->text = "-" + e->text;
        e->pos = pos;
        return e;
      }
      if (e->kind == Ast::Kind::kLiteral && e->lit == Ast::Lit::kFloat && e->text[0] != '-') {
        e->float_value = -e->float_value;
        e->text = "-" + e->text;
        e->pos = pos;
        return e;
      }
      std::vector<std::unique_ptr<Ast>> args;
      args.push_back(std::move(e));
      return Call(pos, "negate", "-", std::move(args));
    }
    if (IsOp("+")) {  // unary plus: no-op
      Next();
      return ParseUnary();
    }
    return ParsePrimary();
  }

  Result<std::unique_ptr<Ast>> ParsePrimary() {
    const Token& t = Peek();
    auto a = std::make_unique<Ast>();
    a->pos = t.pos;
    switch (t.kind) {
      case Tok::kInt: {
        a->lit = Ast::Lit::kInt;
        a->text = t.text;
        uint64_t v;
        auto [p, ec] = std::from_chars(t.text.data(), t.text.data() + t.text.size(), v);
        if (ec != std::errc()) return ErrorAt(t.pos, "integer literal out of range for UInt64");
        a->int_value = v;
        Next();
        return a;
      }
      case Tok::kFloat: {
        a->lit = Ast::Lit::kFloat;
        a->text = t.text;
        a->float_value = std::strtod(t.text.c_str(), nullptr);
        if (!std::isfinite(a->float_value)) return ErrorAt(t.pos, "float literal out of range");
        Next();
        return a;
      }
      case Tok::kString:
        a->lit = Ast::Lit::kString;
        a->text = t.text;
        Next();
        return a;
      case Tok::kQuotedIdent:
        a->kind = Ast::Kind::kColumn;
        a->name = t.text;
        Next();
        return a;
      case Tok::kOp:
        if (t.text == "(") {
          Next();
          ASSIGN_OR_RETURN(auto e, ParseOr());
          RETURN_IF_ERROR(Expect(")"));
          return e;
        }
        return Unexpected("an operand");
      case Tok::kEnd:
        return Unexpected("an operand");
      case Tok::kIdent:
        break;
    }
    // Identifier: keyword literal, CASE, function call or column.
    if (IsKw("NULL")) {
      a->lit = Ast::Lit::kNull;
      Next();
      return a;
    }
    if (IsKw("TRUE") || IsKw("FALSE")) {
      a->lit = Ast::Lit::kBool;
      a->bool_value = IsKw("TRUE");
      Next();
      return a;
    }
    if (IsKw("CASE")) return ParseCase();
    if (IsOp("(", 1)) {
      a->kind = Ast::Kind::kCall;
      a->name = t.text;
      Next();
      Next();
      if (!IsOp(")")) {
        do {
          ASSIGN_OR_RETURN(auto e, ParseOr());
          a->args.push_back(std::move(e));
        } while (IsOp(",") && (Next(), true));
      }
      RETURN_IF_ERROR(Expect(")"));
      return a;
    }
    if (IsReserved(t.text)) return Unexpected("an operand");
    a->kind = Ast::Kind::kColumn;
    a->name = t.text;
    Next();
    return a;
  }

  // CASE WHEN c1 THEN v1 [WHEN …] [ELSE e] END → multiIf(c1, v1, …, e | NULL).
  Result<std::unique_ptr<Ast>> ParseCase() {
    const size_t pos = Next().pos;
    std::vector<std::unique_ptr<Ast>> args;
    if (!IsKw("WHEN")) return Unexpected("WHEN");
    while (IsKw("WHEN")) {
      Next();
      ASSIGN_OR_RETURN(auto c, ParseOr());
      if (!IsKw("THEN")) return Unexpected("THEN");
      Next();
      ASSIGN_OR_RETURN(auto v, ParseOr());
      args.push_back(std::move(c));
      args.push_back(std::move(v));
    }
    if (IsKw("ELSE")) {
      Next();
      ASSIGN_OR_RETURN(auto e, ParseOr());
      args.push_back(std::move(e));
    } else {
      auto null = std::make_unique<Ast>();
      null->pos = Peek().pos;
      null->lit = Ast::Lit::kNull;
      args.push_back(std::move(null));
    }
    if (!IsKw("END")) return Unexpected("END");
    Next();
    return Call(pos, "multiIf", "CASE", std::move(args));
  }

  std::vector<Token> t_;
  size_t i_ = 0;
};

bool PlainName(std::string_view s) {
  if (s.empty() || !IsIdentStart(s[0]) || IsReserved(s)) return false;
  for (char c : s)
    if (!IsIdentChar(c)) return false;
  return true;
}

}  // namespace

Result<std::unique_ptr<Ast>> Parse(std::string_view text) {
  ASSIGN_OR_RETURN(auto toks, Tokenize(text));
  return Parser(std::move(toks)).ParseAll();
}

std::string QuoteString(std::string_view s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'' || c == '\\') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    if (c == '\t') {
      out += "\\t";
      continue;
    }
    if (c == '\0') {
      out += "\\0";
      continue;
    }
    out.push_back(c);
  }
  return out + "'";
}

std::string Format(const Ast& a) {
  switch (a.kind) {
    case Ast::Kind::kLiteral:
      switch (a.lit) {
        case Ast::Lit::kNull:
          return "NULL";
        case Ast::Lit::kBool:
          return a.bool_value ? "true" : "false";
        case Ast::Lit::kString:
          return QuoteString(a.text);
        default:
          return a.text;
      }
    case Ast::Kind::kColumn: {
      if (PlainName(a.name)) return a.name;
      std::string out = "`";
      for (char c : a.name) {
        if (c == '`' || c == '\\') out.push_back('\\');
        out.push_back(c);
      }
      return out + "`";
    }
    case Ast::Kind::kCall:
      break;
  }
  auto arg = [&](size_t i) { return Format(*a.args[i]); };
  auto list = [&](size_t from) {
    std::string s;
    for (size_t i = from; i < a.args.size(); ++i) s += (i > from ? ", " : "") + arg(i);
    return s;
  };
  if (a.op.empty()) return a.name + "(" + list(0) + ")";
  if (a.op == "NOT") return "(NOT " + arg(0) + ")";
  if (a.name == "negate") return "(-" + arg(0) + ")";
  if (a.op == "IS NULL" || a.op == "IS NOT NULL") return "(" + arg(0) + " " + a.op + ")";
  if (a.op == "IN" || a.op == "NOT IN") return "(" + arg(0) + " " + a.op + " (" + list(1) + "))";
  if (a.op == "BETWEEN" || a.op == "NOT BETWEEN")
    return "(" + arg(0) + " " + a.op + " " + arg(1) + " AND " + arg(2) + ")";
  if (a.op == "CASE") {
    std::string s = "CASE";
    for (size_t i = 0; i + 1 < a.args.size(); i += 2)
      s += " WHEN " + arg(i) + " THEN " + arg(i + 1);
    return s + " ELSE " + arg(a.args.size() - 1) + " END";
  }
  return "(" + arg(0) + " " + a.op + " " + arg(1) + ")";
}

}  // namespace sluice::expr_internal
