# What the load scripts under sluice-bench/ share; each sources it after `cd "$ROOT"`:
#   . sluice-bench/lib.sh
# It makes WORK (a fresh directory under /tmp named after the script's $BENCH_NAME), and kills the
# processes whose pids a script adds to PIDS when the script exits, however it exits.

WORK=$(mktemp -d "/tmp/sluice-${BENCH_NAME:-bench}-bench.XXXXXX")
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  wait 2>/dev/null || true
}
trap cleanup EXIT

# need COMMAND PACKAGE: installs Debian's PACKAGE unless COMMAND is there
need() {
  if ! command -v "$1" >/dev/null 2>&1; then
    echo "installing $2" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y "$2" >/dev/null
  fi
}

# wait_for URL [curl options...]: until URL answers 2xx (30 s), else shows $WORK/sluice.log and ends
wait_for() {
  local url=$1
  shift
  for _ in $(seq 1 300); do
    if curl -fsS "$@" -o /dev/null "$url" 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "not answering: $url" >&2
  [[ -f "$WORK/sluice.log" ]] && cat "$WORK/sluice.log" >&2
  exit 1
}

# wait_port PORT: until something listens on 127.0.0.1:PORT (60 s), else ends
wait_port() {
  for _ in $(seq 1 600); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then
      return 0
    fi
    sleep 0.1
  done
  echo "nothing listens on port $1" >&2
  exit 1
}

# ticks PID: the CPU time (user + system) of a process, in clock ticks (getconf CLK_TCK a second)
ticks() {
  awk '{print $14 + $15}' "/proc/$1/stat"
}

# median: the median of the numbers on standard input (separated by newlines or spaces)
median() {
  tr -s ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'
}
