// `kalshi-direct positions [--json] [--db PATH]`: the account's open positions, live from the API.
//
// Per ticker: side (YES for a positive position_fp, NO for a negative one), quantity (|position|,
// exact contracts), average price (market_exposure_dollars / quantity, in cents, 2 decimals), the
// mark (the market's last_price_dollars for YES, 1 - it for NO), cost (market exposure), unrealized
// P&L (quantity * mark - exposure), realized P&L and fees as Kalshi reports them for the market
// (realized_pnl_dollars is before fees); then totals. Money is computed exactly (Decimal) and
// rounded to cents only for the table.
//
// Live: GET /portfolio/positions (every page, count_filter=position) and GET /markets/{ticker} for
// each open position, at KALSHI_API_BASE_URL (default production) with the credentials kalshi_live
// would use (KALSHI_API_KEY_ID + KALSHI_PRIVATE_KEY_PATH / KALSHI_PRIVATE_KEY, else
// KALSHI_API_KEY). When the API cannot be reached (network errors, timeouts, 429/5xx after retries)
// and a database exists (--db, else KALSHI_DB, else ./kalshi.db if present), the last known
// positions are shown from kalshi_positions + kalshi_markets, after a one-line notice on stderr:
//   API unreachable (<reason>): showing last known positions from <db> as of <taken_at>
// Wrong credentials never fall back: exit 1 with the one-line authentication error.
//
// Exit codes: 0 shown (live or fallback), 1 failed, 2 bad usage or missing credentials.
#pragma once

#include <string>
#include <vector>

namespace kalshi_direct {
namespace cli {

// `args` are the words after "positions". Prints to stdout/stderr; returns the exit code.
int runPositionsCommand(const std::vector<std::string>& args);

}  // namespace cli
}  // namespace kalshi_direct
