#include "kalshi/api_parser.h"

#include <algorithm>

#include "kalshi/direction.h"

namespace kalshi_direct {
namespace kalshi {

namespace {

constexpr size_t kMaxStringLength = 1024;
// Bounds that no real account reaches: a record beyond them is corrupt, not rich.
const Decimal kMaxMoney = Decimal::fromInt(1000000000000);  // $1e12
const Decimal kMaxCount = Decimal::fromInt(10000000000);    // 1e10 contracts

const std::vector<std::string> kSides = {"yes", "no"};
const std::vector<std::string> kBookSides = {"bid", "ask"};

// Replaces each byte that is not part of a valid UTF-8 sequence with U+FFFD.
std::string sanitizeUtf8(const std::string& text) {
  std::string out;
  out.reserve(text.size() + 16);
  size_t i = 0;
  while (i < text.size()) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    size_t length = c < 0x80             ? 1
                    : (c & 0xE0) == 0xC0 ? 2
                    : (c & 0xF0) == 0xE0 ? 3
                    : (c & 0xF8) == 0xF0 ? 4
                                         : 0;
    if (length > 0 && i + length <= text.size() &&
        simdjson::validate_utf8(text.data() + i, length)) {
      out.append(text, i, length);
      i += length;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  return out;
}

constexpr std::string_view kReplacementCharacter = "\xEF\xBF\xBD";

std::string quoted(std::string_view text) {
  std::string out(text.substr(0, 64));
  if (text.size() > 64) out += "...";
  return "'" + out + "'";
}

// The zero time Go services send for "no time" (seen on markets).
bool isZeroTime(std::string_view text) { return text.rfind("0001-01-01T00:00:00", 0) == 0; }

// Converts one present, non-null element. `absent` is set (and true returned) for "" and the
// zero time, which real responses use for "no value".
bool convertField(const FieldSpec& spec, simdjson::dom::element element, Value& out, bool& absent,
                  std::string& reason, ParseNotes& notes) {
  const std::string name = spec.name;
  absent = false;
  auto expectString = [&](std::string_view& text) {
    if (element.get_string().get(text) != simdjson::SUCCESS) {
      reason = "field '" + name + "' must be a string";
      return false;
    }
    if (text.size() > kMaxStringLength) {
      reason = "field '" + name + "' is " + std::to_string(text.size()) + " characters long";
      return false;
    }
    absent = text.empty();
    return true;
  };
  std::string_view text;
  switch (spec.kind) {
    case FieldKind::kString:
      if (!expectString(text)) return false;
      if (!absent) out = Value(std::string(text));
      return true;
    case FieldKind::kEnum:
      if (!expectString(text)) return false;
      if (absent) return true;
      if (std::find(spec.allowed.begin(), spec.allowed.end(), text) == spec.allowed.end()) {
        reason = "field '" + name + "' has unknown value " + quoted(text);
        return false;
      }
      out = Value(std::string(text));
      return true;
    case FieldKind::kPrice:
    case FieldKind::kMoney:
    case FieldKind::kSignedMoney:
    case FieldKind::kCount:
    case FieldKind::kSignedCount: {
      if (!expectString(text)) return false;
      if (absent) return true;
      const bool is_count = spec.kind == FieldKind::kCount || spec.kind == FieldKind::kSignedCount;
      const int precision = is_count ? 2 : 6;
      Decimal value;
      std::string error;
      if (!Decimal::parse(text, value, &error)) {
        reason = "field '" + name + "' is not a " + (is_count ? "count" : "dollar amount") + ": " +
                 quoted(text);
        return false;
      }
      if (value.scale() > precision) {
        // Any number of decimals is fine; trailing zeros are dropped exactly. Non-zero digits
        // beyond the API's precision do not exist on Kalshi: round them, and count it.
        Decimal exact;
        if (value.tryRescale(precision, exact)) {
          value = exact;
        } else {
          value = value.rescaled(precision, Rounding::kHalfEven);
          ++notes.rounded_values;
        }
      }
      const bool signed_ok =
          spec.kind == FieldKind::kSignedMoney || spec.kind == FieldKind::kSignedCount;
      const Decimal limit = is_count ? kMaxCount : kMaxMoney;
      if ((!signed_ok && value.sign() < 0) || value > limit || value < -limit ||
          (spec.kind == FieldKind::kPrice && value > Decimal::fromInt(1))) {
        reason = "field '" + name + "' is out of range: " + quoted(text);
        return false;
      }
      out = Value(value);
      return true;
    }
    case FieldKind::kInt: {
      int64_t value;
      if (element.get_int64().get(value) != simdjson::SUCCESS) {
        reason = "field '" + name + "' must be an integer";
        return false;
      }
      out = Value(value);
      return true;
    }
    case FieldKind::kBool: {
      bool value;
      if (element.get_bool().get(value) != simdjson::SUCCESS) {
        reason = "field '" + name + "' must be true or false";
        return false;
      }
      out = Value(value);
      return true;
    }
    case FieldKind::kTimestamp: {
      if (!expectString(text)) return false;
      if (absent) return true;
      if (isZeroTime(text)) {
        absent = true;
        return true;
      }
      Timestamp value;
      if (!Timestamp::parse(text, value)) {
        reason = "field '" + name + "' is not an RFC 3339 time: " + quoted(text);
        return false;
      }
      out = Value(value);
      return true;
    }
  }
  return false;
}

// The value `spec.absent_default` stands for.
Value defaultValue(const FieldSpec& spec) {
  if (!spec.absent_default) return Value();
  if (spec.kind == FieldKind::kInt)
    return Value(static_cast<int64_t>(std::stoll(spec.absent_default)));
  if (spec.kind == FieldKind::kBool) return Value(std::string_view(spec.absent_default) == "true");
  if (spec.kind == FieldKind::kString || spec.kind == FieldKind::kEnum)
    return Value(spec.absent_default);
  Decimal value;
  Decimal::parse(spec.absent_default, value);
  return Value(value);
}

// A raw string member of `raw` ("" when absent, null or not a string).
std::string_view rawString(simdjson::dom::object raw, const char* key) {
  std::string_view text;
  if (raw.at_key(key).get_string().get(text) != simdjson::SUCCESS) return {};
  return text;
}

// A raw integer member (legacy integer fields such as `count` or `yes_price` in cents).
bool rawInt(simdjson::dom::object raw, const char* key, int64_t& out) {
  return raw.at_key(key).get_int64().get(out) == simdjson::SUCCESS;
}

bool isNull(const Record& record, const char* name) { return record.get(name).isNull(); }

// Fills in the direction fields of a fill or order from either vocabulary (direction.h).
bool interpretDirection(simdjson::dom::object raw, Record& record, std::string& reason,
                        ParseNotes& notes) {
  Direction direction;
  if (!resolveDirection(rawString(raw, "outcome_side"), rawString(raw, "book_side"),
                        rawString(raw, "action"), rawString(raw, "side"), direction, reason)) {
    return false;
  }
  notes.legacy_direction += direction.from_legacy ? 1 : 0;
  notes.direction_conflicts += direction.conflict ? 1 : 0;
  record.set("outcome_side", Value(direction.outcome_side));
  record.set("book_side", Value(direction.book_side));
  // The legacy pair only when it agrees with the direction: it then says how the trader named it.
  record.set("action", direction.action.empty() ? Value() : Value(direction.action));
  record.set("side", direction.side.empty() ? Value() : Value(direction.side));
  return true;
}

// Yes and no prices add up to $1: either one gives the other; legacy integer cents give both.
bool interpretPrices(simdjson::dom::object raw, Record& record, std::string& reason) {
  const Decimal one = Decimal::fromInt(1);
  for (const char* side : {"yes", "no"}) {
    const std::string dollars = std::string(side) + "_price_dollars";
    if (!isNull(record, dollars.c_str())) continue;
    int64_t cents = 0;
    if (rawInt(raw, (std::string(side) + "_price").c_str(), cents) && cents >= 0 && cents <= 100) {
      record.set(dollars, Value(Decimal(cents, 2).rescaled(4)));
    }
  }
  const Value& yes = record.get("yes_price_dollars");
  const Value& no = record.get("no_price_dollars");
  if (yes.isNull() && no.isNull()) {
    reason =
        "no price: neither yes_price_dollars nor no_price_dollars (nor legacy yes_price/no_price "
        "cents)";
    return false;
  }
  if (yes.isNull()) record.set("yes_price_dollars", Value(one - no.asDecimal()));
  if (no.isNull()) record.set("no_price_dollars", Value(one - yes.asDecimal()));
  return true;
}

// A legacy integer count (`count`, whole contracts) for an absent `*_fp` field.
void legacyCount(simdjson::dom::object raw, Record& record, const char* field, const char* legacy) {
  int64_t count = 0;
  if (isNull(record, field) && rawInt(raw, legacy, count) && count >= 0) {
    record.set(field, Value(Decimal(count, 0).rescaled(2)));
  }
}

bool interpretFill(simdjson::dom::object raw, Record& record, std::string& reason,
                   ParseNotes& notes) {
  // fill_id == trade_id on Kalshi; ticker == market_ticker.
  if (isNull(record, "fill_id") && !isNull(record, "trade_id"))
    record.set("fill_id", record.get("trade_id"));
  if (isNull(record, "ticker")) {
    if (std::string_view market = rawString(raw, "market_ticker"); !market.empty()) {
      record.set("ticker", Value(std::string(market)));
    }
  }
  if (isNull(record, "fill_id")) {
    reason = "no id: neither fill_id nor trade_id";
    return false;
  }
  legacyCount(raw, record, "count_fp", "count");
  if (isNull(record, "count_fp")) {
    reason =
        "missing required field 'count_fp' (no count in either vocabulary: count_fp or legacy "
        "count)";
    return false;
  }
  return interpretDirection(raw, record, reason, notes) && interpretPrices(raw, record, reason);
}

bool interpretOrder(simdjson::dom::object raw, Record& record, std::string& reason,
                    ParseNotes& notes) {
  if (isNull(record, "order_id")) {
    reason = "no id: order_id is absent";
    return false;
  }
  legacyCount(raw, record, "initial_count_fp", "count");
  legacyCount(raw, record, "remaining_count_fp", "remaining_count");
  legacyCount(raw, record, "fill_count_fp", "fill_count");
  const Value& initial = record.get("initial_count_fp");
  const Value& filled = record.get("fill_count_fp");
  const Value& remaining = record.get("remaining_count_fp");
  // Any two of initial = filled + remaining give the third.
  if (initial.isNull() && !filled.isNull() && !remaining.isNull()) {
    record.set("initial_count_fp", Value(filled.asDecimal() + remaining.asDecimal()));
  } else if (filled.isNull() && !initial.isNull() && !remaining.isNull() &&
             initial.asDecimal() >= remaining.asDecimal()) {
    record.set("fill_count_fp", Value(initial.asDecimal() - remaining.asDecimal()));
  } else if (remaining.isNull() && !initial.isNull() && !filled.isNull() &&
             initial.asDecimal() >= filled.asDecimal()) {
    record.set("remaining_count_fp", Value(initial.asDecimal() - filled.asDecimal()));
  }
  if (isNull(record, "initial_count_fp")) {
    reason =
        "missing required field 'initial_count_fp' (no count in either vocabulary: "
        "initial_count_fp, "
        "fill_count_fp + remaining_count_fp, or legacy count)";
    return false;
  }
  if (isNull(record, "fill_count_fp")) record.set("fill_count_fp", Value(Decimal(0, 2)));
  if (isNull(record, "remaining_count_fp")) record.set("remaining_count_fp", Value(Decimal(0, 2)));
  if (isNull(record, "status")) {
    // An order with contracts left to fill is resting; one filled in full executed; else canceled.
    const Decimal& filled_count = record.get("fill_count_fp").asDecimal();
    const char* status =
        record.get("remaining_count_fp").asDecimal().sign() > 0 ? "resting"
        : filled_count.sign() > 0 && filled_count == record.get("initial_count_fp").asDecimal()
            ? "executed"
            : "canceled";
    record.set("status", Value(status));
  }
  return interpretDirection(raw, record, reason, notes) && interpretPrices(raw, record, reason);
}

bool interpretBalance(simdjson::dom::object, Record& record, std::string& reason, ParseNotes&) {
  // balance_dollars is exact; the integer cents truncate sub-cent amounts. Either will do.
  if (isNull(record, "balance") && isNull(record, "balance_dollars")) {
    reason = "no balance: neither balance nor balance_dollars";
    return false;
  }
  if (isNull(record, "balance")) {
    record.set("balance",
               Value(record.get("balance_dollars").asDecimal().toUnits(2, Rounding::kTowardZero)));
  }
  return true;
}

bool interpretSeries(simdjson::dom::object raw, Record& record, std::string&, ParseNotes&) {
  // 3.34 adds `categories`; `category` stays the primary one. Either names it.
  if (isNull(record, "category")) {
    simdjson::dom::array categories;
    std::string_view first;
    if (raw.at_key("categories").get_array().get(categories) == simdjson::SUCCESS &&
        categories.size() > 0 && categories.at(0).get_string().get(first) == simdjson::SUCCESS &&
        !first.empty()) {
      record.set("category", Value(std::string(first)));
    }
  }
  return true;
}

}  // namespace

bool PageParser::convert(simdjson::dom::object object, const RecordSchema& schema, Record& out,
                         std::string& reason, ParseNotes& notes) {
  out = Record();
  out.reserve(schema.fields.size());
  for (const FieldSpec& spec : schema.fields) {
    simdjson::dom::element element;
    Value value;
    bool absent = true;
    if (object.at_key(spec.name).get(element) == simdjson::SUCCESS && !element.is_null()) {
      if (!convertField(spec, element, value, absent, reason, notes)) return false;
    }
    out.append(spec.name, absent ? defaultValue(spec) : std::move(value));
  }
  if (schema.interpret && !schema.interpret(object, out, reason, notes)) return false;
  for (const FieldSpec& spec : schema.fields) {
    if (spec.required && out.get(spec.name).isNull()) {
      reason = "missing required field '" + std::string(spec.name) + "'";
      return false;
    }
  }
  return true;
}

void PageParser::releaseIfLarge(size_t body_size) {
  if (body_size > kRetainedBodyBytes) parser_ = simdjson::dom::parser();
}

namespace {
// Calls `release` when the scope ends, whichever return it ends by.
template <typename Release>
struct AtExit {
  Release release;
  ~AtExit() { release(); }
};
template <typename Release>
AtExit(Release) -> AtExit<Release>;
}  // namespace

bool PageParser::looksComplete(const std::string& body, const char* array_field,
                               std::string& error) {
  AtExit release{[&] { releaseIfLarge(body.size()); }};
  simdjson::dom::element root;
  auto code = parser_.parse(body).get(root);
  std::string sanitized;
  if (code == simdjson::UTF8_ERROR) {
    // Bytes that are not UTF-8 inside a record are that record's problem (parseList rejects it),
    // not a reason to fetch the page again.
    sanitized = sanitizeUtf8(body);
    code = parser_.parse(sanitized).get(root);
  }
  if (code != simdjson::SUCCESS) {
    error = std::string("not valid JSON (") + simdjson::error_message(code) + ")";
    return false;
  }
  if (!root.is_object()) {
    error = "not a JSON object";
    return false;
  }
  if (array_field) {
    simdjson::dom::array array;
    if (root[array_field].get_array().get(array) != simdjson::SUCCESS) {
      error = std::string("no '") + array_field + "' array";
      return false;
    }
  }
  return true;
}

bool PageParser::parseList(const std::string& body, const char* array_field,
                           const RecordSchema& schema, ParsedPage& out, std::string& error) {
  out = ParsedPage();
  AtExit release{[&] { releaseIfLarge(body.size()); }};
  simdjson::dom::element root;
  auto code = parser_.parse(body).get(root);
  std::string sanitized;
  const bool had_bad_bytes = code == simdjson::UTF8_ERROR;
  if (had_bad_bytes) {
    // One record with bytes that are not UTF-8 must not cost the whole page: mark the bad bytes,
    // parse again, and reject the records that carry a mark.
    sanitized = sanitizeUtf8(body);
    code = parser_.parse(sanitized).get(root);
  }
  if (code != simdjson::SUCCESS) {
    error = std::string("not valid JSON (") + simdjson::error_message(code) + ")";
    return false;
  }
  simdjson::dom::array items;
  if (root[array_field].get_array().get(items) != simdjson::SUCCESS) {
    error = std::string("no '") + array_field + "' array in the response";
    return false;
  }
  std::string_view cursor;
  if (root["cursor"].get_string().get(cursor) == simdjson::SUCCESS)
    out.cursor = std::string(cursor);
  out.records.reserve(items.size());
  for (simdjson::dom::element item : items) {
    simdjson::dom::object object;
    std::string reason;
    Record record;
    if (item.get_object().get(object) != simdjson::SUCCESS) {
      reason = "not a JSON object";
    } else if (had_bad_bytes &&
               simdjson::minify(item).find(kReplacementCharacter) != std::string::npos) {
      reason = "contains bytes that are not UTF-8";
    } else if (convert(object, schema, record, reason, out.notes)) {
      out.records.push_back(std::move(record));
      continue;
    }
    out.rejected.push_back(RejectedRecord{simdjson::minify(item), reason});
  }
  return true;
}

bool PageParser::parseObject(const std::string& body, const char* wrapper,
                             const RecordSchema& schema, Record& out, std::string& error) {
  AtExit release{[&] { releaseIfLarge(body.size()); }};
  simdjson::dom::element root;
  const auto code = parser_.parse(body).get(root);
  if (code != simdjson::SUCCESS) {
    error = std::string("not valid JSON (") + simdjson::error_message(code) + ")";
    return false;
  }
  simdjson::dom::element target = root;
  if (wrapper && root[wrapper].get(target) != simdjson::SUCCESS) {
    error = std::string("no '") + wrapper + "' object in the response";
    return false;
  }
  simdjson::dom::object object;
  if (target.get_object().get(object) != simdjson::SUCCESS) {
    error = "not a JSON object";
    return false;
  }
  return convert(object, schema, out, error);
}

// Field lists follow OpenAPI 3.34 (../shared/reference); `required` marks what a record cannot
// do without after its interpret step, which is less than the schema claims (see the header).
const RecordSchema& fillSchema() {
  static const RecordSchema schema{"fills",
                                   {{"fill_id", FieldKind::kString, false},
                                    {"trade_id", FieldKind::kString, false},
                                    {"order_id", FieldKind::kString, false},
                                    {"ticker", FieldKind::kString, true},
                                    {"outcome_side", FieldKind::kEnum, false, kSides},
                                    {"book_side", FieldKind::kEnum, false, kBookSides},
                                    {"side", FieldKind::kString, false},
                                    {"action", FieldKind::kString, false},
                                    {"count_fp", FieldKind::kCount, false},
                                    {"yes_price_dollars", FieldKind::kPrice, false},
                                    {"no_price_dollars", FieldKind::kPrice, false},
                                    {"is_taker", FieldKind::kBool, false},
                                    {"fee_cost", FieldKind::kMoney, false, {}, "0"},
                                    {"created_time", FieldKind::kTimestamp, false},
                                    {"ts", FieldKind::kInt, false},
                                    {"subaccount_number", FieldKind::kInt, false, {}, "0"},
                                    {"exchange_index", FieldKind::kInt, false, {}, "0"},
                                    // WebSocket fills carry it (REST ones do not): the
                                    // categorizer needs no order lookup for them.
                                    {"client_order_id", FieldKind::kString, false}},
                                   interpretFill};
  return schema;
}

const RecordSchema& orderSchema() {
  static const RecordSchema schema{
      "orders",
      {{"order_id", FieldKind::kString, false},
       {"user_id", FieldKind::kString, false},
       {"client_order_id", FieldKind::kString, false},
       {"ticker", FieldKind::kString, true},
       {"outcome_side", FieldKind::kEnum, false, kSides},
       {"book_side", FieldKind::kEnum, false, kBookSides},
       {"side", FieldKind::kString, false},
       {"action", FieldKind::kString, false},
       {"type", FieldKind::kString, false},
       {"status", FieldKind::kString, false},  // resting | canceled | executed (kept as sent)
       {"yes_price_dollars", FieldKind::kPrice, false},
       {"no_price_dollars", FieldKind::kPrice, false},
       {"initial_count_fp", FieldKind::kCount, false},
       {"fill_count_fp", FieldKind::kCount, false},
       {"remaining_count_fp", FieldKind::kCount, false},
       {"taker_fill_cost_dollars", FieldKind::kMoney, false, {}, "0"},
       {"maker_fill_cost_dollars", FieldKind::kMoney, false, {}, "0"},
       {"taker_fees_dollars", FieldKind::kMoney, false, {}, "0"},
       {"maker_fees_dollars", FieldKind::kMoney, false, {}, "0"},
       {"created_time", FieldKind::kTimestamp, false},
       {"last_update_time", FieldKind::kTimestamp, false},
       {"expiration_time", FieldKind::kTimestamp, false},
       {"subaccount_number", FieldKind::kInt, false, {}, "0"},
       {"exchange_index", FieldKind::kInt, false, {}, "0"}},
      interpretOrder};
  return schema;
}

const RecordSchema& settlementSchema() {
  static const RecordSchema schema{
      "settlements",
      {{"ticker", FieldKind::kString, true},
       {"event_ticker", FieldKind::kString, false},
       {"market_result", FieldKind::kEnum, true, {"yes", "no", "scalar"}},
       {"yes_count_fp", FieldKind::kCount, false, {}, "0"},
       {"no_count_fp", FieldKind::kCount, false, {}, "0"},
       {"yes_total_cost_dollars", FieldKind::kMoney, false, {}, "0"},
       {"no_total_cost_dollars", FieldKind::kMoney, false, {}, "0"},
       {"revenue", FieldKind::kInt, true},
       {"value", FieldKind::kInt, false},
       {"fee_cost", FieldKind::kMoney, false, {}, "0"},
       {"settled_time", FieldKind::kTimestamp, false},
       {"subaccount_number", FieldKind::kInt, false, {}, "0"},
       {"exchange_index", FieldKind::kInt, false, {}, "0"}}};
  return schema;
}

const RecordSchema& marketPositionSchema() {
  static const RecordSchema schema{"positions",
                                   {{"ticker", FieldKind::kString, true},
                                    {"position_fp", FieldKind::kSignedCount, true},
                                    {"total_traded_dollars", FieldKind::kMoney, false},
                                    {"market_exposure_dollars", FieldKind::kSignedMoney, false},
                                    {"realized_pnl_dollars", FieldKind::kSignedMoney, false},
                                    {"fees_paid_dollars", FieldKind::kMoney, false},
                                    {"last_updated_ts", FieldKind::kTimestamp, false},
                                    {"subaccount_number", FieldKind::kInt, false, {}, "0"},
                                    {"exchange_index", FieldKind::kInt, false, {}, "0"}}};
  return schema;
}

const RecordSchema& balanceSchema() {
  static const RecordSchema schema{"balance",
                                   {{"balance", FieldKind::kInt, false},
                                    {"balance_dollars", FieldKind::kSignedMoney, false},
                                    {"portfolio_value", FieldKind::kInt, false},
                                    {"updated_ts", FieldKind::kInt, false}},
                                   interpretBalance};
  return schema;
}

const RecordSchema& cutoffSchema() {
  static const RecordSchema schema{
      "cutoff",
      {{"market_settled_ts", FieldKind::kTimestamp, false},
       {"trades_created_ts", FieldKind::kTimestamp, true},
       {"orders_updated_ts", FieldKind::kTimestamp, true},
       {"market_positions_last_updated_ts", FieldKind::kTimestamp, false}}};
  return schema;
}

const RecordSchema& marketSchema() {
  static const RecordSchema schema{
      "markets",
      {{"ticker", FieldKind::kString, true},
       {"event_ticker", FieldKind::kString, true},
       {"title", FieldKind::kString, false},
       {"market_type", FieldKind::kString, false},  // binary | scalar (display only: kept as sent)
       {"status", FieldKind::kString, false},       // initialized ... finalized (kept as sent)
       {"result", FieldKind::kEnum, false, {"yes", "no", "scalar"}},  // "" (undetermined) = absent
       {"yes_bid_dollars", FieldKind::kPrice, false},
       {"yes_ask_dollars", FieldKind::kPrice, false},
       {"last_price_dollars", FieldKind::kPrice, false},
       {"close_time", FieldKind::kTimestamp, false}}};
  return schema;
}

const RecordSchema& eventSchema() {
  static const RecordSchema schema{"events",
                                   {{"event_ticker", FieldKind::kString, true},
                                    {"series_ticker", FieldKind::kString, true},
                                    {"title", FieldKind::kString, false},
                                    {"category", FieldKind::kString, false}}};
  return schema;
}

const RecordSchema& seriesSchema() {
  static const RecordSchema schema{"series",
                                   {{"ticker", FieldKind::kString, true},
                                    {"title", FieldKind::kString, false},
                                    {"category", FieldKind::kString, false},
                                    {"frequency", FieldKind::kString, false}},
                                   interpretSeries};
  return schema;
}

const RecordSchema& depositSchema() {
  static const RecordSchema schema{
      "transfers",
      {{"id", FieldKind::kString, true},
       {"status", FieldKind::kString,
        true},                               // pending | applied | failed | returned (kept as sent)
       {"type", FieldKind::kString, false},  // ach | wire | crypto | debit | apm
       {"amount_cents", FieldKind::kInt, true},
       {"fee_cents", FieldKind::kInt, false, {}, "0"},
       {"created_ts", FieldKind::kInt, false},
       {"finalized_ts", FieldKind::kInt, false}}};
  return schema;
}

const RecordSchema& subaccountTransferSchema() {
  static const RecordSchema schema{"transfers",
                                   {{"transfer_id", FieldKind::kString, true},
                                    {"from_subaccount", FieldKind::kInt, true},
                                    {"to_subaccount", FieldKind::kInt, true},
                                    {"amount_cents", FieldKind::kInt, true},
                                    {"created_ts", FieldKind::kInt, false},
                                    {"exchange_index", FieldKind::kInt, false, {}, "0"}}};
  return schema;
}

const RecordSchema& subaccountBalanceSchema() {
  static const RecordSchema schema{"balance",
                                   {{"subaccount_number", FieldKind::kInt, false, {}, "0"},
                                    {"exchange_index", FieldKind::kInt, false, {}, "0"},
                                    {"balance", FieldKind::kSignedMoney, true},
                                    {"updated_ts", FieldKind::kInt, false}}};
  return schema;
}

}  // namespace kalshi
}  // namespace kalshi_direct
