// Turns Kalshi API responses into records, exactly, and taking real data as it comes.
//
// Each endpoint's records are described by a RecordSchema: the API's own field names (so YAML
// written from Kalshi's docs works), a type per field, which fields a record cannot do without.
// Parsing is exact: `*_dollars` strings become Decimals, `*_fp` counts Decimals, RFC 3339 strings
// Timestamps; never a double.
//
// Real responses are messier than the published schema (../docs/tables.md, "What the parser
// accepts"), so:
//   - an absent key, `null`, `""` and the zero time "0001-01-01T00:00:00Z" all mean "absent";
//   - money and counts may have any number of decimals ("0.73", "0.7300", "0.268000"); digits
//     beyond the API's precision (6 for dollars, 2 for counts) that are not zero are rounded half
//     to even and counted (ParseNotes::rounded_values);
//   - fields the schema calls required but a record can do without get a documented default
//     (fees and costs 0, exchange_index and subaccount_number 0) or are derived from the legacy
//     fields (the direction from action + side, see direction.h; count_fp from `count`; a price
//     from the other side's price or from integer cents);
//   - ids are opaque strings, never checked as UUIDs.
// A record is rejected (with its raw JSON and a one-line reason a person can act on; the rest of
// the page is kept) only when it cannot be interpreted: no id, no ticker, no count, no direction in
// either vocabulary, or a value that is present but wrong (wrong JSON type, unparseable or absurd
// number such as a price outside 0..1 or a negative count, an enum value the API does not define,
// an over-long string). Optional fields that are absent become null, so every record of a stream
// has the same fields in the same order.
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
  kString,       // JSON string
  kEnum,         // JSON string from `allowed`
  kPrice,        // dollars string, 0 <= p <= 1 (yes/no prices)
  kMoney,        // dollars string, >= 0
  kSignedMoney,  // dollars string, may be negative (realized P&L)
  kCount,        // *_fp string, >= 0, at most 2 fractional digits
  kSignedCount,  // *_fp string, may be negative (position_fp: negative = NO contracts)
  kInt,          // JSON integer
  kBool,         // JSON true/false
  kTimestamp,    // RFC 3339 string
};

struct FieldSpec {
  const char* name;
  FieldKind kind;
  bool required;                          // after defaults and derivation: reject when absent
  std::vector<std::string> allowed = {};  // kEnum only
  const char* absent_default = nullptr;   // text parsed as `kind` when absent ("0")
};

// What a page's records needed beyond the published schema (counted in the run summary).
struct ParseNotes {
  uint64_t legacy_direction = 0;     // direction derived from action + side
  uint64_t direction_conflicts = 0;  // both vocabularies present, disagreeing (current pair won)
  uint64_t rounded_values = 0;       // money/counts with non-zero digits beyond the API's precision
  ParseNotes& operator+=(const ParseNotes& other) {
    legacy_direction += other.legacy_direction;
    direction_conflicts += other.direction_conflicts;
    rounded_values += other.rounded_values;
    return *this;
  }
};

struct RecordSchema {
  const char* stream;
  std::vector<FieldSpec> fields;
  // Derives what the record lacks from the raw object (legacy fields) after the fields are
  // converted and before `required` is checked; false with `reason` to reject the record.
  bool (*interpret)(simdjson::dom::object raw, Record& record, std::string& reason,
                    ParseNotes& notes) = nullptr;
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
const RecordSchema& depositSchema();  // also withdrawals: the same fields
const RecordSchema& subaccountTransferSchema();
const RecordSchema& subaccountBalanceSchema();

// A parsed record's subaccount: subaccount_number, 0 (the primary account) when the API left it
// out (every record before subaccounts existed).
inline Value subaccountOf(const Record& record) {
  const int64_t* number = record.get("subaccount_number").ifInt();
  return Value(number ? *number : int64_t{0});
}

struct RejectedRecord {
  std::string raw;     // the record's JSON as received (minified)
  std::string reason;  // one line
};

struct ParsedPage {
  std::vector<Record> records;
  std::vector<RejectedRecord> rejected;
  std::string cursor;  // "" on the last page (also when the body has no cursor at all)
  ParseNotes notes;
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

  // Converts one JSON object; returns false with `reason` if it cannot be interpreted.
  static bool convert(simdjson::dom::object object, const RecordSchema& schema, Record& out,
                      std::string& reason, ParseNotes& notes);
  static bool convert(simdjson::dom::object object, const RecordSchema& schema, Record& out,
                      std::string& reason) {
    ParseNotes notes;
    return convert(object, schema, out, reason, notes);
  }

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
