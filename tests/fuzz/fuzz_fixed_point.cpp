// libFuzzer target: exact fixed-point and time parsing (core/include/kalshi_direct/decimal.h,
// timestamp.h, config.h).
//
// The whole input, and each of its two halves around the first ',' (a, b), is tried as:
//   Decimal     against independent references written here: a string oracle for parse (the
//               grammar of decimal.h, the value from the digits, the canonical text toString
//               must print) and __int128 arithmetic on the scaled integers for +, -, *, unary -,
//               compare, rescaled()/toUnits() in every rounding mode, tryRescale, trimmed, and a
//               digit-by-digit long division for divide(). Where the reference result fits in
//               int64 units (at the result's scale, <= 18) the Decimal operation must give exactly
//               it; where it does not, the operation must throw std::overflow_error (and tryRescale
//               / parse must return false). Also: parse(toString(x)) == x with the same scale and
//               text; parseAtScale agrees with parse and tryRescale; rescaled() brackets the value;
//               +, -, * are commutative / inverse.
//   Timestamp   parse(toIso8601(t)) == t
//   duration    parseDurationMillis(text) >= 0 and "<millis>ms" parses back to the same value
// A violated law or a mismatch executes __builtin_trap(), which libFuzzer reports as a crash.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include "kalshi_direct/config.h"
#include "kalshi_direct/decimal.h"
#include "kalshi_direct/timestamp.h"

namespace {

using kalshi_direct::Decimal;
using kalshi_direct::Rounding;
using kalshi_direct::Timestamp;

#define KD_FUZZ_CHECK(condition)        \
  do {                                  \
    if (!(condition)) __builtin_trap(); \
  } while (0)

using Wide = __int128;

constexpr Rounding kModes[] = {Rounding::kHalfAwayFromZero, Rounding::kHalfEven,
                               Rounding::kTowardZero, Rounding::kFloor, Rounding::kCeiling};

// ---- the references ----

bool fitsInt64(Wide value) { return value >= INT64_MIN && value <= INT64_MAX; }

Wide tenTo(int exponent) {  // exponent <= 38
  Wide value = 1;
  while (exponent-- > 0) value *= 10;
  return value;
}

// The decimal text grammar of Decimal::parse, read independently: an optional sign, digits with at
// most one '.', at least one digit, at most 18 after the '.', and the digits' value within int64
// (-2^63 allowed). On success gives the units, the scale and the text toString() must print:
// no '+', no '-' for zero, no leading zeros before the point (one "0" when there are none), the
// fraction as written.
struct Parsed {
  Wide units = 0;
  int scale = 0;
  std::string canonical;
};
bool oracleParse(std::string_view text, Parsed& out) {
  size_t i = 0;
  bool negative = false;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) negative = text[i++] == '-';
  std::string integer, fraction;
  bool point = false;
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '.' && !point) {
      point = true;
    } else if (c >= '0' && c <= '9') {
      (point ? fraction : integer) += c;
    } else {
      return false;
    }
  }
  if (integer.empty() && fraction.empty()) return false;
  if (fraction.size() > 18) return false;
  std::string digits = integer + fraction;
  digits.erase(0, std::min(digits.find_first_not_of('0'), digits.size()));
  if (digits.size() > 19) return false;
  Wide magnitude = 0;
  for (const char c : digits) magnitude = magnitude * 10 + (c - '0');
  if (magnitude > static_cast<Wide>(INT64_MAX) + (negative ? 1 : 0)) return false;
  out.units = negative ? -magnitude : magnitude;
  out.scale = static_cast<int>(fraction.size());
  integer.erase(0, std::min(integer.find_first_not_of('0'), integer.size()));
  out.canonical = (negative && magnitude != 0 ? "-" : "") + (integer.empty() ? "0" : integer) +
                  (fraction.empty() ? "" : "." + fraction);
  return true;
}

// units / divisor (divisor > 0) rounded with `mode`, from the floor quotient and the remainder.
Wide roundedQuotient(Wide units, Wide divisor, Rounding mode) {
  Wide floor = units / divisor, remainder = units % divisor;
  if (remainder < 0) {  // C++ truncates: make it the floor, remainder in [0, divisor)
    floor -= 1;
    remainder += divisor;
  }
  if (remainder == 0) return floor;
  const Wide ceiling = floor + 1;
  const bool positive = units > 0;
  switch (mode) {
    case Rounding::kFloor:
      return floor;
    case Rounding::kCeiling:
      return ceiling;
    case Rounding::kTowardZero:
      return positive ? floor : ceiling;
    case Rounding::kHalfAwayFromZero:
      if (2 * remainder != divisor) return 2 * remainder < divisor ? floor : ceiling;
      return positive ? ceiling : floor;
    case Rounding::kHalfEven:
      if (2 * remainder != divisor) return 2 * remainder < divisor ? floor : ceiling;
      return floor % 2 == 0 ? floor : ceiling;
  }
  __builtin_trap();
}

// value at `scale` with `mode`; false when it does not fit in int64 units. *exact: no digit lost.
bool referenceRescale(const Decimal& value, int scale, Rounding mode, Wide& out, bool* exact) {
  if (scale >= value.scale()) {
    out = static_cast<Wide>(value.units()) * tenTo(scale - value.scale());
    if (exact) *exact = true;
  } else {
    const Wide divisor = tenTo(value.scale() - scale);
    out = roundedQuotient(value.units(), divisor, mode);
    if (exact) *exact = value.units() % divisor == 0;
  }
  return fitsInt64(out);
}

// a / b at `scale` digits with `mode`, by long division one decimal digit at a time, so that no
// intermediate exceeds 10 * |b units| * 10^18 < 2^127 (the quotient is capped once it is beyond
// any int64). False when the result does not fit in int64 units.
bool referenceDivide(const Decimal& a, const Decimal& b, int scale, Rounding mode, Wide& out) {
  // (ua / 10^sa) / (ub / 10^sb) * 10^scale = ua * 10^(scale + sb) / (ub * 10^sa)
  const bool negative = (a.units() < 0) != (b.units() < 0);
  const Wide denominator =
      (b.units() < 0 ? -static_cast<Wide>(b.units()) : b.units()) * tenTo(a.scale());
  const Wide numerator = a.units() < 0 ? -static_cast<Wide>(a.units()) : a.units();
  const Wide cap = static_cast<Wide>(1) << 65;
  Wide quotient = numerator / denominator, remainder = numerator % denominator;
  for (int digit = 0; digit < scale + b.scale(); ++digit) {
    remainder *= 10;
    quotient = std::min(quotient * 10 + remainder / denominator, cap);
    remainder %= denominator;
  }
  // |result| = quotient + remainder / denominator; round the magnitude.
  bool up = false;
  if (remainder != 0) {
    const Wide twice = 2 * remainder;
    switch (mode) {
      case Rounding::kTowardZero:
        break;
      case Rounding::kFloor:
        up = negative;
        break;
      case Rounding::kCeiling:
        up = !negative;
        break;
      case Rounding::kHalfAwayFromZero:
        up = twice >= denominator;
        break;
      case Rounding::kHalfEven:
        up = twice > denominator || (twice == denominator && quotient % 2 != 0);
        break;
    }
  }
  const Wide magnitude = quotient + (up ? 1 : 0);
  out = negative ? -magnitude : magnitude;
  return fitsInt64(out);
}

// `operation` either gives exactly `units` at `scale` (when `fits`) or throws overflow_error.
template <typename Operation>
void expectResult(Operation operation, bool fits, Wide units, int scale) {
  bool threw = false;
  Decimal result;
  try {
    result = operation();
  } catch (const std::overflow_error&) {
    threw = true;
  }
  KD_FUZZ_CHECK(threw != fits);
  if (fits) KD_FUZZ_CHECK(result.units() == units && result.scale() == scale);
}

void checkDecimal(std::string_view text) {
  Decimal value;
  std::string error;
  const bool parsed = Decimal::parse(text, value, &error);
  KD_FUZZ_CHECK(parsed || !error.empty());
  // The string oracle: same verdict, same units and scale, the canonical text.
  Parsed expected;
  KD_FUZZ_CHECK(parsed == oracleParse(text, expected));
  if (parsed) {
    KD_FUZZ_CHECK(value.units() == expected.units && value.scale() == expected.scale);
    KD_FUZZ_CHECK(value.toString() == expected.canonical);
  }
  for (int scale = 0; scale <= Decimal::kMaxScale; ++scale) {
    Decimal at_scale;
    const bool ok = Decimal::parseAtScale(text, scale, at_scale);
    if (!parsed) {
      KD_FUZZ_CHECK(!ok);
      continue;
    }
    Decimal exact;
    KD_FUZZ_CHECK(ok == value.tryRescale(scale, exact));
    if (ok) KD_FUZZ_CHECK(at_scale.scale() == scale && at_scale == value && exact == at_scale);
  }
  if (!parsed) return;

  // Round trip through text.
  const std::string printed = value.toString();
  Decimal reparsed;
  KD_FUZZ_CHECK(Decimal::parse(printed, reparsed));
  KD_FUZZ_CHECK(reparsed == value && reparsed.scale() == value.scale() &&
                reparsed.units() == value.units() && reparsed.toString() == printed);

  for (int scale = 0; scale <= Decimal::kMaxScale; ++scale) {
    // Every rounding mode against the reference, overflow included; toUnits is the same.
    for (Rounding mode : kModes) {
      Wide units;
      const bool fits = referenceRescale(value, scale, mode, units, nullptr);
      expectResult([&] { return value.rescaled(scale, mode); }, fits, units, scale);
      expectResult([&] { return Decimal(value.toUnits(scale, mode), scale); }, fits, units, scale);
    }
    // tryRescale: true exactly when no digit is lost and the result fits.
    Wide units;
    bool exact = false;
    const bool fits = referenceRescale(value, scale, Rounding::kFloor, units, &exact);
    Decimal rescaled;
    KD_FUZZ_CHECK(value.tryRescale(scale, rescaled) == (fits && exact));
    if (fits && exact) KD_FUZZ_CHECK(rescaled.units() == units && rescaled.scale() == scale);
    // trimmed: the same value, at least `scale` digits, no droppable trailing zero beyond them.
    try {
      const Decimal trimmed = value.trimmed(scale);
      KD_FUZZ_CHECK(trimmed == value && trimmed.scale() >= scale);
      KD_FUZZ_CHECK(trimmed.scale() == scale || trimmed.units() % 10 != 0);
      KD_FUZZ_CHECK(trimmed.scale() <= std::max(scale, value.scale()));
    } catch (const std::overflow_error&) {
      KD_FUZZ_CHECK(value.scale() < scale && !fits);  // only widening can overflow
    }

    // Rescaling brackets the value.
    try {
      const Decimal floor = value.rescaled(scale, Rounding::kFloor);
      const Decimal ceiling = value.rescaled(scale, Rounding::kCeiling);
      KD_FUZZ_CHECK(floor <= value && value <= ceiling);
      KD_FUZZ_CHECK(ceiling.units() - floor.units() == (floor == value ? 0 : 1));
      for (Rounding mode : kModes) {
        const Decimal rounded = value.rescaled(scale, mode);
        KD_FUZZ_CHECK(rounded.scale() == scale && floor <= rounded && rounded <= ceiling);
      }
    } catch (const std::overflow_error&) {
      // Upscaling beyond int64 units (the reference above said so).
    }
  }
  // Negation.
  const Wide negated = -static_cast<Wide>(value.units());
  expectResult([&] { return -value; }, fitsInt64(negated), negated, value.scale());
  try {
    KD_FUZZ_CHECK(-(-value) == value && (value + (-value)).isZero());
  } catch (const std::overflow_error&) {
    KD_FUZZ_CHECK(value.units() == INT64_MIN);
  }
}

template <typename Operation>
bool attempt(Operation operation, Decimal& out) {
  try {
    out = operation();
    return true;
  } catch (const std::overflow_error&) {
    return false;
  }
}

void checkArithmetic(std::string_view left, std::string_view right) {
  Decimal a, b;
  if (!Decimal::parse(left, a) || !Decimal::parse(right, b)) return;

  // The references, on the units at the common scale (at most 2^63 * 10^18 < 2^127).
  const int common = std::max(a.scale(), b.scale());
  const Wide wa = static_cast<Wide>(a.units()) * tenTo(common - a.scale());
  const Wide wb = static_cast<Wide>(b.units()) * tenTo(common - b.scale());
  KD_FUZZ_CHECK(a.compare(b) == (wa < wb ? -1 : (wa > wb ? 1 : 0)));
  expectResult([&] { return a + b; }, fitsInt64(wa + wb), wa + wb, common);
  expectResult([&] { return a - b; }, fitsInt64(wa - wb), wa - wb, common);
  const int product_scale = a.scale() + b.scale();
  const Wide product_units = static_cast<Wide>(a.units()) * b.units();  // |.| <= 2^126
  expectResult([&] { return a * b; },
               product_scale <= Decimal::kMaxScale && fitsInt64(product_units), product_units,
               product_scale);

  KD_FUZZ_CHECK(a.compare(b) == -b.compare(a));
  KD_FUZZ_CHECK((a == b) == (a.compare(b) == 0) && (a < b) == (b > a));

  Decimal sum, sum2, difference, product, product2;
  const bool has_sum = attempt([&] { return a + b; }, sum);
  KD_FUZZ_CHECK(has_sum == attempt([&] { return b + a; }, sum2));
  if (has_sum) {
    KD_FUZZ_CHECK(sum == sum2 && sum.scale() == sum2.scale());
    Decimal back;
    if (attempt([&] { return sum - b; }, back)) KD_FUZZ_CHECK(back == a);
  }
  if (attempt([&] { return a - b; }, difference)) {
    KD_FUZZ_CHECK(difference.sign() == a.compare(b));
  }
  const bool has_product = attempt([&] { return a * b; }, product);
  KD_FUZZ_CHECK(has_product == attempt([&] { return b * a; }, product2));
  if (has_product) {
    KD_FUZZ_CHECK(product == product2);
    KD_FUZZ_CHECK(product.sign() == a.sign() * b.sign());
  }
  if (b.isZero()) {
    bool refused = false;
    try {
      (void)a.divide(b, 2, Rounding::kHalfEven);
    } catch (const std::domain_error&) {
      refused = true;
    }
    KD_FUZZ_CHECK(refused);
    return;
  }
  for (int scale = 0; scale <= Decimal::kMaxScale; ++scale) {
    // Every mode against the long division, overflow included.
    for (Rounding mode : kModes) {
      Wide units;
      const bool fits = referenceDivide(a, b, scale, mode, units);
      expectResult([&] { return a.divide(b, scale, mode); }, fits, units, scale);
    }
    if (scale != 0 && scale != 2 && scale != 6) continue;
    try {
      const Decimal floor = a.divide(b, scale, Rounding::kFloor);
      const Decimal ceiling = a.divide(b, scale, Rounding::kCeiling);
      KD_FUZZ_CHECK(floor <= ceiling && ceiling.units() - floor.units() <= 1);
      for (Rounding mode : kModes) {
        const Decimal quotient = a.divide(b, scale, mode);
        KD_FUZZ_CHECK(quotient.scale() == scale && floor <= quotient && quotient <= ceiling);
      }
      // Exact quotients: floor == ceiling exactly when floor * b == a.
      Decimal back;
      if (attempt([&] { return floor * b; }, back))
        KD_FUZZ_CHECK((back == a) == (floor == ceiling));
    } catch (const std::overflow_error&) {
    }
  }
}

void checkTimestamp(std::string_view text) {
  Timestamp time;
  std::string error;
  if (!Timestamp::parse(text, time, &error)) {
    KD_FUZZ_CHECK(!error.empty());
    return;
  }
  const std::string printed = time.toIso8601();
  Timestamp reparsed;
  KD_FUZZ_CHECK(Timestamp::parse(printed, reparsed));
  KD_FUZZ_CHECK(reparsed == time && reparsed.toIso8601() == printed);
  KD_FUZZ_CHECK(Timestamp::fromUnixSeconds(time.unixSeconds()) <= time);
}

void checkDuration(std::string_view text) {
  int64_t millis = -1;
  std::string error;
  if (!kalshi_direct::parseDurationMillis(text, millis, &error)) {
    KD_FUZZ_CHECK(!error.empty());
    return;
  }
  KD_FUZZ_CHECK(millis >= 0);
  int64_t again = -1;
  KD_FUZZ_CHECK(kalshi_direct::parseDurationMillis(std::to_string(millis) + "ms", again) &&
                again == millis);
}

void checkAll(std::string_view text) {
  checkDecimal(text);
  checkTimestamp(text);
  checkDuration(text);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  checkAll(text);
  const size_t comma = text.find(',');
  if (comma != std::string_view::npos) {
    const std::string_view left = text.substr(0, comma), right = text.substr(comma + 1);
    checkAll(left);
    checkAll(right);
    checkArithmetic(left, right);
  }
  return 0;
}
