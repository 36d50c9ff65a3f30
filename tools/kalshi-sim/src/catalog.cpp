#include "catalog.h"

#include "fixed_point.h"

namespace ksim {

const std::vector<SeriesDef>& series_catalog() {
  static const std::vector<SeriesDef> kSeries = {
      // Climate and Weather: daily high temperature, thresholds (-T60) and brackets (-B60.5).
      {"KXHIGHNY", "Highest temperature in NYC", "Climate and Weather", "daily", {"Weather", "Temperature"},
       Schedule::Daily, 9, 50, 2, 0, true, false, "National Weather Service", "https://www.weather.gov/", "°F"},
      {"KXHIGHCHI", "Highest temperature in Chicago", "Climate and Weather", "daily", {"Weather", "Temperature"},
       Schedule::Daily, 7, 45, 2, 0, true, false, "National Weather Service", "https://www.weather.gov/", "°F"},
      {"KXHIGHLAX", "Highest temperature in Los Angeles", "Climate and Weather", "daily", {"Weather", "Temperature"},
       Schedule::Daily, 6, 68, 2, 0, true, false, "National Weather Service", "https://www.weather.gov/", "°F"},
      {"KXHIGHMIA", "Highest temperature in Miami", "Climate and Weather", "daily", {"Weather", "Temperature"},
       Schedule::Daily, 6, 80, 2, 0, true, false, "National Weather Service", "https://www.weather.gov/", "°F"},
      {"KXHIGHAUS", "Highest temperature in Austin", "Climate and Weather", "daily", {"Weather", "Temperature"},
       Schedule::Daily, 5, 75, 2, 0, true, false, "National Weather Service", "https://www.weather.gov/", "°F"},
      // Crypto: 15-minute markets and a year-end market.
      {"KXBTC15M", "Bitcoin price in 15 minutes", "Crypto", "fifteen_min", {"BTC", "Crypto"}, Schedule::Quarter, 9,
       94500, 250, 0, false, false, "CF Benchmarks", "https://www.cfbenchmarks.com/", "$"},
      {"KXETH15M", "Ethereum price in 15 minutes", "Crypto", "fifteen_min", {"ETH", "Crypto"}, Schedule::Quarter, 6,
       3350, 10, 0, false, false, "CF Benchmarks", "https://www.cfbenchmarks.com/", "$"},
      {"KXSOL15M", "Solana price in 15 minutes", "Crypto", "fifteen_min", {"SOL", "Crypto"}, Schedule::Quarter, 4,
       185, 1, 0, false, false, "CF Benchmarks", "https://www.cfbenchmarks.com/", "$"},
      {"KXBTCY", "Bitcoin price at the end of the year", "Crypto", "annual", {"BTC", "Crypto"}, Schedule::Yearly, 1,
       100000, 25000, 0, false, false, "CF Benchmarks", "https://www.cfbenchmarks.com/", "$"},
      // Economics.
      {"KXCPI", "CPI month over month", "Economics", "monthly", {"Inflation", "CPI"}, Schedule::Monthly, 2, 3, 1,
       1, false, true, "Bureau of Labor Statistics", "https://www.bls.gov/cpi/", "%"},
      {"KXCPIYOY", "CPI year over year", "Economics", "monthly", {"Inflation", "CPI"}, Schedule::Monthly, 2, 25, 1,
       1, false, true, "Bureau of Labor Statistics", "https://www.bls.gov/cpi/", "%"},
      {"KXFED", "Fed funds rate upper bound", "Economics", "monthly", {"Fed", "Interest rates"}, Schedule::Monthly, 2,
       375, 25, 2, false, false, "Federal Reserve", "https://www.federalreserve.gov/", "%"},
      {"KXFEDDECISION", "Fed decision", "Economics", "monthly", {"Fed", "Interest rates"}, Schedule::Monthly, 1, 0,
       25, 0, false, false, "Federal Reserve", "https://www.federalreserve.gov/", "bps"},
      {"KXGDP", "GDP growth", "Economics", "quarterly", {"GDP", "Growth"}, Schedule::Monthly, 1, 20, 5, 1, false,
       true, "Bureau of Economic Analysis", "https://www.bea.gov/", "%"},
      {"KXPAYROLLS", "Nonfarm payrolls", "Economics", "monthly", {"Jobs", "Employment"}, Schedule::Monthly, 1,
       50000, 25000, 0, false, true, "Bureau of Labor Statistics", "https://www.bls.gov/", "jobs"},
      {"KXU3", "Unemployment rate", "Economics", "monthly", {"Jobs", "Unemployment"}, Schedule::Monthly, 1, 40, 1,
       1, false, true, "Bureau of Labor Statistics", "https://www.bls.gov/", "%"},
      // Financials.
      {"KXINXY", "S&P 500 at the end of the year", "Financials", "annual", {"S&P", "Indices"}, Schedule::Yearly, 1,
       6000, 250, 0, true, false, "S&P Dow Jones Indices", "https://www.spglobal.com/", "pts"},
      {"KXNASDAQ100Y", "Nasdaq-100 at the end of the year", "Financials", "annual", {"Nasdaq", "Indices"},
       Schedule::Yearly, 1, 21000, 500, 0, true, false, "Nasdaq", "https://www.nasdaq.com/", "pts"},
      {"KXTSLA", "Tesla closing price", "Financials", "daily", {"Tesla", "Stocks"}, Schedule::Daily, 3, 300, 10, 0,
       true, false, "Nasdaq", "https://www.nasdaq.com/", "$"},
      // Sports: one market per side of a game.
      {"KXNFLGAME", "Professional football game", "Sports", "custom", {"Football", "NFL"}, Schedule::Game, 4, 0, 0, 0,
       false, false, "NFL", "https://www.nfl.com/", ""},
      {"KXNBAGAME", "Professional basketball game", "Sports", "custom", {"Basketball", "NBA"}, Schedule::Game, 5, 0, 0,
       0, false, false, "NBA", "https://www.nba.com/", ""},
      {"KXMLBGAME", "Professional baseball game", "Sports", "custom", {"Baseball", "MLB"}, Schedule::Game, 5, 0, 0, 0,
       false, false, "MLB", "https://www.mlb.com/", ""},
      {"KXNHLGAME", "Professional hockey game", "Sports", "custom", {"Hockey", "NHL"}, Schedule::Game, 3, 0, 0, 0,
       false, false, "NHL", "https://www.nhl.com/", ""},
      {"KXUFCFIGHT", "UFC fight", "Sports", "custom", {"MMA", "UFC"}, Schedule::Game, 2, 0, 0, 0, false, false, "UFC",
       "https://www.ufc.com/", ""},
      // Politics and commodities.
      {"KXGREENLAND", "Will the US acquire Greenland?", "Politics", "one_off", {"Geopolitics", "Trump"},
       Schedule::OneOff, 1, 2027, 1, 0, false, false, "Associated Press", "https://apnews.com/", ""},
      {"KXGOLD15M", "Gold price in 15 minutes", "Commodities", "fifteen_min", {"Gold", "Commodities"},
       Schedule::Quarter, 3, 2650, 5, 0, false, false, "CME Group", "https://www.cmegroup.com/", "$"},
  };
  return kSeries;
}

const std::vector<const char*>& team_codes(const std::string& series_ticker) {
  static const std::vector<const char*> kNfl = {"BUF", "NYJ", "KC", "PHI", "DAL", "SF", "GB", "DET", "BAL", "MIA",
                                                "CIN", "LAR", "SEA", "MIN", "PIT", "CHI"};
  static const std::vector<const char*> kNba = {"BOS", "NYK", "LAL", "GSW", "DEN", "MIL", "PHX", "MIA", "OKC", "DAL",
                                                "MIN", "CLE", "SAC", "IND", "ORL", "HOU"};
  static const std::vector<const char*> kMlb = {"NYY", "LAD", "BOS", "HOU", "ATL", "PHI", "SD", "SEA", "TOR", "CHC",
                                                "BAL", "TEX", "NYM", "SF", "MIL", "CLE"};
  static const std::vector<const char*> kNhl = {"EDM", "FLA", "NYR", "DAL", "COL", "BOS", "VGK", "TOR", "CAR", "WPG",
                                                "VAN", "NJD", "TBL", "LAK", "MIN", "SEA"};
  static const std::vector<const char*> kUfc = {"JON", "MIO", "ASP", "PER", "ANK", "MAK", "TOP", "OLI", "PEREI",
                                                "STR", "DUP", "ADE", "GAE", "HOL", "VOL", "ISR"};
  if (series_ticker == "KXNFLGAME") return kNfl;
  if (series_ticker == "KXNBAGAME") return kNba;
  if (series_ticker == "KXMLBGAME") return kMlb;
  if (series_ticker == "KXNHLGAME") return kNhl;
  return kUfc;
}

namespace {
const char* kMonths[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
const char* kMonthNames[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

std::string two(unsigned v) {
  std::string s;
  s.push_back(static_cast<char>('0' + v / 10 % 10));
  s.push_back(static_cast<char>('0' + v % 10));
  return s;
}
}  // namespace

std::string ticker_date(std::int64_t day) {
  int y;
  unsigned m, d;
  civil_from_days(day, y, m, d);
  return two(static_cast<unsigned>(y % 100)) + kMonths[m - 1] + two(d);
}

std::string ticker_month(int year, unsigned month) {
  return two(static_cast<unsigned>(year % 100)) + kMonths[month - 1];
}

std::string human_date(std::int64_t day) {
  int y;
  unsigned m, d;
  civil_from_days(day, y, m, d);
  return std::string(kMonthNames[m - 1]) + " " + std::to_string(d) + ", " + std::to_string(y);
}

std::string scaled_number(std::int64_t units, int scale) {
  if (scale == 0) return std::to_string(units);
  std::int64_t div = 1;
  for (int i = 0; i < scale; ++i) div *= 10;
  bool neg = units < 0;
  std::int64_t a = neg ? -units : units;
  std::string frac = std::to_string(a % div);
  while (static_cast<int>(frac.size()) < scale) frac.insert(frac.begin(), '0');
  return (neg ? "-" : "") + std::to_string(a / div) + "." + frac;
}

}  // namespace ksim
