#!/usr/bin/env bash
# Each limiter's Servlet filter alone (FilterBenchmark, JMH): the bench app's context with Sluice's
# starter or bucket4j-spring-boot-starter, the filter called on Spring's mock request and response
# with a chain that does nothing; `none` is the mocks' own cost. What a filter adds to a request
# is its figure minus none's, measured in one run on the same machine.
#
#   sluice-bench/spring-boot/filters.sh        # from anywhere; about 4 minutes
#
# Environment: JMH_ARGS (default "-f 1 -wi 3 -w 5s -i 5 -r 5s"; add "-t 2" for two threads on one
# key), SKIP_BUILD=1 to use the classes already built.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
JMH_ARGS=${JMH_ARGS:-"-f 1 -wi 3 -w 5s -i 5 -r 5s"}
POM=sluice-bench/spring-boot/pom.xml
if [[ "${SKIP_BUILD:-}" != 1 ]]; then
  ./mvnw -q -pl sluice-spring-boot-starter -am install -DskipTests -Dspotless.check.skip
  ./mvnw -q -f "$POM" clean package -DskipTests
fi
./mvnw -q -f "$POM" dependency:build-classpath -Dmdep.outputFile=target/classpath.txt
CP="sluice-bench/spring-boot/target/classes:$(cat sluice-bench/spring-boot/target/classpath.txt)"
# shellcheck disable=SC2086
java -cp "$CP" org.openjdk.jmh.Main FilterBenchmark $JMH_ARGS -jvmArgs "-Xms256m -Xmx256m -Dlogging.level.root=WARN"
