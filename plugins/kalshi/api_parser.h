// Turns Kalshi API responses into records, exactly and defensively.
//
// Each endpoint's records are described by a RecordSchema: the API's own field names (so YAML
// written from Kalshi's docs works), a type per field, which fields must be present. Parsing is
// exact: `*_dollars` strings become Decimals (up to 6 fractional digits), `*_fp` counts Decimals
// with 2, RFC 3339 strings Timestamps; never a double. A record that is missing a required field,
// has a wrong JSON type, an unparseable or absurd number (a price outside 0..1, a negative count),
// an enum value the schema does not allow, or an over-long string is rejected with its raw JSON
// and a one-line reason; the rest of the page is kept. Optional fields that are absent become null
// so every record of a stream has the same fields in the same order.
//
// A body that is not JSON or lacks the page's array is a page error (the client re-fetches it).
#pragma once

#include <simdjson.h>

#include <string>
#include <vector>

#include "kalshi_direct/record.h"

namespace kalshi_direct {
namespace kalshi {

enum class FieldKind {
  kString,        // JSON string
  kEnum,          // JSON string from `allowed`
  kPrice,         // dollars string, 0 <= p <= 1 (yes/no prices)
  kMoney,         // dollars string, >= 0
  kSignedMoney,   // dollars string, may be negative (realized P&L)
  kCount,         // *_fp string, >= 0, at most 2 fractional digits
  kSignedCount,   // *_fp string, may be negative (position_fp: negative = NO contracts)
  kInt,           // JSON integer
  kBool,          // JSON true/false
  kTimestamp,     // RFC 3339 string
};

struct FieldSpec {
  const char* name;
  FieldKind kind;
  bool required;
  std::vector<std::string> allowed = {};  // kEnum only
};

struct RecordSchema {
  const char* stream;
  std::vector<FieldSpec> fields;
};

// The records kalshi-direct reads (field lists follow OpenAPI 3.28, see docs/kalshi-streams.md).
const RecordSchema& fillSchema();
const RecordSchema& orderSchema();
const RecordSchema& settlementSchema();
const RecordSchema& marketPositionSchema();
const RecordSchema& balanceSchema();
const RecordSchema& cutoffSchema();
const RecordSchema& marketSchema();
const RecordSchema& eventSchema();
const RecordSchema& seriesSchema();

struct RejectedRecord {
  std::string raw;     // the record's JSON as received (minified)
  std::string reason;  // one line
};

struct ParsedPage {
  std::vector<Record> records;
  std::vector<RejectedRecord> rejected;
  std::string cursor;  // "" on the last page
};

class PageParser {
 public:
  // A list page {"<array_field>": [...], "cursor": "..."}. Returns false with `error` when the
  // body itself is unusable (not JSON, not an object, no array): exactly when looksComplete()
  // would, so it can serve as the client's validator and parse each page once.
  bool parseList(const std::string& body, const char* array_field, const RecordSchema& schema,
                 ParsedPage& out, std::string& error);
  // A single object, optionally nested under `wrapper` ({"market": {...}}). A record-level
  // problem is a page error here (there is nothing else to keep).
  bool parseObject(const std::string& body, const char* wrapper, const RecordSchema& schema,
                   Record& out, std::string& error);
  // Quick shape check for the client's validator: JSON object, and `array_field` present if given.
  bool looksComplete(const std::string& body, const char* array_field, std::string& error);

  // Converts one JSON object; returns false with `reason` if it violates the schema.
  static bool convert(simdjson::dom::object object, const RecordSchema& schema, Record& out,
                      std::string& reason);

  // The parser keeps the memory of the largest body it has parsed (about 9 bytes per byte of
  // JSON); after a body larger than this it lets that memory go, so one 4 MB positions page
  // does not cost ~36 MB for the rest of the run.
  static constexpr size_t kRetainedBodyBytes = 1u << 20;

 private:
  void releaseIfLarge(size_t body_size);

  simdjson::dom::parser parser_;
};

}  // namespace kalshi
}  // namespace kalshi_direct
