#include "pipeline/transform_chain.h"

#include <fmt/format.h>

namespace sluice {
namespace {

const DataType& Stored(const DataType& t) {
  return t.id == TypeId::kLowCardinality ? *t.children[0] : t;
}

bool IsIntegerLike(TypeId id) {
  switch (id) {
    case TypeId::kUInt8:
    case TypeId::kUInt16:
    case TypeId::kUInt32:
    case TypeId::kUInt64:
    case TypeId::kInt8:
    case TypeId::kInt16:
    case TypeId::kInt32:
    case TypeId::kInt64:
    case TypeId::kBool:
    case TypeId::kDate:
    case TypeId::kDateTime:
    case TypeId::kEnum8:
    case TypeId::kEnum16:
      return true;
    default:
      return false;
  }
}

bool IsScalarTarget(TypeId id) {
  return IsIntegerLike(id) || id == TypeId::kFloat32 || id == TypeId::kFloat64 ||
         id == TypeId::kString || id == TypeId::kFixedString || id == TypeId::kDecimal ||
         id == TypeId::kUUID || id == TypeId::kIPv4 || id == TypeId::kIPv6 ||
         id == TypeId::kDateTime64;
}

int64_t IntegerAt(const Column& c, TypeId id, size_t row) {
  switch (id) {
    case TypeId::kUInt8:
    case TypeId::kBool:
      return c.FixedAt<uint8_t>(row);
    case TypeId::kUInt16:
    case TypeId::kDate:
      return c.FixedAt<uint16_t>(row);
    case TypeId::kUInt32:
    case TypeId::kDateTime:
      return c.FixedAt<uint32_t>(row);
    case TypeId::kUInt64:
      return static_cast<int64_t>(c.FixedAt<uint64_t>(row));
    case TypeId::kInt8:
    case TypeId::kEnum8:
      return c.FixedAt<int8_t>(row);
    case TypeId::kInt16:
    case TypeId::kEnum16:
      return c.FixedAt<int16_t>(row);
    case TypeId::kInt32:
      return c.FixedAt<int32_t>(row);
    default:
      return c.FixedAt<int64_t>(row);
  }
}

}  // namespace

bool CanConvert(const DataType& from_type, const DataType& to_type) {
  const DataType& f = Stored(from_type);
  const DataType& t = Stored(to_type);
  if (f.name == t.name) return true;
  if (f.id == TypeId::kNullable)
    return CanConvert(*f.children[0], t.id == TypeId::kNullable ? *t.children[0] : t);
  if (t.id == TypeId::kNullable) return CanConvert(f, *t.children[0]);
  if (IsIntegerLike(f.id) || f.id == TypeId::kFloat32 || f.id == TypeId::kFloat64)
    return IsScalarTarget(t.id) && t.id != TypeId::kUUID && t.id != TypeId::kIPv6;
  if (f.id == TypeId::kString || f.id == TypeId::kFixedString) return IsScalarTarget(t.id);
  return false;
}

Status ConvertValue(const Column& src, const DataType& from_type, size_t row,
                    const DataType& to_type, Column& dst, const TimeZones& zones) {
  const DataType& f = Stored(from_type);
  const DataType& t = Stored(to_type);
  if (f.id == TypeId::kNullable) {
    if (src.nulls[row]) {
      if (t.id == TypeId::kNullable) {
        dst.nulls.push_back(1);
        dst.children[0].AppendDefault();
      } else {
        dst.AppendDefault();  // NULL into a non-Nullable column: the type's default
      }
      return Status::Ok();
    }
    return ConvertValue(src.children[0], *f.children[0], row, t, dst, zones);
  }
  if (t.id == TypeId::kNullable) {
    dst.nulls.push_back(0);
    return ConvertValue(src, f, row, *t.children[0], dst.children[0], zones);
  }
  if (f.name == t.name) {
    dst.AppendFrom(src, row);
    return Status::Ok();
  }
  const bool to_text = t.id == TypeId::kString || t.id == TypeId::kFixedString;
  if (IsIntegerLike(f.id)) {
    int64_t v = IntegerAt(src, f.id, row);
    if (f.id == TypeId::kDate && t.id == TypeId::kDateTime) v *= 86400;
    if (to_text) return ConvertText(fmt::format("{}", v), t, dst, zones, true);
    return PutInteger(v, t, dst, zones);
  }
  if (f.id == TypeId::kFloat32 || f.id == TypeId::kFloat64) {
    const double v = f.id == TypeId::kFloat32 ? src.FixedAt<float>(row) : src.FixedAt<double>(row);
    if (to_text) return ConvertText(fmt::format("{}", v), t, dst, zones, true);
    return PutFloat(v, t, dst);
  }
  if (f.id == TypeId::kString) return ConvertText(src.StringAt(row), t, dst, zones, false);
  if (f.id == TypeId::kFixedString) {
    std::string_view s(reinterpret_cast<const char*>(src.data.data()) + row * f.fixed_size,
                       f.fixed_size);
    while (!s.empty() && s.back() == '\0') s.remove_suffix(1);
    return ConvertText(s, t, dst, zones, false);
  }
  return InvalidArgument(
      fmt::format("cannot store {} in a {} column", from_type.name, to_type.name));
}

Result<std::unique_ptr<TransformChain>> TransformChain::Create(const PipelineConfig& pipeline,
                                                               SchemaPtr input, SchemaPtr table,
                                                               const std::string& server_timezone,
                                                               const TransformContext& context) {
  auto chain = std::unique_ptr<TransformChain>(new TransformChain());
  chain->table_ = table;
  std::string errors;
  SchemaPtr schema = input;
  for (const TransformConfig& tc : pipeline.transforms) {
    const std::string path = fmt::format("pipelines.{}.transforms.{}", pipeline.name, tc.name);
    auto factory = TransformRegistry().find(tc.type);
    if (factory == TransformRegistry().end()) {
      errors += fmt::format("{}.type: unknown transform '{}'\n", path, tc.type);
      continue;
    }
    auto step = factory->second(tc, context);
    auto out = step->Prepare(schema);
    if (!out.ok()) {
      // A step's message may hold several lines (one per key): each gets the path.
      errors += PrefixEachLine(path + ".", out.status().message()) + "\n";
      continue;
    }
    schema = out.value();
    chain->steps_.push_back(std::move(step));
  }
  chain->last_ = schema;
  for (const auto& col : table->columns) {
    Target t;
    t.from = schema->IndexOf(col.name);
    if (t.from >= 0) {
      const DataType& have = *schema->columns[static_cast<size_t>(t.from)].type;
      t.convert = have.name != col.type->name;
      if (t.convert && !CanConvert(have, *col.type))
        errors += fmt::format(
            "pipelines.{}.transforms: column '{}' is {} in the table, but the transforms make it "
            "{} (convert it, e.g. with toString() or toInt64())\n",
            pipeline.name, col.name, col.type->name, have.name);
    }
    Status z = chain->zones_.Prepare(*col.type, server_timezone);
    if (!z.ok()) errors += fmt::format("column '{}': {}\n", col.name, z.message());
    chain->targets_.push_back(t);
  }
  if (!errors.empty()) {
    errors.pop_back();
    return InvalidArgument(errors);
  }
  chain->passthrough_ = chain->steps_.empty() && input == table;
  return chain;
}

Status TransformChain::Apply(Block& block, const RejectFn& reject) const {
  if (passthrough_) return Status::Ok();
  for (const auto& step : steps_) RETURN_IF_ERROR(step->Apply(block, reject));
  return Conform(block, reject);
}

Status TransformChain::Conform(Block& block, const RejectFn& reject) const {
  // Converted columns first, row by row; a value that does not fit rejects its row.
  std::vector<Column> converted;
  std::vector<uint8_t> good;
  for (size_t i = 0; i < targets_.size(); ++i) {
    const Target& t = targets_[i];
    if (t.from < 0 || !t.convert) continue;
    const auto& spec = table_->columns[i];
    const Column& src = block.column(static_cast<size_t>(t.from));
    Column dst(spec.type);
    for (size_t r = 0; r < block.rows(); ++r) {
      Status st = ConvertValue(src, src.type(), r, *spec.type, dst, zones_);
      if (!st.ok()) {
        if (good.empty()) good.assign(block.rows(), 1);
        if (good[r])
          RETURN_IF_ERROR(reject(r, fmt::format("column '{}': {}", spec.name, st.message())));
        good[r] = 0;
        dst.Truncate(r);
        dst.AppendDefault();  // keeps dst aligned; the row is removed below
      }
    }
    converted.push_back(std::move(dst));
  }
  std::vector<int> from;
  std::vector<Column> added;
  size_t next = 0;
  for (size_t i = 0; i < targets_.size(); ++i) {
    const Target& t = targets_[i];
    if (t.from >= 0 && !t.convert) {
      from.push_back(t.from);
      continue;
    }
    from.push_back(-1);
    if (t.from >= 0) {
      added.push_back(std::move(converted[next++]));
    } else {
      Column d(table_->columns[i].type);
      for (size_t r = 0; r < block.rows(); ++r) d.AppendDefault();
      added.push_back(std::move(d));
    }
  }
  std::vector<uint32_t> present(targets_.size(), 0);
  for (size_t i = 0; i < targets_.size(); ++i)
    if (targets_[i].from >= 0) present[i] = block.present()[static_cast<size_t>(targets_[i].from)];
  block = std::move(block).Reshape(table_, from, std::move(added));
  // A table column no step provides is left to the server (its DEFAULT) when it has one.
  for (size_t i = 0; i < targets_.size(); ++i) block.present()[i] = present[i];
  if (!good.empty()) block.Filter(good);
  return Status::Ok();
}

}  // namespace sluice
