#!/bin/sh
# cde job-started hook: tells the bridge which job this runner took, and fails the job at once when cde
# cannot serve it (labels it does not understand), so that nobody waits for a job that can never run.
set -u
refuse() {
  echo "::error title=cde::$1"
  exit 1
}
answer=$(curl -sS --fail-with-body --max-time 60 -H "Authorization: Bearer $CDE_HOOK_TOKEN" \
  --data-urlencode "runId=${GITHUB_RUN_ID:-}" --data-urlencode "runAttempt=${GITHUB_RUN_ATTEMPT:-}" \
  --data-urlencode "job=${GITHUB_JOB:-}" --data-urlencode "repository=${GITHUB_REPOSITORY:-}" \
  --data-urlencode "ref=${GITHUB_REF:-}" \
  "$CDE_CALLBACK_URL/github/hooks/job-started" 2>&1)
status=$?
verdict=$(printf '%s\n' "$answer" | head -n 1)
message=$(printf '%s\n' "$answer" | tail -n +2)
if [ $status -eq 0 ] && [ "$verdict" = "run" ]; then
  echo "cde: session $CDE_SESSION_ID, runner $CDE_RUNNER_NAME${message:+ ($message)}"
  exit 0
fi
if [ $status -eq 0 ] && [ "$verdict" = "refuse" ]; then
  refuse "$message"
fi
# The bridge could not be asked. A runner started for a job that cde refused fails it anyway; any other job runs.
if [ -n "${CDE_JOB_REFUSAL:-}" ]; then
  refuse "$CDE_JOB_REFUSAL"
fi
echo "::warning title=cde::could not reach the cde bridge at $CDE_CALLBACK_URL: $answer"
exit 0
