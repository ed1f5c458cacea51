#!/usr/bin/env bash
# The Spring Boot filter benchmark (issue 19, "Speed"): wrk against one small Boot 3.5 app
# (GET /assets, a small JSON), run three ways at once, each in its own JVM:
#   none      - no limiter
#   sluice    - sluice-spring-boot-starter, sluice-bench.yaml: per client address, a limit never
#               reached (wrk sends from one address: every request thread charges one bucket,
#               the case where a lock would hurt)
#   bucket4j  - bucket4j-spring-boot-starter 0.12.10 (Caffeine JCache), the closest equivalent:
#               per getRemoteAddr(), one bandwidth never reached
# The targets take turns, ROUNDS times; each one's median round is reported, with the process CPU
# time per request (from /proc: user + system, GC included) and what it adds to the bare app's.
#
#   sluice-bench/spring-boot/run.sh           # from anywhere; ~4 minutes
#
# Environment: DURATION (10s), THREADS (2), CONNECTIONS (50), ROUNDS (5), WARMUP (30s per target
# before the first round: C2 compiles the request path under load), PAUSE (3: seconds of quiet
# before each timed run, as a JVM just measured may still be collecting and compiling), SKIP_BUILD=1 to use the jar
# already built, APP_CP to run the app from a class path instead of the jar (no install: the
# worktree's module jars, e.g. from `mvn dependency:build-classpath` with the sluice entries
# swapped for */target/*.jar), JAVA_OPTS (below). wrk and the apps share the machine's cores, as they would on
# a small host; the figures are relative to one another, not absolute.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
BENCH_NAME=spring
. sluice-bench/lib.sh
DURATION=${DURATION:-10s}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-50}
ROUNDS=${ROUNDS:-5}
WARMUP=${WARMUP:-30s}
PAUSE=${PAUSE:-3}
JAVA_OPTS=${JAVA_OPTS:-"-Xms256m -Xmx256m -XX:+UseG1GC -XX:+AlwaysPreTouch"}
JAR=sluice-bench/spring-boot/target/sluice-bench-spring-boot-0.1.0-SNAPSHOT.jar

if ! command -v wrk >/dev/null 2>&1; then
  echo "installing wrk" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y wrk >/dev/null
fi

if [[ "${SKIP_BUILD:-}" != 1 && -z "${APP_CP:-}" ]]; then
  # The starter and its parent into the local repository, then the bench app against them.
  ./mvnw -q -pl sluice-spring-boot-starter -am install -DskipTests -Dspotless.check.skip
  ./mvnw -q -f sluice-bench/spring-boot/pom.xml clean package -DskipTests
fi

declare -A PORT=([none]=18110 [sluice]=18111 [bucket4j]=18112)
declare -A FLAGS=([none]="" [sluice]="--sluice.enabled=true" [bucket4j]="--bucket4j.enabled=true")
declare -A PID
MODES=(none sluice bucket4j)

for m in "${MODES[@]}"; do
  # shellcheck disable=SC2086
  if [[ -n "${APP_CP:-}" ]]; then
    java $JAVA_OPTS -cp "$APP_CP" dev.sluice.bench.spring.BenchApplication \
      --server.port="${PORT[$m]}" ${FLAGS[$m]} >"/tmp/sluice-bench-spring-$m.log" 2>&1 &
  else
    java $JAVA_OPTS -jar "$JAR" --server.port="${PORT[$m]}" ${FLAGS[$m]} >"/tmp/sluice-bench-spring-$m.log" 2>&1 &
  fi
  PID[$m]=$!
  PIDS+=("$!")
done
for m in "${MODES[@]}"; do
  for _ in $(seq 1 120); do
    curl -s -o /dev/null "http://127.0.0.1:${PORT[$m]}/assets" && break
    sleep 0.5
  done
  curl -s -i "http://127.0.0.1:${PORT[$m]}/assets" | grep -i '^x-rate' | sed "s/^/$m: /" >&2 || true
done

TICKS=$(getconf CLK_TCK)

for m in "${MODES[@]}"; do
  echo "warming $m for $WARMUP" >&2
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" "http://127.0.0.1:${PORT[$m]}/assets" >/dev/null
done

RESULTS=$(mktemp)
for r in $(seq 1 "$ROUNDS"); do
  # the order rotates each round, so no target always runs first
  for i in 0 1 2; do
    m=${MODES[$(((i + r) % 3))]}
    sleep "$PAUSE" # the previous target's JVM finishes its GC and compiling before this one is timed
    before=$(ticks "${PID[$m]}")
    out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" "http://127.0.0.1:${PORT[$m]}/assets")
    after=$(ticks "${PID[$m]}")
    rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
    requests=$(echo "$out" | awk '/requests in/ {print $1}')
    non2xx=$(echo "$out" | awk '/Non-2xx/ {print $5}')
    cpu_us=$(awk -v t=$((after - before)) -v hz="$TICKS" -v n="$requests" 'BEGIN {printf "%.1f", t / hz * 1e6 / n}')
    echo "$m $r $rps $cpu_us ${non2xx:-0}" | tee -a "$RESULTS" >&2
  done
done

# Paired by round: each round's target against the bare app's run in the same round, so a round
# the machine was slow in moves both sides (single rounds moved 20% on this machine).
paired() { # target, column (3: requests/s as a ratio to none's, 4: CPU us/req as a difference)
  awk -v m="$1" -v c="$2" '$1 == "none" {b[$2] = $c} $1 == m {v[$2] = $c}
    END {for (r in v) print (c == 3 ? 100 * v[r] / b[r] : v[r] - b[r])}' "$RESULTS" | median
}
echo
echo "median of $ROUNDS rounds; wrk -t$THREADS -c$CONNECTIONS -d$DURATION; $(nproc) cores"
printf '%-9s %12s %14s %18s %20s\n' target "requests/s" "CPU us/req" "of none (paired)" "added CPU (paired)"
for m in "${MODES[@]}"; do
  rps=$(awk -v m="$m" '$1 == m {print $3}' "$RESULTS" | median)
  cpu=$(awk -v m="$m" '$1 == m {print $4}' "$RESULTS" | median)
  printf '%-9s %12.0f %14.1f %17.1f%% %20.1f\n' "$m" "$rps" "$cpu" "$(paired "$m" 3)" "$(paired "$m" 4)"
done
