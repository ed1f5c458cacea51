#!/usr/bin/env bash
# The gateway benchmark over TLS and HTTP/2 (issue 21, "Speed"): in one run, against the same
# upstream (nginx returning a small JSON) and with the same certificate (EC P-256, made here),
#   nginx   - nginx terminating TLS (HTTP/2 and HTTP/1.1 by ALPN) as a reverse proxy with
#             limit_req on (per client IP, a rate it never reaches),
#   sluice  - `sluice serve --tls-cert --tls-key` with a per-IP global limit it never reaches,
# two rows each: HTTP/1.1 over TLS with wrk (keep-alive: the handshakes are not what is measured),
# and HTTP/2 over TLS with h2load (Debian's nghttp2-client), CONNECTIONS connections of STREAMS
# concurrent streams each.
#
#   sluice-bench/gateway/tls.sh            # from the repository root; ~3 minutes
#
# Environment: DURATION (10s), THREADS (2), CONNECTIONS (50 for wrk; H2_CONNECTIONS 10 for h2load,
# with STREAMS 10 each), ROUNDS (3: targets alternate, each target's median round is reported),
# JVM_WARMUP (30s), SKIP_BUILD=1 to use the jar already built, JAVA_OPTS for the gateway's JVM.
# The TLS engine of Sluice is the JDK's unless netty-tcnative is on the class path (the startup
# banner says which); nginx uses OpenSSL.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
BENCH_NAME=tls
. sluice-bench/lib.sh
DURATION=${DURATION:-10s}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-50}
H2_CONNECTIONS=${H2_CONNECTIONS:-10}
STREAMS=${STREAMS:-10}
ROUNDS=${ROUNDS:-3}
JVM_WARMUP=${JVM_WARMUP:-30s}
JAVA_OPTS=${JAVA_OPTS:-"-Xms512m -Xmx512m -XX:+UseG1GC -XX:+AlwaysPreTouch"}
UPSTREAM_PORT=18190
NGINX_PORT=18191
SLUICE_PORT=18192
ADMIN_PORT=18193

need wrk wrk
need nginx nginx-light
need curl curl
need h2load nghttp2-client
need openssl openssl


if [[ "${SKIP_BUILD:-}" != 1 ]]; then
  ./mvnw -q -pl sluice-server -am package -DskipTests
fi
JAR=sluice-server/target/sluice.jar

# --- one certificate for both: a CA, and a server certificate for 127.0.0.1 --------------------
(
  cd "$WORK"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key \
    -out ca.crt -days 2 -subj "/CN=bench CA" -addext basicConstraints=critical,CA:TRUE 2>/dev/null
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout server.key \
    -out server.csr -subj "/CN=127.0.0.1" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1\n' > ext
  openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -set_serial 1 -days 2 -extfile ext \
    -out server.crt 2>/dev/null
)

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

cat > "$WORK/proxy/nginx.conf" <<EOF
worker_processes auto;
error_log $WORK/proxy/logs/error.log warn;
pid $WORK/proxy/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  limit_req_zone \$binary_remote_addr zone=perip:10m rate=1000000r/s;
  upstream api {
    server 127.0.0.1:$UPSTREAM_PORT;
    keepalive 128;
  }
  server {
    listen 127.0.0.1:$NGINX_PORT ssl http2;
    ssl_certificate $WORK/server.crt;
    ssl_certificate_key $WORK/server.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    http2_max_concurrent_streams 100;
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

cat > "$WORK/policy.yaml" <<EOF
headers: x-ratelimit
global:
  key: ip
  limits: 1_000_000_000/minute
EOF

nginx -p "$WORK/upstream" -c "$WORK/upstream/nginx.conf" -g 'daemon off;' &
PIDS+=($!)
nginx -p "$WORK/proxy" -c "$WORK/proxy/nginx.conf" -g 'daemon off;' &
PIDS+=($!)
# shellcheck disable=SC2086
"${JAVA:-java}" $JAVA_OPTS -jar "$JAR" serve --config "$WORK/policy.yaml" \
  --upstream "http://127.0.0.1:$UPSTREAM_PORT" --host 127.0.0.1 \
  --tls-cert "$WORK/server.crt" --tls-key "$WORK/server.key" \
  --port "$SLUICE_PORT" --admin-port "$ADMIN_PORT" > "$WORK/sluice.log" 2>&1 &
PIDS+=($!)

wait_for "http://127.0.0.1:$UPSTREAM_PORT/"
wait_for "https://127.0.0.1:$NGINX_PORT/" --cacert "$WORK/ca.crt"
wait_for "https://127.0.0.1:$SLUICE_PORT/" --cacert "$WORK/ca.crt"

echo "== machine"
echo "nproc: $(nproc)"
"${JAVA:-java}" -version 2>&1 | head -n 1
nginx -v 2>&1
h2load --version 2>&1 | head -n 1
echo "commit: $(git rev-parse --short HEAD)"
echo "JVM flags: $JAVA_OPTS"
grep -E '^  (proxy|tls):' "$WORK/sluice.log" || true
echo "load before the run: $(uptime)"
echo

declare -A URL=(
  [nginx]="https://127.0.0.1:$NGINX_PORT/api/items"
  [sluice]="https://127.0.0.1:$SLUICE_PORT/api/items")
TARGETS=(nginx sluice)

echo "== sanity: one request each over HTTP/2 (headers)"
for t in "${TARGETS[@]}"; do
  echo "-- $t"
  curl -sS --http2 --cacert "$WORK/ca.crt" -D - -o /dev/null "${URL[$t]}" | tr -d '\r' \
    | grep -iv '^date:'
done

wrk_rps() { awk '/^Requests\/sec:/ {print $2}' "$1"; }
h2_rps() { awk '/^finished in/ {print $4}' "$1"; }

echo
echo "== warm-up (discarded): $JVM_WARMUP of each load on sluice, 5s on nginx"
for t in "${TARGETS[@]}"; do
  d=$([[ $t == sluice ]] && echo "$JVM_WARMUP" || echo 5s)
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$d" "${URL[$t]}" > /dev/null
  h2load -D "${d%s}" -c "$H2_CONNECTIONS" -m "$STREAMS" -t "$THREADS" "${URL[$t]}" > /dev/null
done

declare -A H1 H2
for round in $(seq 1 "$ROUNDS"); do
  for t in "${TARGETS[@]}"; do
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" "${URL[$t]}" > "$WORK/h1-$t-$round.txt"
    H1[$t]+="$(wrk_rps "$WORK/h1-$t-$round.txt") "
    h2load -D "${DURATION%s}" -c "$H2_CONNECTIONS" -m "$STREAMS" -t "$THREADS" "${URL[$t]}" \
      > "$WORK/h2-$t-$round.txt"
    if ! grep -q "^status codes: .* 0 4xx, 0 5xx" "$WORK/h2-$t-$round.txt"; then
      grep '^status codes' "$WORK/h2-$t-$round.txt" >&2
    fi
    H2[$t]+="$(h2_rps "$WORK/h2-$t-$round.txt") "
  done
  echo "round $round done"
done

echo
echo "== results (requests/s, median of $ROUNDS rounds; load after: $(uptime))"
printf '%-28s %12s %12s %8s\n' "row" "nginx" "sluice" "ratio"
for row in H1 H2; do
  unset -n R 2>/dev/null || true
  declare -n R=$row
  n=$(echo "${R[nginx]}" | median)
  s=$(echo "${R[sluice]}" | median)
  label=$([[ $row == H1 ]] && echo "HTTP/1.1+TLS wrk c=$CONNECTIONS" \
    || echo "HTTP/2+TLS h2load c=$H2_CONNECTIONS m=$STREAMS")
  printf '%-28s %12.0f %12.0f %7.0f%%\n' "$label" "$n" "$s" "$(awk -v s="$s" -v n="$n" 'BEGIN {print s * 100 / n}')"
  echo "  rounds nginx: ${R[nginx]}  sluice: ${R[sluice]}"
done
