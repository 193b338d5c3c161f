#!/usr/bin/env bash
# The exhaustion budget (SPEC §9, docs/performance.md): for each kind of hostile connection —
# silent, trickling headers, idle after a refused request, trickling a junk-signed body, and
# HTTP/2 streams trickling bodies — hold CONNS of them (default 2000) against a fresh serve of the
# demo store for DURATION (default 20s), while signed lookups are sent every 100 ms; print their
# latency and the server's peak RSS. Loopback only; every run is bounded by DURATION.
#
#   bench/exhaust.sh [CONNS] [DURATION]
set -euo pipefail
conns=${1:-2000}
dur=${2:-20s}
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$out"' EXIT
go build -o bin/lookup-adaptor ./cmd/lookup-adaptor
go build -o bin/exhaust ./bench/exhaust
key=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
export ADAPTOR_SIGNING_KEYS=$key ADAPTOR_STORE_DSN=$out/demo.db ADAPTOR_LOG_LEVEL=error ADAPTOR_CONSOLE_ENABLED=false
bin/lookup-adaptor seed testdata/seed/ >/dev/null 2>&1
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=127.0.0.1 \
  -addext subjectAltName=IP:127.0.0.1 -keyout "$out/key.pem" -out "$out/cert.pem" 2>/dev/null
ulimit -n 20000 2>/dev/null || true
echo "exhaust: $conns connections of each kind for $dur; $(nproc) cores; $(go version | cut -d' ' -f3)"
for kind in silent headers refused body h2; do
  port=$((20000 + RANDOM % 20000)) admin=$((40000 + RANDOM % 20000))
  scheme=http tls=()
  if [ "$kind" = h2 ]; then
    scheme=https tls=(ADAPTOR_SERVER_TLS_CERT_FILE="$out/cert.pem" ADAPTOR_SERVER_TLS_KEY_FILE="$out/key.pem")
  fi
  env "${tls[@]}" ADAPTOR_SERVER_ADDR=127.0.0.1:$port ADAPTOR_ADMIN_ADDR=127.0.0.1:$admin \
    bin/lookup-adaptor serve --config config.yaml 2>"$out/$kind.log" &
  pid=$!
  for _ in $(seq 100); do curl -fs "127.0.0.1:$admin/readyz" >/dev/null && break; sleep 0.1; done
  bin/exhaust -url "$scheme://127.0.0.1:$port/lookup" -key "$key" -pid "$pid" -kind "$kind" -conns "$conns" -for "$dur"
  kill "$pid"; wait "$pid" 2>/dev/null || true
done
