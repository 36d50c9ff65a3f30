// JSON rendering and queries of the generated account (the DataSource side of it).
#include <algorithm>

#include "catalog.h"
#include "generated_account.h"
#include "truth.h"

namespace ksim {

namespace {
const std::vector<std::uint32_t> kEmptyList;
const char kHex[] = "0123456789abcdef";

// The last 12 hex digits of an id are an invertible scramble of its sequence number, so ids
// look random but can be mapped back to the record (order_id filter) without an index.
constexpr std::uint64_t kMask48 = 0xffffffffffffULL;
constexpr std::uint64_t kScramble = 0x5DEECE66DULL;  // odd, so invertible modulo 2^48

std::uint64_t inverse_mod_2_48(std::uint64_t a) {
  std::uint64_t x = a;  // Newton iteration: each step doubles the number of correct bits
  for (int i = 0; i < 6; ++i) x *= 2 - a * x;
  return x & kMask48;
}

std::uint64_t scramble48(std::uint64_t seq, std::uint64_t mask) {
  std::uint64_t v = ((seq ^ mask) * kScramble) & kMask48;
  return v ^ (v >> 24);
}

std::uint64_t unscramble48(std::uint64_t v, std::uint64_t mask) {
  v ^= v >> 24;  // self-inverse for a 24-bit shift of a 48-bit value
  static const std::uint64_t inv = inverse_mod_2_48(kScramble);
  return ((v * inv) & kMask48) ^ mask;
}

void append_hex(std::string& out, std::uint64_t v, int digits) {
  for (int i = digits - 1; i >= 0; --i) out.push_back(kHex[(v >> (4 * i)) & 0xf]);
}

const char* status_name(MarketStatus s) {
  switch (s) {
    case MarketStatus::Active:
      return "active";
    case MarketStatus::Closed:
      return "closed";
    case MarketStatus::Finalized:
      return "finalized";
  }
  return "active";
}

const char* order_status_name(OrderStatus s) {
  switch (s) {
    case OrderStatus::Resting:
      return "resting";
    case OrderStatus::Canceled:
      return "canceled";
    case OrderStatus::Executed:
      return "executed";
  }
  return "executed";
}

std::uint64_t ticker_hash(const std::string& s) {
  std::uint64_t h = 1469598103934665603ULL;
  for (char c : s) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  return mix64(h);
}

// Direction fields shared by orders and fills: side/action (deprecated, still sent) and the
// canonical outcome_side/book_side. buy-yes and sell-no are outcome yes / bid; buy-no and
// sell-yes are outcome no / ask. `legacy_only` leaves out the canonical pair (2026h1 shapes).
void write_direction(std::string& out, std::uint8_t flags, bool legacy_only) {
  const bool side_no = flags & kSideNo, sell = flags & kSell;
  const bool outcome_yes = side_no == sell;
  out.append(side_no ? "\"side\":\"no\"," : "\"side\":\"yes\",");
  out.append(sell ? "\"action\":\"sell\"," : "\"action\":\"buy\",");
  if (legacy_only) return;
  out.append(outcome_yes ? "\"outcome_side\":\"yes\",\"book_side\":\"bid\","
                         : "\"outcome_side\":\"no\",\"book_side\":\"ask\",");
}

bool odd_month(std::int64_t us) {
  int y;
  unsigned m, d;
  civil_from_days(floor_div(us, 86400 * kMicrosPerSecond), y, m, d);
  return m % 2 == 1;
}

void str_field(std::string& out, const char* key, const std::string& v) {
  out.push_back('"');
  out.append(key);
  out.append("\":\"");
  JsonWriter::append_escaped(out, v);
  out.append("\",");
}

void dollars_field(std::string& out, const char* key, Micros v, int decimals) {
  out.push_back('"');
  out.append(key);
  out.append("\":\"");
  append_dollars_min(out, v, decimals);
  out.append("\",");
}

// 2026h1 shapes: "" stands for a zero amount.
void dollars_or_empty(std::string& out, const char* key, Micros v, int decimals,
                      bool empty_when_zero) {
  if (empty_when_zero && v == 0) {
    out.push_back('"');
    out.append(key);
    out.append("\":\"\",");
    return;
  }
  dollars_field(out, key, v, decimals);
}

// A time not known yet: 2026h1 markets send Go's zero time instead of null.
constexpr const char* kZeroTime = "0001-01-01T00:00:00Z";

void count_field(std::string& out, const char* key, Centis v) {
  out.push_back('"');
  out.append(key);
  out.append("\":\"");
  append_count(out, v);
  out.append("\",");
}
}  // namespace

// ---- ids ---------------------------------------------------------------------------------

void GeneratedAccount::append_id(std::string& out, char kind, std::uint64_t seq) const {
  const std::uint64_t mask =
      kind == 'F'   ? id_mask_f_
      : kind == 'O' ? id_mask_o_
                    : (mix64(cfg_.seed ^ static_cast<std::uint64_t>(kind)) & 0xffffffffffffULL);
  const std::uint64_t h1 = mix64(cfg_.seed * 31 ^ (static_cast<std::uint64_t>(kind) << 48) ^ seq);
  const std::uint64_t h2 = mix64(h1 ^ 0x1234567ULL);
  append_hex(out, h1 >> 32, 8);
  out.push_back('-');
  append_hex(out, (h1 >> 16) & 0xffff, 4);
  out.push_back('-');
  // 2026h1 shapes: about a quarter of the ids are not version 4 (real ids are not all UUIDv4).
  const bool not_v4 = cfg_.shapes == Shapes::H2026 && ((h2 >> 8) & 3) == 0;
  out.push_back(not_v4 ? "1235678"[(h2 >> 12) % 7] : '4');
  append_hex(out, h1 & 0xfff, 3);
  out.push_back('-');
  out.push_back(kHex[8 | (h2 >> 62)]);
  append_hex(out, (h2 >> 48) & 0xfff, 3);
  out.push_back('-');
  append_hex(out, scramble48(seq, mask), 12);
}

bool GeneratedAccount::parse_id(const std::string& id, char kind, std::uint64_t limit,
                                std::uint64_t& seq) const {
  if (id.size() != 36) return false;
  std::uint64_t v = 0;
  for (std::size_t i = 24; i < 36; ++i) {
    char c = id[i];
    int d = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
    if (d < 0) return false;
    v = (v << 4) | static_cast<std::uint64_t>(d);
  }
  const std::uint64_t mask = kind == 'F' ? id_mask_f_ : id_mask_o_;
  seq = unscramble48(v, mask);
  if (seq >= limit) return false;
  std::string expect;
  append_id(expect, kind, seq);
  return expect == id;
}

void GeneratedAccount::append_client_order_id(std::string& out, const GenOrder& o) const {
  switch (o.cid_kind) {
    case ClientIdKind::Empty:
      break;
    case ClientIdKind::MarketMaker:
      JsonWriter::append_escaped(out, cfg_.mm_prefix);
      append_hex(out,
                 mix64(cfg_.seed ^ 0x3333ULL ^ (static_cast<std::uint64_t>(o.market) << 20)) &
                     0xffffffffULL,
                 8);
      out.push_back('-');
      out.append(std::to_string(o.cid_seq));
      break;
    case ClientIdKind::Uuid:
      append_id(out, 'C', o.cid_seq);
      break;
  }
}

// ---- list records ------------------------------------------------------------------------

void GeneratedAccount::render_fill(const GenFill& f, std::uint32_t seq, std::string& out) const {
  const GenMarket& m = markets_[f.market];
  const bool h1 = cfg_.shapes == Shapes::H2026;
  const int dec = money_decimals(f.time_us);
  std::string id;
  append_id(id, 'F', seq);
  out.append("{\"fill_id\":\"")
      .append(id)
      .append("\",\"trade_id\":\"")
      .append(id)
      .append("\",\"order_id\":\"");
  append_id(out, 'O', f.order);
  out.append("\",");
  str_field(out, "ticker", m.ticker);
  str_field(out, "market_ticker", m.ticker);
  write_direction(out, f.flags, h1 && f.time_us < kOutcomeSideSinceUs);
  count_field(out, "count_fp", f.count);
  dollars_field(out, "yes_price_dollars", f.yes_price, dec);
  dollars_field(out, "no_price_dollars", kMicrosPerDollar - f.yes_price, dec);
  out.append((f.flags & kTaker) ? "\"is_taker\":true," : "\"is_taker\":false,");
  dollars_field(out, "fee_cost", f.fee, dec);
  out.append("\"created_time\":\"");
  append_rfc3339(out, f.time_us, true);
  out.push_back('"');
  if (!h1 || seq % 3 != 2) {  // 2026h1: every 3rd fill has no ts
    out.append(",\"ts\":");
    out.append(std::to_string(floor_div(f.time_us, kMicrosPerSecond)));
  }
  if (!h1) out.append(",\"exchange_index\":0");
  write_subaccount(out, f.sub);
  out.push_back('}');
}

void GeneratedAccount::write_subaccount(std::string& out, unsigned sub) const {
  if (cfg_.shapes == Shapes::H2026 && sub == 0) return;  // 2026h1: omitted when 0
  out.append(",\"subaccount_number\":").append(std::to_string(sub));
}

int GeneratedAccount::money_decimals(std::int64_t us) const {
  return cfg_.shapes == Shapes::H2026 && odd_month(us) ? 6 : 4;
}

void GeneratedAccount::render_order(const GenOrder& o, std::uint32_t seq, std::string& out) const {
  const GenMarket& m = markets_[o.market];
  const bool h1 = cfg_.shapes == Shapes::H2026;
  const int dec = money_decimals(o.created_us);
  out.append("{\"order_id\":\"");
  append_id(out, 'O', seq);
  out.append("\",\"user_id\":\"").append(user_id_).append("\",\"client_order_id\":\"");
  append_client_order_id(out, o);
  out.append("\",");
  str_field(out, "ticker", m.ticker);
  write_direction(out, o.flags, h1 && o.created_us < kOutcomeSideSinceUs);
  out.append(o.is_market ? "\"type\":\"market\"," : "\"type\":\"limit\",");
  out.append("\"status\":\"").append(order_status_name(o.status)).append("\",");
  dollars_field(out, "yes_price_dollars", o.yes_price, dec);
  dollars_field(out, "no_price_dollars", kMicrosPerDollar - o.yes_price, dec);
  count_field(out, "fill_count_fp", o.filled);
  count_field(out, "remaining_count_fp",
              o.status == OrderStatus::Resting ? o.initial - o.filled : 0);
  count_field(out, "initial_count_fp", o.initial);
  dollars_or_empty(out, "taker_fill_cost_dollars", o.taker_cost, dec, h1);
  dollars_or_empty(out, "maker_fill_cost_dollars", o.maker_cost, dec, h1);
  dollars_or_empty(out, "taker_fees_dollars", o.taker_fees, dec, h1);
  dollars_or_empty(out, "maker_fees_dollars", o.maker_fees, dec, h1);
  out.append("\"expiration_time\":null,\"created_time\":\"");
  append_rfc3339(out, o.created_us, true);
  out.append("\",\"last_update_time\":\"");
  append_rfc3339(out, o.updated_us, true);
  out.append(
      "\",\"self_trade_prevention_type\":null,\"order_group_id\":null,\"cancel_order_on_pause\":"
      "false");
  write_subaccount(out, o.sub);
  if (!h1) out.append(",\"exchange_index\":0");
  out.push_back('}');
}

void GeneratedAccount::render_settlement(const GenSettlement& s, std::string& out) const {
  const GenMarket& m = markets_[s.market];
  const bool h1 = cfg_.shapes == Shapes::H2026;
  JsonWriter w(out);
  w.set_dollar_decimals(money_decimals(s.time_us));
  w.begin_object();
  w.kv("ticker", m.ticker);
  if (!h1) w.kv_i64("exchange_index", 0);
  w.kv("event_ticker", events_[m.event].ticker);
  w.kv("market_result", result_name(m.result));
  w.kv_count("yes_count_fp", s.yes_count);
  w.kv_dollars("yes_total_cost_dollars", s.yes_cost);
  w.kv_count("no_count_fp", s.no_count);
  w.kv_dollars("no_total_cost_dollars", s.no_cost);
  w.kv_i64("revenue", round_to_cents(s.revenue));
  w.kv_time("settled_time", s.time_us);
  w.kv_dollars("fee_cost", 0);
  // Payout of one YES contract in cents: the value for scalar results; for binary results
  // 100 / 0 (current shapes) or null (2026h1).
  if (m.result == MarketResult::Scalar)
    w.kv_i64("value", m.value_cents);
  else if (h1)
    w.kv_null("value");
  else
    w.kv_i64("value", m.result == MarketResult::Yes ? 100 : 0);
  if (!h1 || s.sub != 0) w.kv_i64("subaccount_number", s.sub);
  w.end_object();
}

const std::vector<std::uint32_t>* GeneratedAccount::candidates(ListKind k,
                                                               const ListQuery& q) const {
  const std::vector<std::uint32_t>* full = nullptr;
  const std::vector<std::vector<std::uint32_t>>* by_m = nullptr;
  switch (k) {
    case ListKind::Fills:
      full = &fills_live_;
      by_m = &fills_live_by_m_;
      break;
    case ListKind::HistFills:
      full = &fills_hist_;
      by_m = &fills_hist_by_m_;
      break;
    case ListKind::Orders:
      full = &orders_live_;
      by_m = &orders_live_by_m_;
      break;
    case ListKind::HistOrders:
      full = &orders_hist_;
      by_m = &orders_hist_by_m_;
      break;
    case ListKind::Settlements:
      full = &settlements_all_;
      by_m = &settlements_by_m_;
      break;
  }
  if (!q.order_id.empty() && (k == ListKind::Fills || k == ListKind::HistFills)) {
    std::uint64_t oseq;
    if (!parse_id(q.order_id, 'O', orders_.size(), oseq)) return &kEmptyList;
    const std::uint32_t m = orders_[oseq].market;
    if (!q.ticker.empty() && q.ticker != markets_[m].ticker) return &kEmptyList;
    return &(*by_m)[m];
  }
  if (!q.ticker.empty()) {
    auto it = market_by_ticker_.find(q.ticker);
    if (it == market_by_ticker_.end()) return nullptr;
    return &(*by_m)[it->second];
  }
  return full;
}

std::int64_t GeneratedAccount::sort_time_us(ListKind k, std::uint32_t idx) const {
  switch (k) {
    case ListKind::Fills:
    case ListKind::HistFills:
      return fills_[idx].time_us;
    case ListKind::Orders:
    case ListKind::HistOrders:
      return orders_[idx].created_us;
    case ListKind::Settlements:
      return settlements_[idx].time_us;
  }
  return 0;
}

bool GeneratedAccount::matches(ListKind k, std::uint32_t idx, const ListQuery& q) const {
  auto event_ok = [&](std::uint32_t market) {
    if (q.event_tickers.empty()) return true;
    const std::string& ev = events_[markets_[market].event].ticker;
    return std::find(q.event_tickers.begin(), q.event_tickers.end(), ev) != q.event_tickers.end();
  };
  switch (k) {
    case ListKind::Fills:
    case ListKind::HistFills: {
      if (!q.order_id.empty()) {
        std::uint64_t oseq;
        if (!parse_id(q.order_id, 'O', orders_.size(), oseq) || fills_[idx].order != oseq)
          return false;
      }
      return true;
    }
    case ListKind::Orders:
    case ListKind::HistOrders: {
      const GenOrder& o = orders_[idx];
      if (!q.status.empty() && q.status != order_status_name(o.status)) return false;
      return event_ok(o.market);
    }
    case ListKind::Settlements:
      return event_ok(settlements_[idx].market);
  }
  return false;
}

void GeneratedAccount::render(ListKind k, std::uint32_t idx, std::string& out) const {
  switch (k) {
    case ListKind::Fills:
    case ListKind::HistFills:
      render_fill(fills_[idx], idx, out);
      break;
    case ListKind::Orders:
    case ListKind::HistOrders:
      render_order(orders_[idx], idx, out);
      break;
    case ListKind::Settlements:
      render_settlement(settlements_[idx], out);
      break;
  }
}

std::size_t GeneratedAccount::list_size(ListKind k) const {
  switch (k) {
    case ListKind::Fills:
      return fills_live_.size();
    case ListKind::HistFills:
      return fills_hist_.size();
    case ListKind::Orders:
      return orders_live_.size();
    case ListKind::HistOrders:
      return orders_hist_.size();
    case ListKind::Settlements:
      return settlements_all_.size();
  }
  return 0;
}

// ---- positions ---------------------------------------------------------------------------

bool GeneratedAccount::position_matches(std::size_t i, const PositionsQuery& q) const {
  const GenMarket& m = markets_[position_order_[i]];
  if (!q.ticker.empty() && q.ticker != m.ticker) return false;
  if (!q.event_ticker.empty() && q.event_ticker != events_[m.event].ticker) return false;
  if (q.need_position || q.need_traded) {
    // count_filter keeps positions where ANY of the listed fields is non-zero.
    bool ok = (q.need_position && m.ledger.position() != 0) ||
              (q.need_traded && m.ledger.total_traded() != 0);
    if (!ok) return false;
  }
  return true;
}

void GeneratedAccount::render_position(std::size_t i, std::string& out) const {
  const GenMarket& m = markets_[position_order_[i]];
  const bool h1 = cfg_.shapes == Shapes::H2026;
  JsonWriter w(out);
  w.set_dollar_decimals(money_decimals(m.last_update_us));
  w.begin_object();
  w.kv("ticker", m.ticker);
  if (!h1) w.kv_i64("exchange_index", 0);
  w.kv_dollars("total_traded_dollars", m.ledger.total_traded());
  w.kv_count("position_fp", m.ledger.position());
  w.kv_dollars("market_exposure_dollars", m.ledger.exposure());
  w.kv_dollars("realized_pnl_dollars", m.ledger.realized_pnl());
  w.kv_dollars("fees_paid_dollars", m.ledger.fees());
  w.kv_time("last_updated_ts", m.last_update_us);
  w.end_object();
}

void GeneratedAccount::render_event_positions(const PositionsQuery& q, JsonWriter& w) const {
  for (std::uint32_t e : event_order_) {
    const GenEvent& ev = events_[e];
    if (!q.event_ticker.empty() && q.event_ticker != ev.ticker) continue;
    Micros cost = 0, exposure = 0, realized = 0, fees = 0;
    Centis shares = 0;
    bool any = false;
    for (std::uint32_t mi : ev.markets) {
      const GenMarket& m = markets_[mi];
      if (m.fills == 0) continue;
      if (!q.ticker.empty() && q.ticker != m.ticker) continue;
      if ((q.need_position || q.need_traded) && !((q.need_position && m.ledger.position() != 0) ||
                                                  (q.need_traded && m.ledger.total_traded() != 0)))
        continue;
      any = true;
      cost += m.ledger.total_traded();
      shares += m.user_volume;
      exposure += m.ledger.exposure();
      realized += m.ledger.realized_pnl();
      fees += m.ledger.fees();
    }
    if (!any) continue;
    w.begin_object();
    w.kv("event_ticker", ev.ticker);
    w.kv_dollars("total_cost_dollars", cost);
    w.kv_count("total_cost_shares_fp", shares);
    w.kv_dollars("event_exposure_dollars", exposure);
    w.kv_dollars("realized_pnl_dollars", realized);
    w.kv_dollars("fees_paid_dollars", fees);
    w.end_object();
  }
}

// ---- single objects ----------------------------------------------------------------------

Micros GeneratedAccount::portfolio_value() const {
  Micros v = 0;
  for (const GenMarket& m : markets_) {
    const Centis p = m.ledger.position();
    if (p > 0) v += cost_micros(p, m.price);
    if (p < 0) v += cost_micros(-p, kMicrosPerDollar - m.price);
  }
  return v;
}

void GeneratedAccount::render_balance(std::string& out) const {
  const Micros balance = start_balance_ + cash_total_;
  const std::int64_t updated_us = std::max(last_fill_us_, cfg_.anchor_us);
  JsonWriter w(out);
  w.set_dollar_decimals(money_decimals(updated_us));
  w.begin_object();
  w.kv_i64("balance", round_to_cents(balance));
  w.kv_dollars("balance_dollars", balance);
  w.kv_i64("portfolio_value", round_to_cents(portfolio_value()));
  w.kv_i64("updated_ts", floor_div(updated_us, kMicrosPerSecond));
  if (cfg_.shapes == Shapes::H2026) {  // the per-exchange-index breakdown came later
    w.end_object();
    return;
  }
  w.key("balance_breakdown");
  w.begin_array();
  w.begin_object();
  w.kv_i64("exchange_index", 0);
  w.kv_dollars("balance", balance);
  w.end_object();
  w.end_array();
  w.end_object();
}

void GeneratedAccount::render_cutoff(std::string& out) const {
  JsonWriter w(out);
  w.begin_object();
  w.kv_time("market_settled_ts", cutoff_us_, false);
  w.kv_time("trades_created_ts", cutoff_us_, false);
  w.kv_time("orders_updated_ts", cutoff_us_, false);
  w.kv_time("market_positions_last_updated_ts", cutoff_us_, false);
  w.end_object();
}

void GeneratedAccount::write_market(JsonWriter& w, const GenMarket& m) const {
  const std::uint64_t h = ticker_hash(m.ticker);
  const bool active = m.status == MarketStatus::Active;
  const bool finalized = m.status == MarketStatus::Finalized;
  const Micros bid = active ? std::max<Micros>(0, m.price - m.tick) : 0;
  const Micros ask = active ? std::min<Micros>(kMicrosPerDollar, m.price + m.tick) : 0;
  const std::int64_t expected_exp = finalized ? m.settle_us : m.close_us + 3600 * kMicrosPerSecond;
  const bool h1 = cfg_.shapes == Shapes::H2026;
  // 2026h1: always-open long-dated markets had no close time yet.
  const Schedule sched = series_catalog()[m.series].schedule;
  const bool open_ended = h1 && active && (sched == Schedule::Yearly || sched == Schedule::OneOff);
  w.set_dollar_decimals(h1 ? 6 : 4);
  w.begin_object();
  w.kv("ticker", m.ticker);
  w.kv("event_ticker", events_[m.event].ticker);
  w.kv("market_type", m.scalar ? "scalar" : "binary");
  w.kv("title", m.title);
  w.kv("subtitle", "");
  w.kv("yes_sub_title", m.yes_sub_title);
  w.kv("no_sub_title", m.yes_sub_title);
  w.kv_time("created_time", m.open_us - 86400 * kMicrosPerSecond, false);
  w.kv_time("updated_time", m.open_us - 86400 * kMicrosPerSecond, false);
  w.kv_time("open_time", m.open_us, false);
  if (open_ended)
    w.kv("close_time", kZeroTime);
  else
    w.kv_time("close_time", m.close_us, false);
  if (h1 && !finalized)
    w.kv("expected_expiration_time", kZeroTime);
  else
    w.kv_time("expected_expiration_time", expected_exp, false);
  w.kv_time("expiration_time", expected_exp, false);
  w.kv_time("latest_expiration_time", m.close_us + 7 * 86400 * kMicrosPerSecond, false);
  w.kv_i64("settlement_timer_seconds", 1800);
  w.kv("status", status_name(m.status));
  w.kv_dollars("yes_bid_dollars", bid);
  w.kv_count("yes_bid_size_fp", active ? static_cast<Centis>(h % 500 + 10) * 100 : 0);
  w.kv_dollars("yes_ask_dollars", ask);
  w.kv_count("yes_ask_size_fp", active ? static_cast<Centis>((h >> 16) % 500 + 10) * 100 : 0);
  w.kv_dollars("no_bid_dollars", active ? kMicrosPerDollar - ask : 0);
  w.kv_dollars("no_ask_dollars", active ? kMicrosPerDollar - bid : 0);
  w.kv_dollars("last_price_dollars", m.price);
  const Centis volume = m.user_volume * static_cast<Centis>(3 + (h >> 32) % 20);
  w.kv_count("volume_fp", volume);
  w.kv_count("volume_24h_fp", active ? m.user_volume : 0);
  w.kv("result", result_name(m.result));
  w.kv_bool("can_close_early", series_catalog()[m.series].schedule == Schedule::OneOff);
  const Centis p = m.ledger.position();
  w.kv_count("open_interest_fp", finalized ? 0 : std::max<Centis>(p < 0 ? -p : p, volume / 3));
  w.kv_dollars("notional_value_dollars", kMicrosPerDollar);
  w.kv_dollars("previous_yes_bid_dollars", bid);
  w.kv_dollars("previous_yes_ask_dollars", ask);
  w.kv_dollars("previous_price_dollars", m.price);
  if (finalized) {
    const Micros sv = m.result == MarketResult::Scalar ? m.value_cents * kMicrosPerCent
                      : m.result == MarketResult::Yes  ? kMicrosPerDollar
                                                       : 0;
    w.kv_dollars("settlement_value_dollars", sv);
    w.kv_time("settlement_ts", m.settle_us, false);
    w.kv("expiration_value",
         m.result == MarketResult::Scalar ? std::to_string(m.value_cents) : result_name(m.result));
  } else {
    w.kv_null("settlement_value_dollars");
    if (h1)
      w.kv("settlement_ts", kZeroTime);
    else
      w.kv_null("settlement_ts");
    w.kv("expiration_value", "");
  }
  if (h1)
    w.kv("fee_waiver_expiration_time", kZeroTime);
  else
    w.kv_null("fee_waiver_expiration_time");
  w.kv_null("early_close_condition");
  w.kv("strike_type", m.strike_type);
  if (m.floor_strike.empty())
    w.kv_null("floor_strike");
  else
    w.kv_raw("floor_strike", m.floor_strike);
  if (m.cap_strike.empty())
    w.kv_null("cap_strike");
  else
    w.kv_raw("cap_strike", m.cap_strike);
  w.kv("rules_primary", "If " + m.yes_sub_title + " for " + events_[m.event].title +
                            ", then the market resolves to Yes.");
  w.kv("rules_secondary", "");
  w.kv("price_level_structure", m.tick == 1'000 ? "deci_cent" : "linear_cent");
  w.key("price_ranges");
  w.begin_array();
  w.begin_object();
  w.kv("start", "0.0000");
  w.kv("end", "1.0000");
  w.kv("step", m.tick == 1'000 ? "0.0010" : "0.0100");
  w.end_object();
  w.end_array();
  w.kv("settlement_bounds_type", "default");  // no settlement bounds (3.34.0)
  w.kv_bool("is_provisional", false);
  if (!h1) w.kv_i64("exchange_index", 0);
  w.end_object();
  w.set_dollar_decimals(4);
}

bool GeneratedAccount::render_market(const std::string& ticker, std::string& out) const {
  auto it = market_by_ticker_.find(ticker);
  if (it == market_by_ticker_.end()) return false;
  JsonWriter w(out);
  w.begin_object();
  w.key("market");
  write_market(w, markets_[it->second]);
  w.end_object();
  return true;
}

std::vector<std::string> GeneratedAccount::market_tickers() const {
  std::vector<std::string> out;
  out.reserve(markets_.size());
  for (const GenMarket& m : markets_) out.push_back(m.ticker);
  std::sort(out.begin(), out.end());
  return out;
}

bool GeneratedAccount::render_market_object(const std::string& ticker, std::string& event_ticker,
                                            std::string& out) const {
  auto it = market_by_ticker_.find(ticker);
  if (it == market_by_ticker_.end()) return false;
  const GenMarket& m = markets_[it->second];
  event_ticker = events_[m.event].ticker;
  JsonWriter w(out);
  write_market(w, m);
  return true;
}

bool GeneratedAccount::render_event(const std::string& event_ticker, bool nested,
                                    std::string& out) const {
  auto it = event_by_ticker_.find(event_ticker);
  if (it == event_by_ticker_.end()) return false;
  const GenEvent& ev = events_[it->second];
  const SeriesDef& S = series_catalog()[ev.series];
  JsonWriter w(out);
  w.begin_object();
  w.key("event");
  w.begin_object();
  w.kv("event_ticker", ev.ticker);
  w.kv("series_ticker", S.ticker);
  w.kv("sub_title", ev.sub_title);
  w.kv("title", ev.title);
  // 3.34.0: MECNET for mutually exclusive markets, "" for no collateral-return netting.
  w.kv("collateral_return_type", ev.mutually_exclusive ? "MECNET" : "");
  w.kv_bool("mutually_exclusive", ev.mutually_exclusive);
  w.kv("category", S.category);
  w.kv_time("strike_date", ev.strike_us, false);
  w.kv_null("strike_period");
  w.key("settlement_sources");
  w.begin_array();
  w.begin_object();
  w.kv("name", S.source_name);
  w.kv("url", S.source_url);
  w.end_object();
  w.end_array();
  w.kv_time("last_updated_ts", markets_[ev.markets[0]].open_us - 86400 * kMicrosPerSecond, false);
  if (cfg_.shapes != Shapes::H2026) w.kv_i64("exchange_index", 0);
  if (nested) {
    w.key("markets");
    w.begin_array();
    for (std::uint32_t mi : ev.markets) write_market(w, markets_[mi]);
    w.end_array();
  }
  w.end_object();
  // Without with_nested_markets the markets come as a top-level array (required either way).
  w.key("markets");
  w.begin_array();
  if (!nested)
    for (std::uint32_t mi : ev.markets) write_market(w, markets_[mi]);
  w.end_array();
  w.end_object();
  return true;
}

bool GeneratedAccount::render_series(const std::string& series_ticker, std::string& out) const {
  const auto& cat = series_catalog();
  for (std::size_t i = 0; i < cat.size(); ++i) {
    const SeriesDef& S = cat[i];
    if (series_ticker != S.ticker) continue;
    Centis volume = 0;
    for (const GenMarket& m : markets_)
      if (m.series == i) volume += m.user_volume * 7;
    JsonWriter w(out);
    w.begin_object();
    w.key("series");
    w.begin_object();
    w.kv("ticker", S.ticker);
    w.kv("frequency", S.frequency);
    w.kv("title", S.title);
    w.kv("category", S.category);
    w.key("categories");  // required since 3.34.0: the discovery categories
    w.begin_array();
    w.str(S.category);
    w.end_array();
    w.key("tags");
    w.begin_array();
    for (const char* t : S.tags) w.str(t);
    w.end_array();
    w.key("settlement_sources");
    w.begin_array();
    w.begin_object();
    w.kv("name", S.source_name);
    w.kv("url", S.source_url);
    w.end_object();
    w.end_array();
    w.kv("contract_url", std::string("https://kalshi.com/series/") + S.ticker + "/contract.pdf");
    w.kv("contract_terms_url", std::string("https://kalshi.com/series/") + S.ticker + "/terms.pdf");
    w.kv_null("product_metadata");
    w.kv("fee_type", "quadratic");
    w.key("fee_multiplier").raw("1");
    w.key("additional_prohibitions");
    if (cfg_.shapes == Shapes::H2026) {
      w.null();  // the schema says array; production sent null
    } else {
      w.begin_array();
      w.end_array();
    }
    w.kv_count("volume_fp", volume);
    w.kv_time("last_updated_ts", start_us_, false);
    if (cfg_.shapes != Shapes::H2026) w.kv_i64("exchange_index", 0);
    w.end_object();
    w.end_object();
    return true;
  }
  return false;
}

// ---- truth -------------------------------------------------------------------------------

std::string GeneratedAccount::truth_json() const {
  TruthHeader h;
  h.source = "generated";
  h.source_detail = "seed=" + std::to_string(cfg_.seed) + " fills=" + std::to_string(cfg_.fills) +
                    " markets=" + std::to_string(markets_.size()) +
                    " anchor=" + format_rfc3339(cfg_.anchor_us, false);
  h.mm_prefix = cfg_.mm_prefix;
  h.cutoff_trades = h.cutoff_orders = h.cutoff_settled = format_rfc3339(cutoff_us_, false);
  h.has_balance = true;
  h.balance = start_balance_ + cash_total_;
  h.portfolio_value = portfolio_value();

  TruthCounts c;
  c.orders = static_cast<std::int64_t>(orders_.size());
  c.fills = static_cast<std::int64_t>(fills_.size());
  c.settlements = static_cast<std::int64_t>(settlements_.size());
  c.market_positions = static_cast<std::int64_t>(position_order_.size());
  c.live_fills = static_cast<std::int64_t>(fills_live_.size());
  c.historical_fills = static_cast<std::int64_t>(fills_hist_.size());
  c.live_orders = static_cast<std::int64_t>(orders_live_.size());
  c.historical_orders = static_cast<std::int64_t>(orders_hist_.size());
  for (const GenOrder& o : orders_) c.resting_orders += o.status == OrderStatus::Resting;
  for (const GenEvent& ev : events_) {
    bool any = false;
    for (std::uint32_t mi : ev.markets) any = any || markets_[mi].fills > 0;
    c.event_positions += any;
  }

  std::vector<TruthMarket> rows;
  rows.reserve(position_order_.size());
  for (std::uint32_t mi : position_order_) {
    const GenMarket& m = markets_[mi];
    const SeriesDef& S = series_catalog()[m.series];
    TruthMarket t;
    t.ticker = m.ticker;
    t.series_ticker = S.ticker;
    t.event_ticker = events_[m.event].ticker;
    t.category = S.category;
    t.cash_paid = m.ledger.cash_paid();
    t.cash_received = m.ledger.cash_received();
    t.fees = m.ledger.fees();
    t.settlement_revenue = m.ledger.settlement_revenue();
    t.realized_pnl = m.ledger.realized_pnl();
    t.total_traded = m.ledger.total_traded();
    t.position = m.ledger.position();
    t.exposure = m.ledger.exposure();
    t.has_mark = true;
    t.mark_price = m.price;
    t.settled = m.status == MarketStatus::Finalized;
    t.result = result_name(m.result);
    t.has_value = m.result == MarketResult::Scalar;
    t.value_cents = m.value_cents;
    t.fills = m.fills;
    t.maker_fills = m.maker_fills;
    t.mm_fills = m.mm_fills;
    t.orders = m.orders;
    rows.push_back(std::move(t));
  }
  return render_truth(h, c, std::move(rows));
}

}  // namespace ksim
