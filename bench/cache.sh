#!/usr/bin/env bash
# cde cache and @actions/cache against plain tar + zstd -T0, side by side in one run (docs/benchmarks.md, "Keyed
# archive cache"). Usage: bench/cache.sh [rounds, default 3]
# Starts the packaged bridge with its own CDE_HOME under ${TMPDIR:-/tmp}, creates a session with a cache scope and
# takes the CDE_CACHE_TOKEN the bridge gives processes in it, then runs bench/cache-inner.sh here with that token
# (cde cache then talks to the bridge as a job's script does, @actions/cache as a job's step does; the baseline
# runs in the same directory), prints the best and worst of each, removes everything it made. Needs: the bridge,
# cli and bench modules packaged, the npm fixtures of the bridge's tests (npm ci in runner-bridge/src/test/node),
# node, tar, zstd, python3 (to make the tree).
# TMPDIR=/dev/shm runs it all in memory. On a disk, mind the file system: ext4 without a journal (this project's
# development VM) skips, one by one, every inode freed in the last dirtytime_expire_seconds (12 h) when it
# allocates one (recently_deleted() in fs/ext4/ialloc.c), so each round's deleted trees, and any other deletions
# on the machine, make the next round's 50,000 new files slower for every leg: compare legs within a round.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
rounds=${1:-3}
for f in runner-bridge/target/quarkus-app/quarkus-run.jar cli/target/cde.jar bench/target/cde-bench.jar \
         function-image/agent/target/cde-agent.jar; do
  [ -f "$root/$f" ] || { echo "bench/cache.sh: $f is missing: ./mvnw -B -DskipTests -pl runner-bridge,cli,bench -am package" >&2; exit 2; }
done
node_cache="$root/runner-bridge/src/test/node/actions-cache.mjs"
[ -d "$root/runner-bridge/src/test/node/node_modules/@actions/cache" ] || {
  echo "bench/cache.sh: @actions/cache is missing: (cd runner-bridge/src/test/node && npm ci)" >&2; exit 2; }
home=$(mktemp -d "${TMPDIR:-/tmp}/cde-cache-bench.XXXXXX")
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
bridge_pid=
cleanup() {
  if [ -n "$bridge_pid" ]; then
    # End the bench's session first: its agent would outlive the bridge (instances survive a bridge's restart).
    local auth="Authorization: Bearer $(cat "$home/api-token" 2>/dev/null)" id
    for id in $(curl -sf -H "$auth" "http://127.0.0.1:$port/api/v1/sessions" 2>/dev/null \
        | python3 -c 'import json, sys; [print(s["id"]) for s in json.load(sys.stdin)]' 2>/dev/null); do
      curl -sf -X DELETE -H "$auth" "http://127.0.0.1:$port/api/v1/sessions/$id" >/dev/null 2>&1 || true
    done
    kill "$bridge_pid" 2>/dev/null || true; wait "$bridge_pid" 2>/dev/null || true
  fi
  rm -rf "$home"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
CDE_HOME="$home" java -Dquarkus.http.port="$port" -Dcde.root="$root" -jar "$root/runner-bridge/target/quarkus-app/quarkus-run.jar" \
  > "$home/bridge.log" 2>&1 &
bridge_pid=$!
for _ in $(seq 1 300); do
  curl -sf "http://127.0.0.1:$port/q/health" >/dev/null 2>&1 && break
  sleep 0.2
done
# The token stays in this script's variables (a throwaway bridge of the bench's own); it is never printed.
export CDE_CACHE_TOKEN
CDE_CACHE_TOKEN=$(java -cp "$root/bench/target/cde-bench.jar" dev.cde.bench.InSession "http://127.0.0.1:$port" \
  "$home/api-token" bench/maven <(printf '%s' 'printf %s "$CDE_CACHE_TOKEN"'))
export CDE_CALLBACK_URL="http://127.0.0.1:$port"
# The NAS as an instance mounts it (read-only there): cde cache restore reads the entry's file from it.
export CDE_NAS="$home/nas"
mkdir "$home/work"
cd "$home/work"
# cde as the function image's /usr/local/bin/cde starts it (function-image/Containerfile), with the class-data
# archive the cli module's packaging made.
CDE="java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:SharedArchiveFile=$root/cli/target/cde.jsa -Xshare:auto \
-Xlog:cds=off -Xlog:cds+dynamic=off -jar $root/cli/target/cde.jar" NODE_CACHE="$node_cache" ROUNDS=$rounds \
  BRIDGE_PID=$bridge_pid bash "$root/bench/cache-inner.sh"
