#include "kalshi/local_days.h"

#include <date/tz.h>

#include <cstdio>
#include <stdexcept>

namespace kalshi_direct {
namespace kalshi {

namespace {

using Micros = std::chrono::microseconds;

std::string format(const date::year_month_day& ymd) {
  char text[16];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return text;
}

bool parseDay(const std::string& text, date::year_month_day& out) {
  int year = 0;
  unsigned month = 0, day = 0;
  char tail = 0;
  if (text.size() != 10 || text[4] != '-' || text[7] != '-' ||
      std::sscanf(text.c_str(), "%4d-%2u-%2u%c", &year, &month, &day, &tail) != 3)
    return false;
  out = date::year_month_day{date::year{year}, date::month{month}, date::day{day}};
  return out.ok();
}

date::year_month_day requireDay(const std::string& text) {
  date::year_month_day ymd;
  if (!parseDay(text, ymd))
    throw std::invalid_argument("'" + text + "' is not a date (YYYY-MM-DD)");
  return ymd;
}

}  // namespace

LocalDays::LocalDays(const std::string& zone) : name_(zone) {
  try {
    zone_ = date::locate_zone(zone);
  } catch (const std::exception&) {
    zone_ = nullptr;
  }
  if (!zone_) {
    throw std::invalid_argument("unknown time zone '" + zone +
                                "' (an IANA name such as America/New_York, Europe/London or UTC)");
  }
}

std::string LocalDays::dayOf(int64_t time_us) const {
  const date::sys_time<Micros> instant{Micros{time_us}};
  const auto local = zone_->to_local(instant);
  return format(date::year_month_day{date::floor<date::days>(local)});
}

int64_t LocalDays::startOf(const std::string& day) const {
  const date::local_days local{requireDay(day)};
  // A midnight that daylight saving skips starts the day at the first instant after the gap.
  const auto info = zone_->get_info(local);
  date::sys_seconds start;
  if (info.result == date::local_info::nonexistent) {
    start = info.second.begin;
  } else {
    start = date::sys_seconds{local.time_since_epoch()} - info.first.offset;
  }
  return std::chrono::duration_cast<Micros>(start.time_since_epoch()).count();
}

std::string LocalDays::nextDay(const std::string& day) {
  return format(date::year_month_day{date::sys_days{requireDay(day)} + date::days{1}});
}

std::string LocalDays::previousDay(const std::string& day) {
  return format(date::year_month_day{date::sys_days{requireDay(day)} - date::days{1}});
}

std::string LocalDays::addDays(const std::string& day, int64_t count) {
  return format(
      date::year_month_day{date::sys_days{requireDay(day)} + date::days{static_cast<int>(count)}});
}

std::string LocalDays::mondayOf(const std::string& day) {
  const date::sys_days days{requireDay(day)};
  const date::weekday weekday{days};
  return format(date::year_month_day{days - (weekday - date::Monday)});
}

std::string LocalDays::monthStart(const std::string& day) {
  const date::year_month_day ymd = requireDay(day);
  return format(ymd.year() / ymd.month() / date::day{1});
}

std::string LocalDays::monthEnd(const std::string& day) {
  const date::year_month_day ymd = requireDay(day);
  return format(date::year_month_day{ymd.year() / ymd.month() / date::last});
}

bool LocalDays::isDay(const std::string& text) {
  date::year_month_day ymd;
  return parseDay(text, ymd);
}

}  // namespace kalshi
}  // namespace kalshi_direct
