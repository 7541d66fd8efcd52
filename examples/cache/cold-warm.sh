#!/usr/bin/env bash
# The same job twice, each on a fresh instance: the first cold (an empty NAS scope: Maven downloads its world),
# the second warm (the NAS gives back what the first saved). Usage:
#   examples/cache/cold-warm.sh [CACHE_SCOPE]     # default: a new scope example/maven-cache-<time>, so run 1 is cold
# Uses ./cde (CDE=... to run another cde command); the bridge at CDE_BRIDGE_URL, or the embedded one it starts.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cde=${CDE:-$here/../../cde}
scope=${1:-example/maven-cache-$(date +%s)}
for run in 1 2; do
  echo "== run $run, cache scope $scope"
  start=$(date +%s%N)
  # The project travels on stdin as a checkout would bring it; ci.sh is the job's script.
  tar -C "$here/project" --exclude=target --exclude=.m2 -cf - . \
    | $cde run --cache-scope "$scope" --cpu 2 --memory 2g --max-duration 15m -- bash -c 'tar -xf - && bash ci.sh'
  echo "== run $run took $(( ($(date +%s%N) - start) / 1000000 )) ms from the command to the session's end"
done
