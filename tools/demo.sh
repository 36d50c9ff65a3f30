#!/usr/bin/env bash
# The main job end to end, on a fresh machine: installs what is missing, builds, starts kalshi-sim
# (a simulated Kalshi exchange on 127.0.0.1) with a generated account of two subaccounts, with
# deposits and withdrawals, runs `sync` then
# `backfill --full` into ./kalshi.db, shows the snapshot and the P&L by category, checks the order
# count, the P&L, the transfers and each subaccount's balance against the simulator's own truth,
# then serves the dashboard (`kalshi-direct serve`) over the result and prints its address. In a
# terminal the dashboard keeps running (syncing from the simulator every minute) until Ctrl-C;
# without one (CI, scripts) the demo checks that the page and the API answer, with report's
# numbers, and stops. Then it stops the simulator.
#   DEMO_FILLS=20000 tools/demo.sh      (size of the generated account; default 20000)
#   DEMO_PORT=8080 tools/demo.sh        (the dashboard's port in a terminal; default 8080)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
KD_QUIET_BUILD=1 "$root/tools/build.sh"
bin="$root/build/bin"
db="$PWD/kalshi.db"
marker="$db.demo"

# Never overwrite a database the demo did not create (it may hold a real account).
if [[ -e "$db" && ! -e "$marker" ]]; then
  echo "demo: $db exists and was not made by the demo; move it away or run the demo elsewhere" >&2
  exit 2
fi
rm -f "$db" "$db-wal" "$db-shm" "$db.lock" "$marker"
touch "$marker"

work=$(mktemp -d)
sim_pid=""
cleanup() {
  [[ -n "$sim_pid" ]] && kill "$sim_pid" 2>/dev/null && wait "$sim_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

token="demo-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')"
"$bin/kalshi-sim" --port 0 --port-file "$work/port" --fills "${DEMO_FILLS:-20000}" --seed 2026 \
  --anchor now --subaccounts 2 --bearer-token "$token" --dump-truth "$work/truth.json" >"$work/sim.log" 2>&1 &
sim_pid=$!
for _ in $(seq 100); do [[ -s "$work/port" ]] && break; sleep 0.1; done
[[ -s "$work/port" ]] || { echo "demo: kalshi-sim did not start:"; cat "$work/sim.log"; exit 1; }

export KALSHI_API_BASE_URL="http://127.0.0.1:$(cat "$work/port")/trade-api/v2"
export KALSHI_API_KEY="$token" KALSHI_DB="$db" KALSHI_RATE_LIMIT=off
unset KALSHI_API_KEY_ID KALSHI_PRIVATE_KEY_PATH KALSHI_PRIVATE_KEY

echo "== kalshi-sim serving a generated account at $KALSHI_API_BASE_URL"
echo; echo "== kalshi-direct run sync"
"$bin/kalshi-direct" run sync --quiet
echo; echo "== kalshi-direct run backfill --full"
"$bin/kalshi-direct" run backfill --full --quiet
echo; echo "== kalshi-direct report"
"$bin/kalshi-direct" report --db "$db"
echo; echo "== kalshi-direct report --by month --stats (the daily ledger, docs/analytics.md)"
"$bin/kalshi-direct" report --db "$db" --by month --range all
echo
"$bin/kalshi-direct" report --db "$db" --stats

echo; echo "== checked against the simulator's truth"
python3 - "$db" "$work/truth.json" <<'PY'
import json, sqlite3, sys
from decimal import Decimal
db, truth = sqlite3.connect(sys.argv[1]), json.load(open(sys.argv[2]))
ok = True
def check(label, ours, theirs):
    global ok
    good = ours == theirs
    ok &= good
    print(f"  {label:<44} {str(ours):>14}   truth {str(theirs):>14}   {'ok' if good else 'MISMATCH'}")
check("orders in kalshi_orders", db.execute("select count(*) from kalshi_orders").fetchone()[0], truth["counts"]["orders"])
check("fills in kalshi_fills", db.execute("select count(*) from kalshi_fills").fetchone()[0], truth["counts"]["fills"])
ours = {}
for ticker, realized, unrealized in db.execute("select ticker, realized_dollars, unrealized_dollars from kalshi_market_pnl"):
    ours[ticker] = ours.get(ticker, Decimal(0)) + Decimal(realized) + Decimal(unrealized)
total_ours = sum(ours.values(), Decimal(0))
total_truth = sum((Decimal(m["cash_pnl_dollars"]) + Decimal(m["position_value_dollars"])) for m in truth["markets"].values())
check("P&L, realized + unrealized (dollars)", total_ours, total_truth)
bad = [t for t, m in truth["markets"].items()
       if ours.get(t, Decimal(0)) != Decimal(m["cash_pnl_dollars"]) + Decimal(m["position_value_dollars"])]
check("markets whose P&L differs from the truth", len(bad), 0)
check("deposits and withdrawals in kalshi_transfers",
      db.execute("select count(*) from kalshi_transfers where direction <> 'subaccount_transfer'").fetchone()[0],
      truth["counts"]["transfers"])
check("net deposits (cents)",
      db.execute("select net_deposits_cents from kalshi_snapshots order by id desc limit 1").fetchone()[0],
      truth["net_deposits_cents"])
for number, sub in sorted(truth["subaccounts"].items()):
    check(f"subaccount {number}: balance (cents)",
          db.execute("select balance_cents from kalshi_snapshot_subaccounts where subaccount = ? and snapshot_id ="
                     " (select max(id) from kalshi_snapshots)", (int(number),)).fetchone()[0], sub["balance_cents"])
daily = sum((Decimal(r) for (r,) in db.execute("select realized_pnl_dollars from kalshi_daily_pnl")), Decimal(0))
check("daily ledger: realized P&L summed over the days",
      daily, Decimal(db.execute("select realized_pnl_dollars from kalshi_snapshots order by id desc limit 1").fetchone()[0]))
check("SUM(kalshi_orders.pnl_cents) = realized P&L (cents)",
      db.execute("select sum(pnl_cents) from kalshi_orders").fetchone()[0],
      db.execute("select realized_pnl_cents from kalshi_snapshots order by id desc limit 1").fetchone()[0])
first = db.execute("select cash_balance_dollars, trading_cash_flow_dollars, transfers_dollars from kalshi_equity_daily"
                   " where subaccount = -1 order by day limit 1").fetchone()
check("cash rebuilt back to before the first deposit", Decimal(first[0]) - Decimal(first[1]) - Decimal(first[2]), Decimal(0))
equity = db.execute("select cash_balance_dollars, marked_value_dollars, net_deposits_cents from kalshi_equity_daily"
                    " where subaccount = -1 order by day desc limit 1").fetchone()
truth_equity = sum((Decimal(sub["balance_dollars"]) for sub in truth["subaccounts"].values()), Decimal(0)) + \
    sum((Decimal(m["position_value_dollars"]) for m in truth["markets"].values()), Decimal(0))
check("P&L: equity today - net deposits (dollars)", Decimal(equity[0]) + Decimal(equity[1]) - Decimal(equity[2]) / 100,
      truth_equity - Decimal(truth["net_deposits_dollars"]))
sys.exit(0 if ok else 1)
PY
echo; echo "Done: $db holds the account (tables kalshi_orders, kalshi_fills, kalshi_snapshots, kalshi_snapshot_pnl, ...)."

echo; echo "== the dashboard: kalshi-direct serve (docs/dashboard.md)"
if [[ -t 0 && -t 1 ]]; then
  port=${DEMO_PORT:-8080}
  echo "Dashboard: http://127.0.0.1:$port/   (it syncs from the simulator every minute; Ctrl-C stops it)"
  "$bin/kalshi-direct" serve --db "$db" --port "$port" --sync-every 1m || true
else
  "$bin/kalshi-direct" serve --db "$db" --port 0 --port-file "$work/serve.port" --quiet \
    >"$work/serve.log" 2>&1 &
  serve_pid=$!
  for _ in $(seq 100); do [[ -s "$work/serve.port" ]] && break; sleep 0.1; done
  [[ -s "$work/serve.port" ]] || { echo "demo: serve did not start:"; cat "$work/serve.log"; exit 1; }
  url="http://127.0.0.1:$(cat "$work/serve.port")/"
  echo "Dashboard: $url   (no terminal: checking that it answers, then stopping it)"
  curl -fsS "$url" -o "$work/page.html"
  grep -q 'data-testid="cards"' "$work/page.html" || { echo "demo: $url is not the dashboard page"; exit 1; }
  curl -fsS "${url}api/v1/summary" -o "$work/summary.json"
  "$bin/kalshi-direct" report --db "$db" --stats --format json >"$work/stats.json"
  python3 - "$work/summary.json" "$work/stats.json" <<'PY'
import json, sys
summary, stats = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))["stats"]
ok = True
for field in ("pnl_dollars", "realized_pnl_dollars", "fees_dollars", "net_deposits_dollars"):
    good = summary[field] == stats[field]
    ok &= good
    print(f"  dashboard {field:<24} {summary[field]:>12}   report {stats[field]:>12}   {'ok' if good else 'MISMATCH'}")
print(f"  dashboard balance_dollars {summary['balance_dollars']:>26}")
sys.exit(0 if ok else 1)
PY
  kill "$serve_pid" && wait "$serve_pid" || true
fi
