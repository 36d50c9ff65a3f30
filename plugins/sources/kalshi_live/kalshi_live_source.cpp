#include "kalshi_live_source.h"

#include <Poco/URI.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <unordered_map>
#include <unordered_set>

#include "kalshi/cache_queries.h"
#include "kalshi_direct/store.h"

namespace kalshi_direct {
namespace kalshi {

namespace {

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
    out.push_back(
        text.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

// How much of a stream's history the database holds (state key "<stream>.history"):
//   "all"        everything, /historical included
//   "since:<t>"  everything since Unix time t
//   "live"       what the live endpoints kept when first read (about three months)
// Two coverages merge into the better one: all > since (the earlier) > live.
std::string mergedCoverage(const std::string& a, const std::string& b) {
  if (a == "all" || b == "all") return "all";
  const bool a_since = a.rfind("since:", 0) == 0, b_since = b.rfind("since:", 0) == 0;
  if (a_since && b_since) {
    int64_t ta = 0, tb = 0;
    parseInt(a.substr(6), ta);
    parseInt(b.substr(6), tb);
    return "since:" + std::to_string(std::min(ta, tb));
  }
  if (a_since) return a;
  if (b_since) return b;
  return a.empty() ? b : a;
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

Status PageGuard::next(const ParsedPage& page, const std::string& path) {
  if (page.cursor.empty()) return Status::ok();  // the last page
  if (!seen_.insert(page.cursor).second) {
    return Status::failed(
        "GET " + path +
        ": the API returned a cursor it had already returned (pagination would loop)");
  }
  empty_pages_ = page.records.empty() && page.rejected.empty() ? empty_pages_ + 1 : 0;
  if (empty_pages_ >= kMaxEmptyPages) {
    return Status::failed(
        "GET " + path + ": " + std::to_string(kMaxEmptyPages) +
        " pages in a row came back empty, each with a new cursor: the API's pagination makes "
        "no progress; stopping");
  }
  return Status::ok();
}

Status KalshiLiveSource::open(SourceContext& context) {
  context_ = &context;
  state_ = context.committedState();
  opened_ts_ = nowSeconds();
  AuthenticatorPtr auth;
  std::string warning;
  if (Status status = makeAuthenticator(
          config_, auth, warning,
          [&context](const std::string& secret) { context.registerSecret(secret); });
      !status.isOk())
    return status;
  if (!warning.empty()) context.log(LogLevel::kWarning, warning);
  if (config_.client.insecure) {
    context.log(LogLevel::kWarning,
                "TLS certificate verification is OFF (insecure: true): "
                "anyone on the network path can read and alter this traffic");
  }
  if (config_.make_client) {
    if (Status status = config_.make_client(config_.client, std::move(auth), client_);
        !status.isOk())
      return status;
  } else {
    std::unique_ptr<ApiClient> client;
    if (Status status = ApiClient::create(config_.client, std::move(auth), client); !status.isOk())
      return status;
    real_client_ = client.get();
    client_ = std::move(client);
  }
  client_->on_counter = [&context](const std::string& name, uint64_t delta) {
    context.addCounter(name, delta);
  };
  client_->on_debug = [&context](const std::string& line) { context.log(LogLevel::kDebug, line); };
  client_->stop_requested = [&context] { return context.stopRequested(); };
  if (!config_.rate_limit_auto) {
    char rate[96];
    std::snprintf(rate, sizeof rate, "rate limit: %g reads/s (%g tokens/s, %g a read)",
                  config_.client.tokens_per_second / config_.client.read_cost,
                  config_.client.tokens_per_second, config_.client.read_cost);
    context.log(LogLevel::kDebug, config_.client.tokens_per_second > 0 ? rate : "rate limit: off");
  }
  openCacheDb();
  if (config_.rate_limit_auto) {
    if (Status status = sizeRateLimitFromAccount(); !status.isOk()) return status;
  }
  if (config_.resident) {
    history_emitted_ = true;  // idle until startCatchUp()
    return Status::ok();
  }
  queueStreams(config_.streams);
  return Status::ok();
}

void KalshiLiveSource::queueStreams(const std::vector<std::string>& streams) {
  paged_streams_queued_ = paged_passes_done_ = 0;
  progress_done_seconds_ = 0;
  for (const char* stream :
       {"balance", "positions", "orders", "fills", "settlements", "transfers"}) {
    if (std::find(streams.begin(), streams.end(), stream) == streams.end()) continue;
    pending_streams_.push_back(stream);
    const std::string name(stream);
    if (name == "orders" || name == "fills" || name == "settlements") ++paged_streams_queued_;
  }
}

void KalshiLiveSource::reportProgress(const Pass& pass, int64_t oldest_ts) {
  if (pass.min_ts <= 0) return;  // no start point: the range is unknown
  const int64_t now = nowSeconds();
  const auto span = static_cast<uint64_t>(std::max<int64_t>(1, now - pass.min_ts));
  uint64_t covered = 0;
  if (pass.done) {
    covered = span;
  } else if (oldest_ts > 0) {
    covered = static_cast<uint64_t>(std::clamp<int64_t>(now - oldest_ts, 0, now - pass.min_ts));
  }
  const size_t later = paged_streams_queued_ > paged_passes_done_ + 1
                           ? paged_streams_queued_ - paged_passes_done_ - 1
                           : 0;
  context_->reportProgress(progress_done_seconds_ + covered,
                           progress_done_seconds_ + span * (1 + later));
  if (pass.done) {
    progress_done_seconds_ += span;
    ++paged_passes_done_;
  }
}

void KalshiLiveSource::startCatchUp(const std::vector<std::string>& streams) {
  releaseCaches();
  openCacheDb();
  queueStreams(streams);
  history_emitted_ = false;
}

void KalshiLiveSource::abandonCatchUp() {
  queued_.clear();
  awaiting_metadata_.reset();
  metadata_todo_.clear();
  pending_streams_.clear();
  pass_.reset();
  position_passes_.clear();
  positions_cursor_.clear();
  positions_guard_.reset();
  history_emitted_ = true;
  fetcher_.reset();
}

void KalshiLiveSource::pushBatch(Batch&& batch) {
  if (config_.metadata) planMetadata(batch.records, false);
  awaiting_metadata_ = Queued{std::move(batch), std::nullopt};
}

StateMap KalshiLiveSource::checkpoint() const { return state_; }

std::string KalshiLiveSource::stateString(const std::string& key) const {
  auto it = state_.find(key);
  return it == state_.end() ? std::string() : it->second;
}

Batch KalshiLiveSource::historyBatch() const {
  Batch batch;
  batch.stream = "history";
  for (const char* stream : {"orders", "fills", "settlements"}) {
    const std::string coverage = stateString(std::string(stream) + ".history");
    if (coverage.empty()) continue;  // never read by this state scope
    Record record;
    record.append("stream", Value(stream));
    int64_t since = 0;
    const bool is_since = coverage.rfind("since:", 0) == 0 && parseInt(coverage.substr(6), since);
    record.append("coverage", Value(is_since ? std::string("since") : coverage));
    record.append("complete_since",
                  is_since ? Value(Timestamp::fromUnixSeconds(since).toIso8601()) : Value());
    batch.records.push_back(std::move(record));
  }
  return batch;
}

int64_t KalshiLiveSource::stateInt(const std::string& key) const {
  auto it = state_.find(key);
  if (it == state_.end() || it->second.empty()) return 0;
  int64_t value = 0;
  return parseInt(it->second, value) ? value : 0;
}

uint64_t KalshiLiveSource::tickerKey(const std::string& ticker) {
  return std::hash<std::string>{}(ticker);
}

const std::string* KalshiLiveSource::eventSeries(const std::string& event_ticker) const {
  const auto it = events_.find(tickerKey(event_ticker));
  return it == events_.end() ? nullptr : &series_names_[it->second];
}

void KalshiLiveSource::setEventSeries(const std::string& event_ticker,
                                      const std::string& series_ticker) {
  const auto [it, added] =
      series_ids_.try_emplace(series_ticker, static_cast<uint32_t>(series_names_.size()));
  if (added) series_names_.push_back(series_ticker);
  events_[tickerKey(event_ticker)] = it->second;
}

void KalshiLiveSource::releaseCaches() {
  std::unordered_map<uint64_t, uint8_t>().swap(markets_);
  std::unordered_map<std::string, Record>().swap(unemitted_);
  std::unordered_map<uint64_t, uint32_t>().swap(events_);
  std::vector<std::string>().swap(series_names_);
  std::unordered_map<std::string, uint32_t>().swap(series_ids_);
  std::map<std::string, std::string>().swap(series_categories_);
  cache_.reset();
  markets_cache_ = false;
  parser_ = PageParser();
  fetcher_.reset();
}

Status KalshiLiveSource::read(Batch& batch) {
  while (queued_.empty()) {
    if (awaiting_metadata_ && !context_->stopRequested()) {
      // One chunk per pass of this loop: its markets batch (if any) is handed out before the next.
      if (metadata_todo_.empty()) {
        queued_.push_back(std::move(*awaiting_metadata_));
        awaiting_metadata_.reset();
      } else if (Status status = resolveMetadataChunk(); !status.isOk()) {
        return status;
      }
      continue;
    }
    if (pending_streams_.empty() && !history_emitted_ && !context_->stopRequested()) {
      history_emitted_ = true;
      Batch history = historyBatch();
      if (!history.records.empty()) {
        queued_.push_back(Queued{std::move(history), std::nullopt});
        continue;
      }
    }
    if (pending_streams_.empty() || context_->stopRequested()) {
      if (!config_.resident) releaseCaches();
      return Status::endOfStream();
    }
    const std::string stream = pending_streams_.front();
    Batch produced;
    Status status;
    next_state_ = state_;
    if (stream == "balance") {
      status = readBalance(produced);
      pending_streams_.pop_front();
    } else if (stream == "positions") {
      status = readPositions(produced);
    } else if (stream == "transfers") {
      status = readTransfers(produced);
      pending_streams_.pop_front();
    } else {
      if (!pass_ || pass_->stream != stream) {
        if (Status started = startPass(stream); !started.isOk()) return started;
        next_state_ = state_;
        pass_oldest_ts_ = 0;
      }
      status = readPage(*pass_, produced);
      if (status.isOk()) reportProgress(*pass_, pass_oldest_ts_);
      if (status.isOk() && pass_->done) {
        pass_.reset();
        pending_streams_.pop_front();
      }
    }
    if (!status.isOk()) return status;
    // The page waits for its metadata (the markets batches go first); then it goes with its state.
    awaiting_metadata_ = Queued{std::move(produced), next_state_};
  }
  Queued next = std::move(queued_.front());
  queued_.pop_front();
  if (next.state_after) state_ = std::move(*next.state_after);
  batch = std::move(next.batch);
  return Status::ok();
}

Status KalshiLiveSource::discoverSubaccounts() {
  if (subaccounts_) return Status::ok();
  if (!config_.subaccounts.empty()) {
    subaccounts_ = config_.subaccounts;
    return Status::ok();
  }
  // subaccounts: all. The exchange lists every subaccount that holds money or traded.
  std::vector<int64_t> found{0};
  std::string body;
  ParsedPage page;
  Status status = client_->get("/portfolio/subaccounts/balances", {}, body,
                               [this, &page](const std::string& b, std::string& why) {
                                 return parser_.parseList(b, "subaccount_balances",
                                                          subaccountBalanceSchema(), page, why);
                               });
  if (status.code() == StatusCode::kUnavailable) return status;
  if (status.isOk()) {
    for (const auto& record : page.records) {
      const int64_t number = record.get("subaccount_number").asInt();
      if (number >= 0 && number <= 63 &&
          std::find(found.begin(), found.end(), number) == found.end()) {
        found.push_back(number);
      }
    }
    std::sort(found.begin(), found.end());
  } else {
    // An API or key without subaccounts: the primary account is all there is.
    context_->log(LogLevel::kDebug,
                  "subaccounts not listed (" + status.message() + "): primary account only");
  }
  subaccounts_ = std::move(found);
  return Status::ok();
}

Status KalshiLiveSource::readBalance(Batch& batch) {
  if (Status status = discoverSubaccounts(); !status.isOk()) return status;
  batch.stream = "balance";
  // One account: GET /portfolio/balance. Several subaccounts: each one's balance (subaccount=N)
  // with a `subaccount` field, then the account's total first in the batch (no `subaccount`).
  const bool several = *subaccounts_ != std::vector<int64_t>{0};
  Record total;
  Decimal balance_dollars, portfolio_value;
  int64_t balance_cents = 0, updated_ts = 0;
  bool exact = true;
  for (const int64_t subaccount : several ? *subaccounts_ : std::vector<int64_t>{-1}) {
    Query query;
    if (subaccount >= 0) query.emplace_back("subaccount", std::to_string(subaccount));
    std::string body, error;
    Status status = client_->get("/portfolio/balance", query, body,
                                 [this](const std::string& b, std::string& why) {
                                   return parser_.looksComplete(b, nullptr, why);
                                 });
    if (!status.isOk()) return status;
    Record record;
    if (!parser_.parseObject(body, nullptr, balanceSchema(), record, error)) {
      return Status::failed("GET /portfolio/balance: " + error);
    }
    if (subaccount < 0) {
      record.append("snapshot_source", Value("live"));
      batch.records.push_back(std::move(record));
      return Status::ok();
    }
    const Decimal* dollars = record.get("balance_dollars").ifDecimal();
    exact = exact && dollars;
    balance_dollars += dollars ? *dollars : Decimal(record.get("balance").asInt(), 2);
    balance_cents += record.get("balance").asInt();
    if (const int64_t* value = record.get("portfolio_value").ifInt())
      portfolio_value += Decimal(*value, 2);
    if (const int64_t* ts = record.get("updated_ts").ifInt())
      updated_ts = std::max(updated_ts, *ts);
    record.append("snapshot_source", Value("live"));
    record.append("subaccount", Value(subaccount));
    batch.records.push_back(std::move(record));
  }
  total.append("balance", Value(balance_cents));
  total.append("balance_dollars", exact ? Value(balance_dollars) : Value());
  total.append("portfolio_value", Value(portfolio_value.toUnits(2)));
  total.append("updated_ts", updated_ts ? Value(updated_ts) : Value());
  total.append("snapshot_source", Value("live"));
  batch.records.insert(batch.records.begin(), std::move(total));
  return Status::ok();
}

Status KalshiLiveSource::readPositions(Batch& batch) {
  if (Status status = discoverSubaccounts(); !status.isOk()) return status;
  // Passes: per subaccount, the live positions (positions: all -> every settlement status), then
  // (positions: all) the settled ones archived under /historical/positions.
  if (position_passes_.empty()) {
    for (const int64_t subaccount : *subaccounts_) {
      position_passes_.push_back({subaccount, false});
      if (!config_.open_positions_only) position_passes_.push_back({subaccount, true});
    }
  }
  const PositionPass& pass = position_passes_.front();
  const bool several = *subaccounts_ != std::vector<int64_t>{0};
  const std::string path = pass.historical ? "/historical/positions" : "/portfolio/positions";
  Query query{{"limit", std::to_string(config_.page_size)}};
  if (!positions_cursor_.empty()) query.emplace_back("cursor", positions_cursor_);
  if (config_.open_positions_only) query.emplace_back("count_filter", "position");
  if (!pass.historical && !config_.open_positions_only)
    query.emplace_back("settlement_status", "all");
  if (several) query.emplace_back("subaccount", std::to_string(pass.subaccount));
  std::string body;
  ParsedPage page;  // parsed by the validator: each page once
  Status status =
      client_->get(path, query, body, [this, &page](const std::string& b, std::string& why) {
        return parser_.parseList(b, "market_positions", marketPositionSchema(), page, why);
      });
  if (!status.isOk() && !(pass.historical && client_->lastHttpStatus() == 404)) return status;
  rejectAll("positions", page);
  noteParse(page.notes);
  if (Status status = positions_guard_.next(page, path); !status.isOk()) return status;
  positions_cursor_ = page.cursor;
  for (auto& record : page.records) {
    // The request said whose positions these are, whether or not the record does.
    if (several || record.get("subaccount_number").isNull())
      record.set("subaccount_number", Value(pass.subaccount));
  }
  if (page.cursor.empty()) {
    position_passes_.pop_front();
    positions_guard_.reset();
    if (position_passes_.empty()) pending_streams_.pop_front();
  }
  if (config_.metadata) planMetadata(page.records, true);
  batch.stream = "positions";
  batch.records = std::move(page.records);
  return Status::ok();
}

namespace {

Value isoFromUnix(const Value& seconds) {
  const int64_t* value = seconds.ifInt();
  return value && *value > 0 ? Value(Timestamp::fromUnixSeconds(*value).toIso8601()) : Value();
}

// A deposit or withdrawal as a kalshi_transfers row. They reach the primary account.
Record movementRow(Record&& movement, const char* direction) {
  Record row;
  row.append("id", movement.get("id"));
  row.append("direction", Value(direction));
  row.append("status", movement.get("status"));
  row.append("type", movement.get("type"));
  row.append("amount_cents", movement.get("amount_cents"));
  row.append("fee_cents", movement.get("fee_cents"));
  row.append("created_at", isoFromUnix(movement.get("created_ts")));
  row.append("finalized_at", isoFromUnix(movement.get("finalized_ts")));
  row.append("subaccount", Value(int64_t{0}));
  row.append("from_subaccount", Value());
  row.append("to_subaccount", Value());
  return row;
}

// Money moved between two subaccounts: never a deposit. Applied when it appears.
Record subaccountTransferRow(Record&& transfer) {
  Record row;
  row.append("id", transfer.get("transfer_id"));
  row.append("direction", Value("subaccount_transfer"));
  row.append("status", Value("applied"));
  row.append("type", Value());
  row.append("amount_cents", transfer.get("amount_cents"));
  row.append("fee_cents", Value(int64_t{0}));
  row.append("created_at", isoFromUnix(transfer.get("created_ts")));
  row.append("finalized_at", isoFromUnix(transfer.get("created_ts")));
  row.append("subaccount", transfer.get("to_subaccount"));
  row.append("from_subaccount", transfer.get("from_subaccount"));
  row.append("to_subaccount", transfer.get("to_subaccount"));
  return row;
}

}  // namespace

Status KalshiLiveSource::readTransfers(Batch& batch) {
  batch.stream = "transfers";
  struct Endpoint {
    const char* path;
    const char* array;
    const RecordSchema& schema;
    const char* direction;  // nullptr: subaccount transfers
    int max_limit;
  };
  const Endpoint endpoints[] = {
      {"/portfolio/deposits", "deposits", depositSchema(), "deposit", 500},
      {"/portfolio/withdrawals", "withdrawals", depositSchema(), "withdrawal", 500},
      {"/portfolio/subaccounts/transfers", "transfers", subaccountTransferSchema(), nullptr, 1000},
  };
  for (const Endpoint& endpoint : endpoints) {
    std::string cursor;
    PageGuard guard;
    do {
      Query query{{"limit", std::to_string(std::min(config_.page_size, endpoint.max_limit))}};
      if (!cursor.empty()) query.emplace_back("cursor", cursor);
      std::string body;
      ParsedPage page;
      Status status =
          client_->get(endpoint.path, query, body, [&](const std::string& b, std::string& why) {
            return parser_.parseList(b, endpoint.array, endpoint.schema, page, why);
          });
      if (!status.isOk()) {
        // Reported by a client for an account that never withdrew: the list is empty.
        if (client_->lastHttpStatus() == 404) {
          context_->log(LogLevel::kDebug,
                        std::string("GET ") + endpoint.path + ": 404, counted as none");
          break;
        }
        return status;
      }
      rejectAll("transfers", page);
      noteParse(page.notes);
      for (auto& record : page.records) {
        batch.records.push_back(endpoint.direction
                                    ? movementRow(std::move(record), endpoint.direction)
                                    : subaccountTransferRow(std::move(record)));
      }
      cursor = page.cursor;
      if (Status status = guard.next(page, endpoint.path); !status.isOk()) return status;
    } while (!cursor.empty());
  }
  return Status::ok();
}

Status KalshiLiveSource::sizeRateLimitFromAccount() {
  auto getJson = [this](const char* path, std::string& body) {
    return client_->get(path, {}, body, [this](const std::string& b, std::string& why) {
      return parser_.looksComplete(b, nullptr, why);
    });
  };
  auto keepBasic = [this](const std::string& why) {
    context_->log(
        LogLevel::kWarning,
        "rate_limit: auto could not read the account's limits (" + why +
            "); using the Basic tier (20 reads/s); set rate_limit to a tier to silence this");
    return Status::ok();
  };
  std::string body;
  Status status = getJson("/account/limits", body);
  if (status.code() == StatusCode::kUnavailable) return status;
  if (!status.isOk()) return keepBasic(status.message());
  simdjson::dom::parser parser;
  simdjson::dom::element limits;
  int64_t refill = 0, capacity = 0;
  std::string_view tier;
  if (parser.parse(body).get(limits) != simdjson::SUCCESS ||
      limits["read"]["refill_rate"].get_int64().get(refill) != simdjson::SUCCESS || refill <= 0) {
    return keepBasic("GET /account/limits: no read.refill_rate");
  }
  if (limits["read"]["bucket_capacity"].get_int64().get(capacity) != simdjson::SUCCESS)
    capacity = 0;
  if (limits["usage_tier"].get_string().get(tier) != simdjson::SUCCESS) tier = "?";
  const std::string tier_name(tier);

  // Costs: the default per read, and the endpoints that differ. Without them: 10 tokens a read.
  int64_t default_cost = 10;
  std::vector<std::pair<std::string, double>> costs;
  status = getJson("/account/endpoint_costs", body);
  if (status.code() == StatusCode::kUnavailable) return status;
  simdjson::dom::element answer;
  if (status.isOk() && parser.parse(body).get(answer) == simdjson::SUCCESS) {
    int64_t value = 0;
    if (answer["default_cost"].get_int64().get(value) == simdjson::SUCCESS && value > 0)
      default_cost = value;
    simdjson::dom::array list;
    if (answer["endpoint_costs"].get_array().get(list) == simdjson::SUCCESS) {
      for (simdjson::dom::element entry : list) {
        std::string_view method, path;
        int64_t cost = 0;
        if (entry["method"].get_string().get(method) == simdjson::SUCCESS && method == "GET" &&
            entry["path"].get_string().get(path) == simdjson::SUCCESS &&
            entry["cost"].get_int64().get(cost) == simdjson::SUCCESS && cost > 0) {
          costs.emplace_back(std::string(path), static_cast<double>(cost));
        }
      }
    }
  } else if (status.code() == StatusCode::kUnauthenticated) {
    return status;
  }
  client_->setRateLimit(static_cast<double>(refill), static_cast<double>(capacity),
                        static_cast<double>(default_cost), std::move(costs));
  context_->log(LogLevel::kInfo, "rate limit from the account: tier " + tier_name + ", " +
                                     std::to_string(refill) + " read tokens/s, " +
                                     std::to_string(default_cost) + " a read (" +
                                     std::to_string(refill / default_cost) + " reads/s)");
  return Status::ok();
}

void KalshiLiveSource::noteParse(const ParseNotes& notes) {
  if (notes.legacy_direction) context_->addCounter("direction_from_legacy", notes.legacy_direction);
  if (notes.rounded_values) context_->addCounter("values_rounded", notes.rounded_values);
  if (notes.direction_conflicts) {
    context_->addCounter("direction_conflicts", notes.direction_conflicts);
    if (!warned_conflict_) {
      warned_conflict_ = true;
      context_->log(
          LogLevel::kWarning,
          "records whose outcome_side/book_side and action/side disagree: outcome_side was used "
          "(the count is direction_conflicts in the run summary)");
    }
  }
}

Status KalshiLiveSource::fetchCutoff() {
  if (cutoff_trades_ts_) return Status::ok();
  std::string body, error;
  Status status =
      client_->get("/historical/cutoff", {}, body, [this](const std::string& b, std::string& why) {
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
    pass.coverage = state_[p + "pass_coverage"];
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
    pass.coverage = "all";
  } else {
    int64_t start = 0;
    if (config_.since == "watermark") {
      start = stream == "orders" ? stateInt(p + "next_min_ts") : stateInt(p + "max_ts");
    } else {
      int64_t days = 0, millis = 0;
      // From when the run began: every stream of the run starts at the same point.
      if (parseInt(config_.since, days)) {
        start = opened_ts_ - days * 86400;  // days <= kMaxSinceDays (plugin.cpp): no overflow
      } else if (parseDurationMillis(config_.since, millis)) {
        start = opened_ts_ - millis / 1000;
      }
      // A range that reaches back before 1970 covers everything: the whole history, historical
      // tier included (a start <= 0 would otherwise read as "no start" and skip it).
      if (start <= 0) {
        start = 0;
        want_historical = has_historical;
      }
    }
    pass.min_ts = start;
    if (config_.since != "watermark") {
      pass.coverage = start == 0 ? "all" : "since:" + std::to_string(start);
    } else {
      // Continuing from a watermark keeps what the passes before reached; a first pass reads
      // only what the live endpoints keep.
      const std::string before = stateString(p + "history");
      pass.coverage = before.empty() ? "live" : before;
    }
    if (config_.since == "watermark" && stream == "orders" && stateInt(p + "max_ts") > 0 &&
        haveOrdersTable()) {
      // Orders change after they are created: read every order resting now, then the orders
      // created since the last pass; an order resting at the last pass and not now (canceled,
      // executed) moves the second phase's start back to its creation (see finishRestingPhase).
      pass.phases = {"resting", "live"};
      pass.min_ts = stateInt(p + "max_ts");
    }
    // What could have moved to /historical since: records older than the start point. For orders
    // in watermark mode the start is the oldest order still resting, but an order that changed
    // since the last pass was updated after that pass ran, so the last pass's time decides.
    int64_t history_start = start;
    if (config_.since == "watermark" && stream == "orders") history_start = stateInt(p + "max_ts");
    // The historical endpoints hold what is older than the cutoff (~3 months back). Only ask for
    // the cutoff when the start point is old enough to possibly be behind it.
    if (history_start > 0 && has_historical &&
        (now - history_start) * 1000 > config_.history_check_ms) {
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
  state_[p + "pass_coverage"] = pass.coverage;
  return Status::ok();
}

PageFetcher::Request KalshiLiveSource::pageRequest(const Pass& pass) const {
  const std::string& phase = pass.phases[pass.phase];
  const bool historical = phase == "historical";
  PageFetcher::Request request;
  request.path = (historical ? "/historical/" : "/portfolio/") + pass.stream;
  request.query = {{"limit", std::to_string(config_.page_size)}};
  if (!pass.cursor.empty()) request.query.emplace_back("cursor", pass.cursor);
  if (phase == "resting") {
    request.query.emplace_back("status", "resting");
  } else if (!historical && pass.min_ts > 0) {
    request.query.emplace_back("min_ts", std::to_string(pass.min_ts));
  }
  request.array = arrayField(pass.stream);
  request.schema = &schemaFor(pass.stream);
  return request;
}

void KalshiLiveSource::prefetchPage(const Pass& pass) {
  if (!real_client_ || pass.done || context_->stopRequested()) return;
  if (!fetcher_) {
    // A second connection with credentials of its own, drawing from the same token bucket.
    AuthenticatorPtr auth;
    std::string warning;
    std::unique_ptr<ApiClient> client;
    SourceContext& context = *context_;
    if (!makeAuthenticator(
             config_, auth, warning,
             [&context](const std::string& secret) { context.registerSecret(secret); })
             .isOk() ||
        !ApiClient::create(config_.client, std::move(auth), client).isOk()) {
      real_client_ = nullptr;  // no fetch ahead: every page is read in turn, as before
      return;
    }
    client->shareRateLimit(*real_client_);
    client->stop_requested = [&context] { return context.stopRequested(); };
    fetcher_ = std::make_unique<PageFetcher>(std::move(client));
  }
  fetcher_->prefetch(pageRequest(pass));
}

Status KalshiLiveSource::readPage(Pass& pass, Batch& batch) {
  const PageFetcher::Request request = pageRequest(pass);
  const bool historical = pass.phases[pass.phase] == "historical";
  const bool resting = pass.phases[pass.phase] == "resting";
  const std::string& path = request.path;
  ParsedPage page;  // parsed by the validator: each page once
  Status status;
  PageFetcher::Result fetched;
  if (fetcher_ && fetcher_->take(request, fetched)) {
    context_->addCounter("pages_fetched_ahead", 1);
    for (const auto& [name, delta] : fetched.counters) context_->addCounter(name, delta);
    for (const auto& line : fetched.debug_lines) context_->log(LogLevel::kDebug, line);
    status = fetched.status;
    page = std::move(fetched.page);
  } else {
    std::string body;
    status = client_->get(path, request.query, body,
                          [this, &request, &page](const std::string& b, std::string& why) {
                            return parser_.parseList(b, request.array, *request.schema, page, why);
                          });
  }
  if (!status.isOk()) return status;
  rejectAll(pass.stream, page);
  noteParse(page.notes);

  bool phase_done = page.cursor.empty();
  if (Status status = pass.guard.next(page, path); !status.isOk()) return status;
  std::vector<Record> records;
  records.reserve(page.records.size());
  for (auto& record : page.records) {
    const int64_t time = recordTime(pass.stream, record);
    if (historical && pass.min_ts > 0 && time > 0 && time < pass.min_ts) {
      phase_done = true;  // newest first: everything after this is older still
      continue;
    }
    pass.pass_max_ts = std::max(pass.pass_max_ts, time);
    if (time > 0 && !resting)
      pass_oldest_ts_ = pass_oldest_ts_ == 0 ? time : std::min(pass_oldest_ts_, time);
    if (resting) {
      if (const std::string* id = record.get("order_id").ifString()) pass.resting_seen.insert(*id);
    }
    if (pass.stream == "orders" && record.get("status").ifString() &&
        record.get("status").asString() == "resting" && time > 0) {
      pass.oldest_resting_ts =
          pass.oldest_resting_ts == 0 ? time : std::min(pass.oldest_resting_ts, time);
    }
    records.push_back(std::move(record));
  }

  const std::string p = pass.stream + ".";
  pass.cursor = phase_done ? "" : page.cursor;
  if (phase_done && resting) finishRestingPhase(pass);
  if (phase_done) ++pass.phase;
  if (pass.phase >= pass.phases.size()) {
    pass.done = true;
    // The pass is complete: advance the watermark, forget the pass. A pass that started after
    // the watermark (since: 7d on a database last synced a month ago, sharing its state scope)
    // leaves a gap: the watermark and the coverage stay, so the next sync reads the gap instead
    // of skipping it forever.
    const int64_t previous = stateInt(p + "max_ts");
    if (previous > 0 && pass.min_ts > previous) {
      context_->log(LogLevel::kInfo,
                    pass.stream + ": this pass started after the watermark (" +
                        Timestamp::fromUnixSeconds(previous).toIso8601() +
                        "); the watermark stays, so the next sync reads what lies between");
    } else {
      const int64_t max_ts = std::max(previous, pass.pass_max_ts);
      next_state_[p + "max_ts"] = std::to_string(max_ts);
      if (pass.stream == "orders") {
        // Next time, start at the oldest order still resting (its status can still change).
        const int64_t next =
            pass.oldest_resting_ts > 0 ? std::min(pass.oldest_resting_ts, max_ts) : max_ts;
        next_state_[p + "next_min_ts"] = std::to_string(next);
      }
      next_state_[p + "history"] = mergedCoverage(stateString(p + "history"), pass.coverage);
    }
    for (const char* key : {"phases", "phase", "cursor", "pass_min_ts", "pass_max_ts",
                            "pass_oldest_resting_ts", "pass_coverage"}) {
      next_state_[p + key] = "";
    }
  } else {
    next_state_[p + "phase"] = std::to_string(pass.phase);
    next_state_[p + "cursor"] = pass.cursor;
    next_state_[p + "pass_min_ts"] = std::to_string(pass.min_ts);
    next_state_[p + "pass_max_ts"] = std::to_string(pass.pass_max_ts);
    next_state_[p + "pass_oldest_resting_ts"] = std::to_string(pass.oldest_resting_ts);
  }
  // The next page comes in while this one is handed out and written.
  prefetchPage(pass);
  if (config_.metadata) planMetadata(records, false);
  batch.stream = pass.stream;
  batch.records = std::move(records);
  return Status::ok();
}

bool KalshiLiveSource::haveOrdersTable() const {
  try {
    return cache_ && cache_->tableExists("kalshi_orders");
  } catch (const std::exception&) {
    return false;
  }
}

void KalshiLiveSource::finishRestingPhase(Pass& pass) {
  // kalshi_orders holds what the last pass saw (this run's rows are not committed yet).
  int64_t oldest = 0;
  size_t vanished = 0;
  bool unknown_time = false;
  try {
    if (!cache_) throw std::runtime_error("not open");  // a resumed pass whose database went away
    forEachRestingOrder(*cache_, [&](const std::string& id, const std::string& created_at) {
      if (pass.resting_seen.count(id)) return;
      ++vanished;
      Timestamp created;
      if (!Timestamp::parse(created_at, created)) {
        unknown_time = true;
        return;
      }
      const int64_t time = created.unixSeconds() - 1;  // min_ts may be exclusive
      oldest = oldest == 0 ? time : std::min(oldest, time);
    });
  } catch (const std::exception& error) {
    unknown_time = true;
    context_->log(LogLevel::kWarning, std::string("cannot read resting orders from '") +
                                          config_.cache_db + "': " + error.what() +
                                          "; re-reading all live orders");
  }
  pass.resting_seen.clear();
  if (unknown_time) {
    pass.min_ts = 0;
  } else if (oldest > 0) {
    pass.min_ts = std::min(pass.min_ts, oldest);
  }
  if (vanished > 0) {
    context_->log(LogLevel::kDebug, std::to_string(vanished) +
                                        " order(s) no longer resting: reading orders from " +
                                        std::to_string(pass.min_ts));
  }
}

void KalshiLiveSource::rejectAll(const std::string& stream, const ParsedPage& page) {
  for (const auto& rejected : page.rejected) {
    context_->reject(stream, rejected.raw, rejected.reason);
  }
}

void KalshiLiveSource::openCacheDb() {
  if (config_.cache_db.empty()) return;
  try {
    if (Status status = context_->openReadOnlyStore(config_.cache_db, cache_); !status.isOk()) {
      throw StoreError(status.message());
    }
    if (!cache_) return;  // nothing synced there yet
    if (!config_.metadata || !cache_->tableExists("kalshi_markets")) return;
    // Events are few (one per traded event) and spare a request each: load them all. Markets are
    // looked up page by page (lookUpMarketCache), so memory does not grow with the cache.
    forEachEventSeries(*cache_, [&](const std::string& event, const std::string& series,
                                    const std::string& category) {
      setEventSeries(event, series);
      series_categories_[series] = category;
    });
    markets_cache_ = true;
  } catch (const std::exception& error) {
    context_->log(LogLevel::kWarning,
                  "market cache in '" + config_.cache_db + "' not used: " + error.what());
    cache_.reset();
  }
}

void KalshiLiveSource::lookUpMarketCache(const std::vector<std::string>& tickers) {
  if (!markets_cache_ || tickers.empty()) return;
  try {
    forEachCachedMarket(*cache_, tickers, [&](CachedMarket&& market) {
      unemitted_[market.ticker] =
          marketRecord(market.ticker, market.event_ticker, market.series_ticker,
                       market.series_category, &market.details);
      markets_[tickerKey(market.ticker)] = 0;
    });
  } catch (const std::exception& error) {
    context_->log(LogLevel::kWarning,
                  "market cache in '" + config_.cache_db + "' not used: " + error.what());
    markets_cache_ = false;
  }
}

Status KalshiLiveSource::getObject(const std::string& prefix, const std::string& key,
                                   const char* wrapper, const RecordSchema& schema, Record& out,
                                   bool& found) {
  found = false;
  std::string path = prefix, body, error;
  Poco::URI::encode(key, "/?#", path);
  Status status = client_->get(path, {}, body, [this](const std::string& b, std::string& why) {
    return parser_.looksComplete(b, nullptr, why);
  });
  if (status.code() == StatusCode::kUnavailable || status.code() == StatusCode::kUnauthenticated)
    return status;
  if (status.isOk() && parser_.parseObject(body, wrapper, schema, out, error)) {
    found = true;
  } else {
    metadata_error_ = status.isOk() ? "GET " + path + ": " + error : status.message();
  }
  return Status::ok();
}

Status KalshiLiveSource::fetchList(const std::string& path, const char* array,
                                   const RecordSchema& schema, const std::vector<std::string>& keys,
                                   const char* key_field,
                                   std::unordered_map<std::string, Record>& found, bool& usable) {
  for (size_t start = 0; start < keys.size() && usable; start += kTickersPerRequest) {
    const size_t end = std::min(keys.size(), start + kTickersPerRequest);
    std::string list;
    for (size_t i = start; i < end; ++i) list += (i == start ? "" : ",") + keys[i];
    std::string cursor;
    PageGuard guard;
    do {
      Query query{{"tickers", list}, {"limit", std::to_string(kTickersPerRequest)}};
      if (!cursor.empty()) query.emplace_back("cursor", cursor);
      std::string body;
      ParsedPage page;  // parsed by the validator: each page once
      Status status = client_->get(path, query, body, [&](const std::string& b, std::string& why) {
        return parser_.parseList(b, array, schema, page, why);
      });
      if (status.code() == StatusCode::kUnavailable ||
          status.code() == StatusCode::kUnauthenticated)
        return status;
      if (!status.isOk()) {
        // An API without the batch form: ask one by one from now on.
        context_->log(LogLevel::kWarning, "GET " + path + "?tickers=... not usable (" +
                                              status.message() + "): asking one at a time");
        usable = false;
        break;
      }
      for (auto& record : page.records) {
        if (const std::string* key = record.get(key_field).ifString())
          found[*key] = std::move(record);
      }
      cursor = page.cursor;
      if (!guard.next(page, path).isOk()) break;  // metadata: take what we have
    } while (!cursor.empty());
  }
  return Status::ok();
}

Status KalshiLiveSource::fetchMarkets(const std::vector<std::string>& tickers) {
  // Markets: live ones in batches; those settled before the historical cutoff are only under
  // /historical/markets, also in batches; one by one only where a batch form is not usable.
  std::unordered_map<std::string, Record> found;
  if (Status s = fetchList("/markets", "markets", marketSchema(), tickers, "ticker", found,
                           batch_markets_);
      !s.isOk()) {
    return s;
  }
  std::vector<std::string> missing;
  for (const auto& ticker : tickers) {
    if (!found.count(ticker)) missing.push_back(ticker);
  }
  if (Status s = fetchList("/historical/markets", "markets", marketSchema(), missing, "ticker",
                           found, batch_historical_markets_);
      !s.isOk()) {
    return s;
  }
  for (const auto& ticker : missing) {
    if (found.count(ticker)) continue;
    metadata_error_.clear();
    Record market;
    bool have = false;
    for (const char* prefix : {"/markets/", "/historical/markets/"}) {
      if (Status status = getObject(prefix, ticker, "market", marketSchema(), market, have);
          !status.isOk()) {
        return status;
      }
      if (have) break;
    }
    if (have) {
      found[ticker] = std::move(market);
    } else {
      // An unknown or odd market must not stop the sync: record it uncategorised.
      context_->log(LogLevel::kWarning,
                    "no metadata for market " + ticker + ": " + metadata_error_);
    }
  }

  // Events (series of each market), in batches; then each new series once.
  std::vector<std::string> events;
  std::unordered_set<std::string> listed;
  for (const auto& [ticker, market] : found) {
    const std::string& event_ticker = market.get("event_ticker").asString();
    if (!eventSeries(event_ticker) && listed.insert(event_ticker).second)
      events.push_back(event_ticker);
  }
  if (Status status = resolveEvents(events); !status.isOk()) return status;

  for (const auto& ticker : tickers) {
    auto it = found.find(ticker);
    if (it == found.end()) {
      unemitted_[ticker] = marketRecord(ticker, "", "", "", nullptr);
      markets_[tickerKey(ticker)] = kMarketFresh;
      continue;
    }
    const std::string event_ticker = it->second.get("event_ticker").asString();
    const std::string* known_series = eventSeries(event_ticker);
    const std::string series_ticker = known_series ? *known_series : std::string();
    const auto series = series_categories_.find(series_ticker);
    const std::string category =
        series == series_categories_.end() ? std::string() : series->second;
    unemitted_[ticker] = marketRecord(ticker, event_ticker, series_ticker, category, &it->second);
    markets_[tickerKey(ticker)] = kMarketFresh;
  }
  return Status::ok();
}

Status KalshiLiveSource::resolveEvents(const std::vector<std::string>& event_tickers) {
  std::unordered_map<std::string, Record> found;
  if (Status s = fetchList("/events", "events", eventSchema(), event_tickers, "event_ticker", found,
                           batch_events_);
      !s.isOk()) {
    return s;
  }
  for (const auto& event_ticker : event_tickers) {
    auto it = found.find(event_ticker);
    Record event;
    bool have = it != found.end();
    if (have) {
      event = std::move(it->second);
    } else {
      if (Status status = getObject("/events/", event_ticker, "event", eventSchema(), event, have);
          !status.isOk()) {
        return status;
      }
      if (!have)
        context_->log(LogLevel::kWarning,
                      "no event metadata for " + event_ticker + ": " + metadata_error_);
    }
    const std::string series_ticker = have ? event.get("series_ticker").asString() : std::string();
    if (!series_ticker.empty() &&
        series_categories_.find(series_ticker) == series_categories_.end()) {
      // Series are few and never change category: asked once, then cached (kalshi_markets).
      Record series;
      bool have_series = false;
      if (Status status =
              getObject("/series/", series_ticker, "series", seriesSchema(), series, have_series);
          !status.isOk()) {
        return status;
      }
      if (!have_series) {
        context_->log(LogLevel::kWarning,
                      "no series metadata for " + series_ticker + ": " + metadata_error_);
      }
      const Value& category = series.get("category");
      series_categories_[series_ticker] =
          have_series && !category.isNull() ? category.asString() : "";
    }
    setEventSeries(event_ticker, series_ticker);
  }
  return Status::ok();
}

void KalshiLiveSource::planMetadata(const std::vector<Record>& records, bool refresh_prices) {
  metadata_todo_.clear();
  needs_refresh_.clear();
  std::unordered_set<std::string> seen;
  for (const auto& record : records) {
    const std::string* ticker = record.get("ticker").ifString();
    if (!ticker) continue;
    if (seen.insert(*ticker).second) metadata_todo_.push_back(*ticker);
    const Decimal* position = refresh_prices ? record.get("position_fp").ifDecimal() : nullptr;
    if (position && !position->isZero()) needs_refresh_.insert(*ticker);
  }
}

Status KalshiLiveSource::resolveMetadataChunk() {
  std::vector<std::string> chunk;
  while (!metadata_todo_.empty() && chunk.size() < kTickersPerRequest) {
    chunk.push_back(std::move(metadata_todo_.front()));
    metadata_todo_.pop_front();
  }
  // Tickers this run has not met yet: the cache first, the API for the rest.
  std::vector<std::string> unmet;
  for (const auto& ticker : chunk) {
    if (markets_.find(tickerKey(ticker)) == markets_.end()) unmet.push_back(ticker);
  }
  lookUpMarketCache(unmet);
  // To fetch: unknown anywhere, or (open positions) not refreshed in this run yet.
  std::vector<std::string> wanted;
  for (const auto& ticker : chunk) {
    auto it = markets_.find(tickerKey(ticker));
    if (it == markets_.end() || (needs_refresh_.count(ticker) && !(it->second & kMarketFresh)))
      wanted.push_back(ticker);
  }
  if (Status status = fetchMarkets(wanted); !status.isOk()) return status;  // (re-)emitted below
  Batch markets;
  markets.stream = "markets";
  for (const auto& ticker : chunk) {
    uint8_t& flags = markets_[tickerKey(ticker)];
    if (flags & kMarketEmitted) continue;
    // Emitted once per run: the record is not needed after that.
    if (auto record = unemitted_.find(ticker); record != unemitted_.end()) {
      markets.records.push_back(std::move(record->second));
      unemitted_.erase(record);
    }
    flags |= kMarketEmitted;
  }
  if (!markets.records.empty()) queued_.push_back(Queued{std::move(markets), std::nullopt});
  return Status::ok();
}

}  // namespace kalshi
}  // namespace kalshi_direct
