#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests and benchmarks: initdb into a directory of its own,
# listening on 127.0.0.1 and a private port only, with its own socket directory.
#
#   tools/pg_cluster.sh start DIR   initdb DIR/data, start the server, print its URL (also DIR/url)
#   tools/pg_cluster.sh restart DIR restart it (fast shutdown: sessions are cut, as in a real
#                                   restart), same port and password
#   tools/pg_cluster.sh stop DIR    stop it (fast) and remove DIR
#
# The superuser is "kd" with a random password (in the URL and DIR/pgpass); TCP logins need it
# (scram-sha-256), as on a real server. As root the server runs as Debian's "postgres" user (initdb
# refuses root). Needs Debian's postgresql package (tools/deps.sh KD_DEPS_EXTRA=postgres).
# Durability settings are off (fsync, synchronous_commit): the cluster is thrown away, and what
# the tests kill is kalshi-direct, never the server. KD_PG_DURABLE=1 keeps PostgreSQL's defaults
# (the benchmark does, to compare with SQLite's durable commits fairly).
set -euo pipefail

command=${1:-}
dir=${2:-}
if [[ -z $command || -z $dir ]]; then
  echo "usage: tools/pg_cluster.sh start|restart|stop DIR" >&2
  exit 2
fi

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [[ -z $bin || ! -x $bin/initdb ]]; then
  echo "pg_cluster: PostgreSQL's server is not installed (apt-get install postgresql)" >&2
  exit 1
fi

as_owner() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case $command in
  start)
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    password=$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 20)
    mkdir -p "$dir/socket"
    printf '%s\n' "$password" >"$dir/password"
    if [[ $(id -u) -eq 0 ]]; then
      chmod 755 "$dir"
      chown -R postgres "$dir"
      if ! runuser -u postgres -- test -x "$dir"; then
        echo "pg_cluster: user postgres cannot reach $dir: a directory above it is private (chmod o+x it)" >&2
        exit 1
      fi
    fi
    as_owner "$bin/initdb" -D "$dir/data" -U kd --pwfile="$dir/password" -E UTF8 --locale=C \
      --auth-local=trust --auth-host=scram-sha-256 >"$dir/initdb.log" 2>&1 ||
      { cat "$dir/initdb.log" >&2; exit 1; }
    rm -f "$dir/password"
    durability="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    [[ "${KD_PG_DURABLE:-0}" == 1 ]] && durability=""
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start -o \
      "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir/socket -c max_connections=200 $durability" \
      >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
    url="postgresql://kd:$password@127.0.0.1:$port/postgres"
    printf '127.0.0.1:%s:*:kd:%s\n' "$port" "$password" >"$dir/pgpass"
    chmod 600 "$dir/pgpass"
    printf '%s\n' "$url" >"$dir/url"
    echo "$url"
    ;;
  restart)
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -m fast -w -t 60 restart >/dev/null
    ;;
  stop)
    if [[ -d $dir/data ]]; then
      as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 ||
        as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    ;;
  *)
    echo "usage: tools/pg_cluster.sh start|stop DIR" >&2
    exit 2
    ;;
esac
