#!/bin/sh
# A stand-in for GitHub's Actions runner (tests only; cde.github.runners.command). Like the real runner it
# takes its JIT config from ACTIONS_RUNNER_INPUT_JITCONFIG and calls the job hooks around a job. The fake
# GitHub of the test puts in that config what GitHub would tell the runner: "<run id> <attempt> <mode>".
#   mode "idle": waits for a job that never comes (until the bridge ends the session);
#   mode "job":  runs a job at once, with its hooks, and exits like an ephemeral runner.
set -u
if [ -z "${ACTIONS_RUNNER_INPUT_JITCONFIG:-}" ]; then
  echo "stand-in runner: no JIT config in the environment" >&2
  exit 3
fi
set -- $(printf '%s' "$ACTIONS_RUNNER_INPUT_JITCONFIG" | base64 -d)
export GITHUB_RUN_ID="$1" GITHUB_RUN_ATTEMPT="$2" GITHUB_JOB=build GITHUB_REPOSITORY=octo/stand-in GITHUB_REF=refs/heads/main
export GITHUB_STEP_SUMMARY="${TMPDIR:-/tmp}/stand-in-summary.$$"
echo "stand-in runner: listening for jobs"
if [ "$3" = "idle" ]; then
  exec sleep 600
fi
if ! "$ACTIONS_RUNNER_HOOK_JOB_STARTED"; then
  echo "stand-in runner: job failed in its job-started hook"
  exit 0
fi
# What unmodified actions/cache does first on a patched runner: a lookup at ACTIONS_CACHE_URL (runner-start.sh's).
if [ -n "${ACTIONS_CACHE_URL:-}" ] && [ -z "${ACTIONS_CACHE_SERVICE_V2:-}" ]; then
  echo "stand-in runner: cache lookup answered $(curl -s -o /dev/null -w '%{http_code}' \
    "${ACTIONS_CACHE_URL}_apis/artifactcache/cache?keys=none&version=v1")"
fi
echo "stand-in runner: job ran"
"$ACTIONS_RUNNER_HOOK_JOB_COMPLETED"
echo "stand-in runner: summary: $(cat "$GITHUB_STEP_SUMMARY")"
exit 0
