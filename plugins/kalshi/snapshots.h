// Reading the account snapshots the kalshi_pnl model writes (kalshi_snapshots and the tables that
// hang off it): what `kalshi-direct report` shows, and later the dashboard. Part of the Kalshi data
// model module (tables.h): the SQL on those tables lives here, and it reads databases written by
// every release (columns and tables added later are optional).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "kalshi_direct/decimal.h"
#include "kalshi_direct/store.h"

namespace kalshi_direct {
namespace kalshi {

// An amount that may be unknown (a column an older database lacks, or NULL).
using Money = std::optional<Decimal>;

struct SnapshotPnl {
  Money realized, unrealized, fees;  // realized is net of fees
  // Realized plus unrealized; unknown when either is.
  Money total() const {
    if (!realized || !unrealized) return std::nullopt;
    return *realized + *unrealized;
  }
};

struct SnapshotSubaccount {
  Money balance;
  SnapshotPnl pnl;
};

struct StoredSnapshot {
  int64_t id = 0;
  std::string taken_at, source;
  Money balance, portfolio_value;
  Money net_deposits;  // applied deposits less withdrawals; unknown in databases without transfers
  std::optional<bool> history_complete;  // unknown in databases written before it was recorded
  std::string history_note;
  std::map<int64_t, SnapshotSubaccount> subaccounts;  // when the account has several
  std::optional<int64_t> open_positions, total_orders, total_fills;
  SnapshotPnl totals;  // a total the row lacks is the exact sum of its categories
  std::map<std::string, SnapshotPnl> categories;
};

// The id of the latest snapshot, or nullopt when there is none (or no kalshi_snapshots table).
std::optional<int64_t> latestSnapshotId(Store& store);
// Every snapshot's id and taken_at as stored (ISO 8601 text).
std::vector<std::pair<int64_t, std::string>> snapshotTimes(Store& store);
// Snapshot `id` with its categories and subaccounts; id 0 when it does not exist. Amounts come
// from the exact *_dollars columns, else the *_cents ones.
StoredSnapshot readSnapshot(Store& store, int64_t id);

}  // namespace kalshi
}  // namespace kalshi_direct
