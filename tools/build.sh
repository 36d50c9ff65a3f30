#!/usr/bin/env bash
# Configures and builds kalshi-direct into build/ (binaries in build/bin). Extra arguments go to
# cmake. KD_QUIET_BUILD=1 keeps the compiler output in build/build.log unless the build fails.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/deps.sh
mkdir -p build
if [[ "${KD_QUIET_BUILD:-0}" == 1 ]]; then
  echo "building kalshi-direct (the first build takes a few minutes; log: build/build.log)"
  if ! { cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" && cmake --build build -j"${KD_JOBS:-2}"; } >build/build.log 2>&1; then
    tail -40 build/build.log
    echo "build failed; full log: build/build.log" >&2
    exit 1
  fi
else
  cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
  cmake --build build -j"${KD_JOBS:-2}"
fi
