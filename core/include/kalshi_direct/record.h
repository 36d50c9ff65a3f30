// Values, records and batches: the data that flows between pipeline stages.
//
// A Value is null, bool, int64, Decimal, string or Timestamp. A Record is a small ordered list of
// named values (field order is kept: sinks that write columns use it). A Batch is a run of records
// of one stream ("orders", "fills", ...). Batches move between stages by value (std::move), so a
// stage owns the batch it is given; memory stays bounded by the batch size, not the history size.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "kalshi_direct/decimal.h"
#include "kalshi_direct/timestamp.h"

namespace kalshi_direct {

enum class ValueType { kNull, kBool, kInt, kDecimal, kString, kTimestamp };

inline const char* valueTypeName(ValueType type) {
  switch (type) {
    case ValueType::kNull:
      return "null";
    case ValueType::kBool:
      return "bool";
    case ValueType::kInt:
      return "int";
    case ValueType::kDecimal:
      return "decimal";
    case ValueType::kString:
      return "string";
    case ValueType::kTimestamp:
      return "timestamp";
  }
  return "unknown";
}

class Value {
 public:
  Value() = default;
  Value(std::nullptr_t) {}
  Value(bool value) : data_(value) {}
  Value(int value) : data_(static_cast<int64_t>(value)) {}
  Value(int64_t value) : data_(value) {}
  Value(const Decimal& value) : data_(value) {}
  Value(std::string value) : data_(std::move(value)) {}
  Value(const char* value) : data_(std::string(value)) {}
  Value(const Timestamp& value) : data_(value) {}

  ValueType type() const { return static_cast<ValueType>(data_.index()); }
  bool isNull() const { return data_.index() == 0; }

  // Typed access. Each asX() requires type() == X (checked: throws std::bad_variant_access).
  bool asBool() const { return std::get<bool>(data_); }
  int64_t asInt() const { return std::get<int64_t>(data_); }
  const Decimal& asDecimal() const { return std::get<Decimal>(data_); }
  const std::string& asString() const { return std::get<std::string>(data_); }
  const Timestamp& asTimestamp() const { return std::get<Timestamp>(data_); }

  // Pointers for checked access without exceptions: null when the type differs.
  const bool* ifBool() const { return std::get_if<bool>(&data_); }
  const int64_t* ifInt() const { return std::get_if<int64_t>(&data_); }
  const Decimal* ifDecimal() const { return std::get_if<Decimal>(&data_); }
  const std::string* ifString() const { return std::get_if<std::string>(&data_); }
  const Timestamp* ifTimestamp() const { return std::get_if<Timestamp>(&data_); }

  // A plain-text rendering: "" for null, "true"/"false", decimals in fixed notation,
  // timestamps as ISO 8601 UTC. This is what text sinks (CSV) write.
  std::string toText() const {
    switch (type()) {
      case ValueType::kNull:
        return {};
      case ValueType::kBool:
        return asBool() ? "true" : "false";
      case ValueType::kInt:
        return std::to_string(asInt());
      case ValueType::kDecimal:
        return asDecimal().toString();
      case ValueType::kString:
        return asString();
      case ValueType::kTimestamp:
        return asTimestamp().toIso8601();
    }
    return {};
  }

  bool operator==(const Value& other) const {
    if (type() != other.type()) return false;
    switch (type()) {
      case ValueType::kNull:
        return true;
      case ValueType::kBool:
        return asBool() == other.asBool();
      case ValueType::kInt:
        return asInt() == other.asInt();
      case ValueType::kDecimal:
        return asDecimal() == other.asDecimal();
      case ValueType::kString:
        return asString() == other.asString();
      case ValueType::kTimestamp:
        return asTimestamp() == other.asTimestamp();
    }
    return false;
  }
  bool operator!=(const Value& other) const { return !(*this == other); }

 private:
  std::variant<std::monostate, bool, int64_t, Decimal, std::string, Timestamp> data_;
};

struct Field {
  std::string name;
  Value value;
};

class Record {
 public:
  Record() = default;
  Record(std::initializer_list<Field> fields) : fields_(fields) {}

  // Sets a field, replacing the value of an existing field of that name (keeping its position)
  // or appending a new one.
  void set(const std::string& name, Value value) {
    for (auto& field : fields_) {
      if (field.name == name) {
        field.value = std::move(value);
        return;
      }
    }
    fields_.push_back(Field{name, std::move(value)});
  }
  // Appends without looking for an existing field: for sources building a fresh record.
  void append(std::string name, Value value) {
    fields_.push_back(Field{std::move(name), std::move(value)});
  }
  // The field's value, or nullptr when the record has no such field.
  const Value* find(const std::string& name) const {
    for (const auto& field : fields_) {
      if (field.name == name) return &field.value;
    }
    return nullptr;
  }
  Value* find(const std::string& name) {
    for (auto& field : fields_) {
      if (field.name == name) return &field.value;
    }
    return nullptr;
  }
  // The field's value, or a null Value when missing.
  const Value& get(const std::string& name) const {
    static const Value kNull;
    const Value* value = find(name);
    return value ? *value : kNull;
  }
  bool erase(const std::string& name) {
    for (auto it = fields_.begin(); it != fields_.end(); ++it) {
      if (it->name == name) {
        fields_.erase(it);
        return true;
      }
    }
    return false;
  }

  const std::vector<Field>& fields() const { return fields_; }
  std::vector<Field>& fields() { return fields_; }
  size_t size() const { return fields_.size(); }
  bool empty() const { return fields_.empty(); }
  void reserve(size_t count) { fields_.reserve(count); }

  bool operator==(const Record& other) const {
    if (fields_.size() != other.fields_.size()) return false;
    for (size_t i = 0; i < fields_.size(); ++i) {
      if (fields_[i].name != other.fields_[i].name || fields_[i].value != other.fields_[i].value) {
        return false;
      }
    }
    return true;
  }

 private:
  std::vector<Field> fields_;
};

struct Batch {
  std::string stream;
  std::vector<Record> records;

  size_t size() const { return records.size(); }
  bool empty() const { return records.empty(); }
};

}  // namespace kalshi_direct
