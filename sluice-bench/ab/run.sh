#!/usr/bin/env bash
# Before/after: the same JMH benchmarks from two builds, their forks taking turns, so both see the
# same machine (a ratio holds on a noisy machine; an absolute time does not).
#
#   sluice-bench/ab/run.sh BEFORE.jar AFTER.jar 'IptoDecisionBenchmark.decide$' [JMH options...]
#
# Build BEFORE.jar from the commit to compare against, e.g.:
#   git worktree add /tmp/before <commit> && (cd /tmp/before && ./mvnw -q -pl sluice-bench -am \
#     package -DskipTests) && cp /tmp/before/sluice-bench/target/benchmarks.jar /tmp/before.jar
#
# Environment: ROUNDS (3): each round runs one JMH invocation per jar, in turn; the JMH options
# (default: -f 2 -wi 3 -w 1s -i 2 -r 1s) apply to each. Reported per benchmark and parameter
# set: the median over every measured iteration of every fork, before and after, and after/before.
set -euo pipefail
if [ $# -lt 3 ]; then
  sed -n '2,12p' "$0"
  exit 2
fi
BEFORE=$1
AFTER=$2
PATTERN=$3
shift 3
OPTS=("$@")
if [ ${#OPTS[@]} -eq 0 ]; then
  OPTS=(-f 2 -wi 3 -w 1s -i 2 -r 1s)
fi
ROUNDS=${ROUNDS:-3}
OUT=$(mktemp -d)
for round in $(seq 1 "$ROUNDS"); do
  for side in before after; do
    jar=$BEFORE
    [ "$side" = after ] && jar=$AFTER
    echo "round $round: $side" >&2
    java -jar "$jar" "$PATTERN" "${OPTS[@]}" -rf json -rff "$OUT/$side-$round.json" >/dev/null
  done
done
python3 - "$OUT" <<'PY'
import glob, json, os, statistics, sys
out = sys.argv[1]
runs = {}
for side in ("before", "after"):
    for f in sorted(glob.glob(os.path.join(out, side + "-*.json"))):
        for r in json.load(open(f)):
            key = (r["benchmark"].rsplit(".", 1)[-1], tuple(sorted((r.get("params") or {}).items())))
            unit = r["primaryMetric"]["scoreUnit"]
            for fork in r["primaryMetric"]["rawData"]:
                runs.setdefault(key, {}).setdefault(side, []).extend(fork)
            runs[key]["unit"] = unit
print("| benchmark | params | before | after | after/before |")
print("| --- | --- | ---: | ---: | ---: |")
for (name, params), v in sorted(runs.items()):
    b = statistics.median(v["before"]); a = statistics.median(v["after"])
    p = " ".join(f"{k}={x}" for k, x in params)
    print(f"| {name} | {p} | {b:.1f} | {a:.1f} {v['unit']} | {a / b:.3f} |")
PY
