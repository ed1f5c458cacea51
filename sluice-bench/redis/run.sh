#!/usr/bin/env bash
# The Redis store benchmark, all three in one run against one fresh local redis-server:
#   1. Sluice's RedisStore and Bucket4j's Lettuce backend, same limit, 64 requests in flight (JMH);
#   2. redis-benchmark running Sluice's own script with the same arguments over 64 connections:
#      the ceiling Redis itself allows on this machine.
# Needs redis-server, redis-cli and redis-benchmark on the PATH (Debian: apt-get install redis-server).
#
#   sluice-bench/redis/run.sh            # short iterations (2 x 3 s warm-up, 3 x 5 s measured)
#   PORT=6391 REQUESTS=1000000 sluice-bench/redis/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

PORT=${PORT:-6390}
REQUESTS=${REQUESTS:-500000}
JMH_ARGS=${JMH_ARGS:--f 1 -wi 2 -w 3s -i 3 -r 5s}
SCRIPT=sluice-redis/src/main/resources/dev/sluice/redis/charge.lua

for tool in redis-server redis-cli redis-benchmark java; do
  command -v "$tool" >/dev/null || { echo "run.sh: $tool is not on the PATH" >&2; exit 1; }
done
if [ ! -f sluice-bench/target/benchmarks.jar ]; then
  ./mvnw -q -pl sluice-bench -am package -DskipTests
fi

redis-server --port "$PORT" --bind 127.0.0.1 --save "" --appendonly no --loglevel warning &
REDIS_PID=$!
trap 'kill $REDIS_PID 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  redis-cli -p "$PORT" ping >/dev/null 2>&1 && break
  sleep 0.1
done

echo "== machine"
echo "$(nproc) cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "$(redis-server --version)"
java -version 2>&1 | head -1

echo "== JMH: Sluice vs Bucket4j, 64 requests in flight"
java -jar sluice-bench/target/benchmarks.jar RedisStoreBenchmark $JMH_ARGS \
  -p redisUri="redis://127.0.0.1:$PORT" 2>&1 | grep -E "per request|^Iteration|ops/s$|^Benchmark|^RedisStoreBenchmark"

echo "== redis-benchmark: the same script, 64 connections, $REQUESTS requests over 10000 keys"
SHA=$(redis-cli -p "$PORT" SCRIPT LOAD "$(cat "$SCRIPT")")
redis-benchmark -p "$PORT" -c 64 -n "$REQUESTS" -r 10000 -q \
  EVALSHA "$SHA" 1 "sluice:{__rand_int__}:ceiling" "" 1000 1 1 g 1000000000 4 1 1 1 1 | tr "\r" "\n" | tail -1
