// --shapes 2026h1: records served the way Kalshi's production API sent them in early 2026.
// One test per documented quirk, over real HTTP. The account and the truth are those of the
// default (current) shapes; only the JSON differs.
#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "sim_harness.h"

using namespace ksim_test;

namespace {

std::string api(const std::string& p) { return "/trade-api/v2" + p; }

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// 2026-07-01T00:00:00Z: records created before it lack outcome_side/book_side.
constexpr std::int64_t kJulyUs = 1782864000LL * 1000000;

int month_of(const std::string& rfc3339) { return std::stoi(rfc3339.substr(5, 2)); }

// Fractional digits of a dollars string.
std::size_t decimals(const std::string& s) {
  const std::size_t dot = s.find('.');
  return dot == std::string::npos ? 0 : s.size() - dot - 1;
}

std::vector<Object::Ptr> concat(std::vector<Object::Ptr> a, const std::vector<Object::Ptr>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// A market from /markets/{ticker}, or /historical/markets/{ticker} once it is archived.
Object::Ptr market(Sim& sim, const std::string& ticker) {
  HttpResult r = sim.get(api("/markets/" + ticker));
  if (r.status == 404) r = sim.get(api("/historical/markets/" + ticker));
  if (r.status != 200) throw std::runtime_error("market " + ticker + ": " + r.body);
  return parse_object(r.body)->getObject("market");
}

struct H1 {
  Sim sim{{"--seed", "8", "--fills", "2500", "--shapes", "2026h1"}};
  std::vector<Object::Ptr> fills() {
    return concat(sim.page_all(api("/historical/fills"), "fills", 1000),
                  sim.page_all(api("/portfolio/fills"), "fills", 1000));
  }
  std::vector<Object::Ptr> orders() {
    return concat(sim.page_all(api("/historical/orders"), "orders", 1000),
                  sim.page_all(api("/portfolio/orders"), "orders", 1000));
  }
};

}  // namespace

TEST(Shapes2026h1, RecordsBeforeJulyHaveOnlyTheLegacyDirection) {
  H1 h;
  std::size_t before = 0, after = 0;
  auto check = [&](const Object::Ptr& r, const std::string& time_key) {
    const bool old = unix_us(str(r, time_key)) < kJulyUs;
    (old ? before : after) += 1;
    EXPECT_EQ(r->has("outcome_side"), !old) << str(r, time_key);
    EXPECT_EQ(r->has("book_side"), !old) << str(r, time_key);
    const std::string side = str(r, "side"), action = str(r, "action");
    EXPECT_TRUE(side == "yes" || side == "no");
    EXPECT_TRUE(action == "buy" || action == "sell");
    if (!old) {
      const bool outcome_yes = (side == "no") == (action == "sell");
      EXPECT_EQ(str(r, "outcome_side"), outcome_yes ? "yes" : "no");
    }
  };
  for (auto& f : h.fills()) check(f, "created_time");
  for (auto& o : h.orders()) check(o, "created_time");
  EXPECT_GT(before, 100u);
  EXPECT_GT(after, 100u);
}

TEST(Shapes2026h1, NoExchangeIndexAndNoZeroSubaccountNumber) {
  H1 h;
  std::vector<Object::Ptr> all = concat(h.fills(), h.orders());
  all = concat(all, h.sim.page_all(api("/portfolio/settlements"), "settlements", 1000));
  auto positions = h.sim.page_all(api("/portfolio/positions"), "market_positions", 1000,
                                  "&settlement_status=all");
  all = concat(all, positions);
  ASSERT_FALSE(positions.empty());
  const std::string t = str(positions[0], "ticker");
  Object::Ptr m = market(h.sim, t);
  all.push_back(m);
  Object::Ptr ev = h.sim.get_json(api("/events/" + str(m, "event_ticker")))->getObject("event");
  all.push_back(ev);
  all.push_back(h.sim.get_json(api("/series/" + str(ev, "series_ticker")))->getObject("series"));
  for (auto& r : all) {
    EXPECT_FALSE(r->has("exchange_index"));
    EXPECT_FALSE(r->has("subaccount_number"));  // a one-subaccount account: always 0
  }
  EXPECT_FALSE(h.sim.get_json(api("/portfolio/balance"))->has("balance_breakdown"));
}

TEST(Shapes2026h1, MoneyHasSixDecimalsInOddMonthsAndFourInEvenMonths) {
  H1 h;
  Sim cur({"--seed", "8", "--fills", "2500"});
  auto fills = h.fills();
  auto cur_fills = concat(cur.page_all(api("/historical/fills"), "fills", 1000),
                          cur.page_all(api("/portfolio/fills"), "fills", 1000));
  ASSERT_EQ(fills.size(), cur_fills.size());
  std::set<int> months;
  for (std::size_t i = 0; i < fills.size(); ++i) {
    const Object::Ptr& f = fills[i];
    const int month = month_of(str(f, "created_time"));
    months.insert(month);
    for (const char* k : {"yes_price_dollars", "no_price_dollars", "fee_cost"}) {
      const std::string v = str(f, k);
      if (month % 2 == 1) {
        EXPECT_EQ(decimals(v), 6u) << k << " " << v;
      } else {
        // 4 decimals, or 6 where the amount has sub-cent digits (still exact).
        EXPECT_TRUE(decimals(v) == 4 || (decimals(v) == 6 && v.substr(v.size() - 2) != "00"))
            << k << " " << v;
      }
      EXPECT_EQ(micros(v), micros(str(cur_fills[i], k))) << "same amount as the current shapes";
    }
  }
  EXPECT_TRUE(months.count(5) && months.count(6) && months.count(7))
      << "history spans odd and even months";
  std::size_t odd_orders = 0;
  for (auto& o : h.orders()) {
    if (month_of(str(o, "created_time")) % 2 == 0) continue;
    ++odd_orders;
    EXPECT_EQ(decimals(str(o, "yes_price_dollars")), 6u);
  }
  EXPECT_GT(odd_orders, 0u);
  auto sets = h.sim.page_all(api("/portfolio/settlements"), "settlements", 1000);
  for (auto& s : sets)
    EXPECT_EQ(decimals(str(s, "fee_cost")), month_of(str(s, "settled_time")) % 2 == 1 ? 6u : 4u);
  // Markets: prices with 6 decimals.
  auto pos = h.sim.page_all(api("/portfolio/positions"), "market_positions", 1000);
  ASSERT_FALSE(pos.empty());
  Object::Ptr m = market(h.sim, str(pos[0], "ticker"));
  for (const char* k : {"last_price_dollars", "yes_bid_dollars", "notional_value_dollars"})
    EXPECT_EQ(decimals(str(m, k)), 6u) << k;
}

TEST(Shapes2026h1, EmptyStringsStandForZeroMoneyOnOrders) {
  H1 h;
  std::size_t empty = 0, filled = 0, empty_cid = 0;
  for (auto& o : h.orders()) {
    for (const char* k : {"maker_fill_cost_dollars", "maker_fees_dollars",
                          "taker_fill_cost_dollars", "taker_fees_dollars"}) {
      const std::string v = str(o, k);
      if (v.empty()) {
        ++empty;
      } else {
        ++filled;
        EXPECT_NE(micros(v), 0) << k << " zero amounts are \"\"";
      }
    }
    if (str(o, "client_order_id").empty()) ++empty_cid;
    // A resting order without fills has no costs at all.
    if (centis(str(o, "fill_count_fp")) == 0) {
      EXPECT_EQ(str(o, "maker_fill_cost_dollars"), "");
      EXPECT_EQ(str(o, "taker_fill_cost_dollars"), "");
    }
  }
  EXPECT_GT(empty, 100u);
  EXPECT_GT(filled, 100u);
  EXPECT_GT(empty_cid, 0u) << "some orders have client_order_id \"\"";
}

TEST(Shapes2026h1, AbsentKeysAndExplicitNulls) {
  H1 h;
  auto fills = h.sim.page_all(api("/portfolio/fills"), "fills", 1000);
  std::size_t without_ts = 0;
  for (auto& f : fills) {
    EXPECT_TRUE(f->has("created_time"));
    if (!f->has("ts")) ++without_ts;
  }
  EXPECT_GT(without_ts, fills.size() / 4);
  EXPECT_LT(without_ts, fills.size() / 2);
  for (auto& o : h.sim.page_all(api("/portfolio/orders"), "orders", 1000)) {
    ASSERT_TRUE(o->has("expiration_time"));
    EXPECT_TRUE(o->get("expiration_time").isEmpty()) << "explicit null";
  }
  std::size_t binary = 0;
  for (auto& s : h.sim.page_all(api("/portfolio/settlements"), "settlements", 1000)) {
    ASSERT_TRUE(s->has("value"));
    if (str(s, "market_result") == "scalar") {
      EXPECT_TRUE(s->get("value").isInteger());
    } else {
      ++binary;
      EXPECT_TRUE(s->get("value").isEmpty()) << "value: null for binary results";
    }
  }
  EXPECT_GT(binary, 0u);
}

TEST(Shapes2026h1, MarketsUseTheZeroTimeForUnknownTimes) {
  H1 h;
  auto pos = h.sim.page_all(api("/portfolio/positions"), "market_positions", 1000,
                            "&settlement_status=all");
  std::size_t open_ended = 0, unsettled = 0;
  for (auto& p : pos) {
    Object::Ptr m = market(h.sim, str(p, "ticker"));
    EXPECT_EQ(str(m, "fee_waiver_expiration_time"), "0001-01-01T00:00:00Z");
    const std::string t = str(m, "ticker");
    if (str(m, "status") != "finalized") {
      ++unsettled;
      EXPECT_EQ(str(m, "settlement_ts"), "0001-01-01T00:00:00Z") << t;
      EXPECT_EQ(str(m, "expected_expiration_time"), "0001-01-01T00:00:00Z") << t;
    } else {
      EXPECT_NE(str(m, "settlement_ts"), "0001-01-01T00:00:00Z") << t;
    }
    const bool long_dated = t.rfind("KXGREENLAND-", 0) == 0 || t.rfind("KXBTCY-", 0) == 0 ||
                            t.rfind("KXINXY-", 0) == 0 || t.rfind("KXNASDAQ100Y-", 0) == 0;
    if (long_dated && str(m, "status") == "active") {
      ++open_ended;
      EXPECT_EQ(str(m, "close_time"), "0001-01-01T00:00:00Z") << t;
    } else {
      EXPECT_NE(str(m, "close_time"), "0001-01-01T00:00:00Z") << t;
    }
  }
  EXPECT_GT(open_ended, 0u);
  EXPECT_GT(unsettled, open_ended);
}

TEST(Shapes2026h1, SeriesAdditionalProhibitionsIsNull) {
  H1 h;
  Object::Ptr s = h.sim.get_json(api("/series/KXHIGHNY"))->getObject("series");
  ASSERT_TRUE(s->has("additional_prohibitions"));
  EXPECT_TRUE(s->get("additional_prohibitions").isEmpty());
  Sim cur({"--fills", "200"});
  EXPECT_FALSE(cur.get_json(api("/series/KXHIGHNY"))
                   ->getObject("series")
                   ->get("additional_prohibitions")
                   .isEmpty());
}

TEST(Shapes2026h1, LastPositionsPageHasNoCursorKey) {
  H1 h;
  Object::Ptr first = h.sim.get_json(api("/portfolio/positions?limit=2"));
  EXPECT_FALSE(str(first, "cursor").empty());
  std::string cursor = str(first, "cursor");
  Object::Ptr page;
  for (int i = 0; i < 1000 && !cursor.empty(); ++i) {
    page = h.sim.get_json(api("/portfolio/positions?limit=2&cursor=" + cursor));
    cursor = page->has("cursor") ? str(page, "cursor") : "";
  }
  ASSERT_FALSE(page.isNull());
  EXPECT_FALSE(page->has("cursor")) << "the last page has no cursor key";
  EXPECT_FALSE(h.sim.get_json(api("/portfolio/positions?ticker=NOPE"))->has("cursor"));
  // Other list endpoints keep "cursor": "".
  EXPECT_EQ(str(h.sim.get_json(api("/portfolio/fills?ticker=NOPE")), "cursor"), "");
}

TEST(Shapes2026h1, IdsAreUuidShapedButNotAllVersion4) {
  H1 h;
  const std::regex uuid(R"(^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$)");
  std::size_t v4 = 0, other = 0;
  auto fills = h.sim.page_all(api("/portfolio/fills"), "fills", 1000);
  for (auto& f : fills) {
    for (const char* k : {"fill_id", "order_id"}) {
      const std::string id = str(f, k);
      EXPECT_TRUE(std::regex_match(id, uuid)) << id;
      (id[14] == '4' ? v4 : other) += 1;
    }
  }
  EXPECT_GT(v4, other);
  EXPECT_GT(other, fills.size() / 10);
  // An order id that is not v4 still works as a filter.
  for (auto& f : fills) {
    const std::string oid = str(f, "order_id");
    if (oid[14] == '4') continue;
    auto by_order = h.sim.get_json(api("/portfolio/fills?order_id=" + oid))->getArray("fills");
    ASSERT_GT(by_order->size(), 0u);
    EXPECT_EQ(str(by_order->getObject(0), "order_id"), oid);
    break;
  }
}

TEST(Shapes2026h1, SameAccountAndTruthAsTheCurrentShapes) {
  TempDir tmp;
  RunResult a =
      run_sim({"--seed", "8", "--fills", "2500", "--dump-truth", tmp.file("a.json"), "--exit"});
  RunResult b = run_sim({"--seed", "8", "--fills", "2500", "--shapes", "2026h1", "--dump-truth",
                         tmp.file("b.json"), "--exit"});
  EXPECT_EQ(a.exit_code, 0);
  EXPECT_EQ(b.exit_code, 0);
  EXPECT_EQ(slurp(tmp.file("a.json")), slurp(tmp.file("b.json")));
  RunResult bad = run_sim({"--shapes", "2025"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("--shapes expects current or 2026h1"), std::string::npos) << bad.err;
}
