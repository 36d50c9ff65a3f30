#include "select_transform.h"

#include <map>
#include <utility>

#include "kalshi_direct/config.h"

namespace kalshi_direct {
namespace plugins {

namespace {

std::string shorten(const std::string& text) {
  return text.size() <= 64 ? text : text.substr(0, 64) + "...";
}

}  // namespace

const char* const kCastTypeNames = "int, decimal, string, bool, timestamp";

bool parseCastType(std::string_view name, CastType& type) {
  if (name == "int")
    type = CastType::kInt;
  else if (name == "decimal")
    type = CastType::kDecimal;
  else if (name == "string")
    type = CastType::kString;
  else if (name == "bool")
    type = CastType::kBool;
  else if (name == "timestamp")
    type = CastType::kTimestamp;
  else
    return false;
  return true;
}

const char* castTypeName(CastType type) {
  switch (type) {
    case CastType::kInt:
      return "int";
    case CastType::kDecimal:
      return "decimal";
    case CastType::kString:
      return "string";
    case CastType::kBool:
      return "bool";
    case CastType::kTimestamp:
      return "timestamp";
  }
  return "unknown";
}

bool castValue(const Value& value, CastType type, Value& out, std::string& reason) {
  switch (type) {
    case CastType::kString:
      out = Value(value.toText());
      return true;

    case CastType::kInt: {
      if (value.ifInt()) {
        out = value;
        return true;
      }
      if (const bool* flag = value.ifBool()) {
        out = Value(static_cast<int64_t>(*flag ? 1 : 0));
        return true;
      }
      Decimal decimal;
      if (const Decimal* exact = value.ifDecimal()) {
        decimal = *exact;
      } else if (const std::string* text = value.ifString()) {
        int64_t number;
        if (parseInt(*text, number)) {
          out = Value(number);
          return true;
        }
        if (!Decimal::parse(*text, decimal)) {
          reason = "not a whole number";
          return false;
        }
      } else {
        reason = std::string("a ") + valueTypeName(value.type()) + " is not a number";
        return false;
      }
      Decimal whole;
      if (!decimal.tryRescale(0, whole)) {
        reason = "has a fractional part";
        return false;
      }
      out = Value(whole.units());
      return true;
    }

    case CastType::kDecimal: {
      if (value.ifDecimal()) {
        out = value;
        return true;
      }
      if (const int64_t* number = value.ifInt()) {
        out = Value(Decimal::fromInt(*number));
        return true;
      }
      if (const std::string* text = value.ifString()) {
        Decimal decimal;
        std::string error;
        if (Decimal::parse(*text, decimal, &error)) {
          out = Value(decimal);
          return true;
        }
        reason = "not a decimal number";
        return false;
      }
      reason = std::string("a ") + valueTypeName(value.type()) + " is not a number";
      return false;
    }

    case CastType::kBool: {
      if (value.ifBool()) {
        out = value;
        return true;
      }
      if (const int64_t* number = value.ifInt()) {
        if (*number == 0 || *number == 1) {
          out = Value(*number == 1);
          return true;
        }
      } else if (const std::string* text = value.ifString()) {
        bool flag;
        if (*text == "1" || *text == "0") {
          out = Value(*text == "1");
          return true;
        }
        if (parseBool(*text, flag)) {
          out = Value(flag);
          return true;
        }
      }
      reason = "not true/false, yes/no, on/off or 1/0";
      return false;
    }

    case CastType::kTimestamp: {
      if (value.ifTimestamp()) {
        out = value;
        return true;
      }
      if (const std::string* text = value.ifString()) {
        Timestamp instant;
        if (Timestamp::parse(*text, instant)) {
          out = Value(instant);
          return true;
        }
        reason = "not an RFC 3339 timestamp such as 2026-03-01T14:03:22Z";
        return false;
      }
      reason = std::string("a ") + valueTypeName(value.type()) + " is not a timestamp";
      return false;
    }
  }
  reason = "unknown cast";
  return false;
}

bool SelectTransform::apply(Record& record, std::string& reason) const {
  if (!config_.rename.empty()) {
    // All renames happen at once (a <-> b swaps); a renamed field beats an unrenamed namesake.
    std::vector<Field> renamed;
    std::vector<bool> was_renamed;
    renamed.reserve(record.size());
    for (Field& field : record.fields()) {
      bool is_renamed = false;
      for (const auto& [from, to] : config_.rename) {
        if (field.name == from) {
          field.name = to;
          is_renamed = true;
          break;
        }
      }
      size_t existing = 0;
      while (existing < renamed.size() && renamed[existing].name != field.name) ++existing;
      if (existing == renamed.size()) {
        renamed.push_back(std::move(field));
        was_renamed.push_back(is_renamed);
      } else if (is_renamed && !was_renamed[existing]) {
        renamed[existing].value = std::move(field.value);
        was_renamed[existing] = true;
      }
    }
    record.fields() = std::move(renamed);
  }

  for (const auto& [name, type] : config_.cast) {
    Value* value = record.find(name);
    if (value == nullptr || value->isNull()) continue;
    Value converted;
    std::string why;
    if (!castValue(*value, type, converted, why)) {
      reason = "cannot cast field '" + name + "' value '" + shorten(value->toText()) + "' to " +
               castTypeName(type) + ": " + why;
      return false;
    }
    *value = std::move(converted);
  }

  for (const auto& name : config_.drop) record.erase(name);

  if (config_.keep_listed) {
    Record kept;
    kept.reserve(config_.fields.size());
    for (const auto& name : config_.fields) {
      Value* value = record.find(name);
      kept.append(name, value ? std::move(*value) : Value());
    }
    record = std::move(kept);
  }
  return true;
}

Status SelectTransform::process(Batch&& batch, Emitter& out) {
  Batch result;
  result.stream = batch.stream;
  result.records.reserve(batch.records.size());
  std::string reason;
  const bool may_fail = !config_.cast.empty();
  for (Record& record : batch.records) {
    // The dead-letter output gets the record as it came in, not half reshaped.
    Record original = may_fail ? record : Record();
    if (apply(record, reason)) {
      result.records.push_back(std::move(record));
    } else {
      out.reject(batch.stream, std::move(original), reason);
    }
  }
  if (!result.records.empty()) out.emit(std::move(result));
  return Status::ok();
}

}  // namespace plugins
}  // namespace kalshi_direct
