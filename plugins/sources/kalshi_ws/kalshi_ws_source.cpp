#include "kalshi_ws_source.h"

#include <algorithm>
#include <thread>

#include "kalshi/json_object.h"
#include "kalshi_direct/timestamp.h"

namespace kalshi_direct {
namespace kalshi {

namespace {

constexpr int64_t kSubscribeId = 1;
// live.alive_at moves in steps of this much: a quiet connection commits its heartbeat now and
// then, not at every ping.
constexpr int64_t kAliveStepUs = 5 * 1000 * 1000;

std::string seconds(int64_t millis) {
  return std::to_string(millis / 1000) +
         (millis % 1000 ? "." + std::to_string(millis % 1000 / 100) : "") + " s";
}

}  // namespace

KalshiWsSource::~KalshiWsSource() = default;

Status KalshiWsSource::open(SourceContext& context) {
  context_ = &context;
  if (config_.ws_url.empty()) config_.ws_url = webSocketUrlFor(config_.rest.client.base_url);
  std::string warning;
  if (Status status = makeAuthenticator(
          config_.rest, auth_, warning,
          [&context](const std::string& secret) { context.registerSecret(secret); });
      !status.isOk())
    return status;
  LiveSourceConfig rest = config_.rest;
  rest.resident = true;
  rest.since = "watermark";
  rest_ = std::make_unique<KalshiLiveSource>(std::move(rest));
  if (Status status = rest_->open(context); !status.isOk()) return status;
  context.log(LogLevel::kInfo, "live feed from " + config_.ws_url + " (REST catch-up every " +
                                   seconds(config_.refresh_ms) + ")");
  return Status::ok();
}

Status KalshiWsSource::close() {
  if (connection_) connection_->close();
  connection_.reset();
  return rest_ ? rest_->close() : Status::ok();
}

StateMap KalshiWsSource::checkpoint() const {
  StateMap state = rest_ ? rest_->checkpoint() : StateMap{};
  // The runner's last commit after a stop records the feed as down (it may not read again).
  const bool stopping = context_ && context_->stopRequested();
  state["live.connected"] = connection_ && caught_up_ && !stopping ? "1" : "0";
  state["live.last_message_at"] =
      last_message_us_ ? Timestamp::fromMicros(last_message_us_).toIso8601() : "";
  state["live.alive_at"] = alive_us_ ? Timestamp::fromMicros(alive_us_).toIso8601() : "";
  return state;
}

void KalshiWsSource::startCatchUp(const char* why) {
  context_->log(LogLevel::kDebug, std::string("REST catch-up from the watermark (") + why + ")");
  context_->addCounter("catch_ups", 1);
  rest_->startCatchUp(config_.rest.streams);
  catching_up_ = true;
}

Status KalshiWsSource::connect() {
  context_->addCounter("ws_connects", 1);
  ++attempts_;
  std::unique_ptr<WsConnection> connection;
  Status status = WsConnection::open(config_.ws_url, config_.rest.client, auth_.get(), connection);
  if (status.isOk()) {
    std::string channels;
    for (const auto& channel : config_.channels)
      channels += (channels.empty() ? "" : ",") + jsonText(channel);
    status =
        connection->send("{\"id\":" + std::to_string(kSubscribeId) +
                         ",\"cmd\":\"subscribe\",\"params\":{\"channels\":[" + channels + "]}}");
  }
  if (!status.isOk()) {
    if (status.code() == StatusCode::kUnauthenticated ||
        status.code() == StatusCode::kInvalidConfig)
      return status;
    disconnect(status.message());
    return Status::ok();
  }
  connection_ = std::move(connection);
  last_seq_.clear();
  caught_up_ = false;
  if (outage_logged_) context_->log(LogLevel::kInfo, "WebSocket connected again");
  outage_logged_ = false;
  // Subscribed first, then the catch-up: what happens meanwhile arrives on the connection and
  // waits in buffer_ until the catch-up is handed out.
  startCatchUp("connected");
  return Status::ok();
}

void KalshiWsSource::disconnect(const std::string& why, bool quiet) {
  if (connection_) connection_->close();
  connection_.reset();
  caught_up_ = false;
  resubscribe_ = false;
  // Exponential backoff with jitter: half the step fixed, half random.
  const int shift = std::min(attempts_, 16);
  const int64_t step =
      std::min(config_.reconnect_max_ms, config_.reconnect_min_ms * (int64_t{1} << shift) / 2);
  const int64_t half = std::max<int64_t>(1, step / 2);
  const int64_t delay = half + static_cast<int64_t>(jitter_() % static_cast<uint64_t>(half + 1));
  next_connect_ = Clock::now() + std::chrono::milliseconds(delay);
  if (!quiet) {
    context_->log(outage_logged_ ? LogLevel::kDebug : LogLevel::kWarning,
                  "WebSocket: " + why + "; reconnecting in " + seconds(delay));
    outage_logged_ = true;
  }
}

void KalshiWsSource::handle(const std::string& text) {
  WsMessage message;
  std::string reason;
  const bool readable = reader_.read(text, message, reason);
  const ParseNotes& notes = reader_.notes();
  if (notes.legacy_direction != noted_.legacy_direction)
    context_->addCounter("direction_from_legacy", notes.legacy_direction - noted_.legacy_direction);
  if (notes.rounded_values != noted_.rounded_values)
    context_->addCounter("values_rounded", notes.rounded_values - noted_.rounded_values);
  noted_ = notes;
  if (!readable) {
    if (!message.stream.empty()) {
      context_->reject(message.stream, text, reason);
    } else {
      context_->addCounter("ws_unreadable", 1);
      context_->log(LogLevel::kWarning, "WebSocket: ignored " + reason);
    }
    return;
  }
  switch (message.kind) {
    case WsMessage::Kind::kData: {
      if (message.sid && message.seq) {
        auto it = last_seq_.find(*message.sid);
        if (it != last_seq_.end()) {
          if (*message.seq <= it->second) {
            context_->addCounter("ws_duplicates", 1);
            return;
          }
          if (*message.seq != it->second + 1 && !resubscribe_) {
            context_->addCounter("ws_seq_gaps", 1);
            resubscribe_ = true;
            resubscribe_why_ = "sequence gap on subscription " + std::to_string(*message.sid) +
                               " (" + std::to_string(it->second) + " then " +
                               std::to_string(*message.seq) + ")";
          }
        }
        last_seq_[*message.sid] = *message.seq;
      }
      context_->addCounter("ws_messages", 1);
      last_message_us_ = Timestamp::now().micros();
      buffer_.push_back(std::move(message));
      return;
    }
    case WsMessage::Kind::kError:
      context_->addCounter("ws_errors", 1);
      if (!resubscribe_) {
        resubscribe_ = true;
        resubscribe_why_ = "the server answered an error (" + message.error + ")";
      }
      return;
    default:
      return;  // subscribed, ok, unsubscribed, other channels
  }
}

bool KalshiWsSource::pump(int64_t timeout_ms) {
  const size_t limit = std::max<size_t>(1, context_->batchSize());
  int64_t wait = timeout_ms;
  while (connection_ && buffer_.size() < limit) {
    std::string text;
    bool got = false;
    Status status = connection_->receive(wait, text, got);
    if (!status.isOk()) {
      disconnect(status.message());
      return false;
    }
    if (!got) break;
    handle(text);
    wait = 0;  // then only what is already there
  }
  if (connection_) {
    const int64_t alive =
        Timestamp::now().micros() - std::chrono::duration_cast<std::chrono::microseconds>(
                                        Clock::now() - connection_->lastFrame())
                                        .count();
    if (alive - alive_us_ >= kAliveStepUs) alive_us_ = alive;
  }
  return connection_ != nullptr;
}

Batch KalshiWsSource::takeRun() {
  Batch batch;
  batch.stream = buffer_.front().stream;
  const size_t limit = std::max<size_t>(1, context_->batchSize());
  while (!buffer_.empty() && buffer_.front().stream == batch.stream &&
         batch.records.size() < limit) {
    batch.records.push_back(std::move(buffer_.front().record));
    buffer_.pop_front();
  }
  return batch;
}

Status KalshiWsSource::read(Batch& batch) {
  for (;;) {
    if (context_->stopRequested()) {
      // The final commit records the feed as down: a dashboard does not call a stopped run live.
      if (connection_) connection_->close();
      connection_.reset();
      caught_up_ = false;
      return Status::endOfStream();
    }
    // 1. The REST side has something to hand out: a catch-up's pages, a pushed batch.
    if (catching_up_ || !rest_->idle()) {        // a catch-up ends when its read() says so
      if (catching_up_ && connection_) pump(0);  // keep the connection drained meanwhile
      Status status = rest_->read(batch);
      if (status.isOk()) return status;
      if (status.code() == StatusCode::kEndOfStream) {
        if (context_->stopRequested()) continue;  // closes the connection, above
        if (catching_up_) {
          catching_up_ = false;
          if (connection_) {
            caught_up_ = true;
            attempts_ = 0;
          }
          next_refresh_ = Clock::now() + std::chrono::milliseconds(config_.refresh_ms);
        }
        continue;
      }
      if (status.code() == StatusCode::kUnavailable) {
        // REST is down: the stream cannot be trusted without its catch-up. Start over later.
        catching_up_ = false;
        rest_->abandonCatchUp();
        if (context_->stopRequested()) continue;  // a stop cut the request short: no failure
        batch = Batch();
        disconnect("REST catch-up failed: " + status.message());
        continue;
      }
      return status;
    }
    // 2. Messages kept while catching up, or just received: the next run of one stream.
    if (!catching_up_ && !buffer_.empty()) {
      rest_->pushBatch(takeRun());
      continue;
    }
    // 3. A gap or an error asked for a new connection, once what came before it is handed out.
    if (resubscribe_ && connection_) {
      context_->log(LogLevel::kInfo, "WebSocket: " + resubscribe_why_ + "; resubscribing");
      const int keep = attempts_;
      attempts_ = 0;  // at once: the connection works
      disconnect(resubscribe_why_, /*quiet=*/true);
      attempts_ = keep;
      next_connect_ = Clock::now();
      continue;
    }
    const auto now = Clock::now();
    if (!connection_) {
      // The WebSocket down (refused, unreachable): REST alone keeps the data as fresh as a sync
      // every `refresh` would, until it is back.
      if (now >= next_refresh_ && now < next_connect_) {
        startCatchUp("the WebSocket is down");
        continue;
      }
      if (now < next_connect_) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(next_connect_ - now).count();
        std::this_thread::sleep_for(std::chrono::milliseconds(std::min(left, config_.wait_ms)));
        return Status::ok();  // an empty batch: the runner may commit or stop
      }
      if (Status status = connect(); !status.isOk()) return status;
      continue;
    }
    // 4. Time for the periodic catch-up (balance, marks, anything missed).
    if (caught_up_ && now >= next_refresh_) {
      startCatchUp("refresh");
      continue;
    }
    // 5. A connection without a frame (data or ping) for too long is replaced.
    if (now - connection_->lastFrame() > std::chrono::milliseconds(config_.heartbeat_timeout_ms)) {
      context_->addCounter("ws_silent", 1);
      disconnect("no message or ping for " + seconds(config_.heartbeat_timeout_ms));
      continue;
    }
    // 6. Wait for messages.
    if (!pump(config_.wait_ms)) continue;
    if (buffer_.empty() && !resubscribe_) return Status::ok();
  }
}

}  // namespace kalshi
}  // namespace kalshi_direct
