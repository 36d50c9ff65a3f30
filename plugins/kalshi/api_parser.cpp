#include "kalshi/api_parser.h"

#include <algorithm>

namespace kalshi_direct {
namespace kalshi {

namespace {

constexpr size_t kMaxStringLength = 1024;
// Bounds that no real account reaches: a record beyond them is corrupt, not rich.
const Decimal kMaxMoney = Decimal::fromInt(1000000000000);  // $1e12
const Decimal kMaxCount = Decimal::fromInt(10000000000);    // 1e10 contracts

const std::vector<std::string> kSides = {"yes", "no"};
const std::vector<std::string> kBookSides = {"bid", "ask"};
const std::vector<std::string> kActions = {"buy", "sell"};

// Replaces each byte that is not part of a valid UTF-8 sequence with U+FFFD.
std::string sanitizeUtf8(const std::string& text) {
  std::string out;
  out.reserve(text.size() + 16);
  size_t i = 0;
  while (i < text.size()) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    size_t length = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
    if (length > 0 && i + length <= text.size() && simdjson::validate_utf8(text.data() + i, length)) {
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

bool convertField(const FieldSpec& spec, simdjson::dom::element element, Value& out,
                  std::string& reason) {
  const std::string name = spec.name;
  auto expectString = [&](std::string_view& text) {
    if (element.get_string().get(text) != simdjson::SUCCESS) {
      reason = "field '" + name + "' must be a string";
      return false;
    }
    if (text.size() > kMaxStringLength) {
      reason = "field '" + name + "' is " + std::to_string(text.size()) + " characters long";
      return false;
    }
    return true;
  };
  std::string_view text;
  switch (spec.kind) {
    case FieldKind::kString:
      if (!expectString(text)) return false;
      out = Value(std::string(text));
      return true;
    case FieldKind::kEnum:
      if (!expectString(text)) return false;
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
      const bool is_count = spec.kind == FieldKind::kCount || spec.kind == FieldKind::kSignedCount;
      Decimal value;
      std::string error;
      if (!Decimal::parse(text, value, &error) || value.scale() > (is_count ? 2 : 6)) {
        reason = "field '" + name + "' is not a " + (is_count ? "count" : "dollar amount") + ": " +
                 quoted(text);
        return false;
      }
      const bool signed_ok = spec.kind == FieldKind::kSignedMoney || spec.kind == FieldKind::kSignedCount;
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

}  // namespace

bool PageParser::convert(simdjson::dom::object object, const RecordSchema& schema, Record& out,
                         std::string& reason) {
  out = Record();
  out.reserve(schema.fields.size());
  for (const FieldSpec& spec : schema.fields) {
    simdjson::dom::element element;
    const auto found = object.at_key(spec.name).get(element);
    if (found != simdjson::SUCCESS || element.is_null()) {
      if (spec.required) {
        reason = found != simdjson::SUCCESS ? "missing required field '" + std::string(spec.name) + "'"
                                            : "required field '" + std::string(spec.name) + "' is null";
        return false;
      }
      out.append(spec.name, Value());
      continue;
    }
    Value value;
    if (!convertField(spec, element, value, reason)) return false;
    out.append(spec.name, std::move(value));
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

bool PageParser::looksComplete(const std::string& body, const char* array_field, std::string& error) {
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
  if (root["cursor"].get_string().get(cursor) == simdjson::SUCCESS) out.cursor = std::string(cursor);
  out.records.reserve(items.size());
  for (simdjson::dom::element item : items) {
    simdjson::dom::object object;
    std::string reason;
    Record record;
    if (item.get_object().get(object) != simdjson::SUCCESS) {
      reason = "not a JSON object";
    } else if (had_bad_bytes && simdjson::minify(item).find(kReplacementCharacter) != std::string::npos) {
      reason = "contains bytes that are not UTF-8";
    } else if (convert(object, schema, record, reason)) {
      out.records.push_back(std::move(record));
      continue;
    }
    out.rejected.push_back(RejectedRecord{simdjson::minify(item), reason});
  }
  return true;
}

bool PageParser::parseObject(const std::string& body, const char* wrapper, const RecordSchema& schema,
                             Record& out, std::string& error) {
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

const RecordSchema& fillSchema() {
  static const RecordSchema schema{
      "fills",
      {{"fill_id", FieldKind::kString, true},
       {"trade_id", FieldKind::kString, false},
       {"order_id", FieldKind::kString, true},
       {"ticker", FieldKind::kString, true},
       {"outcome_side", FieldKind::kEnum, true, kSides},
       {"book_side", FieldKind::kEnum, true, kBookSides},
       {"side", FieldKind::kEnum, false, kSides},
       {"action", FieldKind::kEnum, false, kActions},
       {"count_fp", FieldKind::kCount, true},
       {"yes_price_dollars", FieldKind::kPrice, true},
       {"no_price_dollars", FieldKind::kPrice, true},
       {"is_taker", FieldKind::kBool, true},
       {"fee_cost", FieldKind::kMoney, true},
       {"created_time", FieldKind::kTimestamp, false},
       {"ts", FieldKind::kInt, false},
       {"subaccount_number", FieldKind::kInt, false}}};
  return schema;
}

const RecordSchema& orderSchema() {
  static const RecordSchema schema{
      "orders",
      {{"order_id", FieldKind::kString, true},
       {"user_id", FieldKind::kString, false},
       {"client_order_id", FieldKind::kString, false},
       {"ticker", FieldKind::kString, true},
       {"outcome_side", FieldKind::kEnum, true, kSides},
       {"book_side", FieldKind::kEnum, true, kBookSides},
       {"side", FieldKind::kEnum, false, kSides},
       {"action", FieldKind::kEnum, false, kActions},
       {"type", FieldKind::kEnum, false, {"limit", "market"}},
       {"status", FieldKind::kEnum, true, {"resting", "canceled", "executed"}},
       {"yes_price_dollars", FieldKind::kPrice, true},
       {"no_price_dollars", FieldKind::kPrice, true},
       {"initial_count_fp", FieldKind::kCount, true},
       {"fill_count_fp", FieldKind::kCount, true},
       {"remaining_count_fp", FieldKind::kCount, true},
       {"taker_fill_cost_dollars", FieldKind::kMoney, true},
       {"maker_fill_cost_dollars", FieldKind::kMoney, true},
       {"taker_fees_dollars", FieldKind::kMoney, true},
       {"maker_fees_dollars", FieldKind::kMoney, true},
       {"created_time", FieldKind::kTimestamp, false},
       {"last_update_time", FieldKind::kTimestamp, false},
       {"expiration_time", FieldKind::kTimestamp, false},
       {"subaccount_number", FieldKind::kInt, false}}};
  return schema;
}

const RecordSchema& settlementSchema() {
  static const RecordSchema schema{
      "settlements",
      {{"ticker", FieldKind::kString, true},
       {"event_ticker", FieldKind::kString, true},
       {"market_result", FieldKind::kEnum, true, {"yes", "no", "scalar"}},
       {"yes_count_fp", FieldKind::kCount, true},
       {"no_count_fp", FieldKind::kCount, true},
       {"yes_total_cost_dollars", FieldKind::kMoney, true},
       {"no_total_cost_dollars", FieldKind::kMoney, true},
       {"revenue", FieldKind::kInt, true},
       {"value", FieldKind::kInt, false},
       {"fee_cost", FieldKind::kMoney, true},
       {"settled_time", FieldKind::kTimestamp, true}}};
  return schema;
}

const RecordSchema& marketPositionSchema() {
  static const RecordSchema schema{
      "positions",
      {{"ticker", FieldKind::kString, true},
       {"position_fp", FieldKind::kSignedCount, true},
       {"total_traded_dollars", FieldKind::kMoney, true},
       {"market_exposure_dollars", FieldKind::kSignedMoney, true},
       {"realized_pnl_dollars", FieldKind::kSignedMoney, true},
       {"fees_paid_dollars", FieldKind::kMoney, true},
       {"last_updated_ts", FieldKind::kTimestamp, false}}};
  return schema;
}

const RecordSchema& balanceSchema() {
  static const RecordSchema schema{"balance",
                                   {{"balance", FieldKind::kInt, true},
                                    {"balance_dollars", FieldKind::kSignedMoney, false},
                                    {"portfolio_value", FieldKind::kInt, true},
                                    {"updated_ts", FieldKind::kInt, false}}};
  return schema;
}

const RecordSchema& cutoffSchema() {
  static const RecordSchema schema{"cutoff",
                                   {{"market_settled_ts", FieldKind::kTimestamp, true},
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
       {"market_type", FieldKind::kEnum, false, {"binary", "scalar"}},
       {"status", FieldKind::kEnum, true,
        {"initialized", "inactive", "active", "closed", "determined", "disputed", "amended", "finalized"}},
       {"result", FieldKind::kEnum, false, {"yes", "no", "scalar", ""}},
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
                                    {"category", FieldKind::kString, true},
                                    {"frequency", FieldKind::kString, false}}};
  return schema;
}

}  // namespace kalshi
}  // namespace kalshi_direct
