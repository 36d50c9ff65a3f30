// JsonObject: builds one JSON object field by field, in the shapes the reports and the dashboard's
// API answer (docs/api.md): money as exact decimal strings with at least two decimals, ratios as
// numbers (null when unknown or not finite), text escaped (json_writer.h).
#pragma once

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

#include "kalshi_direct/decimal.h"
#include "kalshi_direct/json_writer.h"

namespace kalshi_direct {
namespace kalshi {

// "12.50", "-0.0125": exact, at least two decimals.
inline std::string jsonMoney(const std::optional<Decimal>& value) {
  if (!value) return "null";
  std::string out;
  appendJsonString(out, value->trimmed(2).toString());
  return out;
}
inline std::string jsonText(std::string_view text) {
  std::string out;
  appendJsonString(out, text);
  return out;
}
inline std::string jsonNumber(std::optional<double> value) {
  if (!value || !std::isfinite(*value)) return "null";
  char text[40];
  std::snprintf(text, sizeof text, "%.10g", *value);
  return text;
}

class JsonObject {
 public:
  // A field whose value is already JSON.
  JsonObject& raw(std::string_view name, std::string_view json) {
    out_ += out_.size() == 1 ? "" : ",";
    appendJsonString(out_, name);
    out_ += ':';
    out_ += json;
    return *this;
  }
  JsonObject& text(std::string_view name, std::string_view value) {
    return raw(name, jsonText(value));
  }
  // Empty text is null.
  JsonObject& textOrNull(std::string_view name, std::string_view value) {
    return raw(name, value.empty() ? std::string("null") : jsonText(value));
  }
  JsonObject& money(std::string_view name, const std::optional<Decimal>& value) {
    return raw(name, jsonMoney(value));
  }
  JsonObject& number(std::string_view name, std::optional<double> value) {
    return raw(name, jsonNumber(value));
  }
  JsonObject& integer(std::string_view name, int64_t value) {
    return raw(name, std::to_string(value));
  }
  JsonObject& integerOrNull(std::string_view name, std::optional<int64_t> value) {
    return raw(name, value ? std::to_string(*value) : std::string("null"));
  }
  JsonObject& boolean(std::string_view name, bool value) {
    return raw(name, value ? "true" : "false");
  }
  JsonObject& null(std::string_view name) { return raw(name, "null"); }
  std::string str() const { return out_ + "}"; }

 private:
  std::string out_ = "{";
};

}  // namespace kalshi
}  // namespace kalshi_direct
