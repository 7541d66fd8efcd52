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
# The bridge's mirror of the job's repository (docs/caching.md, "git mirrors"): with it as an alternate, git's
# fetch negotiation counts the mirror's objects as present and GitHub sends only what the mirror lacks. Exported
# for every step, because the checkout then needs the mirror to read the objects it did not copy.
if [ -n "${CDE_GIT_MIRROR:-}" ] && [ -d "${CDE_NAS:-/nas}/$CDE_GIT_MIRROR/objects" ]; then
  export GIT_ALTERNATE_OBJECT_DIRECTORIES="${CDE_NAS:-/nas}/$CDE_GIT_MIRROR/objects"
fi
echo "cde: starting runner $CDE_RUNNER_NAME for session $CDE_SESSION_ID"
exec "$@"
