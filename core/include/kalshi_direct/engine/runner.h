// The runner: executes one resolved pipeline.
//
// Contract (see plugin.h for the per-plugin lifecycle):
// - Batches stream from the source through the transforms (a batch goes to a transform only if
//   its stream is among the transform's inputs) into every sink that takes its stream. Memory is
//   bounded by the batch size and what sinks buffer, never by the size of the history.
// - Database sinks share one connection and one transaction per SQLite file. A commit happens
//   every `commit.rows` source records or `commit.interval` (a timed commit with no new
//   record, source state or rejection is skipped), and at the end. The source's
//   checkpoint() is written to the state table `kd_state` in the same transaction as the rows, so
//   after a crash a re-run resumes exactly after the last commit. The state database (the
//   pipeline's `state:` path or the first database sink's file) commits last.
// - Each database file is locked (flock on "<file>.lock") for the whole run: a second run on the
//   same database fails at once, naming the holder.
// - Sinks answer ok / retry / reject. The runner retries kRetry with exponential backoff and
//   jitter (bounded by the pipeline's retry policy), appends rejected records to the dead-letter
//   file (JSON lines with the reason) and counts them. Nothing is dropped silently.
// - A source answering kUnavailable (at open or any read) is replaced by the pipeline's fallback
//   source, if it has one; the report says so.
// - stop_requested (SIGTERM/SIGINT) ends the run after the current batch with a final commit.
// - Dry run: everything runs, nothing is committed (all transactions roll back, file sinks are
//   rolled back, nothing is dead-lettered); the report tells what would have been written.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "kalshi_direct/engine/pipeline_spec.h"
#include "kalshi_direct/engine/registry.h"

namespace kalshi_direct {

// Process exit codes (also documented in the README).
enum ExitCode : int {
  kExitOk = 0,
  kExitFailed = 1,   // the run failed; everything committed before the failure stays committed
  kExitConfig = 2,   // bad usage or configuration; nothing was written
  kExitPartial = 3,  // the run completed but some records were rejected (see the dead-letter file)
};

struct StreamCounts {
  uint64_t in = 0;        // records received
  uint64_t out = 0;       // records emitted (sources, transforms) or written (sinks)
  uint64_t rejected = 0;  // records dead-lettered
};

struct StageReport {
  std::string label;
  std::map<std::string, StreamCounts> streams;
  uint64_t retries = 0;                      // the runner's retries of this stage
  std::map<std::string, uint64_t> counters;  // reported by the plugin (addCounter)
};

struct RunReport {
  std::string pipeline;
  int exit_code = kExitOk;
  std::string error;  // one line, when the run failed
  bool dry_run = false;
  bool interrupted = false;
  bool used_fallback = false;
  std::string fallback_reason;
  uint64_t commits = 0;
  uint64_t records_read = 0;
  uint64_t rejected = 0;
  uint64_t retries = 0;
  std::string dead_letter_path;  // set when records were dead-lettered
  double seconds = 0;
  std::vector<StageReport> stages;
  StateMap committed_state;

  std::string toText() const;  // a short human summary (several lines)
  std::string toJson() const;  // one JSON object
};

// Where a run is, for a progress line: after each batch the source delivered.
struct RunProgress {
  const std::string& stream;    // the last batch's
  uint64_t batches = 0;         // read from the source (kalshi_live: one per page)
  uint64_t records_read = 0;    // in all
  uint64_t stream_records = 0;  // of `stream`
  uint64_t commits = 0;
  double seconds = 0;  // since the run started
  // The active source's counters (kalshi_live: http_requests, http_429).
  const std::map<std::string, uint64_t>& source_counters;
  // What the source last said of how far it is (SourceContext::reportProgress; total 0: unknown).
  uint64_t progress_done = 0, progress_total = 0;
};

struct RunOptions {
  bool dry_run = false;
  std::function<bool()> stop_requested;  // polled between batches; may be empty
  // Called on the runner's thread after each commit has landed (not the bookkeeping one before
  // any data): `serve --live` tells the dashboard's change feed at once. May be empty; must not
  // throw (what it throws is ignored).
  std::function<void()> on_commit;
  // Called on the runner's thread after each batch from the source (cheap: throttle inside). May
  // be empty; must not throw (what it throws is ignored).
  std::function<void(const RunProgress&)> on_progress;
};

RunReport runPipeline(const ResolvedPipeline& pipeline, const Registry& registry,
                      const RunOptions& options);

}  // namespace kalshi_direct
