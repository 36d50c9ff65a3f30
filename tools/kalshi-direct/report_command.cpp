#include "report_command.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <optional>

#include "kalshi/snapshots.h"
#include "kalshi_direct/engine/log.h"
#include "kalshi_direct/engine/runner.h"
#include "kalshi_direct/engine/stores.h"
#include "kalshi_direct/json_writer.h"
#include "period_report.h"
#include "text_table.h"

namespace kalshi_direct {
namespace cli {

namespace {

const char* kUsage =
    "usage: kalshi-direct report [--db PATH] [--since TIME] [--range R | --from DAY --to DAY]\n"
    "                            [--by GROUP] [--category C] [--series S] [--subaccount N]\n"
    "                            [--stats] [--edge] [--tax-year Y] [--format table|json|csv]\n"
    "\n"
    "From the database alone (no API calls). Without --range/--from/--to/--by: the latest\n"
    "snapshot's balance and P&L by category. With them: realized P&L, fees, contracts, closes\n"
    "and win rate over a date range from the daily ledger (docs/analytics.md).\n"
    "\n"
    "  --db PATH        database (default: $KALSHI_DB, else ./kalshi.db)\n"
    "  --account NAME   one account of a shared PostgreSQL database (default:\n"
    "                   $KALSHI_ACCOUNT)\n"
    "  --since TIME     snapshot report: also the change since the latest snapshot taken at or\n"
    "                   before TIME: ISO 8601 (2026-08-01T00:00:00Z, 2026-08-01) or a duration\n"
    "                   ago (24h, 7d)\n"
    "  --range R        today, wtd, mtd, ytd, 1y or all, in the ledger's time zone\n"
    "  --from/--to DAY  local dates (YYYY-MM-DD), inclusive\n"
    "  --by GROUP       day (default), week, month, year, category, series or subaccount\n"
    "  --category C, --series S, --subaccount N   only those rows\n"
    "  --tax-year Y     the lots closed in year Y, first in first out, fees in the cost basis\n"
    "                   (--format csv: description, date acquired, date closed, quantity,\n"
    "                   proceeds, cost basis, gain)\n"
    "  --stats          performance over the range: ROI, time-weighted return, drawdown,\n"
    "                   Sharpe, Sortino, win rate, profit factor, expectancy, streaks\n"
    "  --edge           closed positions by entry price: win rate against the implied\n"
    "                   probability, and the Brier score (with --by category|series|subaccount:\n"
    "                   per group)\n"
    "  --format F       table (default), json (exact decimal strings) or csv\n"
    "  --json           the same as --format json\n";

const char* kCommand = "kalshi-direct report: ";
const char* kRunSyncFirst = ": run `kalshi-direct run sync` first";

struct Arguments {
  std::string db;
  std::string account;  // --account NAME|all (or KALSHI_ACCOUNT): one account of a shared database
  bool json = false;
  bool help = false;
  std::optional<std::string> since;
  bool period = false;  // a period report (--range, --from, --to, --by, --format csv)
  PeriodQuery query;
};

bool parseArguments(const std::vector<std::string>& args, Arguments& out, std::string& error) {
  const std::string usage = " (see kalshi-direct report --help)";
  std::string format, subaccount;
  // Flags that take a value, as --flag VALUE or --flag=VALUE.
  const std::map<std::string, std::string*> valued = {
      {"--db", &out.db},           {"--account", &out.account},  {"--range", &out.query.range},
      {"--from", &out.query.from}, {"--to", &out.query.to},      {"--by", &out.query.by},
      {"--format", &format},       {"--subaccount", &subaccount}};
  std::string since;
  std::string category_text, series_text;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string arg = args[i];
    std::optional<std::string> inline_value;
    if (const size_t equals = arg.find('=');
        arg.rfind("--", 0) == 0 && equals != std::string::npos) {
      inline_value = arg.substr(equals + 1);
      arg = arg.substr(0, equals);
    }
    auto value = [&](std::string& target) {
      if (inline_value) {
        target = *inline_value;
      } else if (i + 1 < args.size()) {
        target = args[++i];
      }
      if (target.empty()) {
        error = arg + " needs a value" + usage;
        return false;
      }
      return true;
    };
    if (arg == "--json" && !inline_value) {
      out.json = true;
    } else if (arg == "--stats" && !inline_value) {
      out.query.stats = out.period = true;
    } else if (arg == "--edge" && !inline_value) {
      out.query.edge = out.period = true;
    } else if ((arg == "--help" || arg == "-h") && !inline_value) {
      out.help = true;
    } else if (auto found = valued.find(arg); found != valued.end()) {
      found->second->clear();
      if (!value(*found->second)) return false;
      if (arg != "--db" && arg != "--format" && arg != "--subaccount" && arg != "--account")
        out.period = true;
    } else if (arg == "--since") {
      if (!value(since)) return false;
      out.since = since;
    } else if (arg == "--tax-year") {
      std::string year;
      if (!value(year)) return false;
      if (year.size() != 4 || year.find_first_not_of("0123456789") != std::string::npos) {
        error = "--tax-year: '" + year + "' is not a year (2026)";
        return false;
      }
      out.query.tax_year = year;
      out.query.from = year + "-01-01";
      out.query.to = year + "-12-31";
      out.period = true;
    } else if (arg == "--category") {
      if (!value(category_text)) return false;
      out.query.category = category_text;
    } else if (arg == "--series") {
      if (!value(series_text)) return false;
      out.query.series_ticker = series_text;
    } else if (!arg.empty() && arg[0] == '-') {
      error = "unknown option '" + arg + "'" + usage;
      return false;
    } else {
      error = "unexpected argument '" + arg + "'" + usage;
      return false;
    }
  }
  if (!format.empty()) {
    if (format == "json") {
      out.json = true;
    } else if (format == "csv") {
      out.query.format = ReportFormat::kCsv;
      out.period = true;
    } else if (format != "table") {
      error = "--format: '" + format + "' is not one of table, json, csv";
      return false;
    }
  }
  if (out.json) out.query.format = ReportFormat::kJson;
  if (!subaccount.empty()) {
    char* end = nullptr;
    const long long number = std::strtoll(subaccount.c_str(), &end, 10);
    if (*end != '\0' || number < 0 || number > 63) {
      error = "--subaccount: '" + subaccount + "' is not a subaccount number (0..63)";
      return false;
    }
    out.query.subaccount = number;
  }
  if (out.query.category || out.query.series_ticker || out.query.subaccount) out.period = true;
  if (out.period && out.since) {
    error = "--since is for the snapshot report; with a period use --from or --range";
    return false;
  }
  if (out.period && !validPeriodQuery(out.query, error)) return false;
  if (out.db.empty()) {
    const char* env = std::getenv("KALSHI_DB");
    out.db = env && *env ? env : "kalshi.db";
  }
  return true;
}

int64_t nowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// ISO 8601 (with or without zone: UTC assumed; a bare date is its midnight UTC) or a duration ago.
bool parseSince(const std::string& text, Timestamp& out, std::string& error) {
  const bool has_letter_unit =
      !text.empty() && std::isalpha(static_cast<unsigned char>(text.back()));
  const bool looks_like_duration = text.find_first_of("-:T") == std::string::npos;
  if (looks_like_duration) {
    int64_t millis = 0;
    if (has_letter_unit && parseDurationMillis(text, millis) && millis >= 0) {
      out = Timestamp::fromMicros(nowMicros() - millis * 1000);
      return true;
    }
  } else {
    for (const std::string& candidate : {text, text + "Z", text + ":00Z", text + "T00:00:00Z"}) {
      if (Timestamp::parse(candidate, out)) return true;
    }
  }
  error = "--since: '" + text +
          "' is not an ISO 8601 time (2026-08-01T00:00:00Z, 2026-08-01) or a "
          "duration ago (24h, 7d, 30m)";
  return false;
}

// ---- money ----

std::string exactDollars(const Decimal& value) { return value.trimmed(4).toString(); }
std::string dollars(const Decimal& value) {
  return value.rescaled(2, Rounding::kHalfAwayFromZero).toString();
}

using kalshi::Money;
using Pnl = kalshi::SnapshotPnl;
using Snapshot = kalshi::StoredSnapshot;

Money operator-(const Money& a, const Money& b) {
  if (!a || !b) return std::nullopt;
  return *a - *b;
}

Pnl operator-(const Pnl& a, const Pnl& b) {
  return Pnl{a.realized - b.realized, a.unrealized - b.unrealized, a.fees - b.fees};
}

constexpr const char* kBackfillAdvice = "run `kalshi-direct run backfill --full`";

// The change of every category present in either snapshot (absent = zero).
std::map<std::string, Pnl> categoryChanges(const Snapshot& latest, const Snapshot& base) {
  std::map<std::string, Pnl> changes;
  const Pnl zero{Decimal(), Decimal(), Decimal()};
  for (const auto& [name, pnl] : latest.categories) {
    auto it = base.categories.find(name);
    changes[name] = pnl - (it == base.categories.end() ? zero : it->second);
  }
  for (const auto& [name, pnl] : base.categories) {
    if (latest.categories.count(name) == 0) changes[name] = zero - pnl;
  }
  return changes;
}

struct Comparison {
  std::string since_iso;
  std::optional<Snapshot> base;
  std::string message;
};

// ---- output ----

std::string cell(const Money& value) { return value ? dollars(*value) : "-"; }
std::string cell(const std::optional<int64_t>& value) {
  return value ? std::to_string(*value) : "-";
}

void printPnlTable(const std::map<std::string, Pnl>& categories, const Pnl& total) {
  std::vector<std::vector<std::string>> rows;
  rows.push_back({"CATEGORY", "REALIZED", "UNREALIZED", "FEES", "TOTAL"});
  for (const auto& [name, pnl] : categories) {
    rows.push_back(
        {name, cell(pnl.realized), cell(pnl.unrealized), cell(pnl.fees), cell(pnl.total())});
  }
  rows.push_back({"TOTAL", cell(total.realized), cell(total.unrealized), cell(total.fees),
                  cell(total.total())});
  printAligned(rows, rows.size() - 1, "  ");
}

std::string describe(const Snapshot& snapshot) {
  return "snapshot #" + std::to_string(snapshot.id) + " taken at " + snapshot.taken_at + " (" +
         snapshot.source + ")";
}

void printText(const std::string& db, const Snapshot& latest,
               const std::optional<Comparison>& comparison) {
  std::cout << db << ": latest " << describe(latest) << "\n";
  if (latest.source == "fallback") {
    std::cout << "  note: written from the last known state while the API was unavailable\n";
  }
  std::vector<std::vector<std::string>> facts = {
      {"balance", cell(latest.balance)},
      {"net deposits", cell(latest.net_deposits)},
      {"portfolio value", cell(latest.portfolio_value)},
      {"open positions", cell(latest.open_positions)},
      {"total orders", cell(latest.total_orders)},
      {"total fills", cell(latest.total_fills)},
  };
  printAligned(facts, facts.size() + 1, "  ");
  std::cout
      << "\nP&L by category (dollars; realized is net of fees; total = realized + unrealized)\n";
  if (latest.history_complete == false) {
    std::cout << "  history incomplete: " << latest.history_note
              << "; these figures leave out older trades: " << kBackfillAdvice << "\n";
  }
  printPnlTable(latest.categories, latest.totals);
  if (!latest.subaccounts.empty()) {
    std::cout << "\nBy subaccount (0 = primary)\n";
    std::vector<std::vector<std::string>> rows = {
        {"SUBACCOUNT", "BALANCE", "REALIZED", "UNREALIZED", "FEES", "TOTAL"}};
    for (const auto& [number, subaccount] : latest.subaccounts) {
      const Pnl& pnl = subaccount.pnl;
      rows.push_back({std::to_string(number), cell(subaccount.balance), cell(pnl.realized),
                      cell(pnl.unrealized), cell(pnl.fees), cell(pnl.total())});
    }
    printAligned(rows, rows.size() + 1, "  ");
  }
  if (!comparison) return;
  std::cout << "\nChange since " << comparison->since_iso << ": " << comparison->message << "\n";
  if (!comparison->base) return;
  const Snapshot& base = *comparison->base;
  std::vector<std::vector<std::string>> changes = {
      {"balance", cell(latest.balance - base.balance)},
      {"portfolio value", cell(latest.portfolio_value - base.portfolio_value)},
  };
  printAligned(changes, changes.size() + 1, "  ");
  printPnlTable(categoryChanges(latest, base), latest.totals - base.totals);
}

void appendMoney(std::string& out, const char* name, const Money& value) {
  out += ",\"";
  out += name;
  out += "\":";
  if (value) {
    appendJsonString(out, exactDollars(*value));
  } else {
    out += "null";
  }
}

void appendInt(std::string& out, const char* name, const std::optional<int64_t>& value) {
  out += ",\"";
  out += name;
  out += "\":" + (value ? std::to_string(*value) : std::string("null"));
}

void appendPnl(std::string& out, const Pnl& pnl) {
  appendMoney(out, "realized_pnl_dollars", pnl.realized);
  appendMoney(out, "unrealized_pnl_dollars", pnl.unrealized);
  appendMoney(out, "fees_dollars", pnl.fees);
  appendMoney(out, "total_pnl_dollars", pnl.total());
}

void appendCategories(std::string& out, const std::map<std::string, Pnl>& categories,
                      const Pnl& total) {
  out += ",\"categories\":[";
  bool first = true;
  for (const auto& [name, pnl] : categories) {
    if (!first) out += ",";
    first = false;
    out += "{\"category\":";
    appendJsonString(out, name);
    appendPnl(out, pnl);
    out += "}";
  }
  out += "],\"total\":{\"category\":\"TOTAL\"";
  appendPnl(out, total);
  out += "}";
}

void appendSnapshotRef(std::string& out, const Snapshot& snapshot) {
  out += "{\"id\":" + std::to_string(snapshot.id) + ",\"taken_at\":";
  appendJsonString(out, snapshot.taken_at);
  out += ",\"source\":";
  appendJsonString(out, snapshot.source);
}

void printJson(const std::string& db, const Snapshot& latest,
               const std::optional<Comparison>& comparison) {
  std::string out = "{\"database\":";
  appendJsonString(out, db);
  out += ",\"snapshot\":";
  appendSnapshotRef(out, latest);
  appendMoney(out, "balance_dollars", latest.balance);
  appendMoney(out, "net_deposits_dollars", latest.net_deposits);
  appendMoney(out, "portfolio_value_dollars", latest.portfolio_value);
  appendInt(out, "open_positions", latest.open_positions);
  appendInt(out, "total_orders", latest.total_orders);
  appendInt(out, "total_fills", latest.total_fills);
  appendPnl(out, latest.totals);
  out += "}";
  // Whether the figures rest on the whole history: {"complete": false, "note": ..., "advice": ...}.
  out += ",\"history\":{\"complete\":";
  out += latest.history_complete ? (*latest.history_complete ? "true" : "false") : "null";
  out += ",\"note\":";
  if (latest.history_complete == false) {
    appendJsonString(out, latest.history_note);
    out += ",\"advice\":";
    appendJsonString(out, kBackfillAdvice);
  } else {
    out += "null,\"advice\":null";
  }
  out += "}";
  appendCategories(out, latest.categories, latest.totals);
  out += ",\"subaccounts\":[";
  for (const auto& [number, subaccount] : latest.subaccounts) {
    if (out.back() != '[') out += ",";
    out += "{\"subaccount\":" + std::to_string(number);
    appendMoney(out, "balance_dollars", subaccount.balance);
    appendPnl(out, subaccount.pnl);
    out += "}";
  }
  out += "]";
  if (comparison) {
    out += ",\"since\":{\"time\":";
    appendJsonString(out, comparison->since_iso);
    out += ",\"message\":";
    appendJsonString(out, comparison->message);
    out += ",\"compared_to\":";
    if (comparison->base) {
      const Snapshot& base = *comparison->base;
      appendSnapshotRef(out, base);
      out += "}";
      appendMoney(out, "balance_change_dollars", latest.balance - base.balance);
      appendMoney(out, "portfolio_value_change_dollars",
                  latest.portfolio_value - base.portfolio_value);
      appendCategories(out, categoryChanges(latest, base), latest.totals - base.totals);
    } else {
      out += "null";
    }
    out += "}";
  }
  out += "}";
  std::cout << out << std::endl;
}

}  // namespace

int runReportCommand(const std::vector<std::string>& args) {
  Arguments arguments;
  std::string error;
  if (!parseArguments(args, arguments, error)) {
    std::cerr << kCommand << error << std::endl;
    return kExitConfig;
  }
  if (arguments.help) {
    std::cout << kUsage;
    return kExitOk;
  }
  std::optional<Timestamp> since;
  if (arguments.since) {
    Timestamp parsed;
    if (!parseSince(*arguments.since, parsed, error)) {
      std::cerr << kCommand << error << std::endl;
      return kExitConfig;
    }
    since = parsed;
  }
  std::string location;
  try {
    location = readerLocation(arguments.db, arguments.account);
  } catch (const StoreError& error) {
    std::cerr << kCommand << error.what() << std::endl;
    return kExitConfig;
  }
  const std::string path = displayLocation(location);  // what messages show: no password
  std::error_code ec;
  if (!isServerLocation(location) && !std::filesystem::is_regular_file(location, ec)) {
    std::cerr << kCommand << "no database at " << path << kRunSyncFirst << std::endl;
    return kExitFailed;
  }
  try {
    StorePtr store;
    if (Status opened = openReadOnlyIfExists(location, store); !opened.isOk() || !store) {
      std::cerr << kCommand << "cannot read " << path << ": "
                << (store ? opened.message() : "it is gone") << std::endl;
      return kExitFailed;
    }
    store->exec("BEGIN");  // one consistent view, even while a sync commits
    if (arguments.period) {
      const bool printed = printPeriodReport(*store, path, arguments.query, error);
      store->exec("COMMIT");
      if (!printed) {
        std::cerr << kCommand << error << std::endl;
        return kExitFailed;
      }
      return kExitOk;
    }
    const std::optional<int64_t> latest_id = kalshi::latestSnapshotId(*store);
    if (!latest_id) {
      std::cerr << kCommand << "no snapshots in " << path << kRunSyncFirst << std::endl;
      return kExitFailed;
    }
    const Snapshot latest = kalshi::readSnapshot(*store, *latest_id);

    std::optional<Comparison> comparison;
    if (since) {
      Comparison c;
      c.since_iso = since->toIso8601();
      // taken_at is text whose sub-second part makes string order unreliable: compare parsed times.
      std::optional<std::pair<Timestamp, int64_t>> best;
      std::optional<std::pair<Timestamp, std::string>> oldest;
      for (const auto& [id, text] : kalshi::snapshotTimes(*store)) {
        Timestamp taken;
        if (!Timestamp::parse(text, taken)) continue;
        if (!oldest || taken < oldest->first) oldest = std::make_pair(taken, text);
        if (taken <= *since) {
          const auto candidate = std::make_pair(taken, id);
          if (!best || candidate > *best) best = candidate;
        }
      }
      if (best) {
        c.base = kalshi::readSnapshot(*store, best->second);
        c.message =
            "compared with " + describe(*c.base) +
            (best->second == latest.id ? ", the latest snapshot itself: no newer snapshot" : "");
      } else {
        c.message = "no snapshot was taken at or before " + c.since_iso +
                    (oldest ? " (the oldest was taken at " + oldest->second + ")" : "");
      }
      comparison = std::move(c);
    }
    store->exec("COMMIT");
    if (arguments.json) {
      printJson(path, latest, comparison);
    } else {
      printText(path, latest, comparison);
    }
    return kExitOk;
  } catch (const std::exception& exception) {
    std::cerr << kCommand << "cannot read " << path << ": " << exception.what() << std::endl;
    return kExitFailed;
  }
}

}  // namespace cli
}  // namespace kalshi_direct
