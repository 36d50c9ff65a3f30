// The options of a source that reads the Kalshi trade API, shared by kalshi_live and kalshi_ws
// (which catches up through a kalshi_live source): their declarations and their reading into a
// LiveSourceConfig. One owner for what `base_url`, `auth`, `rate_limit`, the timeouts, TLS,
// `subaccounts`, `metadata` and `cache_db` mean. Messages name the source (`source`) whose
// options they are, as "<file>:<line>:<col>: source '<source>': ...".
#pragma once

#include <string>
#include <vector>

#include "kalshi_direct/config.h"
#include "kalshi_direct/plugin.h"
#include "kalshi_direct/status.h"
#include "kalshi_live_source.h"

namespace kalshi_direct {
namespace kalshi {

// balance, positions, orders, fills, settlements, transfers: the `streams:` a source can read.
extern const std::vector<std::string> kLiveStreams;

// Every option kalshi_live declares (kalshi_ws takes most of them).
std::vector<OptionSpec> liveSourceOptions();

// `streams:` as written, or all of kLiveStreams.
std::vector<std::string> liveStreamsOption(const Options& options);

// The streams a source reading `streams:` produces: those, in the usual order, then `markets`
// (unless `metadata: false`) and `history`.
std::vector<std::string> liveSourceStreams(const Options& options);

// cache_db (when given): the resting orders and market metadata the sinks wrote on earlier runs.
std::vector<StoreTables> liveSourceTables(const Options& options);

// Reads validated options into `config` (no I/O): kInvalidConfig with a one-line message at the
// option's location for a bad value or combination.
Status buildLiveSourceConfig(const Options& options, const std::string& source,
                             LiveSourceConfig& config);

// The credentials `config` names (options, else KALSHI_* variables) can make an authenticator:
// checked at create(), before any database is opened, so a run without them writes nothing.
Status checkLiveCredentials(const Options& options, const std::string& source,
                            const LiveSourceConfig& config);

}  // namespace kalshi
}  // namespace kalshi_direct
