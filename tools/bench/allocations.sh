#!/usr/bin/env bash
# Heap allocations per row on kalshi-direct's hot path (issue 19: "no per-record heap allocation
# from page bytes to bound statement"). Not part of tools/test.sh: a measurement.
#
# Runs the orders+fills pipeline (tools/bench/bench_orders_fills.yaml: the pages of orders and
# fills parsed, normalized and written, nothing else) under malloc_count.so (LD_PRELOAD: every
# malloc/calloc/realloc/aligned allocation, C++'s new included) on two simulated accounts,
# KD_BENCH_SMALL and KD_BENCH_LARGE fills (default 10,000 and 100,000), and divides the difference
# in allocations by the difference in rows: what one more row costs, without the run's fixed
# costs. Writes its section of docs/performance.md (between its markers). KD_BENCH_WORK keeps the
# scratch directory.
set -euo pipefail
cd "$(dirname "$0")/../.."
small=${KD_BENCH_SMALL:-10000}
large=${KD_BENCH_LARGE:-100000}
tools/deps.sh
mkdir -p build
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"${KD_JOBS:-2}" --target kalshi-direct kalshi-sim >/dev/null
work=${KD_BENCH_WORK:-$(mktemp -d /tmp/kd-bench-allocations.XXXXXX)}
sim_pid=
cleanup() { [[ -z "$sim_pid" ]] || kill "$sim_pid" 2>/dev/null || true; }
trap cleanup EXIT
[[ -n "${KD_BENCH_WORK:-}" ]] || trap 'cleanup; rm -rf "$work"' EXIT
mkdir -p "$work"
gcc -O2 -shared -fPIC -o "$work/malloc_count.so" tools/bench/malloc_count.c -ldl

# measure FILLS: "allocations bytes rows" of one orders+fills pipeline run into a fresh database.
measure() {
  local fills=$1
  rm -f "$work/port" "$work/count" "$work"/kalshi-"$fills".db*
  build/bin/kalshi-sim --port 0 --port-file "$work/port" --fills "$fills" --seed 19 --anchor now \
    --bearer-token bench >"$work/sim.log" 2>&1 &
  sim_pid=$!
  for _ in $(seq 600); do [[ -s "$work/port" ]] && break; sleep 0.1; done
  KALSHI_API_BASE_URL="http://127.0.0.1:$(cat "$work/port")/trade-api/v2" KALSHI_API_KEY=bench \
    KALSHI_RATE_LIMIT=off LD_PRELOAD="$work/malloc_count.so" MALLOC_COUNT_OUT="$work/count" \
    build/bin/kalshi-direct run tools/bench/bench_orders_fills.yaml --db "$work/kalshi-$fills.db" \
    --quiet >/dev/null
  kill "$sim_pid" 2>/dev/null || true
  wait "$sim_pid" 2>/dev/null || true
  sim_pid=
  local rows
  rows=$(sqlite3 "$work/kalshi-$fills.db" \
    "SELECT (SELECT count(*) FROM kalshi_orders) + (SELECT count(*) FROM kalshi_fills)")
  # The last line is kalshi-direct's own (the shell's children report too, before it).
  echo "$(tail -1 "$work/count" | awk '{print $2, $4}') $rows"
}

read -r small_allocations small_bytes small_rows <<<"$(measure "$small")"
read -r large_allocations large_bytes large_rows <<<"$(measure "$large")"

python3 - "$small" "$small_allocations" "$small_bytes" "$small_rows" \
  "$large" "$large_allocations" "$large_bytes" "$large_rows" "$(git rev-parse --short HEAD)" <<'PY'
import datetime, re, sys
small, sa, sb, sr, large, la, lb, lr, commit = sys.argv[1:]
sa, sb, sr, la, lb, lr = (int(x) for x in (sa, sb, sr, la, lb, lr))
per_row = (la - sa) / (lr - sr)
bytes_per_row = (lb - sb) / (lr - sr)
BEGIN, END = "<!-- allocations.sh:begin -->", "<!-- allocations.sh:end -->"
lines = [
    BEGIN,
    "## Heap allocations per row",
    "",
    "Written by `tools/bench/allocations.sh` (%s, commit %s). The orders+fills pipeline "
    "([bench_orders_fills.yaml](../tools/bench/bench_orders_fills.yaml): pages parsed, normalized, "
    "written) under [malloc_count.c](../tools/bench/malloc_count.c) (LD_PRELOAD: every malloc, calloc, "
    "realloc and aligned allocation, C++'s `new` included) on two accounts; the difference divided by "
    "the difference in rows is what one more row costs, without the run's fixed costs."
    % (datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"), commit),
    "",
    "| fills | rows (orders + fills) | allocations | bytes allocated |",
    "|---:|---:|---:|---:|",
    "| %s | %s | %s | %s |" % (f"{int(small):,}", f"{sr:,}", f"{sa:,}", f"{sb:,}"),
    "| %s | %s | %s | %s |" % (f"{int(large):,}", f"{lr:,}", f"{la:,}", f"{lb:,}"),
    "",
    "**%.1f allocations and %s bytes per row** (target of issue 19: none from page bytes to bound "
    "statement; not met: docs/architecture.md, \"The row path without per-record allocation\", says "
    "where they come from and the plan)." % (per_row, f"{bytes_per_row:,.0f}"),
    END,
]
path = "docs/performance.md"
text = open(path).read()
section = "\n".join(lines)
if BEGIN in text and END in text:
    text = text[:text.index(BEGIN)] + section + text[text.index(END) + len(END):]
else:
    text = text.rstrip("\n") + "\n\n" + section + "\n"
open(path, "w").write(text)
print("allocations: %.1f per row, %.0f bytes per row; docs/performance.md updated" % (per_row, bytes_per_row))
PY
