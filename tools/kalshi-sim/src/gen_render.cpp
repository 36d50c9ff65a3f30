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

// ---- the WebSocket's private channels (ws-user-fills.md, ws-user-orders.md,
// ws-market-positions.md): the documented shapes, fixed-point strings, times in Unix s and ms ----

void GeneratedAccount::render_live(const AddFillsResult& added, LiveMessages& out) const {
  const std::uint32_t fill_end = added.first_fill + static_cast<std::uint32_t>(added.fills);
  // post_position_fp: each book's position after the fill, walked back from where it is now.
  std::vector<std::pair<std::uint64_t, Centis>> position;  // (market << 8 | sub) -> position
  auto position_of = [&](const GenFill& f) -> Centis& {
    const std::uint64_t key = static_cast<std::uint64_t>(f.market) << 8 | f.sub;
    for (auto& entry : position)
      if (entry.first == key) return entry.second;
    Centis now = 0;
    for (const GenBook& b : markets_[f.market].books)
      if (b.sub == f.sub) now = b.ledger.position();
    position.emplace_back(key, now);
    return position.back().second;
  };
  std::vector<std::string> fills(added.fills);
  for (std::uint32_t i = fill_end; i-- > added.first_fill;) {
    const GenFill& f = fills_[i];
    const GenMarket& m = markets_[f.market];
    Centis& after = position_of(f);
    std::string& o = fills[i - added.first_fill];
    std::string id;
    append_id(id, 'F', i);
    o.append("{\"trade_id\":\"").append(id).append("\",\"order_id\":\"");
    append_id(o, 'O', f.order);
    o.append("\",\"client_order_id\":\"");
    append_client_order_id(o, orders_[f.order]);
    o.append("\",");
    str_field(o, "market_ticker", m.ticker);
    o.append("\"exchange_index\":0,");
    o.append((f.flags & kTaker) ? "\"is_taker\":true," : "\"is_taker\":false,");
    write_direction(o, f.flags, false);
    dollars_field(o, "yes_price_dollars", f.yes_price, 4);
    count_field(o, "count_fp", f.count);
    dollars_field(o, "fee_cost", f.fee, 6);
    const std::int64_t ms = floor_div(f.time_us, 1000);
    o.append("\"ts\":").append(std::to_string(floor_div(ms, 1000)));
    o.append(",\"ts_ms\":").append(std::to_string(ms)).push_back(',');
    count_field(o, "post_position_fp", after < 0 ? -after : after);
    const bool outcome_yes = ((f.flags & kSideNo) != 0) == ((f.flags & kSell) != 0);
    o.append("\"purchased_side\":\"").append(after < 0 ? "no" : "yes").append("\"");
    o.append(",\"subaccount\":").append(std::to_string(f.sub)).push_back('}');
    after -= outcome_yes ? f.count : -f.count;  // the position before this fill
  }
  for (auto& fill : fills) out.fills.push_back(std::move(fill));

  const std::uint32_t order_end = added.first_order + static_cast<std::uint32_t>(added.orders);
  for (std::uint32_t i = added.first_order; i < order_end; ++i) {
    const GenOrder& ord = orders_[i];
    const GenMarket& m = markets_[ord.market];
    std::string o = "{\"order_id\":\"";
    append_id(o, 'O', i);
    o.append("\",\"user_id\":\"").append(user_id_).append("\",");
    str_field(o, "ticker", m.ticker);
    o.append("\"exchange_index\":0,\"status\":\"").append(order_status_name(ord.status));
    o.append("\",");
    write_direction(o, ord.flags, false);
    o.append(((ord.flags & kSideNo) != 0) == ((ord.flags & kSell) != 0) ? "\"is_yes\":true,"
                                                                        : "\"is_yes\":false,");
    dollars_field(o, "yes_price_dollars", ord.yes_price, 4);
    count_field(o, "fill_count_fp", ord.filled);
    count_field(o, "remaining_count_fp",
                ord.status == OrderStatus::Resting ? ord.initial - ord.filled : 0);
    count_field(o, "initial_count_fp", ord.initial);
    dollars_field(o, "taker_fill_cost_dollars", ord.taker_cost, 6);
    dollars_field(o, "maker_fill_cost_dollars", ord.maker_cost, 6);
    dollars_field(o, "taker_fees_dollars", ord.taker_fees, 6);
    dollars_field(o, "maker_fees_dollars", ord.maker_fees, 6);
    o.append("\"client_order_id\":\"");
    append_client_order_id(o, ord);
    o.append("\",\"created_time\":\"");
    append_rfc3339(o, ord.created_us, true);
    o.append("\",\"created_ts_ms\":").append(std::to_string(floor_div(ord.created_us, 1000)));
    o.append(",\"subaccount_number\":").append(std::to_string(ord.sub)).push_back('}');
    out.orders.push_back(std::move(o));
  }

  for (const auto& [key, ignored] : position) {
    const GenMarket& m = markets_[key >> 8];
    for (const GenBook& b : m.books) {
      if (b.sub != (key & 0xff)) continue;
      std::string o;
      JsonWriter w(o);
      w.set_dollar_decimals(4);
      w.begin_object();
      w.kv("user_id", user_id_);
      w.kv("market_ticker", m.ticker);
      w.kv_count("position_fp", b.ledger.position());
      w.kv_dollars("position_cost_dollars", b.ledger.exposure());
      w.kv_dollars("realized_pnl_dollars", b.ledger.realized_pnl());
      w.kv_dollars("fees_paid_dollars", b.ledger.fees());
      w.kv_dollars("position_fee_cost_dollars", b.ledger.fees());
      w.kv_count("volume_fp", b.volume);
      w.kv_i64("subaccount", b.sub);
      w.end_object();
      out.positions.push_back(std::move(o));
    }
  }
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
  if (q.subaccount >= 0) {
    const unsigned sub = (k == ListKind::Fills || k == ListKind::HistFills) ? fills_[idx].sub
                         : (k == ListKind::Orders || k == ListKind::HistOrders)
                             ? orders_[idx].sub
                             : settlements_[idx].sub;
    if (static_cast<int>(sub) != q.subaccount) return false;
  }
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

bool GeneratedAccount::is_historical_market(const GenMarket& m) const {
  return m.status == MarketStatus::Finalized && m.settle_us < cutoff_us_;
}

// unsettled: the market is not settled; settled: settled, last update at or after the cutoff's
// market_positions_last_updated_ts; historical: settled before it (only /historical/positions).
bool GeneratedAccount::position_in_set(const GenMarket& m, const GenBook& b,
                                       PositionSet set) const {
  const bool settled = b.ledger.settled();
  const bool archived = settled && b.last_update_us < cutoff_us_;
  switch (set) {
    case PositionSet::Unsettled:
      return !settled;
    case PositionSet::Settled:
      return settled && !archived;
    case PositionSet::All:
      return !archived;
    case PositionSet::Historical:
      return archived;
  }
  (void)m;
  return false;
}

namespace {
bool count_filter_ok(const PositionsQuery& q, const MarketLedger& l) {
  // count_filter keeps positions where ANY of the listed fields is non-zero.
  if (!q.need_position && !q.need_traded) return true;
  return (q.need_position && l.position() != 0) || (q.need_traded && l.total_traded() != 0);
}
}  // namespace

bool GeneratedAccount::position_matches(std::size_t i, const PositionsQuery& q) const {
  const GenMarket& m = markets_[positions_[i].market];
  const GenBook& b = m.books[positions_[i].book];
  if (b.sub != q.subaccount) return false;
  if (!q.ticker.empty() && q.ticker != m.ticker) return false;
  if (!q.event_ticker.empty() && q.event_ticker != events_[m.event].ticker) return false;
  return position_in_set(m, b, q.set) && count_filter_ok(q, b.ledger);
}

void GeneratedAccount::render_position(std::size_t i, std::string& out) const {
  const GenMarket& m = markets_[positions_[i].market];
  const GenBook& b = m.books[positions_[i].book];
  const bool h1 = cfg_.shapes == Shapes::H2026;
  JsonWriter w(out);
  w.set_dollar_decimals(money_decimals(b.last_update_us));
  w.begin_object();
  w.kv("ticker", m.ticker);
  if (!h1) w.kv_i64("exchange_index", 0);
  w.kv_dollars("total_traded_dollars", b.ledger.total_traded());
  w.kv_count("position_fp", b.ledger.position());
  w.kv_dollars("market_exposure_dollars", b.ledger.exposure());
  w.kv_dollars("realized_pnl_dollars", b.ledger.realized_pnl());
  w.kv_dollars("fees_paid_dollars", b.ledger.fees());
  w.kv_time("last_updated_ts", b.last_update_us);
  if (!h1 || b.sub != 0) w.kv_i64("subaccount_number", b.sub);
  w.end_object();
}

// Event positions aggregate the event's market positions of the same subaccount and set.
void GeneratedAccount::render_event_positions(const PositionsQuery& q, JsonWriter& w) const {
  for (std::uint32_t e : event_order_) {
    const GenEvent& ev = events_[e];
    if (!q.event_ticker.empty() && q.event_ticker != ev.ticker) continue;
    Micros cost = 0, exposure = 0, realized = 0, fees = 0;
    Centis shares = 0;
    bool any = false;
    std::int64_t last_us = 0;
    for (std::uint32_t mi : ev.markets) {
      const GenMarket& m = markets_[mi];
      if (!q.ticker.empty() && q.ticker != m.ticker) continue;
      for (const GenBook& b : m.books) {
        if (b.fills == 0 || b.sub != q.subaccount || !position_in_set(m, b, q.set) ||
            !count_filter_ok(q, b.ledger))
          continue;
        any = true;
        cost += b.ledger.total_traded();
        shares += b.volume;
        exposure += b.ledger.exposure();
        realized += b.ledger.realized_pnl();
        fees += b.ledger.fees();
        last_us = std::max(last_us, b.last_update_us);
      }
    }
    if (!any) continue;
    w.begin_object();
    w.set_dollar_decimals(money_decimals(last_us));
    w.kv("event_ticker", ev.ticker);
    w.kv_dollars("total_cost_dollars", cost);
    w.kv_count("total_cost_shares_fp", shares);
    w.kv_dollars("event_exposure_dollars", exposure);
    w.kv_dollars("realized_pnl_dollars", realized);
    w.kv_dollars("fees_paid_dollars", fees);
    w.end_object();
    w.set_dollar_decimals(4);
  }
}

// ---- single objects ----------------------------------------------------------------------

Micros GeneratedAccount::portfolio_value(int sub) const {
  Micros v = 0;
  for (const GenMarket& m : markets_) {
    for (const GenBook& b : m.books) {
      if (sub >= 0 && b.sub != sub) continue;
      const Centis p = b.ledger.position();
      if (p > 0) v += cost_micros(p, m.price);
      if (p < 0) v += cost_micros(-p, kMicrosPerDollar - m.price);
    }
  }
  return v;
}

Micros GeneratedAccount::net_deposits() const {
  Micros v = 0;
  for (const GenTransfer& d : deposits_)
    if (d.status == TransferStatus::Applied) v += (d.amount_cents - d.fee_cents) * kMicrosPerCent;
  for (const GenTransfer& t : withdrawals_)
    if (t.status == TransferStatus::Applied) v -= (t.amount_cents + t.fee_cents) * kMicrosPerCent;
  return v;
}

// The ledger: applied deposits and withdrawals (primary only), fills' cash and fees,
// settlements, and transfers between subaccounts.
Micros GeneratedAccount::balance(int sub) const {
  if (sub < 0 || sub >= static_cast<int>(sub_cash_.size())) return 0;
  const std::size_t s = static_cast<std::size_t>(sub);
  return (sub == 0 ? net_deposits() : 0) + sub_cash_[s] + sub_transfers_[s];
}

std::int64_t GeneratedAccount::data_as_of_us() const {
  std::int64_t t = std::max(last_fill_us_, cfg_.anchor_us);
  for (std::int64_t u : sub_last_us_) t = std::max(t, u);
  return t;
}

void GeneratedAccount::render_balance(int subaccount, std::string& out) const {
  const Micros bal = balance(subaccount);
  const std::int64_t updated_us = data_as_of_us();
  JsonWriter w(out);
  w.set_dollar_decimals(money_decimals(updated_us));
  w.begin_object();
  w.kv_i64("balance", round_to_cents(bal));
  w.kv_dollars("balance_dollars", bal);
  w.kv_i64("portfolio_value", round_to_cents(portfolio_value(subaccount)));
  w.kv_i64("updated_ts", floor_div(updated_us, kMicrosPerSecond));
  if (cfg_.shapes == Shapes::H2026) {  // the per-exchange-index breakdown came later
    w.end_object();
    return;
  }
  w.key("balance_breakdown");
  w.begin_array();
  w.begin_object();
  w.kv_i64("exchange_index", 0);
  w.kv_dollars("balance", bal);
  w.end_object();
  w.end_array();
  w.end_object();
}

// ---- money movements ---------------------------------------------------------------------

namespace {
const char* transfer_status_name(TransferStatus s) {
  switch (s) {
    case TransferStatus::Pending:
      return "pending";
    case TransferStatus::Applied:
      return "applied";
    case TransferStatus::Failed:
      return "failed";
    case TransferStatus::Returned:
      return "returned";
  }
  return "pending";
}
const char* payment_type_name(PaymentType t) {
  switch (t) {
    case PaymentType::Ach:
      return "ach";
    case PaymentType::Wire:
      return "wire";
    case PaymentType::Crypto:
      return "crypto";
    case PaymentType::Debit:
      return "debit";
    case PaymentType::Apm:
      return "apm";
  }
  return "ach";
}
}  // namespace

std::size_t GeneratedAccount::transfer_count(TransferKind k) const {
  switch (k) {
    case TransferKind::Deposits:
      return deposits_.size();
    case TransferKind::Withdrawals:
      return withdrawals_.size();
    case TransferKind::SubaccountTransfers:
      return sub_transfers_list_.size();
  }
  return 0;
}

void GeneratedAccount::render_transfer(TransferKind k, std::size_t i, std::string& out) const {
  JsonWriter w(out);
  w.begin_object();
  if (k == TransferKind::SubaccountTransfers) {
    const GenSubTransfer& t = sub_transfers_list_[i];
    std::string id;
    append_id(id, 'T', i);
    w.kv("transfer_id", id);
    w.kv_i64("from_subaccount", t.from);
    w.kv_i64("to_subaccount", t.to);
    w.kv_i64("amount_cents", t.amount_cents);
    w.kv_i64("created_ts", floor_div(t.created_us, kMicrosPerSecond));
    w.kv_i64("exchange_index", 0);
  } else {
    const bool dep = k == TransferKind::Deposits;
    const GenTransfer& t = dep ? deposits_[i] : withdrawals_[i];
    std::string id;
    append_id(id, dep ? 'D' : 'W', i);
    w.kv("id", id);
    w.kv("status", transfer_status_name(t.status));
    w.kv("type", payment_type_name(t.type));
    w.kv_i64("amount_cents", t.amount_cents);
    w.kv_i64("fee_cents", t.fee_cents);
    w.kv_i64("created_ts", floor_div(t.created_us, kMicrosPerSecond));
    if (t.status == TransferStatus::Pending)
      w.kv_null("finalized_ts");
    else
      w.kv_i64("finalized_ts", floor_div(t.finalized_us, kMicrosPerSecond));
  }
  w.end_object();
}

// One row per subaccount with a balance or any activity (the primary always).
void GeneratedAccount::render_subaccount_balances(JsonWriter& w) const {
  for (std::size_t s = 0; s < sub_cash_.size(); ++s) {
    const Micros bal = balance(static_cast<int>(s));
    if (s != 0 && bal == 0 && sub_last_us_[s] == 0) continue;
    w.begin_object();
    w.kv_i64("subaccount_number", static_cast<std::int64_t>(s));
    w.kv_i64("exchange_index", 0);
    w.kv_dollars("balance", bal);
    w.kv_i64("updated_ts",
             floor_div(std::max(sub_last_us_[s], s == 0 ? cfg_.anchor_us : 0), kMicrosPerSecond));
    w.end_object();
  }
}

std::string GeneratedAccount::apply_pending_transfers() {
  std::int64_t newest = data_as_of_us();
  for (const GenTransfer& t : deposits_) newest = std::max({newest, t.created_us, t.finalized_us});
  for (const GenTransfer& t : withdrawals_)
    newest = std::max({newest, t.created_us, t.finalized_us});
  const std::int64_t at = (floor_div(newest, kMicrosPerSecond) + 1) * kMicrosPerSecond;
  const Micros before = balance(0);
  std::string out;
  JsonWriter w(out);
  w.begin_object();
  w.key("applied");
  w.begin_array();
  int n = 0;
  for (int pass = 0; pass < 2; ++pass) {
    std::vector<GenTransfer>& list = pass == 0 ? deposits_ : withdrawals_;
    for (std::size_t i = 0; i < list.size(); ++i) {
      if (list[i].status != TransferStatus::Pending) continue;
      list[i].status = TransferStatus::Applied;
      list[i].finalized_us = at;
      ++n;
      std::string id;
      append_id(id, pass == 0 ? 'D' : 'W', i);
      w.begin_object();
      w.kv("kind", pass == 0 ? "deposit" : "withdrawal");
      w.kv("id", id);
      w.kv_i64("amount_cents", list[i].amount_cents);
      w.kv_i64("fee_cents", list[i].fee_cents);
      w.end_object();
    }
  }
  w.end_array();
  if (n > 0) sub_last_us_[0] = std::max(sub_last_us_[0], at);
  w.kv_i64("count", n);
  w.kv_i64("finalized_ts", floor_div(at, kMicrosPerSecond));
  w.kv_dollars("balance_change_dollars", balance(0) - before);
  w.kv_dollars("balance_dollars", balance(0));
  w.end_object();
  return out;
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
  Centis p = 0;
  for (const GenBook& b : m.books)
    p += b.ledger.position() < 0 ? -b.ledger.position() : b.ledger.position();
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

std::vector<std::string> GeneratedAccount::market_tickers(MarketSet set) const {
  std::vector<std::string> out;
  out.reserve(markets_.size());
  for (const GenMarket& m : markets_)
    if (is_historical_market(m) == (set == MarketSet::Historical)) out.push_back(m.ticker);
  std::sort(out.begin(), out.end());
  return out;
}

bool GeneratedAccount::render_market_object(const std::string& ticker, MarketSet set,
                                            std::string& event_ticker, std::string& out) const {
  auto it = market_by_ticker_.find(ticker);
  if (it == market_by_ticker_.end()) return false;
  const GenMarket& m = markets_[it->second];
  if (is_historical_market(m) != (set == MarketSet::Historical)) return false;
  event_ticker = events_[m.event].ticker;
  JsonWriter w(out);
  write_market(w, m);
  return true;
}

std::vector<std::string> GeneratedAccount::event_tickers() const {
  std::vector<std::string> out;
  out.reserve(event_order_.size());
  for (std::uint32_t e : event_order_) out.push_back(events_[e].ticker);
  return out;
}

void GeneratedAccount::render_event_markets(const std::string& event_ticker,
                                            std::string& out) const {
  JsonWriter w(out);
  w.begin_array();
  auto it = event_by_ticker_.find(event_ticker);
  if (it != event_by_ticker_.end()) {
    // Markets settled before the historical cutoff are not included (only /historical/markets).
    for (std::uint32_t mi : events_[it->second].markets)
      if (!is_historical_market(markets_[mi])) write_market(w, markets_[mi]);
  }
  w.end_array();
}

bool GeneratedAccount::render_event_object(const std::string& event_ticker, bool nested,
                                           std::string& out) const {
  auto it = event_by_ticker_.find(event_ticker);
  if (it == event_by_ticker_.end()) return false;
  const GenEvent& ev = events_[it->second];
  const SeriesDef& S = series_catalog()[ev.series];
  JsonWriter w(out);
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
    w.raw("");
    render_event_markets(event_ticker, out);
  }
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
  h.balance = balance(0);
  h.portfolio_value = portfolio_value(0);
  h.net_deposits = net_deposits();
  std::vector<TruthSubaccount> subs(sub_cash_.size());
  for (std::size_t k = 0; k < subs.size(); ++k) {
    subs[k].number = static_cast<int>(k);
    subs[k].balance = balance(static_cast<int>(k));
    subs[k].net_transfers = sub_transfers_[k];
  }

  TruthCounts c;
  c.orders = static_cast<std::int64_t>(orders_.size());
  c.fills = static_cast<std::int64_t>(fills_.size());
  c.settlements = static_cast<std::int64_t>(settlements_.size());
  c.market_positions = static_cast<std::int64_t>(positions_.size());
  c.live_fills = static_cast<std::int64_t>(fills_live_.size());
  c.historical_fills = static_cast<std::int64_t>(fills_hist_.size());
  c.live_orders = static_cast<std::int64_t>(orders_live_.size());
  c.historical_orders = static_cast<std::int64_t>(orders_hist_.size());
  c.deposits = static_cast<std::int64_t>(deposits_.size());
  c.withdrawals = static_cast<std::int64_t>(withdrawals_.size());
  c.subaccount_transfers = static_cast<std::int64_t>(sub_transfers_list_.size());
  for (const GenOrder& o : orders_) c.resting_orders += o.status == OrderStatus::Resting;
  for (const PositionRef& r : positions_) {
    const GenMarket& m = markets_[r.market];
    const GenBook& b = m.books[r.book];
    c.live_unsettled_positions += position_in_set(m, b, PositionSet::Unsettled);
    c.live_settled_positions += position_in_set(m, b, PositionSet::Settled);
    c.historical_positions += position_in_set(m, b, PositionSet::Historical);
  }
  for (const GenMarket& m : markets_) c.historical_markets += is_historical_market(m);
  for (const GenEvent& ev : events_) {
    // One event position per (subaccount, event) with any fill, across all sets.
    std::vector<bool> seen(sub_cash_.size(), false);
    for (std::uint32_t mi : ev.markets)
      for (const GenBook& b : markets_[mi].books)
        if (b.fills > 0 && !seen[b.sub]) {
          seen[b.sub] = true;
          ++c.event_positions;
        }
  }

  std::vector<TruthMarket> rows;
  std::vector<std::uint32_t> traded;
  for (const PositionRef& r : positions_)
    if (traded.empty() || traded.back() != r.market) traded.push_back(r.market);
  rows.reserve(traded.size());
  for (std::uint32_t mi : traded) {
    const GenMarket& m = markets_[mi];
    const SeriesDef& S = series_catalog()[m.series];
    TruthMarket t;
    t.ticker = m.ticker;
    t.series_ticker = S.ticker;
    t.event_ticker = events_[m.event].ticker;
    t.category = S.category;
    t.has_mark = true;
    t.mark_price = m.price;
    t.has_position_value = m.books.size() > 1;
    for (const GenBook& b : m.books) {
      const MarketLedger& l = b.ledger;
      t.cash_paid += l.cash_paid();
      t.cash_received += l.cash_received();
      t.fees += l.fees();
      t.settlement_revenue += l.settlement_revenue();
      t.realized_pnl += l.realized_pnl();
      t.total_traded += l.total_traded();
      t.position += l.position();
      t.exposure += l.exposure();
      const Centis p = l.position();
      t.position_value_override +=
          p > 0 ? cost_micros(p, m.price) : cost_micros(-p, kMicrosPerDollar - m.price);
      TruthSubaccount& sa = subs[b.sub];
      sa.cash_pnl += l.cash_pnl();
      sa.fees += l.fees();
      sa.fills += b.fills;
      sa.orders += b.orders;
    }
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
  // Orders of markets without fills (canceled / resting only) count for their subaccount too.
  for (const GenMarket& m : markets_)
    if (m.fills == 0)
      for (const GenBook& b : m.books) subs[b.sub].orders += b.orders;
  h.subaccounts = std::move(subs);
  return render_truth(h, c, std::move(rows));
}

}  // namespace ksim
