#!/usr/bin/env bash
# Installs the Debian packages kalshi-direct needs to build, test and demo, if any are missing.
# As root it runs apt-get; otherwise it prints the command to run and fails.
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  libpoco-dev libyaml-cpp-dev libsqlite3-dev libsimdjson-dev libssl-dev
  libgtest-dev libgmock-dev libpq-dev
  libhowardhinnant-date-dev tzdata
  sqlite3 openssl curl python3 clang-format git
  help2man dpkg-dev
)
# Extra tools for the fuzzing/sanitizer stage of tools/test.sh and the benchmark.
if [[ "${KD_DEPS_EXTRA:-}" == *fuzz* ]]; then packages+=(clang libclang-rt-14-dev); fi
if [[ "${KD_DEPS_EXTRA:-}" == *bench* ]]; then packages+=(time gnuplot-nox); fi
# The PostgreSQL store's tests and benchmark run a throwaway server (tools/pg_cluster.sh).
if [[ "${KD_DEPS_EXTRA:-}" == *postgres* ]]; then packages+=(postgresql); fi
# The package's tests: zsh checks its completion; the MinGW-w64 cross compiler checks that the
# portable layers still compile for Windows (docs/portability.md).
if [[ "${KD_DEPS_EXTRA:-}" == *package* ]]; then packages+=(zsh g++-mingw-w64-x86-64-posix); fi
# The dashboard's browser tests and benchmark drive Debian's Chromium (tests/browser/).
if [[ "${KD_DEPS_EXTRA:-}" == *browser* ]]; then packages+=(chromium fonts-dejavu-core); fi
# The dashboard's front end (web/) builds with Node.js and npm. A Node.js from elsewhere (e.g.
# NodeSource's nodejs, which bundles npm) is kept: Debian's would conflict with it.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then packages+=(nodejs npm); fi

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "deps: installing ${missing[*]}" >&2
if [[ $(id -u) -ne 0 ]]; then
  echo "deps: not root; run: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
