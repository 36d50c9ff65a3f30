// libFuzzer target: exact fixed-point and time parsing (core/include/kalshi_direct/decimal.h,
// timestamp.h, config.h).
//
// The whole input, and each of its two halves around the first ',' (a, b), is tried as:
//   Decimal     parse(toString(x)) == x with the same scale and text; parseAtScale agrees with
//               parse and tryRescale; rescaled() brackets the value (floor <= x <= ceiling, at
//               most one unit apart); +, -, * are commutative / inverse where they do not throw
//               std::overflow_error; divide() rounding modes are ordered.
//   Timestamp   parse(toIso8601(t)) == t
//   duration    parseDurationMillis(text) >= 0 and "<millis>ms" parses back to the same value
// A violated law executes __builtin_trap(), which libFuzzer reports as a crash.
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

#define KD_FUZZ_CHECK(condition) \
  do {                           \
    if (!(condition)) __builtin_trap(); \
  } while (0)

constexpr Rounding kModes[] = {Rounding::kHalfAwayFromZero, Rounding::kHalfEven, Rounding::kTowardZero,
                               Rounding::kFloor, Rounding::kCeiling};

void checkDecimal(std::string_view text) {
  Decimal value;
  std::string error;
  const bool parsed = Decimal::parse(text, value, &error);
  KD_FUZZ_CHECK(parsed || !error.empty());
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

  // Rescaling brackets the value.
  for (int scale = 0; scale <= Decimal::kMaxScale; ++scale) {
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
      // Upscaling beyond int64 units.
    }
  }
  // Negation.
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
  if (!b.isZero()) {
    for (int scale : {0, 2, 6}) {
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
        if (attempt([&] { return floor * b; }, back)) KD_FUZZ_CHECK((back == a) == (floor == ceiling));
      } catch (const std::overflow_error&) {
      }
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
  KD_FUZZ_CHECK(kalshi_direct::parseDurationMillis(std::to_string(millis) + "ms", again) && again == millis);
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
