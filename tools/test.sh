#!/usr/bin/env bash
# Builds everything and runs every test, in three stages (as root it installs missing Debian
# packages first, clang included):
#   1. main       tools/build.sh into build/ (the dashboard's page included), then ctest (unit,
#                 plugin, end-to-end, simulator, and the dashboard in Chromium)
#   2. sanitize   the same suite built with AddressSanitizer + UndefinedBehaviorSanitizer (gcc,
#                 -DKD_SANITIZE=ON, without the page) into build-asan/, then ctest; any sanitizer
#                 report fails a test
#   3. fuzz       the libFuzzer targets of tests/fuzz (clang, -DKD_BUILD_FUZZERS=ON) built into
#                 build-fuzz/, each run for KD_FUZZ_SECONDS on a copy of its seed corpus; a crash,
#                 a sanitizer report or a broken invariant fails it (reproducer: build-fuzz/crashes/)
# Environment:
#   KD_SKIP_SANITIZE=1   skip stage 2          KD_SKIP_FUZZ=1      skip stage 3
#   KD_FUZZ_SECONDS=N    per fuzz target (20)  KD_JOBS=N           build/ctest parallelism (2)
#   KD_SKIP_POSTGRES=1   no PostgreSQL server: its tests skip (and the last line says so)
# Stages 1 and 2 run the PostgreSQL store's tests against a throwaway server (tools/pg_cluster.sh:
# initdb into a temporary directory, 127.0.0.1 and a private port), installed from Debian when
# missing, started before stage 1 and stopped at the end, also when something fails.
# The last line printed is "N passed, N failed, N skipped" over all stages (ctest cases of stages 1 and 2,
# one per fuzz target); the exit code is non-zero when anything failed.
# Times from scratch on 2 cores: stage 1 ~4 min build + ~1 min tests, stage 2 ~5 min build + ~3 min
# tests, stage 3 ~1 min for clang + 1 min build + 1 min runs; rebuilds are incremental.
# docs/fuzzing.md shows how to run stages 2 and 3 by hand.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=${KD_JOBS:-2}
total_passed=0
total_failed=0
total_skipped=0
stage_notes=()

say() { echo "[test.sh] $*"; }

# Whatever the script started or made is stopped and removed on any exit.
cleanup_paths=()
pg_dir=""
cleanup() {
  if [[ -n $pg_dir ]]; then tools/pg_cluster.sh stop "$pg_dir" || true; fi
  if [[ ${#cleanup_paths[@]} -gt 0 ]]; then rm -rf "${cleanup_paths[@]}"; fi
}
trap cleanup EXIT

postgres_note=""
if [[ "${KD_SKIP_POSTGRES:-0}" == 1 ]]; then
  postgres_note=" (PostgreSQL tests skipped: KD_SKIP_POSTGRES=1)"
  unset KD_TEST_POSTGRES_URL
  say "PostgreSQL: skipped (KD_SKIP_POSTGRES=1): the PostgreSQL store's tests will skip"
elif KD_DEPS_EXTRA="${KD_DEPS_EXTRA:-} postgres" tools/deps.sh; then
  pg_dir=$(mktemp -d /tmp/kd-test-pg.XXXXXX)
  if KD_TEST_POSTGRES_URL=$(tools/pg_cluster.sh start "$pg_dir"); then
    export KD_TEST_POSTGRES_URL
    say "PostgreSQL: a throwaway server on ${KD_TEST_POSTGRES_URL##*@} (stopped at the end)"
  else
    say "PostgreSQL: the throwaway server did not start (above): its tests fail"
    export KD_TEST_POSTGRES_URL="postgresql://kd@127.0.0.1:1/not-started"
  fi
else
  say "PostgreSQL: could not install it (above): its tests fail"
  export KD_TEST_POSTGRES_URL="postgresql://kd@127.0.0.1:1/not-installed"
fi
elapsed() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }

# ctest with its output shown and kept; adds its counts to the totals. $1 = stage, rest = ctest args.
run_ctest() {
  local stage=$1 log
  shift
  log=$(mktemp)
  local status=0
  ctest "$@" 2>&1 | tee "$log" || status=$?
  local summary passed failed skipped
  summary=$(grep -E '[0-9]+ tests? failed out of [0-9]+' "$log" | tail -1 || true)
  # ctest counts a skipped test as passed: count it apart (a skip is not a pass).
  skipped=$(grep -cE '\*\*\*Skipped|Skipped +[0-9.]+ sec' "$log" || true)
  rm -f "$log"
  if [[ $summary =~ ([0-9]+)\ tests?\ failed\ out\ of\ ([0-9]+) ]]; then
    failed=${BASH_REMATCH[1]}
    passed=$((BASH_REMATCH[2] - failed - skipped))
    if [[ $status -ne 0 && $failed -eq 0 ]]; then failed=1; fi  # ctest failed for another reason
  else
    passed=0 failed=1  # no summary: ctest found no tests or did not finish
  fi
  total_passed=$((total_passed + passed))
  total_failed=$((total_failed + failed))
  total_skipped=$((total_skipped + skipped))
  stage_notes+=("$stage: $passed tests passed, $failed failed, $skipped skipped")
  say "$stage: $passed tests passed, $failed failed, $skipped skipped"
}

# A build step whose output goes to a log, shown (tail) only when it fails. $1 = stage, $2 = log.
quiet_build() {
  local stage=$1 log=$2
  shift 2
  if ! "$@" >>"$log" 2>&1; then
    tail -40 "$log"
    say "$stage: build failed; full log: $log"
    total_failed=$((total_failed + 1))
    stage_notes+=("$stage: build failed")
    return 1
  fi
}

# ---- stage 1: the normal build and test suite (first, so that a failure shows fast) ----
start=$SECONDS
say "stage 1/3 main: build (build/) and ctest"
# Chromium too: the dashboard's browser test (tests/browser/) drives it; zsh and MinGW-w64 for
# the package's tests (tests/package/).
if KD_DEPS_EXTRA="${KD_DEPS_EXTRA:-} browser package" tools/build.sh; then
  run_ctest main --test-dir build -j"$jobs" --output-on-failure --timeout 600
else
  say "main: build failed; the sanitize and fuzz stages would fail the same way: skipped"
  total_failed=$((total_failed + 1))
  stage_notes+=("main: build failed")
  KD_SKIP_SANITIZE=1 KD_SKIP_FUZZ=1
fi
say "stage 1/3 main done in $(elapsed $((SECONDS - start)))"

# ---- stage 2: AddressSanitizer + UndefinedBehaviorSanitizer build of the whole suite ----
if [[ "${KD_SKIP_SANITIZE:-0}" == 1 ]]; then
  say "stage 2/3 sanitize: skipped (KD_SKIP_SANITIZE=1)"
else
  start=$SECONDS
  say "stage 2/3 sanitize: ASan+UBSan build (build-asan/, log build-asan/build.log) and ctest"
  mkdir -p build-asan
  : >build-asan/build.log
  # gcc like the main build (CC/CXX choose the compiler when build-asan/ is first configured).
  # -O1 -g1 compiles twice as fast as -O2 -g and still gives file:line stacks; _GLIBCXX_ASSERTIONS
  # adds bounds checks in the standard containers. Under -fsanitize=address gcc 12 reports false
  # "may be used uninitialized" in std::function/std::regex; the main build still checks that one.
  if quiet_build sanitize build-asan/build.log env CC=gcc CXX=g++ \
       cmake -S . -B build-asan -DKD_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug \
             "-DCMAKE_CXX_FLAGS_DEBUG=-O1 -g1 -D_GLIBCXX_ASSERTIONS" "-DCMAKE_C_FLAGS_DEBUG=-O1 -g1" \
             -DCMAKE_CXX_FLAGS=-Wno-maybe-uninitialized -DKD_BUILD_WEB=OFF &&
     quiet_build sanitize build-asan/build.log cmake --build build-asan -j"$jobs"; then
    say "sanitize: built in $(elapsed $((SECONDS - start)))"
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
      run_ctest sanitize --test-dir build-asan -j"$jobs" --output-on-failure --timeout 900
  fi
  say "stage 2/3 sanitize done in $(elapsed $((SECONDS - start)))"
fi

# ---- stage 3: libFuzzer targets, each for a bounded time ----
if [[ "${KD_SKIP_FUZZ:-0}" == 1 ]]; then
  say "stage 3/3 fuzz: skipped (KD_SKIP_FUZZ=1)"
else
  start=$SECONDS
  fuzz_seconds=${KD_FUZZ_SECONDS:-20}
  fuzzers=(fuzz_pipeline_spec fuzz_api_page fuzz_fixed_point)
  say "stage 3/3 fuzz: clang build (build-fuzz/, log build-fuzz/build.log), ${fuzz_seconds}s per target"
  mkdir -p build-fuzz
  : >build-fuzz/build.log
  if quiet_build fuzz build-fuzz/build.log env KD_DEPS_EXTRA="${KD_DEPS_EXTRA:-} fuzz" tools/deps.sh &&
     quiet_build fuzz build-fuzz/build.log env CC=clang CXX=clang++ \
       cmake -S . -B build-fuzz -DKD_BUILD_FUZZERS=ON -DKD_BUILD_TESTS=OFF -DKD_BUILD_SIM=OFF -DKD_BUILD_WEB=OFF \
             -DCMAKE_BUILD_TYPE=Debug "-DCMAKE_CXX_FLAGS_DEBUG=-O1 -g1 -D_GLIBCXX_ASSERTIONS" \
             "-DCMAKE_C_FLAGS_DEBUG=-O1 -g1" &&
     quiet_build fuzz build-fuzz/build.log cmake --build build-fuzz -j"$jobs" --target "${fuzzers[@]}"; then
    say "fuzz: built in $(elapsed $((SECONDS - start)))"
    work=$(mktemp -d)
    cleanup_paths+=("$work")
    mkdir -p build-fuzz/crashes
    fuzz_passed=0 fuzz_failed=0
    for fuzzer in "${fuzzers[@]}"; do
      # A copy of the seeds: libFuzzer adds what it finds to its corpus directory.
      cp -r "tests/fuzz/corpus/$fuzzer" "$work/$fuzzer"
      mkdir -p "$work/$fuzzer-artifacts"
      status=0
      timeout $((fuzz_seconds + 120)) "build-fuzz/bin/$fuzzer" -max_total_time="$fuzz_seconds" \
        -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 -artifact_prefix="$work/$fuzzer-artifacts/" \
        "$work/$fuzzer" >"$work/$fuzzer.log" 2>&1 || status=$?
      runs=$(grep -oE '^stat::number_of_executed_units: *[0-9]+' "$work/$fuzzer.log" | grep -oE '[0-9]+$' || echo "?")
      if [[ $status -eq 0 ]]; then
        fuzz_passed=$((fuzz_passed + 1))
        say "fuzz: $fuzzer passed ($runs inputs in ${fuzz_seconds}s)"
      else
        fuzz_failed=$((fuzz_failed + 1))
        cp -f "$work/$fuzzer-artifacts/"* build-fuzz/crashes/ 2>/dev/null || true
        cp -f "$work/$fuzzer.log" "build-fuzz/crashes/$fuzzer.log"
        grep -E -A30 'ERROR|runtime error|deadly signal|uncaught|terminate called' "$work/$fuzzer.log" | head -60 || tail -40 "$work/$fuzzer.log"
        say "fuzz: $fuzzer FAILED (exit $status); reproducer and log in build-fuzz/crashes/" \
            "(re-run: build-fuzz/bin/$fuzzer build-fuzz/crashes/<file>)"
      fi
    done
    total_passed=$((total_passed + fuzz_passed))
    total_failed=$((total_failed + fuzz_failed))
    stage_notes+=("fuzz: $fuzz_passed targets passed, $fuzz_failed failed")
  fi
  say "stage 3/3 fuzz done in $(elapsed $((SECONDS - start)))"
fi

for note in "${stage_notes[@]}"; do say "$note"; done
echo "$total_passed passed, $total_failed failed, $total_skipped skipped$postgres_note"
[[ $total_failed -eq 0 ]]
