// The run history: one row per pipeline run in the table `kd_runs` of the run's state store, so
// that whoever looks at the database later (`kalshi-direct serve`, its /metrics, a person with
// sqlite3) knows when the last sync ran, how it ended and what it cost, whoever ran it (a cron
// job, `serve --sync-every`, a person). The runner appends the row after the run, in its own
// transaction, while it still holds the database's lock; a dry run and a run that wrote nothing
// (a configuration error) record nothing.
//
// kd_runs (docs/tables.md): id (ascending), pipeline, started_at / finished_at (ISO 8601 UTC),
// finished_at_us, seconds, result ("ok", "partial", "failed", "interrupted"), exit_code, error
// (one line, redacted), source ("live", or "fallback" when the last known state was served),
// fallback_reason, records_read, commits, rejected (dead-lettered), retries (the runner's), and
// the Kalshi client's http_requests, http_429 and http_retries.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "kalshi_direct/engine/runner.h"
#include "kalshi_direct/store.h"

namespace kalshi_direct {

struct RunRecord {
  int64_t id = 0;
  std::string pipeline;
  std::string started_at, finished_at;
  int64_t finished_at_us = 0;
  double seconds = 0;
  std::string result;  // ok | partial | failed | interrupted
  int exit_code = 0;
  std::string error;
  bool fallback = false;
  std::string fallback_reason;
  uint64_t records_read = 0, commits = 0, rejected = 0, retries = 0;
  uint64_t http_requests = 0, http_429 = 0, http_retries = 0;
  bool succeeded() const { return result == "ok" || result == "partial"; }
};

// The record of a finished run (the stages' counters summed by name).
RunRecord runRecordOf(const RunReport& report, int64_t started_us, int64_t finished_us);

// Appends `record` to kd_runs (created when missing) in a transaction of its own. Throws
// StoreError.
void appendRunRecord(Store& store, const RunRecord& record);

// The newest run, and the newest that succeeded; none without kd_runs or rows.
std::optional<RunRecord> latestRun(Store& store);
std::optional<RunRecord> latestSuccessfulRun(Store& store);

// Every recorded run's counters summed (what /metrics exposes as counters), and the number of runs
// per result.
struct RunTotals {
  uint64_t runs = 0, failed = 0, records_read = 0, rejected = 0, retries = 0;
  uint64_t http_requests = 0, http_429 = 0, http_retries = 0;
};
RunTotals runTotals(Store& store);

}  // namespace kalshi_direct
