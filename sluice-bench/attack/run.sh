#!/usr/bin/env bash
# The attack benchmark: `sluice serve --config examples/ipto.yaml` in front of nginx (a small
# static JSON), attacked in turn while a legitimate client plays at a steady rate from another
# loopback address (127.0.0.2), and records its success rate (2xx) and latency:
#
#   baseline   - the legitimate client alone
#   flood      - wrk with a fresh random `Authorization: Bearer` per request (bearer.lua): a new
#                identity each time, so a new bucket in the store each time
#   slowloris  - 10,000 connections from one address (127.0.0.3) trickling header lines, never
#                ending their headers (attack.py slowloris): the per-client connection cap and the
#                header deadline are what hold them
#   slowloris-spread - the same from 40 addresses (127.0.1.1-40, 225 each, under the per-client
#                cap): 9,000 connections the gateway must hold at once, under --max-connections
#   after      - the legitimate client alone again
#
#   sluice-bench/attack/run.sh          # from the repository root; about 5 minutes
#
# Environment: LEGIT_RATE (50 req/s), FLOOD_DURATION (30s), FLOOD_THREADS (1), FLOOD_CONNECTIONS
# (50), SLOW_DURATION (60: seconds), SLOW_CONNECTIONS (10000), SPREAD_CONNECTIONS (9000),
# SPREAD_SOURCES (40), PHASE (20: seconds of the baseline and after phases), SKIP_BUILD=1 to use
# the jar already built, JAVA_OPTS for the gateway (default below), SLUICE_ARGS for more `serve`
# options. Prints the legitimate client's figures per phase, the gateway's most resident memory
# per phase, and the gateway's counters. Loopback only; every process stops by itself.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
BENCH_NAME=attack
. sluice-bench/lib.sh
HERE=sluice-bench/attack
LEGIT_RATE=${LEGIT_RATE:-50}
FLOOD_DURATION=${FLOOD_DURATION:-30s}
FLOOD_THREADS=${FLOOD_THREADS:-1}
FLOOD_CONNECTIONS=${FLOOD_CONNECTIONS:-50}
SLOW_DURATION=${SLOW_DURATION:-60}
SLOW_CONNECTIONS=${SLOW_CONNECTIONS:-10000}
SPREAD_CONNECTIONS=${SPREAD_CONNECTIONS:-9000}
SPREAD_SOURCES=${SPREAD_SOURCES:-40}
PHASE=${PHASE:-20}
JAVA_OPTS=${JAVA_OPTS:-"-Xms512m -Xmx512m -XX:MaxDirectMemorySize=256m -XX:+UseG1GC"}
UPSTREAM_PORT=18390
SLUICE_PORT=18392
ADMIN_PORT=18393

# 10,000 connections on each side, and the gateway's to the upstream: well past the usual 1,024.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if [[ "$(ulimit -n)" != unlimited && "$(ulimit -n)" -lt 12000 ]]; then
  echo "warning: ulimit -n is $(ulimit -n); each process of the slowloris phases needs about 10,000" >&2
fi

need wrk wrk
need nginx nginx-light
need curl curl
need python3 python3

if [[ "${SKIP_BUILD:-}" != 1 ]]; then
  ./mvnw -q -pl sluice-server -am package -DskipTests
fi
JAR=sluice-server/target/sluice.jar

mkdir -p "$WORK/upstream/logs"
cat > "$WORK/upstream/nginx.conf" <<CONF
worker_processes 1;
error_log $WORK/upstream/logs/error.log warn;
pid $WORK/upstream/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$UPSTREAM_PORT;
    location / {
      default_type application/json;
      return 200 '{"ok": true, "items": [1, 2, 3]}';
    }
  }
}
CONF
nginx -p "$WORK/upstream" -c "$WORK/upstream/nginx.conf" -g 'daemon off;' &
PIDS+=($!)
# shellcheck disable=SC2086
"${JAVA:-java}" $JAVA_OPTS -jar "$JAR" serve --config examples/ipto.yaml \
  --upstream "http://127.0.0.1:$UPSTREAM_PORT" --host 127.0.0.1 --port "$SLUICE_PORT" \
  --admin-port "$ADMIN_PORT" --state-dir "$WORK/state" ${SLUICE_ARGS:-} > "$WORK/sluice.log" 2>&1 &
SLUICE_PID=$!
PIDS+=($SLUICE_PID)

wait_for "http://127.0.0.1:$UPSTREAM_PORT/"
wait_for "http://127.0.0.1:$ADMIN_PORT/healthz"

echo "== machine"
echo "nproc: $(nproc)"
"${JAVA:-java}" -version 2>&1 | head -n 1
echo "commit: $(git rev-parse --short HEAD)$(git diff --quiet -- sluice-core sluice-server || echo ' (with uncommitted changes)')"
echo "JVM flags: $JAVA_OPTS"
echo "ulimit -n: $(ulimit -n)"
grep -E '^  (proxy|limits):' "$WORK/sluice.log" || true
echo

rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$SLUICE_PID/status"; }
# Samples the gateway's resident memory every 0.5 s into $1 until $2 (a pid) ends.
sample_rss() {
  local out=$1 watched=$2
  while kill -0 "$watched" 2>/dev/null; do
    rss_kib >> "$out"
    sleep 0.5
  done
}
metric() { # name (a Prometheus line prefix)
  curl -fsS "http://127.0.0.1:$ADMIN_PORT/metrics" | awk -v m="$1" 'index($0, m) == 1 {print $NF}' | head -n 1
}

legit() { # phase name, seconds: the legitimate client, in the background; its pid in LEGIT_PID
  python3 "$HERE/attack.py" legit --port "$SLUICE_PORT" --bind 127.0.0.2 --rate "$LEGIT_RATE" \
    --duration "$2" > "$WORK/legit-$1.json" &
  LEGIT_PID=$!
  sample_rss "$WORK/rss-$1.txt" "$LEGIT_PID" &
}

declare -a PHASES=()
run_phase() { # name
  wait "$LEGIT_PID"
  PHASES+=("$1")
  echo "-- $1: legitimate client $(cat "$WORK/legit-$1.json")"
  echo "   gateway RSS max $(sort -n "$WORK/rss-$1.txt" | tail -n 1) KiB;" \
    "connections now $(metric 'sluice_connections ')"
}

echo "== warm-up (discarded): 20 s of wrk, one bearer"
wrk -t1 -c20 -d20s -H 'Authorization: Bearer warm-up' "http://127.0.0.1:$SLUICE_PORT/api/items" \
  > /dev/null || true
echo "RSS after warm-up: $(rss_kib) KiB"
echo

echo "== phases (legitimate client: $LEGIT_RATE req/s from 127.0.0.2, 60 bearer tokens in turn)"
legit baseline "$PHASE"
run_phase baseline

secs=${FLOOD_DURATION%s}
legit flood "$((secs + 2))"
wrk -t"$FLOOD_THREADS" -c"$FLOOD_CONNECTIONS" -d"$FLOOD_DURATION" --latency -s "$HERE/bearer.lua" \
  "http://127.0.0.1:$SLUICE_PORT/api/items" > "$WORK/flood-wrk.txt" || true
run_phase flood
echo "   flood: $(awk '/^Requests\/sec:/ {print $2}' "$WORK/flood-wrk.txt") req/s;" \
  "$(awk '/Non-2xx or 3xx responses:/ {print $5}' "$WORK/flood-wrk.txt") non-2xx;" \
  "decisions: $(curl -fsS "http://127.0.0.1:$ADMIN_PORT/metrics" | grep -E '^sluice_decisions_total' | tr '\n' ' ')"

legit slowloris "$((SLOW_DURATION + 2))"
python3 "$HERE/attack.py" slowloris --port "$SLUICE_PORT" --connections "$SLOW_CONNECTIONS" \
  --sources 127.0.0.3 --duration "$SLOW_DURATION" > "$WORK/slowloris.json"
run_phase slowloris
echo "   slowloris: $(cat "$WORK/slowloris.json")"

SOURCES=$(seq -s, -f '127.0.1.%g' 1 "$SPREAD_SOURCES")
legit slowloris-spread "$((SLOW_DURATION + 2))"
python3 "$HERE/attack.py" slowloris --port "$SLUICE_PORT" --connections "$SPREAD_CONNECTIONS" \
  --sources "$SOURCES" --duration "$SLOW_DURATION" > "$WORK/spread.json"
run_phase slowloris-spread
echo "   slowloris-spread: $(cat "$WORK/spread.json")"

legit after "$PHASE"
run_phase after

echo
echo "== the gateway's counters"
curl -fsS "http://127.0.0.1:$ADMIN_PORT/metrics" \
  | grep -E '^sluice_(connections|accept_errors|client_timeouts|broken_bodies|store_errors)' || true
echo "/healthz: $(curl -sS "http://127.0.0.1:$ADMIN_PORT/healthz")"
echo "RSS at the end: $(rss_kib) KiB"
echo "log lines of the gateway: $(wc -l < "$WORK/sluice.log")"
echo "raw output: $WORK"
