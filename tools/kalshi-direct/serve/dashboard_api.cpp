#include "dashboard_api.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <stdexcept>

#include "kalshi/accounting.h"
#include "kalshi/dashboard_queries.h"
#include "kalshi/json_object.h"
#include "kalshi/ledger_store.h"
#include "kalshi/local_days.h"
#include "kalshi/period_figures.h"
#include "kalshi/snapshots.h"
#include "kalshi_direct/engine/run_history.h"
#include "kalshi_direct/timestamp.h"

namespace kalshi_direct {
namespace serve {

namespace {

using kalshi::jsonMoney;
using kalshi::JsonObject;
using kalshi::jsonText;

// A request the API refuses: the status and its one-line reason.
struct Refusal : std::runtime_error {
  Refusal(int status_code, const std::string& message)
      : std::runtime_error(message), status(status_code) {}
  int status;
};

ApiResponse json(std::string body, int status = 200) {
  ApiResponse response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

ApiResponse error(int status, const std::string& message) {
  return json(JsonObject().text("error", message).str(), status);
}

const std::set<std::string> kFilterNames = {"range",  "from",       "to", "category",
                                            "series", "subaccount", "q"};

// The request's parameters by name, each at most once and among `allowed` (plus the filters when
// `filters`).
class Params {
 public:
  Params(const QueryParams& params, bool filters, const std::set<std::string>& allowed) {
    for (const auto& [name, value] : params) {
      if (!(filters && kFilterNames.count(name)) && !allowed.count(name)) {
        std::string names;
        std::set<std::string> all = allowed;
        if (filters) all.insert(kFilterNames.begin(), kFilterNames.end());
        for (const auto& known : all) names += (names.empty() ? "" : ", ") + known;
        throw Refusal(400, "unknown parameter '" + clip(name) + "'" +
                               (names.empty() ? " (this URL takes none)"
                                              : " (this URL takes " + names + ")"));
      }
      if (!values_.emplace(name, value).second)
        throw Refusal(400, "parameter '" + name + "' is given more than once");
    }
  }
  std::optional<std::string> get(const std::string& name) const {
    auto found = values_.find(name);
    if (found == values_.end()) return std::nullopt;
    return found->second;
  }
  std::string get(const std::string& name, const std::string& fallback) const {
    return get(name).value_or(fallback);
  }
  // An integer in [low, high].
  std::optional<int64_t> integer(const std::string& name, int64_t low, int64_t high) const {
    const auto text = get(name);
    if (!text) return std::nullopt;
    int64_t value = 0;
    bool ok = !text->empty() && text->size() <= 12;
    for (char c : *text) ok = ok && c >= '0' && c <= '9';
    if (ok) value = std::stoll(*text);
    if (!ok || value < low || value > high)
      throw Refusal(400, name + ": '" + clip(*text) + "' is not a whole number from " +
                             std::to_string(low) + " to " + std::to_string(high));
    return value;
  }
  // One of `words`.
  std::string word(const std::string& name, const std::vector<std::string>& words,
                   const std::string& fallback) const {
    const auto text = get(name);
    if (!text) return fallback;
    std::string list;
    for (const auto& w : words) {
      if (*text == w) return w;
      list += (list.empty() ? "" : ", ") + w;
    }
    throw Refusal(400, name + ": '" + clip(*text) + "' is not one of " + list);
  }
  // Text shown back in an error: bounded, printable.
  static std::string clip(const std::string& text) {
    std::string out;
    for (char c : text.substr(0, 64)) out += (c >= 0x20 && c < 0x7f && c != '\'') ? c : '?';
    return text.size() > 64 ? out + "..." : out;
  }

 private:
  std::map<std::string, std::string> values_;
};

// The page's filters (docs/api.md, "Filters").
struct Filters {
  kalshi::LedgerFilter ledger;  // days resolved
  std::string zone, today;
  std::string ticker_contains;
};

std::optional<std::string> label(const Params& params, const std::string& name) {
  const auto text = params.get(name);
  if (!text) return std::nullopt;
  bool ok = !text->empty() && text->size() <= 64;
  for (char c : *text) ok = ok && static_cast<unsigned char>(c) >= 0x20 && c != 0x7f;
  if (!ok) throw Refusal(400, name + ": '" + Params::clip(*text) + "' is not a " + name);
  return text;
}

std::string ledgerZone(Store& store) {
  const auto zone = kalshi::ledgerTimeZone(store);
  if (!zone) throw Refusal(503, "no daily ledger in the database yet: run kalshi-direct run sync");
  return *zone;
}

Filters readFilters(const Params& params, Store& store, int64_t now_us) {
  Filters f;
  f.zone = ledgerZone(store);
  f.today = kalshi::LocalDays(f.zone).dayOf(now_us);
  const std::string range = params.get("range", "");
  const std::string from = params.get("from", ""), to = params.get("to", "");
  if (!range.empty() && !kalshi::isRangeWord(range))
    throw Refusal(400, "range: '" + Params::clip(range) + "' is not one of " +
                           std::string(kalshi::kRangeWords));
  if (!range.empty() && (!from.empty() || !to.empty()))
    throw Refusal(400, "range and from/to do not go together: use one");
  for (const auto& [name, day] : {std::pair<const char*, std::string>{"from", from}, {"to", to}}) {
    if (!day.empty() && !kalshi::LocalDays::isDay(day))
      throw Refusal(400,
                    std::string(name) + ": '" + Params::clip(day) + "' is not a date (YYYY-MM-DD)");
  }
  if (!from.empty() && !to.empty() && to < from)
    throw Refusal(400, "to " + to + " is before from " + from);
  const kalshi::DayRange days = kalshi::resolveDayRange(range, from, to, f.zone, now_us);
  f.ledger.from = days.from;
  f.ledger.to = days.to;
  f.ledger.category = label(params, "category");
  f.ledger.series_ticker = label(params, "series");
  f.ledger.subaccount = params.integer("subaccount", 0, 63);
  const std::string q = params.get("q", "");
  if (q.size() > 64) throw Refusal(400, "q: longer than 64 characters");
  f.ticker_contains = q;
  return f;
}

std::string nullableDay(const std::string& day) { return day.empty() ? "null" : jsonText(day); }

// {"timezone", "from", "to"} and the scope, the head of every period answer.
JsonObject periodHead(const Filters& f) {
  JsonObject out;
  out.text("timezone", f.zone)
      .raw("from", nullableDay(f.ledger.from))
      .raw("to", nullableDay(f.ledger.to))
      .text("scope", kalshi::scopeOf(f.ledger));
  return out;
}

bool contains(const std::string& text, const std::string& part) {
  if (part.empty()) return true;
  auto lower = [](std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  };
  return lower(text).find(lower(part)) != std::string::npos;
}

// ---- sync status ----

std::string runJson(const RunRecord& r) {
  return JsonObject()
      .integer("id", r.id)
      .text("pipeline", r.pipeline)
      .text("started_at", r.started_at)
      .text("finished_at", r.finished_at)
      .number("seconds", r.seconds)
      .text("result", r.result)
      .integer("exit_code", r.exit_code)
      .textOrNull("error", r.error)
      .text("source", r.fallback ? "fallback" : "live")
      .textOrNull("fallback_reason", r.fallback_reason)
      .integer("records_read", static_cast<int64_t>(r.records_read))
      .integer("commits", static_cast<int64_t>(r.commits))
      .integer("http_requests", static_cast<int64_t>(r.http_requests))
      .integer("http_429", static_cast<int64_t>(r.http_429))
      .integer("http_retries", static_cast<int64_t>(r.http_retries))
      .integer("dead_letters", static_cast<int64_t>(r.rejected))
      .str();
}

// The live feed (kalshi_ws): "live" while its last frame is recent (Kalshi pings every 10 s;
// kalshi_ws notes a frame at most every 5 s and replaces a connection silent for 30 s), else
// "down". None when no live run ever wrote one.
bool liveFeedUp(const kalshi::LiveFeed& feed, int64_t now_us) {
  constexpr int64_t kAliveForUs = 45LL * 1000 * 1000;
  Timestamp alive;
  return feed.connected && !feed.alive_at.empty() && Timestamp::parse(feed.alive_at, alive) &&
         now_us - alive.micros() <= kAliveForUs;
}

std::string liveJson(Store& store, int64_t now_us) {
  const auto feed = kalshi::liveFeed(store);
  if (!feed) return "null";
  return JsonObject()
      .text("status", liveFeedUp(*feed, now_us) ? "live" : "down")
      .textOrNull("last_message_at", feed->last_message_at)
      .textOrNull("alive_at", feed->alive_at)
      .str();
}

struct SyncState {
  std::optional<RunRecord> last, last_success;
  std::string snapshot_taken_at, snapshot_source;
  std::optional<int64_t> age_s;
  bool stale = true;
};

SyncState readSyncState(Store& store, int64_t now_us, int64_t stale_after_s) {
  SyncState s;
  s.last = latestRun(store);
  s.last_success = latestSuccessfulRun(store);
  if (const auto id = kalshi::latestSnapshotId(store)) {
    const kalshi::StoredSnapshot snapshot = kalshi::readSnapshot(store, *id);
    s.snapshot_taken_at = snapshot.taken_at;
    s.snapshot_source = snapshot.source;
  }
  if (!s.last_success && !s.snapshot_taken_at.empty()) {
    // A database written before runs were recorded: its newest snapshot is the last sync.
    Timestamp taken;
    if (Timestamp::parse(s.snapshot_taken_at, taken)) {
      RunRecord from_snapshot;
      from_snapshot.finished_at = s.snapshot_taken_at;
      from_snapshot.finished_at_us = taken.micros();
      s.last_success = from_snapshot;
    }
  }
  if (s.last_success) s.age_s = (now_us - s.last_success->finished_at_us) / 1000000;
  s.stale = !s.age_s || *s.age_s > stale_after_s;
  // A live run records itself when it ends; while its feed is up the data is current.
  if (const auto feed = kalshi::liveFeed(store); feed && liveFeedUp(*feed, now_us)) s.stale = false;
  return s;
}

std::string syncJson(Store& store, int64_t now_us, const ApiSettings& settings) {
  const SyncState s = readSyncState(store, now_us, settings.stale_after_s);
  const SyncSchedule schedule = settings.schedule ? settings.schedule() : SyncSchedule{};
  return JsonObject()
      .text("now", Timestamp::fromMicros(now_us).toIso8601())
      .text("version", kalshi::dataVersion(store))
      .raw("last_run", s.last ? runJson(*s.last) : "null")
      .raw("last_success_at", s.last_success ? jsonText(s.last_success->finished_at) : "null")
      .integerOrNull("age_seconds", s.age_s)
      .boolean("stale", s.stale)
      .integer("stale_after_seconds", settings.stale_after_s)
      .textOrNull("snapshot_taken_at", s.snapshot_taken_at)
      .textOrNull("source", s.last ? (s.last->fallback ? "fallback" : "live") : s.snapshot_source)
      .integerOrNull("sync_every_seconds", schedule.every_s)
      .raw("next_sync_at", schedule.next_us
                               ? jsonText(Timestamp::fromMicros(*schedule.next_us).toIso8601())
                               : "null")
      .boolean("running", schedule.running)
      .raw("live", liveJson(store, now_us))
      .str();
}

// ---- the answers ----

ApiResponse summary(const Params& params, Store& store, int64_t now_us,
                    const ApiSettings& settings) {
  const Filters f = readFilters(params, store, now_us);
  const kalshi::PerformanceStats stats = kalshi::periodHeadline(store, f.ledger);
  kalshi::LedgerFilter today = f.ledger;
  today.from = today.to = f.today;
  const Decimal today_realized = kalshi::readLedgerTotals(store, today).realized;

  kalshi::Money balance, portfolio, unrealized;
  std::string taken_at, source;
  std::optional<bool> complete;
  if (const auto id = kalshi::latestSnapshotId(store)) {
    const kalshi::StoredSnapshot snapshot = kalshi::readSnapshot(store, *id);
    taken_at = snapshot.taken_at;
    source = snapshot.source;
    complete = snapshot.history_complete;
    if (f.ledger.subaccount && !snapshot.subaccounts.empty()) {
      auto found = snapshot.subaccounts.find(*f.ledger.subaccount);
      if (found != snapshot.subaccounts.end()) {
        balance = found->second.balance;
        if (!f.ledger.category) unrealized = found->second.pnl.unrealized;
      }
    } else {
      balance = snapshot.balance;
      portfolio = snapshot.portfolio_value;
      unrealized = snapshot.totals.unrealized;
      if (f.ledger.category) {
        auto found = snapshot.categories.find(*f.ledger.category);
        unrealized = found == snapshot.categories.end() ? kalshi::Money(Decimal())
                                                        : found->second.unrealized;
      }
    }
  }
  kalshi::Money equity;
  if (balance && portfolio) equity = *balance + *portfolio;
  const std::string snapshot_json =
      taken_at.empty()
          ? "null"
          : JsonObject()
                .text("taken_at", taken_at)
                .text("source", source)
                .raw("history_complete", complete ? (*complete ? "true" : "false") : "null")
                .str();
  JsonObject out = periodHead(f);
  out.text("today", f.today)
      .money("balance_dollars", balance)
      .money("portfolio_value_dollars", portfolio)
      .money("equity_dollars", equity)
      .money("pnl_dollars", stats.pnl)
      .money("realized_pnl_dollars", stats.realized)
      .money("fees_dollars", stats.fees)
      .money("today_realized_pnl_dollars", today_realized)
      .money("unrealized_pnl_dollars", unrealized)
      .money("net_deposits_dollars", stats.net_deposits)
      .number("roi", stats.roi)
      .number("win_rate", stats.win_rate)
      .integer("closed_positions", stats.closes)
      .raw("max_drawdown", stats.max_drawdown
                               ? JsonObject()
                                     .number("fraction", stats.max_drawdown->fraction)
                                     .money("amount_dollars", stats.max_drawdown->amount)
                                     .text("peak_day", stats.max_drawdown->peak)
                                     .text("trough_day", stats.max_drawdown->trough)
                                     .str()
                               : "null")
      .raw("snapshot", snapshot_json);
  // "sync" is added by DashboardApi::answer: it holds the time, the rest is kept.
  return json(out.str());
}

ApiResponse pnl(const Params& params, Store& store, int64_t now_us, const std::string& by_default,
                bool by_parameter) {
  const Filters f = readFilters(params, store, now_us);
  std::vector<std::string> words;
  for (const char* w : {"day", "week", "month", "year", "category", "series", "subaccount"})
    words.push_back(w);
  const std::string by = by_parameter ? params.word("by", words, by_default) : by_default;
  kalshi::PnlGroups groups = kalshi::pnlGroups(store, f.ledger, by);
  if (!f.ticker_contains.empty() && by == "series") {
    // The series containing q, and their total.
    groups.total = kalshi::DailyAmounts();
    for (auto it = groups.groups.begin(); it != groups.groups.end();) {
      if (!contains(it->first, f.ticker_contains)) {
        it = groups.groups.erase(it);
      } else {
        groups.total += it->second;
        ++it;
      }
    }
  }
  std::string body = JsonObject()
                         .text("timezone", f.zone)
                         .raw("from", nullableDay(f.ledger.from))
                         .raw("to", nullableDay(f.ledger.to))
                         .text("by", by)
                         .str();
  body.pop_back();
  return json(body + "," + kalshi::pnlGroupsFields(groups) + "}");
}

ApiResponse equity(const Params& params, Store& store, int64_t now_us) {
  const Filters f = readFilters(params, store, now_us);
  kalshi::LedgerFilter scope = f.ledger;
  scope.category.reset();
  scope.series_ticker.reset();
  const std::vector<kalshi::EquityRow> rows = kalshi::equityWithBase(store, scope);
  const kalshi::PerformanceStats stats = kalshi::computeStats(rows, {}, {});
  std::map<std::string, const kalshi::CurvePoint*> curve;
  for (const auto& point : stats.curve) curve[point.day] = &point;
  std::string out = "[";
  for (size_t i = 1; i < rows.size(); ++i) {
    const kalshi::EquityRow& row = rows[i];
    if (!f.ledger.from.empty() && row.day < f.ledger.from) continue;
    kalshi::Money equity_value;
    if (row.cash)
      equity_value = *row.cash + (row.marked_value ? *row.marked_value : row.open_basis);
    auto point = curve.find(row.day);
    const kalshi::CurvePoint* p = point == curve.end() ? nullptr : point->second;
    out += out.size() > 1 ? "," : "";
    out += JsonObject()
               .text("day", row.day)
               .money("cash_dollars", row.cash)
               .money("equity_dollars", equity_value)
               .money("net_deposits_dollars", row.net_deposits)
               .money("transfers_dollars", row.transfers)
               .money("pnl_dollars",
                      equity_value ? kalshi::Money(*equity_value - row.net_deposits) : std::nullopt)
               .money("range_pnl_dollars", p ? kalshi::Money(p->range_pnl) : std::nullopt)
               .money("realized_pnl_dollars", row.realized)
               .money("fees_dollars", row.fees)
               .number("drawdown", p ? std::optional<double>(p->drawdown) : std::nullopt)
               .money("drawdown_dollars", p ? kalshi::Money(p->drawdown_pnl) : std::nullopt)
               .money("reported_balance_dollars", row.reported_balance)
               .integerOrNull("unexplained_cents",
                              row.unexplained ? std::optional<int64_t>(row.unexplained->toUnits(2))
                                              : std::nullopt)
               .str();
  }
  JsonObject head;
  head.text("timezone", f.zone)
      .raw("from", nullableDay(f.ledger.from))
      .raw("to", nullableDay(f.ledger.to))
      .text("scope", kalshi::scopeOf(scope))
      .raw("rows", out + "]");
  return json(head.str());
}

ApiResponse statsAnswer(const Params& params, Store& store, int64_t now_us) {
  const Filters f = readFilters(params, store, now_us);
  return json(
      periodHead(f).raw("stats", kalshi::statsJson(kalshi::periodStats(store, f.ledger))).str());
}

ApiResponse edge(const Params& params, Store& store, int64_t now_us) {
  const Filters f = readFilters(params, store, now_us);
  const std::string by = params.word("by", {"category", "series", "subaccount"}, "");
  return json(
      periodHead(f).raw("edge", kalshi::edgeJson(kalshi::periodEdge(store, f.ledger, by))).str());
}

ApiResponse positions(const Params& params, Store& store, int64_t now_us) {
  const Filters f = readFilters(params, store, now_us);
  kalshi::PositionFilter filter;
  filter.subaccount = f.ledger.subaccount;
  filter.category = f.ledger.category;
  filter.ticker_contains = f.ticker_contains;
  std::string as_of;
  if (const auto id = kalshi::latestSnapshotId(store))
    as_of = kalshi::readSnapshot(store, *id).taken_at;
  Decimal total_cost, total_value, total_unrealized;
  bool value_known = true, cost_known = true;
  std::string rows = "[";
  const auto list = kalshi::readOpenPositions(store, filter);
  for (const auto& p : list) {
    const Decimal quantity = p.position.sign() < 0 ? -p.position : p.position;
    kalshi::Money mark, value;
    if (p.yes_mark) {
      mark = kalshi::sideMark(p.position, *p.yes_mark);
      value = quantity * *mark;
      total_value += *value;
    } else {
      value_known = false;
    }
    if (p.cost)
      total_cost += *p.cost;
    else
      cost_known = false;
    total_unrealized += p.unrealized;
    std::optional<int64_t> age;
    Timestamp opened;
    if (!p.opened_at.empty() && Timestamp::parse(p.opened_at, opened))
      age = std::max<int64_t>(0, (now_us - opened.micros()) / 1000000);
    rows += rows.size() > 1 ? "," : "";
    rows += JsonObject()
                .text("ticker", p.ticker)
                .integer("subaccount", p.subaccount)
                .text("category", p.category)
                .text("side", p.position.sign() > 0 ? "YES" : "NO")
                .text("quantity", quantity.trimmed(0).toString())
                .money("mark_dollars", mark)
                .money("cost_dollars", p.cost)
                .money("value_dollars", value)
                .money("unrealized_pnl_dollars",
                       p.yes_mark ? kalshi::Money(p.unrealized) : std::nullopt)
                .textOrNull("opened_at", p.opened_at)
                .integerOrNull("age_seconds", age)
                .str();
  }
  const std::string total =
      JsonObject()
          .integer("positions", static_cast<int64_t>(list.size()))
          .money("cost_dollars", cost_known ? kalshi::Money(total_cost) : std::nullopt)
          .money("value_dollars", value_known ? kalshi::Money(total_value) : std::nullopt)
          .money("unrealized_pnl_dollars", total_unrealized)
          .str();
  return json(
      JsonObject().textOrNull("as_of", as_of).raw("rows", rows + "]").raw("total", total).str());
}

std::string csvField(const std::string& text) {
  // A cell a spreadsheet would run as a formula is prefixed with a quote.
  std::string value = text;
  if (!value.empty() && std::string("=+-@").find(value[0]) != std::string::npos) {
    bool number = value.size() > 1;
    for (size_t i = 1; i < value.size(); ++i)
      number = number && ((value[i] >= '0' && value[i] <= '9') || value[i] == '.');
    if (!number) value = "'" + value;
  }
  if (value.find_first_of(",\"\n\r") == std::string::npos) return value;
  std::string quoted = "\"";
  for (char c : value) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

ApiResponse history(const Params& params, Store& store, int64_t now_us,
                    kalshi::HistoryTable table) {
  const Filters f = readFilters(params, store, now_us);
  kalshi::HistoryQuery q;
  q.table = table;
  const bool orders = table == kalshi::HistoryTable::kOrders;
  if (f.ledger.series_ticker)
    throw Refusal(400, "series: not a filter of " + std::string(orders ? "orders" : "fills") +
                           " (use q for tickers)");
  const kalshi::LocalDays days(f.zone);
  if (!f.ledger.from.empty()) q.from_us = days.startOf(f.ledger.from);
  if (!f.ledger.to.empty()) q.to_us = days.startOf(kalshi::LocalDays::nextDay(f.ledger.to));
  q.subaccount = f.ledger.subaccount;
  q.category = f.ledger.category;
  q.ticker_contains = f.ticker_contains;
  if (orders) {
    const std::string status = params.word("status", {"resting", "canceled", "executed"}, "");
    if (!status.empty()) q.status = status;
  }
  const std::vector<std::string> keys = kalshi::historySortKeys(table);
  q.sort = params.word("sort", keys, keys.front());
  if (q.sort == keys.front()) q.sort = "time";
  q.ascending = params.word("order", {"asc", "desc"}, "desc") == "asc";
  q.limit = params.integer("limit", 1, 500).value_or(50);
  q.offset = params.integer("offset", 0, 1000000000).value_or(0);
  const bool csv = params.word("format", {"json", "csv"}, "json") == "csv";
  const kalshi::HistoryPage page = kalshi::readHistoryPage(store, q);
  if (csv) {
    ApiResponse response;
    response.content_type = "text/csv; charset=utf-8";
    for (size_t i = 0; i < page.columns.size(); ++i)
      response.body += (i ? "," : "") + page.columns[i];
    response.body += "\n";
    for (const auto& row : page.rows) {
      for (size_t i = 0; i < row.size(); ++i) {
        if (i) response.body += ",";
        if (row[i].type == kalshi::Cell::Type::kInteger)
          response.body += std::to_string(row[i].integer);
        else if (row[i].type == kalshi::Cell::Type::kText)
          response.body += csvField(row[i].text);
      }
      response.body += "\n";
    }
    response.headers.emplace_back(
        "Content-Disposition",
        std::string("attachment; filename=\"kalshi-") + (orders ? "orders" : "fills") + "-" +
            std::to_string(q.offset + 1) + "-" +
            std::to_string(q.offset + static_cast<int64_t>(page.rows.size())) + ".csv\"");
    return response;
  }
  std::string rows = "[";
  for (const auto& row : page.rows) {
    JsonObject object;
    for (size_t i = 0; i < row.size(); ++i) {
      const std::string& name = page.columns[i];
      if (row[i].type == kalshi::Cell::Type::kNull)
        object.null(name);
      else if (row[i].type == kalshi::Cell::Type::kInteger)
        object.integer(name, row[i].integer);
      else
        object.text(name, row[i].text);
    }
    rows += (rows.size() > 1 ? "," : "") + object.str();
  }
  return json(JsonObject()
                  .integer("total", page.total)
                  .integer("offset", q.offset)
                  .integer("limit", q.limit)
                  .raw("rows", rows + "]")
                  .str());
}

ApiResponse reconciliation(Store& store) {
  int64_t snapshot_id = 0;
  std::string taken_at;
  if (const auto id = kalshi::latestSnapshotId(store)) {
    snapshot_id = *id;
    taken_at = kalshi::readSnapshot(store, *id).taken_at;
  }
  std::string markets = "[";
  for (const auto& d : kalshi::readMarketDifferences(store, snapshot_id)) {
    markets += markets.size() > 1 ? "," : "";
    markets += JsonObject()
                   .text("ticker", d.ticker)
                   .integer("subaccount", d.subaccount)
                   .text("field", d.field)
                   .textOrNull("computed_dollars", d.computed)
                   .textOrNull("reported_dollars", d.reported)
                   .textOrNull("difference_dollars", d.difference)
                   .str();
  }
  int64_t unexplained = 0;
  std::string checks = "[";
  for (const auto& c : kalshi::readBalanceChecks(store, 100, unexplained)) {
    checks += checks.size() > 1 ? "," : "";
    checks += JsonObject()
                  .text("day", c.day)
                  .integer("subaccount", c.subaccount)
                  .textOrNull("checked_at", c.checked_at)
                  .money("reported_balance_dollars", c.reported_balance)
                  .money("cash_dollars", c.cash)
                  .integerOrNull("unexplained_cents", c.unexplained_cents)
                  .str();
  }
  return json(JsonObject()
                  .integerOrNull("snapshot_id",
                                 snapshot_id ? std::optional<int64_t>(snapshot_id) : std::nullopt)
                  .textOrNull("taken_at", taken_at)
                  .raw("markets", markets + "]")
                  .raw("balance_checks", checks + "]")
                  .integer("unexplained_cents", unexplained)
                  .str());
}

ApiResponse meta(Store& store, int64_t now_us) {
  const std::string zone = ledgerZone(store);
  const kalshi::LedgerExtent extent = kalshi::readLedgerExtent(store);
  std::string categories = "[", subaccounts = "[";
  for (const auto& c : extent.categories)
    categories += (categories.size() > 1 ? "," : "") + jsonText(c);
  for (int64_t s : extent.subaccounts)
    subaccounts += (subaccounts.size() > 1 ? "," : "") + std::to_string(s);
  return json(JsonObject()
                  .text("timezone", zone)
                  .text("today", kalshi::LocalDays(zone).dayOf(now_us))
                  .textOrNull("first_day", extent.first_day)
                  .textOrNull("last_day", extent.last_day)
                  .raw("categories", categories + "]")
                  .raw("subaccounts", subaccounts + "]")
                  .text("version", kalshi::dataVersion(store))
                  .str());
}

ApiResponse healthz(Store& store, int64_t now_us, const ApiSettings& settings) {
  const SyncState s = readSyncState(store, now_us, settings.stale_after_s);
  JsonObject out;
  if (s.stale) {
    out.text("status", "stale")
        .text("error", s.last_success ? "the last successful sync finished " +
                                            std::to_string(*s.age_s) + " s ago (stale after " +
                                            std::to_string(settings.stale_after_s) + " s)"
                                      : std::string("no successful sync is recorded yet"));
  } else {
    out.text("status", "ok");
  }
  out.raw("last_success_at", s.last_success ? jsonText(s.last_success->finished_at) : "null")
      .integerOrNull("age_seconds", s.age_s);
  return json(out.str(), s.stale ? 503 : 200);
}

// A Prometheus label value, escaped.
std::string labelValue(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

std::string promNumber(double value) {
  char text[40];
  std::snprintf(text, sizeof text, "%.17g", value);
  return text;
}

ApiResponse metrics(Store& store, int64_t now_us, const ApiSettings& settings) {
  std::string out;
  auto metric = [&](const char* name, const char* type, const char* help) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
  };
  const SyncState s = readSyncState(store, now_us, settings.stale_after_s);
  metric("kalshi_direct_last_sync_timestamp_seconds", "gauge",
         "When the last successful sync finished (Unix seconds).");
  out += "kalshi_direct_last_sync_timestamp_seconds " +
         (s.last_success ? promNumber(static_cast<double>(s.last_success->finished_at_us) / 1e6)
                         : std::string("NaN")) +
         "\n";
  metric("kalshi_direct_last_run_success", "gauge",
         "1 when the newest recorded run succeeded, 0 when it failed.");
  out += "kalshi_direct_last_run_success " +
         std::string(s.last ? (s.last->succeeded() ? "1" : "0") : "NaN") + "\n";
  metric("kalshi_direct_last_run_fallback", "gauge",
         "1 when the newest run served the last known state (the API was down).");
  out += "kalshi_direct_last_run_fallback " +
         std::string(s.last ? (s.last->fallback ? "1" : "0") : "NaN") + "\n";
  metric("kalshi_direct_sync_stale", "gauge", "1 when the last successful sync is stale.");
  out += std::string("kalshi_direct_sync_stale ") + (s.stale ? "1" : "0") + "\n";
  const RunTotals totals = runTotals(store);
  const std::pair<const char*, uint64_t> counters[] = {
      {"kalshi_direct_runs_total", totals.runs},
      {"kalshi_direct_runs_failed_total", totals.failed},
      {"kalshi_direct_records_read_total", totals.records_read},
      {"kalshi_direct_kalshi_http_requests_total", totals.http_requests},
      {"kalshi_direct_kalshi_http_429_total", totals.http_429},
      {"kalshi_direct_kalshi_http_retries_total", totals.http_retries},
      {"kalshi_direct_retries_total", totals.retries},
      {"kalshi_direct_dead_letters_total", totals.rejected}};
  for (const auto& [name, value] : counters) {
    metric(name, "counter", "Summed over every run recorded in kd_runs.");
    out += std::string(name) + " " + std::to_string(value) + "\n";
  }
  metric("kalshi_direct_table_rows", "gauge", "Rows per Kalshi table.");
  for (const auto& [table, rows] : kalshi::tableRowCounts(store))
    out += "kalshi_direct_table_rows{table=\"" + table + "\"} " + std::to_string(rows) + "\n";
  if (const auto id = kalshi::latestSnapshotId(store)) {
    const kalshi::StoredSnapshot snapshot = kalshi::readSnapshot(store, *id);
    metric("kalshi_direct_pnl_dollars", "gauge",
           "The latest snapshot's P&L by category (kind realized, net of fees, or unrealized).");
    auto gauge = [&](const std::string& category, const char* kind, const kalshi::Money& value) {
      if (!value) return;
      out += "kalshi_direct_pnl_dollars{category=\"" + labelValue(category) + "\",kind=\"" + kind +
             "\"} " + value->toString() + "\n";
    };
    for (const auto& [category, pnl] : snapshot.categories) {
      gauge(category, "realized", pnl.realized);
      gauge(category, "unrealized", pnl.unrealized);
    }
    metric("kalshi_direct_balance_dollars", "gauge", "The latest snapshot's cash balance.");
    if (snapshot.balance)
      out += "kalshi_direct_balance_dollars " + snapshot.balance->toString() + "\n";
  }
  if (settings.http_metrics) out += settings.http_metrics();
  ApiResponse response;
  response.content_type = "text/plain; version=0.0.4; charset=utf-8";
  response.body = std::move(out);
  return response;
}

}  // namespace

bool DashboardApi::handles(const std::string& path) {
  static const std::set<std::string> paths = {
      "/api/v1/summary",        "/api/v1/sync",      "/api/v1/pnl",    "/api/v1/daily",
      "/api/v1/categories",     "/api/v1/series",    "/api/v1/equity", "/api/v1/stats",
      "/api/v1/edge",           "/api/v1/positions", "/api/v1/orders", "/api/v1/fills",
      "/api/v1/reconciliation", "/api/v1/meta",      "/healthz",       "/metrics"};
  return paths.count(path) > 0;
}

std::optional<ApiResponse> AnswerCache::find(const std::string& version, const std::string& key) {
  std::lock_guard<std::mutex> lock(mutex_);
  clearFor(version);
  auto found = index_.find(key);
  if (found == index_.end()) return std::nullopt;
  entries_.splice(entries_.begin(), entries_, found->second);
  return found->second->second;
}

void AnswerCache::keep(const std::string& version, const std::string& key,
                       const ApiResponse& answer) {
  std::lock_guard<std::mutex> lock(mutex_);
  clearFor(version);
  if (answer.body.size() > max_bytes_ / 4) return;
  if (auto found = index_.find(key); found != index_.end()) {  // replaced
    bytes_ -= found->second->second.body.size();
    entries_.erase(found->second);
    index_.erase(found);
  }
  entries_.emplace_front(key, answer);
  index_[key] = entries_.begin();
  bytes_ += answer.body.size();
  while (entries_.size() > max_entries_ || bytes_ > max_bytes_) {
    bytes_ -= entries_.back().second.body.size();
    index_.erase(entries_.back().first);
    entries_.pop_back();
  }
}

size_t AnswerCache::size() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return entries_.size();
}

void AnswerCache::clearFor(const std::string& version) {
  if (version == version_) return;
  version_ = version;
  entries_.clear();
  index_.clear();
  bytes_ = 0;
}

namespace {

// The answers that are a function of the data and the day only (not of the clock: /sync,
// /healthz and /metrics tell ages, positions their age, the summary its sync part).
const std::set<std::string> kKeptPaths = {
    "/api/v1/pnl",    "/api/v1/daily", "/api/v1/categories", "/api/v1/series",
    "/api/v1/equity", "/api/v1/stats", "/api/v1/edge",       "/api/v1/reconciliation",
    "/api/v1/orders", "/api/v1/fills", "/api/v1/meta",       "/api/v1/summary"};

constexpr int64_t kQuarterHourUs = 15LL * 60 * 1000 * 1000;

}  // namespace

ApiResponse DashboardApi::answer(const std::string& path, const QueryParams& query, Store& store,
                                 int64_t now_us, bool recompute) const {
  if (!kKeptPaths.count(path)) return compute(path, query, store, now_us);
  QueryParams sorted = query;
  std::sort(sorted.begin(), sorted.end());
  std::string key = path + "@" + std::to_string(now_us / kQuarterHourUs);
  for (const auto& [name, value] : sorted)  // length-prefixed: no value can fake another
    key += "&" + name + "=" + std::to_string(value.size()) + ":" + value;
  const std::string version = kalshi::dataVersion(store);
  // The summary keeps its figures; its sync part is told fresh (it holds the time).
  const bool summary = path == "/api/v1/summary";
  auto withSync = [&](std::string body) {
    if (summary && body.size() > 1 && body.back() == '}') {
      body.pop_back();
      body += ",\"sync\":" + syncJson(store, now_us, settings_) + "}";
    }
    return body;
  };
  if (auto kept = recompute ? std::nullopt : cache_->find(version, key)) {
    kept->body = withSync(std::move(kept->body));
    return *kept;
  }
  ApiResponse response = compute(path, query, store, now_us);
  if (response.status == 200) {
    cache_->keep(version, key, response);  // a recomputed answer replaces the kept one
    response.body = withSync(std::move(response.body));
  }
  return response;
}

int DashboardApi::warm(Store& store, int64_t now_us) const {
  // The page's first load (app.js load(): its calls without filters; PagedTable's defaults).
  static const std::vector<std::pair<std::string, QueryParams>> kPageLoad = {
      {"/api/v1/meta", {}},
      {"/api/v1/summary", {}},
      {"/api/v1/equity", {}},
      {"/api/v1/daily", {}},
      {"/api/v1/categories", {}},
      {"/api/v1/series", {}},
      {"/api/v1/edge", {}},
      {"/api/v1/reconciliation", {}},
      {"/api/v1/orders",
       {{"limit", "50"}, {"offset", "0"}, {"sort", "created_at"}, {"order", "desc"}}},
      {"/api/v1/fills",
       {{"limit", "50"}, {"offset", "0"}, {"sort", "filled_at"}, {"order", "desc"}}},
  };
  int kept = 0;
  for (const auto& [path, params] : kPageLoad)
    if (answer(path, params, store, now_us).status == 200) ++kept;
  return kept;
}

ApiResponse DashboardApi::compute(const std::string& path, const QueryParams& query, Store& store,
                                  int64_t now_us) const {
  try {
    const std::set<std::string> none;
    const std::set<std::string> paging = {"limit", "offset", "sort", "order", "format"};
    if (path == "/healthz") return healthz(store, now_us, settings_);
    if (path == "/metrics") return metrics(store, now_us, settings_);
    if (path == "/api/v1/sync") {
      Params params(query, false, none);
      return json(syncJson(store, now_us, settings_));
    }
    if (path == "/api/v1/meta") {
      Params params(query, false, none);
      return meta(store, now_us);
    }
    if (path == "/api/v1/reconciliation") {
      Params params(query, false, none);
      return reconciliation(store);
    }
    if (path == "/api/v1/summary")
      return summary(Params(query, true, none), store, now_us, settings_);
    if (path == "/api/v1/pnl") return pnl(Params(query, true, {"by"}), store, now_us, "day", true);
    if (path == "/api/v1/daily") return pnl(Params(query, true, none), store, now_us, "day", false);
    if (path == "/api/v1/categories")
      return pnl(Params(query, true, none), store, now_us, "category", false);
    if (path == "/api/v1/series")
      return pnl(Params(query, true, none), store, now_us, "series", false);
    if (path == "/api/v1/equity") return equity(Params(query, true, none), store, now_us);
    if (path == "/api/v1/stats") return statsAnswer(Params(query, true, none), store, now_us);
    if (path == "/api/v1/edge") return edge(Params(query, true, {"by"}), store, now_us);
    if (path == "/api/v1/positions") return positions(Params(query, true, none), store, now_us);
    if (path == "/api/v1/orders") {
      std::set<std::string> allowed = paging;
      allowed.insert("status");
      return history(Params(query, true, allowed), store, now_us, kalshi::HistoryTable::kOrders);
    }
    if (path == "/api/v1/fills")
      return history(Params(query, true, paging), store, now_us, kalshi::HistoryTable::kFills);
    return error(404, "no such URL: " + Params::clip(path) + " (see docs/api.md)");
  } catch (const Refusal& refusal) {
    return error(refusal.status, refusal.what());
  }
}

}  // namespace serve
}  // namespace kalshi_direct
