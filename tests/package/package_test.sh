#!/usr/bin/env bash
# The Debian package as a user gets it: built by CPack (`cmake --build BUILD --target package`),
# checked with `dpkg-deb -I` (name, version, the dependencies on Debian's runtime packages) and
# `dpkg-deb -c`, extracted with `dpkg-deb -x` into a scratch root, and its binary run from there:
# --version, the man page, `validate` (the shipped pipelines found in the extracted
# usr/share/kalshi-direct, by name), and a sync against the simulator into a new database.
# The units pass `systemd-analyze verify` where it is available.
# usage: package_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
source_dir=$(cd "$2" && pwd)
scratch=$(mktemp -d /tmp/kd-package-test.XXXXXX)
sim_pid=""
cleanup() {
  if [[ -n $sim_pid ]]; then kill "$sim_pid" 2>/dev/null || true; wait "$sim_pid" 2>/dev/null || true; fi
  rm -rf "$scratch"
}
trap cleanup EXIT
failures=0
check() {  # check DESCRIPTION COMMAND...
  local what=$1
  shift
  if "$@"; then
    echo "ok: $what"
  else
    echo "FAILED: $what"
    failures=$((failures + 1))
  fi
}

version=$(sed -nE 's/^project\(KalshiDirect VERSION ([0-9.]+).*/\1/p' "$source_dir/CMakeLists.txt")
rm -f "$build"/kalshi-direct_*.deb
if ! cmake --build "$build" --target package >"$scratch/package.log" 2>&1; then
  tail -40 "$scratch/package.log"
  echo "FAILED: cmake --build $build --target package"
  exit 1
fi
deb=$(ls "$build"/kalshi-direct_"$version"_*.deb)
echo "built $deb"

info=$(dpkg-deb -I "$deb")
depends=$(dpkg-deb -f "$deb" Depends)
echo "Depends: $depends"
check "the package is kalshi-direct $version" [ "$(dpkg-deb -f "$deb" Package) $(dpkg-deb -f "$deb" Version)" = "kalshi-direct $version" ]
for library in libpoco libyaml-cpp libsqlite3 libssl libpq libstdc++6 libc6 adduser tzdata; do
  check "it depends on $library" grep -q "$library" <<<"$depends"
done
check "it has maintainer scripts (the system user)" grep -q "postinst" <<<"$info"

contents=$(dpkg-deb -c "$deb")
for file in ./usr/bin/kalshi-direct ./usr/share/kalshi-direct/pipelines/sync.yaml \
  ./usr/share/kalshi-direct/pipelines/backfill.yaml ./usr/include/kalshi_direct/plugin.h \
  ./usr/lib/cmake/KalshiDirect/KalshiDirectConfig.cmake ./usr/share/man/man1/kalshi-direct.1.gz \
  ./usr/lib/systemd/system/kalshi-direct-sync.service ./usr/lib/systemd/system/kalshi-direct-sync.timer \
  ./usr/lib/systemd/system/kalshi-direct-serve.service \
  ./usr/share/bash-completion/completions/kalshi-direct ./usr/share/zsh/vendor-completions/_kalshi-direct \
  ./usr/share/doc/kalshi-direct/kalshi-direct.conf.example; do
  check "it holds $file" grep -qE " $file\$" <<<"$contents"
done
check "it leaves the simulator out" bash -c '! grep -q "usr/bin/kalshi-sim" <<<"$1"' _ "$contents"

root="$scratch/root"
dpkg-deb -x "$deb" "$root"
bin="$root/usr/bin/kalshi-direct"
work="$scratch/work"  # no ./pipelines here: names resolve to the extracted share/ directory
mkdir -p "$work"
cd "$work"
unset KALSHI_DIRECT_PIPELINES KALSHI_DIRECT_CONFIG
export XDG_CONFIG_HOME="$scratch/config"
check "--version says kalshi-direct $version" [ "$("$bin" --version)" = "kalshi-direct $version" ]
check "the man page documents the commands" bash -c 'zcat "$1" | grep -q "validate"' _ "$root/usr/share/man/man1/kalshi-direct.1.gz"
validate=$("$bin" validate sync 2>&1) || true
echo "$validate"
check "validate finds the shipped sync pipeline in the extracted root" grep -q "^$root/usr/share/kalshi-direct/pipelines/sync.yaml: ok" <<<"$validate"

# A sync against the simulator, with the extracted binary.
"$build/bin/kalshi-sim" --port 0 --port-file "$scratch/port" --fills 300 --seed 5 --anchor now \
  --bearer-token package-test >"$scratch/sim.log" 2>&1 &
sim_pid=$!
for _ in $(seq 100); do [[ -s $scratch/port ]] && break; sleep 0.1; done
port=$(cat "$scratch/port")
status=0
KALSHI_API_BASE_URL="http://127.0.0.1:$port/trade-api/v2" KALSHI_API_KEY=package-test \
  KALSHI_RATE_LIMIT=off KALSHI_DB="$work/kalshi.db" "$bin" run sync --quiet >"$scratch/sync.out" 2>&1 || status=$?
cat "$scratch/sync.out"
check "the extracted binary's sync exits 0" [ "$status" -eq 0 ]
fills=$(sqlite3 "$work/kalshi.db" "SELECT count(*) FROM kalshi_fills" 2>/dev/null || echo 0)
snapshots=$(sqlite3 "$work/kalshi.db" "SELECT count(*) FROM kalshi_snapshots" 2>/dev/null || echo 0)
check "the sync wrote fills ($fills) and a snapshot ($snapshots)" [ "$fills" -gt 0 -a "$snapshots" -eq 1 ]

if command -v systemd-analyze >/dev/null && [[ -d /usr/lib/systemd/system ]]; then
  # Verified inside the extracted root (so /usr/bin/kalshi-direct is the package's), beside this
  # machine's own units (the targets they name). A warning counts as a failure.
  cp -an /usr/lib/systemd/system/. "$root/usr/lib/systemd/system/"
  status=0
  verify_out=$(systemd-analyze verify --man=no --root="$root" kalshi-direct-sync.timer \
    kalshi-direct-sync.service kalshi-direct-serve.service 2>&1) || status=$?
  echo "$verify_out"
  check "the units pass systemd-analyze verify, without a warning" [ "$status" -eq 0 -a -z "$verify_out" ]
else
  echo "skipped: systemd-analyze not installed"
fi

if [[ $failures -gt 0 ]]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "package checks passed"
