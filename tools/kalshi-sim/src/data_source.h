// The interface between the HTTP layer and an account (generated or loaded from a fixture).
//
// Records of each list endpoint live in arrays sorted by their time (fills: created time,
// orders: created_time, settlements: settled_time); a record's index in that array is its
// sequence number and the tie-breaker of the sort key. Lists are ascending vectors of such
// indices (one per endpoint partition, plus per-market lists for ticker filters), so paging can
// binary-search by time and by cursor. New records are only ever appended with a later time,
// which is what keeps a cursor stable while the account grows.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "json_writer.h"

namespace ksim {

// How JSON is shaped: `Current` is what the 3.34.0 schemas describe; `H2026` is how Kalshi's
// production API really sent records in the first half of 2026 (see README "Shapes").
enum class Shapes : std::uint8_t { Current, H2026 };

// Records created before this instant (2026-07-01T00:00:00Z) lack outcome_side/book_side in
// the H2026 shapes.
constexpr std::int64_t kOutcomeSideSinceUs = 1782864000LL * 1'000'000;

enum class ListKind { Fills, HistFills, Orders, HistOrders, Settlements };

// Short tag written into cursors so a cursor from one endpoint is rejected by another.
const char* list_kind_tag(ListKind k);

struct ListQuery {
  int subaccount = -1;  // -1 = all subaccounts
  std::string ticker;
  std::vector<std::string> event_tickers;  // orders accept a comma-separated list
  std::string order_id;
  std::string status;
  bool has_min_ts = false;
  bool has_max_ts = false;
  std::int64_t min_ts = 0;  // inclusive, Unix seconds
  std::int64_t max_ts = 0;  // exclusive, Unix seconds
};

// Which positions: the live endpoint's settlement_status (unsettled / settled / all), or the
// archived settled positions of /historical/positions.
enum class PositionSet : std::uint8_t { Unsettled, Settled, All, Historical };

struct PositionsQuery {
  std::string ticker;
  std::string event_ticker;
  int subaccount = 0;
  PositionSet set = PositionSet::Unsettled;
  bool need_position = false;  // count_filter=position
  bool need_traded = false;    // count_filter=total_traded
};

// Markets settled before the cutoff's market_settled_ts are only on /historical/markets.
enum class MarketSet : std::uint8_t { Live, Historical };

// Money movements: newest first, paged by index.
enum class TransferKind : std::uint8_t { Deposits, Withdrawals, SubaccountTransfers };

struct AddFillsResult {
  int fills = 0;
  int orders = 0;
  std::uint32_t first_fill = 0;   // index of the first new fill (they are consecutive)
  std::uint32_t first_order = 0;  // index of the first new order
  std::int64_t first_us = 0;
  std::int64_t last_us = 0;
  std::vector<std::string> round_trip_tickers;  // markets opened and closed again (round_trips)
};

// A 400 with Kalshi's {"code","message","details"} body.
struct BadRequest : std::runtime_error {
  BadRequest(const std::string& message, std::string details_)
      : std::runtime_error(message), details(std::move(details_)) {}
  std::string details;
};

class DataSource {
 public:
  virtual ~DataSource() = default;

  // ---- list endpoints (the caller holds the account lock) ----
  // The list to scan for a query: a per-market list when `ticker` (or an order id) narrows it,
  // else the whole partition. nullptr when nothing can match (unknown ticker).
  virtual const std::vector<std::uint32_t>* candidates(ListKind k, const ListQuery& q) const = 0;
  virtual std::int64_t sort_time_us(ListKind k, std::uint32_t idx) const = 0;
  // Filters that the candidate list and time range do not already apply.
  virtual bool matches(ListKind k, std::uint32_t idx, const ListQuery& q) const = 0;
  virtual void render(ListKind k, std::uint32_t idx, std::string& out) const = 0;
  virtual std::size_t list_size(ListKind k) const = 0;

  // ---- positions (market positions sorted by ticker) ----
  virtual std::size_t position_count() const = 0;
  virtual const std::string& position_ticker(std::size_t i) const = 0;  // ascending
  virtual bool position_matches(std::size_t i, const PositionsQuery& q) const = 0;
  virtual void render_position(std::size_t i, std::string& out) const = 0;
  // Appends every matching event position to the array `w` is in.
  virtual void render_event_positions(const PositionsQuery& q, JsonWriter& w) const = 0;

  // ---- single objects ----
  // GET /portfolio/balance of one subaccount (0 = primary).
  virtual void render_balance(int subaccount, std::string& out) const = 0;
  virtual void render_cutoff(std::string& out) const = 0;
  virtual bool render_series(const std::string& series_ticker, std::string& out) const = 0;
  // When the portfolio data was last updated (GET /exchange/user_data_timestamp).
  virtual std::int64_t data_as_of_us() const = 0;

  // ---- markets (GET /markets, /markets/{ticker}, /historical/markets...) ----
  // Every market ticker of the set, ascending.
  virtual std::vector<std::string> market_tickers(MarketSet set) const = 0;
  // Appends one Market object (no {"market": ...} wrapper) and sets its event ticker; false
  // when the ticker is unknown or not in `set`.
  virtual bool render_market_object(const std::string& ticker, MarketSet set,
                                    std::string& event_ticker, std::string& out) const = 0;

  // ---- events (GET /events, /events/{event_ticker}) ----
  virtual std::vector<std::string> event_tickers() const = 0;  // ascending
  // Appends one EventData object; `nested` puts the event's live markets in its "markets".
  virtual bool render_event_object(const std::string& event_ticker, bool nested,
                                   std::string& out) const = 0;
  // Appends the JSON array of the event's live markets.
  virtual void render_event_markets(const std::string& event_ticker, std::string& out) const = 0;

  // ---- money movements and subaccounts ----
  // Records ascending by creation time; the endpoints serve them newest first.
  virtual std::size_t transfer_count(TransferKind k) const = 0;
  virtual void render_transfer(TransferKind k, std::size_t i, std::string& out) const = 0;
  // Appends the SubaccountBalance objects of /portfolio/subaccounts/balances to w's array.
  virtual void render_subaccount_balances(JsonWriter& w) const = 0;

  // ---- ground truth and runtime growth ----
  virtual std::string truth_json() const = 0;
  virtual bool can_add_fills() const { return false; }
  // POST /admin/apply-pending-transfers (exclusive lock): every pending deposit and withdrawal
  // becomes applied. Returns the JSON answer; throws std::runtime_error when not supported.
  virtual std::string apply_pending_transfers() {
    throw std::runtime_error("apply-pending-transfers needs a generated account");
  }
  // Requires the exclusive lock. Throws std::runtime_error when not supported.
  // round_trips: each new order pair opens and closes a position in a market that was flat, so
  // the market's position is 0 before and after (a client must notice its P&L changed anyway).
  // at_us: when nonzero, the new orders and fills happen at that time (the live trader's clock)
  // rather than a second or so after the account's last activity.
  virtual AddFillsResult add_fills(int count, bool round_trips, std::int64_t at_us = 0) {
    (void)count;
    (void)round_trips;
    (void)at_us;
    throw std::runtime_error("add-fills is not supported for this account");
  }
  // What `added` (the last add_fills) looks like on Kalshi's WebSocket: the `msg` objects of the
  // `fill` messages (one per new fill), `user_order` (one per new order) and `market_position`
  // (one per market and subaccount traded). Needs the account lock (shared).
  struct LiveMessages {
    std::vector<std::string> fills, orders, positions;
  };
  virtual void render_live(const AddFillsResult& added, LiveMessages& out) const {
    (void)added;
    (void)out;
  }
};

}  // namespace ksim
