// Which way a Kalshi order or fill moves a position, from either of the API's two vocabularies.
//
// The current vocabulary (OpenAPI 3.x): `outcome_side` yes|no — the outcome the trade moves the
// position towards — and `book_side` bid|ask, where bid always means yes and ask always means no.
// The legacy vocabulary (deprecated, still sent): `action` buy|sell and `side` yes|no, the contract
// the trader bought or sold. Buying YES and selling NO both move the position towards YES:
//
//   action  side  ->  outcome_side  book_side
//   buy     yes       yes           bid
//   sell    no        yes           bid
//   buy     no        no            ask
//   sell    yes       no            ask
//
// Production records from the first half of 2026 carry only the legacy pair; later ones both; the
// WebSocket also sends action values `sell_partial`, `sell_to_close` (sells) and "" (absent).
// Rules (docs/tables.md): the current pair decides when present (outcome_side first, else
// book_side); otherwise the legacy pair, which needs both action and side. When both vocabularies
// are present and disagree, the current pair wins and the record counts as a conflict. Nothing
// here throws or allocates beyond the returned strings.
#pragma once

#include <string>
#include <string_view>

namespace kalshi_direct {
namespace kalshi {

struct Direction {
  std::string outcome_side;  // yes | no
  std::string book_side;     // bid | ask
  // The legacy pair as the trader named it, when it is known and agrees: buy|sell, yes|no.
  // Empty when the record carries no legacy pair or a conflicting one.
  std::string action, side;
  bool from_legacy = false;  // the current pair was absent: derived from action + side
  bool conflict = false;     // both vocabularies present and they disagree (current pair won)
};

// Arguments are the raw field values; "" means absent. Returns false with a one-line `reason`
// when neither vocabulary gives a direction, or a value is not one the API defines.
bool resolveDirection(std::string_view outcome_side, std::string_view book_side,
                      std::string_view action, std::string_view side, Direction& out,
                      std::string& reason);

// "buy" / "sell" for the API's action spellings (sell_partial, sell_to_close are sells); "" for
// anything else.
std::string_view canonicalAction(std::string_view action);

}  // namespace kalshi
}  // namespace kalshi_direct
