#include "kalshi/direction.h"

namespace kalshi_direct {
namespace kalshi {

namespace {

std::string_view otherSide(std::string_view side) { return side == "yes" ? "no" : "yes"; }

std::string shown(std::string_view value) {
  return "'" + std::string(value.substr(0, 32)) + (value.size() > 32 ? "...'" : "'");
}

}  // namespace

std::string_view canonicalAction(std::string_view action) {
  if (action == "buy") return "buy";
  if (action == "sell" || action == "sell_partial" || action == "sell_to_close") return "sell";
  return "";
}

bool resolveDirection(std::string_view outcome_side, std::string_view book_side,
                      std::string_view action, std::string_view side, Direction& out,
                      std::string& reason) {
  out = Direction();
  if (!outcome_side.empty() && outcome_side != "yes" && outcome_side != "no") {
    reason =
        "field 'outcome_side' has unknown value " + shown(outcome_side) + " (expected yes or no)";
    return false;
  }
  if (!book_side.empty() && book_side != "bid" && book_side != "ask") {
    reason = "field 'book_side' has unknown value " + shown(book_side) + " (expected bid or ask)";
    return false;
  }
  if (!side.empty() && side != "yes" && side != "no") {
    reason = "field 'side' has unknown value " + shown(side) + " (expected yes or no)";
    return false;
  }
  const std::string_view buy_or_sell = canonicalAction(action);
  if (!action.empty() && buy_or_sell.empty()) {
    reason = "field 'action' has unknown value " + shown(action) + " (expected buy or sell)";
    return false;
  }

  // The current vocabulary: outcome_side, else book_side (bid = yes, ask = no, always).
  std::string_view current = outcome_side;
  if (current.empty() && !book_side.empty()) current = book_side == "bid" ? "yes" : "no";
  if (!current.empty() && !outcome_side.empty() && !book_side.empty() &&
      (book_side == "bid") != (outcome_side == "yes")) {
    out.conflict = true;  // the two current fields disagree: outcome_side wins
  }
  // The legacy vocabulary needs both halves: "sell" alone says nothing about the outcome.
  std::string_view legacy;
  if (!buy_or_sell.empty() && !side.empty()) legacy = buy_or_sell == "buy" ? side : otherSide(side);

  if (current.empty() && legacy.empty()) {
    reason = "no direction: neither outcome_side/book_side nor both of action and side";
    return false;
  }
  if (current.empty()) {
    out.from_legacy = true;
    current = legacy;
  } else if (!legacy.empty() && legacy != current) {
    out.conflict = true;
  }
  out.outcome_side = std::string(current);
  out.book_side = current == "yes" ? "bid" : "ask";
  if (!legacy.empty() && legacy == current) {
    out.action = std::string(buy_or_sell);
    out.side = std::string(side);
  }
  return true;
}

}  // namespace kalshi
}  // namespace kalshi_direct
