#!/usr/bin/env bash
# Grows the committed fuzz corpus (tests/fuzz/corpus/<target>/): builds the libFuzzer targets
# (clang, build-fuzz/, the configuration of tools/test.sh stage 3), fuzzes each for a while on a
# scratch copy of its corpus, then merges what found new coverage back into it with libFuzzer's
# -set_cover_merge=1: -merge=1 (adds only inputs that cover something the corpus does not, named by
# their SHA1, and leaves the existing files alone) choosing a near-minimal set of them, about a
# third fewer files than -merge=1 for the same coverage. Review and commit tests/fuzz/corpus/.
#
#   tools/fuzz-corpus.sh [SECONDS] [TARGET ...]      default: 60 s each, every target
#
# Environment: KD_JOBS=N build parallelism (1); KD_FUZZ_MAX_LEN=N the largest input libFuzzer makes
# (default: libFuzzer's, the largest seed or 4096 bytes). A crash, a sanitizer report or a broken invariant stops the
# script (exit 1) with the reproducer in build-fuzz/crashes/: fix the bug, then add the (minimised)
# input to the target's corpus as a seed (docs/fuzzing.md).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-60}
shift || true
targets=("$@")
[[ ${#targets[@]} -eq 0 ]] && targets=(fuzz_pipeline_spec fuzz_api_page fuzz_fixed_point)
jobs=${KD_JOBS:-1}
limits=(-rss_limit_mb=2048 -timeout=10)
[[ -n ${KD_FUZZ_MAX_LEN:-} ]] && limits+=(-max_len="$KD_FUZZ_MAX_LEN")
if ! [[ $seconds =~ ^[0-9]+$ ]] || [[ $seconds -eq 0 ]]; then
  echo "usage: tools/fuzz-corpus.sh [SECONDS] [TARGET ...]" >&2
  exit 2
fi

say() { echo "[fuzz-corpus] $*"; }
corpus_size() { # files, bytes
  echo "$(find "$1" -type f | wc -l) files, $(find "$1" -type f -printf '%s\n' | awk '{s += $1} END {print s + 0}') bytes"
}

# ---- build: exactly tools/test.sh stage 3 ----
mkdir -p build-fuzz
log=build-fuzz/fuzz-corpus-build.log
: >"$log"
say "building ${targets[*]} (build-fuzz/, log $log)"
if ! { env KD_DEPS_EXTRA="${KD_DEPS_EXTRA:-} fuzz" tools/deps.sh &&
       env CC=clang CXX=clang++ \
         cmake -S . -B build-fuzz -DKD_BUILD_FUZZERS=ON -DKD_BUILD_TESTS=OFF -DKD_BUILD_SIM=OFF \
               -DCMAKE_BUILD_TYPE=Debug "-DCMAKE_CXX_FLAGS_DEBUG=-O1 -g1 -D_GLIBCXX_ASSERTIONS" \
               "-DCMAKE_C_FLAGS_DEBUG=-O1 -g1" &&
       cmake --build build-fuzz -j"$jobs" --target "${targets[@]}"; } >>"$log" 2>&1; then
  tail -40 "$log"
  say "build failed; full log: $log"
  exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p build-fuzz/crashes
for target in "${targets[@]}"; do
  corpus=tests/fuzz/corpus/$target
  [[ -d $corpus ]] || { say "$target: no $corpus"; exit 2; }
  before=$(corpus_size "$corpus")
  # Fuzz a scratch copy: libFuzzer writes every input with new coverage into its corpus directory.
  cp -r "$corpus" "$work/$target"
  mkdir -p "$work/$target-artifacts"
  say "$target: fuzzing ${seconds}s (corpus: $before)"
  status=0
  timeout $((seconds + 300)) "build-fuzz/bin/$target" -max_total_time="$seconds" "${limits[@]}" \
    -print_final_stats=1 -artifact_prefix="$work/$target-artifacts/" \
    "$work/$target" >"$work/$target.log" 2>&1 || status=$?
  if [[ $status -ne 0 ]]; then
    cp -f "$work/$target-artifacts/"* build-fuzz/crashes/ 2>/dev/null || true
    cp -f "$work/$target.log" "build-fuzz/crashes/$target.log"
    grep -E -A30 'ERROR|runtime error|deadly signal|uncaught|terminate called|breaks' \
      "$work/$target.log" | head -60 || tail -40 "$work/$target.log"
    say "$target FAILED (exit $status): reproducer and log in build-fuzz/crashes/" \
        "(re-run: build-fuzz/bin/$target build-fuzz/crashes/<file>); nothing merged"
    exit 1
  fi
  runs=$(grep -oE '^stat::number_of_executed_units: *[0-9]+' "$work/$target.log" | grep -oE '[0-9]+$' || echo "?")
  # Merge: only what adds coverage to the committed corpus is copied in (SHA1 names).
  if ! "build-fuzz/bin/$target" -set_cover_merge=1 "${limits[@]}" \
       "$corpus" "$work/$target" >"$work/$target-merge.log" 2>&1; then
    tail -20 "$work/$target-merge.log"
    say "$target: merge failed"
    exit 1
  fi
  say "$target: $runs inputs in ${seconds}s; corpus $before -> $(corpus_size "$corpus")"
done
say "done: review and commit tests/fuzz/corpus/ (git add tests/fuzz/corpus)"
