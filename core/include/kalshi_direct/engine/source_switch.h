// SourceSwitch: a pipeline's source and its fallback (e.g. local_db_fallback, the last known
// state), and the one rule for switching between them.
//
// The runner reads from active(). When the primary answers kUnavailable - on open or on a read,
// after the retries - and the pipeline has a fallback not used yet, switchTo() keeps the state the
// primary had reached, closes it (if it was open) and opens the fallback. There is no way back:
// a run that fell back serves the last known state to its end. Any other failure is the run's.
// The committed state stays the primary's: the fallback has nothing to resume, and the next run
// starts where the primary stopped.
#pragma once

#include <functional>
#include <string>

#include "kalshi_direct/plugin.h"

namespace kalshi_direct {

class SourceSwitch {
 public:
  // Creates and opens the fallback (the runner owns its context and report); null: no fallback.
  using OpenFallback = std::function<Status(SourcePtr& out)>;

  SourceSwitch(SourcePtr primary, OpenFallback open_fallback);

  // After opening the primary: `opened` false when its open() failed (it is not closed then).
  void primaryOpened(bool opened) { primary_open_ = opened; }
  // Whether `reason` switches to the fallback: kUnavailable while the primary is active (or
  // failed to open) and a fallback exists.
  bool shouldSwitch(const Status& reason) const;
  // Switches; returns the fallback's create/open failure. `close_failed` hears the primary's
  // close() failure (not a reason to stop: the fallback serves the run).
  Status switchToFallback(const std::function<void(const Status&)>& close_failed);

  // The source to read from (null before the primary opened, or when neither is open).
  Source* active() const;
  bool onFallback() const { return fallback_ != nullptr; }
  Source& primary() { return *primary_; }
  // What a commit records as the source state: the primary's checkpoint while it is active, else
  // what it had reached when the run switched.
  StateMap checkpoint() const;
  // Closes the sources that are open; `closed` hears each (true for the fallback) and its result.
  void close(const std::function<void(bool fallback, const Status&)>& closed);

 private:
  SourcePtr primary_;
  SourcePtr fallback_;
  OpenFallback open_fallback_;
  bool primary_open_ = false;
  bool primary_closed_ = false;
  StateMap primary_state_;  // at the switch
};

}  // namespace kalshi_direct
