// SelectTransform: reshapes records field by field: rename, cast, drop, keep/reorder.
//
// Steps, in this order, all after renaming use the new names:
//   1. rename: old -> new (a renamed field replaces an existing field of the new name),
//   2. cast:   convert a field to int|decimal|string|bool|timestamp (null and missing stay so),
//   3. drop:   remove fields,
//   4. fields: keep only these, in this order (a missing one becomes null, so every output
//      record has the same columns).
// A value that cannot be cast rejects its record (Emitter::reject, reason naming field and
// value); the other records of the batch are emitted. Stateless; one thread.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kalshi_direct/plugin.h"

namespace kalshi_direct {
namespace plugins {

enum class CastType { kInt, kDecimal, kString, kBool, kTimestamp };

// "int, decimal, string, bool, timestamp": the cast names a user may write.
extern const char* const kCastTypeNames;
bool parseCastType(std::string_view name, CastType& type);
const char* castTypeName(CastType type);

// Converts a non-null value: int takes ints, bools, integral decimals and strings of them
// ("10", "10.00"); decimal takes ints, decimals and decimal strings (exact); string takes
// anything as its text; bool takes bools, 0/1 and true/false/yes/no/on/off; timestamp takes
// timestamps and RFC 3339 strings. Returns false with a short reason otherwise.
bool castValue(const Value& value, CastType type, Value& out, std::string& reason);

struct SelectConfig {
  bool keep_listed = false;         // `fields` was given
  std::vector<std::string> fields;  // kept, in this order
  std::vector<std::string> drop;
  std::vector<std::pair<std::string, std::string>> rename;  // old -> new
  std::vector<std::pair<std::string, CastType>> cast;
};

class SelectTransform final : public Transform {
 public:
  explicit SelectTransform(SelectConfig config) : config_(std::move(config)) {}

  Status process(Batch&& batch, Emitter& out) override;

  // Applies the steps to one record; false with a reason when a cast fails.
  bool apply(Record& record, std::string& reason) const;

 private:
  SelectConfig config_;
};

}  // namespace plugins
}  // namespace kalshi_direct
