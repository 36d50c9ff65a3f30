#include "truth.h"

#include <algorithm>
#include <map>

#include "json_writer.h"

namespace ksim {

Micros TruthMarket::position_value() const {
  if (has_position_value) return position_value_override;
  if (!has_mark || position == 0) return 0;
  if (position > 0) return cost_micros(position, mark_price);
  return cost_micros(-position, kMicrosPerDollar - mark_price);
}

namespace {

struct Sums {
  Micros cash_paid = 0, cash_received = 0, fees = 0, settlement_revenue = 0, realized = 0,
         traded = 0;
  Micros position_value = 0, exposure = 0;
  std::int64_t markets = 0, open_markets = 0, fills = 0, maker_fills = 0, mm_fills = 0, orders = 0;

  void add(const TruthMarket& m) {
    cash_paid += m.cash_paid;
    cash_received += m.cash_received;
    fees += m.fees;
    settlement_revenue += m.settlement_revenue;
    realized += m.realized_pnl;
    traded += m.total_traded;
    position_value += m.position_value();
    exposure += m.exposure;
    ++markets;
    if (m.position != 0) ++open_markets;
    fills += m.fills;
    maker_fills += m.maker_fills;
    mm_fills += m.mm_fills;
    orders += m.orders;
  }
  Micros cash_pnl() const { return cash_received - cash_paid - fees + settlement_revenue; }
};

void money(JsonWriter& w, const char* name, Micros v) {
  w.kv_i64(std::string(name) + "_cents", round_to_cents(v));
  w.kv_dollars(std::string(name) + "_dollars", v);
}

void write_sums(JsonWriter& w, const Sums& s) {
  w.begin_object();
  money(w, "cash_pnl", s.cash_pnl());
  money(w, "fees", s.fees);
  money(w, "settlement_revenue", s.settlement_revenue);
  money(w, "cash_paid", s.cash_paid);
  money(w, "cash_received", s.cash_received);
  money(w, "position_value", s.position_value);
  w.kv_dollars("market_exposure_dollars", s.exposure);
  w.kv_dollars("realized_pnl_dollars", s.realized);
  w.kv_dollars("total_traded_dollars", s.traded);
  w.kv_i64("markets", s.markets);
  w.kv_i64("open_markets", s.open_markets);
  w.kv_i64("fills", s.fills);
  w.kv_i64("maker_fills", s.maker_fills);
  w.kv_i64("mm_fills", s.mm_fills);
  w.kv_i64("orders", s.orders);
  w.end_object();
}

}  // namespace

std::string render_truth(const TruthHeader& header, const TruthCounts& counts,
                         std::vector<TruthMarket> markets) {
  std::sort(markets.begin(), markets.end(),
            [](const TruthMarket& a, const TruthMarket& b) { return a.ticker < b.ticker; });
  std::string out;
  out.reserve(256 + markets.size() * 900);
  JsonWriter w(out);
  w.begin_object();
  w.kv("format", "kalshi-sim-truth/1");
  w.kv("source", header.source);
  w.kv("source_detail", header.source_detail);
  w.kv("mm_prefix", header.mm_prefix);
  w.key("historical_cutoff");
  w.begin_object();
  w.kv("trades_created_ts", header.cutoff_trades);
  w.kv("orders_updated_ts", header.cutoff_orders);
  w.kv("market_settled_ts", header.cutoff_settled);
  w.end_object();

  w.key("counts");
  w.begin_object();
  w.kv_i64("orders", counts.orders);
  w.kv_i64("fills", counts.fills);
  w.kv_i64("settlements", counts.settlements);
  w.kv_i64("market_positions", counts.market_positions);
  w.kv_i64("event_positions", counts.event_positions);
  w.kv_i64("live_fills", counts.live_fills);
  w.kv_i64("historical_fills", counts.historical_fills);
  w.kv_i64("live_orders", counts.live_orders);
  w.kv_i64("historical_orders", counts.historical_orders);
  w.kv_i64("resting_orders", counts.resting_orders);
  w.kv_i64("transfers", counts.deposits + counts.withdrawals);
  w.kv_i64("deposits", counts.deposits);
  w.kv_i64("withdrawals", counts.withdrawals);
  w.kv_i64("subaccount_transfers", counts.subaccount_transfers);
  w.kv_i64("live_unsettled_positions", counts.live_unsettled_positions);
  w.kv_i64("live_settled_positions", counts.live_settled_positions);
  w.kv_i64("historical_positions", counts.historical_positions);
  w.kv_i64("historical_markets", counts.historical_markets);
  w.end_object();
  money(w, "net_deposits", header.net_deposits);
  w.key("subaccounts");
  w.begin_object();
  for (const TruthSubaccount& sa : header.subaccounts) {
    w.key(std::to_string(sa.number));
    w.begin_object();
    money(w, "balance", sa.balance);
    money(w, "cash_pnl", sa.cash_pnl);
    money(w, "fees", sa.fees);
    money(w, "net_transfers", sa.net_transfers);
    w.kv_i64("fills", sa.fills);
    w.kv_i64("orders", sa.orders);
    w.end_object();
  }
  w.end_object();

  if (header.has_balance) {
    w.key("balance");
    w.begin_object();
    money(w, "balance", header.balance);
    money(w, "portfolio_value", header.portfolio_value);
    w.end_object();
  }

  Sums total;
  std::map<std::string, Sums> categories;
  w.key("markets");
  w.begin_object();
  for (const TruthMarket& m : markets) {
    total.add(m);
    categories[m.category].add(m);
    w.key(m.ticker);
    w.begin_object();
    w.kv("series_ticker", m.series_ticker);
    w.kv("event_ticker", m.event_ticker);
    w.kv("category", m.category);
    money(w, "cash_pnl", m.cash_pnl());
    money(w, "fees", m.fees);
    money(w, "settlement_revenue", m.settlement_revenue);
    w.kv_dollars("cash_paid_dollars", m.cash_paid);
    w.kv_dollars("cash_received_dollars", m.cash_received);
    w.kv_count("position_fp", m.position);
    w.kv_dollars("market_exposure_dollars", m.exposure);
    if (m.has_mark)
      w.kv_dollars("mark_price_dollars", m.mark_price);
    else
      w.kv_null("mark_price_dollars");
    w.kv_dollars("position_value_dollars", m.position_value());
    w.kv_dollars("realized_pnl_dollars", m.realized_pnl);
    w.kv_dollars("total_traded_dollars", m.total_traded);
    w.kv_bool("settled", m.settled);
    w.kv("result", m.result);
    if (m.has_value)
      w.kv_i64("value", m.value_cents);
    else
      w.kv_null("value");
    w.kv_i64("fills", m.fills);
    w.kv_i64("maker_fills", m.maker_fills);
    w.kv_i64("mm_fills", m.mm_fills);
    w.kv_i64("orders", m.orders);
    w.end_object();
  }
  w.end_object();

  w.key("categories");
  w.begin_object();
  for (const auto& [name, sums] : categories) {
    w.key(name);
    write_sums(w, sums);
  }
  w.end_object();

  w.key("totals");
  write_sums(w, total);
  w.end_object();
  out.push_back('\n');
  return out;
}

}  // namespace ksim
