// `kalshi-direct report [--db PATH] [--json] [--since TIME]`: P&L from the database alone.
//
// Reads (read-only, so a running sync is never disturbed) the latest kalshi_snapshots row: when it
// was taken and from what (live / fallback), balance, portfolio value, open positions, orders,
// fills, and its kalshi_snapshot_pnl rows: realized (net of fees), unrealized, fees and total
// (= realized + unrealized) per category, plus a total row (the snapshot's own totals). Amounts are
// the exact *_dollars columns where present, else the *_cents ones.
//
// --since TIME (ISO 8601 such as 2026-08-01T00:00:00Z or 2026-08-01, or a duration such as 24h or
// 7d meaning that long ago) adds the change from the latest snapshot taken at or before TIME to
// the latest snapshot, per category and in total, naming the snapshot compared with; when no
// snapshot is that old it says so.
//
// Database: --db PATH, else $KALSHI_DB, else ./kalshi.db. A missing database or one without
// snapshots: exit 1 with one line saying to run `kalshi-direct run sync` first. Bad flags: exit 2.
#pragma once

#include <string>
#include <vector>

namespace kalshi_direct {
namespace cli {

// `args` are the words after "report". Prints to stdout/stderr; returns the exit code.
int runReportCommand(const std::vector<std::string>& args);

}  // namespace cli
}  // namespace kalshi_direct
