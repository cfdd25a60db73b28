#include "core/column.h"

namespace sluice {

Column::Column(DataTypePtr type) : type_(std::move(type)) {
  storage_ = &type_->storage();
  width_ = storage_->value_width();
  switch (storage_->id) {
    case TypeId::kNullable:
    case TypeId::kArray:
      children.emplace_back(storage_->children[0]);
      break;
    case TypeId::kMap:
    case TypeId::kTuple:
      for (const auto& c : storage_->children) children.emplace_back(c);
      break;
    default:
      break;
  }
}

size_t Column::rows() const {
  switch (storage_->id) {
    case TypeId::kString:
    case TypeId::kArray:
    case TypeId::kMap:
      return offsets.size();
    case TypeId::kNullable:
      return nulls.size();
    case TypeId::kTuple:
      return children.empty() ? 0 : children[0].rows();
    default:
      return width_ == 0 ? 0 : data.size() / width_;
  }
}

size_t Column::byte_size() const {
  size_t n = data.size() + offsets.size() * sizeof(uint64_t) + nulls.size();
  for (const auto& c : children) n += c.byte_size();
  return n;
}

void Column::Truncate(size_t n) {
  switch (storage_->id) {
    case TypeId::kString:
      if (n < offsets.size()) {
        data.resize(n == 0 ? 0 : offsets[n - 1]);
        offsets.resize(n);
      }
      break;
    case TypeId::kArray:
    case TypeId::kMap:
      if (n < offsets.size()) {
        const size_t elements = n == 0 ? 0 : offsets[n - 1];
        offsets.resize(n);
        for (auto& c : children) c.Truncate(elements);
      } else {
        // Elements may have been appended for a row that was never closed.
        const size_t elements = offsets.empty() ? 0 : offsets.back();
        for (auto& c : children) c.Truncate(elements);
      }
      break;
    case TypeId::kNullable:
      if (n < nulls.size()) nulls.resize(n);
      children[0].Truncate(n);
      break;
    case TypeId::kTuple:
      for (auto& c : children) c.Truncate(n);
      break;
    default:
      if (n * width_ < data.size()) data.resize(n * width_);
      break;
  }
}

void Column::ReserveLike(const Column& other) {
  ReserveFrom(other, 1.125);
}

void Column::ReserveScaled(double factor) {
  ReserveFrom(*this, factor);
}

void Column::ReserveFrom(const Column& sizes, double factor) {
  auto scaled = [factor](size_t n) { return static_cast<size_t>(static_cast<double>(n) * factor); };
  data.reserve(scaled(sizes.data.size()));
  offsets.reserve(scaled(sizes.offsets.size()));
  nulls.reserve(scaled(sizes.nulls.size()));
  for (size_t i = 0; i < children.size() && i < sizes.children.size(); ++i)
    children[i].ReserveFrom(sizes.children[i], factor);
}

void Column::AppendDefault() {
  // A loop through Nullable rather than a call, and the other cases but String and Array out of
  // line: this runs for every row that leaves out a column (often a Nullable one), and either would
  // make it save and restore registers around two stores.
  Column* c = this;
  while (c->storage_->id == TypeId::kNullable) {
    PushBack<uint8_t>(c->nulls, 1);
    c = &c->children[0];
  }
  switch (c->storage_->id) {
    case TypeId::kString:
      PushBack<uint64_t>(c->offsets, c->data.size());
      break;
    case TypeId::kArray:
    case TypeId::kMap:
      PushBack<uint64_t>(c->offsets, c->offsets.empty() ? 0 : c->offsets.back());
      break;
    case TypeId::kTuple:
      c->AppendTupleDefault();
      break;
    default:
      c->AppendZeros();
      break;
  }
}

void Column::AppendTupleDefault() {
  for (auto& c : children) c.AppendDefault();
}

void Column::AppendZeros() {
  data.resize(data.size() + width_, 0);
}

void Column::AppendFrom(const Column& other, size_t row) {
  switch (storage_->id) {
    case TypeId::kString:
      AppendString(other.StringAt(row));
      break;
    case TypeId::kArray:
    case TypeId::kMap: {
      const size_t b = row == 0 ? 0 : other.offsets[row - 1];
      const size_t e = other.offsets[row];
      for (size_t k = 0; k < children.size(); ++k)
        for (size_t i = b; i < e; ++i) children[k].AppendFrom(other.children[k], i);
      offsets.push_back((offsets.empty() ? 0 : offsets.back()) + (e - b));
      break;
    }
    case TypeId::kNullable:
      nulls.push_back(other.nulls[row]);
      children[0].AppendFrom(other.children[0], row);
      break;
    case TypeId::kTuple:
      for (size_t k = 0; k < children.size(); ++k) children[k].AppendFrom(other.children[k], row);
      break;
    default:
      AppendBytes(other.data.data() + row * width_, width_);
      break;
  }
}

}  // namespace sluice
