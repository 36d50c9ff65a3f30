// Configuration as plugins see it: a located value tree, declared options, validated option values.
//
// The engine reads a pipeline's YAML, interpolates ${VARS}, and hands each stage its options as a
// ConfigValue tree in which every node knows its file:line:column. Before any plugin code runs the
// engine checks the tree against the plugin's OptionSpec table (unknown keys, wrong types, missing
// required options) and fills in defaults, so a plugin's create() gets an Options object whose
// typed getters cannot fail for declared options. Options of type kAny (nested lists/maps such as
// categorization rules) are validated by the plugin itself, which reports errors with location().
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kalshi_direct/decimal.h"

namespace kalshi_direct {

struct SourceLocation {
  std::string file;  // or, for a value given on the command line, the flag ("--db k.db")
  int line = 0;      // 1-based; 0 = unknown
  int column = 0;    // 1-based

  // A value from a command-line flag (--db, --days, --set) rather than from a file.
  bool isFlag() const { return line == 0 && file.rfind("--", 0) == 0; }

  // "file:line:column", or what is known of it.
  std::string toString() const {
    if (line <= 0) return file;
    return file + ":" + std::to_string(line) + ":" + std::to_string(column);
  }
};

class ConfigValue {
 public:
  enum class Kind { kNull, kScalar, kList, kMap };
  struct Entry;

  ConfigValue() = default;
  static ConfigValue scalar(std::string text, SourceLocation location = {}) {
    ConfigValue value;
    value.kind_ = Kind::kScalar;
    value.scalar_ = std::move(text);
    value.location_ = std::move(location);
    return value;
  }
  static ConfigValue list(SourceLocation location = {}) {
    ConfigValue value;
    value.kind_ = Kind::kList;
    value.location_ = std::move(location);
    return value;
  }
  static ConfigValue map(SourceLocation location = {}) {
    ConfigValue value;
    value.kind_ = Kind::kMap;
    value.location_ = std::move(location);
    return value;
  }
  static ConfigValue null(SourceLocation location = {}) {
    ConfigValue value;
    value.location_ = std::move(location);
    return value;
  }

  Kind kind() const { return kind_; }
  bool isNull() const { return kind_ == Kind::kNull; }
  bool isScalar() const { return kind_ == Kind::kScalar; }
  bool isList() const { return kind_ == Kind::kList; }
  bool isMap() const { return kind_ == Kind::kMap; }
  const SourceLocation& location() const { return location_; }

  // Scalar text (YAML scalars stay text; typed getters in Options convert them).
  const std::string& text() const { return scalar_; }
  const std::vector<ConfigValue>& items() const { return items_; }
  const std::vector<Entry>& entries() const { return entries_; }
  // Map lookup; nullptr when absent or when this is not a map.
  const ConfigValue* find(std::string_view key) const;

  void push(ConfigValue item) { items_.push_back(std::move(item)); }
  void insert(std::string key, SourceLocation key_location, ConfigValue value);

  static const char* kindName(Kind kind) {
    switch (kind) {
      case Kind::kNull:
        return "null";
      case Kind::kScalar:
        return "a scalar";
      case Kind::kList:
        return "a list";
      case Kind::kMap:
        return "a map";
    }
    return "unknown";
  }

 private:
  Kind kind_ = Kind::kNull;
  std::string scalar_;
  std::vector<ConfigValue> items_;
  std::vector<Entry> entries_;
  SourceLocation location_;
};

struct ConfigValue::Entry {
  std::string key;
  SourceLocation key_location;
  ConfigValue value;
};

inline const ConfigValue* ConfigValue::find(std::string_view key) const {
  for (const auto& entry : entries_) {
    if (entry.key == key) return &entry.value;
  }
  return nullptr;
}

inline void ConfigValue::insert(std::string key, SourceLocation key_location, ConfigValue value) {
  entries_.push_back(Entry{std::move(key), std::move(key_location), std::move(value)});
}

enum class OptionType {
  kString,      // any scalar
  kInt,         // a whole number ("100", "-3")
  kBool,        // true/false (also yes/no, on/off)
  kDecimal,     // exact decimal ("0.5", "12.25")
  kDuration,    // "500ms", "30s", "15m", "2h", "7d"; a bare number means seconds
  kEnum,        // one of OptionSpec::allowed
  kStringList,  // a list of scalars; a single scalar is accepted as a one-item list
  kAny,         // any YAML shape; the plugin validates it
};

inline const char* optionTypeName(OptionType type) {
  switch (type) {
    case OptionType::kString:
      return "string";
    case OptionType::kInt:
      return "int";
    case OptionType::kBool:
      return "bool";
    case OptionType::kDecimal:
      return "decimal";
    case OptionType::kDuration:
      return "duration";
    case OptionType::kEnum:
      return "enum";
    case OptionType::kStringList:
      return "list";
    case OptionType::kAny:
      return "any";
  }
  return "unknown";
}

// One declared option of a plugin. Built fluently:
//   OptionSpec("path", OptionType::kString).required().help("SQLite database file")
class OptionSpec {
 public:
  OptionSpec(std::string name, OptionType type) : name_(std::move(name)), type_(type) {}

  OptionSpec& required() {
    required_ = true;
    return *this;
  }
  OptionSpec& defaultValue(std::string value) {
    default_ = std::move(value);
    has_default_ = true;
    return *this;
  }
  OptionSpec& help(std::string text) {
    help_ = std::move(text);
    return *this;
  }
  OptionSpec& allowed(std::vector<std::string> values) {
    allowed_ = std::move(values);
    return *this;
  }
  // Marks an option whose value is a secret (never printed, even by `plugins` or --verbose).
  OptionSpec& secret() {
    secret_ = true;
    return *this;
  }
  // Constraints the engine checks on a value the YAML gives (defaults are the plugin's own), so
  // that no plugin re-checks them by hand; each failure is one line at the value's file:line:col.
  // kInt: min..max inclusive; kDuration: min..max milliseconds inclusive.
  OptionSpec& range(int64_t min, int64_t max) {
    min_ = min;
    max_ = max;
    has_range_ = true;
    return *this;
  }
  // kString: not ""; kStringList: at least one item, none "".
  OptionSpec& nonEmpty() {
    non_empty_ = true;
    return *this;
  }
  // kString (and each kStringList item): matches the ECMAScript regular expression `regex`
  // as a whole; `description` says in words what is expected ("a table name: letters, ...").
  OptionSpec& pattern(std::string regex, std::string description) {
    pattern_ = std::move(regex);
    pattern_description_ = std::move(description);
    return *this;
  }

  const std::string& name() const { return name_; }
  OptionType type() const { return type_; }
  bool isRequired() const { return required_; }
  bool hasDefault() const { return has_default_; }
  const std::string& defaultText() const { return default_; }
  const std::string& helpText() const { return help_; }
  // kEnum: the values; kStringList: the values each item must be one of (empty: any).
  const std::vector<std::string>& allowedValues() const { return allowed_; }
  bool isSecret() const { return secret_; }
  bool hasRange() const { return has_range_; }
  int64_t rangeMin() const { return min_; }
  int64_t rangeMax() const { return max_; }
  bool isNonEmpty() const { return non_empty_; }
  const std::string& patternRegex() const { return pattern_; }
  const std::string& patternDescription() const { return pattern_description_; }

 private:
  std::string name_;
  OptionType type_;
  bool required_ = false;
  bool has_default_ = false;
  bool secret_ = false;
  std::string default_;
  std::string help_;
  std::vector<std::string> allowed_;
  bool has_range_ = false;
  int64_t min_ = 0;
  int64_t max_ = 0;
  bool non_empty_ = false;
  std::string pattern_;
  std::string pattern_description_;
};

// Parses a duration ("250ms", "30s", "15m", "2h", "7d", "1.5s"; a bare number is seconds) into
// milliseconds. Returns false and explains in *error when the text is not a duration.
bool parseDurationMillis(std::string_view text, int64_t& millis, std::string* error = nullptr);
// Parses YAML-style booleans: true/false, yes/no, on/off (any case).
bool parseBool(std::string_view text, bool& value);
// Parses a whole number that fits in int64.
bool parseInt(std::string_view text, int64_t& value);

// A stage's validated options: every declared option that was set or has a default.
// Getters of an option that is absent (optional, no default) return the given fallback.
class Options {
 public:
  Options() = default;
  Options(ConfigValue values, SourceLocation stage_location)
      : values_(std::move(values)), stage_location_(std::move(stage_location)) {}

  bool has(std::string_view name) const { return values_.find(name) != nullptr; }
  const ConfigValue* find(std::string_view name) const { return values_.find(name); }

  std::string getString(std::string_view name, std::string fallback = {}) const {
    const ConfigValue* value = find(name);
    return value && value->isScalar() ? value->text() : fallback;
  }
  int64_t getInt(std::string_view name, int64_t fallback = 0) const {
    const ConfigValue* value = find(name);
    int64_t result;
    return value && parseInt(value->text(), result) ? result : fallback;
  }
  bool getBool(std::string_view name, bool fallback = false) const {
    const ConfigValue* value = find(name);
    bool result;
    return value && parseBool(value->text(), result) ? result : fallback;
  }
  Decimal getDecimal(std::string_view name, Decimal fallback = {}) const {
    const ConfigValue* value = find(name);
    Decimal result;
    return value && Decimal::parse(value->text(), result) ? result : fallback;
  }
  int64_t getDurationMillis(std::string_view name, int64_t fallback = 0) const {
    const ConfigValue* value = find(name);
    int64_t result;
    return value && parseDurationMillis(value->text(), result) ? result : fallback;
  }
  std::vector<std::string> getStringList(std::string_view name) const {
    std::vector<std::string> result;
    const ConfigValue* value = find(name);
    if (!value) return result;
    if (value->isScalar()) {
      result.push_back(value->text());
    } else {
      for (const auto& item : value->items()) result.push_back(item.text());
    }
    return result;
  }
  // Where the option was written, or the stage's location for defaults: for plugin errors.
  SourceLocation location(std::string_view name) const {
    const ConfigValue* value = find(name);
    return value && (value->location().line > 0 || value->location().isFlag()) ? value->location()
                                                                               : stage_location_;
  }
  const SourceLocation& stageLocation() const { return stage_location_; }
  const ConfigValue& values() const { return values_; }

 private:
  ConfigValue values_ = ConfigValue::map();
  SourceLocation stage_location_;
};

// ---- implementation ----

inline bool parseInt(std::string_view text, int64_t& value) {
  if (text.empty()) return false;
  size_t i = 0;
  const bool negative = text[0] == '-';
  if (text[0] == '-' || text[0] == '+') i = 1;
  if (i == text.size()) return false;
  __int128 result = 0;
  for (; i < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    result = result * 10 + (text[i] - '0');
    if (result > static_cast<__int128>(INT64_MAX) + 1) return false;
  }
  if (negative) result = -result;
  if (result > INT64_MAX || result < INT64_MIN) return false;
  value = static_cast<int64_t>(result);
  return true;
}

inline bool parseBool(std::string_view text, bool& value) {
  std::string lower;
  for (char c : text) lower.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c));
  if (lower == "true" || lower == "yes" || lower == "on") {
    value = true;
    return true;
  }
  if (lower == "false" || lower == "no" || lower == "off") {
    value = false;
    return true;
  }
  return false;
}

inline bool parseDurationMillis(std::string_view text, int64_t& millis, std::string* error) {
  size_t split = 0;
  while (split < text.size() &&
         ((text[split] >= '0' && text[split] <= '9') || text[split] == '.')) {
    ++split;
  }
  const std::string_view number = text.substr(0, split);
  const std::string_view unit = text.substr(split);
  Decimal amount;
  int64_t unit_millis = 0;
  if (unit == "ms")
    unit_millis = 1;
  else if (unit == "s" || unit.empty())
    unit_millis = 1000;
  else if (unit == "m")
    unit_millis = 60 * 1000;
  else if (unit == "h")
    unit_millis = 3600 * 1000;
  else if (unit == "d")
    unit_millis = 86400 * 1000;
  if (number.empty() || unit_millis == 0 || !Decimal::parse(number, amount)) {
    if (error) {
      *error = "'" + std::string(text) + "' is not a duration (use e.g. 500ms, 30s, 15m, 2h, 7d)";
    }
    return false;
  }
  try {
    millis = (amount * Decimal::fromInt(unit_millis)).toUnits(0, Rounding::kHalfAwayFromZero);
  } catch (const std::exception&) {
    if (error) *error = "duration '" + std::string(text) + "' is too large";
    return false;
  }
  return true;
}

}  // namespace kalshi_direct
