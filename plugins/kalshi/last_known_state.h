// The last known state of a Kalshi account, read back from a store: the latest live snapshot's
// balance, the stored positions, and the markets they are in, as kalshi_live's records (same
// stream names, field names and types). The local_db_fallback source serves it when the API is
// unreachable; `kalshi-direct positions` shows it then. Part of the Kalshi data model module
// (tables.h): the SQL on those tables lives here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "kalshi_direct/record.h"
#include "kalshi_direct/status.h"
#include "kalshi_direct/store.h"
#include "kalshi_direct/timestamp.h"

namespace kalshi_direct {
namespace kalshi {

// The snapshot row the balance comes from.
struct LastKnownSnapshot {
  int64_t id = 0;
  std::string taken_at;  // as stored (ISO 8601 UTC)
  Timestamp taken;       // parsed
  std::string source;    // live / fallback
};

struct LastKnownState {
  std::optional<LastKnownSnapshot> snapshot;  // set when `balance` was asked for
  Record balance;  // kalshi_live's balance record, snapshot_source "fallback"
  std::vector<Record> markets;
  std::vector<Record> positions;
  struct Rejected {
    std::string stream, raw, reason;
  };
  std::vector<Rejected> rejected;  // rows that cannot become records (corrupt values)
};

// Reads the last known state of `streams` from `store` (opened read-only; null when nothing is at
// `path`, which names it in messages). Returns kFailed "no last known state in <path>: run a
// successful sync first" when the store, a needed table or (for balance) any snapshot is missing,
// and kFailed with the store's reason when it is unreadable. Also used by `kalshi-direct
// positions` when the API is unreachable.
Status readLastKnownState(Store* store, const std::string& path,
                          const std::vector<std::string>& streams, LastKnownState& out);

}  // namespace kalshi
}  // namespace kalshi_direct
