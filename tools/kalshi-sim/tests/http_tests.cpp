// End-to-end tests: each starts the real kalshi-sim binary on a free port (--port 0
// --port-file) and talks HTTP to it, so the tests can run in parallel.
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "sim_harness.h"

using namespace ksim_test;

namespace {

const char* kApi = "/trade-api/v2";
std::string api(const std::string& p) { return std::string(kApi) + p; }

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string canonical(const Poco::Dynamic::Var& v) {
  // Re-parse without order preservation: Poco then keeps keys sorted, so equal JSON values
  // stringify identically.
  std::ostringstream os;
  Poco::JSON::Stringifier::condense(v, os);
  Poco::JSON::Parser p;
  std::ostringstream os2;
  Poco::JSON::Stringifier::condense(p.parse(os.str()), os2);
  return os2.str();
}

std::int64_t round_cents(std::int64_t micros_v) {
  std::int64_t q = micros_v / 10000, r = micros_v % 10000;
  if (r >= 5000) ++q;
  if (r <= -5000) --q;
  return q;
}

// ---- schema checks against the 3.34.0 required-field lists (tests/data) ------------------

// 2026-07-01T00:00:00Z: with --shapes 2026h1 older fills and orders lack outcome_side/book_side.
constexpr std::int64_t kJulyUs = 1782864000LL * 1000000;

class Schemas {
 public:
  // h1: the documented --shapes 2026h1 quirks are the only deviations allowed.
  explicit Schemas(bool h1 = false) : h1_(h1) {
    root_ = parse_object(read_file(test_data_dir() + "/required_fields.json"));
  }

  // The 200 schema of an endpoint ("GET /portfolio/fills").
  std::string response_schema(const std::string& endpoint) const {
    Object::Ptr e = root_->getObject("_endpoints");
    return e->has(endpoint) ? e->getValue<std::string>(endpoint) : std::string();
  }
  std::vector<std::string> endpoints() const {
    std::vector<std::string> v;
    for (const auto& kv : *root_->getObject("_endpoints")) v.push_back(kv.first);
    return v;
  }

  // Checks required fields are present and every present field has the schema's JSON type,
  // format and enum; nested objects and array items are checked against their own schemas.
  void check(const Object::Ptr& o, const std::string& schema, const std::string& ctx) const {
    Object::Ptr s = root_->getObject(schema);
    ASSERT_FALSE(s.isNull()) << "unknown schema " << schema;
    ++checked_[schema];
    Array::Ptr req = s->getArray("required");
    Object::Ptr fields = s->getObject("fields");
    for (std::size_t i = 0; i < req->size(); ++i) {
      const std::string f = req->getElement<std::string>(static_cast<unsigned>(i));
      if (o->has(f) || allowed_missing(o, schema, f)) continue;
      ADD_FAILURE() << ctx << ": " << schema << " lacks required field " << f;
    }
    for (const auto& kv : *o) {
      Object::Ptr spec = fields->getObject(kv.first);
      if (spec.isNull()) continue;  // fields outside the schema are allowed
      check_value(kv.second, spec, schema, kv.first, ctx + "." + kv.first);
    }
  }
  // Checks a whole response by its endpoint ("GET /markets").
  void check_response(const Object::Ptr& o, const std::string& endpoint,
                      const std::string& ctx) const {
    const std::string schema = response_schema(endpoint);
    ASSERT_FALSE(schema.empty()) << "no schema for " << endpoint;
    endpoints_seen_.insert(endpoint);
    check(o, schema, ctx);
  }
  const std::map<std::string, int>& checked() const { return checked_; }
  const std::set<std::string>& endpoints_seen() const { return endpoints_seen_; }

 private:
  bool allowed_missing(const Object::Ptr& o, const std::string& schema,
                       const std::string& f) const {
    if (!h1_) return false;
    if (f == "exchange_index") return true;  // 2026h1: no record carries exchange_index
    if ((schema == "Fill" || schema == "Order") && (f == "outcome_side" || f == "book_side"))
      return o->has("created_time") && unix_us(o->getValue<std::string>("created_time")) < kJulyUs;
    return false;
  }

  void check_value(const Poco::Dynamic::Var& v, const Object::Ptr& spec, const std::string& schema,
                   const std::string& field, const std::string& ctx) const {
    const std::string type = spec->optValue<std::string>("type", "");
    const bool nullable = spec->optValue<bool>("nullable", false);
    if (v.isEmpty()) {
      EXPECT_TRUE(nullable) << ctx << " is null but not nullable";
      return;
    }
    if (type == "string") {
      ASSERT_TRUE(v.isString()) << ctx << " must be a string";
      const std::string s = v.extract<std::string>();
      const std::string fmt = spec->optValue<std::string>("format", "");
      static const std::regex dollars(R"(^-?\d+\.\d{2,6}$)"), count(R"(^-?\d+\.\d{2}$)"),
          time(R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$)");
      if (fmt == "dollars") {
        // 2026h1: "" stands for a zero amount of an order.
        const bool empty_ok = h1_ && schema == "Order" &&
                              field.find("_dollars") != std::string::npos &&
                              (field.rfind("taker_", 0) == 0 || field.rfind("maker_", 0) == 0);
        if (!(empty_ok && s.empty())) {
          EXPECT_TRUE(std::regex_match(s, dollars)) << ctx << " = " << s;
        }
      }
      if (fmt == "count") {
        EXPECT_TRUE(std::regex_match(s, count)) << ctx << " = " << s;
      }
      if (fmt == "date-time") {
        EXPECT_TRUE(std::regex_match(s, time)) << ctx << " = " << s;
      }
      if (spec->has("enum")) {
        Array::Ptr e = spec->getArray("enum");
        bool found = false;
        for (std::size_t i = 0; i < e->size(); ++i)
          found = found || e->getElement<std::string>(static_cast<unsigned>(i)) == s;
        EXPECT_TRUE(found) << ctx << " = \"" << s << "\" is not in the enum";
      }
    } else if (type == "integer") {
      EXPECT_TRUE(v.isInteger()) << ctx << " must be an integer";
    } else if (type == "number") {
      EXPECT_TRUE(v.isNumeric()) << ctx << " must be a number";
    } else if (type == "boolean") {
      EXPECT_TRUE(v.isBoolean()) << ctx << " must be a boolean";
    } else if (type == "array") {
      ASSERT_TRUE(v.type() == typeid(Array::Ptr)) << ctx << " must be an array";
      if (spec->has("items_ref")) {
        Array::Ptr a = v.extract<Array::Ptr>();
        for (std::size_t i = 0; i < a->size(); ++i) {
          Object::Ptr item = a->getObject(static_cast<unsigned>(i));
          ASSERT_FALSE(item.isNull()) << ctx << "[" << i << "] must be an object";
          check(item, spec->getValue<std::string>("items_ref"),
                ctx + "[" + std::to_string(i) + "]");
        }
      }
    } else if (type == "object") {
      ASSERT_TRUE(v.type() == typeid(Object::Ptr)) << ctx << " must be an object";
      if (spec->has("ref"))
        check(v.extract<Object::Ptr>(), spec->getValue<std::string>("ref"), ctx);
    }
  }

  bool h1_ = false;
  Object::Ptr root_;
  mutable std::map<std::string, int> checked_;
  mutable std::set<std::string> endpoints_seen_;
};

struct Truth {
  Object::Ptr root;
  explicit Truth(const std::string& path) : root(parse_object(read_file(path))) {}
  std::int64_t count(const std::string& k) const { return integer(root->getObject("counts"), k); }
  Object::Ptr markets() const { return root->getObject("markets"); }
};

std::vector<Object::Ptr> all_fills(Sim& sim, int limit) {
  auto hist = sim.page_all(api("/historical/fills"), "fills", limit);
  auto live = sim.page_all(api("/portfolio/fills"), "fills", limit);
  hist.insert(hist.end(), live.begin(), live.end());
  return hist;
}

}  // namespace

// (a) every generated record is found exactly once across live + historical, and the split
// follows the cutoff.
TEST(Pagination, EveryRecordExactlyOnceAcrossLiveAndHistorical) {
  TempDir tmp;
  const std::string truth_path = tmp.file("truth.json");
  Sim sim({"--seed", "11", "--fills", "3000", "--dump-truth", truth_path});
  Truth truth(truth_path);

  Object::Ptr cutoff = sim.get_json(api("/historical/cutoff"));
  const std::int64_t trades_cut = unix_us(str(cutoff, "trades_created_ts"));
  const std::int64_t orders_cut = unix_us(str(cutoff, "orders_updated_ts"));

  for (int limit : {1000, 173}) {
    auto live = sim.page_all(api("/portfolio/fills"), "fills", limit);
    auto hist = sim.page_all(api("/historical/fills"), "fills", limit);
    std::set<std::string> ids;
    for (auto& f : live) {
      EXPECT_GE(unix_us(str(f, "created_time")), trades_cut);
      ids.insert(str(f, "fill_id"));
    }
    for (auto& f : hist) {
      EXPECT_LT(unix_us(str(f, "created_time")), trades_cut);
      ids.insert(str(f, "fill_id"));
    }
    EXPECT_EQ(ids.size(), live.size() + hist.size()) << "duplicate fills at limit " << limit;
    EXPECT_EQ(static_cast<std::int64_t>(ids.size()), truth.count("fills"));
    const double hist_share = static_cast<double>(hist.size()) / static_cast<double>(ids.size());
    EXPECT_GT(hist_share, 0.25);
    EXPECT_LT(hist_share, 0.55);
    // Newest first.
    for (std::size_t i = 1; i < live.size(); ++i)
      EXPECT_GE(str(live[i - 1], "created_time"), str(live[i], "created_time"));

    auto lo = sim.page_all(api("/portfolio/orders"), "orders", limit);
    auto ho = sim.page_all(api("/historical/orders"), "orders", limit);
    std::set<std::string> oids;
    for (auto& o : lo) oids.insert(str(o, "order_id"));
    for (auto& o : ho) {
      oids.insert(str(o, "order_id"));
      EXPECT_NE(str(o, "status"), "resting");
      EXPECT_LT(unix_us(str(o, "last_update_time")), orders_cut);
    }
    for (auto& o : lo) {
      if (str(o, "status") != "resting") {
        EXPECT_GE(unix_us(str(o, "last_update_time")), orders_cut);
      }
    }
    EXPECT_EQ(oids.size(), lo.size() + ho.size()) << "duplicate orders";
    EXPECT_EQ(static_cast<std::int64_t>(oids.size()), truth.count("orders"));
    EXPECT_GT(ho.size(), oids.size() / 5);

    auto st = sim.page_all(api("/portfolio/settlements"), "settlements", limit);
    std::set<std::string> stickers;
    for (auto& s : st) stickers.insert(str(s, "ticker"));
    EXPECT_EQ(stickers.size(), st.size());
    EXPECT_EQ(static_cast<std::int64_t>(st.size()), truth.count("settlements"));

    // Positions: unsettled (default) + settled-but-live, and the archived ones.
    const int plimit = std::min(limit, 37);
    auto unsettled = sim.page_all(api("/portfolio/positions"), "market_positions", plimit);
    auto settled = sim.page_all(api("/portfolio/positions"), "market_positions", plimit,
                                "&settlement_status=settled");
    auto all = sim.page_all(api("/portfolio/positions"), "market_positions", plimit,
                            "&settlement_status=all");
    auto archived = sim.page_all(api("/historical/positions"), "market_positions", plimit);
    EXPECT_EQ(all.size(), unsettled.size() + settled.size());
    EXPECT_EQ(static_cast<std::int64_t>(unsettled.size()), truth.count("live_unsettled_positions"));
    EXPECT_EQ(static_cast<std::int64_t>(settled.size()), truth.count("live_settled_positions"));
    EXPECT_EQ(static_cast<std::int64_t>(archived.size()), truth.count("historical_positions"));
    EXPECT_GT(archived.size(), 0u);
    EXPECT_GT(unsettled.size(), 0u);
    std::set<std::string> ptickers;
    for (auto& p : all) ptickers.insert(str(p, "ticker"));
    for (auto& p : archived) {
      ptickers.insert(str(p, "ticker"));
      EXPECT_LT(unix_us(str(p, "last_updated_ts")),
                unix_us(str(cutoff, "market_positions_last_updated_ts")));
    }
    EXPECT_EQ(ptickers.size(), all.size() + archived.size());
    EXPECT_EQ(static_cast<std::int64_t>(ptickers.size()), truth.count("market_positions"));
    // Archived positions are those of markets only on /historical/markets.
    for (auto& p : archived) EXPECT_EQ(sim.get(api("/markets/" + str(p, "ticker"))).status, 404);
  }
  // Event positions come once, with the first page.
  Object::Ptr first = sim.get_json(api("/portfolio/positions?limit=5"));
  std::set<std::string> unsettled_events;
  for (auto& p : sim.page_all(api("/portfolio/positions"), "market_positions", 1000))
    unsettled_events.insert(str(truth.markets()->getObject(str(p, "ticker")), "event_ticker"));
  EXPECT_EQ(first->getArray("event_positions")->size(), unsettled_events.size());
  Object::Ptr second =
      sim.get_json(api("/portfolio/positions?limit=5&cursor=") + str(first, "cursor"));
  EXPECT_EQ(second->getArray("event_positions")->size(), 0u);
  EXPECT_EQ(sim.stop(), 0) << "clean shutdown on SIGTERM";
}

// Pages every list endpoint to the end and fetches every market, event and series the account
// knows, checking each response against the 3.34.0 schemas.
void check_every_endpoint(Sim& sim, const Schemas& schemas) {
  auto check_pages = [&](const std::string& endpoint, const std::string& path,
                         const std::string& query, const std::string& key, int limit) {
    std::string cursor;
    std::size_t items = 0;
    for (int pages = 0; pages < 10000; ++pages) {
      std::string q = api(path) + "?limit=" + std::to_string(limit) + query;
      if (!cursor.empty()) q += "&cursor=" + cursor;
      Object::Ptr page = sim.get_json(q);
      schemas.check_response(page, endpoint, q);
      items += page->getArray(key)->size();
      cursor = page->has("cursor") ? str(page, "cursor") : "";
      if (cursor.empty()) break;
    }
    return items;
  };
  schemas.check_response(sim.get_json(api("/portfolio/balance")), "GET /portfolio/balance",
                         "balance");
  schemas.check_response(sim.get_json(api("/historical/cutoff")), "GET /historical/cutoff",
                         "cutoff");
  EXPECT_GT(check_pages("GET /portfolio/fills", "/portfolio/fills", "", "fills", 1000), 0u);
  EXPECT_GT(check_pages("GET /historical/fills", "/historical/fills", "", "fills", 1000), 0u);
  EXPECT_GT(check_pages("GET /portfolio/orders", "/portfolio/orders", "", "orders", 1000), 0u);
  EXPECT_GT(check_pages("GET /historical/orders", "/historical/orders", "", "orders", 1000), 0u);
  EXPECT_GT(
      check_pages("GET /portfolio/settlements", "/portfolio/settlements", "", "settlements", 1000),
      0u);
  EXPECT_GT(
      check_pages("GET /portfolio/positions", "/portfolio/positions", "", "market_positions", 7),
      0u);
  EXPECT_GT(check_pages("GET /markets", "/markets", "", "markets", 1000), 0u);
  std::set<std::string> events, series;
  for (auto& m : sim.page_all(api("/markets"), "markets", 1000)) {
    const std::string t = str(m, "ticker");
    schemas.check_response(sim.get_json(api("/markets/" + t)), "GET /markets/{ticker}", t);
    events.insert(str(m, "event_ticker"));
  }
  for (const std::string& e : events) {
    for (const char* nested : {"false", "true"}) {
      Object::Ptr ev = sim.get_json(api("/events/" + e + "?with_nested_markets=" + nested));
      schemas.check_response(ev, "GET /events/{event_ticker}", e);
      series.insert(str(ev->getObject("event"), "series_ticker"));
    }
  }
  for (const std::string& t : series)
    schemas.check_response(sim.get_json(api("/series/" + t)), "GET /series/{series_ticker}", t);
  // Endpoints added with 3.34.0.
  for (const char* st : {"settled", "all"})
    check_pages("GET /portfolio/positions", "/portfolio/positions",
                std::string("&settlement_status=") + st, "market_positions", 50);
  EXPECT_GT(
      check_pages("GET /historical/positions", "/historical/positions", "", "market_positions", 50),
      0u);
  EXPECT_GT(check_pages("GET /historical/markets", "/historical/markets", "", "markets", 1000), 0u);
  for (auto& m : sim.page_all(api("/historical/markets"), "markets", 1000))
    schemas.check_response(sim.get_json(api("/historical/markets/" + str(m, "ticker"))),
                           "GET /historical/markets/{ticker}", str(m, "ticker"));
  EXPECT_GT(check_pages("GET /events", "/events", "", "events", 50), 0u);
  EXPECT_GT(check_pages("GET /events", "/events", "&with_nested_markets=true", "events", 50), 0u);
  EXPECT_GT(check_pages("GET /portfolio/deposits", "/portfolio/deposits", "", "deposits", 2), 0u);
  EXPECT_GT(
      check_pages("GET /portfolio/withdrawals", "/portfolio/withdrawals", "", "withdrawals", 2),
      0u);
  EXPECT_GT(check_pages("GET /portfolio/subaccounts/transfers", "/portfolio/subaccounts/transfers",
                        "", "transfers", 1),
            0u);
  for (const char* path : {"/portfolio/subaccounts/balances", "/account/limits",
                           "/account/endpoint_costs", "/exchange/user_data_timestamp"})
    schemas.check_response(sim.get_json(api(path)), std::string("GET ") + path, path);
  schemas.check_response(sim.get_json(api("/portfolio/balance?subaccount=1")),
                         "GET /portfolio/balance", "sub 1");
  // Every endpoint of the schema file was exercised.
  for (const std::string& e : schemas.endpoints())
    EXPECT_TRUE(schemas.endpoints_seen().count(e)) << e;
}

// (b) every required field of every schema, with the right JSON type, format and enum, on every
// response of every endpoint: current shapes, and 2026h1 where only its documented quirks may
// deviate.
TEST(Shapes, EveryEndpointMatchesTheSchemas) {
  Schemas schemas;
  Sim sim({"--seed", "3", "--fills", "2500", "--subaccounts", "3", "--endpoint-cost",
           "GET:/portfolio/orders=20"});
  check_every_endpoint(sim, schemas);
  for (const char* s : {"Fill", "Order", "Settlement", "MarketPosition", "EventPosition", "Market",
                        "EventData", "Series", "PriceRange", "SettlementSource", "IndexedBalance"})
    EXPECT_GT(schemas.checked().count(s), 0u) << s << " never checked";
}

TEST(Shapes, EveryEndpointMatchesTheSchemasWith2026h1Quirks) {
  Schemas schemas(true);
  Sim sim({"--seed", "3", "--fills", "2500", "--shapes", "2026h1", "--subaccounts", "3"});
  check_every_endpoint(sim, schemas);
  // Without the allowances the quirks are caught.
  Schemas strict;
  Object::Ptr f = sim.page_all(api("/historical/fills"), "fills", 1000).back();  // the oldest
  f->set("book_side", "bid");
  f->set("exchange_index", 0);
  EXPECT_NONFATAL_FAILURE(strict.check(f, "Fill", "strict"), "lacks required field outcome_side");
}

TEST(Shapes, FillSemanticsAndRealisticCatalog) {
  Schemas schemas;
  Sim sim({"--seed", "3", "--fills", "2500"});
  Array::Ptr fills = sim.get_json(api("/portfolio/fills?limit=1000"))->getArray("fills");
  Array::Ptr pos = sim.get_json(api("/markets?limit=1000"))->getArray("markets");
  // Fill semantics the ETL relies on.
  std::set<std::string> counts_seen;
  bool fractional = false;
  for (std::size_t i = 0; i < fills->size(); ++i) {
    Object::Ptr f = fills->getObject(static_cast<unsigned>(i));
    EXPECT_EQ(str(f, "fill_id"), str(f, "trade_id"));
    EXPECT_EQ(str(f, "ticker"), str(f, "market_ticker"));
    EXPECT_EQ(integer(f, "exchange_index"), 0);
    EXPECT_EQ(micros(str(f, "yes_price_dollars")) + micros(str(f, "no_price_dollars")), 1000000);
    const bool outcome_yes = (str(f, "side") == "no") == (str(f, "action") == "sell");
    EXPECT_EQ(str(f, "outcome_side"), outcome_yes ? "yes" : "no");
    EXPECT_EQ(str(f, "book_side"), outcome_yes ? "bid" : "ask");
    EXPECT_EQ(integer(f, "ts"), unix_us(str(f, "created_time")) / 1000000);
    fractional = fractional || centis(str(f, "count_fp")) % 100 != 0;
  }
  EXPECT_TRUE(fractional) << "some fills have fractional counts";

  // Markets, events and series of traded tickers; realistic tickers and exchange categories.
  const std::set<std::string> categories = {"Climate and Weather", "Crypto", "Economics",
                                            "Financials",          "Sports", "Politics",
                                            "Commodities"};
  const std::regex ticker_re(R"(^KX[A-Z0-9]+-[0-9A-Z]+-[A-Z0-9.\-]+$)");
  std::set<std::string> statuses;
  for (std::size_t i = 0; i < pos->size(); ++i) {
    const std::string t = str(pos->getObject(static_cast<unsigned>(i)), "ticker");
    EXPECT_TRUE(std::regex_match(t, ticker_re)) << t;
    Object::Ptr m = sim.get_json(api("/markets/" + t));
    schemas.check(m, "GetMarketResponse", t);
    Object::Ptr market = m->getObject("market");
    schemas.check(market, "Market", t);
    statuses.insert(str(market, "status"));
    if (str(market, "status") == "finalized") {
      EXPECT_NE(str(market, "result"), "");
    }
    if (str(market, "status") == "active") {
      EXPECT_EQ(str(market, "result"), "");
    }
    Object::Ptr ev = sim.get_json(api("/events/" + str(market, "event_ticker")));
    schemas.check(ev, "GetEventResponse", t);
    schemas.check(ev->getObject("event"), "EventData", t);
    for (std::size_t k = 0; k < ev->getArray("markets")->size(); ++k)
      schemas.check(ev->getArray("markets")->getObject(static_cast<unsigned>(k)), "Market",
                    "event markets");
    Object::Ptr se = sim.get_json(api("/series/" + str(ev->getObject("event"), "series_ticker")));
    schemas.check(se, "GetSeriesResponse", t);
    schemas.check(se->getObject("series"), "Series", t);
    EXPECT_TRUE(categories.count(str(se->getObject("series"), "category")));
    Array::Ptr cats = se->getObject("series")->getArray("categories");
    ASSERT_EQ(cats->size(), 1u);
    EXPECT_EQ(cats->getElement<std::string>(0), str(se->getObject("series"), "category"));
    EXPECT_EQ(str(market, "settlement_bounds_type"), "default");
    EXPECT_FALSE(market->has("liquidity_dollars"));
    EXPECT_FALSE(ev->getObject("event")->has("available_on_brokers"));
    if (i > 40) break;
  }
  EXPECT_TRUE(statuses.count("finalized"));
  Object::Ptr nested = sim.get_json(api(
      "/events/" +
      str(sim.get_json(api("/markets/" + str(pos->getObject(0), "ticker")))->getObject("market"),
          "event_ticker") +
      "?with_nested_markets=true"));
  EXPECT_GT(nested->getObject("event")->getArray("markets")->size(), 0u);
}

TEST(Errors, BadParametersAndUnknownPathsUseKalshiErrorShape) {
  Sim sim({"--fills", "300"});
  auto expect_error = [&](const std::string& path, int status, const std::string& code) {
    HttpResult r = sim.get(path);
    EXPECT_EQ(r.status, status) << path << " " << r.body;
    Object::Ptr o = parse_object(r.body);
    EXPECT_EQ(str(o, "code"), code) << path;
    EXPECT_TRUE(o->has("message") && o->has("details")) << path;
  };
  for (const char* q : {"limit=0", "limit=1001", "limit=abc", "min_ts=yesterday", "max_ts=1.5",
                        "cursor=%21%21", "cursor=djF8b3JkZXJzfDF8MQ", "subaccount=99"})
    expect_error(api("/portfolio/fills?") + q, 400, "bad_request");
  expect_error(api("/portfolio/orders?status=open"), 400, "bad_request");
  expect_error(api("/portfolio/positions?count_filter=bogus"), 400, "bad_request");
  expect_error(api("/events/X?with_nested_markets=maybe"), 400, "bad_request");
  expect_error(api("/portfolio/nothing"), 404, "not_found");
  expect_error(api("/markets/NOPE-1"), 404, "not_found");
  expect_error(api("/events/NOPE"), 404, "not_found");
  expect_error(api("/series/NOPE"), 404, "not_found");
  expect_error("/elsewhere", 404, "not_found");
  // Default page size is 100.
  EXPECT_EQ(sim.get_json(api("/portfolio/fills"))->getArray("fills")->size(), 100u);
  // Unknown ticker: empty page with empty cursor.
  Object::Ptr empty = sim.get_json(api("/portfolio/fills?ticker=NOPE"));
  EXPECT_EQ(empty->getArray("fills")->size(), 0u);
  EXPECT_EQ(str(empty, "cursor"), "");
}

TEST(Filters, TickerOrderStatusEventAndTimeRanges) {
  TempDir tmp;
  Sim sim({"--seed", "5", "--fills", "2000", "--dump-truth", tmp.file("t.json")});
  Truth truth(tmp.file("t.json"));
  auto fills = sim.page_all(api("/portfolio/fills"), "fills", 1000);
  ASSERT_GT(fills.size(), 100u);
  std::map<std::string, int> per_ticker, per_order;
  for (auto& f : fills) {
    ++per_ticker[str(f, "ticker")];
    ++per_order[str(f, "order_id")];
  }
  auto busiest = std::max_element(per_ticker.begin(), per_ticker.end(),
                                  [](auto& a, auto& b) { return a.second < b.second; });
  auto by_ticker = sim.page_all(api("/portfolio/fills"), "fills", 50, "&ticker=" + busiest->first);
  EXPECT_EQ(static_cast<int>(by_ticker.size()), busiest->second);
  for (auto& f : by_ticker) EXPECT_EQ(str(f, "ticker"), busiest->first);
  auto some_order = per_order.begin();
  auto by_order =
      sim.page_all(api("/portfolio/fills"), "fills", 10, "&order_id=" + some_order->first);
  EXPECT_EQ(static_cast<int>(by_order.size()), some_order->second);
  for (auto& f : by_order) EXPECT_EQ(str(f, "order_id"), some_order->first);

  // min_ts inclusive, max_ts exclusive, on the fill's ts.
  const std::int64_t T = integer(fills[fills.size() / 2], "ts");
  std::size_t ge = 0, lt = 0, in_hour = 0;
  for (auto& f : fills) {
    const std::int64_t ts = integer(f, "ts");
    ge += ts >= T;
    lt += ts < T;
    in_hour += ts >= T && ts < T + 3600;
  }
  EXPECT_EQ(
      sim.page_all(api("/portfolio/fills"), "fills", 100, "&min_ts=" + std::to_string(T)).size(),
      ge);
  EXPECT_EQ(
      sim.page_all(api("/portfolio/fills"), "fills", 100, "&max_ts=" + std::to_string(T)).size(),
      lt);
  EXPECT_EQ(sim.page_all(api("/portfolio/fills"), "fills", 100,
                         "&min_ts=" + std::to_string(T) + "&max_ts=" + std::to_string(T + 3600))
                .size(),
            in_hour);

  // Orders: status, event_ticker list, and min_ts on created_time.
  auto orders = sim.page_all(api("/portfolio/orders"), "orders", 1000);
  std::size_t resting = 0;
  for (auto& o : orders) resting += str(o, "status") == "resting";
  auto rest = sim.page_all(api("/portfolio/orders"), "orders", 7, "&status=resting");
  EXPECT_EQ(rest.size(), resting);
  EXPECT_GT(resting, 0u);
  for (auto& o : rest) EXPECT_EQ(str(o, "status"), "resting");
  Object::Ptr tm = truth.markets();
  const std::string t0 = str(orders[0], "ticker");
  const std::string e0 = str(tm->getObject(t0), "event_ticker");
  auto by_event =
      sim.page_all(api("/portfolio/orders"), "orders", 100, "&event_ticker=" + e0 + ",NOPE-1");
  EXPECT_GT(by_event.size(), 0u);
  for (auto& o : by_event) EXPECT_EQ(str(tm->getObject(str(o, "ticker")), "event_ticker"), e0);
  const std::int64_t OT = unix_us(str(orders[orders.size() / 2], "created_time")) / 1000000;
  std::size_t oge = 0;
  for (auto& o : orders) oge += unix_us(str(o, "created_time")) / 1000000 >= OT;
  EXPECT_EQ(
      sim.page_all(api("/portfolio/orders"), "orders", 100, "&min_ts=" + std::to_string(OT)).size(),
      oge);

  // Settlements by event; positions by count_filter.
  auto sets = sim.page_all(api("/portfolio/settlements"), "settlements", 1000);
  ASSERT_FALSE(sets.empty());
  const std::string se = str(sets[0], "event_ticker");
  for (auto& s :
       sim.page_all(api("/portfolio/settlements"), "settlements", 10, "&event_ticker=" + se))
    EXPECT_EQ(str(s, "event_ticker"), se);
  std::size_t open = 0;
  for (const auto& kv : *tm)
    open += centis(str(kv.second.extract<Object::Ptr>(), "position_fp")) != 0;
  auto nonzero =
      sim.page_all(api("/portfolio/positions"), "market_positions", 3, "&count_filter=position");
  EXPECT_EQ(nonzero.size(), open);
  for (auto& p : nonzero) EXPECT_NE(centis(str(p, "position_fp")), 0);
}

// GET /markets: the batch form clients use instead of one GET /markets/{ticker} per market.
TEST(Filters, MarketsListByTickersAndEvent) {
  TempDir tmp;
  Sim sim({"--seed", "5", "--fills", "2000", "--dump-truth", tmp.file("t.json")});
  Truth truth(tmp.file("t.json"));
  Object::Ptr tm = truth.markets();
  std::vector<std::string> tickers;
  for (const auto& kv : *tm) tickers.push_back(kv.first);
  std::sort(tickers.begin(), tickers.end());
  ASSERT_GT(tickers.size(), 20u);
  // 20 known tickers (out of order, one twice) and one unknown, paged 7 at a time.
  std::string list = "NOPE-1";
  for (std::size_t i = 20; i-- > 0;) list += "," + tickers[i];
  list += "," + tickers[3];
  auto markets = sim.page_all(api("/markets"), "markets", 7, "&tickers=" + list);
  // Markets settled before the cutoff are only on /historical/markets.
  std::set<std::string> archived;
  for (auto& m : sim.page_all(api("/historical/markets"), "markets", 1000))
    archived.insert(str(m, "ticker"));
  ASSERT_FALSE(archived.empty());
  std::vector<std::string> live;
  for (std::size_t i = 0; i < 20; ++i)
    if (!archived.count(tickers[i])) live.push_back(tickers[i]);
  ASSERT_EQ(markets.size(), live.size());
  auto hist = sim.page_all(api("/historical/markets"), "markets", 3, "&tickers=" + list);
  EXPECT_EQ(hist.size() + live.size(), 20u);
  for (auto& m : hist) EXPECT_EQ(sim.get(api("/markets/" + str(m, "ticker"))).status, 404);
  for (auto& m : hist)
    EXPECT_EQ(str(sim.get_json(api("/historical/markets/" + str(m, "ticker")))->getObject("market"),
                  "ticker"),
              str(m, "ticker"));
  const std::vector<std::string> all_tickers = tickers;
  tickers = live;
  for (std::size_t i = 0; i < markets.size(); ++i) {
    EXPECT_EQ(str(markets[i], "ticker"), tickers[i]);  // ascending, each once
    // Same object as GET /markets/{ticker}.
    auto one = sim.get_json(api("/markets/" + tickers[i]))->getObject("market");
    EXPECT_EQ(str(markets[i], "event_ticker"), str(one, "event_ticker"));
    EXPECT_EQ(str(markets[i], "status"), str(one, "status"));
    EXPECT_EQ(str(markets[i], "event_ticker"), str(tm->getObject(tickers[i]), "event_ticker"));
  }
  const std::string event = str(tm->getObject(tickers[0]), "event_ticker");
  std::size_t in_event = 0;
  for (const auto& t : all_tickers)
    in_event += !archived.count(t) && str(tm->getObject(t), "event_ticker") == event;
  auto by_event = sim.page_all(api("/markets"), "markets", 2, "&event_ticker=" + event);
  EXPECT_EQ(by_event.size(), in_event);
  for (auto& m : by_event) EXPECT_EQ(str(m, "event_ticker"), event);
  EXPECT_EQ(sim.get(api("/markets?series_ticker=X")).status,
            400);  // not simulated: never a silent full list
}

// (f) truth is self-consistent, agrees with what is served, and with an independent replay of
// the served fills and settlements.
TEST(Truth, SelfConsistentAndMatchesServedData) {
  TempDir tmp;
  Sim sim({"--seed", "21", "--fills", "4000", "--dump-truth", tmp.file("t.json")});
  Truth truth(tmp.file("t.json"));
  Object::Ptr markets = truth.markets();

  struct Sum {
    std::int64_t pnl = 0, fees = 0, rev = 0;
  };
  std::map<std::string, Sum> by_cat;
  Sum total;
  for (const auto& kv : *markets) {
    Object::Ptr m = kv.second.extract<Object::Ptr>();
    const std::int64_t paid = micros(str(m, "cash_paid_dollars")),
                       recv = micros(str(m, "cash_received_dollars"));
    const std::int64_t fees = micros(str(m, "fees_dollars")),
                       rev = micros(str(m, "settlement_revenue_dollars"));
    const std::int64_t pnl = micros(str(m, "cash_pnl_dollars"));
    EXPECT_EQ(pnl, recv - paid - fees + rev) << kv.first;
    EXPECT_EQ(integer(m, "cash_pnl_cents"), round_cents(pnl)) << kv.first;
    EXPECT_EQ(integer(m, "fees_cents"), round_cents(fees)) << kv.first;
    EXPECT_EQ(integer(m, "settlement_revenue_cents"), round_cents(rev)) << kv.first;
    if (m->get("settled").extract<bool>()) {
      EXPECT_EQ(str(m, "position_fp"), "0.00") << kv.first;
    }
    Sum& c = by_cat[str(m, "category")];
    c.pnl += pnl;
    c.fees += fees;
    c.rev += rev;
    total.pnl += pnl;
    total.fees += fees;
    total.rev += rev;
  }
  Object::Ptr cats = truth.root->getObject("categories");
  EXPECT_EQ(cats->size(), by_cat.size());
  EXPECT_GE(by_cat.size(), 4u) << "markets across several categories";
  for (const auto& [name, s] : by_cat) {
    Object::Ptr c = cats->getObject(name);
    ASSERT_FALSE(c.isNull()) << name;
    EXPECT_EQ(micros(str(c, "cash_pnl_dollars")), s.pnl) << name;
    EXPECT_EQ(integer(c, "cash_pnl_cents"), round_cents(s.pnl)) << name;
    EXPECT_EQ(micros(str(c, "fees_dollars")), s.fees) << name;
    EXPECT_EQ(integer(c, "fees_cents"), round_cents(s.fees)) << name;
    EXPECT_EQ(micros(str(c, "settlement_revenue_dollars")), s.rev) << name;
  }
  EXPECT_EQ(micros(str(truth.root->getObject("totals"), "cash_pnl_dollars")), total.pnl);

  // Independent replay of the served history with the documented rules.
  auto hist = sim.page_all(api("/historical/fills"), "fills", 1000);
  auto live = sim.page_all(api("/portfolio/fills"), "fills", 1000);
  std::vector<Object::Ptr> chrono(hist.rbegin(), hist.rend());
  chrono.insert(chrono.end(), live.rbegin(), live.rend());
  EXPECT_EQ(static_cast<std::int64_t>(chrono.size()), truth.count("fills"));
  struct Acc {
    std::int64_t pos = 0, paid = 0, recv = 0, fees = 0, rev = 0;
    std::string last_time;
  };
  std::map<std::string, Acc> acc;
  auto cost = [](std::int64_t count_c, std::int64_t price_u) { return count_c * price_u / 100; };
  for (auto& f : chrono) {
    Acc& a = acc[str(f, "ticker")];
    EXPECT_GE(str(f, "created_time"), a.last_time) << "fills out of order";
    a.last_time = str(f, "created_time");
    const std::int64_t c = centis(str(f, "count_fp")), y = micros(str(f, "yes_price_dollars")),
                       n = 1000000 - y;
    const bool sell = str(f, "action") == "sell", side_yes = str(f, "side") == "yes";
    const std::int64_t price = side_yes ? y : n;
    if (sell) {
      // A sell only closes contracts actually held.
      if (side_yes) {
        EXPECT_LE(c, a.pos) << "sell yes beyond holdings";
      } else {
        EXPECT_LE(c, -a.pos) << "sell no beyond holdings";
      }
      a.recv += cost(c, price);
      a.pos += side_yes ? -c : c;
    } else {
      const std::int64_t opposite =
          side_yes ? std::max<std::int64_t>(0, -a.pos) : std::max<std::int64_t>(0, a.pos);
      EXPECT_LE(c, std::max<std::int64_t>(c, opposite));
      const std::int64_t net = std::min(c, opposite);
      // Netting buy of the other side = selling the held side at 1 - price.
      a.recv += cost(net, 1000000 - price);
      a.paid += cost(c - net, price);
      a.pos += side_yes ? c : -c;
    }
    a.fees += micros(str(f, "fee_cost"));
  }
  for (auto& s : sim.page_all(api("/portfolio/settlements"), "settlements", 1000)) {
    Acc& a = acc[str(s, "ticker")];
    EXPECT_EQ(centis(str(s, "yes_count_fp")), std::max<std::int64_t>(0, a.pos)) << str(s, "ticker");
    EXPECT_EQ(centis(str(s, "no_count_fp")), std::max<std::int64_t>(0, -a.pos)) << str(s, "ticker");
    a.rev += integer(s, "revenue") * 10000;
    a.fees += micros(str(s, "fee_cost"));
    a.pos = 0;
  }
  EXPECT_EQ(acc.size(), markets->size());
  for (auto& [t, a] : acc) {
    Object::Ptr m = markets->getObject(t);
    ASSERT_FALSE(m.isNull()) << t;
    EXPECT_EQ(micros(str(m, "cash_paid_dollars")), a.paid) << t;
    EXPECT_EQ(micros(str(m, "cash_received_dollars")), a.recv) << t;
    EXPECT_EQ(micros(str(m, "fees_dollars")), a.fees) << t;
    EXPECT_EQ(micros(str(m, "settlement_revenue_dollars")), a.rev) << t;
    EXPECT_EQ(centis(str(m, "position_fp")), a.pos) << t;
  }

  // Positions, marks and categories agree with the served endpoints.
  auto pos =
      sim.page_all(api("/portfolio/positions"), "market_positions", 1000, "&settlement_status=all");
  auto archived_pos = sim.page_all(api("/historical/positions"), "market_positions", 1000);
  pos.insert(pos.end(), archived_pos.begin(), archived_pos.end());
  EXPECT_EQ(pos.size(), markets->size());
  for (auto& p : pos) {
    Object::Ptr m = markets->getObject(str(p, "ticker"));
    ASSERT_FALSE(m.isNull());
    EXPECT_EQ(str(p, "position_fp"), str(m, "position_fp"));
    EXPECT_EQ(str(p, "fees_paid_dollars"), str(m, "fees_dollars"));
  }
  int checked = 0;
  for (const auto& kv : *markets) {
    if (++checked > 25) break;
    Object::Ptr m = kv.second.extract<Object::Ptr>();
    HttpResult r = sim.get(api("/markets/" + kv.first));
    if (r.status == 404) r = sim.get(api("/historical/markets/" + kv.first));
    ASSERT_EQ(r.status, 200) << kv.first;
    Object::Ptr mk = parse_object(r.body)->getObject("market");
    EXPECT_EQ(str(mk, "last_price_dollars"), str(m, "mark_price_dollars"));
    EXPECT_EQ(str(mk, "status") == "finalized", m->get("settled").extract<bool>());
    EXPECT_EQ(str(mk, "result"), str(m, "result"));
    Object::Ptr ev = sim.get_json(api("/events/" + str(m, "event_ticker")))->getObject("event");
    EXPECT_EQ(str(ev, "series_ticker"), str(m, "series_ticker"));
    EXPECT_EQ(str(sim.get_json(api("/series/" + str(m, "series_ticker")))->getObject("series"),
                  "category"),
              str(m, "category"));
  }
  Object::Ptr bal = sim.get_json(api("/portfolio/balance"));
  EXPECT_EQ(str(bal, "balance_dollars"), str(truth.root->getObject("balance"), "balance_dollars"));
  EXPECT_EQ(integer(bal, "portfolio_value"),
            integer(truth.root->getObject("balance"), "portfolio_value_cents"));
}

// (g) fills added at run time are newer than everything and show up for min_ts queries.
TEST(AddFills, NewFillsShowUpForMinTsAndInTruth) {
  TempDir tmp;
  Sim sim({"--fills", "1500", "--dump-truth", tmp.file("t.json")});
  const std::int64_t fills_before = Truth(tmp.file("t.json")).count("fills");
  const std::int64_t orders_before = Truth(tmp.file("t.json")).count("orders");
  const std::int64_t newest =
      integer(sim.get_json(api("/portfolio/fills?limit=1"))->getArray("fills")->getObject(0), "ts");
  Object::Ptr r = sim.post_json("/admin/add-fills", "{\"count\":25}");
  EXPECT_EQ(integer(r, "added_fills"), 25);
  const std::int64_t first_ts = integer(r, "first_ts");
  EXPECT_GT(first_ts, newest);
  auto fresh =
      sim.page_all(api("/portfolio/fills"), "fills", 10, "&min_ts=" + std::to_string(first_ts));
  EXPECT_EQ(fresh.size(), 25u);
  auto since_newest =
      sim.page_all(api("/portfolio/fills"), "fills", 100, "&min_ts=" + std::to_string(newest));
  EXPECT_GE(since_newest.size(), 26u);
  Truth after(tmp.file("t.json"));  // rewritten after add-fills
  EXPECT_EQ(after.count("fills"), fills_before + 25);
  EXPECT_EQ(after.count("orders"), orders_before + integer(r, "added_orders"));
  auto all = all_fills(sim, 1000);
  EXPECT_EQ(static_cast<std::int64_t>(all.size()), fills_before + 25);
  auto orders = sim.page_all(api("/portfolio/orders"), "orders", 1000);
  auto horders = sim.page_all(api("/historical/orders"), "orders", 1000);
  EXPECT_EQ(static_cast<std::int64_t>(orders.size() + horders.size()), after.count("orders"));
  // Truth over HTTP matches the rewritten file.
  EXPECT_EQ(canonical(parse_any(sim.get("/admin/truth").body)), canonical(after.root));
}

// (h) adding fills while a client pages causes no duplicates and no skips.
TEST(AddFills, PaginationIsStableWhileTheAccountGrows) {
  Sim sim({"--seed", "9", "--fills", "1200"});
  std::set<std::string> before;
  for (auto& f : sim.page_all(api("/portfolio/fills"), "fills", 1000))
    before.insert(str(f, "fill_id"));
  std::vector<std::string> seen;
  std::string cursor;
  int pages = 0;
  do {
    std::string q = api("/portfolio/fills?limit=37") + (cursor.empty() ? "" : "&cursor=" + cursor);
    Object::Ptr page = sim.get_json(q);
    Array::Ptr arr = page->getArray("fills");
    for (std::size_t i = 0; i < arr->size(); ++i)
      seen.push_back(str(arr->getObject(static_cast<unsigned>(i)), "fill_id"));
    cursor = str(page, "cursor");
    sim.post_json("/admin/add-fills", "{\"count\":5}");
    ++pages;
  } while (!cursor.empty());
  std::set<std::string> seen_set(seen.begin(), seen.end());
  EXPECT_EQ(seen_set.size(), seen.size()) << "duplicates";
  EXPECT_EQ(seen_set, before) << "skips or foreign records";
  auto after = sim.page_all(api("/portfolio/fills"), "fills", 1000);
  EXPECT_EQ(after.size(), before.size() + 5u * static_cast<std::size_t>(pages));
}

TEST(Auth, BearerTokenModeAndPublicEndpoints) {
  Sim sim({"--fills", "200", "--bearer-token", "s3cret"});
  HttpResult none = sim.get(api("/portfolio/balance"));
  EXPECT_EQ(none.status, 401);
  Object::Ptr err = parse_object(none.body)->getObject("error");
  ASSERT_FALSE(err.isNull()) << none.body;
  EXPECT_EQ(str(err, "code"), "authentication_error");
  HttpResult wrong = sim.get(api("/portfolio/fills"), {{"Authorization", "Bearer nope"}});
  EXPECT_EQ(wrong.status, 401);
  EXPECT_NE(str(parse_object(wrong.body)->getObject("error"), "code"), "authentication_error");
  EXPECT_EQ(sim.get(api("/portfolio/fills"), {{"Authorization", "Bearer s3cret"}}).status, 200);
  EXPECT_EQ(sim.get(api("/historical/fills"), {{"Authorization", "Bearer s3cret"}}).status, 200);
  EXPECT_EQ(sim.get(api("/historical/orders")).status, 401);
  EXPECT_EQ(sim.get(api("/historical/cutoff")).status, 200);
  EXPECT_EQ(sim.get(api("/portfolio/positions?limit=1")).status, 401);
  EXPECT_EQ(sim.get(api("/markets/NOPE")).status, 404) << "public endpoints need no token";
}

// (d) 429 with Kalshi's body and no Retry-After; recovers when the bucket refills.
TEST(Faults, RateLimitAnswers429WithoutRetryAfter) {
  Sim sim({"--fills", "200", "--rate-limit-rps", "2", "--rate-limit-burst", "3"});
  int ok = 0, limited = 0;
  for (int i = 0; i < 12; ++i) {
    HttpResult r = sim.get(api("/historical/cutoff"));
    if (r.status == 200) ++ok;
    if (r.status == 429) {
      ++limited;
      EXPECT_EQ(r.body, "{\"error\": \"too many requests\"}");
      EXPECT_EQ(r.headers.count("retry-after"), 0u);
      for (const auto& [k, v] : r.headers) EXPECT_NE(k.rfind("x-ratelimit", 0), 0u) << k;
    }
  }
  EXPECT_GE(ok, 3);
  EXPECT_GE(limited, 6);
  // The admin API is never limited, and counts the 429s per endpoint.
  Object::Ptr stats = parse_object(sim.get("/admin/stats").body);
  Object::Ptr ep = stats->getObject("endpoints")->getObject("/historical/cutoff");
  ASSERT_FALSE(ep.isNull());
  EXPECT_EQ(integer(ep->getObject("status"), "429"), limited);
  std::this_thread::sleep_for(std::chrono::milliseconds(1600));
  EXPECT_EQ(sim.get(api("/historical/cutoff")).status, 200);
  sim.post_json("/admin/faults", "{\"rate_limit_rps\":0}");
  for (int i = 0; i < 10; ++i) EXPECT_EQ(sim.get(api("/historical/cutoff")).status, 200);
}

TEST(Faults, RuntimeFaultsViaAdminApi) {
  Sim sim({"--fills", "300"});
  const std::string path = api("/portfolio/fills?limit=200");
  sim.post_json("/admin/faults", "{\"error_rate\":1}");
  std::set<int> statuses;
  for (int i = 0; i < 30; ++i) statuses.insert(sim.get(path).status);
  for (int s : statuses) EXPECT_TRUE(s == 500 || s == 502 || s == 503) << s;
  EXPECT_GE(statuses.size(), 2u);

  sim.post_json("/admin/faults", "{\"error_rate\":0,\"outage\":\"503\"}");
  EXPECT_EQ(sim.get(path).status, 503);
  EXPECT_EQ(sim.get("/admin/health").status, 200) << "admin is never faulted";

  sim.post_json("/admin/faults", "{\"outage\":\"reset\"}");
  EXPECT_TRUE(sim.get(path).transport_error);

  sim.post_json("/admin/faults", "{\"outage\":\"off\",\"malformed_rate\":1}");
  HttpResult bad = sim.get(path);
  EXPECT_EQ(bad.status, 200);
  EXPECT_THROW(parse_any(bad.body), Poco::Exception);

  sim.post_json("/admin/faults", "{\"malformed_rate\":0,\"disconnect_rate\":1}");
  EXPECT_TRUE(sim.get(path).transport_error);

  sim.post_json("/admin/faults", "{\"disconnect_rate\":0,\"slow_ms\":300}");
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(sim.get(path).status, 200);
  EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(280));

  sim.post_json("/admin/faults", "{\"reset\":true}");
  EXPECT_EQ(sim.get(path).status, 200);
  EXPECT_EQ(sim.post("/admin/faults", "{\"error_rate\":2}").status, 400);
  EXPECT_EQ(sim.post("/admin/faults", "{\"bogus\":1}").status, 400);
  EXPECT_EQ(sim.post("/admin/add-fills", "{\"count\":0}").status, 400);

  Object::Ptr stats = parse_object(sim.get("/admin/stats").body);
  Object::Ptr ep = stats->getObject("endpoints")->getObject("/portfolio/fills");
  ASSERT_FALSE(ep.isNull());
  EXPECT_GE(integer(ep, "total"), 36);
  EXPECT_GE(integer(stats->getObject("faults"), "disconnect"), 1);
}

// (e) a hand-written fixture is served as-is, split by its cutoff, and its truth is computed
// with the same cash-flow rules.
TEST(Fixture, ServedAsIsWithTruth) {
  const std::string path = test_data_dir() + "/fixture_small.json";
  TempDir tmp;
  Sim sim({"--fixture", path, "--dump-truth", tmp.file("t.json")});
  Object::Ptr fx = parse_object(read_file(path));
  auto by_id = [](const std::vector<Object::Ptr>& v, const std::string& key) {
    std::map<std::string, std::string> m;
    for (auto& o : v) m[str(o, key)] = canonical(o);
    return m;
  };
  auto fixture_list = [&](const std::string& key) {
    std::vector<Object::Ptr> v;
    Array::Ptr a = fx->getArray(key);
    for (std::size_t i = 0; i < a->size(); ++i) v.push_back(a->getObject(static_cast<unsigned>(i)));
    return v;
  };
  auto live = sim.page_all(api("/portfolio/fills"), "fills", 2);
  auto hist = sim.page_all(api("/historical/fills"), "fills", 2);
  EXPECT_EQ(live.size(), 3u);
  EXPECT_EQ(hist.size(), 2u);
  std::vector<Object::Ptr> fills = hist;
  fills.insert(fills.end(), live.begin(), live.end());
  EXPECT_EQ(by_id(fills, "fill_id"), by_id(fixture_list("fills"), "fill_id"));
  EXPECT_EQ(str(live[0], "fill_id"), "f5") << "newest first";

  auto lo = sim.page_all(api("/portfolio/orders"), "orders", 2);
  auto ho = sim.page_all(api("/historical/orders"), "orders", 2);
  std::set<std::string> live_ids;
  for (auto& o : lo) live_ids.insert(str(o, "order_id"));
  EXPECT_EQ(live_ids, (std::set<std::string>{"o3", "o4", "o5"}));
  EXPECT_EQ(ho.size(), 2u);
  std::vector<Object::Ptr> orders = ho;
  orders.insert(orders.end(), lo.begin(), lo.end());
  EXPECT_EQ(by_id(orders, "order_id"), by_id(fixture_list("orders"), "order_id"));
  EXPECT_EQ(by_id(sim.page_all(api("/portfolio/settlements"), "settlements", 5), "ticker"),
            by_id(fixture_list("settlements"), "ticker"));
  // The NY position is settled and last updated before the cutoff: only /historical/positions.
  auto fx_pos =
      sim.page_all(api("/portfolio/positions"), "market_positions", 1, "&settlement_status=all");
  auto fx_hist = sim.page_all(api("/historical/positions"), "market_positions", 1);
  EXPECT_EQ(fx_hist.size(), 1u);
  fx_pos.insert(fx_pos.end(), fx_hist.begin(), fx_hist.end());
  EXPECT_EQ(by_id(fx_pos, "ticker"), by_id(fixture_list("market_positions"), "ticker"));
  EXPECT_EQ(canonical(sim.get_json(api("/portfolio/balance"))),
            canonical(fx->getObject("balance")));
  EXPECT_EQ(canonical(sim.get_json(api("/historical/cutoff"))),
            canonical(fx->getObject("historical_cutoff")));
  EXPECT_EQ(canonical(sim.get_json(api("/markets/KXBTCY-26DEC31-T150000"))->getObject("market")),
            canonical(fixture_list("markets")[1]));
  Object::Ptr ev = sim.get_json(api("/events/KXBTCY-26DEC31"));
  EXPECT_EQ(str(ev->getObject("event"), "series_ticker"), "KXBTCY");
  EXPECT_EQ(ev->getArray("markets")->size(), 1u);
  EXPECT_EQ(str(sim.get_json(api("/series/KXHIGHNY"))->getObject("series"), "category"),
            "Climate and Weather");
  EXPECT_EQ(sim.get_json(api("/portfolio/fills?order_id=o3"))->getArray("fills")->size(), 1u);
  EXPECT_EQ(sim.get_json(api("/portfolio/orders?status=resting"))->getArray("orders")->size(), 1u);
  EXPECT_EQ(sim.post("/admin/add-fills", "{\"count\":1}").status, 409);

  // Hand-computed truth (see the fixture): NY market 2.00 - 3.00 - 0.19 + 6.00 = 4.81;
  // BTC market: NO 5 @0.60 paid 3.00, 2.50 netted at no 0.55 = +1.375, NO 1 @0.58 paid 0.58,
  // fees 0.09 -> -2.295, rounded half away from zero to -230 cents; position -3.50 NO.
  Truth t(tmp.file("t.json"));
  Object::Ptr ny = t.markets()->getObject("KXHIGHNY-26FEB20-T40");
  Object::Ptr btc = t.markets()->getObject("KXBTCY-26DEC31-T150000");
  ASSERT_FALSE(ny.isNull());
  ASSERT_FALSE(btc.isNull());
  EXPECT_EQ(integer(ny, "cash_pnl_cents"), 481);
  EXPECT_EQ(str(ny, "category"), "Climate and Weather");
  EXPECT_TRUE(ny->get("settled").extract<bool>());
  EXPECT_EQ(str(btc, "cash_pnl_dollars"), "-2.2950");
  EXPECT_EQ(integer(btc, "cash_pnl_cents"), -230);
  EXPECT_EQ(str(btc, "position_fp"), "-3.50");
  EXPECT_EQ(str(btc, "mark_price_dollars"), "0.4200");
  EXPECT_EQ(integer(btc, "mm_fills"), 1);
  EXPECT_EQ(integer(t.root->getObject("categories")->getObject("Crypto"), "cash_pnl_cents"), -230);
  EXPECT_EQ(integer(t.root->getObject("totals"), "cash_pnl_cents"), 252);  // 2.515 -> 252
  EXPECT_EQ(t.count("fills"), 5);
  EXPECT_EQ(t.count("historical_orders"), 2);
}

TEST(Fixture, MalformedFixtureExitsWithCodeTwoAndOneLine) {
  TempDir tmp;
  const std::map<std::string, std::string> cases = {
      {"{ not json", "invalid JSON"},
      {"[1,2]", "top level must be a JSON object"},
      {"{\"fillz\": []}", "unknown top-level key \"fillz\""},
      {"{\"fills\": [{\"count_fp\": \"1.00\"}]}", "fills[0]: missing required field \"ticker\""},
      {"{\"fills\": "
       "[{\"ticker\":\"X\",\"created_time\":\"2026-01-01T00:00:00Z\",\"count_fp\":\"abc\","
       "\"yes_price_dollars\":\"0.5\",\"outcome_side\":\"yes\"}]}",
       "fills[0]: field \"count_fp\" is not a fixed-point count"},
      {"{\"orders\": "
       "[{\"order_id\":\"o\",\"ticker\":\"X\",\"status\":\"open\",\"created_time\":\"2026-01-01T00:"
       "00:00Z\"}]}",
       "orders[0]: status must be"},
      {"{\"historical_cutoff\": {\"trades_created_ts\": \"yesterday\"}}", "not an RFC 3339 time"},
  };
  int n = 0;
  for (const auto& [content, expect] : cases) {
    const std::string f = tmp.file("bad" + std::to_string(n++) + ".json");
    std::ofstream(f) << content;
    RunResult r = run_sim({"--fixture", f, "--port", "0"});
    EXPECT_EQ(r.exit_code, 2) << content;
    EXPECT_NE(r.err.find(f), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(expect), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
  RunResult missing = run_sim({"--fixture", tmp.file("nope.json")});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("cannot open file"), std::string::npos);
}

TEST(Cli, HelpListsEveryOptionAndBadFlagsExitTwo) {
  RunResult help = run_sim({"--help"});
  EXPECT_EQ(help.exit_code, 0);
  for (const char* flag : {"--port",
                           "--port-file",
                           "--seed",
                           "--fills",
                           "--markets",
                           "--days",
                           "--cutoff-days",
                           "--anchor",
                           "--fixture",
                           "--dump-truth",
                           "--exit",
                           "--bearer-token",
                           "--key-id",
                           "--public-key",
                           "--max-skew-ms",
                           "--rate-limit-rps",
                           "--rate-limit-burst",
                           "--rate-limit-cost",
                           "--error-rate",
                           "--error-statuses",
                           "--disconnect-rate",
                           "--malformed-rate",
                           "--slow-ms",
                           "--slow-rate",
                           "--outage",
                           "--mm-prefix",
                           "--netting-rate",
                           "--tls-cert",
                           "--tls-key",
                           "--threads",
                           "--verbose",
                           "--help"})
    EXPECT_NE(help.out.find(flag), std::string::npos) << flag;
  for (auto args : std::vector<std::vector<std::string>>{{"--bogus"},
                                                         {"--fills", "many"},
                                                         {"--port"},
                                                         {"--exit"},
                                                         {"--error-rate", "2"},
                                                         {"--outage", "maybe"}}) {
    RunResult r = run_sim(args);
    EXPECT_EQ(r.exit_code, 2) << args[0];
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
  TempDir tmp;
  RunResult a =
      run_sim({"--seed", "4", "--fills", "800", "--dump-truth", tmp.file("a.json"), "--exit"});
  RunResult b =
      run_sim({"--seed", "4", "--fills", "800", "--dump-truth", tmp.file("b.json"), "--exit"});
  EXPECT_EQ(a.exit_code, 0);
  EXPECT_EQ(read_file(tmp.file("a.json")), read_file(tmp.file("b.json")))
      << "deterministic for a seed";
}

TEST(Generator, LargeAccountIsFastToBuildAndServe) {
  const auto t0 = std::chrono::steady_clock::now();
  Sim sim({"--fills", "200000"});
  const auto built = std::chrono::steady_clock::now() - t0;
  EXPECT_LT(built, std::chrono::seconds(10));
  const auto t1 = std::chrono::steady_clock::now();
  int pages = 0;
  std::string cursor;
  for (; pages < 60; ++pages) {
    HttpResult r =
        sim.get(api("/portfolio/fills?limit=1000") + (cursor.empty() ? "" : "&cursor=" + cursor));
    ASSERT_EQ(r.status, 200);
    const std::size_t p = r.body.rfind("\"cursor\":\"");
    cursor = r.body.substr(p + 10, r.body.size() - p - 12);
    if (cursor.empty()) break;
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
  // The benchmark wants > 50 pages/s; leave headroom for debug and sanitizer builds.
  EXPECT_GT(pages / secs, 25.0) << pages << " pages in " << secs << " s";
}
