#!/usr/bin/env bash
# The gateway load benchmark (issue 3, "Speed"): wrk against, in one run,
#   direct  - the upstream itself (nginx returning a small JSON, no limiting),
#   nginx   - nginx as a reverse proxy with limit_req on (per client IP, a rate it never reaches),
#   sluice  - `sluice serve` with a per-IP global limit it never reaches,
# all three in front of the same upstream. Then the latency of each at half of Sluice's peak.
#
#   sluice-bench/gateway/run.sh            # from the repository root; ~3.5 minutes
#
# Environment: DURATION (10s), THREADS (2), CONNECTIONS (50), ROUNDS (3: the peak runs are
# repeated, the targets taking turns, and each target's median round is reported; one nginx run
# on this machine can be 20% off the next), WARMUP (5s for the nginx targets),
# JVM_WARMUP (30s for Sluice: C2 is still compiling the request path well after 10 s under load,
# and a cold run measures a third of the warm figure), SKIP_BUILD=1 to use the jar already built,
# PROFILE=1 to record a JFR profile of Sluice in an extra run after the measured ones,
# JAVA_OPTS to change the gateway's JVM flags (default below).
#
# Why wrk and not wrk2: Debian ships wrk only, which has no -R (fixed rate). The half-of-peak runs
# use wrk's Lua delay() instead: each connection waits DELAY ms after each response, so the rate
# is about CONNECTIONS * 1000 / (DELAY + latency). That is a closed loop with think time: a stall
# lowers the rate rather than piling up queued requests, so its tail is not corrected for
# coordinated omission as wrk2's would be. All three targets get the same DELAY.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
BENCH_NAME=gateway
. sluice-bench/lib.sh
DURATION=${DURATION:-10s}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-50}
ROUNDS=${ROUNDS:-3}
WARMUP=${WARMUP:-5s}
JVM_WARMUP=${JVM_WARMUP:-30s}
JAVA_OPTS=${JAVA_OPTS:-"-Xms512m -Xmx512m -XX:+UseG1GC -XX:+AlwaysPreTouch"}
UPSTREAM_PORT=18090
NGINX_PORT=18091
SLUICE_PORT=18092
ADMIN_PORT=18093

need wrk wrk
need nginx nginx-light
need curl curl


if [[ "${SKIP_BUILD:-}" != 1 ]]; then
  ./mvnw -q -pl sluice-server -am package -DskipTests
fi
JAR=sluice-server/target/sluice.jar

# --- the upstream: nginx answering a small static JSON, one worker -----------------------------
mkdir -p "$WORK/upstream/logs" "$WORK/proxy/logs"
cat > "$WORK/upstream/nginx.conf" <<EOF
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
EOF

# --- nginx as the rate-limiting reverse proxy ---------------------------------------------------
cat > "$WORK/proxy/nginx.conf" <<EOF
worker_processes auto;
error_log $WORK/proxy/logs/error.log warn;
pid $WORK/proxy/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  # Per client IP, as Sluice's policy; a rate no run reaches, so limiting is on but never denies.
  limit_req_zone \$binary_remote_addr zone=perip:10m rate=1000000r/s;
  upstream api {
    server 127.0.0.1:$UPSTREAM_PORT;
    keepalive 128;
  }
  server {
    listen 127.0.0.1:$NGINX_PORT;
    location / {
      limit_req zone=perip burst=100000 nodelay;
      limit_req_status 429;
      proxy_pass http://api;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$host;
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto \$scheme;
      proxy_set_header X-Forwarded-Host \$host;
    }
  }
}
EOF

# --- Sluice: a per-IP global limit it never reaches ---------------------------------------------
cat > "$WORK/policy.yaml" <<EOF
headers: x-ratelimit
global:
  key: ip
  limits: 1_000_000_000/minute
EOF

nginx -p "$WORK/upstream" -c "$WORK/upstream/nginx.conf" -g 'daemon off;' &
PIDS+=($!)
nginx -p "$WORK/proxy" -c "$WORK/proxy/nginx.conf" -g 'daemon off;' &
PROXY_PID=$!
PIDS+=($PROXY_PID)
# shellcheck disable=SC2086
"${JAVA:-java}" $JAVA_OPTS -jar "$JAR" serve --config "$WORK/policy.yaml" \
  --upstream "http://127.0.0.1:$UPSTREAM_PORT" --host 127.0.0.1 \
  --port "$SLUICE_PORT" --admin-port "$ADMIN_PORT" > "$WORK/sluice.log" 2>&1 &
SLUICE_PID=$!
PIDS+=($SLUICE_PID)

wait_for "http://127.0.0.1:$UPSTREAM_PORT/"
wait_for "http://127.0.0.1:$NGINX_PORT/"
wait_for "http://127.0.0.1:$SLUICE_PORT/"

echo "== machine"
echo "nproc: $(nproc)"
lscpu | head -n 15 || true
"${JAVA:-java}" -version 2>&1
nginx -v 2>&1
wrk --version 2>&1 | head -n 1 || true
echo "commit: $(git rev-parse --short HEAD)$(git diff --quiet -- sluice-core sluice-config sluice-server || echo ' (with uncommitted changes)')"
echo "JVM flags: $JAVA_OPTS"
echo "load before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
echo

declare -A URL=(
  [direct]="http://127.0.0.1:$UPSTREAM_PORT/api/items"
  [nginx]="http://127.0.0.1:$NGINX_PORT/api/items"
  [sluice]="http://127.0.0.1:$SLUICE_PORT/api/items")
TARGETS=(direct nginx sluice)

echo "== sanity: one request each (headers)"
for t in "${TARGETS[@]}"; do
  echo "-- $t"
  curl -sS -D - -o /dev/null "${URL[$t]}" | tr -d '\r' | grep -iv '^date:'
done

# CPU time (clock ticks) used so far by a process and its children (nginx's workers).
tree_ticks() {
  local total=0 pid
  for pid in "$1" $(pgrep -P "$1" || true); do
    total=$((total + $(awk '{print $14 + $15}' "/proc/$pid/stat")))
  done
  echo "$total"
}
declare -A CPU_PID=([direct]=${PIDS[0]} [nginx]=$PROXY_PID [sluice]=$SLUICE_PID)
declare -A CPU_MS

rps() { awk '/^Requests\/sec:/ {print $2}' "$1"; }
pct() { # file, percentile label (50%, 99%): in microseconds
  awk -v p="$2" '$1 == p {
      v = $2; unit = v; sub(/[0-9.]+/, "", unit); sub(/[a-z]+$/, "", v);
      if (unit == "us") v = v; else if (unit == "ms") v = v * 1000; else if (unit == "s") v = v * 1000000;
      printf "%.0f", v }' "$1"
}
non2xx() { awk '/Non-2xx or 3xx responses:/ {print $5}' "$1"; }

echo
echo "== warm-up (discarded): $WARMUP each for direct and nginx, $JVM_WARMUP for sluice"
for t in "${TARGETS[@]}"; do
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$([[ $t == sluice ]] && echo "$JVM_WARMUP" || echo "$WARMUP")" \
    "${URL[$t]}" > /dev/null
done

echo
echo "== peak: wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency URL, $ROUNDS rounds, targets alternating"
for round in $(seq 1 "$ROUNDS"); do
  for t in "${TARGETS[@]}"; do
    before=$(tree_ticks "${CPU_PID[$t]}")
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "${URL[$t]}" > "$WORK/peak-$t-$round.txt"
    CPU_MS[$t-$round]=$(( ($(tree_ticks "${CPU_PID[$t]}") - before) * 1000 / $(getconf CLK_TCK) ))
    echo "-- $t, round $round"
    cat "$WORK/peak-$t-$round.txt"
  done
done
# Each target's figures are those of its median round by throughput (peak-$t.txt).
for t in "${TARGETS[@]}"; do
  median=$(for round in $(seq 1 "$ROUNDS"); do
      echo "$(awk '/^Requests\/sec:/ {print $2}' "$WORK/peak-$t-$round.txt") $round"
    done | sort -n | awk -v n="$ROUNDS" 'NR == int((n + 1) / 2) {print $2}')
  cp "$WORK/peak-$t-$median.txt" "$WORK/peak-$t.txt"
  CPU_MS[$t]=${CPU_MS[$t-$median]}
done

PEAK_SLUICE=$(rps "$WORK/peak-sluice.txt")
PEAK_NGINX=$(rps "$WORK/peak-nginx.txt")
PEAK_DIRECT=$(rps "$WORK/peak-direct.txt")
# Half of Sluice's peak through CONNECTIONS connections: DELAY ms of think time per response.
DELAY=$(awk -v c="$CONNECTIONS" -v r="$PEAK_SLUICE" 'BEGIN { d = c * 1000 / (r / 2); printf "%d", (d < 1 ? 1 : d + 0.5) }')
cat > "$WORK/delay.lua" <<EOF
function delay() return $DELAY end
EOF

echo
echo "== half of Sluice's peak: wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency -s delay.lua URL (delay() = $DELAY ms)"
for t in "${TARGETS[@]}"; do
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$WORK/delay.lua" "${URL[$t]}" \
    > "$WORK/half-$t.txt"
  echo "-- $t"
  cat "$WORK/half-$t.txt"
done

echo
echo "== summary"
# cpu_us/req: CPU time of the server under test (not wrk, not the upstream) per request at peak.
printf '%-8s %12s %11s %10s %10s %12s %10s %10s %10s\n' target peak_rps cpu_us/req p50_us p99_us \
  half_rps half_p50 half_p90 half_p99
for t in "${TARGETS[@]}"; do
  printf '%-8s %12s %11s %10s %10s %12s %10s %10s %10s\n' "$t" "$(rps "$WORK/peak-$t.txt")" \
    "$(awk -v ms="${CPU_MS[$t]}" -v r="$(rps "$WORK/peak-$t.txt")" -v d="${DURATION%s}" \
        'BEGIN { printf "%.1f", ms * 1000 / (r * d) }')" \
    "$(pct "$WORK/peak-$t.txt" 50%)" "$(pct "$WORK/peak-$t.txt" 99%)" \
    "$(rps "$WORK/half-$t.txt")" "$(pct "$WORK/half-$t.txt" 50%)" \
    "$(pct "$WORK/half-$t.txt" 90%)" "$(pct "$WORK/half-$t.txt" 99%)"
done
for t in "${TARGETS[@]}"; do
  echo "$t, peak req/s by round: $(for round in $(seq 1 "$ROUNDS"); do rps "$WORK/peak-$t-$round.txt"; done | tr '\n' ' ')"
done
for t in "${TARGETS[@]}"; do
  for f in "$WORK/peak-$t.txt" "$WORK/half-$t.txt"; do
    if [[ -n "$(non2xx "$f")" ]]; then echo "WARNING: non-2xx answers in $f: $(non2xx "$f")"; fi
  done
done
awk -v s="$PEAK_SLUICE" -v n="$PEAK_NGINX" -v d="$PEAK_DIRECT" 'BEGIN {
  printf "sluice/nginx throughput: %.1f%% (target >= 70%%); sluice/direct %.1f%%, nginx/direct %.1f%%\n",
    100 * s / n, 100 * s / d, 100 * n / d }'
P99_S=$(pct "$WORK/half-sluice.txt" 99%)
P99_N=$(pct "$WORK/half-nginx.txt" 99%)
P99_D=$(pct "$WORK/half-direct.txt" 99%)
echo "p99 added at half of Sluice's peak: sluice $((P99_S - P99_D)) us, nginx $((P99_N - P99_D)) us (target < 1000 us)"
echo "load after the run: $(cut -d' ' -f1-3 /proc/loadavg)"
curl -fsS "http://127.0.0.1:$ADMIN_PORT/metrics" | grep -E '^sluice_decisions_total' || true

if [[ "${PROFILE:-}" == 1 ]]; then
  echo
  echo "== profile: one more peak run on Sluice with JFR on (not in the figures above)"
  jcmd "$SLUICE_PID" JFR.start name=peak settings=profile filename="$WORK/peak.jfr" >/dev/null
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" "${URL[sluice]}" | grep Requests/sec
  jcmd "$SLUICE_PID" JFR.stop name=peak >/dev/null
  echo "top frames of the execution samples:"
  jfr print --events jdk.ExecutionSample "$WORK/peak.jfr" \
    | awk '/stackTrace = \[/ { getline; sub(/^[ \t]+/, ""); sub(/line:.*/, ""); print }' \
    | sort | uniq -c | sort -rn | head -n 25 || true
  echo "JFR file: $WORK/peak.jfr"
fi
echo "raw wrk output: $WORK"
