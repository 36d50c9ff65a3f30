// local_db_fallback: the last known state of a Kalshi account, read back from the local database.
//
// A pipeline names it as its source's `fallback:`; the runner switches to it when kalshi_live
// answers kUnavailable (outage, timeouts, 5xx after retries; never for wrong credentials). It
// emits the same streams, field names and types as kalshi_live, rebuilt from what earlier syncs
// wrote (plugins/kalshi/tables.h):
//   balance    one record from the latest live kalshi_snapshots row (the latest row of any source
//              if no live one exists): balance = balance_cents, balance_dollars = cents / 100
//              (exact Decimal), portfolio_value = portfolio_value_cents, updated_ts = taken_at in
//              Unix seconds, snapshot_source = "fallback"
//   markets    (only when listed in `streams`) the kalshi_markets rows of the tickers in
//              kalshi_positions, as kalshi_live's markets records; emitted before positions
//   positions  every kalshi_positions row: ticker, position_fp (signed Decimal), the *_dollars
//              columns as Decimals, last_updated_ts (Timestamp from last_updated_at)
//
// The database is opened READ-ONLY on a connection of its own: the runner holds BEGIN IMMEDIATE
// on its connection to the same file, and WAL lets this reader see the last committed state
// (never the run's own uncommitted rows). Everything is read in open(), inside one read
// transaction (so balance and positions agree), and the connection is closed before read() is
// ever called: a long-lived reader would hold a lock the runner's commits might wait for.
// A missing file or missing tables (no successful sync yet) fail open() with
// "no last known state in <path>: run a successful sync first".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "kalshi/last_known_state.h"
#include "kalshi_direct/plugin.h"

namespace kalshi_direct {
namespace plugins {

using kalshi::LastKnownSnapshot;
using kalshi::LastKnownState;
using kalshi::readLastKnownState;

struct LocalDbFallbackConfig {
  std::string path;
  std::vector<std::string> streams = {"balance",
                                      "positions"};  // any of balance, positions, markets
};

class LocalDbFallbackSource final : public Source {
 public:
  explicit LocalDbFallbackSource(LocalDbFallbackConfig config) : config_(std::move(config)) {}

  Status open(SourceContext& context) override;
  Status read(Batch& batch) override;
  // Nothing to resume: the fallback re-reads the whole last known state on every run (the runner
  // keeps the primary source's committed state).
  StateMap checkpoint() const override { return {}; }

 private:
  LocalDbFallbackConfig config_;
  SourceContext* context_ = nullptr;
  // Streams still to hand out, in order, and the position reached in the current one.
  std::vector<Batch> pending_;
  size_t stream_index_ = 0;
  size_t record_index_ = 0;
};

}  // namespace plugins
}  // namespace kalshi_direct
