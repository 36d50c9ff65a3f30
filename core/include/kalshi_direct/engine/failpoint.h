// Failpoints: crash tests kill the process at a known point instead of after a guessed sleep.
//
// KD_FAILPOINT=NAME:N makes the N-th pass through failpoint("NAME") raise SIGKILL, exactly as a
// crash would (no destructors, no flush, no commit). Unset, as it is outside the test suite, a
// failpoint costs one comparison. The points the engine has:
//   after_batch      the runner delivered a batch to the sinks (not yet committed)
//   between_commits  the runner committed the databases (rows and state) and has not yet
//                    committed the sinks' own output (a CSV's rename or length)
#pragma once

namespace kalshi_direct {

void failpoint(const char* name);

}  // namespace kalshi_direct
