// `kalshi-direct serve`: the dashboard (docs/dashboard.md) and its JSON API (docs/api.md) over a
// database, opened read-only, in one process; with --sync-every it also runs the `sync` pipeline
// on that schedule (the one writer: the engine's database lock is taken for each run, so a cron
// job syncing the same database waits its turn or is refused, never both at once); with --live it
// runs the `live` pipeline beside the dashboard instead (fills pushed over Kalshi's WebSocket,
// each commit told to open pages at once), starting it again after a failure.
//
//   kalshi-direct serve [--db PATH] [--bind ADDR] [--port N] [--port-file FILE]
//                       [--sync-every DURATION | --live] [--stale-after DURATION]
//                       [--token TOKEN | --token-file FILE]
//
// Safe by default: it binds 127.0.0.1; binding any other address needs a token (every request
// then carries it). SIGINT/SIGTERM stop it: a running sync finishes its batch and commits first.
//
// Exit codes: 0 stopped by a signal, 1 the server failed, 2 bad usage.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "kalshi_direct/engine/runner.h"

namespace kalshi_direct {
namespace serve {

// Runs a pipeline once into the database, polling `stop` between batches and calling `committed`
// after each of its commits.
using SyncRun = std::function<RunReport(const std::function<bool()>& stop,
                                        const std::function<void()>& committed)>;
// Makes the SyncRun of the shipped pipeline `name` (sync, or live) for database `db` (the CLI
// resolves it with db=PATH); throws std::runtime_error with one line when it cannot be loaded.
using SyncFactory = std::function<SyncRun(const std::string& name, const std::string& db)>;

int runServeCommand(const std::vector<std::string>& args, const SyncFactory& make_sync);

}  // namespace serve
}  // namespace kalshi_direct
