#!/usr/bin/env bash
# The performance benchmark of issue 7 (not part of tools/test.sh). Installs what it needs, builds,
# measures kalshi-direct against the Python reference and this machine's limits on simulated
# accounts of 10,000, 100,000 and 1,000,000 fills, and writes docs/performance.md and
# docs/performance.png. About 15 minutes on 2 cores; see tools/bench/README.md.
#
# Environment: KD_BENCH_SIZES (default 10000,100000,200000,1000000), KD_BENCH_RUNS (rounds below 1M,
# default 3), KD_BENCH_RUNS_LARGE (at most, at 1M, as the budget allows; default 3),
# KD_BENCH_BUDGET (seconds from the start after which no optional round starts; default 1140),
# KD_BENCH_PROFILE=0 (skip perf) or KD_BENCH_PROFILE_SIZES (default 100000,1000000), KD_BENCH_WORK (scratch directory; default a new one in /tmp, removed).
set -euo pipefail
t0=$(date +%s)
cd "$(dirname "$0")/../.."
root=$(pwd)

KD_DEPS_EXTRA=bench tools/deps.sh
# Same build directory and configuration as tools/build.sh, but only the two binaries the
# benchmark runs (the test suite is not needed here, and a fresh build is minutes shorter).
mkdir -p build
echo "bench: building kalshi-direct and kalshi-sim (log: build/bench-build.log)" >&2
if ! { cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo &&
       cmake --build build -j"${KD_JOBS:-2}" --target kalshi-direct kalshi-sim; } >build/bench-build.log 2>&1; then
  tail -40 build/bench-build.log
  echo "bench: build failed; full log: build/bench-build.log" >&2
  exit 1
fi

if [[ -n "${KD_BENCH_WORK:-}" ]]; then
  work=$KD_BENCH_WORK
  mkdir -p "$work"
else
  work=$(mktemp -d /tmp/kd-bench.XXXXXX)
  trap 'rm -rf "$work"' EXIT
fi
g++ -O2 -std=c++17 -o "$work/parse_limit" tools/bench/parse_limit.cpp -lsimdjson
g++ -O2 -std=c++17 -o "$work/insert_limit" tools/bench/insert_limit.cpp -lsqlite3

python3 tools/bench/bench.py --root "$root" --work "$work" \
  --parse-limit "$work/parse_limit" --insert-limit "$work/insert_limit" \
  --out-md docs/performance.md --out-png docs/performance.png \
  --sizes "${KD_BENCH_SIZES:-10000,100000,200000,1000000}" \
  --runs "${KD_BENCH_RUNS:-3}" --runs-large "${KD_BENCH_RUNS_LARGE:-3}" \
  --profile-sizes "${KD_BENCH_PROFILE_SIZES:-100000,1000000}" \
  --t0 "$t0" --budget "${KD_BENCH_BUDGET:-1140}"
echo "bench: done in $(( $(date +%s) - t0 )) s; results in docs/performance.md" >&2
