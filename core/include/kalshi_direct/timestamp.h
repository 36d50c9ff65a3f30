// Timestamp: an instant in UTC with microsecond resolution.
//
// Stored as microseconds since the Unix epoch. Parses RFC 3339 (Kalshi's `created_time`,
// "2026-03-01T14:03:22.123456Z", any offset, 0..9 fractional digits; digits past microseconds
// are truncated) and formats ISO 8601 UTC with a `Z`. Calendar arithmetic is the proleptic
// Gregorian civil-from-days algorithm, so nothing depends on the machine's time zone.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace kalshi_direct {

class Timestamp {
 public:
  constexpr Timestamp() = default;
  static constexpr Timestamp fromMicros(int64_t micros) { return Timestamp(micros); }
  static constexpr Timestamp fromUnixSeconds(int64_t seconds) {
    return Timestamp(seconds * 1000000);
  }
  // The system clock's time now (for records' updated_at and logs; never for durations).
  static Timestamp now() {
    return Timestamp(std::chrono::duration_cast<std::chrono::microseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count());
  }

  // Accepts "YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)"; 't'/'z' and a space for 'T' too.
  // On failure returns false and explains in *error.
  static bool parse(std::string_view text, Timestamp& out, std::string* error = nullptr);

  int64_t micros() const { return micros_; }
  int64_t unixSeconds() const {  // floor, so instants before 1970 round down
    return micros_ >= 0 ? micros_ / 1000000 : -((-micros_ + 999999) / 1000000);
  }

  // "2026-03-01T14:03:22.123456Z"; the fraction is omitted when it is zero ("...:22Z").
  std::string toIso8601() const;

  bool operator==(const Timestamp& o) const { return micros_ == o.micros_; }
  bool operator!=(const Timestamp& o) const { return micros_ != o.micros_; }
  bool operator<(const Timestamp& o) const { return micros_ < o.micros_; }
  bool operator<=(const Timestamp& o) const { return micros_ <= o.micros_; }
  bool operator>(const Timestamp& o) const { return micros_ > o.micros_; }
  bool operator>=(const Timestamp& o) const { return micros_ >= o.micros_; }

  // Days since 1970-01-01 of a civil date (Howard Hinnant's days_from_civil).
  static constexpr int64_t daysFromCivil(int64_t year, unsigned month, unsigned day) {
    year -= month <= 2;
    const int64_t era = (year >= 0 ? year : year - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(year - era * 400);
    const unsigned doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<int64_t>(doe) - 719468;
  }

 private:
  constexpr explicit Timestamp(int64_t micros) : micros_(micros) {}
  int64_t micros_ = 0;
};

inline bool Timestamp::parse(std::string_view text, Timestamp& out, std::string* error) {
  auto fail = [&](const char* why) {
    if (error)
      *error = std::string(why) + " in timestamp '" + std::string(text.substr(0, 64)) + "'";
    return false;
  };
  size_t pos = 0;
  auto number = [&](size_t width, int& value) {
    if (pos + width > text.size()) return false;
    value = 0;
    for (size_t i = 0; i < width; ++i) {
      const char c = text[pos + i];
      if (c < '0' || c > '9') return false;
      value = value * 10 + (c - '0');
    }
    pos += width;
    return true;
  };
  auto expect = [&](char a, char b = '\0') {
    if (pos < text.size() && (text[pos] == a || (b != '\0' && text[pos] == b))) {
      ++pos;
      return true;
    }
    return false;
  };
  int year, month, day, hour, minute, second;
  if (!number(4, year) || !expect('-') || !number(2, month) || !expect('-') || !number(2, day)) {
    return fail("expected YYYY-MM-DD");
  }
  if (!expect('T', 't') && !expect(' ')) return fail("expected 'T' after the date");
  if (!number(2, hour) || !expect(':') || !number(2, minute) || !expect(':') ||
      !number(2, second)) {
    return fail("expected HH:MM:SS");
  }
  static constexpr int kDaysInMonth[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  if (month < 1 || month > 12 || day < 1 || day > kDaysInMonth[month - 1] ||
      (month == 2 && day == 29 && !leap) || hour > 23 || minute > 59 || second > 60) {
    return fail("field out of range");
  }
  int64_t fraction_micros = 0;
  if (expect('.')) {
    int digits = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (digits < 6) fraction_micros = fraction_micros * 10 + (text[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0) return fail("expected digits after '.'");
    for (int i = digits; i < 6; ++i) fraction_micros *= 10;
  }
  int64_t offset_seconds = 0;
  if (expect('Z', 'z')) {
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    const int sign = text[pos++] == '-' ? -1 : 1;
    int offset_hours, offset_minutes;
    if (!number(2, offset_hours) || !expect(':') || !number(2, offset_minutes) ||
        offset_hours > 23 || offset_minutes > 59) {
      return fail("bad UTC offset");
    }
    offset_seconds = sign * (offset_hours * 3600 + offset_minutes * 60);
  } else {
    return fail("missing time zone (Z or +HH:MM)");
  }
  if (pos != text.size()) return fail("trailing characters");
  const int64_t days =
      daysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  const int64_t seconds = days * 86400 + hour * 3600 + minute * 60 + second - offset_seconds;
  // An offset can move 0000-01-01 or 9999-12-31 out of the four-digit years toIso8601() writes.
  if (seconds < daysFromCivil(0, 1, 1) * 86400 || seconds >= daysFromCivil(10000, 1, 1) * 86400) {
    return fail("time out of range (years 0000 to 9999 in UTC)");
  }
  out = Timestamp(seconds * 1000000 + fraction_micros);
  return true;
}

inline std::string Timestamp::toIso8601() const {
  int64_t seconds = unixSeconds();
  const int64_t fraction = micros_ - seconds * 1000000;
  int64_t days = seconds >= 0 ? seconds / 86400 : -((-seconds + 86399) / 86400);
  const int64_t second_of_day = seconds - days * 86400;
  // civil_from_days
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(days - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned day = doy - (153 * mp + 2) / 5 + 1;
  const unsigned month = mp < 10 ? mp + 3 : mp - 9;
  const int64_t year = static_cast<int64_t>(yoe) + era * 400 + (month <= 2);
  char buffer[96];
  const int hour = static_cast<int>(second_of_day / 3600);
  const int minute = static_cast<int>(second_of_day / 60 % 60);
  const int second = static_cast<int>(second_of_day % 60);
  if (fraction == 0) {
    std::snprintf(buffer, sizeof buffer, "%04lld-%02u-%02uT%02d:%02d:%02dZ",
                  static_cast<long long>(year), month, day, hour, minute, second);
  } else {
    std::snprintf(buffer, sizeof buffer, "%04lld-%02u-%02uT%02d:%02d:%02d.%06lldZ",
                  static_cast<long long>(year), month, day, hour, minute, second,
                  static_cast<long long>(fraction));
  }
  return buffer;
}

}  // namespace kalshi_direct
