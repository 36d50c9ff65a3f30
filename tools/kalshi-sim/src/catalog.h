// The series the generator draws markets from: real Kalshi series tickers and the category the
// exchange gives each of them (docs table "Tickers and categories"), with what the generator
// needs to make realistic event/market tickers and schedules.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ksim {

enum class Schedule : std::uint8_t {
  Daily,    // SERIES-26MAR01, closes at the end of the day
  Quarter,  // SERIES-26MAR011415, 15-minute markets
  Monthly,  // SERIES-26MAR, closes mid next month
  Yearly,   // SERIES-26DEC31, closes at year end (always open in generated data)
  Game,     // SERIES-26MAR01BUFNYJ with one market per side (-BUF, -NYJ)
  OneOff,   // SERIES-29, a long-dated question
};

struct SeriesDef {
  const char* ticker;
  const char* title;
  const char* category;
  const char* frequency;
  std::vector<const char*> tags;
  Schedule schedule;
  int weight;  // relative frequency of markets in this series
  std::int64_t
      strike_base;  // strikes are strike_base + k * strike_step, in units of 10^-strike_scale
  std::int64_t strike_step;
  int strike_scale;  // decimals of the strike
  bool brackets;     // some events use "-B<x>" bracket markets
  bool scalar_ok;    // some markets of this series are scalar
  const char* source_name;
  const char* source_url;
  const char* unit;  // used in titles
};

const std::vector<SeriesDef>& series_catalog();

// Team / fighter codes for Game series.
const std::vector<const char*>& team_codes(const std::string& series_ticker);

// "26MAR01" for a day number (days since 1970-01-01).
std::string ticker_date(std::int64_t day);
// "26MAR"
std::string ticker_month(int year, unsigned month);
// "Mar 1, 2026"
std::string human_date(std::int64_t day);
// Number with `scale` decimals: 605 scale 1 -> "60.5"
std::string scaled_number(std::int64_t units, int scale);

}  // namespace ksim
