// Minimal JSON output for plugins and the engine: strings escaped per RFC 8259, records as objects.
//
// Decimals are written as JSON strings ("0.5600") so no reader turns money into a double;
// timestamps as ISO 8601 UTC strings; invalid UTF-8 bytes are replaced by U+FFFD so the output is
// always valid JSON.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

#include "kalshi_direct/record.h"

namespace kalshi_direct {

inline void appendJsonString(std::string& out, std::string_view text) {
  out.push_back('"');
  size_t i = 0;
  while (i < text.size()) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      switch (c) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        default:
          if (c < 0x20) {
            char buffer[8];
            std::snprintf(buffer, sizeof buffer, "\\u%04x", c);
            out += buffer;
          } else {
            out.push_back(static_cast<char>(c));
          }
      }
      ++i;
      continue;
    }
    // Validate one UTF-8 sequence; copy it if valid, else write U+FFFD for the bad byte.
    size_t length = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
    bool valid = length != 0 && i + length <= text.size();
    for (size_t k = 1; valid && k < length; ++k) {
      valid = (static_cast<unsigned char>(text[i + k]) & 0xC0) == 0x80;
    }
    if (valid && length == 2 && c < 0xC2) valid = false;  // overlong
    if (valid) {
      out.append(text.substr(i, length));
      i += length;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  out.push_back('"');
}

inline void appendJsonValue(std::string& out, const Value& value) {
  switch (value.type()) {
    case ValueType::kNull:
      out += "null";
      break;
    case ValueType::kBool:
      out += value.asBool() ? "true" : "false";
      break;
    case ValueType::kInt:
      out += std::to_string(value.asInt());
      break;
    case ValueType::kDecimal:
      appendJsonString(out, value.asDecimal().toString());
      break;
    case ValueType::kString:
      appendJsonString(out, value.asString());
      break;
    case ValueType::kTimestamp:
      appendJsonString(out, value.asTimestamp().toIso8601());
      break;
  }
}

// {"field":value,...} in field order.
inline void appendJsonRecord(std::string& out, const Record& record) {
  out.push_back('{');
  bool first = true;
  for (const auto& field : record.fields()) {
    if (!first) out.push_back(',');
    first = false;
    appendJsonString(out, field.name);
    out.push_back(':');
    appendJsonValue(out, field.value);
  }
  out.push_back('}');
}

inline std::string recordToJson(const Record& record) {
  std::string out;
  appendJsonRecord(out, record);
  return out;
}

}  // namespace kalshi_direct
