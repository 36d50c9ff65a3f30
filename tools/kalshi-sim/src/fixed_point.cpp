#include "fixed_point.h"

#include <chrono>
#include <cstdio>

namespace ksim {

namespace {

void append_uint(std::string& out, std::uint64_t v) {
  char buf[24];
  int n = 0;
  do {
    buf[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  while (n > 0) out.push_back(buf[--n]);
}

void append_padded(std::string& out, std::uint64_t v, int width) {
  char buf[24];
  for (int i = width - 1; i >= 0; --i) {
    buf[i] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
  out.append(buf, static_cast<std::size_t>(width));
}

// Parses [-]digits[.digits] into an integer scaled by 10^scale_digits.
bool parse_scaled(std::string_view s, int scale_digits, std::int64_t& out) {
  if (s.empty()) return false;
  bool neg = false;
  std::size_t i = 0;
  if (s[0] == '-' || s[0] == '+') {
    neg = s[0] == '-';
    i = 1;
  }
  if (i >= s.size()) return false;
  __int128 whole = 0;
  std::size_t digits = 0;
  for (; i < s.size() && s[i] != '.'; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    whole = whole * 10 + (s[i] - '0');
    if (whole > static_cast<__int128>(INT64_MAX)) return false;
    ++digits;
  }
  std::int64_t frac = 0;
  int frac_digits = 0;
  if (i < s.size()) {  // at '.'
    ++i;
    if (i >= s.size()) return false;
    for (; i < s.size(); ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
      if (frac_digits == scale_digits) {
        // More digits than the scale holds: fine only while they are zeros ("0.12345600").
        if (s[i] != '0') return false;
        continue;
      }
      frac = frac * 10 + (s[i] - '0');
      ++frac_digits;
    }
  }
  if (digits == 0 && frac_digits == 0) return false;
  for (int k = frac_digits; k < scale_digits; ++k) frac *= 10;
  std::int64_t scale = 1;
  for (int k = 0; k < scale_digits; ++k) scale *= 10;
  __int128 v = whole * scale + frac;
  if (v > static_cast<__int128>(INT64_MAX)) return false;
  out = neg ? -static_cast<std::int64_t>(v) : static_cast<std::int64_t>(v);
  return true;
}

}  // namespace

void append_dollars(std::string& out, Micros v) { append_dollars_min(out, v, 4); }

void append_dollars_min(std::string& out, Micros v, int min_decimals) {
  std::uint64_t a =
      v < 0 ? static_cast<std::uint64_t>(-(v + 1)) + 1 : static_cast<std::uint64_t>(v);
  if (v < 0) out.push_back('-');
  append_uint(out, a / 1'000'000);
  out.push_back('.');
  std::uint64_t frac = a % 1'000'000;
  if (frac % 100 == 0 && min_decimals < 6) {
    append_padded(out, frac / 100, 4);
  } else {
    append_padded(out, frac, 6);
  }
}

std::string format_dollars(Micros v) {
  std::string s;
  append_dollars(s, v);
  return s;
}

void append_count(std::string& out, Centis v) {
  std::uint64_t a =
      v < 0 ? static_cast<std::uint64_t>(-(v + 1)) + 1 : static_cast<std::uint64_t>(v);
  if (v < 0) out.push_back('-');
  append_uint(out, a / 100);
  out.push_back('.');
  append_padded(out, a % 100, 2);
}

std::string format_count(Centis v) {
  std::string s;
  append_count(s, v);
  return s;
}

bool parse_dollars(std::string_view s, Micros& out) { return parse_scaled(s, 6, out); }
bool parse_count(std::string_view s, Centis& out) { return parse_scaled(s, 2, out); }

Micros cost_micros(Centis count, Micros price) {
  __int128 p = static_cast<__int128>(count) * price;  // 1e-8 dollars
  __int128 q = p / 100;
  __int128 r = p % 100;
  if (r >= 50) ++q;
  if (r <= -50) --q;
  return static_cast<Micros>(q);
}

std::int64_t round_to_cents(Micros v) {
  std::int64_t q = v / kMicrosPerCent;
  std::int64_t r = v % kMicrosPerCent;
  if (r >= kMicrosPerCent / 2) ++q;
  if (r <= -kMicrosPerCent / 2) --q;
  return q;
}

Micros quadratic_fee(Centis count, Micros price, int rate_bp) {
  if (count <= 0 || price <= 0 || price >= kMicrosPerDollar) return 0;
  // fee in cents = rate_bp/1e4 * count/1e2 * price/1e6 * (1e6-price)/1e6 * 100
  //              = rate_bp * count * price * (1e6 - price) / 1e16
  __int128 num = static_cast<__int128>(rate_bp) * count * price * (kMicrosPerDollar - price);
  __int128 den = static_cast<__int128>(10'000'000'000'000'000LL);
  __int128 cents = (num + den - 1) / den;
  return static_cast<Micros>(cents) * kMicrosPerCent;
}

std::int64_t wall_clock_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::int64_t wall_clock_ms() { return wall_clock_us() / 1000; }

std::int64_t days_from_civil(int y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

void civil_from_days(std::int64_t z, int& y, unsigned& m, unsigned& d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t yy = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = static_cast<int>(yy + (m <= 2));
}

void append_rfc3339(std::string& out, std::int64_t unix_us, bool with_fraction) {
  std::int64_t secs = floor_div(unix_us, kMicrosPerSecond);
  std::int64_t micros = unix_us - secs * kMicrosPerSecond;
  std::int64_t days = floor_div(secs, 86400);
  std::int64_t sod = secs - days * 86400;
  int y;
  unsigned m, d;
  civil_from_days(days, y, m, d);
  append_padded(out, static_cast<std::uint64_t>(y), 4);
  out.push_back('-');
  append_padded(out, m, 2);
  out.push_back('-');
  append_padded(out, d, 2);
  out.push_back('T');
  append_padded(out, static_cast<std::uint64_t>(sod / 3600), 2);
  out.push_back(':');
  append_padded(out, static_cast<std::uint64_t>(sod / 60 % 60), 2);
  out.push_back(':');
  append_padded(out, static_cast<std::uint64_t>(sod % 60), 2);
  if (with_fraction) {
    out.push_back('.');
    append_padded(out, static_cast<std::uint64_t>(micros), 6);
  }
  out.push_back('Z');
}

std::string format_rfc3339(std::int64_t unix_us, bool with_fraction) {
  std::string s;
  append_rfc3339(s, unix_us, with_fraction);
  return s;
}

bool parse_rfc3339(std::string_view s, std::int64_t& unix_us) {
  auto num = [&](std::size_t pos, std::size_t len, int& v) {
    if (pos + len > s.size()) return false;
    v = 0;
    for (std::size_t i = pos; i < pos + len; ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
      v = v * 10 + (s[i] - '0');
    }
    return true;
  };
  int y, mo, d, h, mi, se;
  if (s.size() < 20) return false;
  if (!num(0, 4, y) || s[4] != '-' || !num(5, 2, mo) || s[7] != '-' || !num(8, 2, d)) return false;
  if ((s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !num(11, 2, h) || s[13] != ':' ||
      !num(14, 2, mi) || s[16] != ':' || !num(17, 2, se))
    return false;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60) return false;
  std::size_t i = 19;
  std::int64_t micros = 0;
  if (i < s.size() && s[i] == '.') {
    ++i;
    int digits = 0;
    std::int64_t scale = 100000;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      if (digits < 6) {
        micros += (s[i] - '0') * scale;
        scale /= 10;
      }
      ++digits;
      ++i;
    }
    if (digits == 0) return false;
  }
  std::int64_t offset_s = 0;
  if (i >= s.size()) return false;
  if (s[i] == 'Z' || s[i] == 'z') {
    ++i;
  } else if (s[i] == '+' || s[i] == '-') {
    int oh, om;
    if (!num(i + 1, 2, oh) || i + 3 >= s.size() || s[i + 3] != ':' || !num(i + 4, 2, om))
      return false;
    offset_s = (oh * 3600 + om * 60) * (s[i] == '+' ? 1 : -1);
    i += 6;
  } else {
    return false;
  }
  if (i != s.size()) return false;
  std::int64_t days = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  std::int64_t secs = days * 86400 + h * 3600 + mi * 60 + se - offset_s;
  unix_us = secs * kMicrosPerSecond + micros;
  return true;
}

}  // namespace ksim
