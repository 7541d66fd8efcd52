#!/bin/sh
# The function image's entry on AWS Lambda: a custom runtime loop over the Lambda Runtime API
# (https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html). Lambda lets nothing in, so each invocation's
# event ({"sessionId": ..., "env": {...}}, sent by the bridge's lambda provider) carries the agent's environment,
# including CDE_DIAL_OUT_URL and the session's dial token, and the agent dials the bridge (docs/agent.md, "Dial-out").
# The invocation lasts as long as the agent: until the bridge ends the session, or the function's timeout.
#
# Usage (the function's ImageConfig): EntryPoint ["/usr/bin/tini", "-s", "--", "/usr/local/bin/cde-lambda-bootstrap"],
# Command: the agent's command, e.g. ["/opt/cde/jre/bin/java", ..., "-jar", "/opt/cde/cde-agent.jar"].
set -u
[ $# -gt 0 ] || { echo "usage: cde-lambda-bootstrap <agent command...>" >&2; exit 2; }
api="http://${AWS_LAMBDA_RUNTIME_API:?AWS_LAMBDA_RUNTIME_API is not set: not running on Lambda}/2018-06-01/runtime"
work=$(mktemp -d)
while :; do
  if ! curl -sS -f -D "$work/headers" -o "$work/event" "$api/invocation/next"; then
    sleep 1
    continue
  fi
  id=$(grep -i '^lambda-runtime-aws-request-id:' "$work/headers" | cut -d: -f2 | tr -d ' \r')
  # jq quotes every value (@sh) so that no value is ever read by the shell as code; names that are not
  # variable names are dropped.
  if ! exports=$(jq -er '.env | to_entries[] | select(.key | test("^[A-Za-z_][A-Za-z0-9_]*$"))
      | "export \(.key)=\(.value | tostring | @sh)"' "$work/event"); then
    curl -sS -X POST -H 'Lambda-Runtime-Function-Error-Type: Runtime.InvalidEvent' \
      -d '{"errorType":"InvalidEvent","errorMessage":"the event has no env object (it is sent by the cde bridge)"}' \
      "$api/invocation/$id/error" >/dev/null
    continue
  fi
  # The job must not act as the function's execution role: Lambda puts the role's keys in the environment.
  (unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN; eval "$exports"; exec "$@")
  status=$?
  curl -sS -X POST -d "{\"agentExit\":$status}" "$api/invocation/$id/response" >/dev/null
done
