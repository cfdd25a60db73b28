// Specification of the expression engine: the language, the types it gives, every function on
// real column values (NULLs included), every start-up error with its position, and row errors.
#include "expr/expr.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <ctime>
#include <string>
#include <vector>

#include "formats/json_reader.h"

namespace sluice {
namespace {

// --- Helpers -------------------------------------------------------------------------------------

using Columns = std::vector<std::pair<std::string, std::string>>;

SchemaPtr MakeSchema(const Columns& columns) {
  auto schema = std::make_shared<Schema>();
  for (const auto& [name, type] : columns) {
    Result<DataTypePtr> t = ParseType(type);
    EXPECT_TRUE(t.ok()) << type;
    schema->columns.push_back({name, t.value(), DefaultKind::kNone, ""});
  }
  return schema;
}

// A block filled from NDJSON lines through the real JSON reader.
Block MakeBlock(const SchemaPtr& schema, const std::vector<std::string>& lines) {
  Block block(schema);
  auto reader = JsonReader::Create(schema, {});
  EXPECT_TRUE(reader.ok()) << reader.status().message();
  uint64_t n = 0;
  for (const auto& line : lines) {
    auto buf = std::make_shared<std::string>(line);
    buf->append(JsonReader::kPadding + 1, ' ');
    block.KeepAlive(buf);
    Status st = reader.value()->AppendRow(std::string_view(buf->data(), line.size()), buf->size(),
                                          RowOrigin{PartitionId{0}, ++n, Offset{0}}, block);
    EXPECT_TRUE(st.ok()) << line << ": " << st.message();
  }
  return block;
}

// One value of a result column as text: NULL, integers in decimal, floats shortest, strings raw.
std::string Cell(const Column& c, size_t row) {
  const DataType& t = c.storage();
  switch (t.id) {
    case TypeId::kNullable:
      return c.nulls[row] ? "NULL" : Cell(c.children[0], row);
    case TypeId::kString:
      return std::string(c.StringAt(row));
    case TypeId::kInt8:
    case TypeId::kEnum8:
      return std::to_string(c.FixedAt<int8_t>(row));
    case TypeId::kInt16:
    case TypeId::kEnum16:
      return std::to_string(c.FixedAt<int16_t>(row));
    case TypeId::kInt32:
      return std::to_string(c.FixedAt<int32_t>(row));
    case TypeId::kInt64:
      return std::to_string(c.FixedAt<int64_t>(row));
    case TypeId::kUInt8:
    case TypeId::kBool:
      return std::to_string(c.FixedAt<uint8_t>(row));
    case TypeId::kUInt16:
    case TypeId::kDate:
      return std::to_string(c.FixedAt<uint16_t>(row));
    case TypeId::kUInt32:
    case TypeId::kDateTime:
    case TypeId::kIPv4:
      return std::to_string(c.FixedAt<uint32_t>(row));
    case TypeId::kUInt64:
      return std::to_string(c.FixedAt<uint64_t>(row));
    case TypeId::kFloat32:
      return fmt::format("{}", c.FixedAt<float>(row));
    case TypeId::kFloat64:
      return fmt::format("{}", c.FixedAt<double>(row));
    default:
      return "?" + t.name;
  }
}

std::string Cells(const Column& c) {
  std::string out;
  for (size_t i = 0; i < c.rows(); ++i) out += (i ? "|" : "") + Cell(c, i);
  return out;
}

const Columns kColumns = {
    {"ip", "String"},
    {"n", "Nullable(Int64)"},
    {"u", "UInt32"},
    {"i8", "Int8"},
    {"f", "Float64"},
    {"f32", "Float32"},
    {"s", "String"},
    {"ns", "Nullable(String)"},
    {"fs", "FixedString(4)"},
    {"d", "Date"},
    {"dt", "DateTime"},
    {"dec", "Decimal(10, 2)"},
    {"id", "UUID"},
    {"device", "Enum8('mobile' = 1, 'desktop' = 2)"},
    {"lc", "LowCardinality(String)"},
    {"lcn", "LowCardinality(Nullable(String))"},
    {"tags", "Array(String)"},
    {"nums", "Array(UInt32)"},
    {"ts_ms", "UInt64"},
    {"my col", "UInt8"},
    {"m", "Map(String, String)"},
};

const std::vector<std::string> kRows = {
    R"({"ip":"192.168.1.5","n":5,"u":10,"i8":-3,"f":2.5,"f32":0.1,"s":"Hello","ns":"x","fs":"ab",
        "d":"2024-01-02","dt":"2024-01-02 03:04:05","dec":"12.34",
        "id":"01234567-89ab-cdef-0123-456789abcdef","device":"mobile","lc":"a","lcn":null,
        "tags":["a","b"],"nums":[1,2,3],"ts_ms":1700000000123,"my col":1})",
    R"({"ip":"10.0.0.1","n":null,"u":0,"i8":127,"f":-1.5,"f32":2,"s":"world","ns":null,
        "fs":"abcd","d":"1970-01-01","dt":"1970-01-01 00:00:00","dec":"-0.5",
        "id":"ffffffff-ffff-ffff-ffff-ffffffffffff","device":"desktop","lc":"b","lcn":"q",
        "tags":[],"nums":[],"ts_ms":0,"my col":2})",
    R"({"ip":"2001:db8::1","n":-7,"u":4294967295,"i8":-128,"f":0,"f32":-0.5,"s":"","ns":"",
        "fs":"","d":"2000-02-29","dt":"2000-02-29 23:59:59","dec":"0",
        "id":"00000000-0000-0000-0000-000000000000","device":"mobile","lc":"","lcn":"",
        "tags":["b"],"nums":[3],"ts_ms":86400000,"my col":3})",
};

// The test table: three rows of every column type above.
class ExprTest : public ::testing::Test {
 protected:
  ExprTest() : schema_(MakeSchema(kColumns)), block_(MakeBlock(schema_, Flatten(kRows))) {}

  static std::vector<std::string> Flatten(const std::vector<std::string>& rows) {
    std::vector<std::string> out;
    for (std::string r : rows) {
      std::string flat;
      for (char c : r)
        if (c != '\n') flat.push_back(c);
      out.push_back(flat);
    }
    return out;
  }

  std::unique_ptr<Expr> Compiled(const std::string& text) {
    auto e = Expr::Compile(text, schema_);
    EXPECT_TRUE(e.ok()) << text << ": " << e.status().message();
    return e.ok() ? std::move(e).value() : nullptr;
  }
  // The values of `text` over the three rows, "a|b|c".
  std::string Eval(const std::string& text) {
    auto e = Compiled(text);
    if (!e) return "<compile error>";
    auto col = e->Evaluate(block_);
    EXPECT_TRUE(col.ok()) << text << ": " << col.status().message();
    if (!col.ok()) return "<error: " + col.status().message() + ">";
    EXPECT_EQ(col->rows(), block_.rows()) << text;
    EXPECT_EQ(col->type().name, e->type()->name) << text;
    return Cells(col.value());
  }
  std::string Type(const std::string& text) {
    auto e = Compiled(text);
    return e ? e->type()->name : "<compile error>";
  }
  std::string Canonical(const std::string& text) {
    auto e = Compiled(text);
    return e ? e->ToString() : "<compile error>";
  }
  // The start-up error of `text`, which must fail to compile.
  std::string CompileError(const std::string& text) {
    auto e = Expr::Compile(text, schema_);
    EXPECT_FALSE(e.ok()) << text << " compiled";
    if (e.ok()) return "<compiled>";
    EXPECT_EQ(e.status().code(), Code::kInvalidArgument);
    return e.status().message();
  }

  SchemaPtr schema_;
  Block block_;
};

// --- Language ------------------------------------------------------------------------------------

TEST_F(ExprTest, CanonicalFormShowsPrecedence) {
  EXPECT_EQ(Canonical("u+i8*2>3 and not u = 1 or s like 'x%'"),
            "((((u + (i8 * 2)) > 3) AND (NOT (u = 1))) OR (s LIKE 'x%'))");
  EXPECT_EQ(Canonical("(u + i8) * 2"), "((u + i8) * 2)");
  EXPECT_EQ(Canonical("u - 1 - 2"), "((u - 1) - 2)");
  EXPECT_EQ(Canonical("`my col` == 1 AND s = 'it''s'"), "((`my col` = 1) AND (s = 'it\\'s'))");
  EXPECT_EQ(Canonical("\"my col\" <> 1"), "(`my col` <> 1)");
  EXPECT_EQ(Canonical("u in (1,2) AND u not in (3)"), "((u IN (1, 2)) AND (u NOT IN (3)))");
  EXPECT_EQ(Canonical("u NOT BETWEEN 1 AND 5"), "(u NOT BETWEEN 1 AND 5)");
  EXPECT_EQ(Canonical("case when u = 0 then 'z' end"), "CASE WHEN (u = 0) THEN 'z' ELSE NULL END");
  EXPECT_EQ(Canonical("n is not null and ns IS NULL"), "((n IS NOT NULL) AND (ns IS NULL))");
  EXPECT_EQ(Canonical("-u + -5 - -2.5"), "(((-u) + -5) - -2.5)");
  EXPECT_EQ(Canonical("toDateTime(intDiv(ts_ms, 1000))"), "toDateTime(intDiv(ts_ms, 1000))");
  EXPECT_EQ(Canonical("s || 'a\\nb'"), "(s || 'a\\nb')");
  EXPECT_EQ(Canonical("TRUE AND null"), "(true AND NULL)");
}

TEST_F(ExprTest, LiteralsAndTheirTypes) {
  EXPECT_EQ(Type("1"), "UInt8");
  EXPECT_EQ(Type("300"), "UInt16");
  EXPECT_EQ(Type("70000"), "UInt32");
  EXPECT_EQ(Type("5000000000"), "UInt64");
  EXPECT_EQ(Type("-1"), "Int8");
  EXPECT_EQ(Type("-129"), "Int16");
  EXPECT_EQ(Type("-9223372036854775808"), "Int64");
  EXPECT_EQ(Type("1.5"), "Float64");
  EXPECT_EQ(Type("1e3"), "Float64");
  EXPECT_EQ(Type("'x'"), "String");
  EXPECT_EQ(Type("true"), "UInt8");
  EXPECT_EQ(Type("NULL"), "Nullable(UInt8)");  // always NULL: given a column layout
  EXPECT_EQ(Eval("'it''s' = 'it\\'s'"), "1|1|1");
  EXPECT_EQ(Eval("'tab\\there'"), "tab\there|tab\there|tab\there");
  EXPECT_EQ(Eval("1e3 + .5"), "1000.5|1000.5|1000.5");
  EXPECT_EQ(Eval("true"), "1|1|1");
  EXPECT_EQ(Eval("NULL"), "NULL|NULL|NULL");
  EXPECT_EQ(Eval("18446744073709551615"),
            "18446744073709551615|18446744073709551615|18446744073709551615");
}

TEST_F(ExprTest, ColumnsKeepTheirValuesAndStorageTypes) {
  EXPECT_EQ(Type("lc"), "String");
  EXPECT_EQ(Type("lcn"), "Nullable(String)");
  EXPECT_EQ(Type("fs"), "String");
  EXPECT_EQ(Type("dec"), "Float64");
  EXPECT_EQ(Type("device"), "Enum8('mobile' = 1, 'desktop' = 2)");
  EXPECT_EQ(Eval("u"), "10|0|4294967295");
  EXPECT_EQ(Eval("i8"), "-3|127|-128");
  EXPECT_EQ(Eval("n"), "5|NULL|-7");
  EXPECT_EQ(Eval("f32"), "0.1|2|-0.5");
  EXPECT_EQ(Eval("fs"), "ab|abcd|");
  EXPECT_EQ(Eval("dec"), "12.34|-0.5|0");
  EXPECT_EQ(Eval("d"), "19724|0|11016");
  EXPECT_EQ(Eval("dt"), "1704164645|0|951868799");
  EXPECT_EQ(Eval("device"), "1|2|1");
  EXPECT_EQ(Eval("lc"), "a|b|");
  EXPECT_EQ(Eval("lcn"), "NULL|q|");
  EXPECT_EQ(Eval("`my col`"), "1|2|3");
  // A UUID column comes back byte for byte.
  auto e = Compiled("id");
  ASSERT_TRUE(e);
  auto col = e->Evaluate(block_);
  ASSERT_TRUE(col.ok());
  EXPECT_EQ(col->data, block_.column(schema_->IndexOf("id")).data);
}

// --- Arithmetic ----------------------------------------------------------------------------------

TEST_F(ExprTest, ArithmeticWithClickHouseResultTypes) {
  EXPECT_EQ(Type("u + 1"), "UInt64");
  EXPECT_EQ(Type("i8 + u"), "Int64");
  EXPECT_EQ(Type("1 + 1"), "UInt16");
  EXPECT_EQ(Type("i8 * 2"), "Int16");
  EXPECT_EQ(Type("u - 1"), "Int64");
  EXPECT_EQ(Type("i8 - 1"), "Int16");
  EXPECT_EQ(Type("i8 % 10"), "Int8");
  EXPECT_EQ(Type("-u"), "Int64");
  EXPECT_EQ(Type("-i8"), "Int8");
  EXPECT_EQ(Type("f + 1"), "Float64");
  EXPECT_EQ(Type("u / 2"), "Float64");
  EXPECT_EQ(Type("n * 2"), "Nullable(Int64)");
  EXPECT_EQ(Eval("u + 1"), "11|1|4294967296");
  EXPECT_EQ(Eval("i8 + u"), "7|127|4294967167");
  EXPECT_EQ(Eval("i8 - 1"), "-4|126|-129");
  EXPECT_EQ(Eval("f * 2"), "5|-3|0");
  EXPECT_EQ(Eval("u / 4"), "2.5|0|1073741823.75");
  EXPECT_EQ(Eval("n * 2"), "10|NULL|-14");
  EXPECT_EQ(Eval("i8 % 10"), "-3|7|-8");
  EXPECT_EQ(Eval("f % 2"), "0.5|-1.5|0");
  EXPECT_EQ(Eval("-i8"), "3|-127|-128");  // Int8 stays Int8 and wraps, as on ClickHouse
  EXPECT_EQ(Eval("-u"), "-10|0|-4294967295");
  EXPECT_EQ(Eval("i8 * 2"), "-6|254|-256");
  EXPECT_EQ(Eval("-f"), "-2.5|1.5|-0");
  EXPECT_EQ(Eval("1 + 2 * 3"), "7|7|7");
  EXPECT_EQ(Eval("u - 11"), "-1|-11|4294967284");
  EXPECT_EQ(Eval("ts_ms * ts_ms"), "3946622345676991257|0|7464960000000000");  // 64 bits wrap
  EXPECT_EQ(Eval("u / 0 > 1"), "1|0|1");                                       // inf, nan, inf
}

TEST_F(ExprTest, IntDivAbsRoundGreatestLeast) {
  EXPECT_EQ(Type("intDiv(ts_ms, 1000)"), "UInt64");
  EXPECT_EQ(Eval("intDiv(ts_ms, 1000)"), "1700000000|0|86400");
  EXPECT_EQ(Eval("intDiv(i8, 2)"), "-1|63|-64");
  EXPECT_EQ(Type("intDiv(f, 1)"), "Int64");
  EXPECT_EQ(Eval("intDiv(f, 1)"), "2|-1|0");
  EXPECT_EQ(Type("abs(i8)"), "UInt8");
  EXPECT_EQ(Type("intDiv(i8, u)"), "Int8");
  EXPECT_EQ(Eval("intDiv(i8, u + 1)"), "0|127|0");
  EXPECT_EQ(Eval("abs(i8)"), "3|127|128");
  EXPECT_EQ(Eval("abs(f)"), "2.5|1.5|0");
  EXPECT_EQ(Eval("round(f)"), "3|-2|0");  // half away from zero, as on ClickHouse 18.16
  EXPECT_EQ(Eval("round(dec, 1)"), "12.3|-0.5|0");
  EXPECT_EQ(Type("round(u, -1)"), "UInt32");
  EXPECT_EQ(Eval("round(toUInt64(u), -1)"), "10|0|4294967300");
  EXPECT_EQ(Eval("round(i8, -1)"), "0|-126|126");  // 130 and -130 wrap in Int8
  EXPECT_EQ(Type("greatest(i8, 0)"), "Int16");
  EXPECT_EQ(Eval("greatest(i8, 0)"), "0|127|0");
  EXPECT_EQ(Eval("least(f, u)"), "2.5|-1.5|0");
  EXPECT_EQ(Eval("greatest(s, 'b')"), "b|world|b");
  EXPECT_EQ(Eval("least(n, 0)"), "0|NULL|-7");
}

// --- Comparisons and logic -----------------------------------------------------------------------

TEST_F(ExprTest, ComparisonsAcrossTypes) {
  EXPECT_EQ(Type("u > 5"), "UInt8");
  EXPECT_EQ(Type("n = 5"), "Nullable(UInt8)");
  EXPECT_EQ(Eval("u > 5"), "1|0|1");
  EXPECT_EQ(Eval("u >= 10"), "1|0|1");
  EXPECT_EQ(Eval("u <= 0"), "0|1|0");
  EXPECT_EQ(Eval("i8 < u"), "1|0|1");  // signed against unsigned by value
  EXPECT_EQ(Eval("i8 = -128"), "0|0|1");
  EXPECT_EQ(Eval("f == 2.5"), "1|0|0");
  EXPECT_EQ(Eval("n = 5"), "1|NULL|0");
  EXPECT_EQ(Eval("s = 'Hello'"), "1|0|0");
  EXPECT_EQ(Eval("s != 'Hello'"), "0|1|1");
  EXPECT_EQ(Eval("s < 'i'"), "1|0|1");
  EXPECT_EQ(Eval("u = '10'"), "1|0|0");  // a constant string compared with a number
  EXPECT_EQ(Eval("fs = 'ab'"), "1|0|0");
  EXPECT_EQ(Eval("lc = 'a'"), "1|0|0");
  EXPECT_EQ(Eval("lcn = 'q'"), "NULL|1|0");
  EXPECT_EQ(Eval("s = ns"), "0|NULL|1");
}

TEST_F(ExprTest, EnumsDatesAndUuidsCompareWithStringLiterals) {
  EXPECT_EQ(Eval("device = 'mobile'"), "1|0|1");
  EXPECT_EQ(Eval("device <> 'desktop'"), "1|0|1");
  EXPECT_EQ(Eval("device = 2"), "0|1|0");
  EXPECT_EQ(Eval("device IN ('desktop')"), "0|1|0");
  EXPECT_EQ(Eval("device = s"), "0|0|0");  // a non-constant string: compared as text
  EXPECT_EQ(Eval("toString(device) = 'mobile'"), "1|0|1");
  EXPECT_EQ(Eval("d = '2024-01-02'"), "1|0|0");
  EXPECT_EQ(Eval("dt > '2000-01-01 00:00:00'"), "1|0|1");
  EXPECT_EQ(Eval("dt = '2024-01-02T05:04:05+02:00'"), "1|0|0");
  EXPECT_EQ(Eval("d < dt"), "1|0|1");  // Date as DateTime
  EXPECT_EQ(Eval("dt IN ('1970-01-01 00:00:00')"), "0|1|0");
  EXPECT_EQ(Eval("id = '01234567-89AB-CDEF-0123-456789ABCDEF'"), "1|0|0");
  EXPECT_EQ(Eval("toString(id)"),
            "01234567-89ab-cdef-0123-456789abcdef|ffffffff-ffff-ffff-ffff-ffffffffffff|"
            "00000000-0000-0000-0000-000000000000");
}

TEST_F(ExprTest, AndOrNotUseThreeValuedLogic) {
  EXPECT_EQ(Eval("u > 5 AND s = 'Hello'"), "1|0|0");
  EXPECT_EQ(Type("n > 0 AND u > 5"), "Nullable(UInt8)");
  EXPECT_EQ(Eval("n > 0 AND u > 5"), "1|0|0");    // NULL AND 0 = 0
  EXPECT_EQ(Eval("n > 0 OR u > 5"), "1|NULL|1");  // NULL OR 0 = NULL
  EXPECT_EQ(Eval("n > 0 OR u = 0"), "1|1|0");     // NULL OR 1 = 1
  EXPECT_EQ(Eval("NOT (u > 5)"), "0|1|0");
  EXPECT_EQ(Eval("NOT n"), "0|NULL|0");
  EXPECT_EQ(Eval("NULL AND 0"), "0|0|0");
  EXPECT_EQ(Eval("NULL AND 1"), "NULL|NULL|NULL");
  EXPECT_EQ(Eval("and(u, i8, f)"), "1|0|0");
}

TEST_F(ExprTest, InAndNotIn) {
  EXPECT_EQ(Type("n IN (5)"), "UInt8");
  EXPECT_EQ(Eval("u IN (10, 0)"), "1|1|0");
  EXPECT_EQ(Eval("u NOT IN (10, 0)"), "0|0|1");
  EXPECT_EQ(Eval("n IN (5, -7)"), "1|0|1");  // NULL is not IN
  EXPECT_EQ(Eval("n NOT IN (5)"), "0|1|1");  // … so NOT IN gives 1, as on ClickHouse
  EXPECT_EQ(Eval("s IN ('world', '')"), "0|1|1");
  EXPECT_EQ(Eval("f IN (2.5, 0)"), "1|0|1");
  EXPECT_EQ(Eval("i8 IN (-128, 300, 1.5, NULL)"), "0|0|1");
  EXPECT_EQ(Eval("u IN ('10')"), "1|0|0");
}

TEST_F(ExprTest, BetweenAndCase) {
  EXPECT_EQ(Eval("u BETWEEN 1 AND 10"), "1|0|0");
  EXPECT_EQ(Eval("u NOT BETWEEN 1 AND 10"), "0|1|1");
  EXPECT_EQ(Eval("d BETWEEN '2000-01-01' AND '2024-12-31'"), "1|0|1");
  EXPECT_EQ(Eval("CASE WHEN u = 0 THEN 'zero' WHEN u < 100 THEN 'small' ELSE 'big' END"),
            "small|zero|big");
  EXPECT_EQ(Type("CASE WHEN u = 0 THEN 'zero' END"), "Nullable(String)");
  EXPECT_EQ(Eval("CASE WHEN u = 0 THEN 'zero' END"), "NULL|zero|NULL");
}

TEST_F(ExprTest, LikeAndMatch) {
  EXPECT_EQ(Eval("s LIKE 'He%'"), "1|0|0");
  EXPECT_EQ(Eval("s LIKE '%orl%'"), "0|1|0");
  EXPECT_EQ(Eval("s LIKE '%d'"), "0|1|0");
  EXPECT_EQ(Eval("s LIKE 'w_rld'"), "0|1|0");
  EXPECT_EQ(Eval("s LIKE 'Hello'"), "1|0|0");
  EXPECT_EQ(Eval("s LIKE ''"), "0|0|1");
  EXPECT_EQ(Eval("s LIKE '%'"), "1|1|1");
  EXPECT_EQ(Eval("s NOT LIKE '%o%'"), "0|0|1");
  EXPECT_EQ(Eval("like(s, 'H%o')"), "1|0|0");
  EXPECT_EQ(Eval("'a%b' LIKE 'a\\\\%b'"), "1|1|1");  // \% is a literal %
  EXPECT_EQ(Eval("'axb' LIKE 'a\\\\%b'"), "0|0|0");
  EXPECT_EQ(Eval("'a.c' LIKE 'a.c'"), "1|1|1");
  EXPECT_EQ(Eval("'abc' LIKE 'a.c'"), "0|0|0");  // regex characters are literal
  EXPECT_EQ(Eval("ns LIKE 'x'"), "1|NULL|0");
  EXPECT_EQ(Eval("match(s, '^w.r')"), "0|1|0");
  EXPECT_EQ(Eval("match(ip, '^\\\\d+\\\\.')"), "1|1|0");
  EXPECT_EQ(Eval("match(s, 'l+')"), "1|1|0");
  EXPECT_EQ(Eval("match('a\\nb', 'a.b')"), "1|1|1");  // . matches a newline, as on ClickHouse
}

// --- NULLs and conditionals ----------------------------------------------------------------------

TEST_F(ExprTest, NullTests) {
  EXPECT_EQ(Type("isNull(n)"), "UInt8");
  EXPECT_EQ(Eval("n IS NULL"), "0|1|0");
  EXPECT_EQ(Eval("ns IS NOT NULL"), "1|0|1");
  EXPECT_EQ(Eval("isNull(u)"), "0|0|0");
  EXPECT_EQ(Eval("isNotNull(lcn)"), "0|1|1");
  EXPECT_EQ(Eval("isNull(NULL)"), "1|1|1");
  EXPECT_EQ(Eval("n + NULL"), "NULL|NULL|NULL");
  EXPECT_EQ(Eval("toString(NULL)"), "NULL|NULL|NULL");
}

TEST_F(ExprTest, IfMultiIfCoalesce) {
  EXPECT_EQ(Eval("if(u > 5, 'big', 'small')"), "big|small|big");
  EXPECT_EQ(Type("if(u > 5, 1, -1)"), "Int16");
  EXPECT_EQ(Eval("if(u > 5, 1, -1)"), "1|-1|1");
  EXPECT_EQ(Type("if(u > 5, toUInt32(1), toInt32(2))"), "Int64");
  EXPECT_EQ(Type("if(n > 0, n, 0)"), "Nullable(Int64)");
  EXPECT_EQ(Eval("if(n > 0, n, 0)"), "5|0|0");  // a NULL condition is false
  EXPECT_EQ(Eval("if(u > 5, NULL, s)"), "NULL|world|NULL");
  EXPECT_EQ(Type("if(u > 5, NULL, s)"), "Nullable(String)");
  EXPECT_EQ(Eval("if(u > 5, d, dt)"), "1704153600|0|951782400");  // Date as DateTime
  EXPECT_EQ(Eval("multiIf(u = 0, 'zero', u < 100, 'small', 'big')"), "small|zero|big");
  EXPECT_EQ(Type("coalesce(ns, lcn, 'none')"), "String");
  EXPECT_EQ(Eval("coalesce(ns, lcn, 'none')"), "x|q|");
  EXPECT_EQ(Eval("coalesce(lcn, ns)"), "x|q|");
  EXPECT_EQ(Type("coalesce(n, n)"), "Nullable(Int64)");
  EXPECT_EQ(Type("coalesce(n, 0)"), "Int64");
  EXPECT_EQ(Eval("coalesce(n, 0)"), "5|0|-7");
  EXPECT_EQ(Eval("ifNull(ns, '?')"), "x|?|");
}

// --- Conversions ---------------------------------------------------------------------------------

TEST_F(ExprTest, ToStringOfEveryType) {
  EXPECT_EQ(Eval("toString(u)"), "10|0|4294967295");
  EXPECT_EQ(Eval("toString(i8)"), "-3|127|-128");
  EXPECT_EQ(Eval("toString(f)"), "2.5|-1.5|0");
  EXPECT_EQ(Eval("toString(f32)"), "0.1|2|-0.5");
  EXPECT_EQ(Eval("toString(1e20)"),
            "100000000000000000000|100000000000000000000|100000000000000000000");
  EXPECT_EQ(Eval("toString(d)"), "2024-01-02|1970-01-01|2000-02-29");
  EXPECT_EQ(Eval("toString(dt)"), "2024-01-02 03:04:05|1970-01-01 00:00:00|2000-02-29 23:59:59");
  EXPECT_EQ(Eval("toString(device)"), "mobile|desktop|mobile");
  EXPECT_EQ(Eval("toString(dec)"), "12.34|-0.5|0");
  EXPECT_EQ(Eval("toString(fs)"), "ab|abcd|");
  EXPECT_EQ(Eval("toString(n)"), "5|NULL|-7");
}

TEST_F(ExprTest, NumericConversions) {
  EXPECT_EQ(Type("toInt64('42')"), "Int64");
  EXPECT_EQ(Eval("toInt64('42')"), "42|42|42");
  EXPECT_EQ(Eval("toInt64('-42')"), "-42|-42|-42");
  EXPECT_EQ(Eval("toInt8(300)"), "44|44|44");  // numbers wrap, as on ClickHouse
  EXPECT_EQ(Eval("toUInt8(-1)"), "255|255|255");
  EXPECT_EQ(Eval("toInt32(f)"), "2|-1|0");  // truncation
  EXPECT_EQ(Eval("toUInt16(d)"), "19724|0|11016");
  EXPECT_EQ(Eval("toInt16(device)"), "1|2|1");
  EXPECT_EQ(Eval("toUInt64(ts_ms)"), "1700000000123|0|86400000");
  EXPECT_EQ(Eval("toFloat64('1.5')"), "1.5|1.5|1.5");
  EXPECT_EQ(Eval("toFloat32(f)"), "2.5|-1.5|0");
  EXPECT_EQ(Type("toFloat32(f)"), "Float32");
  EXPECT_EQ(Eval("toFloat64(u) / 4"), "2.5|0|1073741823.75");
  EXPECT_EQ(Type("toInt64(n)"), "Nullable(Int64)");
  EXPECT_EQ(Eval("toInt64(n)"), "5|NULL|-7");
  EXPECT_EQ(Eval("toUInt32OrZero(s)"), "0|0|0");
  EXPECT_EQ(Type("toInt64OrNull(s)"), "Nullable(Int64)");
  EXPECT_EQ(Eval("toInt64OrNull(ip)"), "NULL|NULL|NULL");
}

TEST_F(ExprTest, DateAndTimeConversions) {
  EXPECT_EQ(Type("toDate(dt)"), "Date");
  EXPECT_EQ(Eval("toDate(dt)"), "19724|0|11016");
  EXPECT_EQ(Eval("toDate('2024-01-02 10:00:00')"), "19724|19724|19724");
  EXPECT_EQ(Eval("toDate(100)"), "100|100|100");               // below 65536: a day number
  EXPECT_EQ(Eval("toDate(1700000000)"), "19675|19675|19675");  // otherwise a Unix time
  EXPECT_EQ(Eval("toString(toDate(ts_ms / 1000))"), "2023-11-14|1970-01-01|1970-01-02");
  EXPECT_EQ(Type("toDateTime(intDiv(ts_ms, 1000))"), "DateTime");
  EXPECT_EQ(Eval("toDateTime(intDiv(ts_ms, 1000))"), "1700000000|0|86400");
  EXPECT_EQ(Eval("toString(toDateTime(intDiv(ts_ms, 1000)))"),
            "2023-11-14 22:13:20|1970-01-01 00:00:00|1970-01-02 00:00:00");
  EXPECT_EQ(Eval("toDateTime('2024-01-02 03:04:05')"), "1704164645|1704164645|1704164645");
  EXPECT_EQ(Eval("toDateTime('2024-01-02T03:04:05Z')"), "1704164645|1704164645|1704164645");
  EXPECT_EQ(Eval("toDateTime(d)"), "1704153600|0|951782400");
  EXPECT_EQ(Type("toUnixTimestamp(dt)"), "UInt32");
  EXPECT_EQ(Eval("toUnixTimestamp(dt)"), "1704164645|0|951868799");
  EXPECT_EQ(Eval("toUnixTimestamp('2024-01-02 03:04:05')"), "1704164645|1704164645|1704164645");
  EXPECT_EQ(Type("toDateOrNull(s)"), "Nullable(Date)");
  EXPECT_EQ(Eval("toDateOrNull(s)"), "NULL|NULL|NULL");
  EXPECT_EQ(Eval("toDateTimeOrZero(s)"), "0|0|0");
}

// --- Strings -------------------------------------------------------------------------------------

TEST_F(ExprTest, StringFunctions) {
  EXPECT_EQ(Eval("lower(s)"), "hello|world|");
  EXPECT_EQ(Eval("upper(s)"), "HELLO|WORLD|");
  EXPECT_EQ(Eval("upper(ns)"), "X|NULL|");
  EXPECT_EQ(Eval("substring(s, 2)"), "ello|orld|");
  EXPECT_EQ(Eval("substring(s, 1, 3)"), "Hel|wor|");
  EXPECT_EQ(Eval("substring(s, -3, 2)"), "ll|rl|");
  EXPECT_EQ(Eval("substring(s, 0, 2)"), "||");
  EXPECT_EQ(Eval("substring(s, 2, -1)"), "ell|orl|");
  EXPECT_EQ(Eval("substring('abc', -5, 3)"), "a|a|a");
  EXPECT_EQ(Eval("substring(s, 10)"), "||");
  EXPECT_EQ(Eval("substr(s, i8 + 5)"), "ello||");
  EXPECT_EQ(Eval("concat(s, '-', u)"), "Hello-10|world-0|-4294967295");
  EXPECT_EQ(Eval("concat(ns, '!')"), "x!|NULL|!");
  EXPECT_EQ(Eval("s || '!'"), "Hello!|world!|!");
  EXPECT_EQ(Type("length(s)"), "UInt64");
  EXPECT_EQ(Eval("length(s)"), "5|5|0");
  EXPECT_EQ(Eval("length(ns)"), "1|NULL|0");
  EXPECT_EQ(Eval("empty(s)"), "0|0|1");
  EXPECT_EQ(Eval("notEmpty(s)"), "1|1|0");
  EXPECT_EQ(Eval("startsWith(s, 'He')"), "1|0|0");
  EXPECT_EQ(Eval("endsWith(s, 'ld')"), "0|1|0");
  EXPECT_EQ(Eval("startsWith(s, '')"), "1|1|1");
  EXPECT_EQ(Eval("startsWith(ip, s)"), "0|0|1");
}

TEST_F(ExprTest, ArrayFunctions) {
  EXPECT_EQ(Eval("length(tags)"), "2|0|1");
  EXPECT_EQ(Eval("length(nums)"), "3|0|1");
  EXPECT_EQ(Eval("empty(tags)"), "0|1|0");
  EXPECT_EQ(Eval("notEmpty(nums)"), "1|0|1");
  EXPECT_EQ(Eval("has(tags, 'b')"), "1|0|1");
  EXPECT_EQ(Eval("has(tags, s)"), "0|0|0");
  EXPECT_EQ(Eval("has(nums, 3)"), "1|0|1");
  EXPECT_EQ(Eval("has(nums, 2)"), "1|0|0");
  EXPECT_EQ(Eval("has(nums, -1)"), "0|0|0");
}

// --- IP ranges, time, hashing, misc --------------------------------------------------------------

TEST_F(ExprTest, IsIPAddressInRange) {
  EXPECT_EQ(Eval("isIPAddressInRange(ip, '192.168.1.0/24')"), "1|0|0");
  EXPECT_EQ(Eval("isIPAddressInRange(ip, '10.0.0.0/8')"), "0|1|0");
  EXPECT_EQ(Eval("isIPAddressInRange(ip, '192.168.1.5')"), "1|0|0");
  EXPECT_EQ(Eval("isIPAddressInRange(ip, '2001:db8::/32')"), "0|0|1");
  EXPECT_EQ(Eval("isIPAddressInRange(ip, '0.0.0.0/0')"), "1|1|0");
  EXPECT_EQ(Eval("isIPAddressInRange(ip, '::/0')"), "1|1|1");
  auto e = Compiled("isIPAddressInRange(ns, '0.0.0.0/0')");
  ASSERT_TRUE(e);
  auto col = e->Evaluate(block_);
  ASSERT_FALSE(col.ok());
  EXPECT_EQ(col.status().message(), "row 0: 'x' is not an IP address (at 1: isIPAddressInRange)");
}

TEST_F(ExprTest, NowIsTheEvaluationTime) {
  EXPECT_EQ(Type("now()"), "DateTime");
  auto e = Compiled("toUnixTimestamp(now())");
  ASSERT_TRUE(e);
  const uint64_t before = static_cast<uint64_t>(std::time(nullptr));
  auto col = e->Evaluate(block_);
  const uint64_t after = static_cast<uint64_t>(std::time(nullptr));
  ASSERT_TRUE(col.ok());
  ASSERT_EQ(col->rows(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_GE(col->FixedAt<uint32_t>(i), before);
    EXPECT_LE(col->FixedAt<uint32_t>(i), after);
  }
  EXPECT_EQ(Eval("now() > '2024-01-01 00:00:00'"), "1|1|1");
}

TEST_F(ExprTest, XxHash64HashesStoredBytes) {
  EXPECT_EQ(Type("xxHash64(s)"), "UInt64");
  // XXH64(seed 0) of "Hello", "world", "", and of UInt32 10 as 4 little-endian bytes.
  EXPECT_EQ(Eval("xxHash64(s)"), "753694413698530628|16679358290033791471|17241709254077376921");
  EXPECT_EQ(Eval("xxHash64(u) = xxHash64(toUInt32(10))"), "1|0|0");
  EXPECT_EQ(Eval("xxHash64(toUInt32(10))"),
            "17317298302625297062|17317298302625297062|17317298302625297062");
  EXPECT_EQ(Eval("xxHash64(ns)"), "6665539201184043299|NULL|17241709254077376921");
}

TEST_F(ExprTest, ToTypeNameAndFunctionNamesIgnoreCase) {
  EXPECT_EQ(Eval("toTypeName(lcn)"), "Nullable(String)|Nullable(String)|Nullable(String)");
  EXPECT_EQ(Eval("TOSTRING(u) = 'x' OR Lower(s) = 'world'"), "0|1|0");
}

// --- Start-up errors -----------------------------------------------------------------------------

TEST_F(ExprTest, SyntaxErrorsNameThePosition) {
  EXPECT_EQ(CompileError("u > 5 AND (s = 'x'"), "at 19: expected ')'");
  EXPECT_EQ(CompileError("u >"), "at 4: expected an operand, got the end of the expression");
  EXPECT_EQ(CompileError("u 5"), "at 3: expected an operator or the end, got '5'");
  EXPECT_EQ(CompileError("'abc"), "at 1: unterminated string");
  EXPECT_EQ(CompileError("u @ 1"), "at 3: unexpected character '@'");
  EXPECT_EQ(CompileError("`u"), "at 1: unterminated quoted name");
  EXPECT_EQ(CompileError("u IN 1"), "at 6: expected '('");
  EXPECT_EQ(CompileError("u NOT 1"), "at 3: expected an operator or the end, got 'NOT'");
  EXPECT_EQ(CompileError("u IS 1"), "at 6: expected NULL, got '1'");
  EXPECT_EQ(CompileError("CASE u END"), "at 6: expected WHEN, got 'u'");
  EXPECT_EQ(CompileError("12abc"), "at 3: unexpected 'a' after a number");
  EXPECT_EQ(CompileError("99999999999999999999"), "at 1: integer literal out of range for UInt64");
  EXPECT_EQ(CompileError(""), "at 1: expected an operand, got the end of the expression");
}

TEST_F(ExprTest, NameErrorsSuggestTheClosestName) {
  EXPECT_EQ(CompileError("ipp = '1'"), "at 1: unknown column 'ipp' (did you mean 'ip'?)");
  EXPECT_EQ(CompileError("u + zzzzzz"), "at 5: unknown column 'zzzzzz'");
  EXPECT_EQ(CompileError("lowr(s)"), "at 1: unknown function 'lowr' (did you mean 'lower'?)");
  EXPECT_EQ(CompileError("frobnicate(s)"), "at 1: unknown function 'frobnicate'");
  EXPECT_EQ(CompileError("m = ''"),
            "at 1: column 'm': expressions do not support Map(String, String)");
}

TEST_F(ExprTest, TypeErrorsNameThePositionAndExpectedType) {
  EXPECT_EQ(CompileError("u = toDate(tags)"),
            "at 12: toDate expects a String, Date, DateTime or number argument, got Array(String)");
  EXPECT_EQ(CompileError("u + s"), "at 5: + expects a numeric argument, got String");
  EXPECT_EQ(CompileError("lower(u)"), "at 7: lower expects a String argument, got UInt32");
  EXPECT_EQ(CompileError("s > 1"), "at 3: > cannot compare String with UInt8");
  EXPECT_EQ(CompileError("u = 'x'"), "at 5: =: cannot parse 'x' as a number");
  EXPECT_EQ(CompileError("d = 'yesterday'"), "at 5: cannot parse 'yesterday' as Date");
  EXPECT_EQ(CompileError("device = 'tablet'"),
            "at 10: 'tablet' is not a value of Enum8('mobile' = 1, 'desktop' = 2)");
  EXPECT_EQ(CompileError("id = 'not-a-uuid'"), "at 6: cannot parse 'not-a-uuid' as UUID");
  EXPECT_EQ(CompileError("if(u > 1, s, u)"), "at 1: if has no common type for String, UInt32");
  EXPECT_EQ(CompileError("if(s, 1, 2)"), "at 4: if expects a number as a condition, got String");
  EXPECT_EQ(CompileError("if(u, tags, tags)"),
            "at 7: if does not accept Array(String) (arrays work with length, empty, notEmpty and "
            "has)");
  EXPECT_EQ(
      CompileError("tags"),
      "at 1: the result cannot be an array (Array(String)); use length, empty, notEmpty or has");
  EXPECT_EQ(CompileError("has(s, 'a')"), "at 5: has expects an Array column, got String");
  EXPECT_EQ(CompileError("has(nums, 'a')"), "at 11: has: cannot parse 'a' as a number");
  EXPECT_EQ(CompileError("has(nums, s)"), "at 1: has cannot compare UInt32 with String");
  EXPECT_EQ(CompileError("substring(s, 'a')"),
            "at 14: substring expects an integer offset, got String");
  EXPECT_EQ(CompileError("if(u > 1, toUInt64(1), toInt64(1))"),
            "at 1: if has no common type for UInt64, Int64");
}

TEST_F(ExprTest, ArgumentErrors) {
  EXPECT_EQ(CompileError("lower(s, s)"), "at 1: lower expects 1 argument, got 2");
  EXPECT_EQ(CompileError("substring(s)"), "at 1: substring expects 2 to 3 arguments, got 1");
  EXPECT_EQ(CompileError("multiIf(u > 1, 1)"), "at 1: multiIf expects at least 3 arguments, got 2");
  EXPECT_EQ(CompileError("multiIf(u > 1, 1, u > 2, 2)"),
            "at 1: multiIf expects an odd number of arguments (conditions, values and an else "
            "value), got 4");
  EXPECT_EQ(CompileError("now(1)"), "at 1: now expects 0 arguments, got 1");
  EXPECT_EQ(CompileError("u IN (1, u)"), "at 10: IN expects constants in its list");
  EXPECT_EQ(CompileError("round(f, u)"),
            "at 10: round expects a constant integer number of places");
}

TEST_F(ExprTest, PatternsMustBeValidConstants) {
  EXPECT_EQ(CompileError("match(s, ns)"),
            "at 10: match expects a constant String regular expression, got an expression");
  EXPECT_EQ(CompileError("match(s, '(')"),
            "at 10: match: invalid regular expression: missing ): (");
  EXPECT_EQ(CompileError("s LIKE s"),
            "at 8: LIKE expects a constant String pattern, got an expression");
  EXPECT_EQ(CompileError("s LIKE 5"), "at 8: LIKE expects a constant String pattern, got UInt8");
  EXPECT_EQ(
      CompileError("isIPAddressInRange(ip, 'bogus')"),
      "at 24: isIPAddressInRange expects a CIDR like '10.0.0.0/8' or 'fd00::/8', got 'bogus'");
  EXPECT_EQ(CompileError("isIPAddressInRange(ip, '10.0.0.0/33')"),
            "at 24: isIPAddressInRange expects a CIDR like '10.0.0.0/8' or 'fd00::/8', got "
            "'10.0.0.0/33'");
}

TEST_F(ExprTest, ConstantsAreFoldedSoTheirErrorsComeAtStartUp) {
  EXPECT_EQ(CompileError("u = toInt64('abc')"), "at 5: cannot parse 'abc' as Int64");
  EXPECT_EQ(CompileError("intDiv(1, 0)"), "at 1: division by zero");
  EXPECT_EQ(CompileError("toDate('2024-13-01')"), "at 1: cannot parse '2024-13-01' as Date");
}

// The values of `text` over `block`, "a|b".
std::string EvalOn(const std::string& text, const SchemaPtr& schema, const Block& block) {
  auto e = Expr::Compile(text, schema);
  EXPECT_TRUE(e.ok()) << text << ": " << e.status().message();
  if (!e.ok()) return "<compile error>";
  auto col = e.value()->Evaluate(block);
  EXPECT_TRUE(col.ok()) << text << ": " << col.status().message();
  return col.ok() ? Cells(col.value()) : "<error>";
}

TEST(ExprColumns, IPv4BoolEnum16AndDateTimeWithZone) {
  auto schema = MakeSchema({{"a", "IPv4"},
                            {"b", "Bool"},
                            {"e", "Enum16('x' = 1000, 'y' = -5)"},
                            {"t", "DateTime('UTC')"}});
  Block block = MakeBlock(schema, {R"({"a":"10.1.2.3","b":true,"e":"x","t":"2024-01-02 03:04:05"})",
                                   R"({"a":"192.168.0.1","b":false,"e":"y","t":0})"});
  EXPECT_EQ(EvalOn("a", schema, block), "167838211|3232235521");
  EXPECT_EQ(EvalOn("toString(a)", schema, block), "10.1.2.3|192.168.0.1");
  EXPECT_EQ(EvalOn("a = '10.1.2.3'", schema, block), "1|0");
  EXPECT_EQ(EvalOn("isIPAddressInRange(a, '10.0.0.0/8')", schema, block), "1|0");
  EXPECT_EQ(EvalOn("b", schema, block), "1|0");
  EXPECT_EQ(EvalOn("toString(b)", schema, block), "true|false");
  EXPECT_EQ(EvalOn("NOT b", schema, block), "0|1");
  EXPECT_EQ(EvalOn("e", schema, block), "1000|-5");
  EXPECT_EQ(EvalOn("e = 'y'", schema, block), "0|1");
  EXPECT_EQ(EvalOn("toString(e)", schema, block), "x|y");
  EXPECT_EQ(EvalOn("t > '2024-01-01 00:00:00'", schema, block), "1|0");
  EXPECT_EQ(EvalOn("toString(t)", schema, block), "2024-01-02 03:04:05|1970-01-01 00:00:00");
}

TEST(ExprColumns, WideResultsMatchAPerRowReference) {
  // 10 000 rows through if/multiIf/coalesce and arithmetic, checked against plain C++.
  auto schema = MakeSchema({{"x", "Int32"}, {"y", "Nullable(UInt16)"}, {"s", "String"}});
  std::vector<std::string> lines;
  for (int i = 0; i < 10000; ++i) {
    const std::string y = i % 7 == 0 ? "null" : std::to_string(i % 1000);
    lines.push_back(fmt::format(R"({{"x":{},"y":{},"s":"k{}"}})", i - 5000, y, i % 13));
  }
  Block block = MakeBlock(schema, lines);
  auto e = Expr::Compile(
      "multiIf(x < -2500, coalesce(y, 0) * 2, x < 2500, intDiv(x, 3), length(s) + x % 5)", schema);
  ASSERT_TRUE(e.ok()) << e.status().message();
  EXPECT_EQ(e.value()->type()->name, "Int64");
  auto col = e.value()->Evaluate(block);
  ASSERT_TRUE(col.ok());
  for (int i = 0; i < 10000; ++i) {
    const int64_t x = i - 5000;
    const int64_t y = i % 7 == 0 ? 0 : i % 1000;
    const int64_t len = std::to_string(i % 13).size() + 1;
    const int64_t want = x < -2500 ? y * 2 : x < 2500 ? x / 3 : len + x % 5;
    ASSERT_EQ(col->FixedAt<int64_t>(i), want) << "row " << i;
  }
  auto mask = Expr::Compile("y > 500 AND s IN ('k1', 'k2')", schema);
  ASSERT_TRUE(mask.ok());
  std::vector<uint8_t> keep;
  ASSERT_TRUE(mask.value()->EvaluateMask(block, &keep).ok());
  for (int i = 0; i < 10000; ++i) {
    const bool want = i % 7 != 0 && i % 1000 > 500 && (i % 13 == 1 || i % 13 == 2);
    ASSERT_EQ(keep[i], want) << "row " << i;
  }
}

// --- Row errors ----------------------------------------------------------------------------------

class ExprRowTest : public ::testing::Test {
 protected:
  ExprRowTest()
      : schema_(MakeSchema({{"s", "String"}, {"k", "Nullable(Int32)"}, {"ip", "String"}})),
        block_(MakeBlock(schema_,
                         {R"({"s":"1","k":2,"ip":"1.2.3.4"})", R"({"s":"abc","k":0,"ip":"nope"})",
                          R"({"s":"300","k":null,"ip":"::1"})"})) {}

  std::unique_ptr<Expr> Compiled(const std::string& text) {
    auto e = Expr::Compile(text, schema_);
    EXPECT_TRUE(e.ok()) << e.status().message();
    return e.ok() ? std::move(e).value() : nullptr;
  }
  std::string FirstError(const std::string& text) {
    auto e = Compiled(text);
    if (!e) return "";
    auto col = e->Evaluate(block_);
    EXPECT_FALSE(col.ok()) << text;
    if (col.ok()) return "<ok>";
    EXPECT_EQ(col.status().code(), Code::kInvalidArgument);
    return col.status().message();
  }

  SchemaPtr schema_;
  Block block_;
};

TEST_F(ExprRowTest, FirstFailingRowIsNamed) {
  EXPECT_EQ(FirstError("toInt64(s)"), "row 1: cannot parse 'abc' as Int64 (at 1: toInt64)");
  EXPECT_EQ(FirstError("toUInt8(s) + 1"), "row 1: cannot parse 'abc' as UInt8 (at 1: toUInt8)");
  EXPECT_EQ(FirstError("intDiv(10, k)"), "row 1: division by zero (at 1: intDiv)");
  EXPECT_EQ(FirstError("k % 0"), "row 0: division by zero (at 3: %)");
  EXPECT_EQ(FirstError("isIPAddressInRange(ip, '1.0.0.0/8')"),
            "row 1: 'nope' is not an IP address (at 1: isIPAddressInRange)");
  EXPECT_EQ(FirstError("toDate(s)"), "row 1: cannot parse 'abc' as Date (at 1: toDate)");
  // An implicit conversion names its operator and operand.
  EXPECT_EQ(FirstError("toDate('2020-01-01') < s"), "row 1: cannot parse 'abc' as Date (at 24: <)");
}

TEST_F(ExprRowTest, NullRowsDoNotFail) {
  // Row 2's k is NULL: intDiv is not computed there, and the result is NULL.
  auto e = Compiled("intDiv(10, k)");
  ASSERT_TRUE(e);
  std::vector<ExprRowError> errors;
  auto col = e->Evaluate(block_, &errors);
  ASSERT_TRUE(col.ok());
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].row, 1u);
  EXPECT_EQ(Cells(col.value()), "5|0|NULL");
}

TEST_F(ExprRowTest, LenientEvaluationListsEveryBadRowOnce) {
  auto e = Compiled("toInt64(s) + toUInt8(s)");
  ASSERT_TRUE(e);
  std::vector<ExprRowError> errors;
  auto col = e->Evaluate(block_, &errors);
  ASSERT_TRUE(col.ok()) << col.status().message();
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].row, 1u);
  EXPECT_EQ(errors[0].message, "cannot parse 'abc' as Int64 (at 1: toInt64)");
  EXPECT_EQ(errors[1].row, 2u);
  EXPECT_EQ(errors[1].message, "'300' is out of range for UInt8 (at 14: toUInt8)");
  EXPECT_EQ(Cells(col.value()), "2|0|300");  // failed parts are 0; the rows are to be dropped
}

TEST_F(ExprRowTest, OrZeroAndOrNullNeverFail) {
  auto zero = Compiled("toInt64OrZero(s)");
  auto null = Compiled("toUInt8OrNull(s)");
  ASSERT_TRUE(zero && null);
  auto a = zero->Evaluate(block_);
  auto b = null->Evaluate(block_);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(Cells(a.value()), "1|0|300");
  EXPECT_EQ(Cells(b.value()), "1|NULL|NULL");
}

// --- Filters -------------------------------------------------------------------------------------

TEST_F(ExprTest, MaskKeepsTrueRowsAndDropsNull) {
  auto e = Compiled("n > 0 OR u > 5");
  ASSERT_TRUE(e);
  EXPECT_TRUE(e->is_predicate());
  std::vector<uint8_t> keep;
  ASSERT_TRUE(e->EvaluateMask(block_, &keep).ok());
  EXPECT_EQ(keep, (std::vector<uint8_t>{1, 0, 1}));

  auto c = Compiled("1");
  ASSERT_TRUE(c);
  ASSERT_TRUE(c->EvaluateMask(block_, &keep).ok());
  EXPECT_EQ(keep, (std::vector<uint8_t>{1, 1, 1}));

  auto f = Compiled("f");  // a float: non-zero is true
  ASSERT_TRUE(f);
  ASSERT_TRUE(f->EvaluateMask(block_, &keep).ok());
  EXPECT_EQ(keep, (std::vector<uint8_t>{1, 1, 0}));

  auto s = Compiled("s");
  ASSERT_TRUE(s);
  EXPECT_FALSE(s->is_predicate());
  Status st = s->EvaluateMask(block_, &keep);
  EXPECT_EQ(st.code(), Code::kInvalidArgument);
  EXPECT_EQ(st.message(), "expression s is a String, not a condition");
}

TEST_F(ExprTest, EmptyBlockAndBlocksOfAnotherSchemaObject) {
  auto e = Compiled("concat(s, toString(u + 1))");
  ASSERT_TRUE(e);
  Block empty(schema_);
  auto col = e->Evaluate(empty);
  ASSERT_TRUE(col.ok());
  EXPECT_EQ(col->rows(), 0u);
  // Same columns in another Schema object: fine. Different types: refused.
  Block same(MakeSchema(kColumns));
  EXPECT_TRUE(e->Evaluate(same).ok());
  Columns changed = kColumns;
  changed[2].second = "String";  // u
  Block other(MakeSchema(changed));
  auto bad = e->Evaluate(other);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Code::kInternal);
}

}  // namespace
}  // namespace sluice
