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
# Unmodified actions/cache reaches the bridge through the older REST protocol, whose URL carries the session's
# cache token. Effective only with a runner patched by function-image/patch-runner-cache.sh (an unpatched one
# overwrites ACTIONS_CACHE_URL with GitHub's, and its cache stays GitHub's); never echoed: the token is a secret.
if [ -n "${CDE_CALLBACK_URL:-}" ] && [ -n "${CDE_CACHE_TOKEN:-}" ]; then
  export ACTIONS_CACHE_URL="${CDE_CALLBACK_URL%/}/_cde/cache/$CDE_CACHE_TOKEN/"
  unset ACTIONS_CACHE_SERVICE_V2
fi
# The bridge's mirror of the job's repository (docs/caching.md, "git mirrors"): with it as an alternate, git's
# fetch negotiation counts the mirror's objects as present and GitHub sends only what the mirror lacks. Exported
# for every step, because the checkout then needs the mirror to read the objects it did not copy.
if [ -n "${CDE_GIT_MIRROR:-}" ] && [ -d "${CDE_NAS:-/nas}/$CDE_GIT_MIRROR/objects" ]; then
  export GIT_ALTERNATE_OBJECT_DIRECTORIES="${CDE_NAS:-/nas}/$CDE_GIT_MIRROR/objects"
fi
echo "cde: starting runner $CDE_RUNNER_NAME for session $CDE_SESSION_ID"
exec "$@"
