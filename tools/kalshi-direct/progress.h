// The progress of a long run (RunOptions::on_progress), as a user sees it.
//
// In a terminal (stderr is a TTY): one line rewritten in place at most 5 times a second,
//   backfill: fills  page 812  406,000 rows  31,200 rows/s  412 requests (0 x 429)  ETA 0:42
// cleared when the run ends (the summary follows). Not in a terminal (a service, a pipe): the same
// facts as a log line every `interval` (info level, in the log's format). --quiet: neither. The
// ETA shows when the source knows its range (SourceContext::reportProgress: kalshi_live for
// --days N and for a sync from its watermark; not for --full, whose start is unknown).
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "kalshi_direct/engine/runner.h"

namespace kalshi_direct {
namespace cli {

class ProgressLine {
 public:
  enum class Mode { kOff, kTerminal, kLog };
  // Terminal when stderr is one (and the log is text), else log lines; kOff when `quiet`.
  static Mode modeFor(bool quiet, bool json_log);
  ProgressLine(std::string pipeline, Mode mode,
               std::chrono::milliseconds interval = std::chrono::seconds(5));
  ~ProgressLine();  // clears a terminal line
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

  void update(const RunProgress& progress);
  // Clears the terminal line (before the summary is printed).
  void finish();
  // The line for `progress` (without the pipeline's name): tests and the log line use it.
  static std::string describe(const RunProgress& progress);

 private:
  std::string pipeline_;
  Mode mode_;
  std::chrono::milliseconds interval_;
  std::optional<std::chrono::steady_clock::time_point> last_;
  bool shown_ = false;  // a terminal line is on screen
};

}  // namespace cli
}  // namespace kalshi_direct
