#include "kalshi/packed_rows.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace kalshi_direct {
namespace kalshi {

void PackedRows::beginRow() {
  open_ = Row{arena_.size(), 0, 0};
  added_ = 0;
}

void PackedRows::appendText(std::string_view text) {
  const auto size = static_cast<uint32_t>(text.size());
  arena_.push_back(kText);
  arena_.append(reinterpret_cast<const char*>(&size), sizeof size);
  if (added_ == key_column_) {
    open_.key_offset = arena_.size();
    open_.key_size = size;
  }
  arena_.append(text);
}

void PackedRows::add(const Value& value) {
  if (added_ >= columns_) throw std::logic_error("PackedRows: more values than columns");
  switch (value.type()) {
    case ValueType::kNull:
      arena_.push_back(kNull);
      break;
    case ValueType::kBool:
    case ValueType::kInt: {
      const int64_t number =
          value.type() == ValueType::kBool ? (value.asBool() ? 1 : 0) : value.asInt();
      arena_.push_back(kInt);
      arena_.append(reinterpret_cast<const char*>(&number), sizeof number);
      break;
    }
    case ValueType::kDecimal:
      appendText(value.asDecimal().toString());
      break;
    case ValueType::kString:
      appendText(value.asString());
      break;
    case ValueType::kTimestamp:
      appendText(value.asTimestamp().toIso8601());
      break;
  }
  ++added_;
}

void PackedRows::endRow() {
  if (added_ != columns_) throw std::logic_error("PackedRows: row ended before its last column");
  rows_.push_back(open_);
}

void PackedRows::dropRow() {
  arena_.resize(open_.offset);
  added_ = 0;
}

std::string_view PackedRows::key(size_t row) const {
  return std::string_view(arena_.data() + rows_[row].key_offset, rows_[row].key_size);
}

void PackedRows::sortByKey() {
  const char* base = arena_.data();
  std::stable_sort(rows_.begin(), rows_.end(), [base](const Row& a, const Row& b) {
    return std::string_view(base + a.key_offset, a.key_size) <
           std::string_view(base + b.key_offset, b.key_size);
  });
}

void PackedRows::bind(size_t row, RowBinder& statement) const {
  const char* cursor = arena_.data() + rows_[row].offset;
  for (size_t column = 0; column < columns_; ++column) {
    const int index = static_cast<int>(column + 1);
    const char tag = *cursor++;
    if (tag == kInt) {
      int64_t number = 0;
      std::memcpy(&number, cursor, sizeof number);
      cursor += sizeof number;
      statement.bindInt(index, number);
    } else if (tag == kText) {
      uint32_t size = 0;
      std::memcpy(&size, cursor, sizeof size);
      cursor += sizeof size;
      statement.bindTextStatic(index, std::string_view(cursor, size));
      cursor += size;
    } else {
      statement.bindNull(index);
    }
  }
}

void PackedRows::release() {
  std::string().swap(arena_);
  std::vector<Row>().swap(rows_);
  added_ = 0;
}

}  // namespace kalshi
}  // namespace kalshi_direct
