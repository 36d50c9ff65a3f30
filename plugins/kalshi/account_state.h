// The account's last known state as the kalshi_account sink writes it (kalshi_account,
// kalshi_subaccount_balances, kalshi_positions, the history coverage), in the Kalshi data model
// module (tables.h): the SQL on those tables has one owner. Every call runs inside the caller's
// open transaction, and replacing the balance or the positions clears kalshi_account.snapshot_id
// (the kalshi_pnl model's next run snapshots the new state).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "kalshi_direct/record.h"
#include "kalshi_direct/store.h"

namespace kalshi_direct {
namespace kalshi {

struct AccountBalance {
  std::string source = "live";  // live / fallback: who served it
  Value balance_cents, balance_dollars, portfolio_value_cents;
};
// Upserts the one kalshi_account row's balance (read at `read_at`, ISO 8601).
void writeAccountBalance(Store& store, const AccountBalance& balance, const std::string& read_at);

struct SubaccountBalance {
  Value balance_cents, balance_dollars;
};
// Replaces kalshi_subaccount_balances (empty: the account has one).
void replaceSubaccountBalances(Store& store, const std::map<int64_t, SubaccountBalance>& balances,
                               const std::string& read_at);

// Copies the positions staged in `staged_table` (columns ticker, position_fp,
// total_traded_dollars, market_exposure_dollars, realized_pnl_dollars, fees_paid_dollars,
// last_updated_ts, category, subaccount_number, as kalshi_live's positions records have them)
// into kalshi_positions, replacing the stored ones first when `replace`, and records
// positions_read_at. Rows without a ticker are skipped; counts are stored with two decimals.
// The markets whose position is new or of another category go to kalshi_pnl_dirty (which must
// exist): the model reads a position's category.
// `account_changed` (a new set of positions, read over REST) clears kalshi_account.snapshot_id,
// so the model takes a snapshot of the new account state and reconciles the positions with it;
// positions that changed one by one (kalshi_ws's updates) do not: their rows wait, unsnapshotted,
// for the next account read, and the model's snapshot of the streaming commits is kept current.
void publishPositions(Store& store, const std::string& staged_table, bool replace,
                      const std::string& read_at, bool account_changed = true);

// What kalshi_history holds for `stream`, if anything.
struct StoredCoverage {
  std::string coverage;        // all / since / live
  std::string complete_since;  // for `since`; empty otherwise
};
std::optional<StoredCoverage> storedHistoryCoverage(Store& store, const std::string& stream);

}  // namespace kalshi
}  // namespace kalshi_direct
