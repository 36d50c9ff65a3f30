// An account loaded from a hand-written JSON fixture (--fixture FILE) and served as-is.
//
// The fixture's top-level keys are balance, markets, events, series, orders, fills,
// settlements, market_positions, event_positions and historical_cutoff, each holding objects in
// exactly the API's response shapes (see README). Records are kept as the JSON text they had and
// only indexed by the few fields paging and filtering need (ticker, time, order id, status).
#pragma once

#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

#include "data_source.h"

namespace ksim {

// One-line message "<file>: <what is wrong>"; the CLI prints it and exits 2.
struct FixtureError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class FixtureAccount : public DataSource {
 public:
  // Throws FixtureError.
  FixtureAccount(const std::string& path, const std::string& mm_prefix);
  ~FixtureAccount() override;

  const std::vector<std::uint32_t>* candidates(ListKind k, const ListQuery& q) const override;
  std::int64_t sort_time_us(ListKind k, std::uint32_t idx) const override;
  bool matches(ListKind k, std::uint32_t idx, const ListQuery& q) const override;
  void render(ListKind k, std::uint32_t idx, std::string& out) const override;
  std::size_t list_size(ListKind k) const override;

  std::size_t position_count() const override { return positions_.size(); }
  const std::string& position_ticker(std::size_t i) const override { return positions_[i].ticker; }
  bool position_matches(std::size_t i, const PositionsQuery& q) const override;
  void render_position(std::size_t i, std::string& out) const override {
    out.append(positions_[i].json);
  }
  void render_event_positions(const PositionsQuery& q, JsonWriter& w) const override;

  void render_balance(int subaccount, std::string& out) const override;
  void render_cutoff(std::string& out) const override { out.append(cutoff_json_); }
  bool render_series(const std::string& series_ticker, std::string& out) const override;
  std::int64_t data_as_of_us() const override { return as_of_us_; }
  std::vector<std::string> market_tickers(MarketSet set) const override;
  bool render_market_object(const std::string& ticker, MarketSet set, std::string& event_ticker,
                            std::string& out) const override;
  std::vector<std::string> event_tickers() const override;
  bool render_event_object(const std::string& event_ticker, bool nested,
                           std::string& out) const override;
  void render_event_markets(const std::string& event_ticker, std::string& out) const override;
  std::size_t transfer_count(TransferKind k) const override {
    return transfers_[static_cast<int>(k)].size();
  }
  void render_transfer(TransferKind k, std::size_t i, std::string& out) const override {
    out.append(transfers_[static_cast<int>(k)][i].second);
  }
  void render_subaccount_balances(JsonWriter& w) const override;

  std::string truth_json() const override { return truth_json_; }

 private:
  struct Record {
    std::int64_t time_us = 0;
    std::int64_t update_us = 0;  // orders: last_update_time (historical split)
    std::string ticker;
    std::string event_ticker;
    std::string order_id;
    std::string status;
    std::string json;
    std::size_t source_index =
        0;        // position in the fixture array (for error messages, stable sort)
    int sub = 0;  // subaccount_number (absent or null: 0)
  };
  struct List {
    std::vector<std::uint32_t> all;
    std::unordered_map<std::string, std::vector<std::uint32_t>> by_ticker;
    void add(std::uint32_t idx, const std::string& ticker) {
      all.push_back(idx);
      by_ticker[ticker].push_back(idx);
    }
  };
  struct Position {
    std::string ticker;
    std::string event_ticker;
    int sub = 0;
    bool settled = false;
    bool archived = false;  // settled before market_positions_last_updated_ts
    Centis position = 0;
    Micros traded = 0;
    std::string json;
  };
  struct EventPos {
    std::string event_ticker;
    int sub = 0;
    std::string json;
  };
  struct MarketInfo {
    std::string event_ticker;
    std::string json;
    bool has_last_price = false;
    Micros last_price = 0;
    bool historical = false;  // finalized and settled before market_settled_ts
  };
  // What the truth needs from a fill / settlement, parsed once at load.
  struct TruthFill {
    std::int64_t time_us;
    std::size_t source_index;
    std::string ticker;
    std::string order_id;
    Centis count;
    Micros yes_price;
    Micros fee;
    bool outcome_yes;
    bool taker;
    int sub;
  };
  struct TruthSettlement {
    std::int64_t time_us;
    std::size_t source_index;
    std::string ticker;
    std::string result;
    Micros revenue;
    Micros fee;
    bool has_value;
    std::int64_t value;
    int sub;
  };

  const List& list(ListKind k) const;
  void build_truth(const std::string& path, const std::string& mm_prefix,
                   std::vector<TruthFill> fills, std::vector<TruthSettlement> settlements,
                   const std::map<std::string, std::string>& client_ids,
                   const std::map<std::string, std::int64_t>& orders_per_ticker,
                   std::int64_t balance_micros, std::int64_t portfolio_micros, bool has_balance);

  std::vector<Record> fills_, orders_, settlements_;
  List fills_live_, fills_hist_, orders_live_, orders_hist_, settlements_all_;
  std::vector<Position> positions_;        // sorted by ticker
  std::vector<EventPos> event_positions_;  // sorted by event ticker
  std::map<std::string, MarketInfo> markets_;
  std::map<std::string, std::string> events_;        // event_ticker -> EventData JSON
  std::map<std::string, std::string> event_series_;  // event_ticker -> series_ticker
  std::map<std::string, std::string> series_;        // series ticker -> Series JSON
  std::map<std::string, std::string> series_category_;
  std::string balance_json_;
  std::int64_t as_of_us_ = 0;
  // deposits, withdrawals, subaccount transfers: (created time, JSON), ascending
  std::vector<std::pair<std::int64_t, std::string>> transfers_[3];
  std::vector<std::pair<int, std::string>> sub_balances_;  // (subaccount_number, JSON)
  std::string cutoff_json_;
  std::int64_t trades_cutoff_us_ = 0;
  std::int64_t orders_cutoff_us_ = 0;
  std::string truth_json_;
};

}  // namespace ksim
