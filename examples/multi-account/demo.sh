#!/usr/bin/env bash
# Three simulated Kalshi accounts synced side by side into one PostgreSQL database, as the systemd
# timers of this folder do on a server: a throwaway PostgreSQL server (tools/pg_cluster.sh), one
# kalshi-sim per account, `kalshi-direct run backfill --full --account NAME` for the three at once,
# then a second round of `run sync` at once, each account's report, and every account together
# through the kalshi_all views.
#   examples/multi-account/demo.sh [BUILD_DIR]     (default build/; needs kalshi-direct, kalshi-sim)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}
cli=$build/bin/kalshi-direct
sim=$build/bin/kalshi-sim
accounts=(alice bob carol)
work=$(mktemp -d /tmp/kd-multi-account.XXXXXX)
chmod 755 "$work"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  "$root/tools/pg_cluster.sh" stop "$work/pg" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  echo "demo: PostgreSQL's server is not installed (apt-get install postgresql)" >&2
  exit 77
fi
url=$("$root/tools/pg_cluster.sh" start "$work/pg")
psql -q "$url" -c "CREATE DATABASE kalshi"
export KALSHI_DB=${url%/postgres}/kalshi KALSHI_RATE_LIMIT=off KALSHI_API_KEY_ID="" \
  KALSHI_PRIVATE_KEY_PATH="" KALSHI_PRIVATE_KEY=""
seed=40
for account in "${accounts[@]}"; do
  seed=$((seed + 1))  # (not inside the backgrounded command: that would not count up here)
  "$sim" --port 0 --port-file "$work/$account.port" --fills 3000 --seed "$seed" \
    --bearer-token "token-$account" >"$work/$account.sim.log" 2>&1 &
  pids+=($!)
done
for account in "${accounts[@]}"; do
  for _ in $(seq 200); do [[ -s "$work/$account.port" ]] && break; sleep 0.1; done
done

# What each account's timer would start, all at once: $1 = run arguments.
run_all() {
  local failed=0 run_pids=()
  for account in "${accounts[@]}"; do
    KALSHI_API_BASE_URL="http://127.0.0.1:$(cat "$work/$account.port")/trade-api/v2" \
      KALSHI_API_KEY="token-$account" KALSHI_ACCOUNT=$account \
      "$cli" run "$@" --quiet >"$work/$account.run.log" 2>&1 &
    run_pids+=($!)
  done
  for i in "${!run_pids[@]}"; do
    if ! wait "${run_pids[$i]}"; then
      echo "demo: ${accounts[$i]}: run $* failed:" >&2
      cat "$work/${accounts[$i]}.run.log" >&2
      failed=1
    fi
  done
  return $failed
}

echo "== three accounts backfill into one database at once"
run_all backfill --full
echo "== and sync at once"
run_all sync
for account in "${accounts[@]}"; do
  echo "== $account"
  "$cli" report --account "$account" | sed -n '1,8p'
done
echo "== every account together (schema kalshi_all)"
psql "$KALSHI_DB" -c "SELECT account, count(*) AS fills, sum(fee_dollars) AS fees_dollars
  FROM kalshi_all.kalshi_fills GROUP BY account ORDER BY account" \
  -c "SELECT account, sum(realized_pnl_dollars) AS realized_pnl_dollars
  FROM kalshi_all.v_daily_pnl GROUP BY account ORDER BY account"
accounts_seen=$(psql -tA "$KALSHI_DB" -c "SELECT count(DISTINCT account) FROM kalshi_all.kalshi_fills")
if [[ $accounts_seen -ne ${#accounts[@]} ]]; then
  echo "demo: kalshi_all holds $accounts_seen accounts, not ${#accounts[@]}" >&2
  exit 1
fi
echo "demo: ${#accounts[@]} accounts in one database"
