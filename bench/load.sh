#!/usr/bin/env bash
# The bridge under load (docs/benchmarks.md, "Load"): 1,000 signed workflow_job deliveries with duplicates against
# the packaged bridge (embedded defaults, local provider, GitHub played by WireMock), then concurrent sessions
# streaming numbered lines through the bridge. Prints latencies, launches per job, memory, lost lines.
# Usage: bench/load.sh [deliveries, 1000] [sessions, 200] [lines per session, 10000]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
for f in runner-bridge/target/quarkus-app/quarkus-run.jar bench/target/cde-bench.jar function-image/agent/target/cde-agent.jar; do
  [ -f "$root/$f" ] || { echo "bench/load.sh: $f is missing: ./mvnw -B -DskipTests -pl runner-bridge,function-image/agent,bench -am package" >&2; exit 2; }
done
# Each instance is a JVM with its threads, and the bench holds a socket per session: lift the soft limits.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
exec java -Xmx1g -cp "$root/bench/target/cde-bench.jar" dev.cde.bench.LoadBench "$root" "$@"
