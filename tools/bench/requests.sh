#!/usr/bin/env bash
# Requests per 1,000 fills of a `backfill --full`, before and after a change (issue 12's metadata
# batching): builds this checkout's kalshi-direct and kalshi-sim, and kalshi-direct at
# KD_REQUESTS_BEFORE (default: 05a3d4b, the release before batched metadata) in a git worktree
# under build-before/, then runs tools/bench/requests.py on both against the same simulated
# accounts and writes its section of docs/performance.md. ~10 minutes on 2 cores (the old build
# is most of it; kept for the next run).
# Environment: KD_REQUESTS_SIZES (default 10000,100000,1000000), KD_JOBS (2).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
before_rev=${KD_REQUESTS_BEFORE:-05a3d4b}
jobs=${KD_JOBS:-2}
tools/deps.sh
echo "requests: building this checkout (build/)" >&2
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$jobs" --target kalshi-direct kalshi-sim >/dev/null
echo "requests: building $before_rev (build-before/, log build-before/build.log)" >&2
mkdir -p build-before
if [[ ! -d build-before/src ]] || [[ $(git -C build-before/src rev-parse HEAD 2>/dev/null) != $(git rev-parse "$before_rev") ]]; then
  rm -rf build-before/src
  git worktree prune
  git worktree add --detach build-before/src "$before_rev" >/dev/null 2>&1
fi
if ! { cmake -S build-before/src -B build-before/build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKD_BUILD_TESTS=OFF &&
       cmake --build build-before/build -j"$jobs" --target kalshi-direct; } >build-before/build.log 2>&1; then
  tail -30 build-before/build.log
  exit 1
fi
KD_REQUESTS_BEFORE_NOTE="kalshi-direct at $(git rev-parse --short "$before_rev") (one GET /events/{e} per event, markets missing from /markets?tickers= one by one)" \
KD_REQUESTS_AFTER_NOTE="this checkout, $(git rev-parse --short HEAD) (GET /events?tickers= and /historical/markets?tickers= in batches of 100)" \
python3 tools/bench/requests.py --before build-before/build/bin/kalshi-direct --after build/bin/kalshi-direct \
  --sim build/bin/kalshi-sim --sizes "${KD_REQUESTS_SIZES:-10000,100000,1000000}" --out-md docs/performance.md
