#!/usr/bin/env bash
# The rate limit service load benchmark (issue 18, "Speed"), in one run, each server its own JVM:
#   empty   - a gRPC rate limit service that answers OK without deciding (RlsLoad serve-empty):
#             the ceiling of grpc-java on this machine, with this client
#   memory  - `sluice serve --config examples/envoy --rls-port`, in-memory store
#   redis   - the same on a local redis-server (skipped if redis-server is absent)
#   check   - Sluice's own `POST /v1/check` (examples/ipto.yaml, the same search request for the
#             same 100,000 clients) under wrk, for the decision service without gRPC
# RlsLoad drives the gRPC targets (IPTO's search as two descriptors per call): saturated with
# IN_FLIGHT calls over CHANNELS connections, then paced for latency (from the client's event loop,
# at half the issue's targets; with the server's own p99 decision time over that phase, from its
# /metrics). Server CPU per decision is read from /proc for the server's process.
#
#   sluice-bench/rls/run.sh            # from the repository root; about 5 minutes
#
# Environment: SECONDS_PER_PHASE (10), WARMUP (30: seconds of load in the same client JVM before
# each target's measured phases, as C2 compiles the call path on both sides), IN_FLIGHT (256),
# CHANNELS (4), CLIENT_THREADS (2), CONNECTIONS (64, wrk), PACED_MEMORY (15000: the empty server's
# and the memory store's paced rate), PACED_REDIS (10000), SKIP_BUILD=1 to use the jars already
# built, JAVA_OPTS for the servers' JVM flags.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
BENCH_NAME=rls
. sluice-bench/lib.sh
SECS=${SECONDS_PER_PHASE:-10}
WARMUP=${WARMUP:-30}
IN_FLIGHT=${IN_FLIGHT:-256}
CHANNELS=${CHANNELS:-4}
CLIENT_THREADS=${CLIENT_THREADS:-2}
CONNECTIONS=${CONNECTIONS:-64}
# latency at half the issue's targets (30,000/s in memory, 20,000/s on Redis)
PACED_MEMORY=${PACED_MEMORY:-15000}
PACED_REDIS=${PACED_REDIS:-10000}
JAVA_OPTS=${JAVA_OPTS:-"-Xms512m -Xmx512m -XX:+UseG1GC"}
RLS_PORT=18189
ADMIN_PORT=18190
REDIS_PORT=18191

if [[ "${SKIP_BUILD:-}" != 1 ]]; then
  ./mvnw -o -q -pl sluice-bench -am package -DskipTests
fi
JAR=sluice-server/target/sluice.jar
BENCH=sluice-bench/target/benchmarks.jar



echo "nproc: $(nproc)"
"${JAVA:-java}" -version 2>&1 | head -n 1
echo "commit: $(git rev-parse --short HEAD)"
echo "load before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
echo

serve_sluice() { # store
  rm -rf "$WORK/state"
  java $JAVA_OPTS -jar "$JAR" serve --config examples/envoy --store "$1" --rls-port "$RLS_PORT" \
    --port 0 --admin-port "$ADMIN_PORT" --state-dir "$WORK/state" --open-check \
    > "$WORK/serve.log" 2>&1 &
  SERVER=$!
  PIDS+=("$SERVER")
  wait_port "$RLS_PORT"
}

load() { # label, store argument, server pid, paced rate, [the server's /metrics URL]
  echo "== $1 (warm-up ${WARMUP}s, then ${SECS}s saturated and ${SECS}s paced at $4/s)"
  java -cp "$BENCH" dev.sluice.bench.RlsLoad "$2" "$SECS" "$IN_FLIGHT" "127.0.0.1:$RLS_PORT" "$3" \
    "$CHANNELS" "$CLIENT_THREADS" "$WARMUP" "$4" ${5:-} 2>&1 | grep -v SLF4J | tee "$WORK/$1.txt"
  echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
  kill "$3"
  wait "$3" 2>/dev/null || true
  echo
}

java $JAVA_OPTS -cp "$BENCH" dev.sluice.bench.RlsLoad serve-empty "$RLS_PORT" > /dev/null 2>&1 &
SERVER=$!
PIDS+=("$SERVER")
wait_port "$RLS_PORT"
load empty empty "$SERVER" "$PACED_MEMORY"

serve_sluice memory
load memory memory "$SERVER" "$PACED_MEMORY" "http://127.0.0.1:$ADMIN_PORT/metrics"

if command -v redis-server > /dev/null; then
  redis-server --port "$REDIS_PORT" --save '' --appendonly no > "$WORK/redis.log" 2>&1 &
  PIDS+=("$!")
  wait_port "$REDIS_PORT"
  serve_sluice "redis://127.0.0.1:$REDIS_PORT"
  load redis "redis://127.0.0.1:$REDIS_PORT" "$SERVER" "$PACED_REDIS" \
    "http://127.0.0.1:$ADMIN_PORT/metrics"
else
  echo "== redis: skipped, no redis-server"
fi

# /v1/check: the same search, the same clients, as JSON over HTTP/1.1 (keep-alive)
rm -rf "$WORK/state"
java $JAVA_OPTS -jar "$JAR" serve --config examples/ipto.yaml --port 0 --admin-port "$ADMIN_PORT" \
  --state-dir "$WORK/state" --open-check > "$WORK/check.log" 2>&1 &
SERVER=$!
PIDS+=("$SERVER")
wait_port "$ADMIN_PORT"
cat > "$WORK/check.lua" <<'EOF'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local n = 0
request = function()
  n = n + 1
  local body = '{"method": "GET", "path": "/microip/search", "headers": {"Authorization":'
    .. ' "Bearer tok-' .. (n % 100000) .. '"}, "client_address": "10.0.0.1"}'
  return wrk.format(nil, nil, nil, body)
end
EOF
URL="http://127.0.0.1:$ADMIN_PORT/v1/check"
echo "== check: wrk -t2 -c$CONNECTIONS POST /v1/check (warm-up ${WARMUP}s, then ${SECS}s)"
wrk -t2 -c"$CONNECTIONS" -d"${WARMUP}s" -s "$WORK/check.lua" "$URL" > /dev/null
before=$(ticks "$SERVER")
wrk -t2 -c"$CONNECTIONS" -d"${SECS}s" --latency -s "$WORK/check.lua" "$URL" | tee "$WORK/check.txt"
after=$(ticks "$SERVER")
rps=$(awk '/^Requests\/sec:/ {print $2}' "$WORK/check.txt")
awk -v t=$((after - before)) -v hz="$(getconf CLK_TCK)" -v s="$SECS" -v r="$rps" \
  'BEGIN { printf "check: %.0f decisions/s, server CPU %.1f us per decision\n", r, t * 1e6 / hz / (r * s) }'
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo

rate() { awk '/^saturated:/ {gsub(",", "", $2); print $2}' "$WORK/$1.txt"; }
echo "== summary (decisions/s; ratio to the empty gRPC server)"
EMPTY=$(rate empty)
for t in empty memory redis; do
  [[ -f "$WORK/$t.txt" ]] || continue
  awk -v t="$t" -v r="$(rate "$t")" -v e="$EMPTY" 'BEGIN { printf "%-7s %8.0f  %5.1f%%\n", t, r, 100 * r / e }'
done
awk -v r="$rps" -v e="$EMPTY" 'BEGIN { printf "%-7s %8.0f  %5.1f%%\n", "check", r, 100 * r / e }'
echo "load after the run: $(cut -d' ' -f1-3 /proc/loadavg)"
