#!/usr/bin/env bash
# Loopback load benchmark of the budgets (docs/performance.md) with wrk: the bare signature-checking handler and each
# lookup kind, in the same run, then a 60 s soak at 64 connections and a SIGTERM in the middle
# of a run. Everything listens on 127.0.0.1 only; every wrk run is bounded by -d.
#
#   bench/run.sh DB SEED.jsonl [DURATION]
#
# Each run cycles through BENCH_CUSTOMERS (default 1000) distinct customers per kind, sampled
# uniformly across SEED.jsonl; then a run plays Gladly's pattern, BENCH_CUSTOMERS visits of an
# auto-link, a detailed lookup and three refreshes, over a Zipf choice of customers. CPU µs/req is the serving process's user+system CPU over the run
# divided by the requests it answered (for PostgreSQL, the database server's own CPU is not in it).
#
# With BENCH_PG_DSN set (a PostgreSQL database seeded from the same file), the lookups are also
# run against a second adaptor on PostgreSQL, in the same run.
#
# DB is a SQLite store seeded from SEED.jsonl, e.g.
#   bin/lookup-adaptor generate --customers 1000000 --transactions 20 > big.jsonl
#   ADAPTOR_STORE_DSN=big.db bin/lookup-adaptor seed big.jsonl
set -euo pipefail
db=${1:?usage: bench/run.sh DB SEED.jsonl [DURATION]}
seed=${2:?usage: bench/run.sh DB SEED.jsonl [DURATION]}
dur=${3:-30s}
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "wrk is required (apt-get install wrk)" >&2; exit 1; }

out=$(mktemp -d)
key=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
export ADAPTOR_SIGNING_KEYS=$key
go build -o bin/lookup-adaptor ./cmd/lookup-adaptor
go build -o bin/bare ./bench/bare
go build -o bin/wrkscript ./bench/wrkscript

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

# free_port NAME sets NAME to a loopback port nothing listens on and no earlier call chose. It
# stays below the kernel's ephemeral range (ip_local_port_range, from 32768 by default), where
# wrk's connections of an earlier run can still hold a port and make binding it fail.
taken=" "
free_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 12000))
    case "$taken" in *" $p "*) continue ;; esac
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      taken+="$p "
      printf -v "$1" %s "$p"
      return
    fi
  done
}
free_port lookup_port; free_port admin_port; free_port bare_port

# start_adaptor NAME DRIVER DSN LOOKUP_PORT ADMIN_PORT starts serve and waits until it is ready —
# checking that the process answering is the one started here, not something else on the port.
# It leaves the process id in $started.
start_adaptor() {
  local name=$1 driver=$2 dsn=$3 lport=$4 aport=$5
  ADAPTOR_STORE_DRIVER=$driver ADAPTOR_STORE_DSN=$dsn ADAPTOR_SERVER_ADDR=127.0.0.1:$lport ADAPTOR_ADMIN_ADDR=127.0.0.1:$aport \
    ADAPTOR_LOG_FORMAT=json bin/lookup-adaptor serve --config config.yaml >>"$out/$name.log" 2>&1 &
  started=$!
  pids+=("$started")
  for _ in $(seq 100); do
    kill -0 "$started" 2>/dev/null || { echo "$name exited; see $out/$name.log" >&2; exit 1; }
    if curl -fs "127.0.0.1:$aport/readyz" >/dev/null && grep -q "\"addr\":\"127.0.0.1:$lport\"" "$out/$name.log"; then
      return
    fi
    sleep 0.1
  done
  echo "$name did not start; see $out/$name.log" >&2; exit 1
}

bin/bare -addr "127.0.0.1:$bare_port" & bare=$!
pids+=("$bare")
start_adaptor adaptor sqlite "$db" "$lookup_port" "$admin_port"
adaptor=$started
if [ -n "${BENCH_PG_DSN:-}" ]; then
  free_port pg_port; free_port pg_admin
  start_adaptor adaptor-pg postgres "$BENCH_PG_DSN" "$pg_port" "$pg_admin"
  pg_adaptor=$started
fi

customers=${BENCH_CUSTOMERS:-1000}

# cpu_ticks PID prints the user and system CPU the process has used, in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
tick_us=$((1000000 / $(getconf CLK_TCK)))

# to_ms converts a wrk latency (391.00us, 24.49ms, 1.02s) to milliseconds.
to_ms() { awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /[0-9]s$/ && v !~ /ms$/) n *= 1000; print n }'; }

# run NAME URL KIND CONNS PID: one wrk run with a freshly signed script of $customers distinct
# customers, reported against the bare handler's run at the same connections (which comes first)
# with the CPU the serving process PID spent per request.
run() {
  local name=$1 url=$2 kind=$3 conns=$4 pid=$5
  bin/wrkscript -key "$key" -kind "$kind" -seed "$seed" -count "$customers" >"$out/$kind.lua"
  local before after
  before=$(cpu_ticks "$pid")
  wrk -t2 -c"$conns" -d"$dur" --latency -s "$out/$kind.lua" "$url" >"$out/$name-c$conns.txt"
  after=$(cpu_ticks "$pid")
  local rps p50 p99 reqs errs
  rps=$(awk '/Requests\/sec/ {print $2}' "$out/$name-c$conns.txt")
  reqs=$(awk '/requests in/ {print $1}' "$out/$name-c$conns.txt")
  p50=$(awk '$1=="50%" {print $2}' "$out/$name-c$conns.txt")
  p99=$(awk '$1=="99%" {print $2}' "$out/$name-c$conns.txt")
  errs=$(grep -E 'Non-2xx|Socket errors' "$out/$name-c$conns.txt" | tr '\n' ' ' || true)
  if [ "$name" = bare ]; then bare_rps=$rps bare_p99=$(to_ms "$p99"); fi
  local vs p99vs cpu
  vs=$(awk -v a="$rps" -v b="$bare_rps" 'BEGIN { printf "%.2f", a / b }')
  p99vs=$(awk -v a="$(to_ms "$p99")" -v b="$bare_p99" 'BEGIN { printf "%.2f", a / b }')
  cpu=$(awk -v t=$((after - before)) -v us="$tick_us" -v n="$reqs" 'BEGIN { printf "%.0f", t * us / n }')
  printf '| %-11s | %5s | %10s | %7s | %8s | %8s | %11s | %10s | %s\n' "$name" "$conns" "$rps" "$vs" "$p50" "$p99" "$p99vs" "$cpu" "${errs:-0 errors}"
}

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "each run: wrk -t2 for $dur, cycling through $customers distinct customers sampled across $seed"
echo "| target      | conns |   req/s    | vs bare |   p50    |   p99    | p99 vs bare | CPU µs/req | errors"
for conns in 32 16; do
  run bare "http://127.0.0.1:$bare_port/lookup" autolink "$conns" "$bare"
  for kind in autolink search detailed; do
    run "$kind" "http://127.0.0.1:$lookup_port/lookup" "$kind" "$conns" "$adaptor"
  done
  if [ -n "${BENCH_PG_DSN:-}" ]; then
    for kind in autolink search detailed; do
      run "pg-$kind" "http://127.0.0.1:$pg_port/lookup" "$kind" "$conns" "$pg_adaptor"
    done
  fi
done
# rss PID: peak RSS, and what the RSS is now made of: the process's own memory (anonymous) and
# the files it maps (its binary; the kernel's page cache, shared and reclaimable).
rss() { awk '/VmHWM/ {h=$2} /RssAnon/ {a=$2} /RssFile/ {f=$2} END {printf "peak %d kB; now %d kB own + %d kB of mapped files", h, a, f}' "/proc/$1/status"; }
echo "Gladly's pattern: $customers visits (an auto-link, a detailed lookup, three refreshes) over a Zipf choice of customers"
run bare "http://127.0.0.1:$bare_port/lookup" autolink 32 "$bare"
run gladly "http://127.0.0.1:$lookup_port/lookup" gladly 32 "$adaptor"
[ -n "${BENCH_PG_DSN:-}" ] && run pg-gladly "http://127.0.0.1:$pg_port/lookup" gladly 32 "$pg_adaptor"
echo "adaptor RSS: $(rss "$adaptor")"
[ -n "${BENCH_PG_DSN:-}" ] && echo "adaptor (postgres) peak RSS: $(awk '/VmHWM/ {print $2, $3}' /proc/$pg_adaptor/status)"

echo "soak: 60 s at 64 connections (detailed lookups)"
bin/wrkscript -key "$key" -kind detailed -seed "$seed" -count "$customers" >"$out/soak.lua"
wrk -t2 -c64 -d60s --latency -s "$out/soak.lua" "http://127.0.0.1:$lookup_port/lookup" | tee "$out/soak.txt" | grep -E 'Requests/sec|requests in|Non-2xx|Socket errors|  99%' || true
echo "adaptor RSS: $(rss "$adaptor")"

echo "SIGTERM at 10 s of a 20 s run at 64 connections (auto-link lookups)"
bin/wrkscript -key "$key" -kind autolink -seed "$seed" -count "$customers" >"$out/term.lua"
wrk -t2 -c64 -d20s -s "$out/term.lua" "http://127.0.0.1:$lookup_port/lookup" >"$out/term.txt" &
wrkpid=$!
sleep 10
kill -TERM "$adaptor"
wait "$adaptor" && echo "adaptor exited 0" || echo "adaptor exited $?"
wait "$wrkpid" || true
grep -E 'requests in|Non-2xx|Socket errors' "$out/term.txt" || echo "(no socket errors, every response 2xx)"
echo "raw wrk output and logs: $out"
