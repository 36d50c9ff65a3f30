// kalshi_ws: a Kalshi account live, over the exchange's WebSocket, with REST catch-ups so that
// nothing is lost or doubled whatever the connection does.
//
// What it does, in a loop until SIGTERM/SIGINT (then the runner's final commit):
//   1. Connect to the WebSocket (ws_url, else derived from base_url) with the same credentials as
//      REST, and subscribe to `fill`, `user_orders` and `market_positions`.
//   2. Catch up over REST from the committed watermark, exactly as a `sync` does (a resident
//      kalshi_live source with the same options and state keys): balance, positions, the orders,
//      fills and settlements since the watermark, with their markets. Messages arriving meanwhile
//      are kept and handed out after it: subscribing first leaves no moment uncovered.
//   3. Stream: every message becomes a record of the stream a REST page would give (fills,
//      orders; a changed position is `position_updates`), handed out within `wait` of arriving,
//      markets of new tickers first. The runner commits them on its interval.
//   4. Every `refresh` (default 5m) another REST catch-up while connected: balance, marks of the
//      open positions, and anything the stream may have missed.
//   Whenever the connection drops, goes silent for `heartbeat_timeout` (no frame, not even the
//   server's ping), a subscription's `seq` skips or the server answers an error, the connection
//   is replaced: reconnect after a backoff (exponential from reconnect_min to reconnect_max, with
//   jitter; reset once a catch-up completes), then step 2 again.
//
// Exactly once: fills upsert by id (the WebSocket's trade_id is REST's fill_id), orders by
// order_id, positions by (ticker, subaccount); a message also seen over REST is the same row. The
// watermark only moves with REST passes, never with a message: a message the exchange never sent
// (3.34 does not promise `seq` on these channels) is found by the next catch-up. A `seq` that
// repeats is dropped and counted (ws_duplicates).
//
// State (committed with the rows; scope shared with sync and backfill): the REST watermarks as
// kalshi_live keeps them, and live.connected ("1" while streaming after a complete catch-up, else
// "0"), live.last_message_at (the last data message, ISO 8601) and live.alive_at (the last frame
// of any kind, at most every few seconds), which the dashboard shows.
//
// Counters: ws_connects, ws_messages, ws_seq_gaps, ws_duplicates, ws_silent, ws_errors,
// catch_ups, and those of the REST client.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "kalshi/auth.h"
#include "kalshi_direct/plugin.h"
#include "kalshi_live_source.h"
#include "ws_connection.h"
#include "ws_messages.h"

namespace kalshi_direct {
namespace kalshi {

struct WsSourceConfig {
  LiveSourceConfig rest;  // the catch-ups' options (rest.resident is set by the source)
  std::string ws_url;     // empty: webSocketUrlFor(rest.client.base_url)
  std::vector<std::string> channels = {"fill", "user_orders", "market_positions"};
  int64_t refresh_ms = 5 * 60 * 1000;
  int64_t heartbeat_timeout_ms = 30000;
  int64_t reconnect_min_ms = 500;
  int64_t reconnect_max_ms = 30000;
  int64_t wait_ms = 100;  // longest read() waits for a message before returning an empty batch
};

class KalshiWsSource final : public Source {
 public:
  explicit KalshiWsSource(WsSourceConfig config) : config_(std::move(config)) {}
  ~KalshiWsSource() override;

  Status open(SourceContext& context) override;
  Status read(Batch& batch) override;
  StateMap checkpoint() const override;
  Status close() override;

 private:
  using Clock = std::chrono::steady_clock;

  Status connect();
  // Closes the connection (if any) and schedules the next attempt after the backoff.
  void disconnect(const std::string& why, bool quiet = false);
  // Receives frames for up to `timeout_ms` (the first one; then whatever is already there) into
  // buffer_; false: the connection is gone (disconnect() done).
  bool pump(int64_t timeout_ms);
  void handle(const std::string& text);
  // The leading run of buffer_ that shares one stream, as a batch of at most batchSize().
  Batch takeRun();
  void startCatchUp(const char* why);

  WsSourceConfig config_;
  SourceContext* context_ = nullptr;
  std::unique_ptr<KalshiLiveSource> rest_;
  AuthenticatorPtr auth_;
  std::unique_ptr<WsConnection> connection_;
  WsMessageReader reader_;
  ParseNotes noted_;  // reader_ notes already counted
  std::deque<WsMessage> buffer_;
  std::map<int64_t, int64_t> last_seq_;  // sid -> last seq seen
  bool catching_up_ = false;
  bool caught_up_ = false;    // a catch-up completed on the current connection
  bool resubscribe_ = false;  // replace the connection once what came before is handed out
  std::string resubscribe_why_;
  int attempts_ = 0;  // connection attempts since the last complete catch-up
  Clock::time_point next_connect_{};
  Clock::time_point next_refresh_{};
  Clock::time_point alive_noted_{};
  bool outage_logged_ = false;
  int64_t last_message_us_ = 0;
  int64_t alive_us_ = 0;
  std::mt19937_64 jitter_{std::random_device{}()};
};

}  // namespace kalshi
}  // namespace kalshi_direct
