// The one-writer lock of a database file: a second run on the same file fails at once, naming
// the run that holds it, instead of waiting or interleaving its commits.
//
// lockDatabase() takes an exclusive, non-blocking flock on "<database>.lock" and writes who holds
// it (pipeline, pid, host, since when) into the file; closing the descriptor releases the lock
// (also when the process dies). The lock file is never followed if it is a symbolic link.
#pragma once

#include <string>

namespace kalshi_direct {

// `path` made absolute and normal, symbolic links resolved where they exist: two paths to one
// file give the same string (and so share one lock).
std::string resolvedPath(const std::string& path);

// Who holds a writer lock, as the next run's message names it: "pipeline 'sync' (pid 123 on
// host, since 2026-12-06T20:00:00Z)".
std::string writerDescription(const std::string& pipeline);

// Locks `path` (resolved) for pipeline `pipeline`; returns the descriptor to close to release it.
// Throws std::runtime_error with one line: "database '<path>' is in use by pipeline 'sync' (pid
// 123 on host, since ...); wait for that run to finish or stop it", or why the lock file cannot
// be made.
int lockDatabase(const std::string& path, const std::string& pipeline);

}  // namespace kalshi_direct
