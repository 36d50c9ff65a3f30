// Exact fixed-point money, contract counts and timestamps for the simulator.
//
// Kalshi sends money as decimal strings with up to 6 fractional digits and counts with 2, so the
// simulator keeps money as int64 micro-dollars and counts as int64 hundredths of a contract.
// Nothing here (or anywhere in the simulator's accounting) uses floating point: the ground truth
// must be exact to the micro-dollar, otherwise an ETL could never be compared against it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace ksim {

using Micros = std::int64_t;  // money, 1e-6 US dollars
using Centis = std::int64_t;  // contract counts, 1e-2 contracts

constexpr Micros kMicrosPerDollar = 1'000'000;
constexpr Micros kMicrosPerCent = 10'000;
constexpr Centis kCentisPerContract = 100;

// "0.5600", "12.345678", "-3.0000": at least 4 fractional digits (Kalshi's usual rendering),
// 6 when the value needs them.
std::string format_dollars(Micros v);
void append_dollars(std::string& out, Micros v);
// Same with at least `min_decimals` (4 or 6) fractional digits: 6 gives "0.268000".
void append_dollars_min(std::string& out, Micros v, int min_decimals);

// "10.00", "-3.00", "2.50": always 2 fractional digits.
std::string format_count(Centis v);
void append_count(std::string& out, Centis v);

// Exact parsers; reject anything that is not [-]digits[.digits] with at most 6 (dollars) or
// 2 (counts) significant fractional digits (further digits must be zeros: "0.50000000").
bool parse_dollars(std::string_view s, Micros& out);
bool parse_count(std::string_view s, Centis& out);

// price * count, exact when the price has at most 4 decimals (always true for generated data);
// otherwise rounded half away from zero to the micro-dollar.
Micros cost_micros(Centis count, Micros price);

// Round micro-dollars to integer cents, half away from zero.
std::int64_t round_to_cents(Micros v);

// Kalshi's quadratic trading fee: ceil to the next cent of rate * C * P * (1 - P), with
// rate = rate_bp / 10000 (700 = 0.07 taker, 175 = 0.0175 maker), C in contracts, P in dollars.
Micros quadratic_fee(Centis count, Micros price, int rate_bp);

// ---- time -------------------------------------------------------------------------------
constexpr std::int64_t kMicrosPerSecond = 1'000'000;

std::int64_t wall_clock_us();
std::int64_t wall_clock_ms();

// RFC 3339 in UTC: "2026-03-01T14:03:22.123456Z" (with_fraction) or "2026-03-01T14:03:22Z".
std::string format_rfc3339(std::int64_t unix_us, bool with_fraction = true);
void append_rfc3339(std::string& out, std::int64_t unix_us, bool with_fraction = true);

// Accepts "YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)"; fraction truncated to microseconds.
bool parse_rfc3339(std::string_view s, std::int64_t& unix_us);

// Days since 1970-01-01 for a civil date, and back (proleptic Gregorian).
std::int64_t days_from_civil(int y, unsigned m, unsigned d);
void civil_from_days(std::int64_t z, int& y, unsigned& m, unsigned& d);

// Floor division that is correct for negative numerators (timestamps before 1970, losses).
inline std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

}  // namespace ksim
