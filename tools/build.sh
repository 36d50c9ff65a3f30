#!/usr/bin/env bash
# Configures and builds kalshi-direct into build/ (binaries in build/bin). Extra arguments go to cmake.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
cmake --build build -j"${KD_JOBS:-2}"
