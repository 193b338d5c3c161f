#!/usr/bin/env bash
# A throw-away PostgreSQL for the tests: loopback only, trust auth, fsync off, in DIR.
#
#   .ci/postgres.sh start DIR PORT   makes and starts a server; prints the connection string
#   .ci/postgres.sh stop DIR
#   .ci/postgres.sh resume DIR PORT  starts a stopped one again
#
# PostgreSQL refuses to run as root, so as root it runs as the postgres user. Installs the
# Debian package when initdb is missing.
set -euo pipefail
cmd=${1:?usage: postgres.sh start DIR PORT | stop DIR}
dir=${2:?usage: postgres.sh start DIR PORT | stop DIR}
bin=/usr/lib/postgresql/15/bin
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

case $cmd in
start)
  port=${3:?usage: postgres.sh start DIR PORT}
  if [ ! -x "$bin/initdb" ]; then
    apt-get update -qq >&2 && apt-get install -y -qq postgresql >&2
  fi
  mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chown postgres "$dir"
  as_pg "$bin/initdb" -D "$dir/data" -A trust -U postgres >"$dir/initdb.log" 2>&1
  "$0" resume "$dir" "$port"
  ;;
resume)
  port=${3:?usage: postgres.sh resume DIR PORT}
  as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
    start >/dev/null
  echo "postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
  ;;
stop)
  as_pg "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
  ;;
*)
  echo "usage: postgres.sh start DIR PORT | stop DIR | resume DIR PORT" >&2; exit 2
  ;;
esac
