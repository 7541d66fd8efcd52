#!/usr/bin/env bash
# Tunnel throughput and latency, side by side with raw loopback TCP and ssh -L (docs/benchmarks.md).
# Usage: bench/run.sh [MiB per run, default 256] [rounds, default 3]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
if [ ! -f "$root/bench/target/cde-bench.jar" ] || [ ! -f "$root/function-image/agent/target/cde-agent.jar" ]; then
  "$root/mvnw" -q -B -DskipTests -pl tunnel,function-image/agent,bench -am install
fi
exec java -jar "$root/bench/target/cde-bench.jar" --agent "$root/function-image/agent/target/cde-agent.jar" "$@"
