// What the Kalshi stages look up in a store read-only, as a cache (kalshi_live's `cache_db`,
// categorize_pnl's `orders_db`): part of the Kalshi data model module (tables.h), so the SQL on
// the kalshi_* tables lives here. Each throws StoreError when the store cannot be read; callers
// treat that as "no cache".
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "kalshi_direct/record.h"
#include "kalshi_direct/store.h"

namespace kalshi_direct {
namespace kalshi {

// The orders the store holds as resting: id and created_at (ISO 8601 text, empty when unknown).
void forEachRestingOrder(
    Store& store,
    const std::function<void(const std::string& id, const std::string& created_at)>& visit);

// Each event's series and the series' exchange category, from kalshi_markets (events are few: one
// per traded event). Nothing when the table does not exist.
void forEachEventSeries(
    Store& store,
    const std::function<void(const std::string& event_ticker, const std::string& series_ticker,
                             const std::string& series_category)>& visit);

// A kalshi_markets row as the API's market object would give it: ticker, event_ticker,
// series_ticker, series_category as text; title, market_type, status, result (text),
// yes_bid_dollars, yes_ask_dollars, last_price_dollars (Decimal), close_time (Timestamp), each
// null when unknown or unreadable.
struct CachedMarket {
  std::string ticker, event_ticker, series_ticker, series_category;
  Record details;
};

// The stored markets among `tickers` (looked up in chunks; any order). Rows without a series are
// skipped: an incomplete entry is fetched again.
void forEachCachedMarket(Store& store, const std::vector<std::string>& tickers,
                         const std::function<void(CachedMarket&& market)>& visit);

// The client_order_id of the stored orders among `order_ids` (orders without one are skipped).
void forEachClientOrderId(Store& store, const std::vector<std::string>& order_ids,
                          const std::function<void(const std::string& order_id,
                                                   const std::string& client_order_id)>& visit);

// The id and client_order_id of every order a bulk load that stopped left staged
// (RowWriter::stagingTable of kalshi_orders: not in kalshi_orders until the load ends); none when
// there is no such table, or it went (its load ended) while being read.
void forEachStagedClientOrderId(
    Store& store, const std::function<void(const std::string&, const std::string&)>& visit);

}  // namespace kalshi
}  // namespace kalshi_direct
