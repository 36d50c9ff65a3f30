#include "period_report.h"

#include <algorithm>
#include <iostream>
#include <map>
#include <set>

#include "kalshi/ledger_store.h"
#include "kalshi/local_days.h"
#include "kalshi_direct/json_writer.h"
#include "kalshi_direct/timestamp.h"

namespace kalshi_direct {
namespace cli {

namespace {

const std::set<std::string> kRanges = {"today", "wtd", "mtd", "ytd", "1y", "all"};
const std::set<std::string> kGroupings = {"day",      "week",   "month",
                                          "category", "series", "subaccount"};

std::string groupOf(const kalshi::LedgerRow& row, const std::string& by) {
  if (by == "week") return kalshi::LocalDays::mondayOf(row.key.day);
  if (by == "month") return row.key.day.substr(0, 7);
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

void printTable(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths;
  for (const auto& row : rows) {
    widths.resize(std::max(widths.size(), row.size()), 0);
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  size_t total = 0;
  for (size_t width : widths) total += width + 2;
  for (size_t r = 0; r < rows.size(); ++r) {
    if (r + 1 == rows.size() && rows.size() > 2) std::cout << "  " << std::string(total - 2, '-') << "\n";
    std::string line = "  ";
    for (size_t i = 0; i < rows[r].size(); ++i) {
      const std::string pad(widths[i] - rows[r][i].size(), ' ');
      line += i == 0 ? rows[r][i] + pad : pad + rows[r][i];
      if (i + 1 < rows[r].size()) line += "  ";
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    std::cout << line << "\n";
  }
}

std::string csvField(const std::string& text) {
  if (text.find_first_of(",\"\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

}  // namespace

bool validPeriodQuery(const PeriodQuery& query, std::string& error) {
  if (!query.range.empty() && !kRanges.count(query.range)) {
    error = "--range: '" + query.range + "' is not one of today, wtd, mtd, ytd, 1y, all";
    return false;
  }
  if (!query.range.empty() && (!query.from.empty() || !query.to.empty())) {
    error = "--range and --from/--to do not go together: use one";
    return false;
  }
  for (const auto& [flag, day] : {std::pair<const char*, std::string>{"--from", query.from},
                                  {"--to", query.to}}) {
    if (!day.empty() && !kalshi::LocalDays::isDay(day)) {
      error = std::string(flag) + ": '" + day + "' is not a date (YYYY-MM-DD)";
      return false;
    }
  }
  if (!query.from.empty() && !query.to.empty() && query.to < query.from) {
    error = "--to " + query.to + " is before --from " + query.from;
    return false;
  }
  if (!kGroupings.count(query.by)) {
    error = "--by: '" + query.by + "' is not one of day, week, month, category, series, subaccount";
    return false;
  }
  return true;
}

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
  std::map<std::string, kalshi::DailyAmounts> groups;
  kalshi::DailyAmounts total;
  for (const kalshi::LedgerRow& row : kalshi::readDailyLedger(store, filter)) {
    groups[groupOf(row, query.by)] += row.amounts;
    total += row.amounts;
  }
  const std::string from = range.from.empty() ? "the first day" : range.from;
  const std::string to = range.to.empty() ? "the last day" : range.to;

  if (query.format == ReportFormat::kJson) {
    std::string out = "{\"database\":";
    appendJsonString(out, db);
    out += ",\"timezone\":";
    appendJsonString(out, *zone);
    out += ",\"from\":";
    if (range.from.empty()) out += "null"; else appendJsonString(out, range.from);
    out += ",\"to\":";
    if (range.to.empty()) out += "null"; else appendJsonString(out, range.to);
    out += ",\"by\":";
    appendJsonString(out, query.by);
    auto appendAmounts = [&out](const kalshi::DailyAmounts& a) {
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
    };
    out += ",\"rows\":[";
    bool first = true;
    for (const auto& [group, amounts] : groups) {
      out += first ? "{\"group\":" : ",{\"group\":";
      first = false;
      appendJsonString(out, group);
      appendAmounts(amounts);
      out += "}";
    }
    out += "],\"total\":{\"group\":\"TOTAL\"";
    appendAmounts(total);
    out += "}}";
    std::cout << out << std::endl;
    return true;
  }
  const std::vector<std::string> header = {heading(query.by), "REALIZED", "FEES",  "FILLS",
                                           "BOUGHT",          "SOLD",     "CLOSED", "WON",
                                           "LOST",            "WIN RATE"};
  auto cells = [&](const std::string& group, const kalshi::DailyAmounts& a, bool exact_money) {
    return std::vector<std::string>{group,
                                    exact_money ? exact(a.realized) : money(a.realized),
                                    exact_money ? exact(a.fees) : money(a.fees),
                                    std::to_string(a.fills),
                                    count(a.bought),
                                    count(a.sold),
                                    std::to_string(a.closes),
                                    std::to_string(a.wins),
                                    std::to_string(a.losses),
                                    winRate(a)};
  };
  if (query.format == ReportFormat::kCsv) {
    std::vector<std::string> names = {query.by,       "realized_pnl_dollars", "fees_dollars",
                                      "fills",        "contracts_bought",     "contracts_sold",
                                      "markets_closed", "winning_closes",     "losing_closes",
                                      "win_rate"};
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
  printTable(rows);
  if (groups.empty()) std::cout << "  (no fills, settlements or closes in this range)\n";
  return true;
}

}  // namespace cli
}  // namespace kalshi_direct
