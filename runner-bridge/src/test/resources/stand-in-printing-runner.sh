#!/bin/sh
# A stand-in for GitHub's Actions runner (tests only) that prints over time, for the dashboard's browser test
# (dev.cde.bridge.web.DashboardBrowserIT): one coloured line, then nothing until the test creates $1/release (after
# its page showed that line), three more lines, then it waits for $1/finish and exits, which ends its session.
set -u
gate="$1"
wait_for() {
  n=0
  while [ ! -e "$gate/$1" ] && [ $n -lt 1800 ]; do sleep 0.1; n=$((n + 1)); done
}
printf '\033[32mdashboard-test: before the page opened\033[0m\n'
wait_for release
for i in 1 2 3; do
  echo "dashboard-test: after the page opened, line $i"
  sleep 0.3
done
wait_for finish
echo "dashboard-test: done"
exit 0
