// A deterministic synthetic Kalshi account: series, events, markets, orders, fills,
// settlements, positions and balance, all derived from --seed and the size options.
//
// Records are compact structs (a fill is 32 bytes) and JSON is rendered on demand, so a
// 1,000,000-fill account takes tens of MB and pages render in well under a millisecond.
// Ids are not stored either: a fill/order id is a UUID-shaped string derived from
// (seed, kind, sequence) whose last 12 hex digits encode the sequence, so it can be looked up
// (order_id filter) without an index.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "data_source.h"
#include "ledger.h"
#include "rng.h"

namespace ksim {

struct GenConfig {
  std::uint64_t seed = 42;
  std::int64_t fills = 2000;
  std::int64_t markets = 0;    // 0 = derived from fills
  std::int64_t anchor_us = 0;  // end of the generated history ("now" for the account)
  int days = 150;              // length of the history
  int cutoff_days = -1;        // historical cutoff = anchor - cutoff_days; -1 = automatic:
                               // the whole hour at or below the 40% quantile of fill times
  std::string mm_prefix = "mm-";
  int netting_permille = 120;  // share of closing trades done as a buy of the other side
  Shapes shapes = Shapes::Current;
  int deposits = 3;  // deposits fund the account (the first one before trading)
  int withdrawals = 2;
  int subaccounts = 1;  // subaccounts 0..K-1 trade; 1 = only the primary
};

enum class MarketStatus : std::uint8_t { Active, Closed, Finalized };
enum class OrderStatus : std::uint8_t { Resting, Canceled, Executed };
enum class ClientIdKind : std::uint8_t { Uuid, MarketMaker, Empty };

struct GenEvent {
  std::string ticker;
  std::string title;
  std::string sub_title;
  std::uint16_t series = 0;
  std::int64_t strike_us = 0;
  bool mutually_exclusive = false;
  std::vector<std::uint32_t> markets;
};

// The account's trading in one market from one subaccount: positions and settlements are per
// (subaccount, market).
struct GenBook {
  std::uint8_t sub = 0;
  MarketLedger ledger;
  Centis volume = 0;
  std::int64_t last_update_us = 0;
  std::uint32_t orders = 0, fills = 0, maker_fills = 0, mm_fills = 0;
};

struct GenMarket {
  std::string ticker;
  std::string title;
  std::string yes_sub_title;
  std::string strike_type;   // greater / between / structured
  std::string floor_strike;  // JSON number text or "" (null)
  std::string cap_strike;
  std::uint32_t event = 0;
  std::uint16_t series = 0;
  bool scalar = false;
  bool mm_heavy = false;  // most orders come from the market-making bot
  MarketStatus status = MarketStatus::Active;
  MarketResult result = MarketResult::None;
  std::int64_t value_cents = 0;  // scalar payout of a YES contract
  std::int64_t open_us = 0, close_us = 0, settle_us = 0;
  Micros tick = 10'000;    // price increment (1c, or 0.1c for deci-cent markets)
  Micros price = 500'000;  // current / last traded YES price
  Centis user_volume = 0;  // contracts the account traded here
  std::int64_t last_update_us = 0;
  std::uint32_t orders = 0, fills = 0, maker_fills = 0, mm_fills = 0;
  std::vector<GenBook> books;  // one per subaccount trading here (1, sometimes 2)
};

enum class TransferStatus : std::uint8_t { Pending, Applied, Failed, Returned };
enum class PaymentType : std::uint8_t { Ach, Wire, Crypto, Debit, Apm };

// A deposit or a withdrawal. Only an applied one moves the balance (at finalized_us).
struct GenTransfer {
  std::int64_t created_us = 0;
  std::int64_t finalized_us = 0;  // 0 while pending
  std::int64_t amount_cents = 0;
  std::int64_t fee_cents = 0;
  TransferStatus status = TransferStatus::Applied;
  PaymentType type = PaymentType::Ach;
};

// Money moved between subaccounts (never a deposit).
struct GenSubTransfer {
  std::int64_t created_us = 0;
  std::uint8_t from = 0, to = 0;
  std::int64_t amount_cents = 0;
};

// Flag bits of fills and orders.
constexpr std::uint8_t kSideNo = 1;  // side == "no"
constexpr std::uint8_t kSell = 2;    // action == "sell"
constexpr std::uint8_t kTaker = 4;   // fill: is_taker

struct GenFill {
  std::int64_t time_us;
  std::uint32_t order;
  std::uint32_t market;
  std::int32_t count;      // centis
  std::int32_t yes_price;  // micros
  std::int32_t fee;        // micros
  std::uint8_t flags;
  std::uint8_t sub;  // subaccount number
};

struct GenOrder {
  std::int64_t created_us;
  std::int64_t updated_us;
  Micros taker_cost, maker_cost, taker_fees, maker_fees;
  std::uint32_t market;
  std::int32_t yes_price;
  std::int32_t initial;  // centis
  std::int32_t filled;   // centis
  std::uint32_t cid_seq;
  std::uint8_t flags;      // kSideNo | kSell
  std::uint8_t is_market;  // type "market"
  OrderStatus status;
  ClientIdKind cid_kind;
  std::uint8_t sub;  // subaccount number
};

struct GenSettlement {
  std::int64_t time_us;
  std::uint32_t market;
  Centis yes_count, no_count;
  Micros yes_cost, no_cost, revenue;
  std::uint8_t sub;
};

class GeneratedAccount : public DataSource {
 public:
  explicit GeneratedAccount(const GenConfig& cfg);

  const std::vector<std::uint32_t>* candidates(ListKind k, const ListQuery& q) const override;
  std::int64_t sort_time_us(ListKind k, std::uint32_t idx) const override;
  bool matches(ListKind k, std::uint32_t idx, const ListQuery& q) const override;
  void render(ListKind k, std::uint32_t idx, std::string& out) const override;
  std::size_t list_size(ListKind k) const override;

  std::size_t position_count() const override { return positions_.size(); }
  const std::string& position_ticker(std::size_t i) const override {
    return markets_[positions_[i].market].ticker;
  }
  bool position_matches(std::size_t i, const PositionsQuery& q) const override;
  void render_position(std::size_t i, std::string& out) const override;
  void render_event_positions(const PositionsQuery& q, JsonWriter& w) const override;

  void render_balance(int subaccount, std::string& out) const override;
  void render_cutoff(std::string& out) const override;
  bool render_series(const std::string& series_ticker, std::string& out) const override;
  std::int64_t data_as_of_us() const override;
  std::vector<std::string> market_tickers(MarketSet set) const override;
  bool render_market_object(const std::string& ticker, MarketSet set, std::string& event_ticker,
                            std::string& out) const override;
  std::vector<std::string> event_tickers() const override;
  bool render_event_object(const std::string& event_ticker, bool nested,
                           std::string& out) const override;
  void render_event_markets(const std::string& event_ticker, std::string& out) const override;
  std::size_t transfer_count(TransferKind k) const override;
  void render_transfer(TransferKind k, std::size_t i, std::string& out) const override;
  void render_subaccount_balances(JsonWriter& w) const override;
  std::string apply_pending_transfers() override;

  std::string truth_json() const override;
  bool can_add_fills() const override { return true; }
  AddFillsResult add_fills(int count, bool round_trips, std::int64_t at_us = 0) override;
  void render_live(const AddFillsResult& added, LiveMessages& out) const override;

  // For tests and the startup banner.
  std::size_t fill_count() const { return fills_.size(); }
  std::size_t order_count() const { return orders_.size(); }
  std::size_t market_count() const { return markets_.size(); }

 private:
  // ---- generation (generator.cpp) ----
  struct Draft;  // per-run scratch state
  void build_catalog(Rng& rng, std::int64_t market_target);
  bool add_market(Rng& rng, std::uint16_t series, bool want_open);
  void generate_trading(Rng& rng, const std::vector<std::int64_t>& fills_per_market);
  // Emits one order and its fills at the given times into orders_/fills_ (unsorted during
  // initial generation). Returns the number of fills emitted.
  int emit_order(Rng& rng, std::uint32_t market, const std::int64_t* times, int max_fills,
                 bool allow_resting, std::int64_t window_end_us);
  bool force_close_ = false;  // emit_order sells what the book holds (add_fills round trips)
  void emit_empty_order(Rng& rng, std::uint32_t market, std::int64_t created_us, OrderStatus status,
                        std::int64_t updated_us);
  void settle_markets(Rng& rng);
  void finalize_indices();
  void index_fill(std::uint32_t idx);
  void index_order(std::uint32_t idx);
  void rebuild_positions();

  // ---- rendering (gen_render.cpp) ----
  void render_fill(const GenFill& f, std::uint32_t seq, std::string& out) const;
  void render_order(const GenOrder& o, std::uint32_t seq, std::string& out) const;
  void render_settlement(const GenSettlement& s, std::string& out) const;
  void write_subaccount(std::string& out, unsigned sub) const;
  // 4 or 6: money strings of a record at `us` (2026h1: 6 decimals in odd months).
  int money_decimals(std::int64_t us) const;
  void write_market(JsonWriter& w, const GenMarket& m) const;
  void append_id(std::string& out, char kind, std::uint64_t seq) const;
  bool parse_id(const std::string& id, char kind, std::uint64_t limit, std::uint64_t& seq) const;
  void append_client_order_id(std::string& out, const GenOrder& o) const;
  bool is_historical_order(const GenOrder& o) const;
  bool is_historical_market(const GenMarket& m) const;
  bool position_in_set(const GenMarket& m, const GenBook& b, PositionSet set) const;
  Micros portfolio_value(int sub) const;
  Micros balance(int sub) const;
  Micros net_deposits()
      const;  // applied deposits (amount - fee) - applied withdrawals (amount + fee)
  void assign_books();
  void fund_account(Rng& rng);
  void record_flow(std::int64_t us, unsigned sub, Micros delta);

  GenConfig cfg_;
  Rng live_rng_;  // drives add_fills after startup
  std::int64_t start_us_ = 0;
  std::int64_t cutoff_us_ = 0;
  // Per subaccount: trading cash (fills' cash and fees, settlement revenue), net subaccount
  // transfers (in - out), time of the last activity.
  std::vector<Micros> sub_cash_, sub_transfers_;
  std::vector<std::int64_t> sub_last_us_;
  struct Flow {
    std::int64_t us;
    unsigned sub;
    Micros delta;
  };
  std::vector<Flow> flows_;  // balance changes during the initial generation (funding plan)
  bool recording_flows_ = false;
  Rng book_rng_;  // subaccount choices, so that one subaccount gives the same account
  std::vector<GenTransfer> deposits_, withdrawals_;  // ascending by created time
  std::vector<GenSubTransfer> sub_transfers_list_;   // ascending by created time
  std::int64_t last_fill_us_ = 0;
  std::int64_t last_order_us_ = 0;

  std::vector<GenEvent> events_;
  std::vector<GenMarket> markets_;
  std::unordered_map<std::string, std::uint32_t> market_by_ticker_;
  std::unordered_map<std::string, std::uint32_t> event_by_ticker_;
  std::vector<std::uint32_t> event_order_;  // event indices sorted by ticker
  struct PositionRef {
    std::uint32_t market;
    std::uint8_t book;
  };
  std::vector<PositionRef>
      positions_;  // traded (market, book) pairs sorted by (ticker, subaccount)

  std::vector<GenFill> fills_;
  std::vector<GenOrder> orders_;
  std::vector<GenSettlement> settlements_;

  // Partition lists (ascending indices) and their per-market counterparts.
  std::vector<std::uint32_t> fills_live_, fills_hist_, orders_live_, orders_hist_, settlements_all_;
  std::vector<std::vector<std::uint32_t>> fills_live_by_m_, fills_hist_by_m_, orders_live_by_m_,
      orders_hist_by_m_, settlements_by_m_;
  std::uint64_t id_mask_f_ = 0, id_mask_o_ = 0;
  std::string user_id_;
};

}  // namespace ksim
