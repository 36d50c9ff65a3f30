// Decimal: exact fixed-point numbers for money and contract counts.
//
// A Decimal is an int64 count of units of 10^-scale (scale 0..18). Kalshi sends prices and money as
// strings such as "0.5600" or "12.345678" (`*_dollars`) and counts as "10.00" (`*_fp`); parse()
// reads them without ever passing through a double, and arithmetic is exact: +, - and * either give
// the exact result or throw std::overflow_error (never a silently wrong number). Rounding happens
// only where a caller asks for it, with an explicit mode (e.g. to whole cents in a final column).
//
// Header-only: part of the plugin SDK, so a drop-in plugin shares it without linking anything.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace kalshi_direct {

enum class Rounding {
  kHalfAwayFromZero,  // 0.005 -> 0.01, -0.005 -> -0.01 (what a person expects of cents)
  kHalfEven,          // banker's rounding
  kTowardZero,        // truncate
  kFloor,             // toward -infinity
  kCeiling,           // toward +infinity (e.g. fees rounded up to the cent)
};

class Decimal {
 public:
  static constexpr int kMaxScale = 18;

  constexpr Decimal() = default;
  // The value units * 10^-scale. Throws std::invalid_argument if scale is outside 0..18.
  Decimal(int64_t units, int scale) : units_(units), scale_(checkedScale(scale)) {}
  static Decimal fromInt(int64_t value) { return Decimal(value, 0); }

  // Parses an optional sign, digits and an optional fraction: "12", "-0.5", "+3.250", ".5", "5.".
  // No exponent, no spaces, no thousands separators. At most 18 fractional digits, and the value
  // must fit in int64 units at its scale. The scale of the result is the number of fractional
  // digits written ("0.5600" has scale 4). On failure returns false and explains in *error.
  static bool parse(std::string_view text, Decimal& out, std::string* error = nullptr);

  // parse(), then express the value at exactly `scale` digits. Fails (rather than rounding) when
  // the text has non-zero digits beyond `scale`: "0.123" at scale 2 is an error, "0.1200" is 0.12.
  static bool parseAtScale(std::string_view text, int scale, Decimal& out,
                           std::string* error = nullptr);

  int64_t units() const { return units_; }
  int scale() const { return scale_; }
  bool isZero() const { return units_ == 0; }
  int sign() const { return units_ > 0 ? 1 : (units_ < 0 ? -1 : 0); }

  // The same value at another scale, rounded with `mode` when digits are dropped.
  // Throws std::overflow_error when the result does not fit.
  Decimal rescaled(int scale, Rounding mode = Rounding::kHalfAwayFromZero) const;
  // Exact conversion: false if the value has non-zero digits beyond `scale` or does not fit.
  bool tryRescale(int scale, Decimal& out) const;
  // The same value with trailing zero digits dropped, keeping at least `min_scale` digits:
  // Decimal(125000, 6).trimmed(4) is 0.1250; Decimal(1, 0).trimmed(2) is 1.00. Exact.
  Decimal trimmed(int min_scale) const {
    if (scale_ <= min_scale) return rescaled(min_scale);
    Decimal out = *this, shorter;
    while (out.scale_ > min_scale && out.tryRescale(out.scale_ - 1, shorter)) out = shorter;
    return out;
  }

  // Exact arithmetic; the result has the larger scale (sum of scales for *).
  Decimal operator+(const Decimal& other) const;
  Decimal operator-(const Decimal& other) const;
  Decimal operator*(const Decimal& other) const;
  Decimal operator-() const;
  Decimal& operator+=(const Decimal& other) { return *this = *this + other; }
  Decimal& operator-=(const Decimal& other) { return *this = *this - other; }
  // this / divisor, rounded to `scale` digits with `mode`. Throws on division by zero/overflow.
  Decimal divide(const Decimal& divisor, int scale, Rounding mode) const;

  // Compares values, not representations: 0.50 == 0.5.
  int compare(const Decimal& other) const;
  bool operator==(const Decimal& o) const { return compare(o) == 0; }
  bool operator!=(const Decimal& o) const { return compare(o) != 0; }
  bool operator<(const Decimal& o) const { return compare(o) < 0; }
  bool operator<=(const Decimal& o) const { return compare(o) <= 0; }
  bool operator>(const Decimal& o) const { return compare(o) > 0; }
  bool operator>=(const Decimal& o) const { return compare(o) >= 0; }

  // Fixed notation with exactly scale() fractional digits: Decimal(5600, 4) -> "0.5600".
  std::string toString() const;
  // The value rounded to an integer count of 10^-scale units, e.g. toUnits(2) of 0.285 = 29
  // (cents).
  int64_t toUnits(int scale, Rounding mode = Rounding::kHalfAwayFromZero) const {
    return rescaled(scale, mode).units();
  }

 private:
  static int checkedScale(int scale) {
    if (scale < 0 || scale > kMaxScale) throw std::invalid_argument("decimal scale out of range");
    return scale;
  }
  static __int128 pow10(int exponent) {
    __int128 value = 1;
    for (int i = 0; i < exponent; ++i) value *= 10;
    return value;
  }
  static Decimal fromWide(__int128 units, int scale) {
    if (units > INT64_MAX || units < INT64_MIN) throw std::overflow_error("decimal overflow");
    return Decimal(static_cast<int64_t>(units), scale);
  }
  // Divides with rounding; denominator > 0.
  static __int128 divideRounded(__int128 numerator, __int128 denominator, Rounding mode);
  // quotient + remainder / denominator rounded, where they come from a truncating division
  // (the remainder has the numerator's sign, |remainder| < denominator).
  static __int128 roundQuotient(__int128 quotient, __int128 remainder, __int128 denominator,
                                Rounding mode);

  int64_t units_ = 0;
  int scale_ = 0;
};

// ---- implementation (inline: the SDK is header-only) ----

inline bool Decimal::parse(std::string_view text, Decimal& out, std::string* error) {
  auto fail = [&](const char* why) {
    if (error) *error = std::string(why) + " in decimal '" + std::string(text.substr(0, 64)) + "'";
    return false;
  };
  size_t i = 0;
  bool negative = false;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) negative = text[i++] == '-';
  __int128 units = 0;
  int digits = 0, fraction_digits = 0;
  bool in_fraction = false;
  const __int128 limit = static_cast<__int128>(INT64_MAX) + (negative ? 1 : 0);
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '.') {
      if (in_fraction) return fail("two decimal points");
      in_fraction = true;
      continue;
    }
    if (c < '0' || c > '9') return fail("unexpected character");
    units = units * 10 + (c - '0');
    if (units > limit) return fail("value out of range");
    ++digits;
    if (in_fraction && ++fraction_digits > kMaxScale) return fail("more than 18 fractional digits");
  }
  if (digits == 0) return fail("no digits");
  out = Decimal(static_cast<int64_t>(negative ? -units : units), fraction_digits);
  return true;
}

inline bool Decimal::parseAtScale(std::string_view text, int scale, Decimal& out,
                                  std::string* error) {
  Decimal parsed;
  if (!parse(text, parsed, error)) return false;
  if (!parsed.tryRescale(scale, out)) {
    if (error) {
      *error = "decimal '" + std::string(text.substr(0, 64)) + "' has more than " +
               std::to_string(scale) + " fractional digits or is out of range";
    }
    return false;
  }
  return true;
}

inline __int128 Decimal::divideRounded(__int128 numerator, __int128 denominator, Rounding mode) {
  return roundQuotient(numerator / denominator, numerator % denominator, denominator, mode);
}

inline __int128 Decimal::roundQuotient(__int128 quotient, __int128 remainder, __int128 denominator,
                                       Rounding mode) {
  if (remainder == 0) return quotient;
  const bool negative = remainder < 0;
  const __int128 twice = (remainder < 0 ? -remainder : remainder) * 2;
  switch (mode) {
    case Rounding::kTowardZero:
      break;
    case Rounding::kFloor:
      if (negative) --quotient;
      break;
    case Rounding::kCeiling:
      if (!negative) ++quotient;
      break;
    case Rounding::kHalfAwayFromZero:
      if (twice >= denominator) quotient += negative ? -1 : 1;
      break;
    case Rounding::kHalfEven:
      if (twice > denominator || (twice == denominator && (quotient % 2 != 0))) {
        quotient += negative ? -1 : 1;
      }
      break;
  }
  return quotient;
}

inline Decimal Decimal::rescaled(int scale, Rounding mode) const {
  checkedScale(scale);
  if (scale >= scale_)
    return fromWide(static_cast<__int128>(units_) * pow10(scale - scale_), scale);
  return fromWide(divideRounded(units_, pow10(scale_ - scale), mode), scale);
}

inline bool Decimal::tryRescale(int scale, Decimal& out) const {
  if (scale < 0 || scale > kMaxScale) return false;
  __int128 units;
  if (scale >= scale_) {
    units = static_cast<__int128>(units_) * pow10(scale - scale_);
  } else {
    const __int128 divisor = pow10(scale_ - scale);
    if (units_ % divisor != 0) return false;
    units = units_ / divisor;
  }
  if (units > INT64_MAX || units < INT64_MIN) return false;
  out = Decimal(static_cast<int64_t>(units), scale);
  return true;
}

inline Decimal Decimal::operator+(const Decimal& other) const {
  const int scale = scale_ > other.scale_ ? scale_ : other.scale_;
  return fromWide(static_cast<__int128>(units_) * pow10(scale - scale_) +
                      static_cast<__int128>(other.units_) * pow10(scale - other.scale_),
                  scale);
}

// Not *this + (-other): -other does not fit when other is -2^63 units, though the difference may.
inline Decimal Decimal::operator-(const Decimal& other) const {
  const int scale = scale_ > other.scale_ ? scale_ : other.scale_;
  return fromWide(static_cast<__int128>(units_) * pow10(scale - scale_) -
                      static_cast<__int128>(other.units_) * pow10(scale - other.scale_),
                  scale);
}

inline Decimal Decimal::operator-() const {
  if (units_ == INT64_MIN) throw std::overflow_error("decimal overflow");
  return Decimal(-units_, scale_);
}

inline Decimal Decimal::operator*(const Decimal& other) const {
  const int scale = scale_ + other.scale_;
  if (scale > kMaxScale) throw std::overflow_error("decimal scale overflow in multiplication");
  return fromWide(static_cast<__int128>(units_) * other.units_, scale);
}

inline Decimal Decimal::divide(const Decimal& divisor, int scale, Rounding mode) const {
  checkedScale(scale);
  if (divisor.units_ == 0) throw std::domain_error("decimal division by zero");
  // value = (u1 / 10^s1) / (u2 / 10^s2); result units = u1 * 10^(scale + s2) / (u2 * 10^s1).
  __int128 numerator = units_;
  __int128 denominator = static_cast<__int128>(divisor.units_) * pow10(scale_);
  if (denominator < 0) {
    numerator = -numerator;
    denominator = -denominator;
  }
  // 10^(scale + divisor scale) can reach 10^36: when u1 times it would overflow __int128, divide
  // first and bring the remaining digits down one at a time (the remainder is below the
  // denominator, < 2^63 * 10^18, so ten times it fits); the quotient may still fit in int64.
  const int digits = scale + divisor.scale_;
  const __int128 factor = pow10(digits);
  const __int128 max_units =
      static_cast<__int128>(~static_cast<unsigned __int128>(0) >> 1) / factor;
  if (units_ <= max_units && units_ >= -max_units) {
    return fromWide(divideRounded(numerator * factor, denominator, mode), scale);
  }
  const __int128 beyond = static_cast<__int128>(INT64_MAX) + 2;  // no int64 after any rounding
  __int128 quotient = numerator / denominator, remainder = numerator % denominator;
  for (int i = 0; i < digits; ++i) {
    quotient = quotient * 10 + remainder * 10 / denominator;  // remainder has the quotient's sign
    remainder = remainder * 10 % denominator;
    if (quotient >= beyond || quotient <= -beyond) {
      throw std::overflow_error("decimal overflow in division");
    }
  }
  return fromWide(roundQuotient(quotient, remainder, denominator, mode), scale);
}

inline int Decimal::compare(const Decimal& other) const {
  const int scale = scale_ > other.scale_ ? scale_ : other.scale_;
  const __int128 a = static_cast<__int128>(units_) * pow10(scale - scale_);
  const __int128 b = static_cast<__int128>(other.units_) * pow10(scale - other.scale_);
  return a < b ? -1 : (a > b ? 1 : 0);
}

inline std::string Decimal::toString() const {
  // Work on the magnitude in unsigned 128-bit so INT64_MIN needs no special case.
  unsigned __int128 magnitude = units_ < 0 ? static_cast<unsigned __int128>(-(__int128)units_)
                                           : static_cast<unsigned __int128>(units_);
  std::string digits;
  do {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(magnitude % 10)));
    magnitude /= 10;
  } while (magnitude != 0);
  if (static_cast<int>(digits.size()) <= scale_) {
    digits.insert(0, static_cast<size_t>(scale_ - static_cast<int>(digits.size()) + 1), '0');
  }
  if (scale_ > 0) digits.insert(digits.size() - static_cast<size_t>(scale_), ".");
  if (units_ < 0) digits.insert(digits.begin(), '-');
  return digits;
}

}  // namespace kalshi_direct
