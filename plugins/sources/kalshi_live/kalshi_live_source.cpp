#include "kalshi_live_source.h"

#include <Poco/URI.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "kalshi_direct/engine/log.h"
#include "kalshi_direct/engine/sqlite.h"

namespace kalshi_direct {
namespace kalshi {

namespace {

std::string envOr(const std::string& value, const char* variable) {
  if (!value.empty()) return value;
  const char* env = std::getenv(variable);
  return env ? env : "";
}

int64_t nowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The time a history record sorts by, in Unix seconds (0 when unknown).
int64_t recordTime(const std::string& stream, const Record& record) {
  if (stream == "fills") {
    if (const int64_t* ts = record.get("ts").ifInt()) return *ts;
    if (const Timestamp* t = record.get("created_time").ifTimestamp()) return t->unixSeconds();
  } else if (stream == "orders") {
    if (const Timestamp* t = record.get("created_time").ifTimestamp()) return t->unixSeconds();
  } else if (stream == "settlements") {
    if (const Timestamp* t = record.get("settled_time").ifTimestamp()) return t->unixSeconds();
  }
  return 0;
}

const char* arrayField(const std::string& stream) {
  if (stream == "fills") return "fills";
  if (stream == "orders") return "orders";
  return "settlements";
}

const RecordSchema& schemaFor(const std::string& stream) {
  if (stream == "fills") return fillSchema();
  if (stream == "orders") return orderSchema();
  return settlementSchema();
}

std::string joinList(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ",") + item;
  return out;
}

std::vector<std::string> splitList(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    const size_t comma = text.find(',', start);
    out.push_back(text.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

Record marketRecord(const std::string& ticker, const std::string& event_ticker,
                    const std::string& series_ticker, const std::string& category,
                    const Record* market) {
  Record record;
  record.append("ticker", Value(ticker));
  record.append("event_ticker", Value(event_ticker));
  record.append("series_ticker", Value(series_ticker));
  record.append("series_category", Value(category));  // the exchange's category, e.g. "Crypto"
  for (const char* field : {"title", "market_type", "status", "result", "yes_bid_dollars",
                            "yes_ask_dollars", "last_price_dollars", "close_time"}) {
    record.append(field, market ? market->get(field) : Value());
  }
  return record;
}

}  // namespace

Status makeAuthenticator(const LiveSourceConfig& config, AuthenticatorPtr& out, std::string& warning) {
  out.reset();
  if (config.auth == "none") return Status::ok();
  const std::string key_id = envOr(config.key_id, "KALSHI_API_KEY_ID");
  const std::string key_path = envOr(config.private_key_path, "KALSHI_PRIVATE_KEY_PATH");
  const std::string key_inline = envOr(config.private_key, "KALSHI_PRIVATE_KEY");
  std::string token = envOr(config.api_key, "KALSHI_API_KEY");
  const std::string token_file = envOr(config.api_key_file, "KALSHI_API_KEY_FILE");
  if (token.empty() && !token_file.empty()) {
    std::ifstream in(token_file);
    if (!in) return Status::invalidConfig("cannot read the API key file '" + token_file + "'");
    std::getline(in, token);
    while (!token.empty() && (token.back() == '\r' || token.back() == ' ')) token.pop_back();
  }
  const bool have_rsa = !key_id.empty() && (!key_path.empty() || !key_inline.empty());
  std::string mode = config.auth;
  if (mode == "auto") {
    if (have_rsa) {
      mode = "rsa_pss";
    } else if (!token.empty()) {
      mode = "bearer";
    } else {
      return Status::invalidConfig(
          "no Kalshi credentials: set KALSHI_API_KEY_ID and KALSHI_PRIVATE_KEY_PATH (RSA-PSS, "
          "what the real API uses) or KALSHI_API_KEY (bearer token)");
    }
  }
  if (mode == "bearer") {
    if (token.empty()) {
      return Status::invalidConfig("auth: bearer needs a token: set KALSHI_API_KEY (or api_key_file)");
    }
    out = makeBearerAuthenticator(token);
    return Status::ok();
  }
  if (key_id.empty()) return Status::invalidConfig("auth: rsa_pss needs a key id: set KALSHI_API_KEY_ID");
  std::string pem = key_inline;
  if (!key_path.empty()) {
    if (Status status = loadPrivateKeyFile(key_path, pem, &warning); !status.isOk()) return status;
  }
  if (pem.empty()) {
    return Status::invalidConfig("auth: rsa_pss needs a private key: set KALSHI_PRIVATE_KEY_PATH");
  }
  return makeRsaPssAuthenticator(key_id, pem, out);
}

Status KalshiLiveSource::open(SourceContext& context) {
  context_ = &context;
  state_ = context.committedState();
  AuthenticatorPtr auth;
  std::string warning;
  if (Status status = makeAuthenticator(config_, auth, warning); !status.isOk()) return status;
  if (!warning.empty()) context.log(LogLevel::kWarning, warning);
  if (config_.client.insecure) {
    context.log(LogLevel::kWarning, "TLS certificate verification is OFF (insecure: true): "
                                    "anyone on the network path can read and alter this traffic");
  }
  if (Status status = ApiClient::create(config_.client, std::move(auth), client_); !status.isOk()) {
    return status;
  }
  client_->on_counter = [&context](const std::string& name, uint64_t delta) {
    context.addCounter(name, delta);
  };
  client_->stop_requested = [&context] { return context.stopRequested(); };
  if (config_.metadata) loadMarketCache();
  for (const char* stream : {"balance", "positions", "orders", "fills", "settlements"}) {
    if (std::find(config_.streams.begin(), config_.streams.end(), stream) != config_.streams.end()) {
      pending_streams_.push_back(stream);
    }
  }
  return Status::ok();
}

StateMap KalshiLiveSource::checkpoint() const { return state_; }

int64_t KalshiLiveSource::stateInt(const std::string& key) const {
  auto it = state_.find(key);
  if (it == state_.end() || it->second.empty()) return 0;
  int64_t value = 0;
  return parseInt(it->second, value) ? value : 0;
}

Status KalshiLiveSource::read(Batch& batch) {
  while (queued_.empty()) {
    if (pending_streams_.empty() || context_->stopRequested()) return Status::endOfStream();
    const std::string stream = pending_streams_.front();
    Batch produced;
    Status status;
    next_state_ = state_;
    if (stream == "balance") {
      status = readBalance(produced);
      pending_streams_.pop_front();
    } else if (stream == "positions") {
      status = readPositions(produced);
    } else {
      if (!pass_ || pass_->stream != stream) {
        if (Status started = startPass(stream); !started.isOk()) return started;
        next_state_ = state_;
      }
      status = readPage(*pass_, produced);
      if (status.isOk() && pass_->done) {
        pass_.reset();
        pending_streams_.pop_front();
      }
    }
    if (!status.isOk()) return status;
    // Metadata batches were queued first by resolveMetadata(); the page follows with its state.
    queued_.push_back(Queued{std::move(produced), next_state_});
  }
  Queued next = std::move(queued_.front());
  queued_.pop_front();
  if (next.state_after) state_ = std::move(*next.state_after);
  batch = std::move(next.batch);
  return Status::ok();
}

Status KalshiLiveSource::readBalance(Batch& batch) {
  std::string body, error;
  Status status = client_->get("/portfolio/balance", {}, body, [this](const std::string& b, std::string& why) {
    return parser_.looksComplete(b, nullptr, why);
  });
  if (!status.isOk()) return status;
  Record record;
  if (!parser_.parseObject(body, nullptr, balanceSchema(), record, error)) {
    return Status::failed("GET /portfolio/balance: " + error);
  }
  record.append("snapshot_source", Value("live"));
  batch.stream = "balance";
  batch.records.push_back(std::move(record));
  return Status::ok();
}

Status KalshiLiveSource::readPositions(Batch& batch) {
  Query query{{"limit", std::to_string(config_.page_size)}};
  if (!positions_cursor_.empty()) query.emplace_back("cursor", positions_cursor_);
  std::string body, error;
  Status status = client_->get("/portfolio/positions", query, body, [this](const std::string& b, std::string& why) {
    return parser_.looksComplete(b, "market_positions", why);
  });
  if (!status.isOk()) return status;
  ParsedPage page;
  if (!parser_.parseList(body, "market_positions", marketPositionSchema(), page, error)) {
    return Status::failed("GET /portfolio/positions: " + error);
  }
  rejectAll("positions", page);
  if (!page.cursor.empty() && !positions_seen_cursors_.insert(page.cursor).second) {
    return Status::failed("GET /portfolio/positions: the API returned a cursor it had already returned "
                          "(pagination would loop)");
  }
  positions_cursor_ = page.cursor;
  if (page.cursor.empty()) pending_streams_.pop_front();
  if (config_.metadata) {
    if (Status s = resolveMetadata(page.records, true); !s.isOk()) return s;
  }
  batch.stream = "positions";
  batch.records = std::move(page.records);
  return Status::ok();
}

Status KalshiLiveSource::fetchCutoff() {
  if (cutoff_trades_ts_) return Status::ok();
  std::string body, error;
  Status status = client_->get("/historical/cutoff", {}, body, [this](const std::string& b, std::string& why) {
    return parser_.looksComplete(b, nullptr, why);
  });
  if (!status.isOk()) return status;
  Record cutoff;
  if (!parser_.parseObject(body, nullptr, cutoffSchema(), cutoff, error)) {
    return Status::failed("GET /historical/cutoff: " + error);
  }
  cutoff_trades_ts_ = cutoff.get("trades_created_ts").asTimestamp().unixSeconds();
  cutoff_orders_ts_ = cutoff.get("orders_updated_ts").asTimestamp().unixSeconds();
  return Status::ok();
}

Status KalshiLiveSource::startPass(const std::string& stream) {
  const std::string p = stream + ".";
  Pass pass;
  pass.stream = stream;
  auto it = state_.find(p + "phases");
  if (it != state_.end() && !it->second.empty()) {
    // Resume the pass a previous (interrupted) run was in the middle of.
    pass.phases = splitList(it->second);
    pass.phase = static_cast<size_t>(stateInt(p + "phase"));
    pass.cursor = state_[p + "cursor"];
    pass.min_ts = stateInt(p + "pass_min_ts");
    pass.pass_max_ts = stateInt(p + "pass_max_ts");
    pass.oldest_resting_ts = stateInt(p + "pass_oldest_resting_ts");
    pass.started = true;
    if (pass.phase >= pass.phases.size()) pass.phase = 0;
    context_->log(LogLevel::kInfo, "resuming " + stream + " where the last run stopped (" +
                                       pass.phases[pass.phase] + " pages)");
    pass_ = pass;
    return Status::ok();
  }

  const int64_t now = nowSeconds();
  const bool has_historical = stream != "settlements";
  pass.phases = {"live"};
  bool want_historical = false;
  if (config_.since == "all") {
    want_historical = has_historical;
  } else {
    int64_t start = 0;
    if (config_.since == "watermark") {
      start = stream == "orders" ? stateInt(p + "next_min_ts") : stateInt(p + "max_ts");
    } else {
      int64_t days = 0, millis = 0;
      if (parseInt(config_.since, days)) {
        start = now - days * 86400;
      } else if (parseDurationMillis(config_.since, millis)) {
        start = now - millis / 1000;
      }
    }
    pass.min_ts = start;
    // What could have moved to /historical since: records older than the start point. For orders
    // in watermark mode the start is the oldest order still resting, but an order that changed
    // since the last pass was updated after that pass ran, so the last pass's time decides.
    int64_t history_start = start;
    if (config_.since == "watermark" && stream == "orders") history_start = stateInt(p + "max_ts");
    // The historical endpoints hold what is older than the cutoff (~3 months back). Only ask for
    // the cutoff when the start point is old enough to possibly be behind it.
    if (history_start > 0 && has_historical && (now - history_start) * 1000 > config_.history_check_ms) {
      if (Status status = fetchCutoff(); !status.isOk()) return status;
      const int64_t cutoff = stream == "orders" ? *cutoff_orders_ts_ : *cutoff_trades_ts_;
      want_historical = history_start < cutoff;
    }
  }
  if (want_historical) pass.phases.push_back("historical");
  pass.started = true;
  pass_ = pass;
  state_[p + "phases"] = joinList(pass.phases);
  state_[p + "phase"] = "0";
  state_[p + "cursor"] = "";
  state_[p + "pass_min_ts"] = std::to_string(pass.min_ts);
  state_[p + "pass_max_ts"] = "0";
  state_[p + "pass_oldest_resting_ts"] = "0";
  return Status::ok();
}

Status KalshiLiveSource::readPage(Pass& pass, Batch& batch) {
  const std::string& phase = pass.phases[pass.phase];
  const bool historical = phase == "historical";
  const std::string path = (historical ? "/historical/" : "/portfolio/") + pass.stream;
  Query query{{"limit", std::to_string(config_.page_size)}};
  if (!pass.cursor.empty()) query.emplace_back("cursor", pass.cursor);
  if (!historical && pass.min_ts > 0) query.emplace_back("min_ts", std::to_string(pass.min_ts));
  const char* array = arrayField(pass.stream);
  std::string body, error;
  Status status = client_->get(path, query, body, [this, array](const std::string& b, std::string& why) {
    return parser_.looksComplete(b, array, why);
  });
  if (!status.isOk()) return status;
  ParsedPage page;
  if (!parser_.parseList(body, array, schemaFor(pass.stream), page, error)) {
    return Status::failed("GET " + path + ": " + error);
  }
  rejectAll(pass.stream, page);

  bool phase_done = page.cursor.empty();
  if (!phase_done && !pass.seen_cursors.insert(page.cursor).second) {
    return Status::failed("GET " + path + ": the API returned a cursor it had already returned (pagination would loop)");
  }
  std::vector<Record> records;
  records.reserve(page.records.size());
  for (auto& record : page.records) {
    const int64_t time = recordTime(pass.stream, record);
    if (historical && pass.min_ts > 0 && time > 0 && time < pass.min_ts) {
      phase_done = true;  // newest first: everything after this is older still
      continue;
    }
    pass.pass_max_ts = std::max(pass.pass_max_ts, time);
    if (pass.stream == "orders" && record.get("status").ifString() &&
        record.get("status").asString() == "resting" && time > 0) {
      pass.oldest_resting_ts = pass.oldest_resting_ts == 0 ? time : std::min(pass.oldest_resting_ts, time);
    }
    records.push_back(std::move(record));
  }

  const std::string p = pass.stream + ".";
  pass.cursor = phase_done ? "" : page.cursor;
  if (phase_done) ++pass.phase;
  if (pass.phase >= pass.phases.size()) {
    pass.done = true;
    // The pass is complete: advance the watermark, forget the pass.
    const int64_t max_ts = std::max(stateInt(p + "max_ts"), pass.pass_max_ts);
    next_state_[p + "max_ts"] = std::to_string(max_ts);
    if (pass.stream == "orders") {
      // Next time, start at the oldest order still resting (its status can still change).
      const int64_t next = pass.oldest_resting_ts > 0 ? std::min(pass.oldest_resting_ts, max_ts) : max_ts;
      next_state_[p + "next_min_ts"] = std::to_string(next);
    }
    for (const char* key : {"phases", "phase", "cursor", "pass_min_ts", "pass_max_ts", "pass_oldest_resting_ts"}) {
      next_state_[p + key] = "";
    }
  } else {
    next_state_[p + "phase"] = std::to_string(pass.phase);
    next_state_[p + "cursor"] = pass.cursor;
    next_state_[p + "pass_max_ts"] = std::to_string(pass.pass_max_ts);
    next_state_[p + "pass_oldest_resting_ts"] = std::to_string(pass.oldest_resting_ts);
  }
  if (config_.metadata) {
    if (Status s = resolveMetadata(records, false); !s.isOk()) return s;
  }
  batch.stream = pass.stream;
  batch.records = std::move(records);
  return Status::ok();
}

void KalshiLiveSource::rejectAll(const std::string& stream, const ParsedPage& page) {
  for (const auto& rejected : page.rejected) {
    context_->reject(stream, rejected.raw, rejected.reason);
  }
}

void KalshiLiveSource::loadMarketCache() {
  if (config_.cache_db.empty() || !std::filesystem::exists(config_.cache_db)) return;
  try {
    sqlite::Database database(config_.cache_db, sqlite::Database::Mode::kReadOnly);
    sqlite::Statement exists(database.handle(),
                             "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'kalshi_markets'");
    if (!exists.step() || exists.columnInt(0) == 0) return;
    sqlite::Statement query(database.handle(),
                            "SELECT ticker, event_ticker, series_ticker, series_category, title, market_type, status, "
                            "result, yes_bid_dollars, yes_ask_dollars, last_price_dollars, close_time "
                            "FROM kalshi_markets");
    while (query.step()) {
      Record market;
      auto text = [&](int column) { return query.columnIsNull(column) ? Value() : Value(query.columnText(column)); };
      auto decimal = [&](int column) {
        Decimal value;
        return !query.columnIsNull(column) && Decimal::parse(query.columnText(column), value) ? Value(value) : Value();
      };
      Timestamp close;
      market.append("title", text(4));
      market.append("market_type", text(5));
      market.append("status", text(6));
      market.append("result", text(7));
      market.append("yes_bid_dollars", decimal(8));
      market.append("yes_ask_dollars", decimal(9));
      market.append("last_price_dollars", decimal(10));
      market.append("close_time", !query.columnIsNull(11) && Timestamp::parse(query.columnText(11), close) ? Value(close) : Value());
      const std::string ticker = query.columnText(0), event = query.columnText(1),
                        series = query.columnText(2), category = query.columnText(3);
      if (series.empty()) continue;  // incomplete entry: fetch again
      markets_[ticker] = MarketInfo{marketRecord(ticker, event, series, category, &market), false};
      events_[event] = {series, category};
      series_categories_[series] = category;
    }
  } catch (const std::exception& error) {
    context_->log(LogLevel::kWarning, "market cache in '" + config_.cache_db + "' not used: " + error.what());
  }
}

Status KalshiLiveSource::fetchMarket(const std::string& ticker, bool refresh) {
  std::string encoded;
  Poco::URI::encode(ticker, "/?#", encoded);
  std::string body, error;
  Status status = client_->get("/markets/" + encoded, {}, body, [this](const std::string& b, std::string& why) {
    return parser_.looksComplete(b, nullptr, why);
  });
  Record market;
  if (status.isOk() && !parser_.parseObject(body, "market", marketSchema(), market, error)) {
    status = Status::failed("GET /markets/" + ticker + ": " + error);
  }
  if (!status.isOk()) {
    if (status.code() == StatusCode::kUnavailable || status.code() == StatusCode::kUnauthenticated) return status;
    // An unknown or odd market must not stop the sync: record it uncategorised.
    context_->log(LogLevel::kWarning, "no metadata for market " + ticker + ": " + status.message());
    markets_[ticker] = MarketInfo{marketRecord(ticker, "", "", "", nullptr), true};
    return Status::ok();
  }
  const std::string event_ticker = market.get("event_ticker").asString();
  if (events_.find(event_ticker) == events_.end() || refresh) {
    if (events_.find(event_ticker) == events_.end()) {
      std::string event_body;
      Status event_status = client_->get("/events/" + event_ticker, {}, event_body,
                                         [this](const std::string& b, std::string& why) {
                                           return parser_.looksComplete(b, nullptr, why);
                                         });
      if (event_status.code() == StatusCode::kUnavailable || event_status.code() == StatusCode::kUnauthenticated) {
        return event_status;
      }
      Record event;
      std::string series_ticker, category;
      std::vector<std::string> sibling_tickers;
      if (event_status.isOk() && parser_.parseObject(event_body, "event", eventSchema(), event, error)) {
        series_ticker = event.get("series_ticker").asString();
        // The event's markets come with it: cache them so their tickers need no request of their own.
        ParsedPage siblings;
        if (parser_.parseList(event_body, "markets", marketSchema(), siblings, error)) {
          for (auto& sibling : siblings.records) {
            const std::string sibling_ticker = sibling.get("ticker").asString();
            if (markets_.find(sibling_ticker) == markets_.end()) {
              markets_[sibling_ticker] = MarketInfo{marketRecord(sibling_ticker, event_ticker, series_ticker, "", &sibling), true};
              sibling_tickers.push_back(sibling_ticker);
            }
          }
        }
      } else {
        context_->log(LogLevel::kWarning, "no event metadata for " + event_ticker + ": " +
                                              (event_status.isOk() ? error : event_status.message()));
      }
      if (!series_ticker.empty() && series_categories_.find(series_ticker) == series_categories_.end()) {
        std::string series_body;
        Status series_status = client_->get("/series/" + series_ticker, {}, series_body,
                                            [this](const std::string& b, std::string& why) {
                                              return parser_.looksComplete(b, nullptr, why);
                                            });
        if (series_status.code() == StatusCode::kUnavailable || series_status.code() == StatusCode::kUnauthenticated) {
          return series_status;
        }
        Record series;
        if (series_status.isOk() && parser_.parseObject(series_body, "series", seriesSchema(), series, error)) {
          series_categories_[series_ticker] = series.get("category").asString();
        } else {
          context_->log(LogLevel::kWarning, "no series metadata for " + series_ticker);
          series_categories_[series_ticker] = "";
        }
      }
      category = series_ticker.empty() ? "" : series_categories_[series_ticker];
      events_[event_ticker] = {series_ticker, category};
      // Fill in the category on the siblings cached above (only those: scanning every cached
      // market here made large accounts quadratic).
      for (const auto& sibling_ticker : sibling_tickers) markets_[sibling_ticker].record.set("series_category", Value(category));
    }
  }
  const auto& [series_ticker, category] = events_[event_ticker];
  markets_[ticker] = MarketInfo{marketRecord(ticker, event_ticker, series_ticker, category, &market), true};
  return Status::ok();
}

Status KalshiLiveSource::resolveMetadata(const std::vector<Record>& records, bool refresh_prices) {
  Batch markets;
  markets.stream = "markets";
  for (const auto& record : records) {
    const std::string* ticker = record.get("ticker").ifString();
    if (!ticker) continue;
    // Open positions are marked at the market's current price: refresh those once per run.
    bool refresh = false;
    if (refresh_prices) {
      const Decimal* position = record.get("position_fp").ifDecimal();
      refresh = position && !position->isZero();
    }
    auto it = markets_.find(*ticker);
    const bool known = it != markets_.end();
    if (!known || (refresh && !it->second.fresh)) {
      if (Status status = fetchMarket(*ticker, refresh); !status.isOk()) return status;
      emitted_markets_.erase(*ticker);  // re-emit with the fresh prices
    }
    if (emitted_markets_.insert(*ticker).second) markets.records.push_back(markets_[*ticker].record);
  }
  if (!markets.records.empty()) queued_.push_back(Queued{std::move(markets), std::nullopt});
  return Status::ok();
}

}  // namespace kalshi
}  // namespace kalshi_direct
