// A minimal, fast JSON writer that appends to a std::string.
//
// Pages of 1000 fills are rendered on every request, so this avoids building DOM objects:
// callers emit keys and values in order and the writer only tracks where commas go.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fixed_point.h"

namespace ksim {

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  void begin_object() {
    value_prefix();
    out_.push_back('{');
    first_.push_back(true);
  }
  void end_object() {
    out_.push_back('}');
    first_.pop_back();
  }
  void begin_array() {
    value_prefix();
    out_.push_back('[');
    first_.push_back(true);
  }
  void end_array() {
    out_.push_back(']');
    first_.pop_back();
  }

  JsonWriter& key(std::string_view k) {
    if (!first_.empty()) {
      if (!first_.back()) out_.push_back(',');
      first_.back() = false;
    }
    out_.push_back('"');
    append_escaped(out_, k);
    out_.append("\":", 2);
    after_key_ = true;
    return *this;
  }

  void str(std::string_view v) {
    value_prefix();
    out_.push_back('"');
    append_escaped(out_, v);
    out_.push_back('"');
  }
  void i64(std::int64_t v) {
    value_prefix();
    out_.append(std::to_string(v));
  }
  void boolean(bool v) {
    value_prefix();
    out_.append(v ? "true" : "false");
  }
  void null() {
    value_prefix();
    out_.append("null");
  }
  // Pre-rendered JSON (an object rendered elsewhere, a fixture record).
  void raw(std::string_view json) {
    value_prefix();
    out_.append(json);
  }
  void dollars(Micros v) {
    value_prefix();
    out_.push_back('"');
    append_dollars_min(out_, v, dollar_decimals_);
    out_.push_back('"');
  }
  // Minimum fractional digits of dollars() values: 4 (default) or 6.
  void set_dollar_decimals(int d) { dollar_decimals_ = d; }
  void count(Centis v) {
    value_prefix();
    out_.push_back('"');
    append_count(out_, v);
    out_.push_back('"');
  }
  void time(std::int64_t us, bool fraction = true) {
    value_prefix();
    out_.push_back('"');
    append_rfc3339(out_, us, fraction);
    out_.push_back('"');
  }

  // Shorthands for "key": value.
  void kv(std::string_view k, std::string_view v) { key(k).str(v); }
  void kv(std::string_view k, const char* v) { key(k).str(v); }
  void kv(std::string_view k, const std::string& v) { key(k).str(v); }
  void kv_i64(std::string_view k, std::int64_t v) { key(k).i64(v); }
  void kv_bool(std::string_view k, bool v) { key(k).boolean(v); }
  void kv_null(std::string_view k) { key(k).null(); }
  void kv_dollars(std::string_view k, Micros v) { key(k).dollars(v); }
  void kv_count(std::string_view k, Centis v) { key(k).count(v); }
  void kv_time(std::string_view k, std::int64_t us, bool fraction = true) {
    key(k).time(us, fraction);
  }
  void kv_raw(std::string_view k, std::string_view json) { key(k).raw(json); }

  static void append_escaped(std::string& out, std::string_view s) {
    for (char c : s) {
      switch (c) {
        case '"':
          out.append("\\\"");
          break;
        case '\\':
          out.append("\\\\");
          break;
        case '\n':
          out.append("\\n");
          break;
        case '\r':
          out.append("\\r");
          break;
        case '\t':
          out.append("\\t");
          break;
        default:
          if (static_cast<unsigned char>(c) < 0x20) {
            static const char* hex = "0123456789abcdef";
            out.append("\\u00");
            out.push_back(hex[(c >> 4) & 0xf]);
            out.push_back(hex[c & 0xf]);
          } else {
            out.push_back(c);
          }
      }
    }
  }

 private:
  void value_prefix() {
    if (after_key_) {
      after_key_ = false;
      return;
    }
    if (!first_.empty()) {
      if (!first_.back()) out_.push_back(',');
      first_.back() = false;
    }
  }

  std::string& out_;
  std::vector<bool> first_;
  bool after_key_ = false;
  int dollar_decimals_ = 4;
};

// Kalshi's error body shapes.
std::string error_body(std::string_view code, std::string_view message, std::string_view details);
std::string nested_error_body(std::string_view code, std::string_view message,
                              std::string_view details);

}  // namespace ksim
