// LocalDays: calendar days in an IANA time zone, for the daily ledger (kalshi_daily_pnl,
// kalshi_equity_daily) and the reports that read it.
//
// A day is the civil date ("2026-03-01") that an instant falls on in the zone, daylight saving
// included (a day may be 23 or 25 hours long). The default is America/New_York: Kalshi is a US
// exchange whose trading day, market close times and statements are in Eastern time, and a US
// trader's evening session stays on one day (in UTC it would be split at 7 or 8 pm). The zone
// database is the system's (/usr/share/zoneinfo, Debian's tzdata), read through Howard Hinnant's
// date library (Debian's libhowardhinnant-date-dev), not the process's TZ: nothing here depends
// on the machine's own zone.
#pragma once

#include <cstdint>
#include <string>

namespace date {
class time_zone;
}

namespace kalshi_direct {
namespace kalshi {

constexpr const char* kDefaultTimeZone = "America/New_York";

class LocalDays {
 public:
  // Throws std::invalid_argument with a one-line message ("unknown time zone 'Mars/Olympus'
  // (an IANA name such as America/New_York, Europe/London or UTC)") for a zone the system lacks.
  explicit LocalDays(const std::string& zone = kDefaultTimeZone);

  const std::string& zone() const { return name_; }
  // The local date of an instant (Unix microseconds): "YYYY-MM-DD".
  std::string dayOf(int64_t time_us) const;
  // The instant the local day `day` ("YYYY-MM-DD") starts, in Unix microseconds. Throws
  // std::invalid_argument for text that is not a date.
  int64_t startOf(const std::string& day) const;
  // The day after / before `day` (calendar arithmetic; no zone involved).
  static std::string nextDay(const std::string& day);
  static std::string previousDay(const std::string& day);
  static std::string addDays(const std::string& day, int64_t count);
  // The Monday of the ISO week `day` is in.
  static std::string mondayOf(const std::string& day);
  // The first and the last day of the month `day` is in.
  static std::string monthStart(const std::string& day);
  static std::string monthEnd(const std::string& day);
  // Whether `text` is a valid "YYYY-MM-DD" date.
  static bool isDay(const std::string& text);

 private:
  std::string name_;
  const date::time_zone* zone_ = nullptr;
};

}  // namespace kalshi
}  // namespace kalshi_direct
