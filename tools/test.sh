#!/usr/bin/env bash
# Builds everything and runs every test with ctest (unit, plugin, end-to-end, simulator).
# Installs missing Debian packages first (as root). Exit code: ctest's.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/build.sh
ctest --test-dir build -j"${KD_JOBS:-2}" --output-on-failure --timeout 600
