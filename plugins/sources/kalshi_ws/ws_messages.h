// What Kalshi's WebSocket sends on the private channels, read into the records the REST pages
// give (api_parser.h): one owner for what a fill, an order or a position is.
//
// Envelope: {"type", "id"?, "sid"?, "seq"?, "sending_ts_ms"?, "msg": {...}}.
//   fill             (channel `fill`)             -> stream `fills`
//   user_order       (channel `user_orders`)      -> stream `orders`
//   market_position  (channel `market_positions`) -> stream `position_updates` (one position that
//                                                    changed; `positions` is the whole set)
//   subscribed / unsubscribed / ok / error         -> replies to commands
// A message's `msg` is renamed into the REST shape and converted by the same RecordSchema as a
// REST page, so it is validated and defaulted exactly alike (a WS fill without `fee_cost` gets
// 0, a price with 4 decimals is exact):
//   fill:             trade_id -> fill_id (kept as trade_id too; the REST fill_id is the same
//                     id), market_ticker -> ticker, subaccount -> subaccount_number,
//                     ts_ms (else ts) -> created_time
//   user_order:       subaccount -> subaccount_number when only that is sent
//   market_position:  market_ticker -> ticker, subaccount -> subaccount_number,
//                     position_cost_dollars -> market_exposure_dollars,
//                     sending_ts_ms -> last_updated_ts
// Fields the REST shape has and the message lacks stay null (orders: type, last_update_time,
// expiration_time); the next REST catch-up fills them in again.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <optional>
#include <string>

#include "kalshi/api_parser.h"
#include "kalshi_direct/record.h"

namespace kalshi_direct {
namespace kalshi {

struct WsMessage {
  enum class Kind { kData, kSubscribed, kUnsubscribed, kOk, kError, kOther };
  Kind kind = Kind::kOther;
  std::string type;            // as sent
  std::optional<int64_t> id;   // the command a reply answers
  std::optional<int64_t> sid;  // the subscription
  std::optional<int64_t> seq;  // per subscription, when sent (3.34 does not promise it)
  std::optional<int64_t> sending_ts_ms;
  std::string channel;  // subscribed: the channel
  std::string error;    // error: "code N: message"
  std::string stream;   // data: fills | orders | position_updates
  Record record;        // data
};

class WsMessageReader {
 public:
  // Reads one text frame. false with `reason` (one line) when it is not an interpretable message:
  // not JSON, no type, or a data message whose record cannot be interpreted (then `out.stream`
  // is set, so the caller can dead-letter it under its stream).
  bool read(const std::string& text, WsMessage& out, std::string& reason);
  // What the messages read so far needed beyond the published schema.
  ParseNotes& notes() { return notes_; }

 private:
  simdjson::dom::parser parser_;
  simdjson::dom::parser rest_parser_;
  ParseNotes notes_;
};

}  // namespace kalshi
}  // namespace kalshi_direct
