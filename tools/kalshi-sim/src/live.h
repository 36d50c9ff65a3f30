// The simulator's live side (issue 18): Kalshi's WebSocket endpoint /trade-api/ws/v2 with the
// private channels `fill`, `user_orders` and `market_positions`, and a trader that makes new
// orders and fills at a steady rate (--trade-rate, POST /admin/trade-rate).
//
// What a connection sees, as ws-websocket-connection.md documents it:
//   -> {"id":1,"cmd":"subscribe","params":{"channels":["fill","user_orders"]}}
//   <- {"id":1,"type":"subscribed","msg":{"channel":"fill","sid":1}}   (one per channel)
//   <- {"type":"fill","sid":1,"seq":1,"sending_ts_ms":...,"msg":{...}}  (seq counts per sid)
//   -> {"id":2,"cmd":"unsubscribe","params":{"sids":[1]}}
//   <- {"id":2,"sid":1,"seq":5,"type":"unsubscribed"}
//   <- {"id":N,"type":"error","msg":{"code":C,"msg":"..."}}  (codes 1, 2, 3, 4, 5, 7, 8)
// and a ping frame ("heartbeat") every ping interval, which a client answers with a pong.
//
// Faults on demand (POST /admin/ws-faults, each a count of times, applied by the next connection
// that sends a data message): drop (the connection closes without a close frame), skip_seq (a
// seq number is left out), duplicate (a message is sent twice with the same seq), stall_ms (the
// connection goes silent, pings included, for that long), refuse_handshakes (the next handshakes
// answer 503).
#pragma once

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "data_source.h"

namespace ksim {

struct ServerContext;

// One data message for every connection subscribed to its channel.
struct LiveMessage {
  std::string channel;  // fill / user_orders / market_positions
  std::string type;     // fill / user_order / market_position
  std::string msg;      // the JSON object of "msg"
};

struct WsFaults {
  int drop = 0;
  int skip_seq = 0;
  int duplicate = 0;
  int stall_ms = 0;  // one stall of this length
  int refuse_handshakes = 0;
};

class LiveHub {
 public:
  // A connection's queue of messages not yet sent.
  struct Mailbox {
    std::mutex mu;
    std::deque<LiveMessage> queue;
    bool overflowed = false;  // the connection fell too far behind: it is closed
  };

  explicit LiveHub(int ping_interval_ms) : ping_interval_ms_(ping_interval_ms) {}
  int ping_interval_ms() const { return ping_interval_ms_; }

  std::shared_ptr<Mailbox> attach();
  void detach(const std::shared_ptr<Mailbox>& mailbox);
  void publish(const std::vector<LiveMessage>& messages);
  // The messages of an add_fills: fills first, then orders, then positions (what Kalshi sends
  // after a match).
  void publish(const DataSource::LiveMessages& live);

  // ---- faults ----
  // Adds `more` to the pending faults; "" or a one-line error for a bad body.
  std::string apply_faults_json(const std::string& body);
  std::string faults_json();
  bool take_refuse();
  bool take(int WsFaults::*which);
  int take_stall_ms();

  // ---- statistics (GET /admin/live) ----
  std::atomic<std::int64_t> connections{0}, handshakes{0}, messages_sent{0}, fills_made{0};

  void shutdown() { stopping_ = true; }
  bool stopping() const { return stopping_; }

 private:
  const int ping_interval_ms_;
  std::mutex mu_;
  std::set<std::shared_ptr<Mailbox>> mailboxes_;
  WsFaults faults_;
  std::atomic<bool> stopping_{false};
};

// Serves one WebSocket connection on the calling (HTTP worker) thread until the client closes it,
// a fault drops it or the server stops. Authenticates the handshake as the REST API does.
void serve_websocket(ServerContext& ctx, Poco::Net::HTTPServerRequest& req,
                     Poco::Net::HTTPServerResponse& resp);

// Makes `rate` fills a second (0: none) with add_fills at the wall clock, publishes them to the
// hub, and rewrites the truth file (when there is one) at most once a second while trading, and
// when the rate becomes 0 or the trader stops: then the file holds every fill made.
class LiveTrader {
 public:
  explicit LiveTrader(ServerContext& ctx) : ctx_(ctx) {}
  ~LiveTrader() { stop(); }
  // Returns once a trade in progress is done: after set_rate(0), nothing more is made.
  void set_rate(double fills_per_second);
  double rate() const;
  void stop();

 private:
  void run();
  void write_truth_if_stale();  // with trading_ held
  ServerContext& ctx_;
  mutable std::mutex mu_;
  std::mutex trading_;  // held while a trade is made (taken under mu_), and the two below
  bool truth_stale_ = false;
  std::chrono::steady_clock::time_point last_truth_;
  std::condition_variable cv_;
  double rate_ = 0;
  bool stop_ = false;
  std::thread thread_;
};

// Makes `count` fills now (under the account's exclusive lock), publishes them and returns what
// was added. Throws what add_fills throws.
AddFillsResult trade_now(ServerContext& ctx, int count, bool round_trips, std::int64_t at_us);

}  // namespace ksim
