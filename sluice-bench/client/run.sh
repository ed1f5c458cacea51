#!/usr/bin/env bash
# The sluice-client scenario of issue #22, full scale: the real Sluice gateway with a
# Convotic-like policy (20 requests per 10 s per X-API-Key, X-RateLimit-Limit/-Remaining and no
# reset header, a 429 with Retry-After), its --demo upstream, loopback only; 20 threads send 300
# GETs through each client configuration, every configuration at once (each with its own
# X-API-Key, so its own quota). Prints one table row per configuration:
#   | configuration | 200s | gave up | 429s seen | seconds |
# The ideal is about 140 to 150 s (15 windows of 20, the first one partial). Each run stops by
# itself: the gateway is killed on exit, and a row gives up after 15 minutes.
#
#   sluice-bench/client/run.sh                      # from the repository root; ~3 minutes
#
# Environment: CONFIGS (default "readme default assumed okhttp spring apache"), REQUESTS (300), THREADS (20),
# SKIP_BUILD=1 to use the jars already built.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
BENCH_NAME=client
. sluice-bench/lib.sh
CONFIGS=${CONFIGS:-"readme default assumed okhttp spring apache"}
REQUESTS=${REQUESTS:-300}
THREADS=${THREADS:-20}
PORT=${PORT:-18190}
ADMIN_PORT=${ADMIN_PORT:-18191}


if [[ "${SKIP_BUILD:-}" != 1 ]]; then
  ./mvnw -q -pl sluice-server,sluice-client-okhttp,sluice-client-spring,sluice-client-apache -am \
    install -DskipTests
fi
JAR=sluice-server/target/sluice.jar
CP="sluice-client/target/classes"
for m in okhttp spring apache; do
  ./mvnw -q -pl "sluice-client-$m" dependency:build-classpath -Dmdep.includeScope=provided \
    -Dmdep.outputFile="$WORK/cp-$m.txt" >/dev/null
  CP="$CP:sluice-client-$m/target/classes:$(cat "$WORK/cp-$m.txt")"
done

cat > "$WORK/policy.yaml" <<YAML
headers: x-ratelimit
reset-header: false
denial: error-code
global:
  key: [header:X-API-Key, ip]
  limits: 20/10s
YAML

"${JAVA:-java}" -jar "$JAR" serve --config "$WORK/policy.yaml" --demo --host 127.0.0.1 \
  --port "$PORT" --admin-port "$ADMIN_PORT" > "$WORK/gateway.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 300); do
  if curl -fsS -o /dev/null -H 'X-API-Key: probe' "http://127.0.0.1:$PORT/v1/items" 2>/dev/null; then
    break
  fi
  sleep 0.1
done
echo "== sanity: one request (headers)"
curl -sS -D - -o /dev/null -H 'X-API-Key: sanity' "http://127.0.0.1:$PORT/v1/items" | tr -d '\r' \
  | grep -iv '^date:'
echo "commit: $(git rev-parse --short HEAD)$(git diff --quiet -- sluice-client sluice-client-okhttp sluice-client-spring sluice-client-apache || echo ' (with uncommitted changes)')"
echo "load before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| configuration | 200s | gave up | 429s seen | seconds |"
echo "| --- | ---: | ---: | ---: | ---: |"
ROWS=()
for c in $CONFIGS; do
  timeout 16m "${JAVA:-java}" -cp "$CP" sluice-bench/client/ClientBench.java "$c" \
    "http://127.0.0.1:$PORT/v1/items" "$REQUESTS" "$THREADS" > "$WORK/$c.row" 2> "$WORK/$c.err" &
  ROWS+=($!)
done
for pid in "${ROWS[@]}"; do
  wait "$pid" || true
done
for c in $CONFIGS; do
  cat "$WORK/$c.row"
  [[ -s "$WORK/$c.err" ]] && sed 's/^/  stderr: /' "$WORK/$c.err" | head -5
done
