#include "live.h"

#include <Poco/Dynamic/Var.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/WebSocket.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>
#include <shared_mutex>

#include "auth.h"
#include "fixed_point.h"
#include "json_writer.h"
#include "server.h"

namespace ksim {

// ---- the hub ---------------------------------------------------------------------------------

std::shared_ptr<LiveHub::Mailbox> LiveHub::attach() {
  auto mailbox = std::make_shared<Mailbox>();
  std::lock_guard<std::mutex> lock(mu_);
  mailboxes_.insert(mailbox);
  return mailbox;
}

void LiveHub::detach(const std::shared_ptr<Mailbox>& mailbox) {
  std::lock_guard<std::mutex> lock(mu_);
  mailboxes_.erase(mailbox);
}

void LiveHub::publish(const std::vector<LiveMessage>& messages) {
  if (messages.empty()) return;
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& mailbox : mailboxes_) {
    std::lock_guard<std::mutex> box(mailbox->mu);
    // A connection that does not read (stalled client) keeps at most this many: then it is
    // closed as Kalshi drops a slow consumer, and its client must catch up over REST.
    constexpr std::size_t kMaxQueued = 100000;
    if (mailbox->queue.size() + messages.size() > kMaxQueued) {
      mailbox->overflowed = true;
      mailbox->queue.clear();
      continue;
    }
    mailbox->queue.insert(mailbox->queue.end(), messages.begin(), messages.end());
  }
}

void LiveHub::publish(const DataSource::LiveMessages& live) {
  std::vector<LiveMessage> messages;
  for (const auto& msg : live.fills) messages.push_back({"fill", "fill", msg});
  for (const auto& msg : live.orders) messages.push_back({"user_orders", "user_order", msg});
  for (const auto& msg : live.positions)
    messages.push_back({"market_positions", "market_position", msg});
  publish(messages);
}

std::string LiveHub::apply_faults_json(const std::string& body) {
  WsFaults more;
  try {
    Poco::JSON::Parser parser;
    Poco::Dynamic::Var v = parser.parse(body.empty() ? "{}" : body);
    if (v.type() != typeid(Poco::JSON::Object::Ptr)) return "expected a JSON object";
    auto o = v.extract<Poco::JSON::Object::Ptr>();
    const std::map<std::string, int WsFaults::*> fields = {
        {"drop", &WsFaults::drop},
        {"skip_seq", &WsFaults::skip_seq},
        {"duplicate", &WsFaults::duplicate},
        {"stall_ms", &WsFaults::stall_ms},
        {"refuse_handshakes", &WsFaults::refuse_handshakes}};
    for (const auto& name : o->getNames()) {
      auto field = fields.find(name);
      if (field == fields.end()) return "unknown fault " + name;
      const Poco::Dynamic::Var value = o->get(name);
      if (!value.isInteger() || value.convert<std::int64_t>() < 0 ||
          value.convert<std::int64_t>() > 3600000)
        return name + " must be an integer 0..3600000";
      more.*(field->second) = value.convert<int>();
    }
  } catch (const Poco::Exception& e) {
    return "invalid JSON: " + e.displayText();
  }
  std::lock_guard<std::mutex> lock(mu_);
  faults_.drop += more.drop;
  faults_.skip_seq += more.skip_seq;
  faults_.duplicate += more.duplicate;
  if (more.stall_ms > 0) faults_.stall_ms = more.stall_ms;
  faults_.refuse_handshakes += more.refuse_handshakes;
  return "";
}

std::string LiveHub::faults_json() {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out;
  JsonWriter w(out);
  w.begin_object();
  w.kv_i64("drop", faults_.drop);
  w.kv_i64("skip_seq", faults_.skip_seq);
  w.kv_i64("duplicate", faults_.duplicate);
  w.kv_i64("stall_ms", faults_.stall_ms);
  w.kv_i64("refuse_handshakes", faults_.refuse_handshakes);
  w.end_object();
  return out;
}

bool LiveHub::take(int WsFaults::*which) {
  std::lock_guard<std::mutex> lock(mu_);
  if (faults_.*which <= 0) return false;
  --(faults_.*which);
  return true;
}

bool LiveHub::take_refuse() { return take(&WsFaults::refuse_handshakes); }

int LiveHub::take_stall_ms() {
  std::lock_guard<std::mutex> lock(mu_);
  const int ms = faults_.stall_ms;
  faults_.stall_ms = 0;
  return ms;
}

// ---- one connection --------------------------------------------------------------------------

namespace {

constexpr const char* kWsPath = "/trade-api/ws/v2";

void reply_http(Poco::Net::HTTPServerResponse& resp, int status, const std::string& body) {
  resp.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
  resp.setContentType("application/json");
  resp.setContentLength(static_cast<std::streamsize>(body.size()));
  resp.send() << body;
}

class Connection {
 public:
  Connection(ServerContext& ctx, Poco::Net::WebSocket& ws) : ctx_(ctx), hub_(*ctx.live), ws_(ws) {}

  void run() {
    mailbox_ = hub_.attach();
    struct Detach {
      LiveHub& hub;
      std::shared_ptr<LiveHub::Mailbox>& mailbox;
      ~Detach() { hub.detach(mailbox); }
    } detach{hub_, mailbox_};
    auto next_ping =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(hub_.ping_interval_ms());
    Poco::Buffer<char> frame(0);
    while (!hub_.stopping()) {
      // Incoming frames: commands, pongs, pings, a close.
      if (ws_.poll(Poco::Timespan(0, 10 * 1000), Poco::Net::Socket::SELECT_READ)) {
        int flags = 0;
        frame.resize(0);
        const int n = ws_.receiveFrame(frame, flags);
        const int op = flags & Poco::Net::WebSocket::FRAME_OP_BITMASK;
        if (n == 0 && flags == 0) return;  // the peer closed the socket
        if (op == Poco::Net::WebSocket::FRAME_OP_CLOSE) {
          ws_.sendFrame(
              frame.begin(), static_cast<int>(frame.size()),
              Poco::Net::WebSocket::FRAME_FLAG_FIN | Poco::Net::WebSocket::FRAME_OP_CLOSE);
          return;
        }
        if (op == Poco::Net::WebSocket::FRAME_OP_PING) {
          ws_.sendFrame(frame.begin(), static_cast<int>(frame.size()),
                        Poco::Net::WebSocket::FRAME_FLAG_FIN | Poco::Net::WebSocket::FRAME_OP_PONG);
        } else if (op == Poco::Net::WebSocket::FRAME_OP_TEXT) {
          command(std::string(frame.begin(), frame.size()));
        }
      }
      if (!deliver()) return;  // dropped by a fault
      if (std::chrono::steady_clock::now() >= next_ping) {
        ws_.sendFrame("heartbeat", 9,
                      Poco::Net::WebSocket::FRAME_FLAG_FIN | Poco::Net::WebSocket::FRAME_OP_PING);
        next_ping =
            std::chrono::steady_clock::now() + std::chrono::milliseconds(hub_.ping_interval_ms());
      }
    }
  }

 private:
  struct Subscription {
    std::string channel;
    std::int64_t seq = 0;
  };

  void send_text(const std::string& text) {
    ws_.sendFrame(text.data(), static_cast<int>(text.size()), Poco::Net::WebSocket::FRAME_TEXT);
  }

  void error(std::int64_t id, int code, const std::string& message) {
    std::string out;
    JsonWriter w(out);
    w.begin_object();
    if (id != 0) w.kv_i64("id", id);
    w.kv("type", "error");
    w.kv_i64("sending_ts_ms", wall_clock_ms());
    w.key("msg").begin_object();
    w.kv_i64("code", code);
    w.kv("msg", message);
    w.end_object();
    w.end_object();
    send_text(out);
  }

  void command(const std::string& text) {
    Poco::JSON::Object::Ptr o;
    try {
      Poco::JSON::Parser parser;
      Poco::Dynamic::Var v = parser.parse(text);
      if (v.type() != typeid(Poco::JSON::Object::Ptr))
        return error(0, 1, "Unable to process message");
      o = v.extract<Poco::JSON::Object::Ptr>();
    } catch (const Poco::Exception&) {
      return error(0, 1, "Unable to process message");
    }
    const std::int64_t id =
        o->has("id") && o->get("id").isInteger() ? o->get("id").convert<std::int64_t>() : 0;
    const std::string cmd = o->has("cmd") ? o->get("cmd").toString() : "";
    if (cmd != "subscribe" && cmd != "unsubscribe") return error(id, 5, "Unknown command");
    Poco::JSON::Object::Ptr params = o->getObject("params");
    if (!params) return error(id, 2, "Params required");
    if (cmd == "subscribe") {
      Poco::JSON::Array::Ptr channels = params->getArray("channels");
      if (!channels || channels->size() == 0) return error(id, 3, "Channels required");
      for (std::size_t i = 0; i < channels->size(); ++i) {
        const std::string channel = channels->get(i).toString();
        if (channel != "fill" && channel != "user_orders" && channel != "market_positions")
          return error(id, 8, "Unknown channel name");
      }
      for (std::size_t i = 0; i < channels->size(); ++i) {
        const std::string channel = channels->get(i).toString();
        const std::int64_t sid = ++last_sid_;
        subscriptions_[sid] = {channel, 0};
        std::string out;
        JsonWriter w(out);
        w.begin_object();
        if (id != 0) w.kv_i64("id", id);
        w.kv("type", "subscribed");
        w.key("msg").begin_object();
        w.kv("channel", channel);
        w.kv_i64("sid", sid);
        w.end_object();
        w.end_object();
        send_text(out);
      }
      return;
    }
    Poco::JSON::Array::Ptr sids = params->getArray("sids");
    if (!sids || sids->size() == 0) return error(id, 4, "Subscription IDs required");
    for (std::size_t i = 0; i < sids->size(); ++i) {
      const Poco::Dynamic::Var sid_var = sids->get(i);
      const std::int64_t sid = sid_var.isInteger() ? sid_var.convert<std::int64_t>() : -1;
      auto found = subscriptions_.find(sid);
      if (found == subscriptions_.end()) {
        error(id, 7, "Unknown subscription ID");
        continue;
      }
      std::string out;
      JsonWriter w(out);
      w.begin_object();
      if (id != 0) w.kv_i64("id", id);
      w.kv_i64("sid", sid);
      w.kv_i64("seq", found->second.seq + 1);
      w.kv("type", "unsubscribed");
      w.kv_i64("sending_ts_ms", wall_clock_ms());
      w.end_object();
      send_text(out);
      subscriptions_.erase(found);
    }
  }

  // Sends what the hub queued for this connection's subscriptions, with the pending faults.
  // False when a fault dropped the connection.
  bool deliver() {
    std::deque<LiveMessage> queue;
    {
      std::lock_guard<std::mutex> lock(mailbox_->mu);
      if (mailbox_->overflowed) {
        ws_.shutdown();  // a gap the client must see: the connection ends
        return false;
      }
      queue.swap(mailbox_->queue);
    }
    for (const LiveMessage& message : queue) {
      for (auto& [sid, subscription] : subscriptions_) {
        if (subscription.channel != message.channel) continue;
        if (const int stall = hub_.take_stall_ms(); stall > 0) {
          ctx_.stats->count_fault("ws_stall");
          for (int waited = 0; waited < stall && !hub_.stopping(); waited += 50)
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        if (hub_.take(&WsFaults::drop)) {
          ctx_.stats->count_fault("ws_drop");
          ws_.shutdown();  // no close frame: the connection just ends
          return false;
        }
        if (hub_.take(&WsFaults::skip_seq)) {
          ctx_.stats->count_fault("ws_skip_seq");
          ++subscription.seq;  // this message is lost, as a gap on a real connection
          continue;
        }
        const std::string text = "{\"type\":\"" + message.type +
                                 "\",\"sid\":" + std::to_string(sid) +
                                 ",\"seq\":" + std::to_string(++subscription.seq) +
                                 ",\"sending_ts_ms\":" + std::to_string(wall_clock_ms()) +
                                 ",\"msg\":" + message.msg + "}";
        send_text(text);
        ++hub_.messages_sent;
        if (hub_.take(&WsFaults::duplicate)) {
          ctx_.stats->count_fault("ws_duplicate");
          send_text(text);
          ++hub_.messages_sent;
        }
      }
    }
    return true;
  }

  ServerContext& ctx_;
  LiveHub& hub_;
  Poco::Net::WebSocket& ws_;
  std::shared_ptr<LiveHub::Mailbox> mailbox_;
  std::map<std::int64_t, Subscription> subscriptions_;
  std::int64_t last_sid_ = 0;
};

}  // namespace

void serve_websocket(ServerContext& ctx, Poco::Net::HTTPServerRequest& req,
                     Poco::Net::HTTPServerResponse& resp) {
  LiveHub& hub = *ctx.live;
  ++hub.handshakes;
  if (hub.take_refuse()) {
    ctx.stats->count_fault("ws_refused");
    return reply_http(resp, 503,
                      error_body("service_unavailable", "WebSocket handshake refused", ""));
  }
  if (ctx.auth->enabled()) {
    const AuthResult r = check_request(*ctx.auth, req.getMethod(), kWsPath, req);
    if (!r.ok) {
      ctx.stats->count_fault("auth_failed");
      return reply_http(resp, 401, nested_error_body(r.code, r.message, r.details));
    }
  }
  try {
    Poco::Net::WebSocket ws(req, resp);
    ws.setNoDelay(true);
    ++hub.connections;
    struct Count {
      LiveHub& hub;
      ~Count() { --hub.connections; }
    } count{hub};
    Connection(ctx, ws).run();
  } catch (const Poco::Net::WebSocketException& e) {
    // Not a WebSocket handshake (a plain GET): answered by Poco's exception with 400.
    if (!resp.sent())
      reply_http(resp, 400,
                 error_body("bad_request", "expected a WebSocket handshake", e.displayText()));
  } catch (const Poco::Exception&) {
    // The peer went away: nothing to answer.
  }
}

// ---- the trader ------------------------------------------------------------------------------

AddFillsResult trade_now(ServerContext& ctx, int count, bool round_trips, std::int64_t at_us) {
  AddFillsResult added;
  DataSource::LiveMessages live;
  {
    std::unique_lock<std::shared_mutex> lock(ctx.account_mutex);
    added = ctx.account->add_fills(count, round_trips, at_us);
    ctx.account->render_live(added, live);
  }
  if (ctx.live) {
    ctx.live->fills_made += added.fills;
    ctx.live->publish(live);
  }
  return added;
}

void LiveTrader::set_rate(double fills_per_second) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    rate_ = fills_per_second;
    if (!thread_.joinable() && rate_ > 0 && !stop_) thread_ = std::thread([this] { run(); });
  }
  cv_.notify_all();
  std::lock_guard<std::mutex> wait_for_trade(trading_);
  if (fills_per_second <= 0) write_truth_if_stale();  // stopped: the file is current
}

void LiveTrader::write_truth_if_stale() {
  if (!truth_stale_ || ctx_.truth_path.empty()) return;
  std::string truth;
  {
    std::shared_lock<std::shared_mutex> account(ctx_.account_mutex);
    truth = ctx_.account->truth_json();
  }
  const std::string error = write_file_atomically(ctx_.truth_path, truth);
  if (!error.empty()) std::fprintf(stderr, "kalshi-sim: %s\n", error.c_str());
  truth_stale_ = false;
  last_truth_ = std::chrono::steady_clock::now();
}

double LiveTrader::rate() const {
  std::lock_guard<std::mutex> lock(mu_);
  return rate_;
}

void LiveTrader::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::lock_guard<std::mutex> trading(trading_);
  write_truth_if_stale();
}

void LiveTrader::run() {
  using Clock = std::chrono::steady_clock;
  auto next = Clock::now();
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    if (rate_ <= 0) {
      cv_.wait_for(lock, std::chrono::milliseconds(200));
      next = Clock::now();
    } else {
      const auto interval =
          std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(1.0 / rate_));
      next += interval;
      if (next < Clock::now() - std::chrono::seconds(1)) next = Clock::now();  // fell behind
      if (cv_.wait_until(lock, next, [this] { return stop_; })) break;
      if (rate_ <= 0) continue;
      std::unique_lock<std::mutex> trading(trading_);
      lock.unlock();
      try {
        trade_now(ctx_, 1, false, wall_clock_us());
        truth_stale_ = true;
        if (Clock::now() - last_truth_ >= std::chrono::seconds(1)) write_truth_if_stale();
      } catch (const std::exception& e) {
        std::fprintf(stderr, "kalshi-sim: trading stopped: %s\n", e.what());
        trading.unlock();
        lock.lock();
        rate_ = 0;
        continue;
      }
      trading.unlock();
      lock.lock();
    }
  }
}

}  // namespace ksim
