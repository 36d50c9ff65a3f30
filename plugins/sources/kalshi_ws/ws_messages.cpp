#include "ws_messages.h"

#include <map>
#include <string_view>

#include "kalshi/json_object.h"
#include "kalshi_direct/timestamp.h"

namespace kalshi_direct {
namespace kalshi {

namespace {

std::optional<int64_t> intField(simdjson::dom::object object, const char* key) {
  int64_t value = 0;
  if (object[key].get(value) == simdjson::SUCCESS) return value;
  uint64_t unsigned_value = 0;
  if (object[key].get(unsigned_value) == simdjson::SUCCESS &&
      unsigned_value <= static_cast<uint64_t>(INT64_MAX))
    return static_cast<int64_t>(unsigned_value);
  return std::nullopt;
}

std::string stringField(simdjson::dom::object object, const char* key) {
  std::string_view value;
  return object[key].get(value) == simdjson::SUCCESS ? std::string(value) : std::string();
}

// The message's fields under REST names: `renames` maps a WS name to the REST one (the WS field
// is also kept under its own name); `added` adds fields the message does not have.
std::string restShaped(simdjson::dom::object msg,
                       const std::map<std::string_view, std::string_view>& renames,
                       const std::map<std::string, std::string>& added) {
  std::map<std::string, std::string> fields;  // name -> raw JSON
  for (auto field : msg) fields[std::string(field.key)] = simdjson::minify(field.value);
  for (const auto& [from, to] : renames) {
    auto it = fields.find(std::string(from));
    if (it != fields.end() && !fields.count(std::string(to))) fields[std::string(to)] = it->second;
  }
  for (const auto& [name, raw] : added) {
    if (!fields.count(name)) fields[name] = raw;
  }
  std::string out = "{";
  for (const auto& [name, raw] : fields) {
    if (out.size() > 1) out += ',';
    out += jsonText(name);
    out += ':';
    out += raw;
  }
  out += '}';
  return out;
}

std::string quotedTime(int64_t millis) {
  return jsonText(Timestamp::fromMicros(millis * 1000).toIso8601());
}

}  // namespace

bool WsMessageReader::read(const std::string& text, WsMessage& out, std::string& reason) {
  out = WsMessage();
  simdjson::dom::element root;
  if (parser_.parse(text).get(root) != simdjson::SUCCESS) {
    reason = "a WebSocket message that is not JSON";
    return false;
  }
  simdjson::dom::object envelope;
  if (root.get(envelope) != simdjson::SUCCESS) {
    reason = "a WebSocket message that is not a JSON object";
    return false;
  }
  out.type = stringField(envelope, "type");
  if (out.type.empty()) {
    reason = "a WebSocket message without a type";
    return false;
  }
  out.id = intField(envelope, "id");
  out.sid = intField(envelope, "sid");
  out.seq = intField(envelope, "seq");
  out.sending_ts_ms = intField(envelope, "sending_ts_ms");
  simdjson::dom::object msg;
  const bool has_msg = envelope["msg"].get(msg) == simdjson::SUCCESS;
  if (out.type == "subscribed") {
    out.kind = WsMessage::Kind::kSubscribed;
    if (has_msg) {
      out.channel = stringField(msg, "channel");
      if (!out.sid) out.sid = intField(msg, "sid");
    }
    return true;
  }
  if (out.type == "unsubscribed") {
    out.kind = WsMessage::Kind::kUnsubscribed;
    return true;
  }
  if (out.type == "ok") {
    out.kind = WsMessage::Kind::kOk;
    return true;
  }
  if (out.type == "error") {
    out.kind = WsMessage::Kind::kError;
    const auto code = has_msg ? intField(msg, "code") : std::nullopt;
    const std::string message = has_msg ? stringField(msg, "msg") : std::string();
    out.error = "code " + (code ? std::to_string(*code) : std::string("?")) +
                (message.empty() ? std::string() : ": " + message);
    return true;
  }
  const RecordSchema* schema = nullptr;
  std::string shaped;
  if (out.type == "fill") {
    out.stream = "fills";
    schema = &fillSchema();
  } else if (out.type == "user_order") {
    out.stream = "orders";
    schema = &orderSchema();
  } else if (out.type == "market_position") {
    out.stream = "position_updates";
    schema = &marketPositionSchema();
  } else {
    out.kind = WsMessage::Kind::kOther;  // a channel this reader does not take: ignored
    return true;
  }
  out.kind = WsMessage::Kind::kData;
  if (!has_msg) {
    reason = "a " + out.type + " message without msg";
    return false;
  }
  if (out.type == "fill") {
    std::map<std::string, std::string> added;
    if (auto ms = intField(msg, "ts_ms")) {
      added["created_time"] = quotedTime(*ms);
    } else if (auto seconds = intField(msg, "ts")) {
      added["created_time"] = quotedTime(*seconds * 1000);
    }
    shaped = restShaped(
        msg,
        {{"trade_id", "fill_id"}, {"market_ticker", "ticker"}, {"subaccount", "subaccount_number"}},
        added);
  } else if (out.type == "user_order") {
    shaped = restShaped(msg, {{"subaccount", "subaccount_number"}}, {});
  } else {
    std::map<std::string, std::string> added;
    if (out.sending_ts_ms) added["last_updated_ts"] = quotedTime(*out.sending_ts_ms);
    shaped = restShaped(msg,
                        {{"market_ticker", "ticker"},
                         {"subaccount", "subaccount_number"},
                         {"position_cost_dollars", "market_exposure_dollars"}},
                        added);
  }
  simdjson::dom::object object;
  if (rest_parser_.parse(shaped).get(object) != simdjson::SUCCESS) {
    reason = "a " + out.type + " message whose fields cannot be read";
    return false;
  }
  std::string why;
  if (!PageParser::convert(object, *schema, out.record, why, notes_)) {
    reason = out.type + ": " + why;
    return false;
  }
  return true;
}

}  // namespace kalshi
}  // namespace kalshi_direct
