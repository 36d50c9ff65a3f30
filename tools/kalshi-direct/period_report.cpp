#include "period_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <map>
#include <set>

#include "kalshi/ledger_store.h"
#include "kalshi/local_days.h"
#include "kalshi/performance_stats.h"
#include "kalshi_direct/json_writer.h"
#include "kalshi_direct/timestamp.h"
#include "text_table.h"

namespace kalshi_direct {
namespace cli {

namespace {

const std::set<std::string> kRanges = {"today", "wtd", "mtd", "ytd", "1y", "all"};
const std::set<std::string> kGroupings = {"day",      "week",   "month",     "year",
                                          "category", "series", "subaccount"};

bool byTime(const std::string& by) {
  return by == "day" || by == "week" || by == "month" || by == "year";
}

std::string periodOf(const std::string& day, const std::string& by) {
  if (by == "week") return kalshi::LocalDays::mondayOf(day);
  if (by == "month") return day.substr(0, 7);
  if (by == "year") return day.substr(0, 4);
  return day;
}

std::string groupOf(const kalshi::LedgerRow& row, const std::string& by) {
  if (byTime(by)) return periodOf(row.key.day, by);
  if (by == "category") return row.key.category;
  if (by == "series") return row.key.series_ticker;
  if (by == "subaccount") return std::to_string(row.key.subaccount);
  return row.key.day;
}

std::string heading(const std::string& by) {
  if (by == "week") return "WEEK OF";
  std::string upper = by;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return upper;
}

std::string money(const Decimal& value) { return value.rescaled(2).toString(); }
std::string exact(const Decimal& value) { return value.trimmed(2).toString(); }
std::string count(const Decimal& value) { return value.trimmed(0).toString(); }
// Winning closes out of those decided (a close at exactly zero counts as neither).
std::string winRate(const kalshi::DailyAmounts& a) {
  const int64_t decided = a.wins + a.losses;
  if (decided == 0) return "-";
  return Decimal(a.wins * 1000 / decided, 1).toString() + "%";  // floor to 0.1%
}
// Won / |lost| of the closes; "-" without a losing close.
std::optional<double> profitFactor(const kalshi::DailyAmounts& a) {
  if (a.lost.sign() >= 0) return std::nullopt;
  return std::stod(a.won.toString()) / -std::stod(a.lost.toString());
}

struct Resolved {
  std::string from, to, zone;
};

// The range's first and last day in the ledger's zone.
Resolved resolve(const PeriodQuery& query, const std::string& zone) {
  Resolved out{query.from, query.to, zone};
  if (query.range.empty() || query.range == "all") return out;
  const kalshi::LocalDays days(zone);
  const std::string today = days.dayOf(Timestamp::now().micros());
  out.to = today;
  if (query.range == "today") out.from = today;
  if (query.range == "wtd") out.from = kalshi::LocalDays::mondayOf(today);
  if (query.range == "mtd") out.from = today.substr(0, 8) + "01";
  if (query.range == "ytd") out.from = today.substr(0, 5) + "01-01";
  if (query.range == "1y") out.from = kalshi::LocalDays::addDays(today, -364);
  return out;
}

// Aligned columns (text left, the rest right), indented; a rule above the last row when it is a
// total.
void printTable(const std::vector<std::vector<std::string>>& rows, bool last_is_total = false) {
  printAligned(rows, last_is_total ? rows.size() - 1 : rows.size() + 1, "  ");
}

std::string csvField(const std::string& text) {
  if (text.find_first_of(",\"\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

std::string percent(std::optional<double> fraction, int decimals = 2) {
  if (!fraction) return "-";
  char text[32];
  std::snprintf(text, sizeof text, "%.*f%%", decimals, *fraction * 100);
  return text;
}
std::string number(std::optional<double> value) {
  if (!value) return "-";
  char text[32];
  std::snprintf(text, sizeof text, "%.2f", *value);
  return text;
}
std::string money(const std::optional<Decimal>& value) { return value ? money(*value) : "-"; }
std::string signedMoney(const Decimal& value) {
  return (value.sign() > 0 ? "+" : "") + money(value);
}

void appendField(std::string& out, const char* name, const std::string& json_value) {
  out += out.back() == '{' ? "\"" : ",\"";
  out += name;
  out += "\":" + json_value;
}
std::string jsonText(const std::string& text) {
  std::string out;
  appendJsonString(out, text);
  return out;
}
std::string jsonMoney(const std::optional<Decimal>& value) {
  return value ? jsonText(value->trimmed(2).toString()) : "null";
}
std::string jsonNumber(std::optional<double> value) {
  if (!value || !std::isfinite(*value)) return "null";
  char text[40];
  std::snprintf(text, sizeof text, "%.10g", *value);
  return text;
}

std::string describeDrawdown(const std::optional<kalshi::Drawdown>& drawdown) {
  if (!drawdown) return "-";
  if (drawdown->fraction <= 0) return "none";
  return percent(drawdown->fraction) + " ($" + money(drawdown->amount) + "), peak " +
         drawdown->peak + ", low " + drawdown->trough;
}

std::string drawdownJson(const std::optional<kalshi::Drawdown>& drawdown) {
  if (!drawdown) return "null";
  std::string out = "{";
  appendField(out, "fraction", jsonNumber(drawdown->fraction));
  appendField(out, "amount_dollars", jsonMoney(drawdown->amount));
  appendField(out, "peak_day", jsonText(drawdown->peak));
  appendField(out, "trough_day", jsonText(drawdown->trough));
  return out + "}";
}

void printStats(const kalshi::PerformanceStats& s, ReportFormat format) {
  // (label for people, JSON/CSV name, text value, JSON value)
  struct Line {
    std::string label, name, text, json;
  };
  std::vector<Line> lines = {
      {"net P&L (realized, net of fees)", "realized_pnl_dollars", money(s.realized),
       jsonMoney(s.realized)},
      {"fees", "fees_dollars", money(s.fees), jsonMoney(s.fees)},
      {"gross P&L (before fees)", "gross_pnl_dollars", money(s.gross), jsonMoney(s.gross)},
      {"fees / gross P&L", "fee_share", percent(s.fee_share, 1), jsonNumber(s.fee_share)},
      {"P&L (equity change - deposits)", "pnl_dollars", money(s.pnl), jsonMoney(s.pnl)},
      {"net deposits", "net_deposits_dollars", money(s.net_deposits), jsonMoney(s.net_deposits)},
      {"ROI on net deposits", "roi", percent(s.roi), jsonNumber(s.roi)},
      {"time-weighted return", "time_weighted_return", percent(s.twr), jsonNumber(s.twr)},
      {"max drawdown", "max_drawdown", describeDrawdown(s.max_drawdown),
       drawdownJson(s.max_drawdown)},
      {"current drawdown", "current_drawdown", describeDrawdown(s.current_drawdown),
       drawdownJson(s.current_drawdown)},
      {"Sharpe (daily, x sqrt 365)", "sharpe", number(s.sharpe), jsonNumber(s.sharpe)},
      {"Sortino (daily, x sqrt 365)", "sortino", number(s.sortino), jsonNumber(s.sortino)},
      {"closed positions", "closed_positions",
       std::to_string(s.closes) + " (" + std::to_string(s.wins) + " won, " +
           std::to_string(s.losses) + " lost)",
       std::to_string(s.closes)},
      {"win rate", "win_rate", percent(s.win_rate, 1), jsonNumber(s.win_rate)},
      {"average win", "average_win_dollars", money(s.avg_win), jsonMoney(s.avg_win)},
      {"average loss", "average_loss_dollars", money(s.avg_loss), jsonMoney(s.avg_loss)},
      {"profit factor", "profit_factor", number(s.profit_factor), jsonNumber(s.profit_factor)},
      {"expectancy per close", "expectancy_dollars", money(s.expectancy), jsonMoney(s.expectancy)},
      {"longest winning streak", "longest_winning_streak", std::to_string(s.longest_win_streak),
       std::to_string(s.longest_win_streak)},
      {"longest losing streak", "longest_losing_streak", std::to_string(s.longest_loss_streak),
       std::to_string(s.longest_loss_streak)},
      {"best day", "best_day",
       s.best_day ? s.best_day->first + " " + signedMoney(s.best_day->second) : "-",
       s.best_day ? "{\"day\":" + jsonText(s.best_day->first) +
                        ",\"realized_pnl_dollars\":" + jsonMoney(s.best_day->second) + "}"
                  : "null"},
      {"worst day", "worst_day",
       s.worst_day ? s.worst_day->first + " " + signedMoney(s.worst_day->second) : "-",
       s.worst_day ? "{\"day\":" + jsonText(s.worst_day->first) +
                         ",\"realized_pnl_dollars\":" + jsonMoney(s.worst_day->second) + "}"
                   : "null"},
  };
  if (format == ReportFormat::kJson) {
    std::string out = "{";
    for (const Line& line : lines) appendField(out, line.name.c_str(), line.json);
    std::cout << ",\"stats\":" << out << "}";
    return;
  }
  if (format == ReportFormat::kCsv) {
    std::cout << "metric,value\n";
    for (const Line& line : lines) std::cout << line.name << "," << csvField(line.text) << "\n";
    return;
  }
  size_t width = 0;
  for (const Line& line : lines) width = std::max(width, line.label.size());
  for (const Line& line : lines)
    std::cout << "  " << line.label << std::string(width + 2 - line.label.size(), ' ') << line.text
              << "\n";
}

const char* kBucketNames[] = {"0-10c",  "10-20c", "20-30c", "30-40c", "40-50c",
                              "50-60c", "60-70c", "70-80c", "80-90c", "90-100c"};

void printEdge(const std::map<std::string, std::vector<kalshi::EdgeBucket>>& groups,
               ReportFormat format) {
  if (format == ReportFormat::kJson) {
    std::string out = ",\"edge\":[";
    bool first = true;
    for (const auto& [group, buckets] : groups) {
      for (const kalshi::EdgeBucket& b : buckets) {
        if (b.positions == 0) continue;
        out += first ? "{" : ",{";
        first = false;
        appendField(out, "group", jsonText(group));
        appendField(out, "entry_price", jsonText(kBucketNames[b.bucket]));
        appendField(out, "positions", std::to_string(b.positions));
        appendField(out, "contracts", jsonText(count(b.contracts)));
        appendField(out, "realized_pnl_dollars", jsonMoney(b.realized));
        appendField(out, "settled_positions", std::to_string(b.settled));
        appendField(out, "implied_probability", jsonNumber(b.implied()));
        appendField(out, "win_rate", jsonNumber(b.win_rate()));
        appendField(out, "brier", jsonNumber(b.brier()));
        out += "}";
      }
    }
    std::cout << out << "]";
    return;
  }
  std::vector<std::vector<std::string>> rows;
  const bool grouped = groups.size() > 1 || (groups.size() == 1 && !groups.begin()->first.empty());
  std::vector<std::string> header = {"ENTRY PRICE", "POSITIONS", "CONTRACTS", "REALIZED", "SETTLED",
                                     "IMPLIED",     "WON",       "EDGE",      "BRIER"};
  if (grouped) header.insert(header.begin(), "GROUP");
  if (format == ReportFormat::kCsv) {
    std::vector<std::string> names = {"entry_price",
                                      "positions",
                                      "contracts",
                                      "realized_pnl_dollars",
                                      "settled_positions",
                                      "implied_probability",
                                      "win_rate",
                                      "edge",
                                      "brier"};
    if (grouped) names.insert(names.begin(), "group");
    rows.push_back(names);
  } else {
    rows.push_back(header);
  }
  for (const auto& [group, buckets] : groups) {
    for (const kalshi::EdgeBucket& b : buckets) {
      if (b.positions == 0) continue;
      std::optional<double> edge;
      if (b.win_rate() && b.implied()) edge = *b.win_rate() - *b.implied();
      std::vector<std::string> row = {kBucketNames[b.bucket],
                                      std::to_string(b.positions),
                                      count(b.contracts),
                                      format == ReportFormat::kCsv ? exact(b.realized)
                                                                   : money(b.realized),
                                      std::to_string(b.settled),
                                      percent(b.implied(), 1),
                                      percent(b.win_rate(), 1),
                                      edge ? (*edge >= 0 ? "+" : "") + percent(edge, 1) : "-",
                                      b.brier() ? [&] {
                                        char text[16];
                                        std::snprintf(text, sizeof text, "%.3f", *b.brier());
                                        return std::string(text);
                                      }()
                                                : "-"};
      if (grouped) row.insert(row.begin(), group);
      rows.push_back(row);
    }
  }
  if (format == ReportFormat::kCsv) {
    for (const auto& row : rows) {
      std::string text;
      for (size_t i = 0; i < row.size(); ++i) text += (i ? "," : "") + csvField(row[i]);
      std::cout << text << "\n";
    }
    return;
  }
  printTable(rows);
}

}  // namespace

bool validPeriodQuery(const PeriodQuery& query, std::string& error) {
  if (!query.range.empty() && !kRanges.count(query.range)) {
    error = "--range: '" + query.range + "' is not one of today, wtd, mtd, ytd, 1y, all";
    return false;
  }
  if (!query.tax_year.empty() && !query.range.empty()) {
    error = "--tax-year and --range do not go together: the year is the range";
    return false;
  }
  if (!query.range.empty() && (!query.from.empty() || !query.to.empty())) {
    error = "--range and --from/--to do not go together: use one";
    return false;
  }
  for (const auto& [flag, day] :
       {std::pair<const char*, std::string>{"--from", query.from}, {"--to", query.to}}) {
    if (!day.empty() && !kalshi::LocalDays::isDay(day)) {
      error = std::string(flag) + ": '" + day + "' is not a date (YYYY-MM-DD)";
      return false;
    }
  }
  if (!query.from.empty() && !query.to.empty() && query.to < query.from) {
    error = "--to " + query.to + " is before --from " + query.from;
    return false;
  }
  if (!query.tax_year.empty() && (query.stats || query.edge)) {
    error = "--tax-year goes alone: not with --stats or --edge";
    return false;
  }
  if (!kGroupings.count(query.by)) {
    error = "--by: '" + query.by +
            "' is not one of day, week, month, year, category, series, subaccount";
    return false;
  }
  return true;
}

namespace {

bool printTaxYear(Store& store, const std::string& db, const PeriodQuery& query,
                  const kalshi::LedgerFilter& filter) {
  const std::vector<kalshi::TaxLotRow> closed = kalshi::readTaxLotsClosed(store, filter);
  Decimal proceeds, cost, gain;
  for (const auto& row : closed) {
    proceeds += row.lot.proceeds;
    cost += row.lot.cost_basis;
    gain += row.lot.gain();
  }
  auto description = [](const kalshi::TaxLotRow& row) {
    return row.ticker + (row.lot.yes ? " YES" : " NO");
  };
  if (query.format == ReportFormat::kCsv) {
    std::cout << "description,date_acquired,date_closed,quantity,proceeds,cost_basis,gain\n";
    for (const auto& row : closed) {
      std::cout << csvField(description(row)) << "," << row.acquired_day << "," << row.closed_day
                << "," << count(row.lot.quantity) << "," << exact(row.lot.proceeds) << ","
                << exact(row.lot.cost_basis) << "," << exact(row.lot.gain()) << "\n";
    }
    std::cout << std::flush;
    return true;
  }
  // How the lots' gains add up to the year's realized P&L (fees are expensed in the ledger when
  // charged, but sit in a lot's cost basis until it closes).
  Decimal fees_still_open, fees_from_before;
  for (const auto& row : kalshi::readTaxLotsAcquired(store, filter)) {
    if (!row.lot.closed_us || row.closed_day > filter.to) fees_still_open += row.lot.opening_fee;
  }
  for (const auto& row : closed) {
    if (row.acquired_day < filter.from) fees_from_before += row.lot.opening_fee;
  }
  Decimal realized;
  for (const auto& row : kalshi::readDailyLedger(store, filter)) realized += row.amounts.realized;
  const Decimal other = realized - (gain - fees_still_open + fees_from_before);

  if (query.format == ReportFormat::kJson) {
    std::string out = "{";
    appendField(out, "database", jsonText(db));
    appendField(out, "tax_year", jsonText(query.tax_year));
    out += ",\"lots\":[";
    for (size_t i = 0; i < closed.size(); ++i) {
      const auto& row = closed[i];
      out += i ? ",{" : "{";
      appendField(out, "description", jsonText(description(row)));
      appendField(out, "date_acquired", jsonText(row.acquired_day));
      appendField(out, "date_closed", jsonText(row.closed_day));
      appendField(out, "quantity", jsonText(count(row.lot.quantity)));
      appendField(out, "proceeds_dollars", jsonMoney(row.lot.proceeds));
      appendField(out, "cost_basis_dollars", jsonMoney(row.lot.cost_basis));
      appendField(out, "gain_dollars", jsonMoney(row.lot.gain()));
      out += "}";
    }
    out += "]";
    appendField(out, "proceeds_dollars", jsonMoney(proceeds));
    appendField(out, "cost_basis_dollars", jsonMoney(cost));
    appendField(out, "gain_dollars", jsonMoney(gain));
    appendField(out, "opening_fees_of_lots_still_open_dollars", jsonMoney(fees_still_open));
    appendField(out, "opening_fees_paid_before_the_year_dollars", jsonMoney(fees_from_before));
    appendField(out, "settlements_without_lots_dollars", jsonMoney(other));
    appendField(out, "realized_pnl_dollars", jsonMoney(realized));
    std::cout << out << "}" << std::endl;
    return true;
  }
  std::cout << db << ": tax lots closed in " << query.tax_year
            << " (first in, first out; fees in the cost basis and off the proceeds; "
            << kalshi::ledgerTimeZone(store).value_or(kalshi::kDefaultTimeZone) << " days)\n";
  std::vector<std::vector<std::string>> rows = {
      {"DESCRIPTION", "ACQUIRED", "CLOSED", "QUANTITY", "PROCEEDS", "COST BASIS", "GAIN"}};
  for (const auto& row : closed) {
    rows.push_back({description(row), row.acquired_day, row.closed_day, count(row.lot.quantity),
                    money(row.lot.proceeds), money(row.lot.cost_basis), money(row.lot.gain())});
  }
  rows.push_back({"TOTAL (" + std::to_string(closed.size()) + " lots)", "", "", "", money(proceeds),
                  money(cost), money(gain)});
  printTable(rows, true);
  std::cout << "\n  gains of the lots closed in " << query.tax_year << "  " << signedMoney(gain)
            << "\n  - opening fees paid in " << query.tax_year << " on lots still open at its end  "
            << signedMoney(-fees_still_open) << "\n  + opening fees paid before " << query.tax_year
            << " on lots closed in it  " << signedMoney(fees_from_before);
  if (!other.isZero())
    std::cout << "\n  + settlements of positions without their fills  " << signedMoney(other);
  std::cout << "\n  = realized P&L in " << query.tax_year << " (the daily ledger)  "
            << signedMoney(realized) << "\n";
  return true;
}

bool printFigures(Store& store, const std::string& db, const PeriodQuery& query,
                  const Resolved& range, const kalshi::LedgerFilter& filter) {
  const std::string scope = query.subaccount ? "subaccount " + std::to_string(*query.subaccount)
                                             : std::string("whole account");
  std::string what = scope;
  if (query.category) what += ", category " + *query.category;
  if (query.series_ticker) what += ", series " + *query.series_ticker;
  const std::string from = range.from.empty() ? "the first day" : range.from;
  const std::string to = range.to.empty() ? "the last day" : range.to;
  if (query.format == ReportFormat::kJson) {
    std::cout << "{\"database\":" << jsonText(db) << ",\"timezone\":" << jsonText(range.zone)
              << ",\"from\":" << (range.from.empty() ? "null" : jsonText(range.from))
              << ",\"to\":" << (range.to.empty() ? "null" : jsonText(range.to))
              << ",\"scope\":" << jsonText(what);
  } else if (query.format == ReportFormat::kTable) {
    std::cout << db << ": " << (query.stats ? "performance" : "edge by entry price") << " from "
              << from << " to " << to << " (" << range.zone << " days), " << what << "\n";
  }
  if (query.stats) {
    std::vector<kalshi::EquityRow> equity;
    if (!query.category && !query.series_ticker) {
      kalshi::LedgerFilter days = filter;
      if (!days.from.empty()) days.from = kalshi::LocalDays::previousDay(days.from);
      equity = kalshi::readEquity(store, days);
      // From the first day on: the base is the account before it (its opening cash, nothing
      // deposited yet).
      if (!equity.empty() && (filter.from.empty() || equity.front().day >= filter.from) &&
          equity.front().cash) {
        kalshi::EquityRow base = equity.front();
        base.day = kalshi::LocalDays::previousDay(base.day);
        *base.cash = *base.cash - base.trading_cash_flow - base.transfers;
        base.net_deposits = base.net_deposits - base.transfers;
        base.trading_cash_flow = base.transfers = base.realized = base.fees = Decimal();
        base.marked_value.reset();
        base.open_basis = Decimal();
        equity.insert(equity.begin(), base);
      }
    }
    printStats(kalshi::computeStats(equity, kalshi::readDailyLedger(store, filter),
                                    kalshi::readCloseResults(store, filter)),
               query.format);
  }
  if (query.edge) {
    std::map<std::string, std::vector<kalshi::ClosedPositionRow>> by_group;
    for (const auto& row : kalshi::readClosedPositions(store, filter, /*ordered=*/false)) {
      by_group[query.by == "category"     ? row.category
               : query.by == "series"     ? row.series_ticker
               : query.by == "subaccount" ? std::to_string(row.subaccount)
                                          : std::string()]
          .push_back(row);
    }
    std::map<std::string, std::vector<kalshi::EdgeBucket>> groups;
    for (const auto& [group, rows] : by_group) groups[group] = kalshi::edgeByPrice(rows);
    if (query.stats && query.format == ReportFormat::kTable) std::cout << "\nEdge by entry price\n";
    printEdge(groups, query.format);
    if (groups.empty() && query.format == ReportFormat::kTable)
      std::cout << "  (no closed positions in this range)\n";
  }
  if (query.format == ReportFormat::kJson) std::cout << "}";
  std::cout << std::endl;
  return true;
}

}  // namespace

bool printPeriodReport(Store& store, const std::string& db, const PeriodQuery& query,
                       std::string& error) {
  const std::optional<std::string> zone = kalshi::ledgerTimeZone(store);
  if (!zone) {
    error = "no daily ledger in " + db +
            ": run `kalshi-direct run sync` (the kalshi_pnl model writes it)";
    return false;
  }
  const Resolved range = resolve(query, *zone);
  kalshi::LedgerFilter filter;
  filter.from = range.from;
  filter.to = range.to;
  filter.category = query.category;
  filter.series_ticker = query.series_ticker;
  filter.subaccount = query.subaccount;
  if (!query.tax_year.empty()) return printTaxYear(store, db, query, filter);
  if (query.stats || query.edge) return printFigures(store, db, query, range, filter);
  std::map<std::string, kalshi::DailyAmounts> groups;
  kalshi::DailyAmounts total;
  for (const kalshi::LedgerRow& row : kalshi::readDailyLedger(store, filter)) {
    groups[groupOf(row, query.by)] += row.amounts;
    total += row.amounts;
  }
  // By time, for the whole account or a subaccount: the equity at each period's end.
  std::map<std::string, Decimal> equity;
  std::optional<Decimal> last_equity;
  if (byTime(query.by) && !query.category && !query.series_ticker) {
    for (const kalshi::EquityRow& row : kalshi::readEquity(store, filter)) {
      if (!row.cash) continue;
      last_equity = *row.cash + (row.marked_value ? *row.marked_value : row.open_basis);
      equity[periodOf(row.day, query.by)] = *last_equity;
    }
  }
  auto equityOf = [&](const std::string& group) -> std::optional<Decimal> {
    if (group == "TOTAL") return last_equity;
    auto found = equity.find(group);
    if (found == equity.end()) return std::nullopt;
    return found->second;
  };
  const bool with_equity = !equity.empty();
  const std::string from = range.from.empty() ? "the first day" : range.from;
  const std::string to = range.to.empty() ? "the last day" : range.to;

  if (query.format == ReportFormat::kJson) {
    std::string out = "{\"database\":";
    appendJsonString(out, db);
    out += ",\"timezone\":";
    appendJsonString(out, *zone);
    out += ",\"from\":";
    if (range.from.empty())
      out += "null";
    else
      appendJsonString(out, range.from);
    out += ",\"to\":";
    if (range.to.empty())
      out += "null";
    else
      appendJsonString(out, range.to);
    out += ",\"by\":";
    appendJsonString(out, query.by);
    auto appendAmounts = [&](const std::string& group, const kalshi::DailyAmounts& a) {
      out += ",\"realized_pnl_dollars\":";
      appendJsonString(out, exact(a.realized));
      out += ",\"fees_dollars\":";
      appendJsonString(out, exact(a.fees));
      out += ",\"contracts_bought\":";
      appendJsonString(out, count(a.bought));
      out += ",\"contracts_sold\":";
      appendJsonString(out, count(a.sold));
      out += ",\"fills\":" + std::to_string(a.fills) +
             ",\"markets_closed\":" + std::to_string(a.closes) +
             ",\"winning_closes\":" + std::to_string(a.wins) +
             ",\"losing_closes\":" + std::to_string(a.losses);
      out += ",\"won_dollars\":";
      appendJsonString(out, exact(a.won));
      out += ",\"lost_dollars\":";
      appendJsonString(out, exact(a.lost));
      if (with_equity) out += ",\"equity_dollars\":" + jsonMoney(equityOf(group));
    };
    out += ",\"rows\":[";
    bool first = true;
    for (const auto& [group, amounts] : groups) {
      out += first ? "{\"group\":" : ",{\"group\":";
      first = false;
      appendJsonString(out, group);
      appendAmounts(group, amounts);
      out += "}";
    }
    out += "],\"total\":{\"group\":\"TOTAL\"";
    appendAmounts("TOTAL", total);
    out += "}}";
    std::cout << out << std::endl;
    return true;
  }
  std::vector<std::string> header = {
      heading(query.by), "REALIZED", "FEES", "FILLS",    "BOUGHT",       "SOLD",
      "CLOSED",          "WON",      "LOST", "WIN RATE", "PROFIT FACTOR"};
  if (with_equity) header.push_back("EQUITY AT END");
  auto cells = [&](const std::string& group, const kalshi::DailyAmounts& a, bool exact_money) {
    std::vector<std::string> row{group,
                                 exact_money ? exact(a.realized) : money(a.realized),
                                 exact_money ? exact(a.fees) : money(a.fees),
                                 std::to_string(a.fills),
                                 count(a.bought),
                                 count(a.sold),
                                 std::to_string(a.closes),
                                 std::to_string(a.wins),
                                 std::to_string(a.losses),
                                 winRate(a),
                                 number(profitFactor(a))};
    if (with_equity) {
      const std::optional<Decimal> value = equityOf(group);
      row.push_back(!value ? "-" : exact_money ? exact(*value) : money(*value));
    }
    return row;
  };
  if (query.format == ReportFormat::kCsv) {
    std::vector<std::string> names = {query.by,         "realized_pnl_dollars", "fees_dollars",
                                      "fills",          "contracts_bought",     "contracts_sold",
                                      "markets_closed", "winning_closes",       "losing_closes",
                                      "win_rate",       "profit_factor"};
    if (with_equity) names.push_back("equity_dollars");
    auto line = [](const std::vector<std::string>& fields) {
      std::string text;
      for (size_t i = 0; i < fields.size(); ++i) text += (i ? "," : "") + csvField(fields[i]);
      std::cout << text << "\n";
    };
    line(names);
    for (const auto& [group, amounts] : groups) line(cells(group, amounts, true));
    std::cout << std::flush;
    return true;
  }
  std::cout << db << ": realized P&L from " << from << " to " << to << " (" << *zone
            << " days; dollars, net of fees), by " << query.by << "\n";
  std::vector<std::vector<std::string>> rows = {header};
  for (const auto& [group, amounts] : groups) rows.push_back(cells(group, amounts, false));
  rows.push_back(cells("TOTAL", total, false));
  printTable(rows, true);
  if (groups.empty()) std::cout << "  (no fills, settlements or closes in this range)\n";
  return true;
}

}  // namespace cli
}  // namespace kalshi_direct
