#!/usr/bin/env bash
# The live pipeline at 50 fills/s (issue 18): latency from the simulator making a fill to its row
# committed and to the dashboard showing it, CPU per fill, memory over a 10-minute run. Not part
# of tools/test.sh: a measurement (~13 minutes; KD_LIVE_SECONDS shortens the memory run). Builds
# kalshi-direct and kalshi-sim into build/ and writes the "Live" section of docs/performance.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
KD_DEPS_EXTRA="${KD_DEPS_EXTRA:-} browser bench" tools/deps.sh
mkdir -p build
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKD_BUILD_WEB=ON >/dev/null
cmake --build build -j"${KD_JOBS:-2}" --target kalshi-direct kalshi-sim >/dev/null
python3 tools/bench/live.py --bin build/bin --rate "${KD_LIVE_RATE:-50}" \
  --seconds "${KD_LIVE_SECONDS:-600}" --page-seconds "${KD_LIVE_PAGE_SECONDS:-60}" \
  --out-md docs/performance.md
