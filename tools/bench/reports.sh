#!/usr/bin/env bash
# How fast `kalshi-direct report` answers on a large account (issue 15: every report under 200 ms
# on a 1,000,000-fill database, from the pre-aggregated ledger, never a scan of kalshi_fills).
# Not part of tools/test.sh: a measurement. Builds kalshi-direct and kalshi-sim into build/, backfills
# a simulated account of KD_BENCH_FILLS fills (default 1,000,000; a few minutes), then runs each
# report KD_BENCH_RUNS times (default 7) and writes the median and the slowest of each, with the
# database's size, to docs/performance-reports.md. KD_BENCH_WORK keeps the scratch directory (it
# must not hold a database yet).
set -euo pipefail
cd "$(dirname "$0")/../.."
fills=${KD_BENCH_FILLS:-1000000}
runs=${KD_BENCH_RUNS:-7}
tools/deps.sh
mkdir -p build
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"${KD_JOBS:-2}" --target kalshi-direct kalshi-sim >/dev/null
work=${KD_BENCH_WORK:-$(mktemp -d /tmp/kd-bench-reports.XXXXXX)}
[[ -n "${KD_BENCH_WORK:-}" ]] || trap 'kill $sim_pid 2>/dev/null; rm -rf "$work"' EXIT
mkdir -p "$work"

build/bin/kalshi-sim --port 0 --port-file "$work/port" --fills "$fills" --seed 15 --anchor now \
  --days 400 --subaccounts 2 --bearer-token bench >"$work/sim.log" 2>&1 &
sim_pid=$!
for _ in $(seq 600); do [[ -s "$work/port" ]] && break; sleep 0.1; done
export KALSHI_API_BASE_URL="http://127.0.0.1:$(cat "$work/port")/trade-api/v2" KALSHI_API_KEY=bench
export KALSHI_RATE_LIMIT=off KALSHI_DB="$work/kalshi.db"
start=$(date +%s%N)
build/bin/kalshi-direct run backfill --full --quiet
backfill_s=$(( ($(date +%s%N) - start) / 1000000 ))e-3
kill "$sim_pid" 2>/dev/null || true

python3 - "$work/kalshi.db" "$runs" "$fills" "$backfill_s" <<'PY'
import os, sqlite3, statistics, subprocess, sys, time
db, runs, fills, backfill_s = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
cli = "build/bin/kalshi-direct"
reports = [
    ["report"],
    ["report", "--by", "day", "--range", "all"],
    ["report", "--by", "week", "--range", "ytd"],
    ["report", "--by", "month"],
    ["report", "--by", "category", "--range", "1y"],
    ["report", "--by", "series", "--format", "csv"],
    ["report", "--by", "subaccount", "--format", "json"],
    ["report", "--stats"],
    ["report", "--stats", "--category", "weather", "--range", "ytd"],
    ["report", "--edge", "--by", "category"],
    ["report", "--tax-year", "2026", "--format", "csv"],
]
con = sqlite3.connect(db)
count = lambda table: con.execute(f"select count(*) from {table}").fetchone()[0]
sizes = {t: count(t) for t in ["kalshi_fills", "kalshi_orders", "kalshi_daily_pnl",
                               "kalshi_closed_positions", "kalshi_tax_lots", "kalshi_equity_daily"]}
rows = []
for args in reports:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        out = subprocess.run([cli] + args + ["--db", db], capture_output=True)
        times.append((time.perf_counter() - t) * 1000)
        if out.returncode != 0:
            sys.exit(f"{' '.join(args)} failed: {out.stderr.decode()}")
    rows.append((" ".join(args), statistics.median(times), max(times), len(out.stdout.splitlines())))
with open("docs/performance-reports.md", "w") as f:
    f.write("# Report speed on a large account\n\n")
    f.write(f"Written by `tools/bench/reports.sh` on {time.strftime('%Y-%m-%d')} "
            f"(load average {os.getloadavg()[0]:.2f}): a simulated account of {fills:,} fills over 400 days, "
            f"two subaccounts, backfilled in {backfill_s:.1f} s; each report run {runs} times as a "
            "whole process (start-up included).\n\n")
    f.write("| table | rows |\n|---|---|\n")
    for t, n in sizes.items():
        f.write(f"| `{t}` | {n:,} |\n")
    f.write("\n| command | median | slowest | lines printed |\n|---|---|---|---|\n")
    for name, median, slowest, lines in rows:
        f.write(f"| `kalshi-direct {name}` | {median:.0f} ms | {slowest:.0f} ms | {lines:,} |\n")
    f.write("\nTarget (issue 15): every report under 200 ms. The period reports read "
            "`kalshi_daily_pnl`, `kalshi_equity_daily`, `kalshi_closed_positions` and "
            "`kalshi_tax_lots`, never `kalshi_fills`. The tax export prints one line per lot "
            "closed in the year, so its time grows with that count (see `lines printed`).\n")
print(open("docs/performance-reports.md").read())
PY
