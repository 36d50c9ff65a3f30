#!/usr/bin/env bash
# The PostgreSQL store against the SQLite store (issue 17: a first backfill into PostgreSQL no
# slower than into SQLite on the same machine). Not part of tools/test.sh: a measurement.
# Builds kalshi-direct and kalshi-sim into build/, starts a simulated account of KD_BENCH_FILLS
# fills (default 1,000,000) and a throwaway PostgreSQL server with its default durability
# (tools/pg_cluster.sh, KD_PG_DURABLE=1), then runs `run backfill --full` KD_BENCH_RUNS times
# (default 2) into each store, alternating, each into a new database: wall time, fills/s and
# peak RSS of kalshi-direct (GNU time), and each store's size on disk (the SQLite file; the
# PostgreSQL tables with their indexes and TOAST, pg_total_relation_size). Prints a Markdown
# table and writes it to the "PostgreSQL store" section of docs/performance.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
fills=${KD_BENCH_FILLS:-1000000}
runs=${KD_BENCH_RUNS:-2}
KD_DEPS_EXTRA="${KD_DEPS_EXTRA:-} bench postgres" tools/deps.sh
mkdir -p build
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"${KD_JOBS:-2}" --target kalshi-direct kalshi-sim >/dev/null
work=$(mktemp -d /tmp/kd-bench-pg.XXXXXX)
chmod 755 "$work"  # the server runs as user postgres, below it
sim_pid=""
cleanup() {
  [[ -n $sim_pid ]] && kill "$sim_pid" 2>/dev/null || true
  tools/pg_cluster.sh stop "$work/pg" || true
  rm -rf "$work"
}
trap cleanup EXIT

url=$(KD_PG_DURABLE=1 tools/pg_cluster.sh start "$work/pg")
build/bin/kalshi-sim --port 0 --port-file "$work/port" --fills "$fills" --seed 15 --anchor now \
  --subaccounts 2 --bearer-token bench >"$work/sim.log" 2>&1 &
sim_pid=$!
for _ in $(seq 600); do [[ -s "$work/port" ]] && break; sleep 0.5; done
export KALSHI_API_BASE_URL="http://127.0.0.1:$(cat "$work/port")/trade-api/v2" KALSHI_API_KEY=bench \
  KALSHI_RATE_LIMIT=off KALSHI_API_KEY_ID="" KALSHI_PRIVATE_KEY_PATH="" KALSHI_PRIVATE_KEY=""

# One backfill into $1 (a location); prints "seconds peak_kib".
measure() {
  local start end
  start=$(date +%s.%N)
  KALSHI_DB=$1 /usr/bin/time -f '%M' -o "$work/rss" build/bin/kalshi-direct run backfill --full \
    --quiet >"$work/run.log" 2>&1 || { cat "$work/run.log" >&2; exit 1; }
  end=$(date +%s.%N)
  echo "$(python3 -c "print($end - $start)") $(cat "$work/rss")"
}

declare -a sqlite_times postgres_times sqlite_rss postgres_rss
sqlite_size=0 postgres_size=0
for run in $(seq "$runs"); do
  db="$work/kalshi-$run.db"
  read -r seconds rss < <(measure "$db")
  sqlite_times+=("$seconds") sqlite_rss+=("$rss")
  sqlite_size=$(stat -c %s "$db")
  rm -f "$db" "$db-wal" "$db-shm" "$db.lock"
  name="bench_$run"
  psql -q "$url" -c "CREATE DATABASE $name"
  pg="${url%/postgres}/$name"
  read -r seconds rss < <(measure "$pg")
  postgres_times+=("$seconds") postgres_rss+=("$rss")
  postgres_size=$(psql -tA "$pg" -c "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r'")
  echo "bench: run $run: sqlite ${sqlite_times[-1]} s, ${sqlite_rss[-1]} KiB; postgresql ${postgres_times[-1]} s, ${postgres_rss[-1]} KiB" >&2
  psql -q "$url" -c "DROP DATABASE $name"
done

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
s_time=$(median "${sqlite_times[@]}") p_time=$(median "${postgres_times[@]}")
s_rss=$(median "${sqlite_rss[@]}") p_rss=$(median "${postgres_rss[@]}")
version=$(psql -tA "$url" -c "SHOW server_version")
table=$(cat <<TABLE
## PostgreSQL store

\`tools/bench/postgres.sh\`, $(date -u +%Y-%m-%d), $(nproc) cores: \`run backfill --full\` of a simulated
account of $fills fills (2 subaccounts) into a new database, median of $runs runs each, the stores
alternating. PostgreSQL $version on 127.0.0.1 with its default durability (fsync on), SQLite with
kalshi-direct's settings (WAL, synchronous=NORMAL). Peak RSS is kalshi-direct's own (the
PostgreSQL server's memory is its own processes'); size is the file, or the tables with their
indexes.

| Store | Wall time | Fills/s | Peak RSS | Size on disk |
|---|---|---|---|---|
| SQLite | $(printf '%.1f' "$s_time") s | $(python3 -c "print(round($fills / $s_time))") | $((s_rss / 1024)) MiB | $((sqlite_size / 1048576)) MiB |
| PostgreSQL | $(printf '%.1f' "$p_time") s | $(python3 -c "print(round($fills / $p_time))") | $((p_rss / 1024)) MiB | $((postgres_size / 1048576)) MiB |

PostgreSQL / SQLite wall time: $(python3 -c "print(f'{$p_time / $s_time:.2f}')") (target: at most 1.00).
TABLE
)
echo "$table"
python3 - "$table" <<'PY'
import re, sys
path = "docs/performance.md"
text = open(path).read()
section = sys.argv[1].rstrip() + "\n"
pattern = re.compile(r"^## PostgreSQL store\n.*?(?=^## |\Z)", re.S | re.M)
text = pattern.sub(lambda _: section + "\n", text) if pattern.search(text) else text.rstrip() + "\n\n" + section
open(path, "w").write(text)
PY
