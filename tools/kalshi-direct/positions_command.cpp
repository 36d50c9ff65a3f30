#include "positions_command.h"

#include <Poco/URI.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>

#include "kalshi/accounting.h"
#include "kalshi/api_client.h"
#include "kalshi/api_parser.h"
#include "kalshi/auth.h"
#include "kalshi/last_known_state.h"
#include "kalshi_direct/engine/log.h"
#include "kalshi_direct/engine/runner.h"
#include "kalshi_direct/engine/stores.h"
#include "kalshi_direct/json_writer.h"

namespace kalshi_direct {
namespace cli {

namespace {

const char* kUsage =
    "usage: kalshi-direct positions [--json] [--db PATH]\n"
    "\n"
    "Open positions per ticker, live from the Kalshi API: side, quantity, average price, mark,\n"
    "cost, unrealized and realized P&L, fees, and totals.\n"
    "\n"
    "  --json      one JSON object with exact decimal strings (for dashboards)\n"
    "  --db PATH   database to show the last known positions from when the API is unreachable\n"
    "              (default: $KALSHI_DB, else ./kalshi.db if it exists)\n"
    "\n"
    "environment: KALSHI_API_BASE_URL (default production), KALSHI_API_KEY_ID +\n"
    "KALSHI_PRIVATE_KEY_PATH (RSA-PSS) or KALSHI_API_KEY (bearer token)\n";

const char* kDefaultBaseUrl = "https://external-api.kalshi.com/trade-api/v2";
const std::string kCommand = "kalshi-direct positions: ";

struct Arguments {
  bool json = false;
  bool help = false;
  std::optional<std::string> db;
};

bool parseArguments(const std::vector<std::string>& args, Arguments& out, std::string& error) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--json") {
      out.json = true;
    } else if (arg == "--help" || arg == "-h") {
      out.help = true;
    } else if (arg == "--db") {
      if (i + 1 >= args.size() || args[i + 1].empty()) {
        error = "--db needs a PATH";
        return false;
      }
      out.db = args[++i];
    } else if (arg.rfind("--db=", 0) == 0 && arg.size() > 5) {
      out.db = arg.substr(5);
    } else if (!arg.empty() && arg[0] == '-') {
      error = "unknown option '" + arg + "' (usage: kalshi-direct positions [--json] [--db PATH])";
      return false;
    } else {
      error =
          "unexpected argument '" + arg + "' (usage: kalshi-direct positions [--json] [--db PATH])";
      return false;
    }
  }
  return true;
}

void printError(const std::string& message) { std::cerr << log::redact(message) << std::endl; }

// ---- the numbers ----

struct Position {
  std::string ticker;
  Decimal position;  // signed position_fp: negative = NO contracts
  std::optional<Decimal> exposure, realized, fees;
  std::optional<Decimal> last_price;  // the market's YES last price
};

struct Computed {
  std::string side;
  Decimal quantity;
  std::optional<Decimal> average_price_cents, mark, value, unrealized;
};

Computed compute(const Position& position) {
  Computed c;
  c.side = position.position.sign() > 0 ? "YES" : "NO";
  c.quantity = position.position.sign() < 0 ? -position.position : position.position;
  if (position.exposure && !c.quantity.isZero()) {
    c.average_price_cents = (*position.exposure * Decimal::fromInt(100))
                                .divide(c.quantity, 2, Rounding::kHalfAwayFromZero);
  }
  // The snapshot's formula (plugins/kalshi/accounting.h), with Kalshi's exposure as the basis.
  kalshi::MarketPrices prices;
  prices.last = position.last_price;
  if (const auto yes_mark = kalshi::markPrice(prices, kalshi::MarkMethod::kLast)) {
    c.mark = kalshi::sideMark(position.position, *yes_mark);
    c.value = c.quantity * *c.mark;
    if (position.exposure)
      c.unrealized = kalshi::unrealizedPnl(position.position, *yes_mark, *position.exposure);
  }
  return c;
}

std::string exactDollars(const Decimal& value) { return value.trimmed(4).toString(); }
std::string dollars(const Decimal& value) {
  return value.rescaled(2, Rounding::kHalfAwayFromZero).toString();
}
std::string cents(const Decimal& price_dollars) {
  return (price_dollars * Decimal::fromInt(100))
      .rescaled(2, Rounding::kHalfAwayFromZero)
      .toString();
}
std::string quantityText(const Decimal& quantity) {
  Decimal whole;
  return quantity.tryRescale(0, whole) ? whole.toString() : quantity.rescaled(2).toString();
}

// ---- reading ----

std::optional<Decimal> decimalField(const Record& record, const char* name) {
  if (const Decimal* value = record.get(name).ifDecimal()) return *value;
  return std::nullopt;
}

// Positions (non-zero) from kalshi_live-shaped records.
void collectPositions(const std::vector<Record>& records, std::vector<Position>& out) {
  for (const auto& record : records) {
    const std::string* ticker = record.get("ticker").ifString();
    const Decimal* position = record.get("position_fp").ifDecimal();
    if (!ticker || !position || position->isZero()) continue;
    Position p;
    p.ticker = *ticker;
    p.position = *position;
    p.exposure = decimalField(record, "market_exposure_dollars");
    p.realized = decimalField(record, "realized_pnl_dollars");
    p.fees = decimalField(record, "fees_paid_dollars");
    out.push_back(std::move(p));
  }
}

Status fetchLive(std::vector<Position>& positions, std::vector<std::string>& warnings) {
  kalshi::Credentials credentials;  // auto: from the KALSHI_* variables
  kalshi::ClientConfig client;
  const char* base_url = std::getenv("KALSHI_API_BASE_URL");
  client.base_url = base_url && *base_url ? base_url : kDefaultBaseUrl;
  // A person is waiting: give up on an unreachable API sooner than a sync would.
  client.connect_timeout_ms = 10000;
  client.read_timeout_ms = 20000;
  client.max_attempts = 4;
  client.max_retry_time_ms = 30000;
  kalshi::AuthenticatorPtr auth;
  std::string warning;
  if (Status status = kalshi::makeAuthenticator(credentials, auth, warning, log::registerSecret);
      !status.isOk())
    return status;
  if (!warning.empty()) warnings.push_back(warning);
  std::unique_ptr<kalshi::ApiClient> api;
  if (Status status = kalshi::ApiClient::create(client, std::move(auth), api); !status.isOk()) {
    return Status(status.code(), "KALSHI_API_BASE_URL: " + status.message());
  }
  kalshi::PageParser parser;
  std::string cursor, body, error;
  std::set<std::string> seen_cursors;
  do {
    kalshi::Query query{{"limit", "1000"}, {"count_filter", "position"}};
    if (!cursor.empty()) query.emplace_back("cursor", cursor);
    kalshi::ParsedPage page;  // parsed by the validator: each page once
    Status status = api->get("/portfolio/positions", query, body,
                             [&parser, &page](const std::string& b, std::string& why) {
                               return parser.parseList(b, "market_positions",
                                                       kalshi::marketPositionSchema(), page, why);
                             });
    if (!status.isOk()) return status;
    for (const auto& rejected : page.rejected) {
      warnings.push_back("skipped a position the API sent: " + rejected.reason);
    }
    collectPositions(page.records, positions);
    cursor = page.cursor;
    if (!cursor.empty() && !seen_cursors.insert(cursor).second) {
      return Status::failed(
          "GET /portfolio/positions: the API returned the same cursor twice "
          "(pagination would loop)");
    }
  } while (!cursor.empty());

  for (auto& position : positions) {
    std::string encoded;
    Poco::URI::encode(position.ticker, "/?#%&", encoded);
    Status status = api->get("/markets/" + encoded, {}, body,
                             [&parser](const std::string& b, std::string& why) {
                               return parser.looksComplete(b, nullptr, why);
                             });
    if (status.code() == StatusCode::kUnavailable ||
        status.code() == StatusCode::kUnauthenticated) {
      return status;
    }
    Record market;
    if (status.isOk() &&
        !parser.parseObject(body, "market", kalshi::marketSchema(), market, error)) {
      status = Status::failed(error);
    }
    if (!status.isOk()) {
      warnings.push_back("no mark price for " + position.ticker + ": " + status.message());
      continue;
    }
    position.last_price = decimalField(market, "last_price_dollars");
    if (!position.last_price)
      warnings.push_back("market " + position.ticker + " has no last price: no mark");
  }
  return Status::ok();
}

// The database to fall back on: --db, KALSHI_DB, or ./kalshi.db when it exists ("" = none).
std::string fallbackDatabase(const Arguments& arguments) {
  if (arguments.db) return *arguments.db;
  const char* env = std::getenv("KALSHI_DB");
  if (env && *env) return env;
  std::error_code ec;
  return std::filesystem::exists("kalshi.db", ec) ? "kalshi.db" : "";
}

Status readFallback(const std::string& db, std::vector<Position>& positions, std::string& as_of,
                    std::vector<std::string>& warnings) {
  StorePtr store;
  if (Status opened = openReadOnlyIfExists(db, store); !opened.isOk()) {
    return Status::failed("cannot read the last known state from " + db + ": " + opened.message());
  }
  kalshi::LastKnownState state;
  if (Status status = kalshi::readLastKnownState(store.get(), db, {"balance", "positions"}, state);
      !status.isOk()) {
    return status;
  }
  for (const auto& rejected : state.rejected) warnings.push_back("skipped " + rejected.reason);
  as_of = state.snapshot ? state.snapshot->taken_at : "an unknown time";
  collectPositions(state.positions, positions);
  // Marks from kalshi_markets when the sync kept market metadata (optional).
  kalshi::LastKnownState markets;
  std::map<std::string, Decimal> last_prices;
  if (kalshi::readLastKnownState(store.get(), db, {"markets"}, markets).isOk()) {
    for (const auto& market : markets.markets) {
      const std::string* ticker = market.get("ticker").ifString();
      const Decimal* price = market.get("last_price_dollars").ifDecimal();
      if (ticker && price) last_prices[*ticker] = *price;
    }
  }
  for (auto& position : positions) {
    auto it = last_prices.find(position.ticker);
    if (it != last_prices.end()) position.last_price = it->second;
  }
  return Status::ok();
}

// ---- output ----

struct Totals {
  Decimal exposure, value, unrealized, realized, fees;
  size_t unmarked = 0;
};

void printAligned(const std::vector<std::vector<std::string>>& rows, size_t separator_before) {
  std::vector<size_t> widths;
  for (const auto& row : rows) {
    widths.resize(std::max(widths.size(), row.size()), 0);
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  size_t total_width = 0;
  for (size_t w : widths) total_width += w + 2;
  for (size_t r = 0; r < rows.size(); ++r) {
    if (r == separator_before)
      std::cout << std::string(total_width > 2 ? total_width - 2 : 0, '-') << "\n";
    std::string line;
    for (size_t i = 0; i < rows[r].size(); ++i) {
      const std::string& cell = rows[r][i];
      const std::string pad(widths[i] - cell.size(), ' ');
      // First two columns (ticker, side) left-aligned, numbers right-aligned.
      line += i < 2 ? cell + pad : pad + cell;
      if (i + 1 < rows[r].size()) line += "  ";
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    std::cout << line << "\n";
  }
}

void printTable(const std::vector<Position>& positions, const Totals& totals) {
  if (positions.empty()) {
    std::cout << "no open positions\n";
    return;
  }
  std::vector<std::vector<std::string>> rows;
  rows.push_back(
      {"TICKER", "SIDE", "QTY", "AVG PRICE", "MARK", "COST", "UNREALIZED", "REALIZED", "FEES"});
  auto opt = [](const std::optional<Decimal>& value, std::string (*format)(const Decimal&)) {
    return value ? format(*value) : std::string("-");
  };
  for (const auto& position : positions) {
    const Computed c = compute(position);
    rows.push_back({position.ticker, c.side, quantityText(c.quantity),
                    c.average_price_cents ? c.average_price_cents->toString() : "-",
                    opt(c.mark, cents), opt(position.exposure, dollars), opt(c.unrealized, dollars),
                    opt(position.realized, dollars), opt(position.fees, dollars)});
  }
  rows.push_back({"TOTAL (" + std::to_string(positions.size()) +
                      (positions.size() == 1 ? " position)" : " positions)"),
                  "", "", "", "", dollars(totals.exposure), dollars(totals.unrealized),
                  dollars(totals.realized), dollars(totals.fees)});
  printAligned(rows, rows.size() - 1);
  std::cout
      << "prices in cents per contract, money in dollars; realized and fees are Kalshi's for the "
         "market (realized before fees)";
  if (totals.unmarked > 0) {
    std::cout << "; " << totals.unmarked << " position" << (totals.unmarked == 1 ? "" : "s")
              << " without a mark left out of unrealized";
  }
  std::cout << "\n";
}

void printJson(const std::vector<Position>& positions, const Totals& totals,
               const std::string& source, const std::string& as_of, const std::string& notice) {
  std::string out = "{\"source\":";
  appendJsonString(out, source);
  out += ",\"as_of\":";
  appendJsonString(out, as_of);
  if (!notice.empty()) {
    out += ",\"notice\":";
    appendJsonString(out, notice);
  }
  auto field = [&out](const char* name, const std::optional<Decimal>& value,
                      bool exact_dollars = true) {
    out += ",\"";
    out += name;
    out += "\":";
    if (!value) {
      out += "null";
    } else {
      appendJsonString(out, exact_dollars ? exactDollars(*value) : value->toString());
    }
  };
  out += ",\"positions\":[";
  bool first = true;
  for (const auto& position : positions) {
    const Computed c = compute(position);
    if (!first) out += ",";
    first = false;
    out += "{\"ticker\":";
    appendJsonString(out, position.ticker);
    out += ",\"side\":";
    appendJsonString(out, c.side);
    field("quantity", c.quantity.rescaled(std::max(2, c.quantity.scale())), false);
    field("position_fp", position.position.rescaled(std::max(2, position.position.scale())), false);
    field("average_price_cents", c.average_price_cents, false);
    field("mark_price_dollars", c.mark);
    field("market_exposure_dollars", position.exposure);
    field("market_value_dollars", c.value);
    field("unrealized_pnl_dollars", c.unrealized);
    field("realized_pnl_dollars", position.realized);
    field("fees_paid_dollars", position.fees);
    out += "}";
  }
  out += "],\"totals\":{\"positions\":" + std::to_string(positions.size());
  out += ",\"unmarked_positions\":" + std::to_string(totals.unmarked);
  field("market_exposure_dollars", totals.exposure);
  field("market_value_dollars", totals.value);
  field("unrealized_pnl_dollars", totals.unrealized);
  field("realized_pnl_dollars", totals.realized);
  field("fees_paid_dollars", totals.fees);
  out += "}}";
  std::cout << out << std::endl;
}

// Whole seconds: what the table shows as "as of".
std::string nowIso() {
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
      std::chrono::system_clock::now().time_since_epoch());
  return Timestamp::fromUnixSeconds(now.count()).toIso8601();
}

}  // namespace

int runPositionsCommand(const std::vector<std::string>& args) {
  Arguments arguments;
  std::string error;
  if (!parseArguments(args, arguments, error)) {
    printError(kCommand + error);
    return kExitConfig;
  }
  if (arguments.help) {
    std::cout << kUsage;
    return kExitOk;
  }
  try {
    std::vector<Position> positions;
    std::vector<std::string> warnings;
    std::string source = "live", as_of = nowIso(), notice;
    Status live = fetchLive(positions, warnings);
    if (!live.isOk()) {
      if (live.code() == StatusCode::kInvalidConfig) {
        printError(kCommand + live.message());
        return kExitConfig;
      }
      if (live.code() != StatusCode::kUnavailable) {  // wrong credentials, 4xx, TLS: no fallback
        printError(kCommand + live.message());
        return kExitFailed;
      }
      const std::string db = fallbackDatabase(arguments);
      if (db.empty()) {
        printError(kCommand + "API unreachable (" + live.message() +
                   ") and no local database to show instead (give --db or set KALSHI_DB)");
        return kExitFailed;
      }
      positions.clear();
      warnings.clear();
      if (Status status = readFallback(db, positions, as_of, warnings); !status.isOk()) {
        printError(kCommand + "API unreachable (" + live.message() + "), and " + status.message());
        return kExitFailed;
      }
      source = "fallback";
      notice = "API unreachable (" + live.message() + "): showing last known positions from " + db +
               " as of " + as_of;
      notice = log::redact(notice);
      printError(notice);
    }
    for (const auto& warning : warnings) printError("warning: " + warning);
    std::sort(positions.begin(), positions.end(),
              [](const Position& a, const Position& b) { return a.ticker < b.ticker; });
    Totals totals;
    for (const auto& position : positions) {
      const Computed c = compute(position);
      if (position.exposure) totals.exposure += *position.exposure;
      if (position.realized) totals.realized += *position.realized;
      if (position.fees) totals.fees += *position.fees;
      if (c.value) totals.value += *c.value;
      if (c.unrealized) {
        totals.unrealized += *c.unrealized;
      } else {
        ++totals.unmarked;
      }
    }
    if (arguments.json) {
      printJson(positions, totals, source, as_of, notice);
    } else {
      printTable(positions, totals);
    }
    return kExitOk;
  } catch (const std::exception& exception) {
    printError(kCommand + exception.what());
    return kExitFailed;
  }
}

}  // namespace cli
}  // namespace kalshi_direct
