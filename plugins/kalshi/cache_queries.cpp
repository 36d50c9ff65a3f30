#include "kalshi/cache_queries.h"

#include <algorithm>

#include "kalshi/row_writer.h"
#include "kalshi/tables.h"
#include "kalshi_direct/decimal.h"
#include "kalshi_direct/timestamp.h"

namespace kalshi_direct {
namespace kalshi {

namespace {

// Runs `select` ("SELECT ... WHERE column IN") over `keys` in chunks of bound parameters.
void forEachChunk(Store& store, const std::string& select, const std::vector<std::string>& keys,
                  const std::function<void(StoreStatement&)>& visit) {
  constexpr size_t kChunk = 500;  // well below SQLite's parameter limit
  for (size_t start = 0; start < keys.size(); start += kChunk) {
    const size_t count = std::min(kChunk, keys.size() - start);
    std::string sql = select + " (?";
    for (size_t i = 1; i < count; ++i) sql += ",?";
    sql += ")";
    StoreStatementPtr query = store.prepare(sql);
    for (size_t i = 0; i < count; ++i) query->bindText(static_cast<int>(i + 1), keys[start + i]);
    while (query->step()) visit(*query);
  }
}

}  // namespace

void forEachRestingOrder(Store& store,
                         const std::function<void(const std::string&, const std::string&)>& visit) {
  StoreStatementPtr query =
      store.prepare("SELECT id, created_at FROM kalshi_orders WHERE status = 'resting'");
  while (query->step())
    visit(query->columnText(0), query->columnIsNull(1) ? std::string() : query->columnText(1));
}

void forEachEventSeries(
    Store& store,
    const std::function<void(const std::string&, const std::string&, const std::string&)>& visit) {
  if (!store.tableExists("kalshi_markets")) return;
  // One row per event (any of its markets: they share the series).
  StoreStatementPtr events = store.prepare(
      "SELECT event_ticker, min(series_ticker), min(series_category) FROM kalshi_markets "
      "WHERE series_ticker IS NOT NULL AND series_ticker <> '' GROUP BY event_ticker");
  while (events->step()) visit(events->columnText(0), events->columnText(1), events->columnText(2));
}

void forEachCachedMarket(Store& store, const std::vector<std::string>& tickers,
                         const std::function<void(CachedMarket&&)>& visit) {
  forEachChunk(
      store,
      "SELECT ticker, event_ticker, series_ticker, series_category, title, market_type, status, "
      "result, yes_bid_dollars, yes_ask_dollars, last_price_dollars, close_time FROM "
      "kalshi_markets WHERE ticker IN",
      tickers, [&](StoreStatement& query) {
        auto text = [&](int column) {
          return query.columnIsNull(column) ? Value() : Value(query.columnText(column));
        };
        auto decimal = [&](int column) {
          Decimal value;
          return !query.columnIsNull(column) && Decimal::parse(query.columnText(column), value)
                     ? Value(value)
                     : Value();
        };
        CachedMarket market;
        market.series_ticker = query.columnText(2);
        if (market.series_ticker.empty()) return;  // incomplete entry: fetch again
        market.ticker = query.columnText(0);
        market.event_ticker = query.columnText(1);
        market.series_category = query.columnText(3);
        Timestamp close;
        market.details.append("title", text(4));
        market.details.append("market_type", text(5));
        market.details.append("status", text(6));
        market.details.append("result", text(7));
        market.details.append("yes_bid_dollars", decimal(8));
        market.details.append("yes_ask_dollars", decimal(9));
        market.details.append("last_price_dollars", decimal(10));
        market.details.append(
            "close_time", !query.columnIsNull(11) && Timestamp::parse(query.columnText(11), close)
                              ? Value(close)
                              : Value());
        visit(std::move(market));
      });
}

void forEachClientOrderId(
    Store& store, const std::vector<std::string>& order_ids,
    const std::function<void(const std::string&, const std::string&)>& visit) {
  forEachChunk(store, "SELECT id, client_order_id FROM kalshi_orders WHERE id IN", order_ids,
               [&](StoreStatement& query) {
                 if (!query.columnIsNull(1)) visit(query.columnText(0), query.columnText(1));
               });
}

void forEachStagedClientOrderId(
    Store& store, const std::function<void(const std::string&, const std::string&)>& visit) {
  const std::string staging = RowWriter::stagingTable(ordersTable());
  if (!store.tableExists(staging)) return;
  try {
    StoreStatementPtr query =
        store.prepare("SELECT id, client_order_id FROM " + staging +
                      " WHERE id IS NOT NULL AND client_order_id IS NOT NULL");
    while (query->step()) visit(query->columnText(0), query->columnText(1));
  } catch (const StoreError&) {
    if (!store.tableExists(staging)) return;  // the load ended in between: the rows are stored
    throw;
  }
}

}  // namespace kalshi
}  // namespace kalshi_direct
