# cde: starts GitHub's runner in the instance. Run as: sh -c "$this" cde-runner-start <runner command...>
# The JIT config arrives in ACTIONS_RUNNER_INPUT_JITCONFIG (environment, never argv). The job hooks arrive as
# text in CDE_HOOK_*_SH; they are written to files because the runner wants hook paths.
set -eu
hooks=$(mktemp -d "${TMPDIR:-/tmp}/cde-hooks.XXXXXX")
printf '%s\n' "$CDE_HOOK_STARTED_SH" > "$hooks/job-started.sh"
printf '%s\n' "$CDE_HOOK_COMPLETED_SH" > "$hooks/job-completed.sh"
chmod 0755 "$hooks/job-started.sh" "$hooks/job-completed.sh"
unset CDE_HOOK_STARTED_SH CDE_HOOK_COMPLETED_SH
export ACTIONS_RUNNER_HOOK_JOB_STARTED="$hooks/job-started.sh"
export ACTIONS_RUNNER_HOOK_JOB_COMPLETED="$hooks/job-completed.sh"
echo "cde: starting runner $CDE_RUNNER_NAME for session $CDE_SESSION_ID"
exec "$@"
