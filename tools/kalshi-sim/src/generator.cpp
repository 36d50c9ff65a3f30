// Deterministic generation of a trading history, and growth at run time (add_fills).
//
// Every fill is applied to its market's MarketLedger the moment it is generated, markets are
// traded in time order, and only consistent trades are produced: a sell closes contracts
// actually held (sell yes only while long YES, sell no only while long NO, never more than
// held), a buy of the other side while holding contracts nets against them (never crossing
// zero in one fill), and nothing trades after a market closes.
#include <algorithm>
#include <numeric>
#include <stdexcept>

#include "catalog.h"
#include "generated_account.h"

namespace ksim {

namespace {
constexpr std::int64_t kSec = kMicrosPerSecond;
constexpr std::int64_t kMin = 60 * kSec;
constexpr std::int64_t kHour = 60 * kMin;
constexpr std::int64_t kDay = 24 * kHour;

// 2026-08-20T16:05:00Z: the default end of the generated history. A fixed anchor keeps the
// account (timestamps included) identical across runs with the same seed. It is deliberately
// not on a 15-minute boundary so that a 15-minute market can be open at the anchor.
constexpr std::int64_t kDefaultAnchorUs = 1787241900LL * kSec;

std::int64_t event_capacity(Schedule s) {
  switch (s) {
    case Schedule::Daily:
      return 6;
    case Schedule::Quarter:
      return 4;
    case Schedule::Monthly:
      return 6;
    case Schedule::Yearly:
      return 8;
    case Schedule::Game:
      return 2;
    case Schedule::OneOff:
      return 3;
  }
  return 1;
}

// 0, +1, -1, +2, -2, ... so strikes of an event fan out around its centre.
std::int64_t fan(std::int64_t k) { return (k % 2 == 1) ? (k + 1) / 2 : -(k / 2); }

std::uint64_t hash_str(const std::string& s) {
  std::uint64_t h = 1469598103934665603ULL;
  for (char c : s) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  return mix64(h);
}

std::string hhmm(std::int64_t us) {
  std::int64_t sod = floor_div(us, kSec) % 86400;
  std::int64_t h = sod / 3600, m = sod / 60 % 60;
  std::string s;
  s.push_back(static_cast<char>('0' + h / 10));
  s.push_back(static_cast<char>('0' + h % 10));
  s.push_back(static_cast<char>('0' + m / 10));
  s.push_back(static_cast<char>('0' + m % 10));
  return s;
}
}  // namespace

GeneratedAccount::GeneratedAccount(const GenConfig& cfg)
    : cfg_(cfg),
      live_rng_(cfg.seed ^ 0x5eed0add5eed0addULL),
      book_rng_(cfg.seed ^ 0x5ab5ab5ab5ab5abULL) {
  cfg_.subaccounts = std::clamp(cfg_.subaccounts, 1, 64);
  sub_cash_.assign(static_cast<std::size_t>(cfg_.subaccounts), 0);
  sub_transfers_.assign(static_cast<std::size_t>(cfg_.subaccounts), 0);
  sub_last_us_.assign(static_cast<std::size_t>(cfg_.subaccounts), 0);
  if (cfg_.anchor_us == 0) cfg_.anchor_us = kDefaultAnchorUs;
  cfg_.anchor_us = floor_div(cfg_.anchor_us, kSec) * kSec;
  start_us_ = cfg_.anchor_us - static_cast<std::int64_t>(cfg_.days) * kDay;
  cutoff_us_ = cfg_.anchor_us - static_cast<std::int64_t>(std::max(cfg_.cutoff_days, 0)) * kDay;
  id_mask_f_ = mix64(cfg_.seed ^ 0xf111f111ULL) & 0xffffffffffffULL;
  id_mask_o_ = mix64(cfg_.seed ^ 0x0dde0ddeULL) & 0xffffffffffffULL;
  std::string uid;
  append_id(uid, 'U', 0);
  user_id_ = uid;

  Rng rng(cfg_.seed);
  const std::int64_t n_fills = std::max<std::int64_t>(0, cfg_.fills);
  std::int64_t n_markets =
      cfg_.markets > 0 ? cfg_.markets : std::clamp<std::int64_t>(n_fills / 40, 12, 25000);
  n_markets = std::min(n_markets, n_fills);  // every market gets at least one fill
  build_catalog(rng, n_markets);
  assign_books();

  // Spread the fills over markets with a skewed weight: most markets see a handful of fills,
  // a few see hundreds (the markets a bot works all day).
  const std::size_t m = markets_.size();
  std::vector<std::int64_t> per_market(m, m > 0 ? 1 : 0);
  if (m > 0) {
    std::vector<std::int64_t> weight(m);
    std::int64_t total_w = 0;
    for (std::size_t i = 0; i < m; ++i) {
      std::int64_t w = 1 + static_cast<std::int64_t>(rng.below(8));
      if (rng.permille(60)) w *= 12;
      if (markets_[i].mm_heavy) w *= 3;
      weight[i] = w;
      total_w += w;
    }
    std::int64_t rest = n_fills - static_cast<std::int64_t>(m);
    std::int64_t given = 0;
    for (std::size_t i = 0; i < m; ++i) {
      std::int64_t share =
          static_cast<std::int64_t>(static_cast<__int128>(rest) * weight[i] / total_w);
      per_market[i] += share;
      given += share;
    }
    for (std::int64_t k = 0; given < rest; ++k, ++given)
      per_market[static_cast<std::size_t>(k) % m] += 1;
  }
  recording_flows_ = true;
  generate_trading(rng, per_market);
  settle_markets(rng);
  recording_flows_ = false;

  // Sort orders by created time and fills by time (stable: ties keep generation order), then
  // renumber the fills' order references.
  std::vector<std::uint32_t> perm(orders_.size());
  std::iota(perm.begin(), perm.end(), 0u);
  std::stable_sort(perm.begin(), perm.end(), [&](std::uint32_t a, std::uint32_t b) {
    return orders_[a].created_us < orders_[b].created_us;
  });
  std::vector<std::uint32_t> new_index(orders_.size());
  std::vector<GenOrder> sorted_orders;
  sorted_orders.reserve(orders_.size());
  for (std::uint32_t i = 0; i < perm.size(); ++i) {
    new_index[perm[i]] = i;
    sorted_orders.push_back(orders_[perm[i]]);
  }
  orders_.swap(sorted_orders);
  for (GenFill& f : fills_) f.order = new_index[f.order];
  std::stable_sort(fills_.begin(), fills_.end(),
                   [](const GenFill& a, const GenFill& b) { return a.time_us < b.time_us; });
  std::stable_sort(
      settlements_.begin(), settlements_.end(),
      [](const GenSettlement& a, const GenSettlement& b) { return a.time_us < b.time_us; });

  // By default the cutoff splits the history so that about 40% of the fills (and a similar
  // share of the orders) are only on /historical/*, whatever the seed and size.
  if (cfg_.cutoff_days < 0 && !fills_.empty())
    cutoff_us_ = floor_div(fills_[fills_.size() * 2 / 5].time_us, kHour) * kHour;

  fund_account(rng);
  flows_.clear();
  flows_.shrink_to_fit();
  finalize_indices();
}

void GeneratedAccount::build_catalog(Rng& rng, std::int64_t market_target) {
  const auto& cat = series_catalog();
  std::int64_t total_weight = 0;
  for (const auto& s : cat) total_weight += s.weight;
  auto series_index = [&](const char* ticker) {
    for (std::size_t i = 0; i < cat.size(); ++i)
      if (std::string(cat[i].ticker) == ticker) return static_cast<std::uint16_t>(i);
    return static_cast<std::uint16_t>(0);
  };
  // A few long-dated markets that are open for the whole history, so that there are always
  // open positions and markets for add_fills to trade in.
  if (market_target >= 6) {
    add_market(rng, series_index("KXGREENLAND"), true);
    add_market(rng, series_index("KXBTCY"), true);
    add_market(rng, series_index("KXINXY"), true);
  }
  int failures = 0;
  while (static_cast<std::int64_t>(markets_.size()) < market_target && failures < 5000) {
    std::int64_t pick =
        static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(total_weight)));
    std::uint16_t s = 0;
    for (; s < cat.size(); ++s) {
      pick -= cat[s].weight;
      if (pick < 0) break;
    }
    bool want_open = rng.permille(100);
    if (add_market(rng, s, want_open)) {
      failures = 0;
    } else {
      ++failures;
    }
  }
  for (std::uint32_t i = 0; i < events_.size(); ++i) event_order_.push_back(i);
  std::sort(event_order_.begin(), event_order_.end(), [&](std::uint32_t a, std::uint32_t b) {
    return events_[a].ticker < events_[b].ticker;
  });
}

bool GeneratedAccount::add_market(Rng& rng, std::uint16_t series, bool want_open) {
  const SeriesDef& S = series_catalog()[series];
  const std::int64_t anchor = cfg_.anchor_us;
  const std::int64_t anchor_day = floor_div(anchor, kDay);
  const std::int64_t start_day = floor_div(start_us_, kDay);
  std::string event_ticker;
  std::string event_title;
  std::string event_sub;
  std::int64_t close_us = 0, open_us = 0, settle_delay = 0;
  std::string game_a, game_b;

  switch (S.schedule) {
    case Schedule::Daily: {
      std::int64_t day = want_open
                             ? anchor_day + rng.range(0, 1)
                             : start_day + 1 +
                                   static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(
                                       std::max<std::int64_t>(1, anchor_day - start_day - 1))));
      close_us = (day + 1) * kDay + 4 * kHour;  // ~midnight US Eastern
      open_us = close_us - 40 * kHour;
      settle_delay = 10 * kHour;
      event_ticker = std::string(S.ticker) + "-" + ticker_date(day);
      event_title = std::string(S.title) + " on " + human_date(day);
      event_sub = "On " + human_date(day);
      break;
    }
    case Schedule::Quarter: {
      const std::int64_t slot = 15 * kMin;
      if (want_open) {
        close_us = (floor_div(anchor, slot) + 1) * slot;
      } else {
        std::int64_t first = floor_div(start_us_, slot) + 2, last = floor_div(anchor, slot) - 1;
        close_us = (first + static_cast<std::int64_t>(
                                rng.below(static_cast<std::uint64_t>(last - first)))) *
                   slot;
      }
      open_us = close_us - slot;
      settle_delay = 2 * kMin;
      std::int64_t day = floor_div(close_us, kDay);
      event_ticker = std::string(S.ticker) + "-" + ticker_date(day) + hhmm(close_us);
      event_title = std::string(S.title) + " at " + hhmm(close_us) + " UTC on " + human_date(day);
      event_sub = human_date(day) + " " + hhmm(close_us);
      break;
    }
    case Schedule::Monthly: {
      int y;
      unsigned mo, d;
      civil_from_days(anchor_day, y, mo, d);
      std::int64_t months_back = want_open ? 0 : 1 + static_cast<std::int64_t>(rng.below(6));
      std::int64_t idx = y * 12 + (mo - 1) - months_back;
      int ey = static_cast<int>(idx / 12);
      unsigned em = static_cast<unsigned>(idx % 12) + 1;
      // Released around the 13th of the following month.
      std::int64_t rel_idx = idx + 1;
      close_us = days_from_civil(static_cast<int>(rel_idx / 12),
                                 static_cast<unsigned>(rel_idx % 12) + 1, 13) *
                     kDay +
                 12 * kHour + 30 * kMin;
      open_us = close_us - 35 * kDay;
      settle_delay = 1 * kHour;
      event_ticker = std::string(S.ticker) + "-" + ticker_month(ey, em);
      event_title = std::string(S.title) + " for " + ticker_month(ey, em).substr(2) + " 20" +
                    ticker_month(ey, em).substr(0, 2);
      event_sub = "Release for " + ticker_month(ey, em);
      break;
    }
    case Schedule::Yearly: {
      int y;
      unsigned mo, d;
      civil_from_days(anchor_day, y, mo, d);
      close_us = days_from_civil(y, 12, 31) * kDay + 21 * kHour;
      open_us = days_from_civil(y, 1, 1) * kDay + 14 * kHour;
      settle_delay = 1 * kDay;
      event_ticker = std::string(S.ticker) + "-" + ticker_date(days_from_civil(y, 12, 31));
      event_title = std::string(S.title) + " " + std::to_string(y);
      event_sub = "End of " + std::to_string(y);
      break;
    }
    case Schedule::Game: {
      std::int64_t day = want_open
                             ? anchor_day + rng.range(0, 3)
                             : start_day + 1 +
                                   static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(
                                       std::max<std::int64_t>(1, anchor_day - start_day - 1))));
      const auto& teams = team_codes(S.ticker);
      std::size_t a = rng.below(teams.size());
      std::size_t b = (a + 1 + rng.below(teams.size() - 1)) % teams.size();
      game_a = teams[a];
      game_b = teams[b];
      close_us = (day + 1) * kDay + 4 * kHour;
      open_us = close_us - 6 * kDay;
      settle_delay = 3 * kHour;
      event_ticker = std::string(S.ticker) + "-" + ticker_date(day) + game_a + game_b;
      event_title = game_a + " vs " + game_b;
      event_sub = game_a + " vs " + game_b + " (" + human_date(day) + ")";
      break;
    }
    case Schedule::OneOff: {
      close_us = days_from_civil(2029, 1, 20) * kDay + 17 * kHour;
      open_us = start_us_ - 200 * kDay;
      settle_delay = 1 * kDay;
      event_ticker = std::string(S.ticker) + "-29";
      event_title = std::string(S.title) + " (before 2029)";
      event_sub = "Before Jan 20, 2029";
      break;
    }
  }

  // The account trades between max(open, start of history) and min(close, anchor).
  const std::int64_t ws = std::max(open_us, start_us_);
  const std::int64_t we = std::min(close_us, anchor) - kSec;
  if (we - ws < kMin) return false;
  if (want_open != (close_us > anchor) && S.schedule != Schedule::Yearly &&
      S.schedule != Schedule::OneOff)
    return false;

  std::uint32_t ev_idx;
  auto it = event_by_ticker_.find(event_ticker);
  if (it == event_by_ticker_.end()) {
    ev_idx = static_cast<std::uint32_t>(events_.size());
    GenEvent ev;
    ev.ticker = event_ticker;
    ev.title = event_title;
    ev.sub_title = event_sub;
    ev.series = series;
    ev.strike_us = close_us;
    ev.mutually_exclusive =
        S.schedule == Schedule::Game || (S.brackets && hash_str(event_ticker) % 2 == 0);
    events_.push_back(std::move(ev));
    event_by_ticker_.emplace(event_ticker, ev_idx);
  } else {
    ev_idx = it->second;
  }
  GenEvent& ev = events_[ev_idx];
  const std::int64_t k = static_cast<std::int64_t>(ev.markets.size());
  if (k >= event_capacity(S.schedule)) return false;

  GenMarket mk;
  mk.event = ev_idx;
  mk.series = series;
  const bool bracket_event = S.brackets && hash_str(event_ticker) % 2 == 0;
  if (S.schedule == Schedule::Game) {
    const std::string& team = (k == 0) ? game_a : game_b;
    // A game event that already exists may have been created with the sides the other way.
    std::string side = team;
    if (k == 1) {
      const std::string& first = markets_[ev.markets[0]].yes_sub_title;
      side = (first == game_a) ? game_b : game_a;
    }
    mk.ticker = event_ticker + "-" + side;
    mk.title = "Will " + side + " win " + ev.title + "?";
    mk.yes_sub_title = side;
    mk.strike_type = "structured";
  } else {
    const std::int64_t center =
        S.strike_base + S.strike_step * static_cast<std::int64_t>(hash_str(event_ticker) % 4);
    const std::int64_t strike = center + S.strike_step * fan(k);
    if (strike < 0) return false;
    if (bracket_event) {
      // "-B60.5": the bracket [60, 61] for a 2-degree step.
      std::int64_t mid10 = strike * 10 + (S.strike_step - 1) * 5;
      std::string label = scaled_number(mid10, S.strike_scale + 1);
      mk.ticker = event_ticker + "-B" + label;
      mk.strike_type = "between";
      mk.floor_strike = scaled_number(strike, S.strike_scale);
      mk.cap_strike = scaled_number(strike + S.strike_step - 1, S.strike_scale);
      mk.yes_sub_title = mk.floor_strike + S.unit + " to " + mk.cap_strike + S.unit;
    } else {
      std::string label = scaled_number(strike, S.strike_scale);
      mk.ticker = event_ticker + "-T" + label;
      mk.strike_type = "greater";
      mk.floor_strike = label;
      mk.yes_sub_title = "Above " + label + S.unit;
    }
    mk.title = ev.title + ": " + mk.yes_sub_title + "?";
  }
  if (market_by_ticker_.count(mk.ticker)) return false;
  mk.scalar = S.scalar_ok && rng.permille(150);
  mk.mm_heavy = rng.permille(180);
  mk.tick = rng.permille(120) ? 1'000 : 10'000;  // some markets quote in tenths of a cent
  mk.price = static_cast<Micros>(rng.range(5, 95)) * 10'000 +
             (mk.tick == 1'000 ? rng.range(0, 9) * 1'000 : 0);
  mk.open_us = open_us;
  mk.close_us = close_us;
  if (close_us > anchor) {
    mk.status = MarketStatus::Active;
  } else if (close_us + settle_delay <= anchor) {
    mk.status = MarketStatus::Finalized;
    mk.settle_us = close_us + settle_delay +
                   static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(10 * kMin)));
    if (mk.settle_us > anchor) mk.settle_us = anchor;
  } else {
    mk.status = MarketStatus::Closed;  // trading over, not yet determined at the anchor
  }
  const std::uint32_t m_idx = static_cast<std::uint32_t>(markets_.size());
  market_by_ticker_.emplace(mk.ticker, m_idx);
  ev.markets.push_back(m_idx);
  markets_.push_back(std::move(mk));
  return true;
}

void GeneratedAccount::generate_trading(Rng& rng,
                                        const std::vector<std::int64_t>& fills_per_market) {
  std::int64_t total = 0;
  for (std::int64_t f : fills_per_market) total += f;
  fills_.reserve(static_cast<std::size_t>(total));
  orders_.reserve(static_cast<std::size_t>(total / 2 + 16));
  std::vector<std::int64_t> times;
  for (std::uint32_t m = 0; m < markets_.size(); ++m) {
    GenMarket& mk = markets_[m];
    const std::int64_t ws = std::max(mk.open_us, start_us_);
    const std::int64_t we = std::min(mk.close_us, cfg_.anchor_us) - kSec;
    const std::int64_t F = fills_per_market[m];
    times.resize(static_cast<std::size_t>(F));
    for (auto& t : times)
      t = ws + static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(we - ws)));
    std::sort(times.begin(), times.end());
    std::int64_t j = 0;
    while (j < F) {
      const std::int64_t t = times[static_cast<std::size_t>(j)];
      if (rng.permille(40)) {
        std::int64_t created = std::max(
            ws, t - static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(kHour))));
        emit_empty_order(rng, m, created, OrderStatus::Canceled,
                         std::min(we, created + rng.range(kSec, 5 * kMin)));
      }
      const bool allow_resting = mk.status == MarketStatus::Active && F - j <= 4;
      j += emit_order(rng, m, &times[static_cast<std::size_t>(j)],
                      static_cast<int>(std::min<std::int64_t>(F - j, 1 << 20)), allow_resting, we);
    }
    if (mk.status == MarketStatus::Active && rng.permille(300)) {
      std::int64_t created =
          we -
          static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(std::min(we - ws, kDay))));
      emit_empty_order(rng, m, created, OrderStatus::Resting, created);
    }
  }
}

int GeneratedAccount::emit_order(Rng& rng, std::uint32_t market, const std::int64_t* times,
                                 int max_fills, bool allow_resting, std::int64_t window_end_us) {
  GenMarket& mk = markets_[market];
  // The market's price drifts between the account's orders.
  const Micros lo = mk.tick, hi = kMicrosPerDollar - mk.tick;
  Micros y = mk.price + mk.tick * rng.range(-3, 3) * (mk.tick == 1'000 ? 5 : 1);
  y = std::clamp(y, lo, hi);
  mk.price = y;

  // The subaccount (book) this order trades from.
  const std::size_t b =
      mk.books.size() > 1 ? static_cast<std::size_t>(book_rng_.below(mk.books.size())) : 0;
  GenBook& bk = mk.books[b];
  const Centis P = bk.ledger.position();
  bool side_no = false, sell = false, closing = false;
  if (P == 0) {
    side_no = rng.chance(1, 2);
  } else if (force_close_) {
    side_no = P < 0;  // sell the held side
    sell = true;
    closing = true;
  } else {
    const bool held_yes = P > 0;
    if (rng.permille(520)) {
      side_no = !held_yes;  // add to the held side
    } else if (rng.permille(static_cast<unsigned>(cfg_.netting_permille))) {
      side_no = held_yes;  // buy the other side: nets against the held contracts
      closing = true;
    } else {
      side_no = !held_yes;  // sell the held side
      sell = true;
      closing = true;
    }
  }
  const bool outcome_yes = side_no == sell;
  bool frac = !mk.scalar && rng.permille(200);
  const Centis held = P < 0 ? -P : P;
  if (closing && !frac && held < 100) frac = true;  // only a fraction of a contract left
  const Centis unit = frac ? 1 : 100;

  int nf = 1 + (rng.permille(450) ? static_cast<int>(rng.below(4)) : 0);
  nf = std::min(nf, max_fills);
  if (closing) nf = static_cast<int>(std::min<Centis>(nf, held / unit));

  const bool mm = mk.mm_heavy ? rng.permille(700) : rng.permille(30);
  const bool is_market = !mm && rng.permille(120);
  OrderStatus status = OrderStatus::Executed;
  Centis extra = 0;
  if (!is_market) {
    if (allow_resting && rng.permille(350)) {
      status = OrderStatus::Resting;
      extra = unit * rng.range(1, 20);
    } else if (rng.permille(200)) {
      status = OrderStatus::Canceled;
      extra = unit * rng.range(1, 20);
    }
  }
  const Micros side_price = side_no ? kMicrosPerDollar - y : y;

  GenOrder o{};
  o.market = market;
  o.yes_price = static_cast<std::int32_t>(y);
  o.flags = static_cast<std::uint8_t>((side_no ? kSideNo : 0) | (sell ? kSell : 0));
  o.is_market = is_market ? 1 : 0;
  o.status = status;
  o.cid_kind = mm ? ClientIdKind::MarketMaker
                  : (rng.permille(50) ? ClientIdKind::Empty : ClientIdKind::Uuid);
  o.cid_seq = static_cast<std::uint32_t>(orders_.size());
  o.sub = bk.sub;
  o.created_us =
      times[0] - static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(20 * kSec)));
  if (o.created_us < mk.open_us) o.created_us = times[0];
  if (o.created_us <= last_order_us_) o.created_us = std::min(times[0], last_order_us_ + 1);
  const std::uint32_t order_idx = static_cast<std::uint32_t>(orders_.size());

  Centis filled = 0;
  for (int k = 0; k < nf; ++k) {
    Centis whole = rng.permille(850) ? rng.range(1, 12) : rng.range(13, 120);
    Centis c = whole * 100;
    if (frac) {
      std::uint64_t r = rng.below(10);
      Centis part = r < 5 ? 50 : r < 7 ? 25 : r < 8 ? 75 : rng.range(1, 99);
      c = (whole - 1) * 100 + part;
    }
    if (closing) {
      const Centis allow = held - filled - static_cast<Centis>(nf - k - 1) * unit;
      if (k == nf - 1 && rng.permille(350)) c = allow;  // close out completely
      c = std::min(c, allow);
      if (!frac) c = c / 100 * 100;
    }
    const bool taker = is_market ? true : mm ? false : (k == 0 && rng.permille(350));
    const Micros fee = quadratic_fee(c, side_price, taker ? 700 : 175);
    const FillEffect eff = bk.ledger.apply_fill(outcome_yes, c, y, fee);
    sub_cash_[bk.sub] += eff.cash - fee;
    sub_last_us_[bk.sub] = std::max(sub_last_us_[bk.sub], times[k]);
    record_flow(times[k], bk.sub, eff.cash - fee);
    const Micros cost = cost_micros(c, side_price);
    if (taker) {
      o.taker_cost += cost;
      o.taker_fees += fee;
    } else {
      o.maker_cost += cost;
      o.maker_fees += fee;
      ++mk.maker_fills;
      ++bk.maker_fills;
    }
    if (mm) {
      ++mk.mm_fills;
      ++bk.mm_fills;
    }
    ++mk.fills;
    ++bk.fills;
    mk.user_volume += c;
    bk.volume += c;
    mk.last_update_us = times[k];
    bk.last_update_us = times[k];
    filled += c;
    GenFill f{};
    f.time_us = times[k];
    f.order = order_idx;
    f.market = market;
    f.count = static_cast<std::int32_t>(c);
    f.yes_price = static_cast<std::int32_t>(y);
    f.fee = static_cast<std::int32_t>(fee);
    f.flags = static_cast<std::uint8_t>(o.flags | (taker ? kTaker : 0));
    f.sub = bk.sub;
    fills_.push_back(f);
  }
  o.filled = static_cast<std::int32_t>(filled);
  o.initial = static_cast<std::int32_t>(filled + extra);
  const std::int64_t last = times[nf - 1];
  switch (status) {
    case OrderStatus::Executed:
    case OrderStatus::Resting:
      o.updated_us = last;
      break;
    case OrderStatus::Canceled:
      o.updated_us = std::max(last, std::min(window_end_us, last + rng.range(kSec, 10 * kMin)));
      break;
  }
  orders_.push_back(o);
  ++mk.orders;
  ++bk.orders;
  return nf;
}

void GeneratedAccount::emit_empty_order(Rng& rng, std::uint32_t market, std::int64_t created_us,
                                        OrderStatus status, std::int64_t updated_us) {
  GenMarket& mk = markets_[market];
  GenOrder o{};
  o.market = market;
  Micros y =
      std::clamp(mk.price + mk.tick * rng.range(-8, -1), mk.tick, kMicrosPerDollar - mk.tick);
  const bool side_no = rng.chance(1, 2);
  if (side_no)
    y = std::clamp(mk.price + mk.tick * rng.range(1, 8), mk.tick, kMicrosPerDollar - mk.tick);
  o.yes_price = static_cast<std::int32_t>(y);
  o.flags = side_no ? kSideNo : 0;  // passive buys that never traded
  o.status = status;
  const bool mm = mk.mm_heavy ? rng.permille(700) : rng.permille(30);
  o.cid_kind = mm ? ClientIdKind::MarketMaker : ClientIdKind::Uuid;
  o.cid_seq = static_cast<std::uint32_t>(orders_.size());
  GenBook& bk = mk.books[mk.books.size() > 1 ? book_rng_.below(mk.books.size()) : 0];
  o.sub = bk.sub;
  o.created_us = created_us;
  o.updated_us = std::max(created_us, updated_us);
  o.initial = static_cast<std::int32_t>(100 * rng.range(1, 25));
  orders_.push_back(o);
  ++mk.orders;
  ++bk.orders;
}

void GeneratedAccount::settle_markets(Rng& rng) {
  for (std::uint32_t m = 0; m < markets_.size(); ++m) {
    GenMarket& mk = markets_[m];
    if (mk.status != MarketStatus::Finalized) continue;
    std::int64_t value = 0;
    if (mk.scalar) {
      mk.result = MarketResult::Scalar;
      value = std::clamp<std::int64_t>(mk.price / kMicrosPerCent + rng.range(-15, 15), 0, 100);
      mk.value_cents = value;
    } else {
      mk.result =
          static_cast<Micros>(rng.below(static_cast<std::uint64_t>(kMicrosPerDollar))) < mk.price
              ? MarketResult::Yes
              : MarketResult::No;
    }
    mk.last_update_us = mk.settle_us;
    for (GenBook& bk : mk.books) {
      const SettlementEffect s = bk.ledger.settle(mk.result, value);
      if (s.revenue % kMicrosPerCent != 0)
        throw std::logic_error("settlement revenue is not whole cents: " + mk.ticker);
      sub_cash_[bk.sub] += s.revenue;
      record_flow(mk.settle_us, bk.sub, s.revenue);
      bk.last_update_us = mk.settle_us;
      if (bk.fills == 0) continue;
      sub_last_us_[bk.sub] = std::max(sub_last_us_[bk.sub], mk.settle_us);
      GenSettlement rec{};
      rec.time_us = mk.settle_us;
      rec.market = m;
      rec.yes_count = s.yes_count;
      rec.no_count = s.no_count;
      rec.yes_cost = s.yes_cost;
      rec.no_cost = s.no_cost;
      rec.revenue = s.revenue;
      rec.sub = bk.sub;
      settlements_.push_back(rec);
    }
  }
}

bool GeneratedAccount::is_historical_order(const GenOrder& o) const {
  return o.status != OrderStatus::Resting && o.updated_us < cutoff_us_;
}

void GeneratedAccount::index_fill(std::uint32_t idx) {
  const GenFill& f = fills_[idx];
  if (f.time_us < cutoff_us_) {
    fills_hist_.push_back(idx);
    fills_hist_by_m_[f.market].push_back(idx);
  } else {
    fills_live_.push_back(idx);
    fills_live_by_m_[f.market].push_back(idx);
  }
}

void GeneratedAccount::index_order(std::uint32_t idx) {
  const GenOrder& o = orders_[idx];
  if (is_historical_order(o)) {
    orders_hist_.push_back(idx);
    orders_hist_by_m_[o.market].push_back(idx);
  } else {
    orders_live_.push_back(idx);
    orders_live_by_m_[o.market].push_back(idx);
  }
}

void GeneratedAccount::finalize_indices() {
  const std::size_t m = markets_.size();
  fills_live_by_m_.assign(m, {});
  fills_hist_by_m_.assign(m, {});
  orders_live_by_m_.assign(m, {});
  orders_hist_by_m_.assign(m, {});
  settlements_by_m_.assign(m, {});
  for (std::uint32_t i = 0; i < fills_.size(); ++i) index_fill(i);
  for (std::uint32_t i = 0; i < orders_.size(); ++i) index_order(i);
  for (std::uint32_t i = 0; i < settlements_.size(); ++i) {
    settlements_all_.push_back(i);
    settlements_by_m_[settlements_[i].market].push_back(i);
  }
  last_fill_us_ = fills_.empty() ? cfg_.anchor_us : fills_.back().time_us;
  last_order_us_ = orders_.empty() ? cfg_.anchor_us : orders_.back().created_us;
  rebuild_positions();
}

void GeneratedAccount::rebuild_positions() {
  positions_.clear();
  for (std::uint32_t i = 0; i < markets_.size(); ++i)
    for (std::size_t b = 0; b < markets_[i].books.size(); ++b)
      if (markets_[i].books[b].fills > 0) positions_.push_back({i, static_cast<std::uint8_t>(b)});
  std::sort(positions_.begin(), positions_.end(), [&](const PositionRef& a, const PositionRef& b) {
    const std::string& ta = markets_[a.market].ticker;
    const std::string& tb = markets_[b.market].ticker;
    if (ta != tb) return ta < tb;
    return markets_[a.market].books[a.book].sub < markets_[b.market].books[b.book].sub;
  });
}

AddFillsResult GeneratedAccount::add_fills(int count, bool round_trips, std::int64_t at_us) {
  AddFillsResult res;
  if (count <= 0) return res;
  res.first_fill = static_cast<std::uint32_t>(fills_.size());
  res.first_order = static_cast<std::uint32_t>(orders_.size());
  const std::int64_t last = std::max({last_fill_us_, last_order_us_, cfg_.anchor_us});
  std::int64_t t = at_us > 0 ? std::max(last + 1, at_us) : last + kSec;
  std::vector<std::uint32_t> open;
  for (std::uint32_t i = 0; i < markets_.size(); ++i) {
    const GenMarket& mk = markets_[i];
    if (mk.status != MarketStatus::Active || mk.close_us <= t + 7 * kDay) continue;
    // Round trips start flat, in a market traded from one book (so the close sells what opened).
    if (round_trips && (mk.books.size() != 1 || mk.books[0].ledger.position() != 0)) continue;
    open.push_back(i);
  }
  if (open.empty())
    throw std::runtime_error(round_trips ? "no flat open market left for a round trip"
                                         : "no open market left to trade in");
  int remaining = count;
  // One order of up to `max_fills` fills in market m; returns its fills.
  auto order = [&](std::uint32_t m, int max_fills) {
    std::int64_t times[3];
    for (int k = 0; k < max_fills; ++k) {
      // Live trading keeps to the wall clock: an order's fills a few microseconds apart.
      t += at_us > 0 ? live_rng_.range(1, 999)
                     : live_rng_.range(200'000, 2'500'000) + live_rng_.range(0, 999);
      times[k] = t;
    }
    const std::size_t fills_before = fills_.size();
    const std::uint32_t order_idx = static_cast<std::uint32_t>(orders_.size());
    const int n =
        emit_order(live_rng_, m, times, max_fills, false, times[max_fills - 1] + 10 * kMin);
    t = times[n - 1];
    for (std::size_t i = fills_before; i < fills_.size(); ++i)
      index_fill(static_cast<std::uint32_t>(i));
    index_order(order_idx);
    last_order_us_ = orders_[order_idx].created_us;
    last_fill_us_ = fills_.back().time_us;
    if (res.fills == 0) res.first_us = fills_[fills_before].time_us;
    res.last_us = last_fill_us_;
    res.fills += n;
    res.orders += 1;
    return n;
  };
  while (remaining > 0) {
    const std::uint32_t m = open[live_rng_.below(open.size())];
    remaining -= order(m, round_trips ? 3 : std::min(remaining, 3));
    if (!round_trips) continue;
    // Close it again: sells of what the book holds until it is flat (fractions take a few).
    force_close_ = true;
    for (int guard = 0; guard < 1000 && markets_[m].books[0].ledger.position() != 0; ++guard)
      remaining -= order(m, 3);
    force_close_ = false;
    if (std::find(res.round_trip_tickers.begin(), res.round_trip_tickers.end(),
                  markets_[m].ticker) == res.round_trip_tickers.end())
      res.round_trip_tickers.push_back(markets_[m].ticker);
  }
  rebuild_positions();  // a book may have traded for the first time
  return res;
}

void GeneratedAccount::record_flow(std::int64_t us, unsigned sub, Micros delta) {
  if (recording_flows_ && delta != 0) flows_.push_back({us, sub, delta});
}

// Subaccounts: with K > 1 each market trades from one subaccount (hash of its ticker), about 15%
// of them from a second one too. Uses its own random stream, so K = 1 gives the same account.
void GeneratedAccount::assign_books() {
  const unsigned k = static_cast<unsigned>(cfg_.subaccounts);
  for (GenMarket& mk : markets_) {
    GenBook first;
    first.sub = static_cast<std::uint8_t>(k == 1 ? 0 : hash_str(mk.ticker) % k);
    mk.books.push_back(first);
    if (k > 1 && book_rng_.permille(150)) {
      GenBook second;
      second.sub = static_cast<std::uint8_t>((first.sub + 1 + book_rng_.below(k - 1)) % k);
      mk.books.push_back(second);
    }
  }
}

// Money in and out, planned after the trading so that every balance stays positive at every
// point in time: subaccounts 1..K-1 are funded by transfers from the primary before they first
// trade; the first deposit (before any trading) covers the primary's deepest drawdown plus
// every withdrawal; further deposits only add; withdrawals debit amount + fee when applied.
void GeneratedAccount::fund_account(Rng& rng) {
  constexpr std::int64_t kDollarCents = 100;
  std::stable_sort(flows_.begin(), flows_.end(),
                   [](const Flow& a, const Flow& b) { return a.us < b.us; });
  const std::size_t k = sub_cash_.size();

  // 1. Subaccount transfers from the primary: one before each other subaccount first trades.
  std::vector<Micros> run(k, 0), low(k, 0);
  std::vector<std::int64_t> first_us(k, 0);
  for (const Flow& f : flows_) {
    if (first_us[f.sub] == 0) first_us[f.sub] = f.us;
    run[f.sub] += f.delta;
    low[f.sub] = std::min(low[f.sub], run[f.sub]);
  }
  for (std::size_t s = 1; s < k; ++s) {
    if (first_us[s] == 0) continue;
    const std::int64_t cents =
        (-low[s] / kMicrosPerCent / (100 * kDollarCents) + 1) * 100 * kDollarCents +
        200 * kDollarCents;
    GenSubTransfer t;
    t.created_us = first_us[s] - kHour -
                   static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(kHour)));
    t.from = 0;
    t.to = static_cast<std::uint8_t>(s);
    t.amount_cents = cents;
    sub_transfers_list_.push_back(t);
    flows_.push_back({t.created_us, 0, -cents * kMicrosPerCent});
    sub_transfers_[0] -= cents * kMicrosPerCent;
    sub_transfers_[s] += cents * kMicrosPerCent;
    sub_last_us_[0] = std::max(sub_last_us_[0], t.created_us);
    sub_last_us_[s] = std::max(sub_last_us_[s], t.created_us);
  }
  std::stable_sort(
      sub_transfers_list_.begin(), sub_transfers_list_.end(),
      [](const GenSubTransfer& a, const GenSubTransfer& b) { return a.created_us < b.created_us; });

  // 2. Withdrawals: the newest is pending, one of four or more failed, the rest applied.
  const std::int64_t first_day = start_us_ + 10 * kDay, last_day = cfg_.anchor_us - 3 * kDay;
  auto random_time = [&]() {
    return first_day + static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(
                           std::max<std::int64_t>(1, last_day - first_day))));
  };
  auto finalize_after = [&](GenTransfer& t) {
    const std::int64_t delay =
        t.type == PaymentType::Ach ? rng.range(kHour, 2 * kDay) : rng.range(kMin, 2 * kHour);
    t.finalized_us = floor_div(t.created_us + delay, kSec) * kSec;
  };
  static const PaymentType kTypes[] = {PaymentType::Ach, PaymentType::Wire, PaymentType::Crypto,
                                       PaymentType::Debit, PaymentType::Apm};
  std::int64_t budget_cents = 0;
  for (int i = 0; i < cfg_.withdrawals; ++i) {
    GenTransfer w;
    w.type = kTypes[rng.below(3)];  // ach, wire or crypto
    w.amount_cents = rng.range(5, 150) * 10 * kDollarCents;
    w.fee_cents = w.type == PaymentType::Wire     ? 25 * kDollarCents
                  : w.type == PaymentType::Crypto ? 2 * kDollarCents
                                                  : 0;
    const bool pending = i == cfg_.withdrawals - 1;
    w.created_us = pending ? cfg_.anchor_us - rng.range(kHour, 20 * kHour) : random_time();
    w.created_us = floor_div(w.created_us, kSec) * kSec;
    w.status = pending                             ? TransferStatus::Pending
               : (cfg_.withdrawals >= 4 && i == 1) ? TransferStatus::Failed
                                                   : TransferStatus::Applied;
    if (!pending) finalize_after(w);
    if (w.status != TransferStatus::Failed) budget_cents += w.amount_cents + w.fee_cents;
    if (w.status == TransferStatus::Applied)
      flows_.push_back({w.finalized_us, 0, -(w.amount_cents + w.fee_cents) * kMicrosPerCent});
    withdrawals_.push_back(w);
  }

  // 3. Deposits: the first one (a wire, no fee) before any trading covers the primary's deepest
  // drawdown and every withdrawal; then applied ones (debit cards and APMs charge a fee), the
  // newest pending (3 or more), one failed (4 or more) and one returned (5 or more).
  std::stable_sort(flows_.begin(), flows_.end(),
                   [](const Flow& a, const Flow& b) { return a.us < b.us; });
  Micros r0 = 0, low0 = 0;
  for (const Flow& f : flows_) {
    if (f.sub != 0) continue;
    r0 += f.delta;
    low0 = std::min(low0, r0);
  }
  GenTransfer d0;
  d0.type = PaymentType::Wire;
  d0.created_us = floor_div(start_us_ - 3 * kDay, kSec) * kSec;
  d0.finalized_us = d0.created_us + 10 * kMin;
  d0.amount_cents =
      ((-low0 / kMicrosPerCent + budget_cents) / (100 * kDollarCents) + 1) * 100 * kDollarCents +
      500 * kDollarCents;
  deposits_.push_back(d0);
  for (int i = 1; i < cfg_.deposits; ++i) {
    GenTransfer d;
    d.type = kTypes[rng.below(5)];
    d.amount_cents = rng.range(10, 300) * 10 * kDollarCents;
    d.fee_cents = d.type == PaymentType::Debit ? d.amount_cents * 2 / 100
                  : d.type == PaymentType::Apm ? d.amount_cents / 100
                                               : 0;
    const bool pending = cfg_.deposits >= 3 && i == cfg_.deposits - 1;
    d.created_us =
        floor_div(pending ? cfg_.anchor_us - rng.range(kHour, 30 * kHour) : random_time(), kSec) *
        kSec;
    d.status = pending                          ? TransferStatus::Pending
               : (cfg_.deposits >= 4 && i == 1) ? TransferStatus::Failed
               : (cfg_.deposits >= 5 && i == 2) ? TransferStatus::Returned
                                                : TransferStatus::Applied;
    if (!pending) finalize_after(d);
    deposits_.push_back(d);
  }
  auto by_created = [](const GenTransfer& a, const GenTransfer& b) {
    return a.created_us < b.created_us;
  };
  std::stable_sort(deposits_.begin(), deposits_.end(), by_created);
  std::stable_sort(withdrawals_.begin(), withdrawals_.end(), by_created);
  for (const GenTransfer& t : deposits_)
    if (t.status != TransferStatus::Pending)
      sub_last_us_[0] = std::max(sub_last_us_[0], t.finalized_us);
  for (const GenTransfer& t : withdrawals_)
    if (t.status != TransferStatus::Pending)
      sub_last_us_[0] = std::max(sub_last_us_[0], t.finalized_us);
}

}  // namespace ksim
