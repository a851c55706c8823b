#!/usr/bin/env bash
# Hookgate load test: builds the project, then runs the gateway (own JVM, -Xmx512m, embedded
# PostgreSQL with fsync on), verifying sinks, a generator and the three baselines on loopback.
# The harness JVM runs ZGC on a quarter of memory, pre-touched (no collection cycles and no page faults taking a core
# from the gateway in the window): under G1 its young pauses (20-90 ms every ~2.6 s at 2,000 events/s) froze
# the generator and the sinks, and counted as the gateway's latency.
#   loadtest/run.sh                                  # every scenario, 60 s each, 60 s warm-up
#   loadtest/run.sh --scenarios=throughput-f1 --duration=20
# Options: --scenarios=baselines,throughput-f1,throughput-f10,latency-2000,dead-endpoint,outage,restart
#          (throughput-f<N> for any fan-out, latency-<R> for any rate) --duration=S --warmup=S --event-bytes=N --connections=N
#          --outage=S --batch=N --dead-rate=N --sink-slow-ms=N --sink-fail-rate=F --out=DIR
#          --database=HOST:PORT (an external PostgreSQL instead of the embedded one) --gateway-jvm="..."
#          --gateway-config=delivery.max-in-flight=8000,... (gateway settings over conf/hookgate.yaml)
# HARNESS_JVM_OPTS (environment): extra JVM options for the harness itself, e.g. "-Xlog:gc:file=/tmp/harness-gc.log".
# The report is printed and written to loadtest/results/<time>/report.json with PNG charts.
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -DskipTests test-compile dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/loadtest.classpath
exec java -XX:InitialRAMPercentage=25 -XX:MaxRAMPercentage=25 -XX:+AlwaysPreTouch -XX:+UseZGC -XX:-ZUncommit -XX:-ZProactive ${HARNESS_JVM_OPTS:-} -cp "target/test-classes:target/classes:$(cat target/loadtest.classpath)" io.hookgate.loadtest.LoadTest "$@"
