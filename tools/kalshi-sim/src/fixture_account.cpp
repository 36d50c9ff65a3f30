#include "fixture_account.h"

#include <Poco/Dynamic/Var.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/ParseHandler.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>

#include <algorithm>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>

#include "ledger.h"
#include "truth.h"

namespace ksim {

namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

const std::vector<std::uint32_t> kEmptyList;

const std::set<std::string> kTopLevelKeys = {"balance",
                                             "markets",
                                             "events",
                                             "series",
                                             "orders",
                                             "fills",
                                             "settlements",
                                             "market_positions",
                                             "event_positions",
                                             "historical_cutoff",
                                             "deposits",
                                             "withdrawals",
                                             "subaccount_transfers",
                                             "subaccount_balances"};

std::string one_line(std::string s) {
  std::replace(s.begin(), s.end(), '\n', ' ');
  std::replace(s.begin(), s.end(), '\r', ' ');
  return s;
}

std::string to_json(const Poco::Dynamic::Var& v) {
  std::ostringstream os;
  Poco::JSON::Stringifier::condense(v, os);
  return os.str();
}

// Field access that reports precisely what is wrong, as "<path>: <where>: <problem>".
class Reader {
 public:
  explicit Reader(std::string path) : path_(std::move(path)) {}

  [[noreturn]] void fail(const std::string& where, const std::string& what) const {
    throw FixtureError(one_line(path_ + ": " + (where.empty() ? "" : where + ": ") + what));
  }

  // Absent, null and "" all mean "no value" (real responses use all three).
  bool has(const Object::Ptr& o, const char* key) const {
    if (!o->has(key)) return false;
    const Poco::Dynamic::Var& v = o->get(key);
    return !v.isEmpty() && !(v.isString() && v.extract<std::string>().empty());
  }

  int subaccount(const Object::Ptr& o, const std::string& where) const {
    if (!has(o, "subaccount_number")) return 0;
    const std::int64_t n = integer(o, "subaccount_number", where);
    if (n < 0 || n > 63) fail(where, "subaccount_number must be 0..63");
    return static_cast<int>(n);
  }

  // An optional RFC 3339 time; false when absent or the zero time "0001-01-01T00:00:00Z".
  bool opt_time(const Object::Ptr& o, const char* key, const std::string& where,
                std::int64_t& us) const {
    if (!has(o, key) || !o->get(key).isString()) return false;
    if (!parse_rfc3339(o->get(key).extract<std::string>(), us))
      fail(where, std::string("field \"") + key + "\" is not an RFC 3339 time");
    return us > -62135596800LL * 1000000 + 1;
  }

  std::string str(const Object::Ptr& o, const char* key, const std::string& where,
                  bool required = true) const {
    if (!has(o, key)) {
      if (required) fail(where, std::string("missing required field \"") + key + "\"");
      return "";
    }
    const Poco::Dynamic::Var& v = o->get(key);
    if (!v.isString()) fail(where, std::string("field \"") + key + "\" must be a string");
    return v.extract<std::string>();
  }

  std::int64_t integer(const Object::Ptr& o, const char* key, const std::string& where) const {
    if (!has(o, key)) fail(where, std::string("missing required field \"") + key + "\"");
    const Poco::Dynamic::Var& v = o->get(key);
    if (!v.isInteger()) fail(where, std::string("field \"") + key + "\" must be an integer");
    return v.convert<std::int64_t>();
  }

  std::int64_t time(const Object::Ptr& o, const char* key, const std::string& where) const {
    std::string s = str(o, key, where);
    std::int64_t us;
    if (!parse_rfc3339(s, us))
      fail(where, std::string("field \"") + key + "\" is not an RFC 3339 time: \"" + s + "\"");
    return us;
  }

  Micros dollars(const Object::Ptr& o, const char* key, const std::string& where,
                 bool required = true) const {
    if (!required && !has(o, key)) return 0;
    std::string s = str(o, key, where);
    Micros v;
    if (!parse_dollars(s, v))
      fail(where, std::string("field \"") + key + "\" is not a dollars string: \"" + s + "\"");
    return v;
  }

  Centis count(const Object::Ptr& o, const char* key, const std::string& where,
               bool required = true) const {
    if (!required && !has(o, key)) return 0;
    std::string s = str(o, key, where);
    Centis v;
    if (!parse_count(s, v))
      fail(where, std::string("field \"") + key + "\" is not a fixed-point count: \"" + s + "\"");
    return v;
  }

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Iterates a top-level array of objects, failing on anything else.
template <typename F>
void each_object(const Reader& rd, const Object::Ptr& root, const char* key, F&& fn) {
  if (!root->has(key)) return;
  Array::Ptr arr = root->getArray(key);
  if (arr.isNull())
    rd.fail("", std::string("top-level \"") + key + "\" must be an array of objects");
  for (std::size_t i = 0; i < arr->size(); ++i) {
    Object::Ptr o = arr->getObject(static_cast<unsigned>(i));
    std::string where = std::string(key) + "[" + std::to_string(i) + "]";
    if (o.isNull()) rd.fail(where, "must be an object");
    fn(o, i, where);
  }
}

}  // namespace

FixtureAccount::~FixtureAccount() = default;

FixtureAccount::FixtureAccount(const std::string& path, const std::string& mm_prefix) {
  Reader rd(path);
  std::ifstream in(path, std::ios::binary);
  if (!in) rd.fail("", "cannot open file");
  std::stringstream buf;
  buf << in.rdbuf();
  std::string text = buf.str();
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) rd.fail("", "file is empty");

  Poco::Dynamic::Var parsed;
  try {
    Poco::JSON::Parser parser(new Poco::JSON::ParseHandler(true));  // keep key order: served as-is
    parsed = parser.parse(text);
  } catch (const Poco::Exception& e) {
    rd.fail("", "invalid JSON: " + e.displayText());
  } catch (const std::exception& e) {
    rd.fail("", std::string("invalid JSON: ") + e.what());
  }
  if (parsed.type() != typeid(Object::Ptr)) rd.fail("", "top level must be a JSON object");
  Object::Ptr root = parsed.extract<Object::Ptr>();
  for (const auto& kv : *root) {
    if (!kTopLevelKeys.count(kv.first))
      rd.fail("",
              "unknown top-level key \"" + kv.first +
                  "\" (expected balance, markets, events, series, orders, fills, settlements, "
                  "market_positions, event_positions, historical_cutoff, deposits, withdrawals, "
                  "subaccount_transfers, subaccount_balances)");
  }

  // ---- historical cutoff ----
  trades_cutoff_us_ = orders_cutoff_us_ = std::numeric_limits<std::int64_t>::min();
  std::int64_t settled_cutoff_us = std::numeric_limits<std::int64_t>::min();
  std::int64_t positions_cutoff_us = std::numeric_limits<std::int64_t>::min();
  if (root->has("historical_cutoff")) {
    Object::Ptr c = root->getObject("historical_cutoff");
    if (c.isNull()) rd.fail("historical_cutoff", "must be an object");
    trades_cutoff_us_ = rd.time(c, "trades_created_ts", "historical_cutoff");
    orders_cutoff_us_ = rd.time(c, "orders_updated_ts", "historical_cutoff");
    settled_cutoff_us = rd.time(c, "market_settled_ts", "historical_cutoff");
    std::int64_t pc;
    positions_cutoff_us =
        rd.opt_time(c, "market_positions_last_updated_ts", "historical_cutoff", pc)
            ? pc
            : settled_cutoff_us;
    cutoff_json_ = to_json(c);
  } else {
    cutoff_json_ =
        "{\"market_settled_ts\":\"1970-01-01T00:00:00Z\",\"trades_created_ts\":\"1970-01-01T00:00:"
        "00Z\","
        "\"orders_updated_ts\":\"1970-01-01T00:00:00Z\",\"market_positions_last_updated_ts\":"
        "\"1970-01-01T00:00:00Z\"}";
  }

  // ---- balance ----
  bool has_balance = false;
  Micros balance_micros = 0, portfolio_micros = 0;
  if (root->has("balance")) {
    Object::Ptr b = root->getObject("balance");
    if (b.isNull()) rd.fail("balance", "must be an object");
    const std::int64_t cents = rd.integer(b, "balance", "balance");
    balance_micros = rd.has(b, "balance_dollars") ? rd.dollars(b, "balance_dollars", "balance")
                                                  : cents * kMicrosPerCent;
    portfolio_micros = rd.has(b, "portfolio_value")
                           ? rd.integer(b, "portfolio_value", "balance") * kMicrosPerCent
                           : 0;
    has_balance = true;
    if (rd.has(b, "updated_ts"))
      as_of_us_ = rd.integer(b, "updated_ts", "balance") * kMicrosPerSecond;
    balance_json_ = to_json(b);
  } else {
    balance_json_ =
        "{\"balance\":0,\"balance_dollars\":\"0.0000\",\"portfolio_value\":0,\"updated_ts\":0}";
  }

  // ---- series, events, markets ----
  each_object(rd, root, "series", [&](const Object::Ptr& o, std::size_t, const std::string& where) {
    std::string t = rd.str(o, "ticker", where);
    series_category_[t] = rd.str(o, "category", where, false);
    series_[t] = to_json(o);
  });
  each_object(rd, root, "events", [&](const Object::Ptr& o, std::size_t, const std::string& where) {
    std::string t = rd.str(o, "event_ticker", where);
    event_series_[t] = rd.str(o, "series_ticker", where, false);
    Object::Ptr copy = new Object(*o);
    copy->remove("markets");  // markets come from the top-level "markets" array
    events_[t] = to_json(copy);
  });
  each_object(rd, root, "markets",
              [&](const Object::Ptr& o, std::size_t, const std::string& where) {
                std::string t = rd.str(o, "ticker", where);
                MarketInfo mi;
                mi.event_ticker = rd.str(o, "event_ticker", where, false);
                if (rd.has(o, "last_price_dollars")) {
                  mi.has_last_price = true;
                  mi.last_price = rd.dollars(o, "last_price_dollars", where);
                }
                std::int64_t settled_us;
                mi.historical = rd.str(o, "status", where, false) == "finalized" &&
                                rd.opt_time(o, "settlement_ts", where, settled_us) &&
                                settled_us < settled_cutoff_us;
                mi.json = to_json(o);
                markets_[t] = std::move(mi);
              });
  auto event_of = [&](const std::string& ticker) -> std::string {
    auto it = markets_.find(ticker);
    return it == markets_.end() ? std::string() : it->second.event_ticker;
  };

  // ---- orders ----
  std::map<std::string, std::string> client_ids;
  std::map<std::string, std::int64_t> orders_per_ticker;
  each_object(
      rd, root, "orders", [&](const Object::Ptr& o, std::size_t i, const std::string& where) {
        Record r;
        r.source_index = i;
        r.order_id = rd.str(o, "order_id", where);
        r.ticker = rd.str(o, "ticker", where);
        r.status = rd.str(o, "status", where);
        if (r.status != "resting" && r.status != "canceled" && r.status != "executed")
          rd.fail(where, "status must be resting, canceled or executed, not \"" + r.status + "\"");
        if (!rd.has(o, "created_time") && !rd.has(o, "last_update_time"))
          rd.fail(where, "needs created_time (or last_update_time) to be ordered");
        r.time_us = rd.has(o, "created_time") ? rd.time(o, "created_time", where)
                                              : rd.time(o, "last_update_time", where);
        r.update_us =
            rd.has(o, "last_update_time") ? rd.time(o, "last_update_time", where) : r.time_us;
        r.event_ticker = event_of(r.ticker);
        r.sub = rd.subaccount(o, where);
        client_ids[r.order_id] = rd.str(o, "client_order_id", where, false);
        ++orders_per_ticker[r.ticker];
        r.json = to_json(o);
        orders_.push_back(std::move(r));
      });

  // ---- fills ----
  std::vector<TruthFill> truth_fills;
  each_object(rd, root, "fills",
              [&](const Object::Ptr& o, std::size_t i, const std::string& where) {
                Record r;
                r.source_index = i;
                r.ticker = rd.str(o, "ticker", where);
                r.order_id = rd.str(o, "order_id", where, false);
                if (rd.has(o, "created_time")) {
                  r.time_us = rd.time(o, "created_time", where);
                } else if (rd.has(o, "ts")) {
                  r.time_us = rd.integer(o, "ts", where) * kMicrosPerSecond;
                } else {
                  rd.fail(where, "needs created_time or ts");
                }
                r.sub = rd.subaccount(o, where);
                TruthFill tf{};
                tf.sub = r.sub;
                tf.time_us = r.time_us;
                tf.source_index = i;
                tf.ticker = r.ticker;
                tf.order_id = r.order_id;
                tf.count = rd.count(o, "count_fp", where);
                if (tf.count <= 0) rd.fail(where, "count_fp must be positive");
                if (rd.has(o, "yes_price_dollars")) {
                  tf.yes_price = rd.dollars(o, "yes_price_dollars", where);
                } else if (rd.has(o, "no_price_dollars")) {
                  tf.yes_price = kMicrosPerDollar - rd.dollars(o, "no_price_dollars", where);
                } else {
                  rd.fail(where, "missing required field \"yes_price_dollars\"");
                }
                if (tf.yes_price < 0 || tf.yes_price > kMicrosPerDollar)
                  rd.fail(where, "yes_price_dollars must be within 0..1");
                if (rd.has(o, "outcome_side")) {
                  std::string s = rd.str(o, "outcome_side", where);
                  if (s != "yes" && s != "no") rd.fail(where, "outcome_side must be yes or no");
                  tf.outcome_yes = s == "yes";
                } else if (rd.has(o, "side") && rd.has(o, "action")) {
                  std::string side = rd.str(o, "side", where), action = rd.str(o, "action", where);
                  if ((side != "yes" && side != "no") || (action != "buy" && action != "sell"))
                    rd.fail(where, "side must be yes/no and action buy/sell");
                  tf.outcome_yes = (side == "no") == (action == "sell");
                } else if (rd.has(o, "book_side")) {
                  std::string b = rd.str(o, "book_side", where);
                  if (b != "bid" && b != "ask") rd.fail(where, "book_side must be bid or ask");
                  tf.outcome_yes = b == "bid";
                } else {
                  rd.fail(where, "missing required field \"outcome_side\"");
                }
                tf.fee = rd.dollars(o, "fee_cost", where, false);
                tf.taker = rd.has(o, "is_taker") && o->get("is_taker").isBoolean() &&
                           o->get("is_taker").extract<bool>();
                truth_fills.push_back(tf);
                r.json = to_json(o);
                fills_.push_back(std::move(r));
              });

  // ---- settlements ----
  std::vector<TruthSettlement> truth_settlements;
  each_object(rd, root, "settlements",
              [&](const Object::Ptr& o, std::size_t i, const std::string& where) {
                Record r;
                r.source_index = i;
                r.ticker = rd.str(o, "ticker", where);
                r.event_ticker = rd.str(o, "event_ticker", where, false);
                if (r.event_ticker.empty()) r.event_ticker = event_of(r.ticker);
                r.time_us = rd.time(o, "settled_time", where);
                r.sub = rd.subaccount(o, where);
                TruthSettlement ts{};
                ts.sub = r.sub;
                ts.time_us = r.time_us;
                ts.source_index = i;
                ts.ticker = r.ticker;
                ts.result = rd.str(o, "market_result", where, false);
                ts.revenue = rd.integer(o, "revenue", where) * kMicrosPerCent;
                ts.fee = rd.dollars(o, "fee_cost", where, false);
                ts.has_value = rd.has(o, "value");  // null: a binary result
                if (ts.has_value) ts.value = rd.integer(o, "value", where);
                truth_settlements.push_back(ts);
                r.json = to_json(o);
                settlements_.push_back(std::move(r));
              });

  // ---- positions ----
  each_object(rd, root, "market_positions",
              [&](const Object::Ptr& o, std::size_t, const std::string& where) {
                Position p;
                p.ticker = rd.str(o, "ticker", where);
                p.event_ticker = event_of(p.ticker);
                p.position = rd.count(o, "position_fp", where, false);
                p.traded = rd.dollars(o, "total_traded_dollars", where, false);
                p.sub = rd.subaccount(o, where);
                // Settled when the fixture has its settlement; archived (only
                // /historical/positions) when also last updated before the cutoff's
                // market_positions_last_updated_ts.
                for (const Record& st : settlements_)
                  p.settled = p.settled || (st.ticker == p.ticker && st.sub == p.sub);
                std::int64_t updated_us;
                p.archived = p.settled && rd.opt_time(o, "last_updated_ts", where, updated_us) &&
                             updated_us < positions_cutoff_us;
                p.json = to_json(o);
                positions_.push_back(std::move(p));
              });
  std::stable_sort(positions_.begin(), positions_.end(), [](const Position& a, const Position& b) {
    return a.ticker != b.ticker ? a.ticker < b.ticker : a.sub < b.sub;
  });
  for (std::size_t i = 1; i < positions_.size(); ++i)
    if (positions_[i].ticker == positions_[i - 1].ticker &&
        positions_[i].sub == positions_[i - 1].sub)
      rd.fail("market_positions", "duplicate ticker \"" + positions_[i].ticker + "\"");
  each_object(rd, root, "event_positions",
              [&](const Object::Ptr& o, std::size_t, const std::string& where) {
                EventPos e;
                e.event_ticker = rd.str(o, "event_ticker", where);
                e.sub = rd.subaccount(o, where);
                e.json = to_json(o);
                event_positions_.push_back(std::move(e));
              });
  std::stable_sort(
      event_positions_.begin(), event_positions_.end(),
      [](const EventPos& a, const EventPos& b) { return a.event_ticker < b.event_ticker; });

  // ---- money movements, served as they are (ascending by created_ts; newest first on the wire)
  // ----
  const char* kTransferKeys[] = {"deposits", "withdrawals", "subaccount_transfers"};
  for (int k = 0; k < 3; ++k) {
    each_object(rd, root, kTransferKeys[k],
                [&](const Object::Ptr& o, std::size_t, const std::string& where) {
                  const std::int64_t created =
                      rd.has(o, "created_ts") ? rd.integer(o, "created_ts", where) : 0;
                  transfers_[k].emplace_back(created, to_json(o));
                });
    std::stable_sort(transfers_[k].begin(), transfers_[k].end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
  }
  each_object(rd, root, "subaccount_balances",
              [&](const Object::Ptr& o, std::size_t, const std::string& where) {
                sub_balances_.emplace_back(
                    static_cast<int>(rd.integer(o, "subaccount_number", where)), to_json(o));
              });

  // Sort every list by time (stable, so equal times keep fixture order) and split by cutoff.
  auto by_time = [](const Record& a, const Record& b) { return a.time_us < b.time_us; };
  std::stable_sort(fills_.begin(), fills_.end(), by_time);
  std::stable_sort(orders_.begin(), orders_.end(), by_time);
  std::stable_sort(settlements_.begin(), settlements_.end(), by_time);
  for (std::uint32_t i = 0; i < fills_.size(); ++i)
    (fills_[i].time_us < trades_cutoff_us_ ? fills_hist_ : fills_live_).add(i, fills_[i].ticker);
  for (std::uint32_t i = 0; i < orders_.size(); ++i) {
    const Record& r = orders_[i];
    const bool hist = r.status != "resting" && r.update_us < orders_cutoff_us_;
    (hist ? orders_hist_ : orders_live_).add(i, r.ticker);
  }
  for (std::uint32_t i = 0; i < settlements_.size(); ++i)
    settlements_all_.add(i, settlements_[i].ticker);
  if (as_of_us_ == 0) {
    for (const auto* l : {&fills_, &orders_, &settlements_})
      if (!l->empty()) as_of_us_ = std::max(as_of_us_, l->back().time_us);
  }

  build_truth(path, mm_prefix, std::move(truth_fills), std::move(truth_settlements), client_ids,
              orders_per_ticker, balance_micros, portfolio_micros, has_balance);
}

void FixtureAccount::build_truth(const std::string& path, const std::string& mm_prefix,
                                 std::vector<TruthFill> fills,
                                 std::vector<TruthSettlement> settlements,
                                 const std::map<std::string, std::string>& client_ids,
                                 const std::map<std::string, std::int64_t>& orders_per_ticker,
                                 std::int64_t balance_micros, std::int64_t portfolio_micros,
                                 bool has_balance) {
  // Replay fills and settlements in time order (a fill before a settlement at the same instant,
  // fixture order otherwise) through the same ledger rules the generator uses.
  std::stable_sort(fills.begin(), fills.end(),
                   [](const TruthFill& a, const TruthFill& b) { return a.time_us < b.time_us; });
  std::stable_sort(
      settlements.begin(), settlements.end(),
      [](const TruthSettlement& a, const TruthSettlement& b) { return a.time_us < b.time_us; });
  struct Acc {
    MarketLedger ledger;
    std::int64_t fills = 0, maker = 0, mm = 0;
    std::string result;
    bool has_value = false;
    std::int64_t value = 0;
  };
  std::map<std::string, Acc> acc;
  std::size_t fi = 0, si = 0;
  while (fi < fills.size() || si < settlements.size()) {
    const bool take_fill = si >= settlements.size() ||
                           (fi < fills.size() && fills[fi].time_us <= settlements[si].time_us);
    if (take_fill) {
      const TruthFill& f = fills[fi++];
      Acc& a = acc[f.ticker];
      a.ledger.apply_fill(f.outcome_yes, f.count, f.yes_price, f.fee);
      ++a.fills;
      if (!f.taker) ++a.maker;
      auto cid = client_ids.find(f.order_id);
      if (!mm_prefix.empty() && cid != client_ids.end() && cid->second.rfind(mm_prefix, 0) == 0)
        ++a.mm;
    } else {
      const TruthSettlement& s = settlements[si++];
      Acc& a = acc[s.ticker];
      a.ledger.settle_with_revenue(s.revenue, s.fee);
      a.result = s.result;
      a.has_value = s.has_value;
      a.value = s.value;
    }
  }

  TruthHeader h;
  h.source = "fixture";
  h.source_detail = path;
  h.mm_prefix = mm_prefix;
  auto cut = [](std::int64_t us) {
    return us == std::numeric_limits<std::int64_t>::min() ? std::string("1970-01-01T00:00:00Z")
                                                          : format_rfc3339(us, false);
  };
  h.cutoff_trades = cut(trades_cutoff_us_);
  h.cutoff_orders = cut(orders_cutoff_us_);
  h.cutoff_settled = h.cutoff_trades;
  h.has_balance = has_balance;
  h.balance = balance_micros;
  h.portfolio_value = portfolio_micros;

  TruthCounts c;
  c.orders = static_cast<std::int64_t>(orders_.size());
  c.fills = static_cast<std::int64_t>(fills_.size());
  c.settlements = static_cast<std::int64_t>(settlements_.size());
  c.market_positions = static_cast<std::int64_t>(positions_.size());
  c.event_positions = static_cast<std::int64_t>(event_positions_.size());
  c.live_fills = static_cast<std::int64_t>(fills_live_.all.size());
  c.historical_fills = static_cast<std::int64_t>(fills_hist_.all.size());
  c.live_orders = static_cast<std::int64_t>(orders_live_.all.size());
  c.historical_orders = static_cast<std::int64_t>(orders_hist_.all.size());
  for (const Record& r : orders_) c.resting_orders += r.status == "resting";

  std::vector<TruthMarket> rows;
  for (auto& [ticker, a] : acc) {
    TruthMarket t;
    t.ticker = ticker;
    auto mi = markets_.find(ticker);
    if (mi != markets_.end()) {
      t.event_ticker = mi->second.event_ticker;
      t.has_mark = mi->second.has_last_price;
      t.mark_price = mi->second.last_price;
    }
    auto es = event_series_.find(t.event_ticker);
    if (es != event_series_.end()) t.series_ticker = es->second;
    auto sc = series_category_.find(t.series_ticker);
    if (sc != series_category_.end()) t.category = sc->second;
    t.cash_paid = a.ledger.cash_paid();
    t.cash_received = a.ledger.cash_received();
    t.fees = a.ledger.fees();
    t.settlement_revenue = a.ledger.settlement_revenue();
    t.realized_pnl = a.ledger.realized_pnl();
    t.total_traded = a.ledger.total_traded();
    t.position = a.ledger.position();
    t.exposure = a.ledger.exposure();
    t.settled = a.ledger.settled();
    t.result = a.result;
    t.has_value = a.has_value;
    t.value_cents = a.value;
    t.fills = a.fills;
    t.maker_fills = a.maker;
    t.mm_fills = a.mm;
    auto op = orders_per_ticker.find(ticker);
    t.orders = op == orders_per_ticker.end() ? 0 : op->second;
    rows.push_back(std::move(t));
  }
  truth_json_ = render_truth(h, c, std::move(rows));
}

const FixtureAccount::List& FixtureAccount::list(ListKind k) const {
  switch (k) {
    case ListKind::Fills:
      return fills_live_;
    case ListKind::HistFills:
      return fills_hist_;
    case ListKind::Orders:
      return orders_live_;
    case ListKind::HistOrders:
      return orders_hist_;
    case ListKind::Settlements:
      return settlements_all_;
  }
  return settlements_all_;
}

const std::vector<std::uint32_t>* FixtureAccount::candidates(ListKind k, const ListQuery& q) const {
  const List& l = list(k);
  if (!q.ticker.empty()) {
    auto it = l.by_ticker.find(q.ticker);
    return it == l.by_ticker.end() ? nullptr : &it->second;
  }
  return &l.all;
}

std::int64_t FixtureAccount::sort_time_us(ListKind k, std::uint32_t idx) const {
  switch (k) {
    case ListKind::Fills:
    case ListKind::HistFills:
      return fills_[idx].time_us;
    case ListKind::Orders:
    case ListKind::HistOrders:
      return orders_[idx].time_us;
    case ListKind::Settlements:
      return settlements_[idx].time_us;
  }
  return 0;
}

bool FixtureAccount::matches(ListKind k, std::uint32_t idx, const ListQuery& q) const {
  const Record* r = nullptr;
  switch (k) {
    case ListKind::Fills:
    case ListKind::HistFills:
      r = &fills_[idx];
      break;
    case ListKind::Orders:
    case ListKind::HistOrders:
      r = &orders_[idx];
      break;
    case ListKind::Settlements:
      r = &settlements_[idx];
      break;
  }
  if (q.subaccount >= 0 && r->sub != q.subaccount) return false;
  if ((k == ListKind::Fills || k == ListKind::HistFills) && !q.order_id.empty() &&
      r->order_id != q.order_id)
    return false;
  if ((k == ListKind::Orders || k == ListKind::HistOrders) && !q.status.empty() &&
      r->status != q.status)
    return false;
  if (!q.event_tickers.empty() && std::find(q.event_tickers.begin(), q.event_tickers.end(),
                                            r->event_ticker) == q.event_tickers.end())
    return false;
  return true;
}

void FixtureAccount::render(ListKind k, std::uint32_t idx, std::string& out) const {
  switch (k) {
    case ListKind::Fills:
    case ListKind::HistFills:
      out.append(fills_[idx].json);
      break;
    case ListKind::Orders:
    case ListKind::HistOrders:
      out.append(orders_[idx].json);
      break;
    case ListKind::Settlements:
      out.append(settlements_[idx].json);
      break;
  }
}

std::size_t FixtureAccount::list_size(ListKind k) const { return list(k).all.size(); }

bool FixtureAccount::position_matches(std::size_t i, const PositionsQuery& q) const {
  const Position& p = positions_[i];
  if (p.sub != q.subaccount) return false;
  if (!q.ticker.empty() && q.ticker != p.ticker) return false;
  if (!q.event_ticker.empty() && q.event_ticker != p.event_ticker) return false;
  switch (q.set) {
    case PositionSet::Unsettled:
      if (p.settled) return false;
      break;
    case PositionSet::Settled:
      if (!p.settled || p.archived) return false;
      break;
    case PositionSet::All:
      if (p.archived) return false;
      break;
    case PositionSet::Historical:
      if (!p.archived) return false;
      break;
  }
  if (q.need_position || q.need_traded)
    return (q.need_position && p.position != 0) || (q.need_traded && p.traded != 0);
  return true;
}

// Fixture event positions are served as written: with the live positions of subaccount N,
// never with /historical/positions.
void FixtureAccount::render_event_positions(const PositionsQuery& q, JsonWriter& w) const {
  if (q.set == PositionSet::Historical) return;
  std::string ticker_event;
  if (!q.ticker.empty()) {
    auto it = markets_.find(q.ticker);
    ticker_event = it == markets_.end() ? std::string("\x01") : it->second.event_ticker;
  }
  for (const EventPos& e : event_positions_) {
    if (e.sub != q.subaccount) continue;
    if (!q.event_ticker.empty() && q.event_ticker != e.event_ticker) continue;
    if (!q.ticker.empty() && ticker_event != e.event_ticker) continue;
    w.raw(e.json);
  }
}

void FixtureAccount::render_balance(int subaccount, std::string& out) const {
  if (subaccount == 0) {
    out.append(balance_json_);
    return;
  }
  // Another subaccount: its row of subaccount_balances, if any.
  Micros bal = 0;
  std::int64_t updated = 0;
  for (const auto& [n, json] : sub_balances_) {
    if (n != subaccount) continue;
    Object::Ptr o = Poco::JSON::Parser().parse(json).extract<Object::Ptr>();
    if (o->has("balance") && o->get("balance").isString())
      parse_dollars(o->getValue<std::string>("balance"), bal);
    if (o->has("updated_ts") && o->get("updated_ts").isInteger())
      updated = o->getValue<std::int64_t>("updated_ts");
  }
  JsonWriter w(out);
  w.begin_object();
  w.kv_i64("balance", round_to_cents(bal));
  w.kv_dollars("balance_dollars", bal);
  w.kv_i64("portfolio_value", 0);
  w.kv_i64("updated_ts", updated);
  w.end_object();
}

void FixtureAccount::render_subaccount_balances(JsonWriter& w) const {
  for (const auto& [n, json] : sub_balances_) w.raw(json);
}

std::vector<std::string> FixtureAccount::market_tickers(MarketSet set) const {
  std::vector<std::string> out;
  for (const auto& [ticker, info] : markets_)
    if (info.historical == (set == MarketSet::Historical)) out.push_back(ticker);
  return out;  // std::map: already ascending
}

bool FixtureAccount::render_market_object(const std::string& ticker, MarketSet set,
                                          std::string& event_ticker, std::string& out) const {
  auto it = markets_.find(ticker);
  if (it == markets_.end() || it->second.historical != (set == MarketSet::Historical)) return false;
  event_ticker = it->second.event_ticker;
  out.append(it->second.json);
  return true;
}

std::vector<std::string> FixtureAccount::event_tickers() const {
  std::vector<std::string> out;
  for (const auto& [t, json] : events_) out.push_back(t);
  return out;
}

void FixtureAccount::render_event_markets(const std::string& event_ticker, std::string& out) const {
  out.push_back('[');
  bool first = true;
  for (const auto& [ticker, mi] : markets_) {
    if (mi.event_ticker != event_ticker || mi.historical) continue;
    if (!first) out.push_back(',');
    first = false;
    out.append(mi.json);
  }
  out.push_back(']');
}

bool FixtureAccount::render_event_object(const std::string& event_ticker, bool nested,
                                         std::string& out) const {
  auto it = events_.find(event_ticker);
  if (it == events_.end()) return false;
  const std::string& ev = it->second;
  if (!nested) {
    out.append(ev);
    return true;
  }
  // Insert "markets" as the event's last key.
  out.append(ev, 0, ev.size() - 1);
  if (ev != "{}") out.push_back(',');
  out.append("\"markets\":");
  render_event_markets(event_ticker, out);
  out.push_back('}');
  return true;
}

bool FixtureAccount::render_series(const std::string& series_ticker, std::string& out) const {
  auto it = series_.find(series_ticker);
  if (it == series_.end()) return false;
  out.append("{\"series\":").append(it->second).append("}");
  return true;
}

}  // namespace ksim
