#include "period_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <map>
#include <set>

#include "kalshi/json_object.h"
#include "kalshi/ledger_store.h"
#include "kalshi/local_days.h"
#include "kalshi/performance_stats.h"
#include "kalshi/period_figures.h"
#include "kalshi_direct/json_writer.h"
#include "kalshi_direct/timestamp.h"
#include "text_table.h"

namespace kalshi_direct {
namespace cli {

namespace {

using kalshi::jsonMoney;
using kalshi::jsonText;

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
std::string describeDrawdown(const std::optional<kalshi::Drawdown>& drawdown) {
  if (!drawdown) return "-";
  if (drawdown->fraction <= 0) return "none";
  return percent(drawdown->fraction) + " ($" + money(drawdown->amount) + "), peak " +
         drawdown->peak + ", low " + drawdown->trough;
}

void printStats(const kalshi::PerformanceStats& s, ReportFormat format) {
  if (format == ReportFormat::kJson) {
    std::cout << ",\"stats\":" << kalshi::statsJson(s);
    return;
  }
  // (label for people, CSV name, text value); JSON: kalshi::statsJson.
  struct Line {
    std::string label, name, text;
  };
  std::vector<Line> lines = {
      {"net P&L (realized, net of fees)", "realized_pnl_dollars", money(s.realized)},
      {"fees", "fees_dollars", money(s.fees)},
      {"gross P&L (before fees)", "gross_pnl_dollars", money(s.gross)},
      {"fees / gross P&L", "fee_share", percent(s.fee_share, 1)},
      {"P&L (equity change - deposits)", "pnl_dollars", money(s.pnl)},
      {"net deposits", "net_deposits_dollars", money(s.net_deposits)},
      {"ROI on net deposits", "roi", percent(s.roi)},
      {"time-weighted return", "time_weighted_return", percent(s.twr)},
      {"max drawdown", "max_drawdown", describeDrawdown(s.max_drawdown)},
      {"current drawdown", "current_drawdown", describeDrawdown(s.current_drawdown)},
      {"Sharpe (daily, x sqrt 365)", "sharpe", number(s.sharpe)},
      {"Sortino (daily, x sqrt 365)", "sortino", number(s.sortino)},
      {"closed positions", "closed_positions",
       std::to_string(s.closes) + " (" + std::to_string(s.wins) + " won, " +
           std::to_string(s.losses) + " lost)"},
      {"win rate", "win_rate", percent(s.win_rate, 1)},
      {"average win", "average_win_dollars", money(s.avg_win)},
      {"average loss", "average_loss_dollars", money(s.avg_loss)},
      {"profit factor", "profit_factor", number(s.profit_factor)},
      {"expectancy per close", "expectancy_dollars", money(s.expectancy)},
      {"longest winning streak", "longest_winning_streak", std::to_string(s.longest_win_streak)},
      {"longest losing streak", "longest_losing_streak", std::to_string(s.longest_loss_streak)},
      {"best day", "best_day",
       s.best_day ? s.best_day->first + " " + signedMoney(s.best_day->second) : "-"},
      {"worst day", "worst_day",
       s.worst_day ? s.worst_day->first + " " + signedMoney(s.worst_day->second) : "-"},
  };
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

void printEdge(const std::map<std::string, std::vector<kalshi::EdgeBucket>>& groups,
               ReportFormat format) {
  if (format == ReportFormat::kJson) {
    std::cout << ",\"edge\":" << kalshi::edgeJson(groups);
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
      std::vector<std::string> row = {kalshi::kEdgeBucketNames[b.bucket],
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
  if (!query.range.empty() && !kalshi::isRangeWord(query.range)) {
    error = "--range: '" + query.range + "' is not one of " + kalshi::kRangeWords;
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
  if (!kalshi::isGrouping(query.by)) {
    error = "--by: '" + query.by + "' is not one of " + kalshi::kGroupWords;
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
                  const std::string& zone, const kalshi::LedgerFilter& filter) {
  const std::string what = kalshi::scopeOf(filter);
  const std::string from = filter.from.empty() ? "the first day" : filter.from;
  const std::string to = filter.to.empty() ? "the last day" : filter.to;
  if (query.format == ReportFormat::kJson) {
    std::cout << "{\"database\":" << kalshi::jsonText(db)
              << ",\"timezone\":" << kalshi::jsonText(zone)
              << ",\"from\":" << (filter.from.empty() ? "null" : kalshi::jsonText(filter.from))
              << ",\"to\":" << (filter.to.empty() ? "null" : kalshi::jsonText(filter.to))
              << ",\"scope\":" << kalshi::jsonText(what);
  } else if (query.format == ReportFormat::kTable) {
    std::cout << db << ": " << (query.stats ? "performance" : "edge by entry price") << " from "
              << from << " to " << to << " (" << zone << " days), " << what << "\n";
  }
  if (query.stats) printStats(kalshi::periodStats(store, filter), query.format);
  if (query.edge) {
    const auto groups = kalshi::periodEdge(store, filter, query.by);
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
  const kalshi::DayRange range =
      kalshi::resolveDayRange(query.range, query.from, query.to, *zone, Timestamp::now().micros());
  kalshi::LedgerFilter filter;
  filter.from = range.from;
  filter.to = range.to;
  filter.category = query.category;
  filter.series_ticker = query.series_ticker;
  filter.subaccount = query.subaccount;
  if (!query.tax_year.empty()) return printTaxYear(store, db, query, filter);
  if (query.stats || query.edge) return printFigures(store, db, query, *zone, filter);
  const kalshi::PnlGroups groups = kalshi::pnlGroups(store, filter, query.by);
  const bool with_equity = groups.withEquity();
  const std::string from = range.from.empty() ? "the first day" : range.from;
  const std::string to = range.to.empty() ? "the last day" : range.to;

  if (query.format == ReportFormat::kJson) {
    std::cout << "{\"database\":" << kalshi::jsonText(db)
              << ",\"timezone\":" << kalshi::jsonText(*zone)
              << ",\"from\":" << (range.from.empty() ? "null" : kalshi::jsonText(range.from))
              << ",\"to\":" << (range.to.empty() ? "null" : kalshi::jsonText(range.to))
              << ",\"by\":" << kalshi::jsonText(query.by) << "," << kalshi::pnlGroupsFields(groups)
              << "}" << std::endl;
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
      const std::optional<Decimal> value = groups.equityOf(group);
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
    for (const auto& [group, amounts] : groups.groups) line(cells(group, amounts, true));
    std::cout << std::flush;
    return true;
  }
  std::cout << db << ": realized P&L from " << from << " to " << to << " (" << *zone
            << " days; dollars, net of fees), by " << query.by << "\n";
  std::vector<std::vector<std::string>> rows = {header};
  for (const auto& [group, amounts] : groups.groups) rows.push_back(cells(group, amounts, false));
  rows.push_back(cells("TOTAL", groups.total, false));
  printTable(rows, true);
  if (groups.groups.empty()) std::cout << "  (no fills, settlements or closes in this range)\n";
  return true;
}

}  // namespace cli
}  // namespace kalshi_direct
