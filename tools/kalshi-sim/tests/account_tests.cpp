// Money movements, subaccounts, the events list and the account endpoints, over real HTTP.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "sim_harness.h"

using namespace ksim_test;

namespace {

std::string api(const std::string& p) { return "/trade-api/v2" + p; }

Object::Ptr read_json(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_object(ss.str());
}

std::int64_t money_micros(const Object::Ptr& o, const std::string& name) {
  return micros(str(o, name + "_dollars"));
}

}  // namespace

TEST(Money, DepositsAndWithdrawalsMatchTheLedger) {
  TempDir tmp;
  Sim sim({"--seed", "12", "--fills", "1500", "--deposits", "5", "--withdrawals", "4",
           "--dump-truth", tmp.file("t.json")});
  Object::Ptr truth = read_json(tmp.file("t.json"));
  auto deposits = sim.page_all(api("/portfolio/deposits"), "deposits", 2);
  auto withdrawals = sim.page_all(api("/portfolio/withdrawals"), "withdrawals", 3);
  ASSERT_EQ(deposits.size(), 5u);
  ASSERT_EQ(withdrawals.size(), 4u);
  Object::Ptr counts = truth->getObject("counts");
  EXPECT_EQ(integer(counts, "deposits"), 5);
  EXPECT_EQ(integer(counts, "withdrawals"), 4);
  EXPECT_EQ(integer(counts, "transfers"), 9);
  std::int64_t net_cents = 0;
  std::map<std::string, int> statuses;
  auto walk = [&](const std::vector<Object::Ptr>& rows, int sign) {
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const Object::Ptr& r = rows[i];
      if (i > 0) {
        EXPECT_LE(integer(r, "created_ts"), integer(rows[i - 1], "created_ts")) << "newest first";
      }
      const std::string st = str(r, "status");
      ++statuses[(sign > 0 ? "d:" : "w:") + st];
      if (st == "pending") {
        EXPECT_TRUE(r->get("finalized_ts").isEmpty()) << "finalized_ts null while pending";
      } else {
        EXPECT_GE(integer(r, "finalized_ts"), integer(r, "created_ts"));
      }
      if (st == "applied")
        net_cents += sign > 0 ? integer(r, "amount_cents") - integer(r, "fee_cents")
                              : -(integer(r, "amount_cents") + integer(r, "fee_cents"));
    }
  };
  walk(deposits, 1);
  walk(withdrawals, -1);
  EXPECT_EQ(statuses["d:pending"], 1);
  EXPECT_EQ(statuses["w:pending"], 1);
  EXPECT_GE(statuses["w:applied"], 1);
  EXPECT_EQ(statuses["d:failed"] + statuses["d:returned"], 2);
  bool some_fee = false;
  for (auto& d : deposits) some_fee = some_fee || integer(d, "fee_cents") > 0;
  for (auto& w : withdrawals) some_fee = some_fee || integer(w, "fee_cents") > 0;
  EXPECT_TRUE(some_fee);
  EXPECT_EQ(integer(truth, "net_deposits_cents"), net_cents);
  // Balance = net deposits + the primary's trading cash + net subaccount transfers.
  Object::Ptr s0 = truth->getObject("subaccounts")->getObject("0");
  const std::int64_t expect =
      net_cents * 10000 + money_micros(s0, "cash_pnl") + money_micros(s0, "net_transfers");
  EXPECT_EQ(money_micros(s0, "balance"), expect);
  EXPECT_EQ(money_micros(truth->getObject("balance"), "balance"), expect);
  EXPECT_EQ(micros(str(sim.get_json(api("/portfolio/balance")), "balance_dollars")), expect);
  EXPECT_EQ(sim.get(api("/portfolio/deposits?limit=501")).status, 400);
  EXPECT_EQ(sim.get(api("/portfolio/withdrawals?cursor=bogus")).status, 400);

  // A pending deposit and withdrawal become applied; the balance and the truth follow.
  Object::Ptr r = sim.post_json("/admin/apply-pending-transfers", "{}");
  EXPECT_EQ(integer(r, "count"), 2);
  const std::int64_t at = integer(r, "finalized_ts");
  auto after = sim.page_all(api("/portfolio/deposits"), "deposits", 100);
  std::int64_t delta = 0;
  for (std::size_t i = 0; i < after.size(); ++i) {
    EXPECT_EQ(str(after[i], "id"), str(deposits[i], "id")) << "same rows, same order";
    if (str(deposits[i], "status") == "pending") {
      EXPECT_EQ(str(after[i], "status"), "applied");
      EXPECT_EQ(integer(after[i], "finalized_ts"), at);
      delta += integer(after[i], "amount_cents") - integer(after[i], "fee_cents");
    }
  }
  for (auto& w : sim.page_all(api("/portfolio/withdrawals"), "withdrawals", 100)) {
    EXPECT_NE(str(w, "status"), "pending");
    if (integer(w, "finalized_ts") == at)
      delta -= integer(w, "amount_cents") + integer(w, "fee_cents");
  }
  EXPECT_EQ(micros(str(sim.get_json(api("/portfolio/balance")), "balance_dollars")),
            expect + delta * 10000);
  Object::Ptr t2 = read_json(tmp.file("t.json"));
  EXPECT_EQ(integer(t2, "net_deposits_cents"), net_cents + delta);
  EXPECT_EQ(integer(sim.post_json("/admin/apply-pending-transfers", "{}"), "count"), 0);
}

TEST(Money, BalanceStaysPositiveAndNoWithdrawals404Quirk) {
  TempDir tmp;
  Sim none({"--fills", "400", "--withdrawals", "0", "--dump-truth", tmp.file("t.json")});
  EXPECT_EQ(none.get_json(api("/portfolio/withdrawals"))->getArray("withdrawals")->size(), 0u);
  Object::Ptr t = read_json(tmp.file("t.json"));
  EXPECT_GT(integer(t->getObject("balance"), "balance_cents"), 0);
  Sim quirk({"--fills", "400", "--withdrawals", "0", "--withdrawals-404-when-none"});
  HttpResult r = quirk.get(api("/portfolio/withdrawals"));
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(str(parse_object(r.body), "code"), "not_found");
  EXPECT_EQ(quirk.get(api("/portfolio/deposits")).status, 200);
  // Replay the primary's cash flows: the balance never dips below zero.
  Sim sim({"--seed", "31", "--fills", "3000", "--withdrawals", "3"});
  std::vector<std::pair<std::int64_t, std::int64_t>> flows;  // (time us, micros)
  for (auto& d : sim.page_all(api("/portfolio/deposits"), "deposits", 100))
    if (str(d, "status") == "applied")
      flows.emplace_back(integer(d, "finalized_ts") * 1000000,
                         (integer(d, "amount_cents") - integer(d, "fee_cents")) * 10000);
  for (auto& w : sim.page_all(api("/portfolio/withdrawals"), "withdrawals", 100))
    if (str(w, "status") == "applied")
      flows.emplace_back(integer(w, "finalized_ts") * 1000000,
                         -(integer(w, "amount_cents") + integer(w, "fee_cents")) * 10000);
  auto fills = sim.page_all(api("/historical/fills"), "fills", 1000);
  auto live = sim.page_all(api("/portfolio/fills"), "fills", 1000);
  fills.insert(fills.end(), live.begin(), live.end());
  std::map<std::string, std::int64_t> pos;
  std::sort(fills.begin(), fills.end(), [](const Object::Ptr& a, const Object::Ptr& b) {
    return unix_us(str(a, "created_time")) < unix_us(str(b, "created_time"));
  });
  for (auto& f : fills) {
    const std::int64_t c = centis(str(f, "count_fp")), y = micros(str(f, "yes_price_dollars"));
    const bool yes = str(f, "outcome_side") == "yes";
    std::int64_t& p = pos[str(f, "ticker")];
    const std::int64_t held_opposite =
        yes ? std::max<std::int64_t>(0, -p) : std::max<std::int64_t>(0, p);
    const std::int64_t close = std::min(c, held_opposite), open = c - close;
    const std::int64_t cash =
        close * (yes ? 1000000 - y : y) / 100 - open * (yes ? y : 1000000 - y) / 100;
    p += yes ? c : -c;
    flows.emplace_back(unix_us(str(f, "created_time")), cash - micros(str(f, "fee_cost")));
  }
  for (auto& s : sim.page_all(api("/portfolio/settlements"), "settlements", 1000))
    flows.emplace_back(unix_us(str(s, "settled_time")), integer(s, "revenue") * 10000);
  std::stable_sort(flows.begin(), flows.end(), [](auto& a, auto& b) { return a.first < b.first; });
  std::int64_t bal = 0, low = 0;
  for (auto& [t, d] : flows) {
    bal += d;
    low = std::min(low, bal);
  }
  EXPECT_GE(low, 0) << "balance went negative";
  EXPECT_EQ(bal, micros(str(sim.get_json(api("/portfolio/balance")), "balance_dollars")));
}

TEST(Subaccounts, RecordsBalancesAndTransfersPerSubaccount) {
  TempDir tmp;
  Sim sim(
      {"--seed", "6", "--fills", "2000", "--subaccounts", "4", "--dump-truth", tmp.file("t.json")});
  Object::Ptr truth = read_json(tmp.file("t.json"));
  Object::Ptr subs = truth->getObject("subaccounts");
  ASSERT_EQ(subs->size(), 4u);
  auto all_fills = sim.page_all(api("/portfolio/fills"), "fills", 1000);
  std::map<std::int64_t, std::size_t> per_sub;
  for (auto& f : all_fills) ++per_sub[integer(f, "subaccount_number")];
  EXPECT_GE(per_sub.size(), 3u) << "without subaccount: every subaccount";
  std::int64_t fills_sum = 0;
  for (int n = 0; n < 4; ++n) {
    Object::Ptr s = subs->getObject(std::to_string(n));
    fills_sum += integer(s, "fills");
    const std::string q = "&subaccount=" + std::to_string(n);
    auto f = sim.page_all(api("/portfolio/fills"), "fills", 1000, q);
    EXPECT_EQ(f.size(), per_sub[n]);
    for (auto& x : f) EXPECT_EQ(integer(x, "subaccount_number"), n);
    for (auto& o : sim.page_all(api("/portfolio/orders"), "orders", 1000, q))
      EXPECT_EQ(integer(o, "subaccount_number"), n);
    for (auto& st : sim.page_all(api("/portfolio/settlements"), "settlements", 1000, q))
      EXPECT_EQ(integer(st, "subaccount_number"), n);
    for (auto& p : sim.page_all(api("/portfolio/positions"), "market_positions", 1000,
                                q + "&settlement_status=all"))
      EXPECT_EQ(integer(p, "subaccount_number"), n);
    Object::Ptr bal = sim.get_json(api("/portfolio/balance?subaccount=" + std::to_string(n)));
    EXPECT_EQ(micros(str(bal, "balance_dollars")), money_micros(s, "balance")) << n;
    EXPECT_GT(micros(str(bal, "balance_dollars")), 0) << n;
    if (n > 0) {
      EXPECT_EQ(money_micros(s, "balance"),
                money_micros(s, "cash_pnl") + money_micros(s, "net_transfers"));
    }
  }
  EXPECT_EQ(fills_sum, integer(truth->getObject("counts"), "fills"));
  // Without subaccount, positions and balance cover the primary.
  for (auto& p : sim.page_all(api("/portfolio/positions"), "market_positions", 1000,
                              "&settlement_status=all"))
    EXPECT_EQ(integer(p, "subaccount_number"), 0);
  EXPECT_EQ(str(sim.get_json(api("/portfolio/balance")), "balance_dollars"),
            str(subs->getObject("0"), "balance_dollars"));
  // Transfers: the primary funds the others; nets agree with the truth.
  auto transfers = sim.page_all(api("/portfolio/subaccounts/transfers"), "transfers", 2);
  EXPECT_EQ(static_cast<std::int64_t>(transfers.size()),
            integer(truth->getObject("counts"), "subaccount_transfers"));
  std::map<std::int64_t, std::int64_t> net;
  for (auto& t : transfers) {
    EXPECT_EQ(integer(t, "from_subaccount"), 0);
    net[integer(t, "from_subaccount")] -= integer(t, "amount_cents");
    net[integer(t, "to_subaccount")] += integer(t, "amount_cents");
  }
  for (int n = 0; n < 4; ++n)
    EXPECT_EQ(integer(subs->getObject(std::to_string(n)), "net_transfers_cents"), net[n]) << n;
  Array::Ptr rows =
      sim.get_json(api("/portfolio/subaccounts/balances"))->getArray("subaccount_balances");
  EXPECT_EQ(rows->size(), 4u);
  for (std::size_t i = 0; i < rows->size(); ++i) {
    Object::Ptr row = rows->getObject(static_cast<unsigned>(i));
    EXPECT_EQ(
        str(row, "balance"),
        str(subs->getObject(std::to_string(integer(row, "subaccount_number"))), "balance_dollars"));
  }
  // Deposits never fund a subaccount directly: only the primary's balance holds them.
  std::int64_t total = 0;
  for (int n = 0; n < 4; ++n) total += money_micros(subs->getObject(std::to_string(n)), "balance");
  std::int64_t cash = 0;
  for (int n = 0; n < 4; ++n) cash += money_micros(subs->getObject(std::to_string(n)), "cash_pnl");
  EXPECT_EQ(total, micros(str(truth, "net_deposits_dollars")) + cash);
  EXPECT_EQ(micros(str(truth->getObject("totals"), "cash_pnl_dollars")), cash);
}

TEST(Events, ListByTickersWithPagingAndNestedMarkets) {
  Sim sim({"--seed", "5", "--fills", "1500"});
  std::set<std::string> events;
  for (auto& m : sim.page_all(api("/markets"), "markets", 1000))
    events.insert(str(m, "event_ticker"));
  ASSERT_GT(events.size(), 5u);
  std::string list = "NOPE-EVENT";
  for (const auto& e : events) list += "," + e;
  auto got = sim.page_all(api("/events"), "events", 2, "&tickers=" + list);
  EXPECT_EQ(got.size(), events.size()) << "unknown tickers are simply absent";
  std::set<std::string> seen;
  for (auto& e : got) seen.insert(str(e, "event_ticker"));
  EXPECT_EQ(seen, events);
  Object::Ptr nested =
      sim.get_json(api("/events?with_nested_markets=true&tickers=" + *events.begin()));
  EXPECT_GT(nested->getArray("events")->getObject(0)->getArray("markets")->size(), 0u);
  EXPECT_EQ(sim.get(api("/events?status=open")).status, 400);
  EXPECT_EQ(sim.get(api("/events?limit=201")).status, 400);
}

TEST(Account, LimitsCostsTimestampRetryAfterAndForbidden) {
  Sim basic({"--fills", "200"});
  Object::Ptr l = basic.get_json(api("/account/limits"));
  EXPECT_EQ(str(l, "usage_tier"), "basic");
  EXPECT_EQ(integer(l->getObject("read"), "refill_rate"), 200);
  EXPECT_EQ(integer(l->getObject("read"), "bucket_capacity"), 200);
  EXPECT_EQ(l->getArray("grants")->size(), 0u);
  EXPECT_FALSE(str(basic.get_json(api("/exchange/user_data_timestamp")), "as_of_time").empty());

  Sim sim({"--fills", "200", "--usage-tier", "advanced", "--rate-limit-rps", "2",
           "--rate-limit-burst", "4", "--endpoint-cost", "GET:/portfolio/orders=40",
           "--retry-after", "3"});
  l = sim.get_json(api("/account/limits"));
  EXPECT_EQ(str(l, "usage_tier"), "advanced");
  EXPECT_EQ(integer(l->getObject("read"), "refill_rate"), 20);      // rps 2 * cost 10
  EXPECT_EQ(integer(l->getObject("read"), "bucket_capacity"), 40);  // burst 4 * cost 10
  Object::Ptr c = sim.get_json(api("/account/endpoint_costs"));
  EXPECT_EQ(integer(c, "default_cost"), 10);
  Array::Ptr costs = c->getArray("endpoint_costs");
  ASSERT_EQ(costs->size(), 1u);
  EXPECT_EQ(str(costs->getObject(0), "method"), "GET");
  EXPECT_EQ(str(costs->getObject(0), "path"), "/portfolio/orders");
  EXPECT_EQ(integer(costs->getObject(0), "cost"), 40);
  // The bucket holds at most 40 tokens (two reads so far): one orders read (40) cannot fit.
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // refill to the full 40
  EXPECT_EQ(sim.get(api("/portfolio/orders?limit=1")).status, 200);
  HttpResult limited = sim.get(api("/portfolio/orders?limit=1"));
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(limited.headers["retry-after"], "3");
  sim.post_json("/admin/faults",
                "{\"rate_limit_rps\":0,\"retry_after_s\":0,"
                "\"forbidden_paths\":[\"/portfolio/deposits\"]}");
  HttpResult f = sim.get(api("/portfolio/deposits"));
  EXPECT_EQ(f.status, 403);
  Object::Ptr body = parse_object(f.body);
  EXPECT_EQ(str(body, "code"), "forbidden");
  EXPECT_NE(str(body, "message").find("API key is missing the required scope"), std::string::npos);
  EXPECT_EQ(sim.get(api("/portfolio/withdrawals")).status, 200);
  EXPECT_EQ(sim.post("/admin/faults", "{\"forbidden_paths\":\"x\"}").status, 400);
  RunResult bad = run_sim({"--endpoint-cost", "GET/portfolio/orders"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_EQ(run_sim({"--usage-tier", "gold"}).exit_code, 2);
  EXPECT_EQ(run_sim({"--subaccounts", "65"}).exit_code, 2);
  EXPECT_EQ(run_sim({"--deposits", "0"}).exit_code, 2);
}
